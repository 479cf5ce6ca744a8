"""Tests of the CT realization layer: ``mapCtoD``, ``realizeNTF_ct`` and the loop helpers.

Reference numbers come from the Delta-Sigma Toolbox documentation and from the example
values printed/asserted by python-deltasigma (its ``realizeNTF_ct``/``mapCtoD`` docstrings,
test suite and ``dsexample3`` notebook); each test cites its source. The property tests
check the defining identity of a CT realization: the sampled pulse response of the CT loop
equals the impulse response of ``L1 = 1 - 1/NTF``.
"""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import linalg, signal
from scipy.integrate import solve_ivp

from ctdsm.toolbox import mapCtoD, realizeNTF_ct
from ctdsm.toolbox._ct_map import pulse_samples
from ctdsm.toolbox.ct import ct_loop_response, ntf_loop_response

# ----------------------------------------------------------------------------------------
# fixtures / helpers
# ----------------------------------------------------------------------------------------

DOUBLE_DIFF = ([1.0, 1.0], [0.0, 0.0], 1.0)  # NTF (1 - z^-1)^2


def make_ntf(order: int, osr: int, opt: int, wn: float = 0.3):
    """Test NTF: zeros at z = 1 (opt 0) or at the optimal in-band positions (opt 1, the
    Gauss-Legendre nodes scaled to the band edge pi/OSR, listed real-first then in
    conjugate pairs as the toolbox does); poles of a digital Butterworth high-pass, so the
    NTF is monic (NTF(inf) = 1)."""
    if opt:
        nodes = np.polynomial.legendre.leggauss(order)[0] * np.pi / osr
        zeros = [1.0 + 0j] if order % 2 else []
        for a in sorted(a for a in nodes if a > 1e-12):
            zeros += [np.exp(1j * a), np.exp(-1j * a)]
        zeros = np.array(zeros)
    else:
        zeros = np.ones(order, dtype=complex)
    poles = signal.butter(order, wn, "highpass", output="zpk")[1]
    return zeros, poles, 1.0


def abcd_of(sys_d):
    A, B, C, D = sys_d
    return np.block([[A, B], [C, D]])


def rel_err(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b))


def ode_loop_response(ABCDc, tdac2, n):
    """Sampled pulse response v -> y of a CT loop by fine-step ODE integration
    (scipy solve_ivp, DOP853, tight tolerances), independent of the matrix exponentials."""
    ABCDc = np.asarray(ABCDc, float)
    nx = ABCDc.shape[0] - 1
    A, B = ABCDc[:nx, :nx], ABCDc[:nx, nx:]
    C, D = ABCDc[nx, :nx], ABCDc[nx, nx:]
    tdac2 = np.asarray(tdac2, float)
    dacs = [i for i in range(tdac2.shape[0]) if not np.all(tdac2[i] == -1)]
    edges = {float(k) for k in range(n)}
    for i in dacs:
        edges.update(float(e) for e in tdac2[i] if e < n)
    grid = sorted(edges)
    x = np.zeros(nx)
    y = np.zeros(n)
    for a, b in zip(grid[:-1], grid[1:], strict=True):
        mid = 0.5 * (a + b)
        u = sum(B[:, i] for i in dacs if tdac2[i, 0] <= mid < tdac2[i, 1]) + np.zeros(nx)
        sol = solve_ivp(
            lambda _t, s, u=u: A @ s + u, (a, b), x, method="DOP853", rtol=1e-12, atol=1e-14
        )
        x = sol.y[:, -1]
        if float(b).is_integer() and b < n:
            k = int(b)
            direct = sum(D[i] for i in dacs if tdac2[i, 0] < k <= tdac2[i, 1])
            y[k] = C @ x + direct
    return y


# ----------------------------------------------------------------------------------------
# realizeNTF_ct: published examples
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("tdac", [None, [0, 1], (0, 1), np.array([0.0, 1.0])])
def test_realize_double_differentiator_fb(tdac):
    # Delta-Sigma Toolbox, realizeNTF_ct help example (also python-deltasigma docstring and
    # tests 1/9, 2/9): ntf = zpk([1 1],[0 0],1,1); realizeNTF_ct(ntf,'FB').
    args = () if tdac is None else (tdac,)
    ABCDc, tdac2 = realizeNTF_ct(DOUBLE_DIFF, "FB", *args)
    ref = [[0, 0, 1, -1], [1, 0, 0, -1.5], [0, 1, 0, 0]]
    np.testing.assert_allclose(ABCDc, ref, rtol=1e-4, atol=1e-10)
    np.testing.assert_array_equal(tdac2, [[-1, -1], [0, 1]])


def test_realize_multi_timing_published():
    # python-deltasigma test_realizeNTF_ct 3/9 (toolbox cell-array tdac example).
    ntf3 = ([1.0, 1.0, 1.0], [0.0, 0.0, 0.0], 1.0)
    tdac = [[1, 2], [1, 2], [[0.5, 1], [1, 1.5]], []]
    ABCDc, tdac2 = realizeNTF_ct(ntf3, "FB", tdac)
    ref = [
        [0, 0, 0, 1, -1, 0, 0, 0],
        [1, 0, 0, 0, 0, -3, 0, 0],
        [0, 1, 0, 0, 0, 0, -6, -2.6667],
        [0, 0, 1, 0, 0, 0, 0, 0],
    ]
    np.testing.assert_allclose(ABCDc, ref, rtol=1e-4, atol=1e-8)
    np.testing.assert_allclose(tdac2, [[-1, -1], [1, 2], [1, 2], [0.5, 1], [1, 1.5]])
    np.testing.assert_allclose(
        ct_loop_response(ABCDc, tdac2, 30), ntf_loop_response(ntf3, 30), rtol=1e-10
    )


@pytest.mark.parametrize(
    ("tdac", "ref", "ref_t"),
    [
        # python-deltasigma test_realizeNTF_ct 4/9 (FF, NRZ) and 5/9 (FF, NRZ delayed by 0.5).
        ([0, 1], [[0, 0, 1, -1], [1, 0, 0, 0], [1.5, 1, 0, 0]], [[-1, -1], [0, 1]]),
        ([0.5, 1.5], [[0, 0, 1, -1], [1, 0, 0, 0], [2, 1, 0, -0.875]], [[-1, -1], [0.5, 1.5]]),
    ],
)
def test_realize_ff_published(tdac, ref, ref_t):
    ABCDc, tdac2 = realizeNTF_ct(DOUBLE_DIFF, "FF", tdac)
    np.testing.assert_allclose(ABCDc, ref, rtol=1e-4, atol=1e-8)
    np.testing.assert_allclose(tdac2, ref_t)


# dsexample3 of python-deltasigma (order 3, OSR 32, H_inf 1.5, optimized zeros) prints the
# NTF roots to 6 digits; its CT realization (FB, NRZ) is the ABCDc used, with 8 digits, in
# python-deltasigma's test_mapCtoD 2/6, and with 0.1 excess delay in test_mapCtoD 3/6.
W3 = np.sqrt(3 / 5) * np.pi / 32  # optimal zero of a 3rd-order NTF, band edge pi/32
DSEX3_NTF = (
    [1.0, np.exp(1j * W3), np.exp(-1j * W3)],
    [0.764515 - 0.280052j, 0.764515 + 0.280052j, 0.668460],
    1.0,
)
DSEX3_ABCDC = np.array(
    [
        [0.0, 0.0, 0.0, 0.04440879, -0.04440879],
        [1.0, 0.0, -0.00578297, 0.0, -0.23997611],
        [0.0, 1.0, 0.0, 0.0, -0.67004646],
        [0.0, 0.0, 1.0, 0.0, 0.0],
    ]
)
DSEX3_ABCDC_ELD = np.array(
    [
        [0.0, 0.0, 0.0, 0.0444, -0.0444],
        [1.0, 0.0, -0.0058, 0.0, -0.2440],
        [0.0, 1.0, 0.0, 0.0, -0.6942],
        [0.0, 0.0, 1.0, 0.0, -0.0682],
    ]
)


def test_realize_dsexample3_nrz():
    ABCDc, tdac2 = realizeNTF_ct(DSEX3_NTF, "FB", [0, 1])
    # 6-digit poles limit the agreement to ~1e-6 relative.
    np.testing.assert_allclose(ABCDc, DSEX3_ABCDC, rtol=1e-4, atol=1e-8)
    np.testing.assert_array_equal(tdac2, [[-1, -1], [0, 1]])


def test_realize_dsexample3_eld():
    ABCDc, tdac2 = realizeNTF_ct(DSEX3_NTF, "FB", [0.1, 1.1])
    np.testing.assert_allclose(ABCDc, DSEX3_ABCDC_ELD, atol=1e-4)
    np.testing.assert_allclose(tdac2, [[-1, -1], [0.1, 1.1]])


@pytest.mark.skipif(
    importlib.util.find_spec("ctdsm.toolbox.ntf") is None, reason="ntf.py not available yet"
)
def test_realize_synthesized_dsexample3():
    # Same published ABCDc, now from our own synthesizeNTF(3, 32, 1) (H_inf = 1.5).
    from ctdsm.toolbox import synthesizeNTF

    ABCDc, _ = realizeNTF_ct(synthesizeNTF(3, 32, 1), "FB", [0, 1])
    np.testing.assert_allclose(ABCDc, DSEX3_ABCDC, rtol=1e-4, atol=1e-7)


@pytest.mark.skipif(
    importlib.util.find_spec("ctdsm.toolbox.ntf") is None, reason="ntf.py not available yet"
)
@pytest.mark.parametrize(
    ("order", "osr", "opt", "f0"),
    [(5, 32, 1, 0.0), (6, 128, 0, 0.0), (4, 64, 1, 0.25), (2, 16, 1, 0.0)],
)
@pytest.mark.parametrize("tdac", [[0, 1], [0.5, 1.5], [1, 2]])
def test_realize_synthesized_ntfs(order, osr, opt, f0, tdac):
    from ctdsm.toolbox import synthesizeNTF

    ntf = synthesizeNTF(order, osr, opt, 1.5, f0)
    bp = np.ones(order // 2) if f0 else None
    for form in ("FB", "FF"):
        ABCDc, tdac2 = realizeNTF_ct(ntf, form, tdac, bp=bp)
        assert rel_err(ct_loop_response(ABCDc, tdac2, 60), ntf_loop_response(ntf, 60)) < 1e-8


@pytest.mark.parametrize(
    "kwargs",
    [
        {"form": "DUMMY"},  # python-deltasigma 6/9
        {"tdac": [0.5, 1.5, 3.0]},  # 7/9: three values
        {"tdac": [[0.5, 1.5], [0.5, 0.8]]},  # multi-timing needs order + 1 entries
        {"form": "FF", "tdac": [[0, 1], [0, 1], []]},  # 9/9: multi-timing only with FB
        {"tdac": [1.0, 0.5]},
        {"tdac": [-0.2, 0.8]},
        {"method": "BOGUS"},
        {"ordering": [3]},
        {"bp": [0, 1]},
    ],
)
def test_realize_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        realizeNTF_ct(DOUBLE_DIFF, **kwargs)


def test_realize_ntf_must_be_proper():
    with pytest.raises(ValueError):
        realizeNTF_ct(([1.0, 1.0], [0.0], 1.0))


# ----------------------------------------------------------------------------------------
# mapCtoD: published examples
# ----------------------------------------------------------------------------------------


def lf_abcd(lf):
    if isinstance(lf, signal.lti):
        ss = lf.to_ss()
        return np.block([[ss.A, ss.B], [ss.C, ss.D]])
    if isinstance(lf, tuple):
        return np.block([[lf[0], lf[1]], [lf[2], lf[3]]])
    return np.asarray(lf, float)


def closed_loop_ntf_roots(sys_d):
    """NTF zeros/poles of a modulator whose DT loop filter is sys_d (inputs [u, v])."""
    A, B, C, D = sys_d
    assert abs(D[0, -1]) < 1e-12  # no delay-free loop
    return linalg.eigvals(A), linalg.eigvals(A + np.outer(B[:, -1], C[0]))


@pytest.mark.parametrize(
    "lf",
    [
        signal.lti([[0, 0], [1, 0]], [[1, -1], [0, -1.5]], [[0, 1]], [[0, 0]]),
        (
            np.array([[0.0, 0.0], [1.0, 0.0]]),
            np.array([[1.0, -1.0], [0.0, -1.5]]),
            np.array([[0.0, 1.0]]),
            np.array([[0.0, 0.0]]),
        ),
        [[0, 0, 1, -1], [1, 0, 0, -1.5], [0, 1, 0, 0]],
    ],
)
def test_mapctod_doc_example(lf):
    # Delta-Sigma Toolbox mapCtoD example / python-deltasigma test_mapCtoD 1/6: the DT
    # equivalent of LF = ss([0 0;1 0],[1 -1;0 -1.5],[0 1],[0 0]) with tdac [0 1] gives
    # NTF = (1 - z^-1)^2 exactly.
    sys_d, Gp = mapCtoD(lf, [0, 1])
    zeros, poles = closed_loop_ntf_roots(sys_d)
    np.testing.assert_allclose(zeros, [1, 1], atol=1e-12)
    np.testing.assert_allclose(poles, [0, 0], atol=1e-6)  # double root: ~sqrt(eps)
    A, B, C, D = sys_d
    np.testing.assert_allclose(A, [[1, 0], [1, 1]], atol=1e-14)
    np.testing.assert_allclose(B, [[1, -1], [0.5, -2]], atol=1e-14)
    # L1 from the DT system is exactly 1 - 1/NTF.
    np.testing.assert_allclose(
        ct_loop_response(lf_abcd(lf), [0, 1], 20),
        ntf_loop_response(DOUBLE_DIFF, 20),
        atol=1e-12,
    )
    # Gp is the CT path u -> y, here 1/s^2.
    assert isinstance(Gp, signal.lti)
    for w in (0.1, 1.0, 3.0):
        H = Gp.C @ np.linalg.solve(1j * w * np.eye(2) - Gp.A, Gp.B) + Gp.D
        assert H[0, 0] == pytest.approx(1 / (1j * w) ** 2, rel=1e-12)


def test_mapctod_third_order_nrz_published():
    # python-deltasigma test_mapCtoD 2/6 (zero-delay NRZ).
    sys_d, _ = mapCtoD(DSEX3_ABCDC, np.array([[-1.0, -1.0], [0.0, 1.0]]))
    ref = [
        [1.0, 0.0, 0.0, 0.04440879, -0.04440879],
        [0.99903645, 0.99710991, -0.0057774, 0.0221937, -0.26000208],
        [0.49975909, 0.99903645, 0.99710991, 0.00739932, -0.79673041],
        [0.0, 0.0, 1.0, 0.0, 0.0],
    ]
    np.testing.assert_allclose(abcd_of(sys_d), ref, rtol=1e-5, atol=1e-8)


def test_mapctod_third_order_eld_published():
    # python-deltasigma test_mapCtoD 3/6 (NRZ delayed by 0.1, direct feedback -0.0682):
    # one extra state holds v[n-1].
    sys_d, _ = mapCtoD(DSEX3_ABCDC_ELD, np.array([[-1.0, -1.0], [0.1, 1.1]]))
    ref = [
        [1.0, 0.0, 0.0, -0.0044, 0.0444, -0.0400],
        [0.999, 0.9971, -0.0058, -0.0282, 0.0222, -0.2358],
        [0.4998, 0.999, 0.9971, -0.0944, 0.0074, -0.7285],
        [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
        [0.0, 0.0, 1.0, -0.0682, 0.0, 0.0],
    ]
    np.testing.assert_allclose(abcd_of(sys_d), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("tdac", "ref"),
    [
        # python-deltasigma test_mapCtoD 4/6 and 5/6 (f0 = 0.2; single tdac row).
        (
            [0.1, 1.1],
            [
                [1.0, 0.0, -0.1, 0.9355, -0.9],
                [1.0, 1.0, -0.245, 0.4784, -1.7550],
                [0.0, 0.0, 0.0, 0.0, 1.0],
                [0.0, 1.0, 0.0, 0.0, 0.0],
            ],
        ),
        (
            [0.1, 0.4],
            [[1.0, 0.0, 0.9355, -0.3000], [1.0, 1.0, 0.4784, -0.6750], [0.0, 1.0, 0.0, 0.0]],
        ),
    ],
)
def test_mapctod_f0_published(tdac, ref):
    lf = [[0, 0, 1, -1], [1, 0, 0, -1.5], [0, 1, 0, 0]]
    sys_d, _ = mapCtoD(lf, tdac, f0=0.2)
    np.testing.assert_allclose(abcd_of(sys_d), ref, rtol=1e-4, atol=1e-4)


def test_mapctod_f0_feedin_is_sinc_for_first_integrator():
    # Analytic: the first integrator sees |int_0^1 exp(-j w s) ds| = sinc(f0).
    for f0 in (0.05, 0.2, 0.35):
        sys_d, _ = mapCtoD([[0, 0, 1, -1], [1, 0, 0, -1.5], [0, 1, 0, 0]], [0, 1], f0=f0)
        assert sys_d[1][0, 0] == pytest.approx(np.sinc(f0), rel=1e-12)


@pytest.mark.parametrize(
    "t",
    [
        [0.1, 0.4, 0.1, 3.0],  # python-deltasigma test_mapCtoD 6/6: wrong shape
        [[-1, -1], [0, 1], [0, 1]],  # more rows than inputs
        [[-1, -1], [-0.5, 1]],
        [[-1, -1], [1, 0.5]],
    ],
)
def test_mapctod_bad_timing(t):
    with pytest.raises(ValueError):
        mapCtoD([[0, 0, 1, -1], [1, 0, 0, -1.5], [0, 1, 0, 0]], t)


def test_mapctod_input_forms_agree():
    lf = np.array([[0, 0, 1, -1, -0.3], [1, 0, 0, -1.5, 0.2], [0, 1, 0, 0.1, 0.4]], float)
    A, B, C, D = lf[:2, :2], lf[:2, 2:], lf[2:, :2], lf[2:, 2:]
    t = [[-1, -1], [0.2, 1.2], [0.5, 1]]
    ref = abcd_of(mapCtoD(lf, t)[0])
    for form in ((A, B, C, D), signal.lti(A, B, C, D), lf.tolist()):
        np.testing.assert_allclose(abcd_of(mapCtoD(form, t)[0]), ref, rtol=1e-12, atol=1e-15)
    # rows for the DACs only: the first input is taken as CT
    np.testing.assert_allclose(abcd_of(mapCtoD(lf, t[1:])[0]), ref, rtol=1e-12, atol=1e-15)


def test_mapctod_full_period_delay_states():
    # NRZ delayed by a full period with a direct path: y[n] needs v[n-2] -> 2 extra states;
    # the undelayed v has no effect within the period (B_v is only the shift-register 1).
    lf = [[0, 0, 1, -1], [1, 0, 0, -1.5], [0, 1, 0, 0.7]]
    (A, B, C, D), _ = mapCtoD(lf, [1, 2])
    assert A.shape == (4, 4)
    np.testing.assert_allclose(B[:, -1], [0, 0, 1, 0])
    np.testing.assert_allclose(C, [[0, 1, 0, 0.7]])
    assert D[0, -1] == 0


# ----------------------------------------------------------------------------------------
# analytic checks
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("t12", [(0.0, 1.0), (0.0, 0.5), (0.5, 1.0), (0.25, 0.75), (0.1, 0.3)])
def test_second_order_pulse_response_by_hand(t12):
    # Chain of two integrators, DAC gains a1 (first) and a2 (second), pulse [t1, t2] within
    # one period of width w: x1 = a1 w and x2 = w (a2 + a1 (n - (t1 + t2) / 2)) for n >= 1.
    t1, t2 = t12
    w = t2 - t1
    a1, a2 = -0.7, 0.3
    lf = [[0, 0, 1, a1], [1, 0, 0, a2], [0, 1, 0, 0]]
    n = np.arange(12)
    by_hand = np.where(n >= 1, w * (a2 + a1 * (n - (t1 + t2) / 2)), 0.0)
    np.testing.assert_allclose(ct_loop_response(lf, list(t12), 12), by_hand, atol=1e-13)
    # Matching -(n + 1), the L1 impulse response of (1 - z^-1)^2, gives a1 = -1/w and
    # a2 = -(1 + (t1 + t2)/2)/w: the values realizeNTF_ct must find.
    ABCDc, tdac2 = realizeNTF_ct(DOUBLE_DIFF, "FB", list(t12))
    np.testing.assert_allclose(ABCDc[:2, 3], [-1 / w, -(1 + (t1 + t2) / 2) / w], rtol=1e-10)
    assert ABCDc[2, 3] == 0  # no direct path needed
    assert ABCDc[0, 2] == pytest.approx(1.0)  # u balances the DAC charge at DC
    np.testing.assert_allclose(tdac2, [[-1, -1], list(t12)])


def test_ntf_loop_response_analytic():
    # L1 of (1 - z^-1)^2 is (-2 z^-1 + z^-2)/(1 - z^-1)^2: h[k] = -(k + 1), h[0] = 0.
    h = ntf_loop_response(DOUBLE_DIFF, 50)
    np.testing.assert_array_equal(h.shape, (50,))
    np.testing.assert_allclose(h, np.where(np.arange(50) > 0, -(np.arange(50) + 1), 0.0))
    # Against polynomial evaluation for a generic (low-order) NTF.
    z, p, _ = make_ntf(4, 32, 1)
    num, den = np.real(np.poly(p)), np.real(np.poly(z))  # 1/NTF
    _, (imp,) = signal.dimpulse((num, den, 1), n=40)
    np.testing.assert_allclose(
        ntf_loop_response((z, p, 1), 40), -imp.ravel() + (np.arange(40) == 0)
    )


def test_ntf_loop_response_needs_proper_ntf():
    with pytest.raises(ValueError):
        ntf_loop_response(([1.0, 1.0], [0.5], 1.0), 10)


# ----------------------------------------------------------------------------------------
# the defining identity, over the design space (hypothesis)
# ----------------------------------------------------------------------------------------

TDACS = [[0, 1], [0, 0.5], [0.5, 1], [0.2, 1.2], [0.5, 1.5], [1, 2], [0.3, 2.3]]


@settings(max_examples=80, deadline=None)
@given(
    order=st.integers(2, 6),
    osr=st.integers(16, 128),
    opt=st.sampled_from([0, 1]),
    form=st.sampled_from(["FB", "FF"]),
    tdac=st.sampled_from(TDACS),
    wn=st.floats(0.2, 0.5),
)
def test_ct_loop_matches_ntf_loop(order, osr, opt, form, tdac, wn):
    ntf = make_ntf(order, osr, opt, wn)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a poor fit must not happen here
        ABCDc, tdac2 = realizeNTF_ct(ntf, form, tdac)
    # layout: [-1, -1] for u, then one row per DAC column of ABCDc
    assert ABCDc.shape[0] == order + 1
    assert tdac2.shape == (ABCDc.shape[1] - order, 2)
    np.testing.assert_array_equal(tdac2[0], [-1, -1])
    np.testing.assert_allclose(tdac2[1], tdac)
    n = 4 * order + 24
    target = ntf_loop_response(ntf, n)
    assert rel_err(ct_loop_response(ABCDc, tdac2, n), target) < 1e-6
    # the realized DT loop has the NTF's poles, plus poles at 0 for the delay states
    # (compared as characteristic polynomials: repeated roots make eigenvalues inexact)
    (A, B, C, _), _ = mapCtoD(ABCDc, tdac2)
    char = np.poly(A + np.outer(B[:, -1], C[0]))
    expected = np.concatenate([np.real(np.poly(ntf[1])), np.zeros(A.shape[0] - order)])
    np.testing.assert_allclose(char, expected, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    t1=st.floats(0.0, 2.0),
    width=st.floats(0.05, 2.0),
    t1b=st.floats(0.0, 1.0),
    widthb=st.floats(0.05, 1.5),
)
def test_mapctod_equals_time_domain_pulse(seed, t1, width, t1b, widthb):
    # Two independent computations of a sampled pulse response: the DT state-space
    # equivalent (mapCtoD) and the direct time-domain formula.
    rng = np.random.default_rng(seed)
    A = rng.normal(scale=0.5, size=(3, 3))
    B = rng.normal(size=(3, 2))
    C = rng.normal(size=(1, 3))
    D = rng.normal(size=(1, 2))
    timing = np.array([[t1, t1 + width], [t1b, t1b + widthb]])
    n = 12
    direct = pulse_samples(A, B, C, D, timing, n)[:, 0, :].sum(axis=1)
    (Ad, Bd, Cd, Dd), Gp = mapCtoD((A, B, C, D), timing)
    assert Gp is None  # no CT input
    h = np.zeros(n)
    h[0] = Dd[0, -1]
    x = Bd[:, -1]
    for k in range(1, n):
        h[k] = Cd[0] @ x
        x = Ad @ x
    np.testing.assert_allclose(h, direct, rtol=1e-9, atol=1e-9 * np.max(np.abs(direct)))


# ----------------------------------------------------------------------------------------
# independent fine-step ODE integration
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "opt", "form", "tdac"),
    [(4, 1, "FB", [0.2, 1.2]), (5, 1, "FF", [0, 0.5]), (3, 0, "FB", [1, 2])],
)
def test_ct_loop_against_ode_integration(order, opt, form, tdac):
    ntf = make_ntf(order, 64, opt)
    ABCDc, tdac2 = realizeNTF_ct(ntf, form, tdac)
    n = 20
    y_ode = ode_loop_response(ABCDc, tdac2, n)
    assert rel_err(y_ode, ntf_loop_response(ntf, n)) < 1e-8
    assert rel_err(ct_loop_response(ABCDc, tdac2, n), y_ode) < 1e-8


# ----------------------------------------------------------------------------------------
# options: ELD, multi-timing, ordering, bp, ABCDc, method, bandpass, STF scaling
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tdac", "rows"),
    [
        ([0.5, 1.5], [[0.5, 1.5]]),  # pulse spans the sample: its own direct path
        ([1, 2], [[1, 2], [0.5, 1.5]]),  # full-period delay: one extra direct DAC
        ([0.3, 2.3], [[0.3, 2.3], [0.5, 1.5], [1.5, 2.5]]),  # two extra direct DACs
    ],
)
def test_eld_direct_dacs(tdac, rows):
    ntf = make_ntf(3, 32, 1)
    ABCDc, tdac2 = realizeNTF_ct(ntf, "FB", tdac)
    np.testing.assert_allclose(tdac2, [[-1, -1], *rows])
    n_dac = len(rows)
    assert ABCDc.shape == (4, 3 + 1 + n_dac)
    # extra DACs only feed the quantizer directly
    assert np.all(ABCDc[:3, 5:] == 0)
    if n_dac > 1:
        assert ABCDc[3, 4] == 0 and np.all(ABCDc[3, 5:] != 0)
    else:
        assert ABCDc[3, 4] != 0
    assert rel_err(ct_loop_response(ABCDc, tdac2, 30), ntf_loop_response(ntf, 30)) < 1e-9


def test_multi_timing_matches_single_timing():
    ntf = ([1.0, 1.0], [0.3 + 0.2j, 0.3 - 0.2j], 1.0)
    single, t_single = realizeNTF_ct(ntf, "FB", [0.5, 1.5])
    multi, t_multi = realizeNTF_ct(ntf, "FB", [[0.5, 1.5], [0.5, 1.5], [0.5, 1.5]])
    # same coefficients, one column per DAC
    np.testing.assert_allclose(multi[0, 3], single[0, 3], rtol=1e-10)
    np.testing.assert_allclose(multi[1, 4], single[1, 3], rtol=1e-10)
    np.testing.assert_allclose(multi[2, 5], single[2, 3], rtol=1e-10)
    assert t_multi.shape == (4, 2)
    as_array, _ = realizeNTF_ct(ntf, "FB", np.array([[0.5, 1.5]] * 3))
    np.testing.assert_array_equal(as_array, multi)
    # mixed pulses into the second integrator
    mixed, t_mixed = realizeNTF_ct(ntf, "FB", [[0.5, 1.5], [[0.5, 1.5], [0, 0.5]], [[0.5, 1.5]]])
    np.testing.assert_allclose(t_mixed, [[-1, -1], [0.5, 1.5], [0.5, 1.5], [0, 0.5], [0.5, 1.5]])
    assert rel_err(ct_loop_response(mixed, t_mixed, 30), ntf_loop_response(ntf, 30)) < 1e-10


def test_ordering_and_bp():
    ntf = make_ntf(4, 32, 1)
    w = np.sort(np.abs(np.angle(ntf[0])))[::2]  # the two resonator frequencies, ascending
    a, _ = realizeNTF_ct(ntf, "FB")
    np.testing.assert_allclose([a[0, 1], a[2, 3]], -(w**2), rtol=1e-12)
    b, tb = realizeNTF_ct(ntf, "FB", ordering=[1, 0])
    np.testing.assert_allclose([b[0, 1], b[2, 3]], -(w[::-1] ** 2), rtol=1e-12)
    assert rel_err(ct_loop_response(b, tb, 30), ntf_loop_response(ntf, 30)) < 1e-9
    c, tc = realizeNTF_ct(ntf, "FB", bp=[1, 1])
    # bandpass sections: the next stage (and the output) take the first state of a pair
    assert c[2, 0] == 1 and c[2, 1] == 0 and c[4, 2] == 1 and c[4, 3] == 0
    assert rel_err(ct_loop_response(c, tc, 30), ntf_loop_response(ntf, 30)) < 1e-9
    # pairs are found even when conjugates are not adjacent; they are taken in the order
    # their first zero appears (here the higher-frequency pair first)
    z = ntf[0]
    d, _ = realizeNTF_ct((z[[2, 0, 3, 1]], ntf[1], 1.0), "FB")
    np.testing.assert_allclose(d, b, rtol=1e-10, atol=1e-14)


def test_initial_structure_is_kept():
    ntf = ([1.0, 1.0], [0.3 + 0.2j, 0.3 - 0.2j], 1.0)
    start = np.zeros((3, 4))
    start[1, 0] = 2.0  # scaled integrator chain
    start[2, 1] = 0.5  # scaled output
    ABCDc, tdac2 = realizeNTF_ct(ntf, "FB", [0, 1], ABCDc=start)
    np.testing.assert_array_equal(ABCDc[:2, :2], start[:2, :2])
    np.testing.assert_array_equal(ABCDc[2, :2], start[2, :2])
    assert rel_err(ct_loop_response(ABCDc, tdac2, 30), ntf_loop_response(ntf, 30)) < 1e-10


@pytest.mark.parametrize("form", ["FB", "FF"])
def test_method_ntf_agrees_with_loop(form):
    ntf = make_ntf(5, 64, 1)
    a, ta = realizeNTF_ct(ntf, form, [0.2, 1.2])
    b, tb = realizeNTF_ct(ntf, form, [0.2, 1.2], method="NTF")
    np.testing.assert_array_equal(ta, tb)
    np.testing.assert_allclose(b, a, rtol=1e-7, atol=1e-12)


def test_poor_fit_warns():
    # zeros off the unit circle cannot be reached by lossless resonators
    ntf = ([0.9 * np.exp(0.1j), 0.9 * np.exp(-0.1j)], [0.3, 0.3], 1.0)
    with pytest.warns(RuntimeWarning, match="fit is poor"):
        realizeNTF_ct(ntf, "FB")


def stf(ABCDc, ntf, f):
    nx = ABCDc.shape[0] - 1
    s = 2j * np.pi * f
    l0 = ABCDc[nx, :nx] @ np.linalg.solve(s * np.eye(nx) - ABCDc[:nx, :nx], ABCDc[:nx, nx])
    z, p, k = ntf
    zz = np.exp(s)
    return l0 * k * np.prod(zz - np.asarray(z)) / np.prod(zz - np.asarray(p))


@pytest.mark.parametrize("form", ["FB", "FF"])
@pytest.mark.parametrize("tdac", [[0, 1], [0, 0.5], [0.3, 1.3]])
def test_stf_unity_at_dc(form, tdac):
    ntf = make_ntf(4, 64, 0)
    ABCDc, _ = realizeNTF_ct(ntf, form, tdac)
    assert abs(stf(ABCDc, ntf, 1e-5)) == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("bp", [[1, 1], [0, 0]])
@pytest.mark.parametrize("form", ["FB", "FF"])
def test_bandpass_realization(form, bp):
    f0, d = 0.25, 0.004
    zeros = np.exp(2j * np.pi * np.array([f0 + d, -f0 - d, f0 - d, -f0 + d]))
    poles = 0.7 * np.exp(2j * np.pi * np.array([f0 + 0.05, -f0 - 0.05, f0 - 0.05, -f0 + 0.05]))
    ntf = (zeros, poles, 1.0)
    ABCDc, tdac2 = realizeNTF_ct(ntf, form, [0, 1], bp=bp)
    assert rel_err(ct_loop_response(ABCDc, tdac2, 40), ntf_loop_response(ntf, 40)) < 1e-9
    # input scaled for unity STF at the band centre
    assert abs(stf(ABCDc, ntf, f0)) == pytest.approx(1.0, rel=1e-9)


def test_bandpass_stf_with_zero_at_centre():
    # A zero exactly at f0 cancels a resonator pole of L0c: the STF limit must be used.
    f0 = 0.2
    zeros = np.exp(2j * np.pi * np.array([f0, -f0]))
    ntf = (zeros, [0.5j + 0.1, -0.5j + 0.1], 1.0)
    ABCDc, _ = realizeNTF_ct(ntf, "FB", [0, 1], bp=[1])
    h = 1e-4
    limit = 0.5 * (stf(ABCDc, ntf, f0 + h) + stf(ABCDc, ntf, f0 - h))
    assert abs(limit) == pytest.approx(1.0, rel=1e-6)
