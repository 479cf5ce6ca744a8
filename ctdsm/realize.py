"""Deprecated alias of :mod:`ctdsm.design.loop_filter` (moved in the data-flow layout)."""

from ctdsm._compat import warn_moved
from ctdsm.design.loop_filter import *  # noqa: F403

warn_moved("ctdsm.realize", "ctdsm.design.loop_filter")
