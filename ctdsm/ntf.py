"""Deprecated alias of :mod:`ctdsm.design.ntf_choice` (moved in the data-flow layout)."""

from ctdsm._compat import warn_moved
from ctdsm.design.ntf_choice import *  # noqa: F403

warn_moved("ctdsm.ntf", "ctdsm.design.ntf_choice")
