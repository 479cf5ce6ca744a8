"""Tests of ctdsm.toolbox.realize: realizeNTF, stuffABCD, mapABCD, calculateTF, scaleABCD.

Published reference numbers are MATLAB Delta-Sigma Toolbox (v7.3) outputs as tabulated in
the python-deltasigma test suite (deltasigma/tests/test_realizeNTF.py, test_simulateSNR.py,
test_scaleABCD.py, generated with the MATLAB toolbox); the 5th-order CRFB case is also the
example printed in the toolbox documentation (DSToolbox.pdf, realizeNTF). Everything else
is checked against analytic results or round trips.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from ctdsm.toolbox import (
    ZPK,
    calculateTF,
    evalTF,
    mapABCD,
    realizeNTF,
    scaleABCD,
    simulateDSM,
    stuffABCD,
    synthesizeNTF,
)
from ctdsm.toolbox.realize import FORMS, _order_zeros, _scale_test_input

FB = ("CRFB", "CIFB", "CRFBD")


def _match(r1: np.ndarray, r2: np.ndarray) -> float:
    """Largest distance between two root sets after optimal pairing."""
    r1, r2 = np.asarray(r1, complex), np.asarray(r2, complex)
    assert r1.size == r2.size, (r1, r2)
    if r1.size == 0:
        return 0.0
    cost = np.abs(r1[:, None] - r2[None, :])
    i, j = linear_sum_assignment(cost)
    return float(cost[i, j].max())


def _realize(ntf, form, stf=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # CIFB/CIFF move zeros to Re z = 1
        return realizeNTF(ntf, form, stf)


# --------------------------------------------------------------------------------------
# realizeNTF against published toolbox coefficients
# --------------------------------------------------------------------------------------

# synthesizeNTF(order, 32, 2, 1.5, f0) realized in each form: (a, g). MATLAB toolbox output,
# tabulated in python-deltasigma deltasigma/tests/test_realizeNTF.py.
PUBLISHED = {
    0.0: {
        "CIFB": {
            2: ((0.2164, 0.7749), (0,)),
            3: ((0.0444, 0.2843, 0.8025), (0.0058,)),
            4: ((0.0062, 0.0655, 0.3042, 0.8089), (0.0, 0.0069)),
            5: ((0.0007, 0.0095, 0.0731, 0.3100, 0.81309), (0.0028, 0.0079)),
        },
        "CRFB": {
            2: ((0.2164, 0.5585), (0,)),
            3: ((0.0444, 0.2399, 0.5569), (0.0058,)),
            4: ((0.0062, 0.0530, 0.2449, 0.5571), (0, 0.0069)),
            # also the DSToolbox.pdf realizeNTF example
            5: ((0.0007, 0.0084, 0.0550, 0.2443, 0.5579), (0.0028, 0.0079)),
        },
        "CRFF": {
            2: ((0.5585, 0.2164), (0,)),
            3: ((0.5569, 0.2399, 0.0412), (0.0058,)),
            4: ((0.5571, 0.2449, 0.0492, 0.0046), (0, 0.0069)),
            5: ((0.5579, 0.2443, 0.0505, 0.0071, 0.0003), (0.0028, 0.0079)),
        },
        "CIFF": {
            2: ((0.7749, 0.2164), (0.0,)),
            3: ((0.8025, 0.2843, 0.0398), (0.0058,)),
            4: ((0.8089, 0.3042, 0.0599, 0.0041), (0.0, 0.0069)),
            5: ((0.8130, 0.3100, 0.0667, 0.0080, 0.0001), (0.0028, 0.0079)),
        },
        "CRFBD": {
            2: ((0.2164, 0.7749), (0,)),
            3: ((0.0444, 0.2399, 0.7967), (0.0058,)),
            4: ((0.0062, 0.0592, 0.2449, 0.8020), (0, 0.0069)),
            5: ((0.0007, 0.0084, 0.0633, 0.2443, 0.8023), (0.0028, 0.0079)),
        },
        "CRFFD": {
            2: ((0.7749, 0.2164), (0.0,)),
            3: ((0.7967, 0.2399, 0.0398), (0.0058,)),
            4: ((0.8020, 0.2449, 0.0537, 0.0046), (0.0, 0.0069)),
            5: ((0.8023, 0.2443, 0.0570, 0.0071, 0.0002), (0.0028, 0.0079)),
        },
        "Stratos": {
            2: ((0.7749, 0.2164), (0,)),
            3: ((0.7967, 0.2796, 0.0398), (0.0058,)),
            4: ((0.8020, 0.2987, 0.0579, 0.0042), (0, 0.0069)),
            5: ((0.8023, 0.3013, 0.0643, 0.0075, 0.0001), (0.0028, 0.0079)),
        },
    },
    0.25: {
        # the CIFB/CIFF zeros are moved to Re z = 1 (1 +- j): not an exact match of the NTF
        "CIFB": {
            2: ((0.3333, 2.0000), (1.0,)),
            4: ((-3.5585, 2.4503, 5.22512, 4.0000), (1.0, 1.0)),
        },
        "CRFB": {
            2: ((-0.6667, 0.6667), (2.0,)),
            4: ((-0.2164, 0.0, -0.5585, 0.5585), (2.0, 2.0)),
        },
        "CRFF": {
            2: ((0.6667, -0.6667), (2.0,)),
            4: ((0.5585, -0.5585, 0.0, -0.2164), (2.0, 2.0)),
        },
        "CIFF": {
            2: ((2.0, 0.3333), (1.0,)),
            4: ((4.0, 5.2251, 2.4503, -3.5585), (1.0, 1.0)),
        },
        "CRFBD": {
            2: ((-0.6667, 0.0), (2.0,)),
            4: ((-0.2164, -0.2164, -0.5585, 0.0), (2.0, 2.0)),
        },
        "CRFFD": {
            2: ((0.0, -0.6667), (2.0,)),
            4: ((0.0, -0.5585, -0.2164, -0.2164), (2.0, 2.0)),
        },
        "Stratos": {
            2: ((0.0, -0.6667), (2.0,)),
            4: ((0.0, -0.7749, 0.0, 0.2164), (2.0, 2.0)),
        },
    },
}

CASES = [
    (f0, form, order)
    for f0, forms in PUBLISHED.items()
    for form, orders in forms.items()
    for order in orders
]


@pytest.mark.parametrize(("f0", "form", "order"), CASES)
def test_realizeNTF_published_coefficients(f0, form, order):
    ntf = synthesizeNTF(order, 32, 2, 1.5, f0)
    a, g, b, c = _realize(ntf, form)
    a_ref, g_ref = PUBLISHED[f0][form][order]
    np.testing.assert_allclose(a, a_ref, atol=1e-4, rtol=1e-3)
    np.testing.assert_allclose(g, g_ref, atol=1e-4, rtol=1e-3)
    np.testing.assert_array_equal(c, np.ones(order))
    # default feed-ins: b = [a, 1] for the FB forms, [1, 0, ..., 0, 1] for the FF forms
    if form in FB:
        np.testing.assert_allclose(b, np.r_[a, 1.0])
    else:
        np.testing.assert_array_equal(b, np.r_[1.0, np.zeros(order - 1), 1.0])


def test_realizeNTF_cifb_third_order_published_precise():
    # MATLAB: realizeNTF(synthesizeNTF(3, 256, 2, 1.25, 0), 'CIFB'), full precision
    # (python-deltasigma deltasigma/tests/test_simulateSNR.py, test 2).
    ntf = synthesizeNTF(3, 256, 2, 1.25, 0)
    a, g, b, c = _realize(ntf, "CIFB")
    np.testing.assert_allclose(
        a, [0.008863535715733, 0.093216950269955, 0.444473912607388], rtol=5e-5
    )
    np.testing.assert_allclose(g, [9.035620546615189e-05], rtol=5e-5)
    np.testing.assert_allclose(b, np.r_[a, 1.0])


def test_stuffABCD_published_crfb_bandpass_matrix():
    # MATLAB: stuffABCD(realizeNTF(synthesizeNTF(4, 256, 2, 1.25, 0.22), 'CRFB')), 'CRFB')
    # (python-deltasigma deltasigma/tests/test_simulateSNR.py, test 1).
    ref = np.array(
        [
            [1.0, -1.6252, 0, 0, -0.0789, 0.0789],
            [1.0, -0.6252, 0, 0, -0.0756, 0.0756],
            [0, 1.0, 1.0, -1.6252, -0.2758, 0.2758],
            [0, 1.0, 1.0, -0.6252, 0.0843, -0.0843],
            [0, 0, 0, 1.0, 1.0, 0],
        ]
    )
    ntf = synthesizeNTF(4, 256, 2, 1.25, 0.22)
    a, g, b, c = realizeNTF(ntf, "CRFB")
    ABCD = stuffABCD(a, g, b, c, "CRFB")
    np.testing.assert_allclose(ABCD, ref, atol=9e-5, rtol=1e-4)
    for x, y in zip(mapABCD(ABCD, "CRFB"), (a, g, b, c), strict=True):
        np.testing.assert_allclose(x, y, atol=1e-12)


# --------------------------------------------------------------------------------------
# stuffABCD layouts (written out by hand from the structure diagrams)
# --------------------------------------------------------------------------------------


def test_stuffABCD_second_order_layouts():
    a1, a2, g, b1, b2, b3, c1, c2 = 0.3, 0.7, 0.05, 0.2, 0.4, 0.9, 1.5, 0.8
    a, b, c = [a1, a2], [b1, b2, b3], [c1, c2]
    # CIFB: two delaying integrators, resonator feedback -g into the first
    np.testing.assert_allclose(
        stuffABCD(a, [g], b, c, "CIFB"),
        [[1, -g, b1, -a1], [c1, 1, b2, -a2], [0, c2, b3, 0]],
    )
    # CRFB: the second integrator is non-delaying (sees x1 after its update)
    np.testing.assert_allclose(
        stuffABCD(a, [g], b, c, "CRFB"),
        [
            [1, -g, b1, -a1],
            [c1, 1 - c1 * g, b2 + c1 * b1, -a2 - c1 * a1],
            [0, c2, b3, 0],
        ],
    )
    # CIFF: feedforward sum y = a1 x1 + a2 x2 + b3 u
    np.testing.assert_allclose(
        stuffABCD(a, [g], b, c, "CIFF"),
        [[1, -g, b1, -c1], [c2, 1, b2, 0], [a1, a2, b3, 0]],
    )


def test_stuffABCD_scalar_b_and_shapes():
    for form in FORMS:
        for n in range(1, 7):
            M = stuffABCD(np.ones(n), np.zeros(n // 2), 0.5, np.ones(n), form)
            extra = 1 if form == "CRFFD" else 0
            assert M.shape == (n + 1 + extra, n + 2 + extra)
            assert M[0, n + extra] == 0.5  # the single feed-in goes to the first integrator


def test_stuffABCD_rejects_bad_input():
    with pytest.raises(ValueError, match="form"):
        stuffABCD([1, 1], [0], [1, 0, 1], [1, 1], "XYZ")
    with pytest.raises(ValueError, match="b needs"):
        stuffABCD([1, 1], [0], [1, 0], [1, 1], "CRFB")


coef = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    form=st.sampled_from(FORMS),
    n=st.integers(1, 7),
    data=st.data(),
)
def test_mapABCD_inverts_stuffABCD(form, n, data):
    a = np.array(data.draw(st.lists(coef, min_size=n, max_size=n)))
    g = np.array(data.draw(st.lists(st.floats(0, 4), min_size=n // 2, max_size=n // 2)))
    b = np.array(data.draw(st.lists(coef, min_size=n + 1, max_size=n + 1)))
    c = np.array(data.draw(st.lists(st.floats(0.1, 3), min_size=n, max_size=n)))
    a2, g2, b2, c2 = mapABCD(stuffABCD(a, g, b, c, form), form)
    for got, want in ((a2, a), (g2, g), (b2, b), (c2, c)):
        np.testing.assert_allclose(got, want, atol=1e-9, rtol=1e-9)


# --------------------------------------------------------------------------------------
# realizeNTF -> stuffABCD -> calculateTF recovers the NTF
# --------------------------------------------------------------------------------------


def _random_ntf(order: int, data) -> ZPK:
    """Zeros on the unit circle (z = 1 first for odd order), random stable poles, monic."""
    odd = order % 2
    npair = order // 2
    angles = sorted(
        data.draw(
            st.lists(st.floats(0.02, 3.0), min_size=npair, max_size=npair, unique_by=lambda x: x)
        )
    )
    if npair > 1 and np.min(np.diff(angles)) < 0.01:
        angles = list(np.linspace(0.05, 2.5, npair))  # keep zeros distinct
    zeros = [1.0] if odd else []
    for t in angles:
        zeros += [np.exp(1j * t), np.exp(-1j * t)]
    poles = []
    if odd:
        # (away from 0: CRFFD adds a pole at 0, and a double root is only good to sqrt(eps))
        poles.append(data.draw(st.floats(-0.5, 0.9).filter(lambda x: abs(x) > 0.05)))
    radii = data.draw(st.lists(st.floats(0.1, 0.9), min_size=npair, max_size=npair))
    phis = sorted(data.draw(st.lists(st.floats(0.05, 3.0), min_size=npair, max_size=npair)))
    if npair > 1 and np.min(np.diff(phis)) < 0.05:
        phis = list(np.linspace(0.2, 2.8, npair))  # repeated poles are ill-conditioned roots
    for r, phi in zip(radii, phis, strict=True):
        poles += [r * np.exp(1j * phi), r * np.exp(-1j * phi)]
    return ZPK(np.array(zeros), np.array(poles, dtype=complex), 1.0)


def _expected_zeros(ntf: ZPK, form: str) -> np.ndarray:
    z = np.asarray(ntf.zeros)
    # the integrator forms realize zeros at Re z = 1 (toolbox behaviour)
    return 1.0 + 1j * z.imag if form in ("CIFB", "CIFF") else z


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=st.sampled_from(FORMS), order=st.integers(2, 6), data=st.data())
def test_calculateTF_recovers_realized_ntf(form, order, data):
    ntf = _random_ntf(order, data)
    a, g, b, c = _realize(ntf, form)
    ntf2, stf2 = calculateTF(stuffABCD(a, g, b, c, form))
    assert _match(ntf2.zeros, _expected_zeros(ntf, form)) < 1e-5
    assert _match(ntf2.poles, ntf.poles) < 1e-5
    assert ntf2.k == pytest.approx(1.0, abs=1e-9)
    if form in ("CRFB", "CIFB", "CIFF", "Stratos", "CRFF"):
        # the default feed-ins of these forms give a unity STF
        z = np.exp(2j * np.pi * np.linspace(0.01, 0.49, 7))
        np.testing.assert_allclose(evalTF(stf2, z), 1.0, atol=1e-6)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("order", "f0"), [(2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (6, 0.2)])
def test_calculateTF_recovers_synthesized_ntf(form, order, f0):
    ntf = synthesizeNTF(order, 48, 1, 1.5, f0)
    a, g, b, c = _realize(ntf, form)
    ntf2, _ = calculateTF(stuffABCD(a, g, b, c, form))
    assert _match(ntf2.poles, ntf.poles) < 1e-5
    if form in ("CIFB", "CIFF"):
        assert _match(ntf2.zeros, _expected_zeros(ntf, form)) < 1e-5
    else:
        assert _match(ntf2.zeros, ntf.zeros) < 1e-5


@pytest.mark.parametrize("form", ["CRFB", "CIFB", "CRFF", "CRFFD"])
def test_realize_repeated_zeros_at_dc(form):
    # opt = 0: all zeros at z = 1 (g = 0); compare the TF itself, not the clustered roots
    ntf = synthesizeNTF(5, 64, 0, 1.5, 0)
    a, g, b, c = realizeNTF(ntf, form)
    np.testing.assert_allclose(g, 0.0, atol=1e-12)
    ntf2, _ = calculateTF(stuffABCD(a, g, b, c, form))
    z = np.exp(2j * np.pi * np.geomspace(1e-3, 0.5, 40))
    np.testing.assert_allclose(evalTF(ntf2, z), evalTF(ntf, z), rtol=1e-6, atol=1e-12)


def test_realizeNTF_reorders_shuffled_zeros():
    ntf = synthesizeNTF(5, 32, 1)
    z = np.asarray(ntf.zeros)
    shuffled = ZPK(z[[3, 1, 0, 4, 2]], ntf.poles, 1.0)
    assert _match(_order_zeros(shuffled.zeros), z) < 1e-12
    for got, want in zip(realizeNTF(shuffled), realizeNTF(ntf), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("form", ["CRFB", "CIFF", "CRFF"])
def test_realizeNTF_with_stf(form):
    ntf = synthesizeNTF(4, 32, 1)
    # a lowpass STF sharing the NTF poles, unity gain at DC
    stf = ZPK([], ntf.poles, float(np.real(np.prod(1 - ntf.poles))))
    a, g, b, c = _realize(ntf, form, stf)
    _, stf2 = calculateTF(stuffABCD(a, g, b, c, form))
    z = np.exp(2j * np.pi * np.linspace(0.0, 0.5, 25))
    np.testing.assert_allclose(evalTF(stf2, z), evalTF(stf, z), atol=1e-8)
    # and STF = 1 gives back the default feed-ins of the FF forms
    if form != "CRFB":
        _, _, b1, _ = _realize(ntf, form, ZPK([], [], 1.0))
        np.testing.assert_allclose(b1, [1, 0, 0, 0, 1], atol=1e-9)


def test_realizeNTF_errors():
    ntf = synthesizeNTF(3, 32, 1)
    with pytest.raises(ValueError, match="form"):
        realizeNTF(ntf, "CRXX")
    with pytest.raises(ValueError, match="as many zeros as poles"):
        realizeNTF(ZPK(np.ones(2), np.zeros(3), 1.0))
    with pytest.warns(UserWarning, match="Re"):
        realizeNTF(synthesizeNTF(4, 32, 1, 1.5, 0.25), "CIFB")


# --------------------------------------------------------------------------------------
# calculateTF: analytic cases
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1.0, 0.5, 1.7])
def test_calculateTF_first_order_analytic(k):
    # x[n+1] = x[n] + u - v, y = x: NTF = (z - 1)/(z - 1 + k), STF = k/(z - 1 + k)
    ABCD = np.array([[1.0, 1.0, -1.0], [1.0, 0.0, 0.0]])
    ntf, stf = calculateTF(ABCD, k)
    np.testing.assert_allclose(ntf.zeros, [1.0])
    np.testing.assert_allclose(ntf.poles, [1.0 - k])
    assert ntf.k == pytest.approx(1.0)
    assert stf.zeros.size == 0
    np.testing.assert_allclose(stf.poles, [1.0 - k])
    assert stf.k == pytest.approx(k)


def test_calculateTF_cancels_common_roots():
    # CRFFD has an extra delay state: its pole/zero pair at z = 0 must cancel
    ntf = synthesizeNTF(4, 32, 1)
    a, g, b, c = realizeNTF(ntf, "CRFFD")
    ABCD = stuffABCD(a, g, b, c, "CRFFD")
    assert ABCD.shape == (6, 7)
    ntf2, _ = calculateTF(ABCD)
    assert ntf2.zeros.size == 4 and ntf2.poles.size == 4
    assert _match(ntf2.poles, ntf.poles) < 1e-6


def test_calculateTF_two_quantizers():
    # two independent first-order loops in one ABCD
    ABCD = np.array(
        [
            [1.0, 0.0, 1.0, -1.0, 0.0],
            [0.0, 1.0, 0.0, 0.0, -1.0],
            [1.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0, 0.0],
        ]
    )
    ntf, stf = calculateTF(ABCD, [1.0, 0.5])
    np.testing.assert_allclose(ntf[0][0].poles, [0.0], atol=1e-12)
    np.testing.assert_allclose(ntf[1][1].poles, [0.5], atol=1e-12)
    assert ntf[0][1].k == 0.0  # no coupling
    assert stf[0][0].k == pytest.approx(1.0)
    assert stf[1][0].k == 0.0


def test_calculateTF_rejects_delay_free_loop():
    with pytest.raises(ValueError, match="D2"):
        calculateTF(np.array([[1.0, 1.0, -1.0], [1.0, 0.0, 0.5]]))


# --------------------------------------------------------------------------------------
# scaleABCD
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bp8():
    """The toolbox's 8th-order bandpass example with a single feed-in (b = b[0])."""
    ntf = synthesizeNTF(8, 32, 2, 1.5, 0.125)
    a, g, b, c = realizeNTF(ntf, "CRFB")
    ABCD = stuffABCD(a, g, b[0], c, "CRFB")
    return ABCD, scaleABCD(ABCD, 2, 0.125)


def test_scaleABCD_published_bandpass_example(bp8):
    # MATLAB: scaleABCD(stuffABCD(a, g, b(1), c, 'CRFB'), 2, 0.125) for the 8th-order
    # f0 = 0.125 CRFB example (python-deltasigma deltasigma/tests/test_scaleABCD.py). The
    # state maxima come from a random test signal, so only umax (a grid point) is exact.
    ABCD_ref = np.array(
        [
            [1.0, -0.7320, 0, 0, 0, 0, 0, 0, 0.0858, -0.0858],
            [0.7218, 0.4717, 0, 0, 0, 0, 0, 0, 0.0619, 0.0428],
            [0, 0.1581, 1.0, -0.7357, 0, 0, 0, 0, 0, 0.0642],
            [0, 0.1259, 0.7962, 0.4142, 0, 0, 0, 0, 0, 0.1835],
            [0, 0, 0, 0.2973, 1.0, -0.9437, 0, 0, 0, 0.2447],
            [0, 0, 0, 0.1846, 0.6207, 0.4142, 0, 0, 0, 0.0581],
            [0, 0, 0, 0, 0, 0.3499, 1.0, -0.8971, 0, -0.0076],
            [0, 0, 0, 0, 0, 0.2518, 0.7197, 0.3543, 0, -0.1746],
            [0, 0, 0, 0, 0, 0, 0, 3.29, 0, 0],
        ]
    )
    S_ref = [71.9580, 51.9359, 8.2133, 6.5398, 1.9446, 1.2070, 0.4223, 0.3040]
    _, (ABCDs, umax, S) = bp8
    assert umax == pytest.approx(0.8667, abs=1e-4)
    np.testing.assert_allclose(np.diag(S), S_ref, rtol=0.35)
    np.testing.assert_allclose(ABCDs, ABCD_ref, atol=1e-2, rtol=0.3)


def test_scaleABCD_preserves_tfs_and_bounds_states(bp8):
    ABCD, (ABCDs, umax, S) = bp8
    n0, s0 = calculateTF(ABCD)
    n1, s1 = calculateTF(ABCDs)
    z = np.exp(2j * np.pi * np.linspace(0, 0.5, 33))
    np.testing.assert_allclose(evalTF(n1, z), evalTF(n0, z), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(evalTF(s1, z), evalTF(s0, z), rtol=1e-8, atol=1e-10)
    # the scaled states equal S x exactly
    u = umax * np.sin(2 * np.pi * 0.125 * np.arange(3000))
    _, x0, _, y0 = simulateDSM(u, ABCD)
    _, x1, _, y1 = simulateDSM(u, ABCDs)
    np.testing.assert_allclose(x1, S @ x0, rtol=1e-9, atol=1e-9)
    # with the toolbox test signal at umax the maxima are at most xlim = 1
    rng = np.random.default_rng(20050101)
    _scale_test_input(0.125, 1000, 10, rng)  # the coarse-search draw
    u0 = _scale_test_input(0.125, 100000, 10, rng)
    _, _, xmax, _ = simulateDSM(umax * u0, ABCDs)
    # (rounding differs from the unscaled run, and a single flipped bit in 1e5 samples
    # changes the trajectory, hence the small margin)
    assert np.all(xmax <= 1.02)
    assert np.max(xmax) > 0.98  # and the largest state reaches the limit


def test_scaleABCD_vector_xlim_given_umax_and_repeatable():
    ntf = synthesizeNTF(5, 32, 1)
    a, g, b, c = _realize(ntf, "CIFB")
    ABCD = stuffABCD(a, g, b, c, "CIFB")
    xlim = np.array([0.5, 0.5, 1.0, 1.0, 2.0])
    r1 = scaleABCD(ABCD, 2, 0, xlim, None, 0.5, 20000)
    r2 = scaleABCD(ABCD, 2, 0, xlim, None, 0.5, 20000)
    np.testing.assert_array_equal(r1[0], r2[0])
    ABCDs, umax, S = r1
    assert umax == pytest.approx(0.5)  # the given umax is stable and kept
    u = umax * np.sin(2 * np.pi / 256 * np.arange(20000))
    _, _, xmax, _ = simulateDSM(u, ABCDs)
    assert np.all(xmax <= 1.05 * xlim)  # a different test signal: close to the limits
    assert np.all(xmax >= 0.5 * xlim)
    ntf2, _ = calculateTF(ABCDs)
    assert _match(ntf2.poles, ntf.poles) < 1e-6


def test_scaleABCD_rejects_unstable_modulator():
    # 5th-order NTF with a huge out-of-band gain: unstable for any input
    ntf = synthesizeNTF(5, 32, 1, 8.0)
    a, g, b, c = realizeNTF(ntf, "CRFB")
    with pytest.raises(ValueError, match="unstable"):
        scaleABCD(stuffABCD(a, g, b, c, "CRFB"), N_sim=2000)
