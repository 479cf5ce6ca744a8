"""Deprecated alias: the closed-loop run is :mod:`ctdsm.spice.closed_loop`, reading ngspice's
output :mod:`ctdsm.spice.parse`."""

from ctdsm._compat import warn_moved
from ctdsm.spice.closed_loop import SpiceResult, run_spice
from ctdsm.spice.parse import codes_from_table

__all__ = ["SpiceResult", "run_spice", "codes_from_table"]

warn_moved("ctdsm.spice.run", "ctdsm.spice.closed_loop (codes_from_table: ctdsm.spice.parse)")
