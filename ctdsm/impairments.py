"""Deprecated alias of :mod:`ctdsm.models.impairments` (moved in the data-flow layout)."""

from ctdsm._compat import warn_moved
from ctdsm.models.impairments import *  # noqa: F403

warn_moved("ctdsm.impairments", "ctdsm.models.impairments")
