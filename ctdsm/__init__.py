"""ctdsm: continuous-time delta-sigma modulator design and verification.

The native API follows the data flow of a design::

    spec = ctdsm.load_spec("designs/multibit.yaml")   # Spec (validated)
    design = ctdsm.synthesize(spec)                   # Design: NTF, CT loop filter, sizing
    result = ctdsm.simulate(design, n_samples=1 << 16, amplitude_dbfs=-3,
                            impairments="default", seed=1)
    metrics = ctdsm.analyze(result)                   # Metrics: sndr_db, snr_db, thd_db, ...

The classic Delta-Sigma Toolbox functions are in :mod:`ctdsm.toolbox`.
"""

from __future__ import annotations

from typing import Any

from ctdsm._version import __version__
from ctdsm.design.record import Design
from ctdsm.design.spec import Spec, load_spec, spec_from_dict
from ctdsm.errors import CtdsmError, SpecError, SynthesisError
from ctdsm.flow.synthesize import synthesize

__all__ = [
    "__version__",
    "load_spec",
    "spec_from_dict",
    "synthesize",
    "simulate",
    "analyze",
    "sweep",
    "SweepResult",
    "explore",
    "ExploreResult",
    "Spec",
    "Design",
    "Result",
    "Metrics",
    "Impairments",
    "report",
    "netlist",
    "run_spice",
    "CtdsmError",
    "SpecError",
    "SynthesisError",
]

# Imported on first use: the simulation engine pulls in numba.
_LAZY = {
    "simulate": ("ctdsm.sim.engine", "simulate"),
    "Result": ("ctdsm.sim.engine", "Result"),
    "analyze": ("ctdsm.analysis", "analyze"),
    "Metrics": ("ctdsm.analysis", "Metrics"),
    "Impairments": ("ctdsm.models.impairments", "Impairments"),
    "report": ("ctdsm.reporting", "report"),
    "sweep": ("ctdsm.sweeps", "sweep"),
    "SweepResult": ("ctdsm.sweeps", "SweepResult"),
    "explore": ("ctdsm.sweeps.explore", "explore"),
    "ExploreResult": ("ctdsm.sweeps.explore", "ExploreResult"),
    "netlist": ("ctdsm.spice.netlist", "build_netlist"),
    "run_spice": ("ctdsm.spice.closed_loop", "run_spice"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ctdsm' has no attribute {name!r}")
