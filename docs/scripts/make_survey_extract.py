"""Write ctdsm/data/adc_survey.csv, the extract of B. Murmann's ADC survey the report plots.

Usage (from the repository root)::

    python docs/scripts/make_survey_extract.py [SURVEY_CSV] [--out-dir DIR]

``SURVEY_CSV`` defaults to ``../shared/data/adc-survey/survey_isscc_vlsi.csv`` relative to the
repository root (the ISSCC and VLSI rows of "ADC Performance Survey 1997-2025", revision
2025-06-09); its ``LICENSE`` must sit beside it. ``DIR`` defaults to ``ctdsm/data``. The
script writes three files there:

* ``adc_survey.csv``: one row per survey converter that has SNDR, power and Nyquist rate,
  in the survey's order, with the columns of :data:`COLUMNS`; numbers printed with six
  significant digits, so the same input gives the same bytes;
* ``ADC_SURVEY_LICENSE``: the survey's BSD 3-Clause licence, copied verbatim;
* ``ADC_SURVEY_README.md``: attribution, what was extracted and how to regenerate it.

Standard library only (csv), so it runs without the package installed.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SURVEY = ROOT / ".." / "shared" / "data" / "adc-survey" / "survey_isscc_vlsi.csv"
DEFAULT_OUT = ROOT / "ctdsm" / "data"
EXTRACT_NAME = "adc_survey.csv"
LICENSE_NAME = "ADC_SURVEY_LICENSE"
README_NAME = "ADC_SURVEY_README.md"

#: Extract columns, in order. The package's reader (ctdsm/reporting/survey.py) reads them by
#: name; they are not imported from it so that this script stays standard-library only, and
#: tests/reporting/test_survey.py regenerates the extract and compares it byte for byte.
COLUMNS = (
    "venue",
    "year",
    "id",
    "architecture",
    "bw_hz",
    "sndr_db",
    "dr_db",
    "power_w",
    "fom_schreier_sndr_db",
    "area_mm2",
    "is_ctdsm",
)
#: Survey columns the extract reads.
SOURCE = {
    "venue": "VENUE",
    "year": "YEAR",
    "id": "ID",
    "architecture": "ARCHITECTURE",
    "fsnyq": "fsnyq [Hz]",
    "sndr_db": "SNDR_hf [dB]",
    "dr_db": "DR [dB]",
    "power_w": "P [W]",
    "fom_schreier_sndr_db": "FOMS_hf [dB]",
    "area_mm2": "AREA [mm^2]",
}
#: An architecture containing this tag is a continuous-time delta-sigma converter.
CTDSM_TAG = "SDCT"
#: Rows lacking any of these survey columns are dropped (nothing to plot).
REQUIRED = ("SNDR_hf [dB]", "P [W]", "fsnyq [Hz]")


def _num(text: str) -> str:
    """A survey number printed with six significant digits ('' stays '')."""
    text = text.strip()
    return "" if not text else f"{float(text):.6g}"


def read_survey(path: Path) -> tuple[list[dict[str, str]], int]:
    """The extract's rows from the survey CSV, and the number of survey rows read."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    missing = [c for c in SOURCE.values() if rows and c not in rows[0]]
    if missing:
        raise SystemExit(f"{path}: missing columns {missing}")
    out = []
    for r in rows:
        if any(not r[c].strip() for c in REQUIRED):
            continue
        out.append(
            {
                "venue": r[SOURCE["venue"]].strip(),
                "year": str(int(float(r[SOURCE["year"]]))),
                "id": r[SOURCE["id"]].strip(),
                "architecture": r[SOURCE["architecture"]].strip(),
                "bw_hz": f"{float(r[SOURCE['fsnyq']]) / 2:.6g}",
                "sndr_db": _num(r[SOURCE["sndr_db"]]),
                "dr_db": _num(r[SOURCE["dr_db"]]),
                "power_w": _num(r[SOURCE["power_w"]]),
                "fom_schreier_sndr_db": _num(r[SOURCE["fom_schreier_sndr_db"]]),
                "area_mm2": _num(r[SOURCE["area_mm2"]]),
                "is_ctdsm": "1" if CTDSM_TAG in r[SOURCE["architecture"]] else "0",
            }
        )
    return out, len(rows)


def extract_text(rows: list[dict[str, str]]) -> str:
    """The extract CSV as text (``\\n`` line ends, minimal quoting)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def readme_text(rows: list[dict[str, str]], n_read: int) -> str:
    """ADC_SURVEY_README.md: attribution, contents and how to regenerate."""
    n_ct = sum(r["is_ctdsm"] == "1" for r in rows)
    years = sorted({int(r["year"]) for r in rows})
    return f"""# ADC performance survey extract

`{EXTRACT_NAME}` is an extract of

> B. Murmann, "ADC Performance Survey 1997-2025," revision 2025-06-09. [Online].
> Available: https://github.com/bmurmann/ADC-survey

distributed under the BSD 3-Clause licence, whose text is in `{LICENSE_NAME}` (copied
verbatim; it must accompany any copy of this extract). Copyright (c) 2022, Boris Murmann.
ctdsm plots it to place a design among published converters (`ctdsm.reporting.survey`).

## What was extracted

The ISSCC and VLSI Symposium rows of the survey ({n_read} rows) that report SNDR, power and
Nyquist rate: {len(rows)} rows, {years[0]}-{years[-1]}, of which {n_ct} are continuous-time
delta-sigma converters. Rows keep the survey's order. Columns:

| column | survey column | meaning |
|---|---|---|
| `venue` | `VENUE` | ISSCC or VLSI |
| `year` | `YEAR` | year of the paper |
| `id` | `ID` | paper number at the conference |
| `architecture` | `ARCHITECTURE` | the survey's architecture tags |
| `bw_hz` | `fsnyq [Hz]` / 2 | signal bandwidth, Hz |
| `sndr_db` | `SNDR_hf [dB]` | SNDR (high-frequency input), dB |
| `dr_db` | `DR [dB]` | dynamic range, dB (empty when not reported) |
| `power_w` | `P [W]` | power, W |
| `fom_schreier_sndr_db` | `FOMS_hf [dB]` | Schreier FoM, SNDR + 10 log10(bw / P), dB |
| `area_mm2` | `AREA [mm^2]` | area, mm^2 (empty when not reported) |
| `is_ctdsm` | `ARCHITECTURE` contains `{CTDSM_TAG}` | 1 for continuous-time delta-sigma |

Numbers are printed with six significant digits. Titles, authors, DOIs and the other
columns are not copied: find them in the survey by venue, year and id.

## Regenerating

From the repository root, with the survey's CSV export (`survey_isscc_vlsi.csv`, its
`LICENSE` beside it) in `../shared/data/adc-survey/`:

    python docs/scripts/make_survey_extract.py [path/to/survey_isscc_vlsi.csv]

The script (standard library only) rewrites `{EXTRACT_NAME}`, `{LICENSE_NAME}` and this file;
the same input gives the same bytes (tests/reporting/test_survey.py checks it).
"""


def write_extract(survey: Path, out_dir: Path) -> tuple[int, int]:
    """Write the extract, licence and README into ``out_dir``; (rows, CT delta-sigma rows)."""
    rows, n_read = read_survey(survey)
    licence = survey.parent / "LICENSE"
    if not licence.is_file():
        raise SystemExit(f"{licence}: the survey's licence is missing; it must ship with it")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / EXTRACT_NAME).write_bytes(extract_text(rows).encode("utf-8"))
    (out_dir / LICENSE_NAME).write_bytes(licence.read_bytes())
    (out_dir / README_NAME).write_bytes(readme_text(rows, n_read).encode("utf-8"))
    return len(rows), sum(r["is_ctdsm"] == "1" for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("survey", nargs="?", type=Path, default=DEFAULT_SURVEY)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.survey.is_file():
        print(f"{args.survey}: no such file", file=sys.stderr)
        return 2
    n, n_ct = write_extract(args.survey, args.out_dir)
    print(f"wrote {args.out_dir / EXTRACT_NAME}: {n} rows, {n_ct} CT delta-sigma")
    return 0


if __name__ == "__main__":
    sys.exit(main())
