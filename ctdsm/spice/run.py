"""ngspice in the loop: run a design's netlist and read its output code per clock.

:func:`run_spice` builds the netlist (:func:`ctdsm.spice.netlist.build_netlist`), runs it
with :func:`ctdsm.spice.run_ngspice` (a subprocess, with a progress bar from ngspice's
reported simulation time) and returns a :class:`SpiceResult` that :func:`ctdsm.analyze`
takes like a behavioral :class:`ctdsm.Result`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ctdsm.errors import CtdsmError
from ctdsm.spice.runner import NgspiceError, run_ngspice

if TYPE_CHECKING:
    from ctdsm.design.record import Design
    from ctdsm.spice.netlist import Netlist

__all__ = ["SpiceResult", "run_spice", "codes_from_table"]


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
    netlist : Netlist
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
    netlist: Any = field(repr=False, default=None)

    def metrics(self):
        """Spectral metrics (:func:`ctdsm.analysis.analyze`)."""
        from ctdsm.analysis import analyze

        return analyze(self)


def codes_from_table(table: dict[str, np.ndarray], netlist: Netlist) -> np.ndarray:
    """The ``n_cycles`` codes from the ``wrdata`` table (rows every ``T/2`` from ``t = 0``).

    The code of clock ``n`` (decided at ``t_n = t_0 + n T``) is read from the DAC's code at
    ``t_n + read_delay_s`` (a row: ``t_0`` and the delay are multiples of ``T/2``); codes are
    rounded to the quantizer's levels.
    """
    t = np.asarray(table.get("scale", table.get("time")), dtype=float)
    code = np.asarray(table[netlist.code_vector], dtype=float)
    half = 0.5 / netlist.fs_hz
    k = np.rint(t / half).astype(np.int64)
    first = int(round((netlist.t_first_sample_s + netlist.read_delay_s) / half))
    want = first + 2 * np.arange(netlist.n_cycles)
    idx = np.searchsorted(k, want)
    if np.any(idx >= k.size) or np.any(k[np.minimum(idx, k.size - 1)] != want):
        found = int(np.count_nonzero(np.isin(k, want)))
        raise CtdsmError(
            f"ngspice output: expected {netlist.n_cycles} clock samples, found {found}"
        )
    return np.rint(code[idx])


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
    from ctdsm.spice.netlist import build_netlist

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
    t_stop = netlist.t_stop_s
    bar = None
    if progress:
        from ctdsm.progress import ProgressBar

        bar = ProgressBar(f"ngspice {design.name}", netlist.n_cycles, unit="cycles")
    t0 = time.perf_counter()
    try:
        run = run_ngspice(
            netlist.text,
            timeout_s=timeout_s,
            workdir=keep_dir,
            spiceinit=netlist.spiceinit,
            inputs=dict(netlist.inputs),
            on_progress=None if bar is None else (lambda t_s: bar.set_fraction(t_s / t_stop)),
        )
    finally:
        if bar is not None:
            bar.stop()
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
    imp_sat = _saturation_limit(design)
    stable = bool(np.all(np.isfinite(v))) and not (
        imp_sat is not None and np.any(xmax >= imp_sat * (1 - 1e-3))
    )
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
        stable=stable,
        full_scale_v=design.spec.target.full_scale_v,
        xmax=xmax,
        name=design.name,
        elapsed_s=float(run.elapsed_s if run.elapsed_s else time.perf_counter() - t0),
        log_path=run.log_path,
        workdir=run.workdir,
        pdk=netlist.pdk,
        netlist=netlist,
    )


def _saturation_limit(design: Design) -> float | None:
    """The opamp output limit in units of the scaled states (None: unlimited)."""
    from ctdsm.models.impairments import resolve_impairments

    imp = resolve_impairments(design.spec.impairments.to_engine())
    if imp.saturation_ratio is None:
        return None
    return float(imp.saturation_ratio * design.spec.architecture.xlim)
