"""Plots of a sweep: a metric versus the first axis, or a Monte Carlo histogram."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctdsm.io import atomic_write_bytes

if TYPE_CHECKING:
    from ctdsm.sweeps.table import SweepResult

__all__ = ["plot_sweep"]

_LABELS = {
    "sndr_db": "SNDR (dB)",
    "snr_db": "SNR (dB)",
    "thd_db": "THD (dB)",
    "sfdr_db": "SFDR (dB)",
}


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _histogram(ax: Any, result: SweepResult, metric: str, target: float | None) -> None:
    vals = [v for v in result.values(metric) if v is not None]
    n_all = len(result.rows)
    if vals:
        mean = sum(vals) / len(vals)
        std = (sum((v - mean) ** 2 for v in vals) / max(len(vals) - 1, 1)) ** 0.5
        ax.hist(vals, bins=max(5, min(40, len(vals) // 2)), color="C0", alpha=0.75)
        ax.axvline(mean, color="k", label=f"mean {mean:.2f} dB")
        ax.axvspan(mean - std, mean + std, color="k", alpha=0.12, label=f"±σ {std:.2f} dB")
    if target is not None:
        ax.axvline(target, color="C3", ls="--", label=f"target {target:g} dB")
    ax.set_xlabel(_LABELS.get(metric, metric))
    ax.set_ylabel("runs")
    ax.set_title(f"Monte Carlo: {len(vals)} of {n_all} runs stable")


def _versus(ax: Any, result: SweepResult, metric: str, target: float | None) -> None:
    first, others = result.axes[0], result.axes[1:]
    numeric = all(_is_number(v) for v in first.values)
    pos = {v if numeric else repr(v): (v if numeric else i) for i, v in enumerate(first.values)}
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in result.rows:
        label = ", ".join(f"{a.key}={row[a.key]}" for a in others)
        groups.setdefault(label, []).append(row)
    mc = (result.meta.get("mc_runs") or 0) > 1
    for g, (text, rows) in enumerate(groups.items()):
        legend = text or None
        color = f"C{g % 10}"
        by_x: dict[Any, list[float]] = {}
        for r in rows:
            x = pos[r[first.key] if numeric else repr(r[first.key])]
            by_x.setdefault(x, [])
            if r[metric] is not None:
                by_x[x].append(r[metric])
        xs = [x for x in by_x if by_x[x]]
        if mc:
            for x in xs:
                ax.plot([x] * len(by_x[x]), by_x[x], ".", color=color, alpha=0.3, ms=4)
            means = [sum(by_x[x]) / len(by_x[x]) for x in xs]
            stds = [
                (sum((v - m) ** 2 for v in by_x[x]) / max(len(by_x[x]) - 1, 1)) ** 0.5
                for x, m in zip(xs, means, strict=True)
            ]
            ax.errorbar(xs, means, yerr=stds, color=color, marker="o", capsize=3, label=legend)
        else:
            ax.plot(xs, [by_x[x][0] for x in xs], marker="o", color=color, label=legend)
        # Unstable points: marked on the axis, since they have no value to plot.
        bad = [
            pos[r[first.key] if numeric else repr(r[first.key])] for r in rows if not r["stable"]
        ]
        if bad:
            ax.plot(bad, [0] * len(bad), "x", color=color, transform=ax.get_xaxis_transform())
    if not numeric:
        ax.set_xticks(list(pos.values()), [str(v) for v in first.values])
    if target is not None:
        ax.axhline(target, color="C3", ls="--", lw=1, label=f"target {target:g} dB")
    ax.set_xlabel(first.key)
    ax.set_ylabel(_LABELS.get(metric, metric))
    title = "mean ± σ over Monte Carlo runs" if mc else "one run per point"
    ax.set_title(f"{result.meta.get('name', '')}: {title} (x: unstable)")


def plot_sweep(
    result: SweepResult,
    path: str | Path | None = None,
    *,
    metric: str = "sndr_db",
    target_sndr_db: float | None = None,
    dpi: int = 120,
) -> Any:
    """Plot a sweep.

    With axes: ``metric`` versus the first axis, one line per combination of the other
    axes (with Monte Carlo: every run as a dot, mean ± one standard deviation as error
    bars). Without axes (Monte Carlo only): a histogram with the mean and ± one standard
    deviation. Unstable runs are marked with an ``x`` on the horizontal axis.

    Parameters
    ----------
    result : SweepResult
    path : str or Path, optional
        Write a PNG there (atomically).
    metric : str
        Row key to plot (``sndr_db``, ``snr_db``, ``thd_db``, ``sfdr_db``).
    target_sndr_db : float, optional
        Horizontal/vertical target line (default ``result.meta["target_sndr_db"]``; only
        drawn for ``sndr_db``).
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    matplotlib.figure.Figure
    """
    # The object API, not pyplot: no global figure state, safe in worker threads.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    target = result.meta.get("target_sndr_db") if target_sndr_db is None else target_sndr_db
    if metric != "sndr_db":
        target = None
    fig = Figure(figsize=(7.0, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if result.axes:
        _versus(ax, result, metric, target)
    else:
        _histogram(ax, result, metric, target)
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    if path is not None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        atomic_write_bytes(path, buf.getvalue())
    return fig
