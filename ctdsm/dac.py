"""Deprecated alias of :mod:`ctdsm.models.dac` (moved in the data-flow layout)."""

from ctdsm._compat import warn_moved
from ctdsm.models.dac import *  # noqa: F403

warn_moved("ctdsm.dac", "ctdsm.models.dac")
