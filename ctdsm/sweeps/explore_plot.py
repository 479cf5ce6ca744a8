"""The figure of an exploration: measured peak SNDR versus power, the Pareto front, the
target and the chosen design."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ctdsm.sweeps.explore import ExploreResult

__all__ = ["plot_pareto"]


def plot_pareto(result: ExploreResult) -> Any:
    """Peak SNDR versus power (log axis) of every point of ``result``.

    Points meeting their target are filled, the others hollow; the Pareto front
    (``pareto``) is connected in order of power; the base target SNDR is a dashed line and
    the chosen design (:meth:`ExploreResult.best`) a star. Feasible points with no stable
    amplitude are ``x`` marks on the bottom edge; infeasible points are counted in the title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    # The object API, not pyplot: no global figure state, safe in worker threads.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    rows = result.rows
    measured = [r for r in rows if r["feasible"] and r["sndr_db"] is not None]
    for meets, face in ((True, "C0"), (False, "none")):
        sel = [r for r in measured if bool(r["meets_target"]) is meets]
        if sel:
            ax.scatter(
                [r["power_w"] for r in sel],
                [r["sndr_db"] for r in sel],
                edgecolors="C0",
                facecolors=face,
                s=30,
                label="meets target" if meets else "below target",
                zorder=2,
            )
    front = sorted((r for r in rows if r["pareto"]), key=lambda r: r["power_w"])
    if front:
        ax.plot(
            [r["power_w"] for r in front],
            [r["sndr_db"] for r in front],
            "-",
            color="C1",
            lw=1.5,
            marker="o",
            ms=7,
            mfc="none",
            label="Pareto front",
            zorder=3,
        )
    unstable = [r["power_w"] for r in rows if r["feasible"] and r["sndr_db"] is None]
    if unstable:
        ax.plot(
            unstable,
            [0.0] * len(unstable),
            "x",
            color="C3",
            transform=ax.get_xaxis_transform(),
            label="no stable amplitude",
        )
    target = result.meta.get("target_sndr_db")
    if target is not None:
        ax.axhline(target, color="C3", ls="--", lw=1, label=f"target {target:g} dB")
    best = result.best()
    if best is not None:
        text = ", ".join(f"{a.key}={best[a.key]}" for a in result.axes)
        ax.plot(
            [best["power_w"]], [best["sndr_db"]], "*", color="C2", ms=16, zorder=4,
            label=f"best: {text}",
        )  # fmt: skip
    if measured or unstable:
        ax.set_xscale("log")
    ax.set_xlabel("power (W)")
    ax.set_ylabel("peak SNDR (dB)")
    n_bad = sum(not r["feasible"] for r in rows)
    title = f"{result.meta.get('name', '')}: {len(rows)} points"
    if n_bad:
        title += f", {n_bad} infeasible (not shown)"
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
