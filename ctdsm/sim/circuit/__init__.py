"""The circuit tier (being split into modules; see :mod:`ctdsm.sim.circuit.loop`)."""

from ctdsm.sim.circuit.loop import *  # noqa: F403
from ctdsm.sim.circuit.loop import _G_OFF, __all__, _mos  # noqa: F401
