"""``target.allow_infeasible`` with an automatic architecture.

When no order/OSR/levels of the automatic search reaches ``target.sndr_db`` plus the
margin, synthesis is refused with a :class:`SynthesisError` naming ``target.sndr_db``;
with ``target.allow_infeasible`` the candidate with the highest predicted SQNR is kept and
the miss is reported in ``design.warnings`` (and so in ``design.json`` and on stderr).
"""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import ctdsm
from ctdsm.cli import main
from ctdsm.errors import SynthesisError

ROOT = Path(__file__).resolve().parents[2]
AUTO = ROOT / "designs" / "auto.yaml"
#: Order automatic, OSR 8 and a single-bit quantizer: far from the 100 dB target, and quick.
WEAK_AUTO = ["architecture.osr=8", "architecture.levels=2"]
ALLOW = "target.allow_infeasible=true"


def _predicted(entry: dict) -> float:
    """Predicted SQNR of a search-log entry: simulated where it was, else linear."""
    return entry.get("simulated_peak_sqnr_db", entry["linear_sqnr_db"])


@pytest.fixture(scope="module")
def kept() -> ctdsm.Design:
    return ctdsm.synthesize(ctdsm.load_spec(AUTO, [*WEAK_AUTO, ALLOW]))


def test_unreachable_auto_target_is_refused_naming_the_target():
    spec = ctdsm.load_spec(AUTO, WEAK_AUTO)
    assert spec.architecture.order == "auto"
    with pytest.raises(SynthesisError) as info:
        ctdsm.synthesize(spec)
    msg = str(info.value)
    assert msg.startswith("target.sndr_db: no order/OSR/levels in the search space reaches 110 dB")
    assert "the best is order " in msg and ", OSR 8, 2 levels (predicted SQNR " in msg
    assert "target.allow_infeasible: true" in msg


def test_allow_infeasible_keeps_the_best_candidate_with_a_warning(kept):
    assert kept.osr == 8.0 and kept.levels == 2
    # The kept architecture is the one with the highest predicted SQNR of the search.
    best = max(kept.selection, key=_predicted)
    assert (kept.order, kept.osr, kept.levels) == (best["order"], best["osr"], best["levels"])
    # Process-bound warnings (sizing.bounds: warn) follow the target's two.
    targets = [w for w in kept.warnings if not w.startswith("sizing.bounds: ")]
    assert len(targets) == 2 and kept.warnings[:2] == tuple(targets)
    search, peak = targets
    assert search.startswith("target.sndr_db: no order/OSR/levels in the search space reaches")
    assert f"kept the best, order {kept.order}, OSR 8, 2 levels (predicted SQNR " in search
    assert peak == (
        f"target.sndr_db: peak SQNR {kept.peak_sqnr_db:.1f} dB is below the 100 dB target"
    )
    assert kept.peak_sqnr_db < 100.0
    assert kept.to_dict()["warnings"] == list(kept.warnings)


def test_allow_infeasible_auto_through_the_cli(tmp_path):
    args = ["synth", str(AUTO), "-o", str(tmp_path), "-q"]
    for override in (*WEAK_AUTO, ALLOW):
        args += ["--set", override]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    lines = [
        line
        for line in result.stderr.strip().splitlines()
        if not line.startswith("warning: sizing.bounds: ")  # process bounds, also warned
    ]
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("warning: target.sndr_db: no order/OSR/levels")
    assert lines[1].startswith("warning: target.sndr_db: peak SQNR ")
    data = json.loads((tmp_path / "design.json").read_text())
    assert len([w for w in data["warnings"] if w.startswith("target.")]) == 2
    assert data["spec"]["target"]["allow_infeasible"] is True


def test_allow_infeasible_does_not_waive_the_component_limits():
    # 190 dB: the search keeps its best candidate, but sizing for 190 dB needs capacitors
    # far beyond any circuit, and those are still refused (allow_infeasible is about SQNR).
    spec = ctdsm.load_spec(AUTO, ["target.sndr_db=190", "architecture.levels=2", ALLOW])
    with pytest.raises(SynthesisError, match="^sizing: integrating capacitor C1 = "):
        ctdsm.synthesize(spec)
