"""One progress bar for every long run (simulation, ngspice, sweeps, reports).

A thin wrapper over :class:`rich.progress.Progress`: transient (it disappears when done), a
label, a bar and a ``done/total`` counter, optionally the time elapsed, the time remaining and
a description of the current step. Every long-running verb builds one, so they look alike.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ProgressBar"]


class ProgressBar:
    """A transient rich progress bar.

    Parameters
    ----------
    label : str
        Text in front of the bar.
    total : float
        Units of work (cycles, runs, steps).
    unit : str
        Word after the counter (``"cycles"``), or ``""``.
    elapsed, remaining : bool
        Show the time elapsed and the estimated time remaining.
    described : bool
        Show a description of the current step (set by :meth:`advance`).
    stderr : bool
        Draw on standard error instead of standard output.
    """

    def __init__(
        self,
        label: str,
        total: float,
        *,
        unit: str = "",
        elapsed: bool = False,
        remaining: bool = True,
        described: bool = False,
        stderr: bool = False,
    ) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns: list[Any] = [TextColumn(label)]
        if described:
            columns.append(TextColumn("{task.description}"))
        counter = "{task.completed:,.0f}/{task.total:,.0f}" + (f" {unit}" if unit else "")
        columns += [BarColumn(), TextColumn(counter)]
        if elapsed:
            columns.append(TimeElapsedColumn())
        if remaining:
            columns.append(TimeRemainingColumn())
        kw: dict[str, Any] = {}
        if stderr:
            from rich.console import Console

            kw["console"] = Console(stderr=True)
        self._total = float(total)
        self._p = Progress(*columns, transient=True, **kw)
        self._task = self._p.add_task("", total=total)
        self._p.start()

    def advance(self, k: float = 1.0, description: str | None = None) -> None:
        """Count ``k`` more units done (and name the current step)."""
        if description is None:
            self._p.advance(self._task, k)
        else:
            self._p.update(self._task, advance=k, description=description)

    def set_fraction(self, fraction: float) -> None:
        """Set the work done as a fraction of the total."""
        self._p.update(self._task, completed=min(1.0, max(0.0, fraction)) * self._total)

    def stop(self) -> None:
        self._p.stop()
