"""The ngspice tier: run netlists in ngspice and read back what they wrote.

:func:`run_ngspice` runs ``ngspice -b`` on a netlist in a subprocess and returns an
:class:`NgspiceRun` with the ``wrdata`` tables and scalar ``print`` values; process models
come from :mod:`ctdsm.process`.
"""

from ctdsm.spice.runner import NgspiceError, NgspiceRun, ngspice_binary, run_ngspice

__all__ = ["NgspiceError", "NgspiceRun", "ngspice_binary", "run_ngspice"]
