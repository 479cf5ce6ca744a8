"""Shared helpers of the sweep tests: hand-made tables (no simulation needed)."""

import pytest

from ctdsm.sweeps.axes import SweepAxis
from ctdsm.sweeps.table import SweepResult


def _make_result(axes, values_per_point, mc_runs=0, target=100.0):
    """A SweepResult whose grid points have the given SNDR lists (None: unstable run)."""
    from ctdsm.sweeps.axes import grid

    rows = []
    for p, (point, sndrs) in enumerate(zip(grid(axes), values_per_point, strict=True)):
        for m, sndr in enumerate(sndrs):
            row = {"index": len(rows), "point": p, "mc": m if mc_runs else None}
            row |= point
            row |= {
                "seed": 100 + m,
                "sndr_db": sndr,
                "snr_db": None if sndr is None else sndr + 1.0,
                "stable": sndr is not None,
                "elapsed_s": 0.01,
                "cpu_s": 0.009,
            }
            rows.append(row)
    meta = {"name": "t", "mc_runs": mc_runs, "target_sndr_db": target}
    return SweepResult(list(axes), rows, meta)


@pytest.fixture
def mc_table():
    axes = [SweepAxis("amplitude_dbfs", (-6, -3)), SweepAxis("process.corner", ("typical", "ss"))]
    return _make_result(
        axes,
        [[99.0, 101.0, 103.0], [100.0, 100.0, None], [90.5, 91.5, 92.5], [101.0, 102.0, 103.0]],
        mc_runs=3,
    )


@pytest.fixture
def make_result():
    """Factory: ``make_result(axes, [[sndr, ...] per point], mc_runs=0, target=100.0)``."""
    return _make_result
