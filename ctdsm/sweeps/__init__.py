"""Sweeps and Monte Carlo: ``sweep(spec, axes, ...) -> SweepResult``.

A sweep runs one simulation per grid point of its axes (and per Monte Carlo seed), on
local worker processes by default, in this process with ``workers=0``, or on a Dask
cluster given a scheduler address. The rows are the same, bit for bit, whichever runs them
(see ``docs/sweep.md``)::

    import ctdsm
    res = ctdsm.sweep("designs/multibit.yaml", {"amplitude_dbfs": [-12, -6, -3]}, mc_runs=8)
    res.to_csv("sweep.csv"); res.plot("sweep.png"); res.summary()
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ctdsm import spice as spice_tier
from ctdsm.design.spec import Spec
from ctdsm.errors import CtdsmError
from ctdsm.progress import ProgressBar
from ctdsm.sweeps.axes import (
    SweepAxis,
    as_axes,
    base_spec,
    grid,
    parse_axis,
    parse_values,
    validate_point,
)
from ctdsm.sweeps.backends import Backend, DaskBackend, LocalBackend, SerialBackend, make_backend
from ctdsm.sweeps.jobs import ENGINES, Job, derive_seeds, run_job
from ctdsm.sweeps.table import SweepResult

__all__ = [
    "sweep",
    "plan",
    "SweepResult",
    "SweepAxis",
    "parse_axis",
    "parse_values",
    "derive_seeds",
    "Backend",
    "SerialBackend",
    "LocalBackend",
    "DaskBackend",
    "make_backend",
    "Job",
    "run_job",
]

#: Axis keys that the behavioral engine does not model (recorded in the table only).
SPICE_ONLY_KEYS = ("process.corner", "process.pdk")
#: Axis keys whose behavioral meaning a user may not expect, with what it is.
BEHAVIORAL_NOTES = {
    **{k: "does not change the behavioral engine (recorded only)" for k in SPICE_ONLY_KEYS},
    "process.temp_c": "re-sizes the design for each temperature in the behavioral engine "
    "(noise held at budget; see docs/sweep.md)",
}


def plan(
    spec: Spec | str | Path | None,
    axes: Mapping[str, Iterable[Any]] | Iterable[SweepAxis | str] | None = None,
    *,
    engine: str = "behavioral",
    n_samples: int | None = None,
    mc_runs: int = 0,
    seed: int | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    pdk_root: str | None = None,
) -> tuple[Spec, list[SweepAxis], list[Job]]:
    """Validate a sweep and list its jobs, without running anything.

    Every override set of the grid is validated with the spec's own checks first, so a bad
    axis key or value fails here with one line naming it, before any work starts.

    Parameters
    ----------
    See :func:`sweep`.

    Returns
    -------
    spec : Spec
        The base spec (with ``overrides``).
    axes : list of SweepAxis
    jobs : list of Job
        In row order: grid points in :func:`ctdsm.sweeps.axes.grid` order, Monte Carlo runs
        innermost.

    Raises
    ------
    SpecError
        Naming the field (``--axis KEY`` for an axis) and the reason.
    """
    if engine not in ENGINES:
        raise CtdsmError(f"--engine: {engine!r} should be one of {', '.join(ENGINES)}")
    if engine == "spice" and not hasattr(spice_tier, "run_spice"):
        raise CtdsmError(
            "--engine spice: ctdsm.spice.run_spice is not available in this installation"
        )
    base = base_spec(spec, overrides)
    data = base.to_dict()
    axes_l = as_axes(axes)
    if not isinstance(mc_runs, int) or mc_runs < 0:
        raise CtdsmError(f"--mc: {mc_runs} must be an integer >= 0")
    if mc_runs and any(a.key == "seed" for a in axes_l):
        raise CtdsmError("--mc: not with a seed axis (Monte Carlo draws the seeds)")
    if n_samples is not None:
        validate_point(data, {"simulation.n_samples": n_samples}, f"--samples {n_samples}")
    if seed is not None:
        validate_point(data, {"simulation.seed": seed}, f"--seed {seed}")
    base_seed = int(base.simulation.seed if seed is None else seed)

    # Each axis value alone first (the error then names that axis), then every combination
    # of spec values (consistency checks between fields).
    for a in axes_l:
        key = "simulation." + a.key if a.is_run_param else a.key
        for v in a.values:
            validate_point(data, {key: v}, f"--axis {a.key}={v}")
    spec_axes = [a for a in axes_l if not a.is_run_param]
    for point in grid(spec_axes):
        where = "--axis " + ",".join(f"{k}={v}" for k, v in point.items())
        validate_point(data, point, where)

    mc_seeds = derive_seeds(base_seed, mc_runs) if mc_runs else [base_seed]
    jobs: list[Job] = []
    for p, point in enumerate(grid(axes_l)):
        design_ov = tuple(
            (k, v)
            for k, v in point.items()
            if k not in ("amplitude_dbfs", "seed") and not k.startswith("impairments.")
        )
        imp_ov = tuple((k, v) for k, v in point.items() if k.startswith("impairments."))
        seeds = [int(point["seed"])] if "seed" in point else mc_seeds
        for m, s in enumerate(seeds):
            amp = point.get("amplitude_dbfs")
            jobs.append(
                Job(
                    index=len(jobs),
                    point=p,
                    mc=m if mc_runs else None,
                    spec_data=data,
                    design_overrides=design_ov,
                    impairment_overrides=imp_ov,
                    engine=engine,
                    n_samples=n_samples,
                    amplitude_dbfs=None if amp is None else float(amp),
                    seed=s,
                    pdk_root=pdk_root,
                )
            )
    return base, axes_l, jobs


def sweep(
    spec: Spec | str | Path | None,
    axes: Mapping[str, Iterable[Any]] | Iterable[SweepAxis | str] | None = None,
    *,
    engine: str = "behavioral",
    n_samples: int | None = None,
    mc_runs: int = 0,
    seed: int | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    workers: int | None = None,
    scheduler: Any = None,
    backend: Backend | None = None,
    target_sndr_db: float | None = None,
    pdk_root: str | None = None,
    progress: bool = False,
) -> SweepResult:
    """Sweep spec keys and run parameters, with optional Monte Carlo over seeds.

    Parameters
    ----------
    spec : Spec, str, Path or None
        A spec, a ``spec.yaml`` path, or None for the embedded default design.
    axes : mapping or iterable, optional
        ``{"key": [values]}``, :class:`SweepAxis` objects or ``"KEY=V1,V2"`` /
        ``"KEY=START:STOP:STEP"`` strings. Keys are dotted spec keys (as ``--set``) or the run
        parameters ``amplitude_dbfs`` (dBFS) and ``seed``. The grid is their Cartesian
        product.
    engine : {"behavioral", "spice"}
        The sampled-data engine, or ngspice (:func:`ctdsm.spice.run_spice`).
    n_samples : int, optional
        Clock cycles per run (default ``spec.simulation.n_samples``).
    mc_runs : int
        Monte Carlo runs per grid point (0: one run with the base seed). Run ``i`` uses
        seed :func:`derive_seeds` ``(seed, mc_runs)[i]`` at every grid point.
    seed : int, optional
        Base seed (default ``spec.simulation.seed``).
    overrides : iterable of str or mapping
        ``dotted.key=value`` overrides of the base spec (as ``--set``).
    workers : int, optional
        Local worker processes (default: the CPU count; 0: run in this process).
    scheduler : str or distributed.Client, optional
        Dask scheduler address (``tcp://host:8786``) or client: run on that cluster.
    backend : Backend, optional
        An entered backend to reuse across sweeps (overrides ``workers``/``scheduler``).
    target_sndr_db : float, optional
        Yield target (default ``spec.target.sndr_db``).
    pdk_root : str, optional
        ``PDK_ROOT`` for the spice engine.
    progress : bool
        Show a progress bar.

    Returns
    -------
    SweepResult
        Rows in job order; identical (except ``elapsed_s``, ``cpu_s``) for any backend and worker
        count.

    Raises
    ------
    SpecError, CtdsmError
        Bad axes, values or options (before any work), an unreachable scheduler, or a
        point that cannot be synthesized.
    KeyboardInterrupt
        After cancelling the jobs that had not finished.
    """
    base, axes_l, jobs = plan(
        spec,
        axes,
        engine=engine,
        n_samples=n_samples,
        mc_runs=mc_runs,
        seed=seed,
        overrides=overrides,
        pdk_root=pdk_root,
    )
    t0 = time.perf_counter()
    # A given backend stays open for the caller; one made here is closed here (on a Ctrl-C
    # its __exit__ cancels the pending jobs and stops the workers).
    ctx = make_backend(workers, scheduler) if backend is None else contextlib.nullcontext(backend)
    with ctx as be:
        bar = None
        if progress:
            label = f"sweep {base.name} ({be.name}, {be.workers} workers)"
            bar = ProgressBar(label, len(jobs), elapsed=True)
        try:
            measured = be.run(jobs, None if bar is None else bar.advance)
        finally:
            if bar is not None:
                bar.stop()
    rows = []
    for job, m in zip(jobs, measured, strict=True):
        row: dict[str, Any] = {"index": job.index, "point": job.point, "mc": job.mc}
        vals = dict(job.design_overrides) | dict(job.impairment_overrides)
        vals |= {"amplitude_dbfs": job.amplitude_dbfs, "seed": job.seed}
        row |= {a.key: vals[a.key] for a in axes_l}
        row["seed"] = job.seed
        row |= {k: v for k, v in m.items() if k != "index"}
        rows.append(row)
    meta = {
        "name": base.name,
        "engine": engine,
        "seed": int(base.simulation.seed if seed is None else seed),
        "mc_runs": mc_runs,
        "n_samples": int(base.simulation.n_samples if n_samples is None else n_samples),
        "target_sndr_db": float(base.target.sndr_db if target_sndr_db is None else target_sndr_db),
        "overrides": list(overrides) if not isinstance(overrides, Mapping) else dict(overrides),
        "backend": be.name,
        "workers": be.workers,
        "wall_s": round(time.perf_counter() - t0, 3),
    }
    return SweepResult(axes_l, rows, meta)
