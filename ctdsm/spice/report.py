"""Outputs of ``ctdsm spice``: metrics against the behavioral engine, arrays and PSD overlay.

:func:`spice_outputs` runs the behavioral engine on the *same stimulus* as an ngspice run
(same test frequency, amplitude, seed and length, the spec's impairments) and collects
``metrics.json`` (the keys ``ctdsm simulate`` writes plus ``behavioral_sndr_db``,
``behavioral_snr_db``, ``behavioral_thd_db``, ``elapsed_s``, ``pdk``, ``engine``),
``spice.npz`` (``v_spice``, ``v_behavioral``, ``fs_hz``, ``fin_hz``, ``bw_hz``, ``levels``)
and ``psd_overlay.png``; :func:`write_spice_outputs` writes them atomically.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ctdsm.analysis import analyze, psd
from ctdsm.design.record import Design
from ctdsm.io import commit_run, discard, json_bytes, stage_dir
from ctdsm.sim.engine import simulate
from ctdsm.spice.closed_loop import SpiceResult

__all__ = ["spice_outputs", "write_spice_outputs", "psd_overlay_png"]


def psd_overlay_png(
    v_spice: np.ndarray, v_behavioral: np.ndarray, fs_hz: float, bw_hz: float, title: str
) -> bytes:
    """PNG of the two output PSDs (Hann window), the signal band marked.

    Parameters
    ----------
    v_spice, v_behavioral : ndarray
        Output codes, toolbox units.
    fs_hz, bw_hz : float
        Clock and band edge, Hz.
    title : str

    Returns
    -------
    bytes
    """
    # A bare Figure (no pyplot): no global backend state, nothing left open.
    fig = Figure(figsize=(8, 4.5), dpi=110)
    ax = fig.subplots()
    for v, label in ((v_behavioral, "behavioral"), (v_spice, "ngspice")):
        f, s = psd(np.asarray(v, dtype=float), fs_hz)
        ax.semilogx(f[1:], 10 * np.log10(np.maximum(s[1:], 1e-30)), label=label, lw=0.8)
    ax.axvspan(f[1], bw_hz, color="0.9", zorder=0, label="signal band")
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("PSD (dB re 1 unit$^2$/Hz)")
    ax.set_title(title)
    ax.grid(True, which="both", lw=0.3)
    ax.legend(loc="lower right")
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _db(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def spice_outputs(design: Design, result: SpiceResult) -> dict[str, Any]:
    """Metrics, arrays and plot of an ngspice run and its behavioral twin.

    Returns
    -------
    dict
        ``metrics`` (dict), ``npz`` (bytes), ``png`` (bytes).
    """
    m = analyze(result)
    beh = simulate(
        design, result.n_samples, result.amplitude_dbfs, None, result.seed, fin_hz=result.fin_hz
    )
    mb = analyze(beh)
    metrics = m.to_dict() | {
        "name": design.name,
        "engine": "ngspice",
        "amplitude_dbfs": result.amplitude_dbfs,
        "n_samples": result.n_samples,
        "seed": result.seed,
        "stable": bool(result.stable and m.stable),
        "measured_amplitude_dbfs": m.amplitude_dbfs,
        "behavioral_sndr_db": _db(mb.sndr_db),
        "behavioral_snr_db": _db(mb.snr_db),
        "behavioral_thd_db": _db(mb.thd_db),
        "behavioral_stable": bool(beh.stable and mb.stable),
        "elapsed_s": result.elapsed_s,
        "pdk": result.pdk,
        "corner": result.netlist.corner if result.netlist is not None else None,
        "xmax": [None if not np.isfinite(x) else float(x) for x in result.xmax],
    }
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        v_spice=result.v.astype(np.int16),
        v_behavioral=beh.v.astype(np.int16),
        fs_hz=result.fs_hz,
        fin_hz=result.fin_hz,
        bw_hz=result.bw_hz,
        levels=result.levels,
    )
    png = psd_overlay_png(
        result.v,
        beh.v,
        result.fs_hz,
        result.bw_hz,
        f"{design.name}: ngspice vs behavioral, {result.n_samples} cycles",
    )
    return {"metrics": metrics, "npz": buf.getvalue(), "png": png}


def write_spice_outputs(out_dir: str | Path, outputs: dict[str, Any], run_dir: Path | None) -> Path:
    """Write ``metrics.json``, ``spice.npz``, ``psd_overlay.png`` and the run's netlist and
    log in ``DIR/ngspice/`` (``run_dir`` is then removed), together
    (:func:`ctdsm.io.commit_run`).

    Returns
    -------
    pathlib.Path
        ``metrics.json``.
    """
    dirs = {}
    if run_dir is not None and Path(run_dir).is_dir():
        keep = stage_dir(out_dir, "ngspice")
        try:
            for p in Path(run_dir).iterdir():
                if p.is_file():
                    shutil.copy2(p, keep / p.name)
        except BaseException:
            discard(keep)
            raise
        dirs["ngspice"] = keep
    files = {
        "metrics.json": json_bytes(outputs["metrics"]),
        "spice.npz": outputs["npz"],
        "psd_overlay.png": outputs["png"],
    }
    paths = commit_run(out_dir, files, verb="spice", dirs=dirs)
    if dirs and run_dir is not None:
        shutil.rmtree(run_dir, ignore_errors=True)  # moved into DIR/ngspice/
    return paths[len(dirs)]
