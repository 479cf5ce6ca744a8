"""ctdsm.reporting.survey: the shipped extract of B. Murmann's ADC survey (rows, the 2019
chip, licence, regeneration), the Schreier FoM, and the survey figure."""

from __future__ import annotations

import csv
import fnmatch
import importlib.resources
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from ctdsm.errors import ArgumentError
from ctdsm.reporting.figures import save_png
from ctdsm.reporting.survey import (
    SURVEY_CITATION,
    SurveyPoint,
    SurveyTable,
    fom_schreier_db,
    load_survey,
    survey_figure,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "ctdsm" / "data"
SHARED = ROOT.parent / "shared" / "data" / "adc-survey"
SHARED_CSV = SHARED / "survey_isscc_vlsi.csv"
SCRIPT = ROOT / "docs" / "scripts" / "make_survey_extract.py"
SHIPPED = ("adc_survey.csv", "ADC_SURVEY_LICENSE", "ADC_SURVEY_README.md")

needs_shared = pytest.mark.skipif(
    not SHARED_CSV.is_file(), reason=f"{SHARED_CSV} (the full survey) is not present"
)


def _resource(name: str) -> str:
    return importlib.resources.files("ctdsm").joinpath("data", name).read_text(encoding="utf-8")


def test_load_survey_is_a_cached_read_only_table():
    t = load_survey()
    assert isinstance(t, SurveyTable)
    assert load_survey() is t
    n = len(t)
    assert n > 500
    for name in ("venue", "year", "id", "bw_hz", "sndr_db", "fom_schreier_sndr_db", "is_ctdsm"):
        a = getattr(t, name)
        assert a.shape == (n,) and not a.flags.writeable, name
    assert t.is_ctdsm.dtype == bool and 50 < np.count_nonzero(t.is_ctdsm) < n
    for name in ("bw_hz", "sndr_db", "power_w", "fom_schreier_sndr_db"):
        assert np.all(np.isfinite(getattr(t, name))), name
    assert np.all(t.bw_hz > 0) and np.all(t.power_w > 0)
    assert np.any(np.isnan(t.dr_db)) and np.any(np.isfinite(t.dr_db))
    # The survey's FoM column is SNDR + 10 log10(BW/P), to the printed precision.
    fom = t.sndr_db + 10 * np.log10(t.bw_hz / t.power_w)
    assert np.max(np.abs(fom - t.fom_schreier_sndr_db)) < 0.01


def test_the_2019_chip_is_in_the_extract():
    t = load_survey()
    (i,) = t.find("VLSI", 2019, "19.2")
    assert t.is_ctdsm[i]
    assert t.fom_schreier_sndr_db[i] == pytest.approx(173.7, abs=0.1)
    assert (t.bw_hz[i], t.sndr_db[i], t.dr_db[i]) == (250e3, 103.5, 107.5)
    assert (t.power_w[i], t.area_mm2[i]) == (24e-3, 2.85)


def test_fom_schreier_against_the_2019_chip():
    t = load_survey()
    (i,) = t.find("VLSI", 2019, "19.2")
    fom = fom_schreier_db(103.5, 250e3, 24e-3)
    assert fom == pytest.approx(173.7, abs=0.05)
    assert fom == pytest.approx(t.fom_schreier_sndr_db[i], abs=1e-3)
    assert fom_schreier_db(107.5, 250e3, 24e-3) == pytest.approx(fom + 4.0)  # on DR
    p = SurveyPoint.from_power("vlsi2019", 250e3, 103.5, 24e-3)
    assert p.fom_schreier_sndr_db == pytest.approx(fom)


@pytest.mark.parametrize(
    "args", [(100.0, 0.0, 1e-3), (100.0, 1e3, 0.0), (100.0, 1e3, -1.0), (float("nan"), 1e3, 1e-3)]
)
def test_fom_schreier_rejects_bad_arguments(args):
    with pytest.raises(ArgumentError):
        fom_schreier_db(*args)


def test_survey_point_rejects_a_bad_bandwidth():
    with pytest.raises(ArgumentError):
        SurveyPoint("x", 0.0, 100.0, 170.0)


@needs_shared
def test_extract_row_count_matches_the_full_survey():
    with SHARED_CSV.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    keep = [r for r in rows if all(r[c].strip() for c in ("SNDR_hf [dB]", "P [W]", "fsnyq [Hz]"))]
    t = load_survey()
    assert len(t) == len(keep)
    assert np.count_nonzero(t.is_ctdsm) == sum("SDCT" in r["ARCHITECTURE"] for r in keep)


@needs_shared
def test_the_script_reproduces_the_committed_extract(tmp_path):
    out = tmp_path / "data"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(SHARED_CSV), "--out-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    for name in SHIPPED:
        assert (out / name).read_bytes() == (DATA / name).read_bytes(), name


def test_licence_and_attribution_ship_with_the_package():
    licence = _resource("ADC_SURVEY_LICENSE")
    assert licence.startswith("BSD 3-Clause License\n\nCopyright (c) 2022, Boris Murmann")
    if (SHARED / "LICENSE").is_file():
        assert licence == (SHARED / "LICENSE").read_text(encoding="utf-8")
    readme = _resource("ADC_SURVEY_README.md")
    for text in ("B. Murmann", "1997-2025", "2025-06-09", "BSD 3-Clause",
                 "https://github.com/bmurmann/ADC-survey", "make_survey_extract.py"):  # fmt: skip
        assert text in readme, text
    # pyproject's package-data globs take every shipped data file into the wheel.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["ctdsm"]
    for name in SHIPPED:
        assert any(fnmatch.fnmatch(f"data/{name}", g) for g in globs), name


def _collection(ax, gid: str):
    (found,) = [c for c in ax.collections if c.get_gid() == gid]
    return found


def test_survey_figure_places_points_on_both_panels():
    t = load_survey()
    points = [
        SurveyPoint.from_power("vlsi2019", 250e3, 103.5, 24e-3),
        SurveyPoint("isscc2016", 24e3, 98.5, 177.8),
    ]
    fig = survey_figure(points)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    ax_fom, ax_sndr = fig.axes
    for ax, y in ((ax_fom, t.fom_schreier_sndr_db), (ax_sndr, t.sndr_db)):
        assert ax.get_xscale() == "log"
        assert "bandwidth" in ax.get_xlabel() and "(Hz)" in ax.get_xlabel()
        ct = _collection(ax, "survey-ctdsm").get_offsets()
        other = _collection(ax, "survey-other").get_offsets()
        assert len(ct) == np.count_nonzero(t.is_ctdsm) > 0
        assert len(ct) + len(other) == len(t)
        np.testing.assert_allclose(np.asarray(ct)[:, 1], y[t.is_ctdsm])
        for p in points:
            (star,) = [ln for ln in ax.get_lines() if ln.get_gid() == f"point:{p.label}"]
            assert star.get_marker() == "*"
            value = p.fom_schreier_sndr_db if ax is ax_fom else p.sndr_db
            assert (star.get_xdata()[0], star.get_ydata()[0]) == (p.bw_hz, value)
            assert p.label in [a.get_text() for a in ax.texts]
    assert "FoM" in ax_fom.get_ylabel() and "SNDR" in ax_sndr.get_ylabel()
    assert any(SURVEY_CITATION in text.get_text() for text in fig.texts)
    labels = ax_fom.get_legend_handles_labels()[1]
    assert any("CT delta-sigma" in label for label in labels)


def test_survey_figure_without_points_renders(tmp_path):
    path = save_png(survey_figure(), tmp_path / "survey.png")
    assert path.stat().st_size > 10_000
