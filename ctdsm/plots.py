"""Deprecated alias of :mod:`ctdsm.reporting.figures` (moved in the data-flow layout)."""

from ctdsm._compat import warn_moved
from ctdsm.reporting.figures import *  # noqa: F403
from ctdsm.reporting.figures import HANN_NBW_BINS  # noqa: F401

warn_moved("ctdsm.plots", "ctdsm.reporting.figures")
