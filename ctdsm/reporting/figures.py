"""The report's figures of a design and its simulations (matplotlib, Agg backend).

The figures are plain :class:`~matplotlib.figure.Figure` objects rendered by Agg when saved;
pyplot and its global backend are never touched, so the functions work the same in a script,
a headless CI job and a notebook (where ``display(fig)`` shows them).

Every function takes data objects (a :class:`~ctdsm.design.Design`, a
:class:`~ctdsm.sim.engine.Result`, a sweep dict, arrays) and returns a new
:class:`matplotlib.figure.Figure`; nothing is drawn on a global figure or shown. Every axis
carries a label with its unit. Spectra are in dBFS per noise bandwidth (NBW) of the Hann
window, ``1.5 fs / N``: a coherent sine then reads its own amplitude in dBFS.

:func:`save_png` writes a figure with no time stamp or version in its metadata, so the same
figure gives the same bytes (committed reports diff cleanly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

from ctdsm.analysis import Metrics, analyze, band_edges_hz, psd, spectrum_metrics

if TYPE_CHECKING:
    from ctdsm.design.record import Design
    from ctdsm.sim.engine import Result

__all__ = [
    "psd_dbfs",
    "stf_response",
    "plot_ntf",
    "plot_pole_zero",
    "plot_psd",
    "plot_sndr_vs_amplitude",
    "plot_state_histograms",
    "plot_dac_error",
    "plot_chopper",
    "plot_psd_overlay",
    "save_png",
]

#: Hann window noise bandwidth in bins.
HANN_NBW_BINS = 1.5
_COLORS = ("tab:blue", "tab:red", "tab:green", "tab:orange", "tab:purple", "tab:brown")


def psd_dbfs(v: np.ndarray, fs_hz: float, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """PSD of a modulator output in dBFS/NBW (Hann window, NBW = 1.5 fs/N).

    Parameters
    ----------
    v : ndarray (n,)
        Output codes, toolbox units (full scale ``levels - 1``).
    fs_hz : float
        Sample rate, Hz.
    levels : int
        Quantizer levels.

    Returns
    -------
    f_hz : ndarray
        Bin frequencies, Hz.
    psd_db : ndarray
        Power per NBW relative to a full-scale sine, dB (a sine of amplitude ``A`` dBFS peaks
        at ``A``).
    """
    f, s = psd(v, fs_hz)
    nbw_hz = HANN_NBW_BINS * fs_hz / len(v)
    full = (levels - 1) ** 2 / 2  # power of a full-scale sine, toolbox units^2
    return f, 10 * np.log10(np.maximum(s * nbw_hz / full, 1e-30))


def stf_response(design: Design, f_hz: np.ndarray) -> np.ndarray:
    """Signal transfer function of the CT modulator, ``STF(f) = L0(j 2 pi f) NTF(f)``.

    ``L0`` is the CT loop filter's transfer from the input to the quantizer input (linear
    quantizer model), evaluated with time normalized to the clock period.

    Parameters
    ----------
    design : Design
    f_hz : ndarray
        Frequencies, Hz.

    Returns
    -------
    ndarray (complex)

    References
    ----------
    S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
    2nd ed., 2017, sec. 8.2.
    """
    n = design.order
    a = np.asarray(design.abcdc, dtype=float)
    A, b, c, d = a[:n, :n], a[:n, n], a[n, :n], a[n, n]
    s = 2j * np.pi * np.asarray(f_hz, dtype=float) / design.fs_hz
    eye = np.eye(n)
    l0 = np.array([c @ np.linalg.solve(si * eye - A, b) + d for si in s])
    return l0 * design.ntf_response(f_hz)


def _band(ax: Any, bw_hz: float, f0_hz: float = 0.0, *, label: bool = True) -> None:
    """Shade the signal band and mark its edges."""
    lo, hi = band_edges_hz(bw_hz, f0_hz)
    ax.axvspan(max(lo, 1e-30), hi, color="0.9", zorder=0, label="signal band" if label else None)
    for edge in (lo, hi):
        if edge > 0:
            ax.axvline(edge, color="k", lw=0.7, ls="--")


def _db(x: np.ndarray) -> np.ndarray:
    return 20 * np.log10(np.maximum(np.abs(x), 1e-30))


def plot_ntf(design: Design, n_points: int = 2000) -> Figure:
    """|NTF| and |STF| of a design versus frequency (log axis up to fs/2), band marked.

    Parameters
    ----------
    design : Design
    n_points : int
        Frequency points (log-spaced from ``fs / 10^5`` to ``fs / 2``).

    Returns
    -------
    Figure
    """
    fs = design.fs_hz
    f = np.logspace(np.log10(fs * 1e-5), np.log10(fs / 2), n_points)
    ntf_db = _db(design.ntf_response(f))
    stf_db = _db(stf_response(design, f))
    fig = Figure(figsize=(8, 4.2))
    ax = fig.subplots()
    _band(ax, design.bw_hz, design.f0_hz)
    ax.semilogx(f, ntf_db, color="tab:blue", label="|NTF|")
    ax.semilogx(f, stf_db, color="tab:red", label="|STF| (CT, linear model)")
    ax.axhline(
        20 * np.log10(design.h_inf), color="tab:blue", ls=":", lw=0.8, label="H_inf (NTF target)"
    )
    ax.set_xlim(f[0], f[-1])
    ax.set_ylim(max(float(np.min(ntf_db)) - 10, -200), 20)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("magnitude (dB)")
    ax.set_title(
        f"{design.name}: order {design.order}, OSR {design.osr:g}, H_inf {design.h_inf:g}, "
        f"fs {design.fs_hz / 1e6:g} MHz",
        fontsize=10,
    )
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_pole_zero(design: Design) -> Figure:
    """Poles and zeros of the NTF in the z-plane, with the unit circle.

    Parameters
    ----------
    design : Design

    Returns
    -------
    Figure
    """
    zeros = np.asarray(design.ntf.zeros, dtype=complex)
    poles = np.asarray(design.ntf.poles, dtype=complex)
    fig = Figure(figsize=(4.8, 4.6))
    ax = fig.subplots()
    t = np.linspace(0, 2 * np.pi, 400)
    ax.plot(np.cos(t), np.sin(t), color="0.5", lw=0.8, label="unit circle")
    ax.plot(zeros.real, zeros.imag, "o", mfc="none", mec="tab:blue", ms=8, label="zeros")
    ax.plot(poles.real, poles.imag, "x", color="tab:red", ms=8, mew=1.5, label="poles")
    ax.axhline(0, color="0.8", lw=0.5)
    ax.axvline(0, color="0.8", lw=0.5)
    ax.set_aspect("equal")
    ax.set_xlim(-1.2, 1.2)
    ax.set_ylim(-1.2, 1.2)
    ax.set_xlabel("Re(z) (normalized, 1 = fs)")
    ax.set_ylabel("Im(z) (normalized)")
    ax.set_title(f"NTF poles and zeros ({design.name})", fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def _fmt_db(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f} dB"


def _mark_harmonics(ax: Any, f: np.ndarray, db: np.ndarray, fin_hz: float, color: str) -> None:
    """Mark HD2 and HD3 (the peak bin within 2 bins of k fin, when below fs/2)."""
    df = f[1] - f[0]
    for k in (2, 3):
        b = int(round(k * fin_hz / df))
        if b + 3 >= len(f):
            continue
        j = b - 2 + int(np.argmax(db[b - 2 : b + 3]))
        ax.plot(f[j], db[j], "v", color=color, ms=6, mec="k", mew=0.5)


def plot_psd(result: Result, metrics: Metrics | None = None, *, title: str | None = None) -> Figure:
    """Output PSD of a run with SNDR, SNR, THD and SFDR annotated and the band marked.

    Parameters
    ----------
    result : Result
    metrics : Metrics, optional
        Default ``ctdsm.analyze(result)``.
    title : str, optional

    Returns
    -------
    Figure
    """
    m = analyze(result) if metrics is None else metrics
    f, db = psd_dbfs(result.v, result.fs_hz, result.levels)
    fig = Figure(figsize=(8, 4.6))
    ax = fig.subplots()
    _band(ax, result.bw_hz, result.f0_hz)
    ax.semilogx(f[1:], db[1:], lw=0.6, color="tab:blue", label="output PSD")
    _mark_harmonics(ax, f, db, result.fin_hz, "tab:blue")
    ax.set_xlim(f[1], result.fs_hz / 2)
    ax.set_ylim(max(float(np.percentile(db[1:], 0.5)) - 10, -220), 10)
    nbw = HANN_NBW_BINS * result.fs_hz / result.n_samples
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel(f"PSD (dBFS/NBW, NBW = {nbw:.3g} Hz)")
    text = "\n".join(
        [
            f"SNDR {_fmt_db(m.sndr_db)}",
            f"SNR  {_fmt_db(m.snr_db)}",
            f"THD  {_fmt_db(m.thd_db)}",
            f"SFDR {_fmt_db(m.sfdr_db)}",
            f"tone {result.amplitude_dbfs:g} dBFS at {result.fin_hz / 1e3:.3g} kHz",
            f"band {result.bw_hz / 1e3:g} kHz, {result.n_samples} samples",
        ]
    )
    ax.text(
        0.02,
        0.04,
        text,
        transform=ax.transAxes,
        fontsize=8,
        family="monospace",
        va="bottom",
        bbox={"boxstyle": "round", "fc": "white", "ec": "0.6", "alpha": 0.9},
    )
    state = "" if (m.stable and result.stable) else " -- UNSTABLE run"
    ax.set_title((title or f"{result.name}: output PSD (Hann window)") + state, fontsize=10)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_sndr_vs_amplitude(sweep: Mapping[str, Any], *, title: str | None = None) -> Figure:
    """SNDR versus input amplitude with the peak, DR and the maximum stable amplitude.

    Parameters
    ----------
    sweep : mapping
        ``amplitudes_dbfs``, ``sndr_db`` (None where unstable), ``stable`` and the keys of
        :func:`ctdsm.analysis.dynamic_range` (as from
        :func:`ctdsm.sim.engine.sweep_amplitude`).
    title : str, optional

    Returns
    -------
    Figure
    """
    a = np.asarray(sweep["amplitudes_dbfs"], dtype=float)
    s = np.array([np.nan if x is None else x for x in sweep["sndr_db"]], dtype=float)
    ok = np.asarray(sweep["stable"], dtype=bool)
    fig = Figure(figsize=(8, 4.4))
    ax = fig.subplots()
    ax.plot(a[ok], s[ok], "o-", ms=3, color="tab:blue", label="SNDR (stable runs)")
    if np.any(~ok):
        ax.plot(a[~ok], np.zeros((~ok).sum()), "x", color="tab:red", label="unstable (no SNDR)")
    zero = sweep.get("zero_crossing_dbfs")
    peak = sweep.get("peak_sndr_db")
    peak_a = sweep.get("peak_amplitude_dbfs")
    if zero is not None and peak_a is not None:
        ax.plot([zero, peak_a], [0, peak_a - zero], ":", color="0.4", lw=0.8, label="slope-1 fit")
    if peak is not None and peak_a is not None:
        ax.plot(peak_a, peak, "*", color="tab:orange", ms=12, label=f"peak {peak:.1f} dB")
    ms = sweep.get("max_stable_amplitude_dbfs")
    if ms is not None:
        ax.axvline(ms, color="tab:red", ls="--", lw=0.8, label=f"max stable {ms:g} dBFS")
    dr = sweep.get("dr_db")
    ax.set_xlabel("input amplitude (dBFS)")
    ax.set_ylabel("SNDR (dB)")
    ax.set_ylim(bottom=min(-5.0, float(np.nanmin(s)) - 5 if np.any(np.isfinite(s)) else -5.0))
    ax.set_title(title or "SNDR versus input amplitude", fontsize=10)
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.legend(loc="upper left", fontsize=8, title=None if dr is None else f"DR {dr:.1f} dB")
    fig.tight_layout()
    return fig


def plot_state_histograms(
    states: np.ndarray,
    xlim: float,
    *,
    names: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Histograms of the integrator outputs (loop-filter states), with the scaling limit.

    Parameters
    ----------
    states : ndarray (n_states, n_samples)
        State values in scaled units (``xlim`` is the allowed swing).
    xlim : float
        Scaling limit of the states (the opamps' allowed differential swing), scaled units.
    names : sequence of str, optional
        Default ``x1 .. xn``.
    title : str, optional

    Returns
    -------
    Figure
    """
    x = np.atleast_2d(np.asarray(states, dtype=float))
    n = x.shape[0]
    names = list(names) if names is not None else [f"x{i + 1}" for i in range(n)]
    cols = min(n, 3)
    rows = -(-n // cols)
    fig = Figure(figsize=(3.2 * cols, 2.6 * rows + 0.4))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    edge = 1.2 * max(xlim, float(np.max(np.abs(x))))
    bins = np.linspace(-edge, edge, 81)
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_visible(False)
            continue
        ax.hist(x[i], bins=bins, color=_COLORS[i % len(_COLORS)], alpha=0.8)
        for s in (-xlim, xlim):
            ax.axvline(s, color="k", ls="--", lw=0.8)
        peak = float(np.max(np.abs(x[i])))
        ax.set_title(f"{names[i]}: peak {peak:.2f} (xlim {xlim:g})", fontsize=9)
        ax.set_xlabel("state value (scaled units, xlim = swing)")
        ax.set_ylabel("samples (count)")
    fig.suptitle(title or "integrator output histograms", fontsize=10)
    fig.tight_layout()
    return fig


def plot_dac_error(
    results: Mapping[str, Result], *, title: str | None = None, zoom_decades: float = 2.0
) -> Figure:
    """Output PSDs of the same modulator with different first-DAC models, overlaid.

    Each trace's legend gives its SNDR and THD; HD2/HD3 are marked. The x axis shows the band
    and ``zoom_decades`` decades above it, where unshaped DAC errors sit above the shaped
    quantization noise.

    Parameters
    ----------
    results : mapping of label to Result
        Runs of one design differing only in the DAC model (same seed and stimulus).
    title : str, optional
    zoom_decades : float
        Decades shown above the band edge.

    Returns
    -------
    Figure
    """
    fig = Figure(figsize=(8, 4.6))
    ax = fig.subplots()
    first = next(iter(results.values()))
    _band(ax, first.bw_hz, first.f0_hz)
    for i, (label, r) in enumerate(results.items()):
        m = analyze(r)
        f, db = psd_dbfs(r.v, r.fs_hz, r.levels)
        color = _COLORS[i % len(_COLORS)]
        ax.semilogx(
            f[1:],
            db[1:],
            lw=0.6,
            color=color,
            alpha=0.85,
            label=f"{label}: SNDR {_fmt_db(m.sndr_db)}, THD {_fmt_db(m.thd_db)}",
        )
        _mark_harmonics(ax, f, db, r.fin_hz, color)
    hi = min(first.fs_hz / 2, (first.f0_hz + first.bw_hz) * 10**zoom_decades)
    ax.set_xlim(f[1], hi)
    ax.set_ylim(-200, 10)
    nbw = HANN_NBW_BINS * first.fs_hz / first.n_samples
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel(f"PSD (dBFS/NBW, NBW = {nbw:.3g} Hz)")
    ax.set_title(title or "first-DAC errors", fontsize=10)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def _noise_dbfs(x: Any, full: float) -> float:
    return float("nan") if x is None or x <= 0 else 10 * np.log10(x / full)


def plot_chopper(
    sweep: Mapping[str, Any],
    levels: int,
    bw_hz: float,
    *,
    f_chop_hz: float | None = None,
    title: str | None = None,
) -> Figure:
    """In-band noise versus chopping frequency (:func:`ctdsm.flow.chopping.chopping_sweep`).

    Parameters
    ----------
    sweep : mapping
        Output of :func:`ctdsm.flow.chopping.chopping_sweep`.
    levels : int
        Quantizer levels (sets full scale, for dBFS).
    bw_hz : float
        Signal bandwidth, Hz (marked).
    f_chop_hz : float, optional
        The design's chopping frequency, Hz (marked).
    title : str, optional

    Returns
    -------
    Figure
    """
    full = (levels - 1) ** 2 / 2
    fc = np.asarray(sweep["f_chop_hz"], dtype=float)
    order = np.argsort(fc)
    fc = fc[order]

    def series(key: str) -> np.ndarray:
        return np.array([_noise_dbfs(sweep[key][i], full) for i in order])

    fig = Figure(figsize=(8, 4.4))
    ax = fig.subplots()
    ax.semilogx(fc, series("noise_chopped"), "o-", color="tab:blue", label="chopped (1/f + offset)")
    ax.semilogx(
        fc,
        series("noise_chopped_no_flicker"),
        "s-",
        color="tab:green",
        label="chopped, no 1/f or offset (chopping transients)",
    )
    unq = sweep["noise_unchopped_no_flicker"]
    # The prediction is of what chopping adds; the total adds the unchopped floor.
    pred = np.array([_noise_dbfs((unq or 0.0) + (sweep["predicted_added"][i] or 0.0), full)
                     for i in order])  # fmt: skip
    ax.semilogx(
        fc, pred, "^--", color="tab:orange", label="predicted (unchopped no 1/f + transients)"
    )
    ax.axhline(
        _noise_dbfs(sweep["noise_unchopped"], full),
        color="tab:red",
        label="unchopped (1/f + offset)",
    )
    ax.axhline(_noise_dbfs(unq, full), color="0.5", ls=":", label="unchopped, no 1/f or offset")
    ax.axvline(bw_hz, color="k", ls="--", lw=0.8, label="band edge")
    if f_chop_hz is not None:
        ax.axvline(f_chop_hz, color="tab:purple", ls="-.", lw=0.8, label="design f_chop")
    ax.set_xlabel("chopping frequency (Hz)")
    ax.set_ylabel("in-band noise + distortion (dBFS)")
    ax.set_title(title or "first-opamp chopping", fontsize=10)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def plot_psd_overlay(
    v_spice: np.ndarray,
    v_behavioral: np.ndarray,
    fs_hz: float,
    bw_hz: float,
    levels: int,
    *,
    fin_hz: float | None = None,
    f0_hz: float = 0.0,
    labels: tuple[str, str] = ("ngspice", "behavioral"),
    title: str | None = None,
) -> Figure:
    """PSDs of a transistor-level (ngspice) run and the behavioral run of the same stimulus.

    Parameters
    ----------
    v_spice, v_behavioral : ndarray
        Output codes, toolbox units (may differ in length).
    fs_hz, bw_hz : float
        Clock and signal bandwidth, Hz.
    levels : int
        Quantizer levels.
    fin_hz : float, optional
        Test tone, Hz: when given each trace's SNDR is in the legend.
    f0_hz : float
        Band centre, Hz (0: low-pass).
    labels : (str, str)
    title : str, optional

    Returns
    -------
    Figure
    """
    fig = Figure(figsize=(8, 4.6))
    ax = fig.subplots()
    _band(ax, bw_hz, f0_hz)
    lows = []
    for v, label, color in zip(
        (v_spice, v_behavioral), labels, ("tab:red", "tab:blue"), strict=True
    ):
        v = np.asarray(v, dtype=float)
        f, db = psd_dbfs(v, fs_hz, levels)
        text = label
        if fin_hz is not None:
            m = spectrum_metrics(v, fs_hz, fin_hz, bw_hz, f0_hz=f0_hz, full_scale=levels - 1)
            text += f": SNDR {_fmt_db(m.sndr_db)}, {len(v)} samples"
        ax.semilogx(f[1:], db[1:], lw=0.6, color=color, alpha=0.8, label=text)
        lows.append(float(np.percentile(db[1:], 0.5)))
    ax.set_xlim(fs_hz / len(v_spice), fs_hz / 2)
    ax.set_ylim(max(min(lows) - 10, -220), 10)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("PSD (dBFS/NBW, NBW = 1.5 fs/N of each record)")
    ax.set_title(title or "ngspice versus behavioral output PSD", fontsize=10)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def save_png(fig: Figure, path: str | Path, dpi: int = 100) -> Path:
    """Write ``fig`` as PNG without time-stamp/version metadata (reproducible bytes).

    Parameters
    ----------
    fig : Figure
    path : str or Path
    dpi : int

    Returns
    -------
    Path
    """
    p = Path(path)
    fig.savefig(p, dpi=dpi, metadata={"Software": None})
    return p
