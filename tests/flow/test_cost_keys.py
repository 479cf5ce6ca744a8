"""design.json carries power, area and the figures of merit (issue 16, point 3): finite,
positive, and each breakdown sums to its total."""

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from ctdsm.cli import main

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = sorted(p.name for p in (ROOT / "designs").glob("*.yaml"))
KEYS = ("power_w", "area_mm2", "fom_schreier_sndr_db", "fom_schreier_dr_db", "fom_walden_j")


def _check(d: dict) -> None:
    for k in KEYS:
        assert isinstance(d[k], float) and math.isfinite(d[k]) and d[k] > 0, k
    for total, parts in (("power_w", "power_breakdown_w"), ("area_mm2", "area_breakdown_mm2")):
        values = d[parts].values()
        assert all(math.isfinite(v) and v >= 0 for v in values), parts
        assert sum(values) == pytest.approx(d[total], rel=1e-12), parts
    # FoM_S from its definition, on the design's own predicted SNDR and DR
    p, bw = d["power_w"], d["bw_hz"]
    assert d["fom_schreier_sndr_db"] == pytest.approx(
        d["predicted_sndr_db"] + 10 * math.log10(bw / p)
    )
    assert d["fom_schreier_dr_db"] - d["fom_schreier_sndr_db"] == pytest.approx(
        d["predicted_dr_db"] - d["predicted_sndr_db"]
    )


def _synth(tmp_path: Path, name: str) -> dict:
    out = tmp_path / name
    res = CliRunner().invoke(main, ["synth", str(ROOT / "designs" / name), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return json.loads((out / "design.json").read_text())


@pytest.mark.timeout(300)
def test_seed_design_json_has_cost_and_fom(tmp_path):
    _check(_synth(tmp_path, "singlebit.yaml"))


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", DESIGNS)
def test_every_committed_design_has_cost_and_fom(tmp_path, name):
    _check(_synth(tmp_path, name))
