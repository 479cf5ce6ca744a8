"""Tests of ctdsm.toolbox.simulate: simulateDSM (numba kernel) and simulateSNR.

The kernel is checked against a deliberately plain Python loop written from the toolbox's
definition of the modulator and of ``ds_quantize``; the SNR against predictSNR's published
MATLAB numbers (python-deltasigma deltasigma/tests/test_predictSNR.py: 5th order, OSR 32,
``H_inf = 1.5``, predicted peak 79.21 dB at -6 dBFS, unstable from -4 dBFS) and against an
independent re-computation of the toolbox's spectral SNR.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pytest
from scipy import signal

from ctdsm.toolbox import (
    ZPK,
    calculateSNR,
    calculateTF,
    ds_hann,
    evalTF,
    predictSNR,
    realizeNTF,
    simulateDSM,
    simulateSNR,
    stuffABCD,
    synthesizeNTF,
)
from ctdsm.toolbox._kernels import _dsm_kernel, _dsm_kernel_1q
from ctdsm.toolbox.simulate import (
    DEFAULT_AMP,
    ds_quantize,
    ntf_to_abcd,
    run_dsm_kernel,
)


def reference_quantizer(y: float, nlev: int) -> float:
    """Toolbox ds_quantize, one sample: odd integers (even nlev) or even integers (odd)."""
    if nlev % 2 == 0:
        v = 2 * math.floor(y / 2) + 1
    else:
        v = 2 * math.floor((y + 1) / 2)
    return float(min(max(v, -(nlev - 1)), nlev - 1))


def reference_simulation(u, ABCD, nlev, x0=None):
    """Slow, obvious loop: y = C x + D1 u, v = Q(y), x <- A x + B [u; v]."""
    u = np.atleast_2d(np.asarray(u, dtype=float))
    nlev = np.atleast_1d(nlev)
    nq, nu = nlev.size, u.shape[0]
    n = ABCD.shape[0] - nq
    A, B, C, D1 = ABCD[:n, :n], ABCD[:n, n:], ABCD[n:, :n], ABCD[n:, n : n + nu]
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=float)
    N = u.shape[1]
    v = np.zeros((nq, N))
    y = np.zeros((nq, N))
    xn = np.zeros((n, N))
    for i in range(N):
        y[:, i] = C @ x + D1 @ u[:, i]
        v[:, i] = [reference_quantizer(y[q, i], nlev[q]) for q in range(nq)]
        x = A @ x + B @ np.concatenate([u[:, i], v[:, i]])
        xn[:, i] = x
    return v, xn, y


@pytest.fixture(scope="module")
def ntf5():
    return synthesizeNTF(5, 32, 1)


@pytest.fixture(scope="module")
def crfb5(ntf5):
    a, g, b, c = realizeNTF(ntf5, "CRFB")
    return stuffABCD(a, g, b, c, "CRFB")


# --------------------------------------------------------------------------------------
# simulateDSM
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "form", "nlev", "amp"),
    [
        (5, "CRFB", 2, 0.5),
        (5, "CIFF", 2, 0.6),
        (3, "CRFF", 9, 5.0),
        (4, "CIFB", 8, 4.0),
        (2, "CRFBD", 3, 1.2),
    ],
)
def test_simulateDSM_matches_reference_loop(order, form, nlev, amp):
    h_inf = 1.5 if nlev == 2 else 3.0
    ntf = synthesizeNTF(order, 32, 1, h_inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # CIFB/CIFF move the zeros
        a, g, b, c = realizeNTF(ntf, form)
    ABCD = stuffABCD(a, g, b, c, form)
    N = 2000
    u = amp * np.sin(2 * np.pi * 7 / N * np.arange(N)) + 0.01 * np.cos(0.3 * np.arange(N))
    x0 = 0.01 * np.arange(1, order + 1)
    v, xn, xmax, y = simulateDSM(u, ABCD, nlev, x0)
    v_ref, xn_ref, y_ref = reference_simulation(u, ABCD, nlev, x0)
    np.testing.assert_array_equal(v, v_ref[0])
    # With identical v the state difference follows the open-loop A, whose CIFB resonators
    # sit slightly outside the unit circle: rounding differences grow, but stay tiny.
    scale = np.max(np.abs(xn_ref))
    np.testing.assert_allclose(xn, xn_ref, rtol=0, atol=1e-8 * scale)
    np.testing.assert_allclose(y, y_ref[0], rtol=0, atol=1e-8 * scale)
    np.testing.assert_allclose(xmax, np.maximum(np.max(np.abs(xn_ref), axis=1), np.abs(x0)))
    assert set(np.unique(v)) <= set(np.arange(-(nlev - 1), nlev, 2).astype(float))


def test_simulateDSM_state_convention(crfb5):
    # xn[:, i] is the state after clock i; xmax includes |x0|
    x0 = np.array([5.0, 0, 0, 0, 0])
    u = np.zeros(3)
    v, xn, xmax, y = simulateDSM(u, crfb5, 2, x0)
    A, B = crfb5[:5, :5], crfb5[:5, 5:]
    np.testing.assert_allclose(xn[:, 0], A @ x0 + B @ [u[0], v[0]])
    assert xmax[0] >= 5.0
    assert xn.shape == (5, 3) and v.shape == (3,) and y.shape == (3,)


def test_simulateDSM_ntf_and_its_abcd_give_identical_output(ntf5, crfb5):
    N = 20000
    u = 0.5 * np.sin(2 * np.pi * 85 / 8192 * np.arange(N))
    v_ntf = simulateDSM(u, ntf5)[0]
    np.testing.assert_array_equal(v_ntf, simulateDSM(u, crfb5)[0])
    a, g, b, c = realizeNTF(ntf5, "CRFF")  # FF form with b = [1, 0.., 1]: STF = 1 too
    np.testing.assert_array_equal(v_ntf, simulateDSM(u, stuffABCD(a, g, b, c, "CRFF"))[0])
    # every transfer-function form of the same NTF
    z, p, k = ntf5
    num, den = np.real(np.poly(z)), np.real(np.poly(p))
    for form in ((z, p, k), (num, den), signal.dlti(num, den)):
        np.testing.assert_array_equal(v_ntf, simulateDSM(u, form)[0])


def test_ntf_to_abcd_realizes_ntf_with_unity_stf(ntf5):
    ABCD = ntf_to_abcd(ntf5)
    ntf2, stf2 = calculateTF(ABCD)
    z = np.exp(2j * np.pi * np.geomspace(1e-4, 0.5, 50))
    np.testing.assert_allclose(evalTF(ntf2, z), evalTF(ntf5, z), rtol=1e-8)
    np.testing.assert_allclose(evalTF(stf2, z), 1.0, atol=1e-9)
    # FIR NTF (poles at the origin), odd order
    fir = ZPK([1, 1, 1], [0, 0, 0], 1)
    ntf3, _ = calculateTF(ntf_to_abcd(fir))
    np.testing.assert_allclose(evalTF(ntf3, z), (1 - 1 / z) ** 3, atol=1e-9)


def test_quantizer_convention():
    y = np.array([-9.0, -3.0, -1.5, -1.0, -0.2, 0.0, 0.3, 0.99, 1.0, 1.9, 2.0, 3.5, 9.0])
    ABCD = np.array([[1.0, 0.0]])  # no states: y = u
    expected = {
        2: [-1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1, 1],
        3: [-2, -2, -2, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2],
        4: [-3, -3, -1, -1, -1, 1, 1, 1, 1, 1, 3, 3, 3],
        9: [-8, -2, -2, 0, 0, 0, 0, 0, 2, 2, 2, 4, 8],  # -3 is a threshold: rounds up
    }
    for nlev, want in expected.items():
        v, xn, xmax, yy = simulateDSM(y, ABCD, nlev)
        np.testing.assert_array_equal(v, want)
        np.testing.assert_array_equal(yy, y)
        np.testing.assert_array_equal(ds_quantize(y, nlev), want)
        assert xn.shape == (0, y.size)


def test_two_quantizers_two_inputs():
    # two independent first-order loops, binary and 3-level
    ABCD = np.array(
        [
            [1.0, 0.0, 1.0, 0.0, -1.0, 0.0],
            [0.0, 1.0, 0.0, 1.0, 0.0, -1.0],
            [1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        ]
    )
    N = 500
    u = np.vstack([0.3 * np.sin(0.05 * np.arange(N)), 1.1 * np.cos(0.02 * np.arange(N))])
    v, xn, xmax, y = simulateDSM(u, ABCD, [2, 3])
    assert v.shape == (2, N) and y.shape == (2, N) and xn.shape == (2, N)
    mod1 = np.array([[1.0, 1.0, -1.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(v[0], simulateDSM(u[0], mod1, 2)[0])
    np.testing.assert_array_equal(v[1], simulateDSM(u[1], mod1, 3)[0])
    v_ref, _, _ = reference_simulation(u, ABCD, [2, 3])
    np.testing.assert_array_equal(v, v_ref)


def test_kernel_entry_points_agree(crfb5):
    n = 5
    A, B, C, D1 = crfb5[:n, :n], crfb5[:n, n:], crfb5[n:, :n], crfb5[n:, n : n + 1]
    u = 0.4 * np.sin(0.01 * np.arange(5000))[None, :]
    lev = np.array([2])
    v1, xn1, xmax1, y1 = run_dsm_kernel(A, B, C, D1, u, lev, np.zeros(n))
    v2, xn2, xmax2, y2 = run_dsm_kernel(A, B, C, D1, u, lev, np.zeros(n), store_states=False)
    assert xn2.shape == (n, 0)
    np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(xmax1, xmax2)
    # the general kernel, called directly, gives the same result as the 1-quantizer one
    outs = [np.empty((1, 5000)), np.empty((n, 5000)), np.empty(n), np.empty((1, 5000))]
    args = [np.ascontiguousarray(m, dtype=float) for m in (A, B, C, D1, u)]
    _dsm_kernel(*args, lev.astype(np.int64), np.zeros(n), *outs)
    np.testing.assert_array_equal(outs[0], v1)
    np.testing.assert_allclose(outs[1], xn1, atol=1e-12)
    outs1q = [np.empty((1, 5000)), np.empty((n, 0)), np.empty(n), np.empty((1, 5000))]
    _dsm_kernel_1q(*args, lev.astype(np.int64), np.zeros(n), *outs1q)
    np.testing.assert_array_equal(outs1q[0], v1)


def test_simulateDSM_input_errors(crfb5, ntf5):
    with pytest.raises(ValueError, match="D2"):
        simulateDSM(np.zeros(10), np.array([[1.0, 1.0, -1.0], [1.0, 0.0, 1.0]]))
    with pytest.raises(ValueError, match="does not fit"):
        simulateDSM(np.zeros((2, 10)), crfb5)
    with pytest.raises(ValueError, match="one input"):
        simulateDSM(np.zeros((2, 10)), ntf5)
    with pytest.raises(ValueError, match="nlev"):
        simulateDSM(np.zeros(10), crfb5, 1)


def test_simulateDSM_speed(crfb5):
    # 2^20 samples of a 5th-order single-bit modulator (the benchmark case); the bound is
    # loose on purpose (shared machine) -- the kernel takes about 20 ms here.
    u = 0.5 * np.sin(2 * np.pi * 0.001 * np.arange(2**20))
    simulateDSM(u[:100], crfb5)  # compile / load the cache
    t = time.perf_counter()
    v, xn, xmax, y = simulateDSM(u, crfb5)
    assert time.perf_counter() - t < 0.5
    assert xn.shape == (5, 2**20)


# --------------------------------------------------------------------------------------
# simulateSNR
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snr_curve(ntf5):
    return simulateSNR(ntf5, 32)


def test_simulateSNR_default_amplitudes(snr_curve):
    # toolbox default: [-120:10:-20 -15 -10:0]
    np.testing.assert_array_equal(
        DEFAULT_AMP, np.r_[np.arange(-120, -19, 10), -15, np.arange(-10, 1)]
    )
    np.testing.assert_array_equal(snr_curve[1], DEFAULT_AMP)


def test_simulateSNR_matches_independent_computation(ntf5, snr_curve):
    # re-do the toolbox recipe by hand at -10 dBFS: 2^13-point Hann FFT after 100 transient
    # samples (raised-cosine start), tone at round(N/(4 OSR)), bins 2 .. N/(2 OSR) - 1
    N, osr = 2**13, 32
    F = round(N / (4 * osr))
    t = np.arange(N + 100)
    tone = 10 ** (-10 / 20) * np.sin(2 * np.pi * F / N * t)
    tone[:50] *= 0.5 * (1 - np.cos(2 * np.pi / 100 * np.arange(50)))
    v = simulateDSM(tone, ntf5)[0][100:]
    spec = np.fft.fft(v * ds_hann(N))
    inband = spec[2 : N // (2 * osr)]
    expected = calculateSNR(inband, F - 2)
    i = int(np.flatnonzero(DEFAULT_AMP == -10)[0])
    assert snr_curve[0][i] == pytest.approx(expected, abs=1e-9)


def test_simulateSNR_ntf_abcd_and_function_agree(ntf5, crfb5, snr_curve):
    amps = [-60.0, -20.0, -6.0]
    idx = [int(np.flatnonzero(DEFAULT_AMP == a)[0]) for a in amps]
    s_abcd, _ = simulateSNR(crfb5, 32, amps)
    np.testing.assert_allclose(s_abcd, snr_curve[0][idx], atol=1e-9)
    s_fun, a_fun = simulateSNR(lambda u: simulateDSM(u, crfb5)[0], 32, amps)
    np.testing.assert_allclose(s_fun, s_abcd, atol=1e-9)
    np.testing.assert_array_equal(a_fun, amps)


def test_simulateSNR_single_bit_5th_order_near_published(ntf5, snr_curve):
    snr, amp = snr_curve
    snr_pred = predictSNR(ntf5, 32)[0]
    # predictSNR (published MATLAB output) peaks at 79.21 dB; the simulated SQNR of this
    # modulator is a few dB above the describing-function prediction, in the mid-80s.
    assert np.max(snr_pred) == pytest.approx(79.21, abs=0.01)
    peak = np.max(snr)
    assert 80.0 < peak < 90.0
    assert 0.0 < peak - np.max(snr_pred) < 8.0
    assert amp[np.argmax(snr)] in (-8, -7, -6, -5, -4, -3)
    # a 10 dB larger input gives about 10 dB more SNR in the linear range
    sel = (amp >= -80) & (amp <= -30)
    slope = np.polyfit(amp[sel], snr[sel], 1)[0]
    assert slope == pytest.approx(1.0, abs=0.25)
    # near full scale the binary loop overloads (prediction: unstable from -4 dBFS)
    assert np.all(snr[amp >= -1] < 10)
    assert np.all(
        np.abs(snr[(amp >= -40) & (amp <= -10)] - snr_pred[(amp >= -40) & (amp <= -10)]) < 8
    )


def test_simulateSNR_bandpass_and_multibit():
    ntf = synthesizeNTF(6, 64, 1, 1.5, 0.125)
    snr, amp = simulateSNR(ntf, 64, [-60, -20], 0.125)
    assert snr[1] - snr[0] == pytest.approx(40, abs=6)
    assert snr[1] > 60
    ntf = synthesizeNTF(3, 16, 1, 3.0)
    snr9, _ = simulateSNR(ntf, 16, [-6.0], 0, 9)
    snr2, _ = simulateSNR(synthesizeNTF(3, 16, 1, 1.5), 16, [-6.0], 0, 2)
    assert snr9[0] > snr2[0] + 15  # 9 levels: much lower quantization noise


def test_simulateSNR_rejects_quadrature(ntf5):
    with pytest.raises(NotImplementedError):
        simulateSNR(ntf5, 32, quadrature=True)
