"""Tests of ctdsm.analysis: PSD scaling, SNR/SNDR/THD/SFDR bookkeeping, stability, DR.

Synthetic records have a known answer. Noise is white Gaussian of variance s2, so its
in-band power is s2 * (2 kb + 1) / N over the bins 0..kb of a low-pass band (DC holds half a
bin), i.e. s2 * 2 bw / fs. Where a figure is statistical, its expected spread is computed
from the window (correlation of neighbouring bins) and the record is long enough that three
standard deviations stay below 0.05 dB; the assertion then uses 0.1 dB.
"""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ctdsm import analysis as an
from ctdsm.errors import CtdsmError

TOL_DB = 0.1


def db_spread(rel: float) -> float:
    """Standard deviation in dB of a power estimate with relative standard deviation ``rel``."""
    return 10.0 * math.log10(1.0 + rel)


def noise_sum_rel_std(win: an.WindowInfo, m_bins: int) -> float:
    """Relative std of a sum of ``m_bins`` windowed white-noise periodogram bins.

    Bin powers are exponential (std = mean); neighbouring bins of a windowed DFT are
    correlated with amplitude correlation ``rho_d = DFT(w^2)[d] / sum(w^2)`` and power
    correlation ``|rho_d|^2``.
    """
    rho = np.fft.fft(win.w**2)[: 2 * win.half_width_bins + 1] / np.sum(win.w**2)
    c = float(abs(rho[0]) ** 2 + 2 * np.sum(np.abs(rho[1:]) ** 2))
    return math.sqrt(c / m_bins)


def tone(n: int, f: float, amp: float, phase: float = 0.0, fs: float = 1.0) -> np.ndarray:
    return amp * np.sin(2 * np.pi * f / fs * np.arange(n) + phase)


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


# -------------------------------------------------------------------- test frequencies


def test_coherent_frequency_known_bins():
    n = 2**16
    # nearest odd prime to bin 1000.3 is 997 (1009 is farther)
    assert an.coherent_frequency(1.0, n, 1000.3 / n) * n == pytest.approx(997)
    # N = 3000: bin 3 and 5 share factors with N, so the nearest coprime prime is 7
    assert an.coherent_frequency(3000.0, 3000, 3.0) == pytest.approx(7.0)
    # with no prime in range, the nearest odd coprime bin
    f = an.coherent_frequency(1.0, n, 26.0 / n, f_min_hz=24.5 / n, f_max_hz=28.5 / n)
    assert f * n == pytest.approx(25)
    with pytest.raises(an.AnalysisError, match="no FFT bin"):
        an.coherent_frequency(1.0, n, 0.1, f_min_hz=0.2, f_max_hz=0.1)


@settings(max_examples=60, deadline=None)
@given(
    fs=st.floats(1.0, 1e9),
    n=st.integers(16, 2**18),
    t=st.floats(0.0, 1.0),
    lo=st.floats(0.0, 0.5),
    span=st.floats(0.0, 0.5),
)
def test_coherent_frequency_on_grid_and_in_range(fs, n, t, lo, span):
    f_min, f_max = lo * fs, min(lo + span, 0.5) * fs
    df = fs / n
    k_lo = max(1, math.ceil(f_min / df - 1e-9))
    k_hi = min((n - 1) // 2, math.floor(f_max / df + 1e-9))
    if k_lo > k_hi:
        with pytest.raises(an.AnalysisError):
            an.coherent_frequency(fs, n, t * fs / 2, f_min_hz=f_min, f_max_hz=f_max)
        return
    f = an.coherent_frequency(fs, n, t * fs / 2, f_min_hz=f_min, f_max_hz=f_max)
    k = f / df
    assert abs(k - round(k)) < 1e-6
    k = round(k)
    assert k_lo <= k <= k_hi
    if k_hi > k_lo:  # an odd bin exists
        assert k % 2 == 1


def test_default_test_frequency_low_pass_and_band_pass():
    fs, n, bw = 64e6, 2**16, 250e3
    f = an.default_test_frequency(fs, n, bw)
    k = f * n / fs
    assert abs(k - round(k)) < 1e-9 and round(k) % 2 == 1
    assert bw / 7 <= f <= bw / 5
    assert 3 * f <= bw  # HD2 and HD3 in band
    # short record (16 bins in band): bw/7..bw/3 is inside the DC guard, the band is used
    f_short = an.default_test_frequency(fs, 2**12, bw)
    assert 9 * fs / 2**12 <= f_short <= bw
    # band-pass: centred
    f0 = fs / 4
    fb = an.default_test_frequency(fs, n, bw, f0)
    assert abs(fb - f0) <= 10 * fs / n
    assert abs(fb - f0) < bw / 2
    with pytest.raises(an.AnalysisError, match="bw_hz"):
        an.default_test_frequency(fs, 2**8, bw)


# ------------------------------------------------------------------ spectrum metrics

N_LONG = 2**20
BW = 0.25  # fs = 1: OSR 2, so kb = 262144 in-band bins


@pytest.fixture(scope="module")
def lowpass_record():
    """Sine (-6 dBFS) + white noise + HD2/HD3 + DC, all with known powers."""
    n, amp, sigma = N_LONG, 0.5, 1e-4
    fin = an.coherent_frequency(1.0, n, BW / 6)
    hd = {2: -70.0, 3: -73.0}
    rng = np.random.default_rng(2024)
    noise = rng.normal(0.0, sigma, n)
    clean = tone(n, fin, amp)
    for h, lvl in hd.items():
        clean = clean + tone(n, h * fin, amp * 10 ** (lvl / 20), phase=0.3 * h)
    return SimpleNamespace(n=n, amp=amp, sigma=sigma, fin=fin, hd=hd, noise=noise, clean=clean)


def _expected_lowpass(rec):
    kb = round(BW * rec.n)
    p_sig = rec.amp**2 / 2
    p_noise = rec.sigma**2 * (2 * kb + 1) / rec.n
    p_h = {h: p_sig * 10 ** (lvl / 10) for h, lvl in rec.hd.items()}
    return kb, p_sig, p_noise, p_h


def test_spectrum_metrics_known_snr_thd(lowpass_record):
    rec = lowpass_record
    v = rec.clean + rec.noise
    m = an.spectrum_metrics(v, 1.0, rec.fin, BW)
    kb, p_sig, p_noise, p_h = _expected_lowpass(rec)
    d = sum(p_h.values())

    # statistical spread of the noise estimate, and of a harmonic's lobe (signal x noise
    # cross term: relative std sqrt(2 p_bin / P_h), p_bin = noise per bin)
    win = an.window(rec.n)
    sd_noise = db_spread(noise_sum_rel_std(win, kb))
    p_bin = 2 * rec.sigma**2 / rec.n
    sd_hd3 = db_spread(math.sqrt(2 * p_bin / p_h[3]))
    assert 3 * sd_noise < 0.05 and 3 * sd_hd3 < 0.05

    assert m.snr_db == pytest.approx(10 * np.log10(p_sig / p_noise), abs=TOL_DB)
    assert m.sndr_db == pytest.approx(10 * np.log10(p_sig / (p_noise + d)), abs=TOL_DB)
    assert m.thd_db == pytest.approx(10 * np.log10(d / p_sig), abs=TOL_DB)
    assert m.hd2_db == pytest.approx(-70.0, abs=TOL_DB)
    assert m.hd3_db == pytest.approx(-73.0, abs=TOL_DB)
    assert m.sfdr_db == pytest.approx(70.0, abs=TOL_DB)
    assert m.amplitude_dbfs == pytest.approx(20 * np.log10(rec.amp), abs=1e-3)
    assert m.noise_power == pytest.approx(p_noise + d, rel=0.02)
    assert m.distortion_power == pytest.approx(d, rel=0.01)
    assert m.enob_bits == pytest.approx((m.sndr_db - 1.7609) / 6.0206, abs=1e-3)
    assert m.n_samples == rec.n and m.stable is True and m.window == "hann"
    assert m.inband_noise_nv_rthz is None  # no full_scale_v given
    # SNDR sits between the two contributions
    assert m.sndr_db < min(m.snr_db, -m.thd_db)


def test_dc_offset_excluded_and_reported(lowpass_record):
    rec = lowpass_record
    v = rec.clean + rec.noise
    base = an.spectrum_metrics(v, 1.0, rec.fin, BW)
    shifted = an.spectrum_metrics(v + 0.05, 1.0, rec.fin, BW)
    # DC of the noise itself is ~sigma/sqrt(N); the offset is recovered to that level
    assert shifted.dc_offset == pytest.approx(0.05 + base.dc_offset, abs=1e-12)
    assert abs(base.dc_offset) < 5 * rec.sigma / math.sqrt(rec.n / 1.5)
    for key in ("snr_db", "sndr_db", "thd_db", "sfdr_db", "noise_power"):
        assert getattr(shifted, key) == pytest.approx(getattr(base, key), rel=1e-9)
    # a large offset would wreck SNR by 60 dB if it were counted as noise
    assert shifted.snr_db > 70


@pytest.mark.parametrize("kind", ["blackmanharris", "rect"])
def test_other_windows_give_the_same_answer(lowpass_record, kind):
    rec = lowpass_record
    v = rec.clean + rec.noise
    m = an.spectrum_metrics(v, 1.0, rec.fin, BW, window=kind)
    kb, p_sig, p_noise, p_h = _expected_lowpass(rec)
    assert noise_sum_rel_std(an.window(rec.n, kind), kb) < 0.005
    assert m.snr_db == pytest.approx(10 * np.log10(p_sig / p_noise), abs=TOL_DB)
    assert m.hd2_db == pytest.approx(-70.0, abs=TOL_DB)
    assert m.window == kind


def test_sfdr_picks_non_harmonic_spur_and_snr_counts_it(lowpass_record):
    rec = lowpass_record
    f_spur = 40001 / rec.n  # not a harmonic of fin, in band
    p_spur_rel = -66.0
    spur = tone(rec.n, f_spur, rec.amp * 10 ** (p_spur_rel / 20), phase=1.0)
    m = an.spectrum_metrics(rec.clean + rec.noise + spur, 1.0, rec.fin, BW)
    kb, p_sig, p_noise, p_h = _expected_lowpass(rec)
    p_spur = p_sig * 10 ** (p_spur_rel / 10)
    assert m.sfdr_db == pytest.approx(66.0, abs=TOL_DB)
    assert m.hd2_db == pytest.approx(-70.0, abs=TOL_DB)  # harmonics unchanged
    assert m.snr_db == pytest.approx(10 * np.log10(p_sig / (p_noise + p_spur)), abs=TOL_DB)


def test_harmonics_fold_about_nyquist_and_out_of_band_are_none():
    n, amp, sigma = 2**18, 0.5, 1e-5
    fin = an.coherent_frequency(1.0, n, 0.24)
    # 2 fin = 0.48 and 3 fin -> 0.28 are out of band; 4 fin -> 0.04 and 5 fin -> 0.2 fold in
    v = tone(n, fin, amp)
    for h in (2, 3):
        v = v + tone(n, h * fin, amp * 10 ** (-40 / 20))  # big but out of band
    v = v + tone(n, 4 * fin, amp * 10 ** (-70 / 20)) + tone(n, 5 * fin, amp * 10 ** (-75 / 20))
    v = v + np.random.default_rng(5).normal(0, sigma, n)
    m = an.spectrum_metrics(v, 1.0, fin, BW)
    assert m.hd2_db is None and m.hd3_db is None
    assert m.thd_db == pytest.approx(10 * np.log10(10**-7 + 10**-7.5), abs=TOL_DB)
    assert m.sfdr_db == pytest.approx(70.0, abs=TOL_DB)
    # with n_harmonics=4, HD5 is no longer distortion: it becomes noise
    m4 = an.spectrum_metrics(v, 1.0, fin, BW, n_harmonics=4)
    assert m4.thd_db == pytest.approx(-70.0, abs=TOL_DB)
    p_sig = amp**2 / 2
    kb = round(BW * n)
    expect_snr4 = p_sig / (sigma**2 * (2 * kb + 1) / n + p_sig * 10**-7.5)
    assert m4.snr_db == pytest.approx(10 * np.log10(expect_snr4), abs=TOL_DB)
    assert m4.sndr_db == pytest.approx(m.sndr_db, abs=0.01)


def test_band_pass_band():
    n, fs, amp, sigma = 2**20, 1.0, 0.5, 1e-3
    f0, bw = fs / 4, fs / 4
    fin = an.default_test_frequency(fs, n, bw, f0)
    rng = np.random.default_rng(99)
    v = tone(n, fin, amp) + rng.normal(0, sigma, n) + 0.2  # DC is out of band
    v += tone(n, 2 * fin, amp * 10 ** (-40 / 20))  # HD2 at fs/2: out of band
    v += tone(n, 3 * fin, amp * 10 ** (-60 / 20))  # HD3 folds back next to fs/4
    v += tone(n, 0.42, amp * 10 ** (-30 / 20))  # strong out-of-band spur
    m = an.spectrum_metrics(v, fs, fin, bw, f0_hz=f0)
    k = np.arange(n // 2 + 1)
    m_bins = int(np.count_nonzero((k >= n * (f0 - bw / 2)) & (k <= n * (f0 + bw / 2))))
    p_sig = amp**2 / 2
    p_noise = sigma**2 * 2 * m_bins / n
    assert 3 * db_spread(noise_sum_rel_std(an.window(n), m_bins)) < 0.05
    assert m.snr_db == pytest.approx(10 * np.log10(p_sig / p_noise), abs=TOL_DB)
    assert m.hd2_db is None
    assert m.hd3_db == pytest.approx(-60.0, abs=TOL_DB)
    assert m.sfdr_db == pytest.approx(60.0, abs=TOL_DB)
    assert m.dc_offset == pytest.approx(0.2, abs=1e-5)
    assert m.f0_hz == f0


def test_noise_density_input_referred_and_analyze():
    n, fs, bw, levels, fs_v = 2**19, 2e6, 500e3, 17, 2.0
    fin = an.default_test_frequency(fs, n, bw)
    amp = (levels - 1) * 10 ** (-3 / 20)
    sigma = 1e-3 * (levels - 1)
    v = tone(n, fin, amp, fs=fs) + np.random.default_rng(8).normal(0, sigma, n)
    res = SimpleNamespace(
        v=v, fs_hz=fs, bw_hz=bw, f0_hz=0.0, fin_hz=fin, levels=levels, stable=True,
        full_scale_v=fs_v,
    )  # fmt: skip
    m = an.analyze(res)
    kb = round(bw * n / fs)
    p_noise = sigma**2 * (2 * kb + 1) / n  # output units^2
    density_v2 = p_noise / bw * (fs_v / (levels - 1)) ** 2
    assert 3 * noise_sum_rel_std(an.window(n), kb) < 0.02
    assert m.amplitude_dbfs == pytest.approx(-3.0, abs=1e-3)
    assert m.inband_noise_v2_per_hz == pytest.approx(density_v2, rel=0.02)
    assert m.inband_noise_nv_rthz == pytest.approx(math.sqrt(density_v2) * 1e9, rel=0.01)
    assert m.stable is True and m.fs_hz == fs and m.bw_hz == bw and m.fin_hz == fin
    # same figures as a direct call with full_scale = levels - 1
    direct = an.spectrum_metrics(v, fs, fin, bw, full_scale=levels - 1, full_scale_v=fs_v)
    assert direct.to_dict() == m.to_dict()


def test_analyze_flags_locked_up_output_as_unstable():
    n, fs, levels = 4096, 1e6, 2
    fin = an.default_test_frequency(fs, n, fs / 8)
    v = np.where(tone(n, fin, 1.0, fs=fs) >= 0, 1.0, -1.0)
    v[1000:] = 1.0  # locked at +full scale
    res = SimpleNamespace(v=v, fs_hz=fs, bw_hz=fs / 8, fin_hz=fin, levels=levels, stable=True)
    m = an.analyze(res)
    assert m.stable is False
    d = m.to_dict()
    assert d["stable"] is False
    json.dumps(d, allow_nan=False)


def test_nonfinite_record_reports_unstable_without_nan():
    n = 1024
    v = tone(n, 31 / n, 0.5)
    v[500:] = np.nan
    m = an.spectrum_metrics(v, 1.0, 31 / n, 0.25)
    assert m.stable is False
    assert m.sndr_db is None and m.snr_db is None and m.dc_offset is None
    d = m.to_dict()
    assert all(not (isinstance(x, float) and not math.isfinite(x)) for x in d.values())
    json.dumps(d, allow_nan=False)
    # an all-zero record: nothing is defined, nothing is NaN
    z = an.spectrum_metrics(np.zeros(n), 1.0, 31 / n, 0.25, stable=False)
    assert z.sndr_db is None and z.amplitude_dbfs is None and z.stable is False
    assert z.dc_offset == 0.0
    json.dumps(z.to_dict(), allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    v=arrays(
        np.float64,
        st.integers(64, 512),
        elements=st.floats(allow_nan=True, allow_infinity=True, width=64),
    ),
    stable=st.booleans(),
    kind=st.sampled_from(["hann", "blackmanharris"]),
)
def test_to_dict_never_contains_nan(v, stable, kind):
    n = v.size
    fin = an.coherent_frequency(1.0, n, 0.1, f_min_hz=10 / n)
    m = an.spectrum_metrics(v, 1.0, fin, 0.25, stable=stable, window=kind, full_scale_v=1.0)
    d = m.to_dict()
    json.dumps(d, allow_nan=False)  # raises on NaN/inf
    for key, value in d.items():
        assert value is None or isinstance(value, bool | int | float | str), key
    if not np.all(np.isfinite(v)):
        assert d["stable"] is False


def test_invalid_inputs_raise_clear_errors():
    v = tone(1024, 31 / 1024, 0.5)
    with pytest.raises(an.AnalysisError, match="fin_hz"):
        an.spectrum_metrics(v, 1.0, 0.6, 0.25)
    with pytest.raises(an.AnalysisError, match="fin_hz"):
        an.spectrum_metrics(v, 1.0, 1 / 1024, 0.25)  # in the DC lobe
    with pytest.raises(an.AnalysisError, match="bw_hz"):
        an.spectrum_metrics(v, 1.0, 31 / 1024, 0.7)
    with pytest.raises(an.AnalysisError, match="bw_hz"):
        an.spectrum_metrics(v, 1.0, 31 / 1024, 0.25, f0_hz=0.1)  # band below DC
    with pytest.raises(an.AnalysisError, match="fs_hz"):
        an.spectrum_metrics(v, -1.0, 31 / 1024, 0.25)
    with pytest.raises(an.AnalysisError, match="one-dimensional"):
        an.spectrum_metrics(np.vstack([v, v]), 1.0, 31 / 1024, 0.25)
    with pytest.raises(an.AnalysisError, match="window"):
        an.spectrum_metrics(v, 1.0, 31 / 1024, 0.25, window=an.window(512))
    # reported as ctdsm errors (one line in the CLI) and as ValueError
    assert issubclass(an.AnalysisError, CtdsmError) and issubclass(an.AnalysisError, ValueError)


# ----------------------------------------------------------------------- stability


def mod2(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Second-order single-bit modulator (two delaying integrators); returns v, states."""
    x1 = x2 = 0.0
    v = np.empty(u.size)
    xs = np.empty((2, u.size))
    for i, ui in enumerate(u):
        vi = 1.0 if x2 >= 0 else -1.0
        x1 += ui - vi
        x2 += x1 - vi
        v[i], xs[0, i], xs[1, i] = vi, x1, x2
    return v, xs


def test_is_unstable_on_a_real_modulator():
    n = 8192
    v_ok, x_ok = mod2(tone(n, 37 / n, 0.5))
    assert not an.is_unstable(v_ok, 2)
    assert not an.is_unstable(v_ok, 2, states=x_ok)
    # DC input above full scale: the loop overloads, states grow without bound
    v_bad, x_bad = mod2(np.full(n, 1.5))
    assert an.is_unstable(v_bad, 2)
    assert an.is_unstable(v_bad, 2, states=x_bad, max_run=10**9)  # caught by the states
    assert an.is_unstable(v_ok, 2, states=x_ok, state_limit=1e-3)


def test_is_unstable_multibit_runs_and_nonfinite():
    rng = np.random.default_rng(0)
    levels = 9
    v = rng.integers(-4, 5, 5000).astype(float) * 2  # codes -8..8 in steps of 2
    assert not an.is_unstable(v, levels)
    v[2000:2101] = 8.0  # 101 samples locked at +full scale
    assert an.is_unstable(v, levels)
    assert not an.is_unstable(v, levels, max_run=200)
    v[2000:2101] = -8.0
    assert an.is_unstable(v, levels)
    # limit cycle of an overloaded high-order loop: back-to-back runs of ~60 samples
    # (what a 5th-order single-bit loop does above its maximum stable amplitude)
    square = np.where(np.sin(2 * np.pi * (np.arange(8192) + 0.5) / 120) >= 0, 1.0, -1.0)
    assert an.is_unstable(square, 2)
    assert not an.is_unstable(square[::5], 2)  # runs of 12: ordinary toggling
    w = np.zeros(100)
    w[3] = np.inf
    assert an.is_unstable(w, levels)
    assert an.is_unstable(np.zeros(100), levels, states=[0.0, np.nan])
    assert not an.is_unstable(np.zeros(100), levels, states=np.ones((3, 100)))
    with pytest.raises(an.AnalysisError, match="levels"):
        an.is_unstable(v, 1)


# ------------------------------------------------------------------- dynamic range


def test_dynamic_range_from_a_sweep():
    amps = np.arange(-120.0, 1.0, 5.0)
    sndr = amps + 100.0  # noise-limited: SNDR = 0 dB at -100 dBFS
    sndr[amps == -5] = 93.0  # compression near full scale
    sndr[amps == 0] = 20.0  # overload
    stable = amps < 0
    out = an.dynamic_range(amps, sndr, stable)
    assert out["peak_sndr_db"] == pytest.approx(95.0 - 2.0)
    assert out["peak_amplitude_dbfs"] == -5.0
    assert out["zero_crossing_dbfs"] == pytest.approx(-100.0)
    assert out["dr_db"] == pytest.approx(95.0)
    assert out["max_stable_amplitude_dbfs"] == -5.0
    json.dumps(out, allow_nan=False)
    # without a mask everything counts as stable
    assert an.dynamic_range(amps, sndr)["max_stable_amplitude_dbfs"] == 0.0
    # an unstable point in the middle caps the stable range below it
    holes = stable.copy()
    holes[amps == -20] = False
    assert an.dynamic_range(amps, sndr, holes)["max_stable_amplitude_dbfs"] == -25.0


def test_dynamic_range_free_slope_and_undefined_points():
    amps = [-80.0, -60.0, -40.0, -20.0, -3.0]
    sndr = [None, 0.9 * -60 + 90, 0.9 * -40 + 90, 0.9 * -20 + 90, 85.0]
    out = an.dynamic_range(amps, sndr, fit_slope=True)
    assert out["zero_crossing_dbfs"] == pytest.approx(-100.0)
    assert out["dr_db"] == pytest.approx(97.0)
    empty = an.dynamic_range([-10.0, -5.0], [None, float("nan")])
    assert empty["peak_sndr_db"] is None and empty["dr_db"] is None
    assert empty["max_stable_amplitude_dbfs"] == -5.0
    with pytest.raises(an.AnalysisError):
        an.dynamic_range([1.0, 2.0], [1.0])


def test_buried_harmonics_give_an_upper_bound(lowpass_record):
    """No harmonic above the noise in its bins: THD is the harmonic bins' whole power over
    the signal, flagged as an upper bound (here noise with notches at the harmonics, so
    every harmonic lobe holds less than its neighbours predict); with real harmonics the
    flag is off."""
    rec = lowpass_record
    n = rec.n
    k_sig = round(rec.fin * n)
    rng = np.random.default_rng(5)
    spec = np.exp(2j * np.pi * rng.random(n // 2 + 1))
    for h in range(2, 10):
        kh = h * k_sig
        spec[max(kh - 3, 0) : kh + 4] *= 0.1
    noise = np.fft.irfft(spec, n)
    noise *= rec.sigma / noise.std()
    m = an.spectrum_metrics(tone(n, rec.fin, rec.amp) + noise, 1.0, rec.fin, BW)
    assert m.hd2_db is None and m.hd3_db is None
    assert m.thd_upper_bound is True
    assert m.thd_db is not None and m.thd_db < -m.snr_db  # below the in-band noise
    m2 = an.spectrum_metrics(rec.clean + rec.noise, 1.0, rec.fin, BW)
    assert m2.thd_upper_bound is False
