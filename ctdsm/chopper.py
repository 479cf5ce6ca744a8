"""Deprecated alias of :mod:`ctdsm.models.chopper` (moved in the data-flow layout)."""

from ctdsm._compat import warn_moved
from ctdsm.flow.chopping import chopping_sweep, predict_chopping_noise
from ctdsm.models.chopper import (
    chop_frequency,
    chop_schedule,
    chop_wave,
    half_period_cycles,
    spec_chop_frequency_hz,
)

__all__ = [
    "chop_frequency",
    "spec_chop_frequency_hz",
    "chop_wave",
    "chop_schedule",
    "half_period_cycles",
    "predict_chopping_noise",
    "chopping_sweep",
]

warn_moved("ctdsm.chopper", "ctdsm.models.chopper and ctdsm.flow.chopping")
