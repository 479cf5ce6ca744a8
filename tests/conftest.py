from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESIGNS = ROOT / "designs"


@pytest.fixture
def designs_dir() -> Path:
    return DESIGNS


# Property tests draw their examples from a fixed seed: a CI run is reproducible, and a
# failure found once is found again.
from hypothesis import settings  # noqa: E402

settings.register_profile("ctdsm", derandomize=True, database=None)
settings.load_profile("ctdsm")


# -- ctdsm report (tests/reporting/test_report.py, tests/reporting/test_report_browser.py) -------
#: Main-run length of the test reports: the report's structure, not its numbers, is tested.
REPORT_TEST_SAMPLES = 4096


def fake_spice_dir(design, path: Path) -> Path:
    """A ``ctdsm spice``-like directory whose spice.npz holds two *behavioral* runs (seeds 5
    and 6) standing in for ngspice: only the report's handling of the file is under test."""
    import io
    import json

    import numpy as np

    import ctdsm

    a = ctdsm.simulate(design, REPORT_TEST_SAMPLES, None, "ideal", 5)
    b = ctdsm.simulate(design, REPORT_TEST_SAMPLES, None, "default", 6)
    path.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez(
        buf, v_spice=a.v, v_behavioral=b.v, fs_hz=a.fs_hz, fin_hz=a.fin_hz, bw_hz=a.bw_hz,
        levels=a.levels,
    )  # fmt: skip
    (path / "spice.npz").write_bytes(buf.getvalue())
    (path / "metrics.json").write_text(json.dumps({"engine": "ngspice", "pdk": "generic180"}))
    return path


@pytest.fixture(scope="session")
def short_report(tmp_path_factory):
    """One short report of the single-bit seed design, with a synthetic spice run, built once
    per session: ``(design, ReportData, spice_dir)``. Tests write it with ``report()`` and
    ``ctdsm.reporting.compute.build_report`` patched to return it."""
    import ctdsm
    from ctdsm.reporting import build_report, load_spice

    design = ctdsm.synthesize(ctdsm.load_spec(DESIGNS / "singlebit.yaml"))
    sp = fake_spice_dir(design, tmp_path_factory.mktemp("spice") / "sp")
    data = build_report(design, n_samples=REPORT_TEST_SAMPLES, seed=3, spice=load_spice(sp))
    return design, data, sp
