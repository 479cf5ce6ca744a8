"""ctdsm.analysis.stability: the instability detector on real and synthetic runs, and the
dynamic range of an amplitude sweep."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ctdsm import analysis as an
from tests.analysis._records import tone

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
