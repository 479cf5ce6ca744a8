"""One sweep job: spec + overrides + run parameters in, one table row out.

A job is plain, picklable data and :func:`run_job` is a top-level function, so the same job
runs identically in this process, in a spawned worker process or on a Dask worker. Every
job re-creates its design from the raw spec and its overrides; a worker keeps the designs
it synthesized (:func:`design_for`), so a Monte Carlo over seeds synthesizes once per
worker and design, not once per run.
"""

from __future__ import annotations

import json
import os
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ctdsm import _version
from ctdsm import spice as spice_tier
from ctdsm.analysis import analyze
from ctdsm.design.spec import spec_from_dict
from ctdsm.errors import CtdsmError, ResourceError
from ctdsm.flow.synthesize import synthesize
from ctdsm.sim.engine import simulate

__all__ = [
    "ENGINES",
    "METRIC_KEYS",
    "SINGLE_THREAD_ENV",
    "Job",
    "run_job",
    "design_for",
    "derive_seeds",
    "single_thread_env",
    "worker_info",
]

ENGINES = ("behavioral", "spice")
#: Metrics copied from :class:`ctdsm.analysis.Metrics` into each row.
METRIC_KEYS = ("sndr_db", "snr_db", "thd_db", "sfdr_db", "hd2_db", "hd3_db", "fin_hz")
#: Environment of a worker process: one thread per library, so that workers, not threads,
#: are what scales (and a benchmark of 1 vs 2 workers means what it says).
SINGLE_THREAD_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
# Designs kept per worker; a sweep over a design axis visits each design many times.
_CACHE_SIZE = 16

_designs: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Job:
    """One simulation of a sweep.

    Attributes
    ----------
    index : int
        Position in the sweep (row order).
    point : int
        Grid point (rows of a Monte Carlo share it).
    mc : int or None
        Monte Carlo run number at that point, or None without Monte Carlo.
    spec_data : dict
        The raw, validated spec (:meth:`ctdsm.Spec.to_dict`).
    design_overrides : tuple of (key, value)
        Spec overrides that change the design (synthesized, and cached per worker).
    impairment_overrides : tuple of (key, value)
        ``impairments.*`` overrides: applied to the simulation only, no new synthesis.
    engine : str
        ``"behavioral"`` or ``"spice"``.
    n_samples : int or None
        Clock cycles (None: the spec's ``simulation.n_samples``).
    amplitude_dbfs : float or None
        Input amplitude re DAC full scale (None: the spec's).
    seed : int
        Seed of every random quantity of the run.
    pdk_root : str or None
        ``PDK_ROOT`` for the spice engine.
    """

    index: int
    point: int
    mc: int | None
    spec_data: dict[str, Any]
    design_overrides: tuple[tuple[str, Any], ...]
    impairment_overrides: tuple[tuple[str, Any], ...]
    engine: str
    n_samples: int | None
    amplitude_dbfs: float | None
    seed: int
    pdk_root: str | None = None

    def label(self) -> str:
        """``key=value`` description of the point, for error messages."""
        items = [*self.design_overrides, *self.impairment_overrides]
        items += [("amplitude_dbfs", self.amplitude_dbfs), ("seed", self.seed)]
        return ", ".join(f"{k}={v}" for k, v in items if v is not None)


def derive_seeds(seed: int, n: int) -> list[int]:
    """Seeds of ``n`` Monte Carlo runs from one base seed.

    Run ``i`` gets the first 32-bit word of ``numpy.random.SeedSequence(seed,
    spawn_key=(i,))``: statistically independent streams, fixed by ``(seed, i)`` alone, so
    they do not depend on the number of workers, the scheduler or the order of execution.

    Parameters
    ----------
    seed : int
        Base seed (>= 0).
    n : int
        Number of runs.

    Returns
    -------
    list of int
        ``n`` seeds in ``[0, 2**32)``.

    References
    ----------
    NumPy, "Parallel random number generation" (``SeedSequence`` spawning).
    """
    return [
        int(np.random.SeedSequence(int(seed), spawn_key=(i,)).generate_state(1)[0])
        for i in range(n)
    ]


def single_thread_env() -> dict[str, str]:
    """The :data:`SINGLE_THREAD_ENV` variables, values already set in ``os.environ`` kept."""
    return {k: os.environ.get(k, v) for k, v in SINGLE_THREAD_ENV.items()}


def _key(spec_data: dict[str, Any], overrides: tuple[tuple[str, Any], ...]) -> str:
    return json.dumps([spec_data, overrides], sort_keys=True, default=str)


def design_for(
    spec_data: dict[str, Any],
    overrides: tuple[tuple[str, Any], ...] = (),
    *,
    warn_bounds: bool = False,
) -> Any:
    """The synthesized (and sized) design of a spec plus overrides, cached in this process.

    Parameters
    ----------
    spec_data : dict
        Raw spec mapping.
    overrides : tuple of (key, value)
        Dotted-key overrides.
    warn_bounds : bool
        Keep a design outside the process bounds (``sizing.bounds: warn``) whatever the
        spec says: a sweep measures the design at each point (a re-sizing at 125 degC draws
        more DAC current), it does not design it; ``ctdsm check`` judges a point.

    Returns
    -------
    Design
    """
    if warn_bounds:
        overrides = (*overrides, ("sizing.bounds", "warn"))
    key = _key(spec_data, overrides)
    # One lock for all: threads of a Dask worker wanting the same design wait for the
    # first synthesis instead of repeating it.
    with _lock:
        design = _designs.get(key)
        if design is None:
            design = synthesize(spec_from_dict(spec_data, dict(overrides)))
            _designs[key] = design
            while len(_designs) > _CACHE_SIZE:
                _designs.popitem(last=False)
        else:
            _designs.move_to_end(key)
        return design


def _behavioral(job: Job, design: Any, impairments: Any) -> tuple[Any, Any]:
    result = simulate(design, job.n_samples, job.amplitude_dbfs, impairments, job.seed)
    return result, analyze(result)


def _spice(job: Job, design: Any) -> tuple[Any, Any]:
    # Looked up on the spice package at run time: an installation may leave it out, and a
    # test may stand a fake in for it.
    run_spice = getattr(spice_tier, "run_spice", None)
    if run_spice is None:
        raise CtdsmError(
            "--engine spice: ctdsm.spice.run_spice is not available in this installation"
        )
    proc = design.spec.process
    sim = design.spec.simulation
    result = run_spice(
        design,
        n_cycles=int(sim.n_samples if job.n_samples is None else job.n_samples),
        amplitude_dbfs=float(
            sim.amplitude_dbfs if job.amplitude_dbfs is None else job.amplitude_dbfs
        ),
        seed=job.seed,
        pdk_root=job.pdk_root,
        corner=proc.corner,
        temp_c=float(proc.temp_c),
        # The netlist's noise drawn from the seed, not ngspice's unseedable trnoise: a row
        # is then reproducible, the same on any backend, and points of one seed share it.
        noise_source="table",
        # A failed point is one line in the table's error; its log is not left in /tmp.
        keep_logs_on_failure=False,
    )
    return result, analyze(result)


def run_job(job: Job) -> dict[str, Any]:
    """Run one job; return its measured columns.

    Returns
    -------
    dict
        ``index``, the metrics of :data:`METRIC_KEYS` (None where undefined),
        ``amplitude_dbfs`` (requested), ``measured_amplitude_dbfs``, ``n_samples``,
        ``stable``, ``elapsed_s`` (wall time of the simulation and analysis, excluding
        synthesis) and ``cpu_s`` (CPU time of the same, in this thread; for the spice
        engine the ngspice subprocess is not included). ``elapsed_s`` well above ``cpu_s``
        means the worker waited for a core.

    Raises
    ------
    CtdsmError
        With the point's ``key=value`` list when its design cannot be made or run.
    """
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # A worker's numpy warnings would reach the terminal past the CLI's filter;
            # the library raises its own errors where a result is wrong.
            warnings.simplefilter("ignore", RuntimeWarning)
            return _run_job(job)
    except ResourceError as exc:
        raise ResourceError(f"sweep point {job.label()}: {exc.resource}", exc.reason) from None
    except CtdsmError as exc:
        raise CtdsmError(f"sweep point {job.label()}: {exc}") from None


def _run_job(job: Job) -> dict[str, Any]:
    design = design_for(job.spec_data, job.design_overrides, warn_bounds=True)
    impairments = None
    if job.impairment_overrides:
        full = dict(job.design_overrides) | dict(job.impairment_overrides)
        impairments = spec_from_dict(job.spec_data, full).impairments.to_engine()
    t0, c0 = time.perf_counter(), time.thread_time()
    if job.engine == "spice":
        result, metrics = _spice(job, design)
    else:
        result, metrics = _behavioral(job, design, impairments)
    elapsed, cpu = time.perf_counter() - t0, time.thread_time() - c0
    m = metrics.to_dict()
    stable = bool(getattr(result, "stable", True) and m["stable"])
    row: dict[str, Any] = {"index": job.index}
    for k in METRIC_KEYS:
        row[k] = m[k] if (stable or k == "fin_hz") else None
    sim = design.spec.simulation
    row["amplitude_dbfs"] = float(
        sim.amplitude_dbfs if job.amplitude_dbfs is None else job.amplitude_dbfs
    )
    row["measured_amplitude_dbfs"] = m["amplitude_dbfs"] if stable else None
    row["n_samples"] = int(m["n_samples"])
    row["stable"] = stable
    row["elapsed_s"] = round(elapsed, 6)
    row["cpu_s"] = round(cpu, 6)
    return row


def worker_info() -> dict[str, Any]:
    """What a worker runs with (thread settings, pid, cached designs), for checks and docs."""
    out: dict[str, Any] = {"pid": os.getpid(), "designs": len(_designs)}
    out |= {k: os.environ.get(k) for k in SINGLE_THREAD_ENV}
    try:
        import numba

        out["numba_threads"] = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]  # set at runtime
    except ImportError:  # pragma: no cover - numba is a dependency
        out["numba_threads"] = None
    out["ctdsm_version"] = _version.__version__
    return out


def warm(spec_data: dict[str, Any], overrides_list: list[tuple[tuple[str, Any], ...]]) -> int:
    """Synthesize the given designs and compile the kernels in this process.

    Returns
    -------
    int
        The process id (to see which workers were warmed).
    """
    for overrides in overrides_list:
        design = design_for(spec_data, overrides, warn_bounds=True)  # as run_job
        simulate(design, 4096, None, "default", 0)
    return os.getpid()
