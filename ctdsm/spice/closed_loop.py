"""ngspice in the loop: run a design's netlist and read its output code per clock.

:func:`run_spice` builds the netlist (:func:`ctdsm.spice.netlist.build_netlist`), runs it
with :func:`ctdsm.spice.runner.run_ngspice` (a subprocess, with a progress bar from
ngspice's reported simulation time) and returns a :class:`SpiceResult` that
:func:`ctdsm.analyze` takes like a behavioral :class:`ctdsm.Result`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ctdsm.analysis import Metrics, analyze
from ctdsm.design.record import Design
from ctdsm.errors import CtdsmError
from ctdsm.models.impairments import resolve_impairments
from ctdsm.progress import ProgressBar
from ctdsm.spice.netlist import Netlist, build_netlist
from ctdsm.spice.parse import codes_from_table
from ctdsm.spice.runner import NgspiceError, NgspiceRun, run_ngspice

__all__ = ["SpiceResult", "run_spice"]


@dataclass
class SpiceResult:
    """Output code of an ngspice run (duck-compatible with :class:`ctdsm.Result`).

    Attributes
    ----------
    v : ndarray (n_samples,)
        Output code at each clock, toolbox units (full scale ``levels - 1``).
    fs_hz, bw_hz, f0_hz, fin_hz : float
    amplitude_dbfs : float
    levels, n_samples, seed : int
    stable : bool
        False when an integrator reached its output limit or the code is stuck.
    full_scale_v : float
    xmax : ndarray
        Peak of each integrator output in units of the scaled states.
    name : str
    elapsed_s : float
        Wall time of the ngspice process, s.
    log_path : pathlib.Path or None
        ``ngspice.log`` when the run directory was kept.
    workdir : pathlib.Path or None
    pdk : str
    netlist : Netlist or None
    """

    v: np.ndarray
    fs_hz: float
    bw_hz: float
    f0_hz: float
    fin_hz: float
    amplitude_dbfs: float
    levels: int
    n_samples: int
    seed: int
    stable: bool
    full_scale_v: float
    xmax: np.ndarray
    name: str
    elapsed_s: float
    log_path: Path | None
    workdir: Path | None
    pdk: str
    netlist: Netlist | None = field(repr=False, default=None)

    def metrics(self) -> Metrics:
        """Spectral metrics (:func:`ctdsm.analysis.analyze`)."""
        return analyze(self)


def _simulate(
    netlist: Netlist,
    name: str,
    timeout_s: float,
    progress: bool,
    keep_dir: str | os.PathLike[str] | None,
    keep_logs_on_failure: bool = True,
) -> NgspiceRun:
    """Run ``netlist`` in ngspice, with a progress bar over the simulated time if asked."""
    t_stop = netlist.t_stop_s
    bar = ProgressBar(f"ngspice {name}", netlist.n_cycles, unit="cycles") if progress else None
    try:
        return run_ngspice(
            netlist.text,
            timeout_s=timeout_s,
            workdir=keep_dir,
            keep_logs_on_failure=keep_logs_on_failure,
            spiceinit=netlist.spiceinit,
            inputs=dict(netlist.inputs),
            on_progress=None if bar is None else (lambda t_s: bar.set_fraction(t_s / t_stop)),
        )
    finally:
        if bar is not None:
            bar.stop()


def _saturation_limit(design: Design) -> float | None:
    """The opamp output limit in units of the scaled states (None: unlimited)."""
    imp = resolve_impairments(design.spec.impairments.to_engine())
    if imp.saturation_ratio is None:
        return None
    return float(imp.saturation_ratio * design.spec.architecture.xlim)


def _codes_and_peaks(run: NgspiceRun, netlist: Netlist) -> tuple[np.ndarray, np.ndarray]:
    """The code per clock and each state's peak (scaled units; NaN when not written).

    Raises
    ------
    NgspiceError
        The output table lacks the codes.
    """
    table = run.tables[netlist.output_file]
    try:
        v = codes_from_table(table, netlist)
    except (KeyError, CtdsmError) as exc:
        raise NgspiceError(f"unreadable output ({exc})", run.log_path, run.workdir) from None
    xmax = np.array(
        [
            float(np.max(np.abs(table[vec]))) / k if vec in table else np.nan
            for vec, k in zip(netlist.state_vectors, netlist.k_x_v, strict=True)
        ]
    )
    return v, xmax


def _is_stable(design: Design, v: np.ndarray, xmax: np.ndarray) -> bool:
    """Finite codes and no integrator at its output limit."""
    limit = _saturation_limit(design)
    saturated = limit is not None and bool(np.any(xmax >= limit * (1 - 1e-3)))
    return bool(np.all(np.isfinite(v))) and not saturated


def run_spice(
    design: Design,
    n_cycles: int = 16384,
    amplitude_dbfs: float | None = None,
    seed: int | None = None,
    *,
    pdk_root: str | os.PathLike[str] | None = None,
    corner: str = "typical",
    temp_c: float | None = None,
    fin_hz: float | None = None,
    timeout_s: float = 3600.0,
    progress: bool = False,
    keep_dir: str | os.PathLike[str] | None = None,
    noise_source: str = "trnoise",
    keep_logs_on_failure: bool = True,
) -> SpiceResult:
    """Simulate ``design`` closed-loop in ngspice.

    Parameters
    ----------
    design : Design
    n_cycles : int
        Clock cycles.
    amplitude_dbfs : float, optional
        Input amplitude (default ``simulation.amplitude_dbfs``).
    seed : int, optional
        Seed of the drawn parameters (default ``simulation.seed``).
    pdk_root : path-like, optional
        For ``process.pdk = gf180mcu`` (default ``$PDK_ROOT``).
    corner : str
        Process corner.
    temp_c : float, optional
        Temperature, degC (default ``process.temp_c``).
    fin_hz : float, optional
        Input frequency (default the engine's test frequency for ``n_cycles``).
    timeout_s : float
        Wall-clock limit of the ngspice run, s.
    progress : bool
        Show a progress bar (simulated time).
    keep_dir : path-like, optional
        Run directory to keep (netlist, ``ngspice.log``, output); default a temporary one,
        removed after success and kept after a failure.
    noise_source : {"trnoise", "table"}
        How the netlist makes its noise (:func:`build_netlist`): ``"table"`` makes the run
        repeatable from ``seed``.
    keep_logs_on_failure : bool
        Without ``keep_dir``: keep the temporary run directory (netlist, log) when ngspice
        fails, and name it in the error (False: remove it; the sweeps do).

    Returns
    -------
    SpiceResult

    Raises
    ------
    NgspiceError
        The run failed or timed out (one line naming the kept log).
    SpecError
        The design cannot be netlisted (see :func:`build_netlist`).
    """
    netlist = build_netlist(
        design,
        n_cycles=n_cycles,
        amplitude_dbfs=amplitude_dbfs,
        fin_hz=fin_hz,
        seed=seed,
        pdk_root=pdk_root,
        corner=corner,
        temp_c=temp_c,
        noise_source=noise_source,
    )
    t0 = time.perf_counter()
    run = _simulate(netlist, design.name, timeout_s, progress, keep_dir, keep_logs_on_failure)
    v, xmax = _codes_and_peaks(run, netlist)
    return SpiceResult(
        v=v,
        fs_hz=design.fs_hz,
        bw_hz=design.bw_hz,
        f0_hz=design.f0_hz,
        fin_hz=netlist.fin_hz,
        amplitude_dbfs=netlist.amplitude_dbfs,
        levels=design.levels,
        n_samples=netlist.n_cycles,
        seed=netlist.seed,
        stable=_is_stable(design, v, xmax),
        full_scale_v=design.sizing.full_scale_v,
        xmax=xmax,
        name=design.name,
        elapsed_s=float(run.elapsed_s if run.elapsed_s else time.perf_counter() - t0),
        log_path=run.log_path,
        workdir=run.workdir,
        pdk=netlist.pdk,
        netlist=netlist,
    )
