"""Deprecated alias of :mod:`ctdsm.models.noise` (moved in the data-flow layout)."""

from ctdsm._compat import warn_moved
from ctdsm.models.noise import *  # noqa: F403

warn_moved("ctdsm.noise", "ctdsm.models.noise")
