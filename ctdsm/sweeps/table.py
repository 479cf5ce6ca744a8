"""The result table of a sweep: rows, Monte Carlo statistics, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctdsm.errors import CtdsmError
from ctdsm.io import atomic_write_text
from ctdsm.sweeps.axes import SweepAxis
from ctdsm.sweeps.plot import plot_sweep

__all__ = ["SweepResult", "TIMING_KEYS"]

#: Columns that measure the machine, not the modulator: the only ones that differ between
#: two runs of the same sweep.
TIMING_KEYS = ("elapsed_s", "cpu_s")


def _mean_std(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return mean, None
    var = math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var)


@dataclass
class SweepResult:
    """Rows of a sweep, one per simulation, in grid order (Monte Carlo runs innermost).

    Attributes
    ----------
    axes : list of SweepAxis
    rows : list of dict
        Per run: ``index``, ``point`` (grid point), ``mc`` (Monte Carlo run or None), the
        axis values, ``seed``, ``sndr_db``, ``snr_db``, ``thd_db``, ``sfdr_db``, ``hd2_db``,
        ``hd3_db`` (dB; None where undefined or unstable), ``fin_hz``, ``amplitude_dbfs``
        (requested), ``measured_amplitude_dbfs``, ``n_samples``, ``stable``, ``elapsed_s``,
        ``cpu_s`` (wall and CPU time of the run, s).
    meta : dict
        ``name``, ``engine``, ``seed`` (base), ``mc_runs``, ``target_sndr_db``,
        ``backend``, ``workers``, ``wall_s``, ``overrides``.
    """

    axes: list[SweepAxis]
    rows: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Column names, in table order."""
        cols: list[str] = []
        for row in self.rows:
            for k in row:
                if k not in cols:
                    cols.append(k)
        return cols

    def values(self, key: str) -> list[Any]:
        """One column."""
        return [row.get(key) for row in self.rows]

    def results(self) -> list[dict[str, Any]]:
        """Rows without the timing columns (:data:`TIMING_KEYS`): equal for equal sweeps."""
        return [{k: v for k, v in r.items() if k not in TIMING_KEYS} for r in self.rows]

    def summary(self, target_sndr_db: float | None = None) -> list[dict[str, Any]]:
        """SNDR statistics per grid point (over its Monte Carlo runs).

        Parameters
        ----------
        target_sndr_db : float, optional
            Yield target, dB (default ``meta["target_sndr_db"]``).

        Returns
        -------
        list of dict
            Per grid point: its axis values, ``n``, ``n_stable``, ``sndr_mean_db``,
            ``sndr_std_db`` (sample standard deviation, None for fewer than 2 stable runs),
            ``sndr_min_db``, ``sndr_max_db`` (over stable runs) and ``yield`` (fraction of
            all runs that are stable with SNDR >= target; None without a target).
        """
        target = self.meta.get("target_sndr_db") if target_sndr_db is None else target_sndr_db
        keys = [a.key for a in self.axes]
        points: dict[int, list[dict[str, Any]]] = {}
        for row in self.rows:
            points.setdefault(row["point"], []).append(row)
        out = []
        for point, rows in points.items():
            sndr = [r["sndr_db"] for r in rows if r["stable"] and r["sndr_db"] is not None]
            mean, std = _mean_std(sndr)
            entry: dict[str, Any] = {"point": point}
            entry |= {k: rows[0][k] for k in keys}
            entry |= {
                "n": len(rows),
                "n_stable": sum(bool(r["stable"]) for r in rows),
                "sndr_mean_db": mean,
                "sndr_std_db": std,
                "sndr_min_db": min(sndr) if sndr else None,
                "sndr_max_db": max(sndr) if sndr else None,
                "target_sndr_db": target,
                "yield": (None if target is None else sum(s >= target for s in sndr) / len(rows)),
            }
            out.append(entry)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form: ``meta``, ``axes`` (key, values), ``rows``, ``summary``."""
        return {
            "meta": dict(self.meta),
            "axes": [{"key": a.key, "values": list(a.values)} for a in self.axes],
            "rows": [dict(r) for r in self.rows],
            "summary": self.summary(),
        }

    def to_json(self, path: str | Path | None = None) -> str:
        """The table as JSON (see :meth:`to_dict`); written atomically to ``path`` if given."""
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"
        if path is not None:
            atomic_write_text(path, text)
        return text

    def to_csv(self, path: str | Path | None = None) -> str:
        """The rows as CSV (a header, then one line per run; undefined values empty).

        Lists (e.g. a ``dac_pulse`` axis) are written as JSON. Written atomically to
        ``path`` if given.
        """
        buf = io.StringIO()
        cols = self.columns
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols)
        for row in self.rows:
            cells = []
            for k in cols:
                v = row.get(k)
                if v is None:
                    cells.append("")
                elif isinstance(v, list | dict):
                    cells.append(json.dumps(v))
                elif isinstance(v, float):
                    cells.append(repr(v))  # shortest round-tripping form
                else:
                    cells.append(str(v))
            writer.writerow(cells)
        text = buf.getvalue()
        if path is not None:
            atomic_write_text(path, text)
        return text

    def to_dataframe(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (needs pandas, which ctdsm does not require)."""
        try:
            import pandas as pd
        except ImportError:
            raise CtdsmError("to_dataframe: pandas is not installed") from None
        return pd.DataFrame(self.rows, columns=self.columns)

    def plot(self, path: str | Path | None = None, **kwargs: Any) -> Any:
        """Plot SNDR (see :func:`ctdsm.sweeps.plot.plot_sweep`); return the Figure."""
        return plot_sweep(self, path, **kwargs)
