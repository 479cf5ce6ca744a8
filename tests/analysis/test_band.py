"""ctdsm.analysis.band: the band's edges and bins, folding, coherent test frequencies."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctdsm import analysis as an


def test_band_edges_low_pass_and_band_pass():
    assert an.band_edges_hz(250e3) == (0.0, 250e3)
    assert an.band_edges_hz(250e3, 0.0) == (0.0, 250e3)
    assert an.band_edges_hz(200e3, 6.4e6) == (6.3e6, 6.5e6)
    lo, hi = an.band_edges_hz(3, 10)  # integers in, floats out
    assert (lo, hi) == (8.5, 11.5) and isinstance(lo, float) and isinstance(hi, float)


def test_band_bins_are_the_bins_inside_the_edges():
    n, fs = 1024, 1024.0  # df = 1 Hz
    assert an.band_bin_range(1.0, 0.0, 100.0) == (0, 100)
    # an edge a rounding error off a bin centre keeps that bin; 0.5 bin off does not
    assert an.band_bin_range(1.0, 10.0 + 1e-12, 20.0 - 1e-12) == (10, 20)
    assert an.band_bin_range(1.0, 10.5, 19.5) == (11, 19)
    mask = an.band_bins(n // 2 + 1, fs / n, *an.band_edges_hz(100.0, 200.0))
    assert mask.shape == (n // 2 + 1,)
    np.testing.assert_array_equal(np.flatnonzero(mask), np.arange(150, 251))
    assert not an.band_bins(8, 1.0, 3.2, 3.8).any()


@pytest.mark.parametrize(
    ("f", "folded"), [(0.1, 0.1), (0.5, 0.5), (0.6, 0.4), (1.3, 0.3), (-0.2, 0.2), (2.0, 0.0)]
)
def test_fold_aliases_into_the_first_nyquist_zone(f, folded):
    assert an.fold_hz(f, 1.0) == pytest.approx(folded, abs=1e-12)


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
    # too few bins: the record length is to blame, with the shortest one that works
    with pytest.raises(an.AnalysisError, match="^n_samples: 256 samples .* use at least 4096"):
        an.default_test_frequency(fs, 2**8, bw)
    an.default_test_frequency(fs, 2**12, bw)
