"""ctdsm.analysis.metrics: SNR/SNDR/THD/SFDR bookkeeping on records with a known answer
(see tests/analysis/_records.py for the statistics), analyze(), and Metrics without NaN."""

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
from tests.analysis._records import TOL_DB, db_spread, noise_sum_rel_std, tone

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
