"""The ngspice tier: netlists of a design, run closed-loop in ngspice.

:func:`build_netlist` writes the design as a fully differential active-RC netlist
(:mod:`ctdsm.spice.netlist`, MOS models from :mod:`ctdsm.spice.process`); :func:`run_spice`
runs it and returns the output code per clock (:class:`SpiceResult`, analyzed by
:func:`ctdsm.analyze`; :mod:`ctdsm.spice.closed_loop`); :func:`run_ngspice` runs any netlist
with ``ngspice -b`` in a subprocess (:mod:`ctdsm.spice.runner`), and
:mod:`ctdsm.spice.parse` reads what ngspice wrote.
"""

from ctdsm.spice.closed_loop import SpiceResult, run_spice
from ctdsm.spice.netlist import Netlist, build_netlist, write_netlist
from ctdsm.spice.runner import NgspiceError, NgspiceRun, ngspice_binary, run_ngspice

__all__ = [
    "Netlist",
    "build_netlist",
    "write_netlist",
    "SpiceResult",
    "run_spice",
    "NgspiceError",
    "NgspiceRun",
    "ngspice_binary",
    "run_ngspice",
]
