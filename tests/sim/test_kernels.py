"""The kernel's building blocks against plain-Python references."""

import numpy as np
import pytest

from ctdsm.sim.kernels import DEM_DWA, DEM_NONE, dwa_reference, quantize_bank, select_elements


@pytest.mark.parametrize("levels", [3, 5, 9, 17])
def test_dwa_rotates_through_the_elements(levels):
    rng = np.random.default_rng(levels)
    m = levels - 1
    codes = -(levels - 1) + 2 * rng.integers(0, levels, 500).astype(float)
    ref = dwa_reference(codes, levels)
    ptr = np.zeros(1, dtype=np.int64)
    s = np.empty(m)
    for k, v in enumerate(codes):
        select_elements(v, m, DEM_DWA, ptr, s)
        assert np.array_equal(s, ref[k])
        assert s.sum() == v  # the elements add up to the code
    # DWA uses every element equally often, to within one cycle.
    used = (ref > 0).sum(axis=0)
    assert used.max() - used.min() <= 1


def test_thermometer_without_dem():
    ptr = np.zeros(1, dtype=np.int64)
    s = np.empty(8)
    select_elements(2.0, 8, DEM_NONE, ptr, s)
    assert np.array_equal(s, [1, 1, 1, 1, 1, -1, -1, -1])
    assert ptr[0] == 0


@pytest.mark.parametrize("levels", [2, 3, 9])
def test_quantizer_bank_matches_toolbox_quantizer(levels):
    from ctdsm.toolbox.simulate import ds_quantize

    # Off the thresholds: an exact tie goes down here and up in the toolbox quantizer.
    y = np.linspace(-levels - 2, levels + 2, 2001) + 1e-7
    prev = np.zeros(max(levels - 1, 1))
    out = np.array([quantize_bank(v, levels, np.zeros(levels - 1), 0.0, prev) for v in y])
    assert np.array_equal(out, np.asarray(ds_quantize(y, levels)).ravel())


def test_quantizer_hysteresis_holds_the_previous_decision():
    prev = np.zeros(1)
    off = np.zeros(1)
    # Full width 0.5: the threshold sits 0.25 away from the previous decision.
    assert quantize_bank(0.1, 2, off, 0.5, prev) == -1.0  # was low: needs > +0.25
    assert quantize_bank(0.3, 2, off, 0.5, prev) == 1.0
    assert quantize_bank(-0.1, 2, off, 0.5, prev) == 1.0  # now high: stays above -0.25
    assert quantize_bank(-0.3, 2, off, 0.5, prev) == -1.0
