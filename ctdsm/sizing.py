"""Deprecated alias of :mod:`ctdsm.design.sizing` and :mod:`ctdsm.flow.requirements`."""

from __future__ import annotations

import numpy as np

from ctdsm._compat import warn_moved
from ctdsm.constants import K_BOLTZMANN
from ctdsm.design.record import Design
from ctdsm.design.requirements import Requirements
from ctdsm.design.sizing import NoiseSource, Resistor, Sizing
from ctdsm.flow.requirements import GAIN_GRID_DB, GBW_GRID, RC_GRID, derive_requirements

__all__ = [
    "Resistor",
    "NoiseSource",
    "Sizing",
    "size_design",
    "volt_scales",
    "Requirements",
    "derive_requirements",
    "K_BOLTZMANN",
    "GBW_GRID",
    "GAIN_GRID_DB",
    "RC_GRID",
]


def size_design(design: Design) -> Sizing:
    """The sizing of ``design`` (now computed by :func:`ctdsm.synthesize`)."""
    return design.sizing


def volt_scales(design: Design) -> tuple[float, np.ndarray]:
    """``(k_u, k_x)`` of ``design`` (now :func:`ctdsm.design.sizing.volt_scales`)."""
    return design.sizing.k_u_v, np.array(design.sizing.k_x_v)


warn_moved("ctdsm.sizing", "ctdsm.design.sizing / ctdsm.flow.requirements")
