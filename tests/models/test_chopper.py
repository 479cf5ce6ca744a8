"""Chopping: the wave, the default frequency, and 1/f noise and offset leaving the band."""

from pathlib import Path

import numpy as np
import pytest

import ctdsm
from ctdsm.analysis import analyze
from ctdsm.models.chopper import chop_frequency, chop_wave

ROOT = Path(__file__).resolve().parents[2]


def test_chop_wave_average_and_edges():
    c = chop_wave(64, 16e6, 1e6)  # 8 clock periods per half
    assert np.array_equal(c[:8], np.ones(8)) and np.array_equal(c[8:16], -np.ones(8))
    c = chop_wave(64, 16e6, 1e6, phase=0.25)
    assert c[0] == pytest.approx(0.5) and c[8] == pytest.approx(-0.5)
    assert abs(chop_wave(1 << 12, 16e6, 1e6, 0.3).mean()) < 1e-3


def test_default_frequency_is_out_of_band():
    for fs, bw in [(20e6, 250e3), (32e6, 250e3), (1.28e6, 20e3)]:
        f = chop_frequency(fs, bw)
        assert f >= 2.5 * bw and (fs / f) == int(fs / f)


def test_chopping_moves_flicker_noise_and_offset_out_of_band():
    imp = {
        "preset": "ideal",
        "flicker_corner_hz": 1e6,
        "opamp_offset_v": 5e-3,
        "thermal_noise": True,
    }
    runs = {}
    for on in (True, False):
        spec = ctdsm.load_spec(ROOT / "designs" / "multibit.yaml", [f"chopper.enabled={on}"])
        d = ctdsm.synthesize(spec)
        runs[on] = analyze(ctdsm.simulate(d, 1 << 16, -3, imp, 4))
    assert runs[True].snr_db > runs[False].snr_db + 6.0
    assert abs(runs[True].dc_offset) < 0.1 * abs(runs[False].dc_offset)


def test_chopping_noise_predicted_from_virtual_ground():
    from ctdsm.flow.chopping import chopping_sweep

    d = ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / "multibit.yaml"))
    fs = d.fs_hz
    r = chopping_sweep(d, [fs / 8, fs / 32], n_samples=1 << 15)
    quiet = r["noise_unchopped_no_flicker"]
    pairs = zip(r["noise_chopped_no_flicker"], r["predicted_added"], strict=True)
    for chopped, predicted in pairs:
        added = chopped - quiet
        assert added > 0
        # The chop transients of the finite-bandwidth input stage: a linear function of the
        # virtual-ground voltage, predicted from an unchopped run to within 1 dB.
        assert abs(10 * np.log10(added / predicted)) < 1.0
    # Fewer edges, less folded noise.
    assert r["noise_chopped"][1] < r["noise_chopped"][0]


def test_chopper_charge_injection_leaves_the_predicted_residual_offset():
    d = ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / "multibit.yaml"))
    base = {"preset": "ideal", "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 4}
    q = 1e-12
    m = analyze(ctdsm.simulate(d, 1 << 15, -3, dict(base, chopper_charge_c=q), 1))
    # The same charge at every edge: an average current 2 f_chop q into the virtual ground,
    # the input offset 2 f_chop q R_in (toolbox units: / k_u).
    predicted = 2 * chop_frequency(d.fs_hz, d.bw_hz) * q * d.sizing.r_in_ohm / d.sizing.k_u_v
    assert abs(m.dc_offset) == pytest.approx(predicted, rel=0.02)


def test_chopper_clock_skew_costs_snr():
    d = ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / "multibit.yaml"))
    base = {"preset": "ideal", "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 4}
    clean = analyze(ctdsm.simulate(d, 1 << 15, -3, base, 1))
    skewed = analyze(ctdsm.simulate(d, 1 << 15, -3, dict(base, chopper_skew_s=1e-9), 1))
    # For 1 ns after each edge the opamp amplifies -e: a large folded error.
    assert skewed.snr_db < clean.snr_db - 6
