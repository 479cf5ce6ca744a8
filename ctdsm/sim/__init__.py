"""Simulation engines. The sampled-data engine: :func:`simulate` -> :class:`Result`."""

from ctdsm.sim.engine import Result, build_plant, simulate

__all__ = ["Result", "simulate", "build_plant"]
