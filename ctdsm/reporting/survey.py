"""Where a design stands in the field: the published ADC survey, with designs placed on it.

The data is an extract of B. Murmann, "ADC Performance Survey 1997-2025" (revision
2025-06-09, BSD 3-Clause, https://github.com/bmurmann/ADC-survey), shipped as
``ctdsm/data/adc_survey.csv`` with its licence (``ADC_SURVEY_LICENSE``) and attribution
(``ADC_SURVEY_README.md``); ``docs/scripts/make_survey_extract.py`` regenerates it. It holds
the ISSCC and VLSI converters that report SNDR, power and bandwidth.

* :func:`load_survey`: the extract as a :class:`SurveyTable` of numpy arrays (read once);
* :func:`survey_figure`: Schreier FoM versus bandwidth and SNDR versus bandwidth, every
  survey converter in grey, continuous-time delta-sigma converters highlighted, and each
  :class:`SurveyPoint` (a design, a chip) as a large labelled star;
* :func:`fom_schreier_db` (from :mod:`ctdsm.analysis.fom`): the Schreier figure of merit,
  ``X + 10 log10(BW / P)``.

The figure follows :mod:`ctdsm.reporting.figures`: a plain :class:`~matplotlib.figure.Figure`
rendered by Agg when saved (:func:`~ctdsm.reporting.figures.save_png`), pyplot untouched.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ctdsm.analysis.fom import fom_schreier_db
from ctdsm.errors import ArgumentError

__all__ = [
    "SURVEY_CITATION",
    "SurveyTable",
    "SurveyPoint",
    "load_survey",
    "survey_figure",
    "fom_schreier_db",
]

#: Short attribution printed on the figure.
SURVEY_CITATION = "B. Murmann, ADC Performance Survey 1997-2025 (BSD-3)"
#: The extract and its licence inside the package (``ctdsm/data``).
SURVEY_FILE = "adc_survey.csv"
LICENSE_FILE = "ADC_SURVEY_LICENSE"

_FLOAT_COLUMNS = (
    "bw_hz",
    "sndr_db",
    "dr_db",
    "power_w",
    "fom_schreier_sndr_db",
    "area_mm2",
)
_OTHER_STYLE = {"color": "0.72", "marker": "o", "s": 14, "linewidths": 0, "alpha": 0.8}
_CTDSM_STYLE = {
    "color": "tab:blue",
    "marker": "^",
    "s": 26,
    "edgecolors": "navy",
    "linewidths": 0.4,
}
_POINT_COLORS = ("tab:red", "tab:green", "tab:orange", "tab:purple", "tab:brown", "tab:pink")


@dataclass(frozen=True, eq=False)
class SurveyTable:
    """The survey extract, one array entry per converter (arrays are read-only).

    Attributes
    ----------
    venue, id, architecture : ndarray of str
        Conference (ISSCC or VLSI), paper number, the survey's architecture tags.
    year : ndarray of int
    bw_hz, sndr_db, power_w, fom_schreier_sndr_db : ndarray of float
        Bandwidth (Hz), SNDR (dB), power (W), Schreier FoM on SNDR (dB).
    dr_db, area_mm2 : ndarray of float
        Dynamic range (dB) and area (mm^2); NaN where the paper gives none.
    is_ctdsm : ndarray of bool
        Continuous-time delta-sigma converters (architecture tag ``SDCT``).
    """

    venue: np.ndarray
    year: np.ndarray
    id: np.ndarray
    architecture: np.ndarray
    bw_hz: np.ndarray
    sndr_db: np.ndarray
    dr_db: np.ndarray
    power_w: np.ndarray
    fom_schreier_sndr_db: np.ndarray
    area_mm2: np.ndarray
    is_ctdsm: np.ndarray

    def __len__(self) -> int:
        return int(self.bw_hz.size)

    def find(self, venue: str, year: int, paper_id: str) -> np.ndarray:
        """Indices of the rows of a paper (``find("VLSI", 2019, "19.2")``)."""
        mask = (self.venue == venue) & (self.year == year) & (self.id == paper_id)
        return np.flatnonzero(mask)


@dataclass(frozen=True)
class SurveyPoint:
    """A converter to place on the survey: a design's modeled or measured numbers.

    Attributes
    ----------
    label : str
        Text written beside the star.
    bw_hz : float
        Signal bandwidth, Hz.
    sndr_db : float
        SNDR, dB.
    fom_schreier_sndr_db : float
        Schreier FoM on SNDR, dB (:meth:`from_power` computes it).
    """

    label: str
    bw_hz: float
    sndr_db: float
    fom_schreier_sndr_db: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.bw_hz) and self.bw_hz > 0):
            raise ArgumentError("bw_hz", f"must be finite and > 0, got {self.bw_hz!r}")
        for name in ("sndr_db", "fom_schreier_sndr_db"):
            if not math.isfinite(getattr(self, name)):
                raise ArgumentError(name, f"must be finite, got {getattr(self, name)!r}")

    @classmethod
    def from_power(cls, label: str, bw_hz: float, sndr_db: float, power_w: float) -> SurveyPoint:
        """A point whose FoM is :func:`fom_schreier_db` of its SNDR, bandwidth and power."""
        return cls(label, bw_hz, sndr_db, fom_schreier_db(sndr_db, bw_hz, power_w))


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _parse(text: str) -> SurveyTable:
    rows = list(csv.DictReader(io.StringIO(text)))
    cols: dict[str, np.ndarray] = {
        key: np.array([float(r[key]) if r[key] else np.nan for r in rows], dtype=float)
        for key in _FLOAT_COLUMNS
    }
    for key in ("venue", "id", "architecture"):
        cols[key] = np.array([r[key] for r in rows], dtype=str)
    cols["year"] = np.array([int(r["year"]) for r in rows], dtype=int)
    cols["is_ctdsm"] = np.array([r["is_ctdsm"] == "1" for r in rows], dtype=bool)
    return SurveyTable(**{k: _read_only(v) for k, v in cols.items()})


@cache
def load_survey() -> SurveyTable:
    """The survey extract shipped with ctdsm (``ctdsm/data/adc_survey.csv``), read once.

    Returns
    -------
    SurveyTable
    """
    resource = importlib.resources.files("ctdsm").joinpath("data", SURVEY_FILE)
    return _parse(resource.read_text(encoding="utf-8"))


def _panel(
    ax: Any, table: SurveyTable, y: np.ndarray, points: Sequence[SurveyPoint], key: str
) -> None:
    """One panel: the survey's ``y`` versus bandwidth, CT delta-sigma highlighted, points."""
    ct = table.is_ctdsm
    ax.scatter(
        table.bw_hz[~ct],
        y[~ct],
        label=f"ADCs, ISSCC/VLSI ({int(np.count_nonzero(~ct))})",
        gid="survey-other",
        zorder=2,
        **_OTHER_STYLE,
    )
    ax.scatter(
        table.bw_hz[ct],
        y[ct],
        label=f"CT delta-sigma ({int(np.count_nonzero(ct))})",
        gid="survey-ctdsm",
        zorder=3,
        **_CTDSM_STYLE,
    )
    for i, p in enumerate(points):
        value = getattr(p, key)
        color = _POINT_COLORS[i % len(_POINT_COLORS)]
        ax.plot(
            [p.bw_hz],
            [value],
            ls="none",
            marker="*",
            ms=18,
            color=color,
            mec="k",
            mew=0.8,
            label=p.label,
            gid=f"point:{p.label}",
            zorder=5,
        )
        ax.annotate(
            p.label,
            (p.bw_hz, value),
            xytext=(9, 7),
            textcoords="offset points",
            fontsize=8,
            fontweight="bold",
            color=color,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            zorder=6,
        )
    ax.set_xscale("log")
    ax.set_xlabel("bandwidth (Hz)")
    ax.grid(True, which="major", lw=0.4, alpha=0.6)


def survey_figure(
    points: Sequence[SurveyPoint] = (), *, table: SurveyTable | None = None
) -> Figure:
    """Designs placed on the ADC survey: Schreier FoM and SNDR versus bandwidth.

    Left panel: Schreier FoM on SNDR versus bandwidth; right panel: SNDR versus bandwidth
    (log bandwidth axes). Every survey converter is a grey dot, continuous-time delta-sigma
    converters blue triangles, each point a large star labelled with its ``label``.

    Parameters
    ----------
    points : sequence of SurveyPoint
        The converters to place (may be empty).
    table : SurveyTable, optional
        The survey; :func:`load_survey` when omitted.

    Returns
    -------
    Figure
        Two axes (FoM, SNDR); survey series carry the gids ``survey-other`` and
        ``survey-ctdsm``, a point's star ``point:<label>``.
    """
    table = load_survey() if table is None else table
    fig = Figure(figsize=(11, 4.8))
    ax_fom, ax_sndr = fig.subplots(1, 2)
    _panel(ax_fom, table, table.fom_schreier_sndr_db, points, "fom_schreier_sndr_db")
    _panel(ax_sndr, table, table.sndr_db, points, "sndr_db")
    ax_fom.set_ylabel("Schreier FoM, SNDR + 10 log10(BW/P) (dB)")
    ax_fom.set_title("Schreier FoM (SNDR) vs bandwidth", fontsize=10)
    ax_sndr.set_ylabel("SNDR (dB)")
    ax_sndr.set_title("SNDR vs bandwidth", fontsize=10)
    ax_fom.legend(loc="lower left", fontsize=7, markerscale=0.7)
    n_ct = int(np.count_nonzero(table.is_ctdsm))
    fig.text(
        0.5,
        0.012,
        f"Data: {SURVEY_CITATION}, ISSCC and VLSI Symposium papers "
        f"({len(table)} converters, {n_ct} CT delta-sigma); "
        "https://github.com/bmurmann/ADC-survey",
        ha="center",
        va="bottom",
        fontsize=7,
        color="0.3",
    )
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig
