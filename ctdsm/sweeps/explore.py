"""Design-space exploration: ``explore(spec, axes, ...) -> ExploreResult``.

Every grid point of the axes (spec keys such as ``architecture.osr`` or ``dac.type``) is
synthesized, sized and costed, then its SNDR is measured versus input amplitude with the
behavioral engine (:func:`ctdsm.sim.engine.sweep_amplitude`): the peak SNDR, the dynamic
range, power, area and the Schreier figure of merit on the measured SNDR. A point that
cannot be synthesized is a row with ``feasible`` false and the reason in ``error``. The
points run on the sweep backends (this process, local processes, Dask), with the same rows
on any of them (see ``docs/explore.md``)::

    import ctdsm.sweeps.explore as ex
    res = ex.explore("designs/singlebit.yaml", {"architecture.osr": [64, 128]}, n_samples=4096)
    res.to_csv("explore.csv"); res.plot("pareto.png"); res.best_spec()
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ctdsm import _version
from ctdsm.analysis.fom import fom_schreier_db
from ctdsm.design.spec import Spec, spec_from_dict
from ctdsm.errors import CtdsmError, ResourceError, SpecError, SynthesisError
from ctdsm.io import atomic_write_bytes, atomic_write_text, spec_sha256
from ctdsm.progress import ProgressBar
from ctdsm.sim.engine import sweep_amplitude
from ctdsm.sweeps.axes import (
    RUN_KEYS,
    SweepAxis,
    as_axes,
    base_spec,
    grid,
    parse_values,
    validate_point,
)
from ctdsm.sweeps.backends import Backend, make_backend
from ctdsm.sweeps.explore_plot import plot_pareto
from ctdsm.sweeps.jobs import design_for

__all__ = [
    "ExploreJob",
    "ExploreResult",
    "EXPLORE_FILES",
    "explore",
    "plan_explore",
    "pareto_front",
    "best_index",
    "run_point",
    "parse_amplitudes",
]

#: Files ``ctdsm explore`` writes (``best.yaml`` only when a point meets the target).
EXPLORE_FILES = ("explore.csv", "pareto.png", "best.yaml")
#: Measured columns of a row, after the axis columns, in table order.
COLUMNS = (
    "feasible",
    "sndr_db",
    "dr_db",
    "peak_amplitude_dbfs",
    "power_w",
    "area_mm2",
    "fom_schreier_sndr_db",
    "predicted_sndr_db",
    "target_sndr_db",
    "meets_target",
    "pareto",
    "error",
    "elapsed_s",
)
#: Columns that measure the machine, not the design (the only ones two runs may differ in).
TIMING_KEYS = ("elapsed_s",)


@dataclass(frozen=True)
class ExploreJob:
    """One design point: the raw spec, its overrides and the amplitude sweep's settings.

    Attributes
    ----------
    index : int
        Row number (grid order).
    spec_data : dict
        The base spec, raw (:meth:`ctdsm.Spec.to_dict`).
    overrides : tuple of (key, value)
        The point's axis values.
    n_samples : int or None
        Clock cycles per amplitude (None: the spec's ``simulation.n_samples``).
    seed : int
        Seed of every run of the point's amplitude sweep.
    amplitudes_dbfs : tuple of float or None
        Amplitudes of the sweep (None: :func:`sweep_amplitude`'s default, -120..0 dBFS).
    """

    index: int
    spec_data: dict[str, Any]
    overrides: tuple[tuple[str, Any], ...]
    n_samples: int | None
    seed: int
    amplitudes_dbfs: tuple[float, ...] | None = None

    def label(self) -> str:
        """``key=value, ...`` of the point, for messages."""
        return ", ".join(f"{k}={v}" for k, v in self.overrides) or "base spec"


def _empty_row(job: ExploreJob, error: str) -> dict[str, Any]:
    row: dict[str, Any] = {"index": job.index}
    row |= dict.fromkeys(COLUMNS)
    row |= {"feasible": False, "meets_target": False, "pareto": False, "error": error}
    return row


def run_point(job: ExploreJob) -> dict[str, Any]:
    """Synthesize, cost and simulate one design point; return its row.

    A point whose synthesis fails (:class:`SynthesisError`, :class:`SpecError`) is a row
    with ``feasible`` False and the one-line reason in ``error``; a feasible point with no
    stable amplitude has ``sndr_db`` None and says so in ``error``. ``pareto`` is filled in
    later, over all rows (:func:`pareto_front`).

    Raises
    ------
    CtdsmError, ResourceError
        With the point's ``key=value`` list, for any other failure.
    """
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                design = design_for(job.spec_data, job.overrides)
            except (SynthesisError, SpecError) as exc:
                return _empty_row(job, str(exc)) | {"elapsed_s": _since(t0)}
            sweep = sweep_amplitude(design, job.amplitudes_dbfs, None, job.n_samples, job.seed)
    except ResourceError as exc:
        raise ResourceError(f"explore point {job.label()}: {exc.resource}", exc.reason) from None
    except CtdsmError as exc:
        raise CtdsmError(f"explore point {job.label()}: {exc}") from None
    cost = design.cost
    sndr, dr = sweep["peak_sndr_db"], sweep["dr_db"]
    target = float(design.spec.target.sndr_db)
    row = _empty_row(job, "")
    row |= {
        "feasible": True,
        "sndr_db": sndr,
        "dr_db": dr,
        "peak_amplitude_dbfs": sweep["peak_amplitude_dbfs"],
        "power_w": float(cost.power_w),
        "area_mm2": float(cost.area_mm2),
        "fom_schreier_sndr_db": (
            None if sndr is None else fom_schreier_db(sndr, design.bw_hz, cost.power_w)
        ),
        "predicted_sndr_db": float(design.predicted_sndr_db),
        "target_sndr_db": target,
        "meets_target": sndr is not None and sndr >= target,
        "error": None if sndr is not None else "no stable amplitude in the sweep",
        "elapsed_s": _since(t0),
    }
    return row


def _since(t0: float) -> float:
    return round(time.perf_counter() - t0, 3)


def pareto_front(points: Sequence[tuple[float | None, float | None]]) -> list[bool]:
    """Which ``(power, sndr)`` points are on the power-SNDR Pareto front.

    A point is on the front when both values are defined and no other point has power
    ``<=`` and SNDR ``>=`` with at least one of the two strict. Equal points are both on it.

    Parameters
    ----------
    points : sequence of (power, sndr)
        None for a point that has no value (infeasible, unstable): never on the front.

    Returns
    -------
    list of bool
    """
    valid = [(i, p, s) for i, (p, s) in enumerate(points) if p is not None and s is not None]
    out = [False] * len(points)
    for i, p, s in valid:
        out[i] = not any((q <= p and t >= s) and (q < p or t > s) for j, q, t in valid if j != i)
    return out


def best_index(rows: Sequence[Mapping[str, Any]]) -> int | None:
    """Position of the chosen design: the minimum power among feasible rows meeting their
    target (``meets_target``); ties go to the higher SNDR, then the earlier row. None when
    no row meets its target."""
    ok = [
        (r["power_w"], -r["sndr_db"], i)
        for i, r in enumerate(rows)
        if r.get("feasible") and r.get("meets_target") and r.get("power_w") is not None
    ]
    return min(ok)[2] if ok else None


def parse_amplitudes(text: str) -> list[float]:
    """The ``--amplitudes`` list: ``A1,A2,...`` or ``START:STOP:STEP`` (inclusive), dBFS.

    Raises
    ------
    CtdsmError
        Naming ``--amplitudes``: an empty, non-numeric or positive value, or a bad range.
    """
    try:
        values = parse_values(text, "amplitudes")
    except SpecError as exc:
        raise CtdsmError(f"--amplitudes: {exc.reason}") from None
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v > 0:
            raise CtdsmError(f"--amplitudes: {v!r} is not an amplitude <= 0 dBFS")
        out.append(float(v))
    return out


def plan_explore(
    spec: Spec | str | Path | None,
    axes: Mapping[str, Iterable[Any]] | Iterable[SweepAxis | str] | None,
    *,
    n_samples: int | None = None,
    seed: int | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    amplitudes_dbfs: Iterable[float] | None = None,
) -> tuple[Spec, list[SweepAxis], list[ExploreJob]]:
    """Validate an exploration and list its jobs, without running anything.

    Every axis value, then every grid point, is checked with the spec's own validation, so
    a bad key or value fails here, in one line naming ``--axis``, before any work.

    Raises
    ------
    SpecError, CtdsmError
        No axis, a run parameter (``amplitude_dbfs``, ``seed``) as an axis, an unknown key
        or a bad value.
    """
    base = base_spec(spec, overrides)
    data = base.to_dict()
    axes_l = as_axes(axes)
    if not axes_l:
        raise CtdsmError("--axis: give at least one --axis KEY=V1,V2,... (a spec key)")
    for a in axes_l:
        if a.key in RUN_KEYS:
            raise CtdsmError(
                f"--axis {a.key}: not an explore axis (each point sweeps the amplitude with "
                "one seed; vary spec keys such as architecture.osr)"
            )
    if n_samples is not None:
        validate_point(data, {"simulation.n_samples": n_samples}, f"--samples {n_samples}")
    if seed is not None:
        validate_point(data, {"simulation.seed": seed}, f"--seed {seed}")
    for a in axes_l:
        for v in a.values:
            validate_point(data, {a.key: v}, f"--axis {a.key}={v}")
    points = grid(axes_l)
    for point in points:
        validate_point(data, point, "--axis " + ",".join(f"{k}={v}" for k, v in point.items()))
    amps = None if amplitudes_dbfs is None else tuple(float(a) for a in amplitudes_dbfs)
    run_seed = int(base.simulation.seed if seed is None else seed)
    jobs = [
        ExploreJob(i, data, tuple(point.items()), n_samples, run_seed, amps)
        for i, point in enumerate(points)
    ]
    return base, axes_l, jobs


def explore(
    spec: Spec | str | Path | None,
    axes: Mapping[str, Iterable[Any]] | Iterable[SweepAxis | str] | None,
    *,
    n_samples: int | None = None,
    seed: int | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    workers: int | None = None,
    scheduler: Any = None,
    backend: Backend | None = None,
    amplitudes_dbfs: Iterable[float] | None = None,
    progress: bool = False,
) -> ExploreResult:
    """Synthesize, cost and simulate every grid point of ``axes``.

    Parameters
    ----------
    spec : Spec, str, Path or None
        The base spec, a ``spec.yaml`` path, or None for the embedded default design.
    axes : mapping or iterable
        ``{"key": [values]}``, :class:`SweepAxis` objects or ``"KEY=V1,V2"`` /
        ``"KEY=START:STOP:STEP"`` strings over dotted spec keys (as ``ctdsm sweep``); the
        grid is their Cartesian product. ``amplitude_dbfs`` and ``seed`` are refused.
    n_samples : int, optional
        Clock cycles per amplitude of each point's sweep (default: the spec's).
    seed : int, optional
        Seed of every run (default ``spec.simulation.seed``): the same at every point.
    overrides : iterable of str or mapping
        ``dotted.key=value`` overrides of the base spec (as ``--set``).
    workers, scheduler, backend
        Where the points run, as for :func:`ctdsm.sweeps.sweep` (default: local processes,
        one per CPU; ``workers=0``: this process; a Dask scheduler address or client).
    amplitudes_dbfs : iterable of float, optional
        Amplitudes of each point's sweep (default: :func:`sweep_amplitude`'s, -120..0 dBFS).
    progress : bool
        Show a progress bar (one step per point).

    Returns
    -------
    ExploreResult
        Rows in grid order, identical (except ``elapsed_s``) on any backend.

    Raises
    ------
    SpecError, CtdsmError
        Bad axes or options (before any work), or a point that fails other than by being
        infeasible.
    KeyboardInterrupt
        After cancelling the points not yet run.
    """
    base, axes_l, jobs = plan_explore(
        spec,
        axes,
        n_samples=n_samples,
        seed=seed,
        overrides=overrides,
        amplitudes_dbfs=amplitudes_dbfs,
    )
    t0 = time.perf_counter()
    ctx = make_backend(workers, scheduler) if backend is None else contextlib.nullcontext(backend)
    with ctx as be:
        bar = None
        if progress:
            label = f"explore {base.name} ({be.name}, {be.workers} workers)"
            bar = ProgressBar(label, len(jobs), elapsed=True)
        try:
            measured = be.run(jobs, None if bar is None else bar.advance, fn=run_point)
        finally:
            if bar is not None:
                bar.stop()
    flags = pareto_front(
        [(m["power_w"] if m["feasible"] else None, m["sndr_db"]) for m in measured]
    )
    rows = []
    for job, m, on_front in zip(jobs, measured, flags, strict=True):
        row: dict[str, Any] = {"index": job.index, **dict(job.overrides)}
        row |= {k: m[k] for k in COLUMNS} | {"pareto": on_front}
        rows.append(row)
    meta = {
        "name": base.name,
        "source": None if spec is None or isinstance(spec, Spec) else str(spec),
        "spec_sha256": spec_sha256(base.to_dict()),
        "seed": int(base.simulation.seed if seed is None else seed),
        "n_samples": int(base.simulation.n_samples if n_samples is None else n_samples),
        "target_sndr_db": float(base.target.sndr_db),
        "overrides": list(overrides) if not isinstance(overrides, Mapping) else dict(overrides),
        "backend": be.name,
        "workers": be.workers,
        "wall_s": round(time.perf_counter() - t0, 3),
    }
    return ExploreResult(base, tuple(axes_l), tuple(rows), meta)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list | dict):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


@dataclass(frozen=True)
class ExploreResult:
    """The rows of an exploration, one per design point, in grid order.

    Attributes
    ----------
    base : Spec
        The base spec (with ``--set`` overrides); a point's spec is it plus the point's axis
        values.
    axes : tuple of SweepAxis
    rows : tuple of dict
        Per point: ``index``, the axis values, ``feasible``, ``sndr_db`` (peak SNDR of the
        amplitude sweep), ``dr_db``, ``peak_amplitude_dbfs``, ``power_w``, ``area_mm2``,
        ``fom_schreier_sndr_db`` (on the measured SNDR), ``predicted_sndr_db`` (what the
        sizing aimed at), ``target_sndr_db`` (the point's ``target.sndr_db``),
        ``meets_target``, ``pareto``, ``error`` (None, or why the point has no result) and
        ``elapsed_s``.
    meta : dict
        ``name``, ``source``, ``spec_sha256``, ``seed``, ``n_samples``, ``target_sndr_db``,
        ``overrides``, ``backend``, ``workers``, ``wall_s``.
    """

    base: Spec
    axes: tuple[SweepAxis, ...]
    rows: tuple[dict[str, Any], ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Column names, in table order."""
        return ["index", *(a.key for a in self.axes), *COLUMNS]

    def results(self) -> list[dict[str, Any]]:
        """Rows without the timing columns: equal for equal explorations on any backend."""
        return [{k: v for k, v in r.items() if k not in TIMING_KEYS} for r in self.rows]

    def best(self) -> dict[str, Any] | None:
        """The chosen row (:func:`best_index`), or None when no point meets its target."""
        i = best_index(self.rows)
        return None if i is None else self.rows[i]

    def best_spec(self) -> Spec | None:
        """The full spec of :meth:`best`: the base spec with that point's axis values."""
        row = self.best()
        if row is None:
            return None
        return spec_from_dict(self.base.to_dict(), {a.key: row[a.key] for a in self.axes})

    def best_yaml(self) -> str | None:
        """:meth:`best_spec` as YAML, with a header saying where it came from; or None."""
        row, spec = self.best(), self.best_spec()
        if row is None or spec is None:
            return None
        point = ", ".join(f"{a.key}={row[a.key]}" for a in self.axes)
        source = self.meta.get("source") or "the spec given"
        header = [
            f"# The chosen design of `ctdsm explore` (ctdsm {_version.__version__}): the",
            "# minimum-power point whose measured peak SNDR meets target.sndr_db.",
            f"# Base spec: {source} ({self.base.name}, sha256 {self.meta.get('spec_sha256')})",
            f"# Point {row['index']} of {len(self.rows)}: {point}",
            f"# Measured: peak SNDR {row['sndr_db']:.2f} dB (target {row['target_sndr_db']:g}"
            f" dB), DR {_db(row['dr_db'])}, power {row['power_w'] * 1e3:.4g} mW, area "
            f"{row['area_mm2']:.4g} mm^2 ({self.meta.get('n_samples')} samples per amplitude,"
            f" seed {self.meta.get('seed')})",
        ]
        body = yaml.safe_dump(spec.to_dict(), sort_keys=False, allow_unicode=True)
        return "\n".join(header) + "\n" + body

    def summary_lines(self) -> list[str]:
        """What the CLI prints: feasible/front counts, the chosen point or why none."""
        n_ok = sum(bool(r["feasible"]) for r in self.rows)
        lines = [
            f"{len(self.rows)} points: {n_ok} feasible, {sum(r['pareto'] for r in self.rows)} "
            f"on the power-SNDR Pareto front"
        ]
        row = self.best()
        target = self.meta.get("target_sndr_db")
        if row is not None:
            lines.append(
                f"best: {self._point(row)}: SNDR {row['sndr_db']:.1f} dB, DR "
                f"{_db(row['dr_db'])}, {row['power_w'] * 1e3:.4g} mW, "
                f"{row['area_mm2']:.4g} mm^2"
            )
            return lines
        measured = [r for r in self.rows if r["sndr_db"] is not None]
        if measured:
            top = max(measured, key=lambda r: r["sndr_db"])
            found = f"best: {top['sndr_db']:.1f} dB at {self._point(top)}"
        else:
            found = "no feasible point has a stable amplitude"
        lines.append(f"no point meets target.sndr_db {target:g} dB ({found}); no best.yaml")
        return lines

    def _point(self, row: Mapping[str, Any]) -> str:
        return ", ".join(f"{a.key}={row[a.key]}" for a in self.axes)

    def to_csv(self, path: str | Path | None = None) -> str:
        """The rows as CSV (booleans ``true``/``false``, undefined values empty); written
        atomically to ``path`` if given."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        cols = self.columns
        writer.writerow(cols)
        for row in self.rows:
            writer.writerow([_cell(row.get(k)) for k in cols])
        text = buf.getvalue()
        if path is not None:
            atomic_write_text(path, text)
        return text

    def plot(self, path: str | Path | None = None, dpi: int = 120) -> Any:
        """SNDR versus power (see :func:`ctdsm.sweeps.explore_plot.plot_pareto`)."""
        fig = plot_pareto(self)
        if path is not None:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
            atomic_write_bytes(path, buf.getvalue())
        return fig

    def files(self, dpi: int = 120) -> dict[str, bytes]:
        """The CLI's output files, rendered: ``explore.csv``, ``pareto.png`` and, when a
        point meets the target, ``best.yaml``."""
        buf = io.BytesIO()
        self.plot().savefig(buf, format="png", dpi=dpi)
        out = {"explore.csv": self.to_csv().encode("utf-8"), "pareto.png": buf.getvalue()}
        best = self.best_yaml()
        if best is not None:
            out["best.yaml"] = best.encode("utf-8")
        return out


def _db(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f} dB"
