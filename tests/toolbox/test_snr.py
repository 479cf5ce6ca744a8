"""Tests of ctdsm.toolbox.snr: ds_hann, calculateSNR, predictSNR.

predictSNR is compared with MATLAB Delta-Sigma Toolbox output as tabulated in the
python-deltasigma test suite (deltasigma/tests/test_predictSNR.py, generated with the MATLAB
toolbox); ds_hann and calculateSNR with signals whose SNR is known analytically.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from ctdsm.toolbox import calculateSNR, ds_hann, predictSNR, synthesizeNTF

# --------------------------------------------------------------------------------------
# ds_hann
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 64, 1000])
def test_ds_hann_formula(n):
    k = np.arange(n)
    np.testing.assert_allclose(ds_hann(n), 0.5 * (1 - np.cos(2 * np.pi * k / n)), atol=1e-15)
    # the periodic ("DFT-even") Hann window, not the symmetric one (scipy returns [1] for
    # n = 1 where the toolbox formula gives [0])
    if n > 1:
        np.testing.assert_allclose(ds_hann(n), signal.windows.hann(n, sym=False), atol=1e-15)


def test_ds_hann_spectrum_has_three_bins():
    N = 256
    W = np.fft.fft(ds_hann(N))
    np.testing.assert_allclose(W[[0, 1, -1]], [N / 2, -N / 4, -N / 4], atol=1e-10)
    assert np.max(np.abs(W[2:-1])) < 1e-10
    assert ds_hann(0).size == 0


# --------------------------------------------------------------------------------------
# calculateSNR
# --------------------------------------------------------------------------------------


def _windowed_tones(N, tones):
    t = np.arange(N)
    x = sum(a * np.sin(2 * np.pi * k / N * t) for k, a in tones)
    return np.fft.fft(x * ds_hann(N))


def test_calculateSNR_tones_exact():
    # A bin-centred, Hann-windowed tone occupies exactly three bins, so with tones as the
    # "noise" the SNR is exactly 10 log10(A^2 / sum B^2).
    N = 4096
    spec = _windowed_tones(N, [(100, 1.0), (40, 1e-3), (170, 2e-3), (230, 5e-4)])
    band = spec[2:257]
    snr = calculateSNR(band, 100 - 2)
    assert snr == pytest.approx(10 * np.log10(1.0 / (1e-6 + 4e-6 + 0.25e-6)), abs=1e-9)


def test_calculateSNR_white_noise_within_0p1_dB():
    # A sine in white noise: with a Hann window the tone's three bins hold A^2 N^2 3/32 and
    # each noise bin on average sigma^2 * sum(w^2) = sigma^2 * 3N/8, so the in-band SNR over
    # M noise bins is A^2 N / (4 M sigma^2).
    N = 2**18
    k, A, sigma = 3001, 0.5, 1e-3
    rng = np.random.default_rng(1)
    t = np.arange(N)
    x = A * np.sin(2 * np.pi * k / N * t) + sigma * rng.standard_normal(N)
    spec = np.fft.fft(x * ds_hann(N))
    band = spec[2:20002]
    M = band.size - 3
    expected = 10 * np.log10(A**2 * N / (4 * M * sigma**2))
    assert calculateSNR(band, k - 2) == pytest.approx(expected, abs=0.1)


def test_calculateSNR_nsig_and_edges():
    h = np.ones(50)
    # nsig bins either side of f are signal
    assert calculateSNR(h, 10, 1) == pytest.approx(20 * np.log10(np.sqrt(3) / np.sqrt(47)))
    assert calculateSNR(h, 10, 2) == pytest.approx(20 * np.log10(np.sqrt(5) / np.sqrt(45)))
    # signal bins are clipped at the ends of the band
    assert calculateSNR(h, 0) == pytest.approx(20 * np.log10(np.sqrt(2) / np.sqrt(48)))
    assert calculateSNR(h, 49) == pytest.approx(20 * np.log10(np.sqrt(2) / np.sqrt(48)))
    # complex input: magnitudes count; no noise -> inf
    h2 = np.zeros(20, complex)
    h2[5:8] = [1j, 2.0, -1j]
    assert calculateSNR(h2, 6) == np.inf
    h2[0] = 1e-3 * (1 + 1j)
    assert calculateSNR(h2, 6) == pytest.approx(
        20 * np.log10(np.sqrt(6) / (1e-3 * np.sqrt(2))), abs=1e-9
    )


# --------------------------------------------------------------------------------------
# predictSNR against published toolbox output
# --------------------------------------------------------------------------------------

# synthesizeNTF(5, 32, 2, 1.5, 0), predictSNR(ntf, 32): python-deltasigma
# deltasigma/tests/test_predictSNR.py (MATLAB output), default amplitudes.
P1_SNR = [
    -32.3447,
    -22.3447,
    -12.3447,
    -2.3447,
    7.6553,
    17.6553,
    27.6553,
    37.6552,
    47.6545,
    57.6475,
    67.5768,
    72.4043,
    76.8266,
    77.5913,
    78.2773,
    78.8451,
    79.2116,
    79.0974,
]
P1_K0 = [1.6289] * 8 + [
    1.6288,
    1.6283,
    1.6227,
    1.6088,
    1.5596,
    1.5383,
    1.5088,
    1.4663,
    1.4003,
    1.2747,
    0,
    0,
    0,
    0,
    0,
]
P1_K1 = [1.6289] * 8 + [
    1.6287,
    1.6274,
    1.6142,
    1.5819,
    1.4752,
    1.4326,
    1.3768,
    1.3025,
    1.1995,
    1.0387,
    0.3706,
    0,
    0,
    0,
    0,
]
P1_S2 = [0.3634] * 11 + [0.3631, 0.3607, 0.3591, 0.3566, 0.3525, 0.3459, 0.3352, 0.3178, 0, 0, 0, 0]

# synthesizeNTF(4, 64, 2, 1.2, 0.333), predictSNR(ntf, 64, linspace(-120, 0, 100), 0.333)
P2_SNR = [
    -54.7270,
    -53.5149,
    -52.3028,
    -51.0907,
    -49.8786,
    -48.6664,
    -47.4543,
    -46.2422,
    -45.0301,
    -43.8180,
    -42.6058,
    -41.3937,
    -40.1816,
    -38.9695,
    -37.7574,
    -36.5452,
    -35.3331,
    -34.1210,
    -32.9089,
    -31.6967,
    -30.4846,
    -29.2725,
    -28.0604,
    -26.8483,
    -25.6361,
    -24.4240,
    -23.2119,
    -21.9998,
    -20.7877,
    -19.5755,
    -18.3634,
    -17.1513,
    -15.9392,
    -14.7270,
    -13.5149,
    -12.3028,
    -11.0907,
    -9.8786,
    -8.6664,
    -7.4543,
    -6.2422,
    -5.0301,
    -3.8180,
    -2.6058,
    -1.3937,
    -0.1816,
    1.0305,
    2.2426,
    3.4548,
    4.6669,
    5.8790,
    7.0911,
    8.3032,
    9.5154,
    10.7275,
    11.9396,
    13.1517,
    14.3638,
    15.5759,
    16.7881,
    18.0002,
    19.2123,
    20.4244,
    21.6365,
    22.8485,
    24.0606,
    25.2727,
    26.4847,
    27.6967,
    28.9087,
    30.1206,
    31.3324,
    32.5442,
    33.7558,
    34.9673,
    36.1785,
    37.3895,
    38.6002,
    39.8103,
    41.0198,
    42.2285,
    43.4360,
    44.6421,
    45.8462,
    47.0478,
    48.2458,
    49.4393,
    50.6266,
    51.8058,
    52.9741,
    54.1277,
    55.2617,
    56.3694,
    57.4405,
    58.4607,
    59.4074,
    60.2442,
    60.9031,
    61.2360,
    60.8103,
]
P2_K0_TAIL = [
    3.6228,
    3.6205,
    3.6173,
    3.6131,
    3.6075,
    3.6000,
    3.5899,
    3.5762,
    3.5576,
    3.5320,
    3.4961,
    3.4447,
    3.3690,
    3.2518,
    3.0562,
    2.6817,
]
P2_K1_TAIL = [
    3.6120,
    3.6062,
    3.5984,
    3.5881,
    3.5744,
    3.5561,
    3.5318,
    3.4993,
    3.4557,
    3.3969,
    3.3171,
    3.2075,
    3.0547,
    2.8367,
    2.5142,
    2.0040,
]
P2_S2_TAIL = [
    0.3633,
    0.3633,
    0.3633,
    0.3632,
    0.3630,
    0.3628,
    0.3624,
    0.3616,
    0.3603,
    0.3579,
    0.3536,
    0.3459,
    0.3319,
    0.3059,
]


def test_predictSNR_published_lowpass():
    ntf = synthesizeNTF(5, 32, 2, 1.5, 0)
    snr, amp, k0, k1, s2 = predictSNR(ntf, 32)
    np.testing.assert_array_equal(amp, np.r_[np.arange(-120, -19, 10), -15, np.arange(-10, 1)])
    np.testing.assert_allclose(snr[:18], P1_SNR, atol=2e-3)
    # unstable from -4 dBFS on, as in the toolbox
    assert np.all(np.isneginf(snr[18:]))
    np.testing.assert_allclose(k0, P1_K0, atol=2e-4)
    np.testing.assert_allclose(k1, P1_K1, atol=2e-4)
    np.testing.assert_allclose(s2, P1_S2, atol=2e-4)


def test_predictSNR_published_bandpass_sine():
    ntf = synthesizeNTF(4, 64, 2, 1.2, 0.333)
    amp_in = np.linspace(-120, 0, 100)
    snr, amp, k0, k1, s2 = predictSNR(ntf, 64, amp_in, 0.333)
    np.testing.assert_array_equal(amp, amp_in)
    np.testing.assert_allclose(snr, P2_SNR, atol=2e-3)
    np.testing.assert_allclose(k0[:60], 3.6301, atol=2e-4)
    np.testing.assert_allclose(k0[-16:], P2_K0_TAIL, atol=2e-4)
    np.testing.assert_allclose(k1[-16:], P2_K1_TAIL, atol=2e-4)
    np.testing.assert_allclose(s2[:80], 0.3634, atol=2e-4)
    np.testing.assert_allclose(s2[-14:], P2_S2_TAIL, atol=2e-4)


def test_predictSNR_noise_power_option():
    ntf = synthesizeNTF(5, 32, 1)
    amps = [-60.0, -20.0, -10.0]
    snr_tb, _, k0, k1, s2 = predictSNR(ntf, 32, amps)
    snr_pw, _, k0b, k1b, s2b = predictSNR(ntf, 32, amps, toolbox_noise=False)
    np.testing.assert_array_equal(k1, k1b)
    # |sum h^2| <= sum |h|^2: the toolbox figure is never below the noise-power one
    num, den = np.real(np.poly(ntf.zeros)), np.real(np.poly(ntf.poles))
    for i in range(len(amps)):
        _, h = signal.freqz(num, (1 - k1[i]) * num + k1[i] * den, np.linspace(0, np.pi / 32, 100))
        gap = 10 * np.log10(np.sum(np.abs(h) ** 2) / abs(np.sum(h * h)))
        assert snr_tb[i] - snr_pw[i] == pytest.approx(gap, abs=1e-9)
        assert gap > 0


def test_predictSNR_linear_at_small_amplitudes():
    # deep below full scale the gains are constant, so SNR rises dB for dB
    ntf = synthesizeNTF(3, 64, 1)
    snr, *_ = predictSNR(ntf, 64, [-100.0, -90.0, -80.0])
    np.testing.assert_allclose(np.diff(snr), 10.0, atol=1e-3)
