"""ctdsm.analysis.spectrum: periodic windows, PSD scaling (Parseval, sine lobes, white
noise), Welch averaging and band power."""

from __future__ import annotations

import numpy as np
import pytest

from ctdsm import analysis as an
from tests.analysis._records import noise_sum_rel_std, tone

# ---------------------------------------------------------------------------- windows


def test_window_numbers_match_harris_table():
    # F. J. Harris, Proc. IEEE 66(1), 1978, Table I: ENBW Hann 1.50 bins, highest side
    # lobe -31.5 dB; 4-term Blackman-Harris ENBW 2.00 bins, highest side lobe -92 dB.
    expected = {
        "hann": (1.50, -31.5, 2),
        "blackmanharris": (2.00, -92.0, 4),
        "rect": (1.0, -13.3, 1),
    }
    for kind, (enbw, sidelobe_db, hw) in expected.items():
        w = an.window(64, kind)
        assert w.half_width_bins == hw
        assert w.enbw_bins == pytest.approx(enbw, abs=0.005)
        pad = 64
        spec = np.abs(np.fft.fft(w.w, 64 * pad))
        spec /= spec[0]
        f_bins = np.arange(64 * pad) / pad
        f_bins = np.minimum(f_bins, 64 - f_bins)
        # Main-lobe edge is a null (periodic window, bins of the unpadded FFT).
        assert np.all(spec[np.isclose(f_bins, hw)] < 1e-12)
        assert 20 * np.log10(spec[f_bins > hw].max()) == pytest.approx(sidelobe_db, abs=0.1)
    assert an.window(64, "hann").enbw_bins == pytest.approx(1.5, abs=1e-12)


def test_window_is_periodic_cached_and_validated():
    w = an.window(8)
    assert w.kind == "hann"
    np.testing.assert_allclose(w.w, 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(8) / 8), atol=1e-15)
    assert an.window(8, "hanning") is w
    assert an.window(16, "bh4").kind == "blackmanharris"
    with pytest.raises(ValueError):
        w.w[0] = 1.0  # shared cached array is read-only
    with pytest.raises(an.AnalysisError, match="window"):
        an.window(8, "kaiser")
    with pytest.raises(an.AnalysisError):
        an.window(0)


# -------------------------------------------------------------------------------- psd


@pytest.mark.parametrize("kind", ["hann", "blackmanharris", "rect"])
@pytest.mark.parametrize("n", [1024, 1001])
def test_psd_parseval(kind, n):
    rng = np.random.default_rng(7)
    v = rng.standard_normal(n) * 0.3 + 0.1
    f, s = an.psd(v, 1e6, window=kind)
    assert f.shape == s.shape == (n // 2 + 1,)
    assert f[1] == pytest.approx(1e6 / n)
    w = an.window(n, kind).w
    total = np.sum(s) * 1e6 / n
    assert total == pytest.approx(np.sum((v * w) ** 2) / np.sum(w**2), rel=1e-12)
    if kind == "rect":
        assert total == pytest.approx(np.mean(v**2), rel=1e-12)


@pytest.mark.parametrize("kind", ["hann", "blackmanharris"])
def test_psd_sine_lobe_sums_to_half_a_squared(kind):
    n, fs, amp = 4096, 48e3, 0.7
    k = 101
    v = tone(n, k * fs / n, amp, phase=0.4, fs=fs)
    f, s = an.psd(v, fs, window=kind)
    hw = an.window(n, kind).half_width_bins
    lobe = np.sum(s[k - hw : k + hw + 1]) * fs / n
    assert lobe == pytest.approx(amp**2 / 2, rel=1e-12)
    # a coherent tone leaks nowhere else
    rest = np.delete(s, np.arange(k - hw, k + hw + 1))
    assert np.max(rest) * fs / n < 1e-25
    assert an.band_power(f, s, f[k - hw], f[k + hw]) == pytest.approx(amp**2 / 2, rel=1e-12)


def test_psd_white_noise_level_and_band_power():
    n, fs, sigma = 2**18, 1e6, 0.01
    v = np.random.default_rng(3).normal(0, sigma, n)
    f, s = an.psd(v, fs)
    m = n // 2 - 1
    rel = noise_sum_rel_std(an.window(n), m)
    assert 4 * rel < 0.02
    assert np.mean(s[1:-1]) == pytest.approx(2 * sigma**2 / fs, rel=4 * rel)
    # power in [0, bw] = sigma^2 * 2 bw / fs (DC bin counts half)
    bw = fs / 8
    kb = round(bw * n / fs)
    expect = sigma**2 * (2 * kb + 1) / n
    rel_b = noise_sum_rel_std(an.window(n), kb)
    assert an.band_power(f, s, 0.0, bw) == pytest.approx(expect, rel=4 * rel_b)


def test_welch_psd_same_scaling():
    n, fs, nseg, amp, sigma = 2**17, 1e6, 1024, 0.5, 1e-3
    k = 37  # coherent in every segment
    rng = np.random.default_rng(11)
    v = tone(n, k * fs / nseg, amp, fs=fs) + rng.normal(0, sigma, n)
    f, s = an.welch_psd(v, fs, nperseg=nseg)
    assert f[1] == pytest.approx(fs / nseg)
    lobe = np.sum(s[k - 2 : k + 3]) * fs / nseg
    assert lobe == pytest.approx(amp**2 / 2, rel=1e-4)
    far = np.r_[s[60:-1]]
    assert np.mean(far) == pytest.approx(2 * sigma**2 / fs, rel=0.02)
    with pytest.raises(an.AnalysisError, match="nperseg"):
        an.welch_psd(v[:100], fs, nperseg=200)
