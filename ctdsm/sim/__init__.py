"""Simulation engines. The sampled-data engine: :func:`simulate` -> :class:`Result`."""

from ctdsm.sim.engine import Result, build_plant, simulate, simulate_many, sweep_amplitude

__all__ = ["Result", "simulate", "simulate_many", "sweep_amplitude", "build_plant"]
