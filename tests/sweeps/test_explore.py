"""``ctdsm explore``: the Pareto front and the best-point rule on hand-made rows, a small grid
end to end (infeasible rows, files, best.yaml accepted by ``ctdsm synth``), one-line errors,
and (slow) the same rows on local processes and on a Dask LocalCluster."""

import csv
import json
import math
import os
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ctdsm.cli import main
from ctdsm.design.spec import load_spec
from ctdsm.errors import CtdsmError
from ctdsm.sweeps.axes import SweepAxis
from ctdsm.sweeps.explore import (
    COLUMNS,
    ExploreResult,
    best_index,
    explore,
    pareto_front,
    parse_amplitudes,
)
from tests.interrupt import interrupt_after_first_line

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "designs" / "singlebit.yaml")
#: A short amplitude sweep: the default tier's points cost a synthesis and five short runs.
AMPS = "-80,-40,-10,-6,-4"


# --------------------------------------------------------------------------- Pareto, best


@pytest.mark.parametrize(
    ("points", "front"),
    [
        # power up, SNDR up: every point is a trade-off
        ([(1.0, 90.0), (2.0, 95.0), (4.0, 100.0)], [True, True, True]),
        # (2, 92) is dominated by (1, 95): lower power and higher SNDR
        ([(1.0, 95.0), (2.0, 92.0), (3.0, 99.0)], [True, False, True]),
        # equal power, lower SNDR: dominated (one strict is enough)
        ([(1.0, 95.0), (1.0, 94.0)], [True, False]),
        # equal SNDR, higher power: dominated
        ([(1.0, 95.0), (2.0, 95.0)], [True, False]),
        # identical points dominate neither: both on the front
        ([(1.0, 95.0), (1.0, 95.0), (3.0, 90.0)], [True, True, False]),
        # points without a value are never on it, and dominate nothing
        ([(None, None), (2.0, None), (3.0, 80.0)], [False, False, True]),
        ([], []),
    ],
)
def test_pareto_front_hand_cases(points, front):
    assert pareto_front(points) == front


def _row(i, power, sndr, target=100.0, feasible=True, **axes):
    row = {"index": i, **axes} | dict.fromkeys(COLUMNS)
    meets = feasible and sndr is not None and sndr >= target
    row |= {"feasible": feasible, "power_w": power, "sndr_db": sndr, "dr_db": sndr}
    row |= {"area_mm2": 1.0, "target_sndr_db": target, "meets_target": meets}
    row |= {"error": None if feasible else "target.sndr_db: peak SQNR too low"}
    return row


def test_best_is_the_minimum_power_point_meeting_its_target():
    rows = [
        _row(0, 3.0, 104.0),
        _row(1, 1.0, 99.0),  # cheapest, but below the target
        _row(2, 2.0, 100.0),  # the choice: meets 100 dB exactly
        _row(3, 2.0, 100.0),  # same power and SNDR, later: not chosen
        _row(4, None, None, feasible=False),
    ]
    assert best_index(rows) == 2
    # A tie in power goes to the higher SNDR.
    assert best_index([*rows, _row(5, 2.0, 101.0)]) == 5
    assert best_index([rows[1], rows[4]]) is None


def _result(rows, axis_values=(64, 128, 256, 32)):
    base = load_spec(SPEC, ())
    axes = (SweepAxis("architecture.osr", axis_values[: len(rows)]),)
    rows = [r | {"architecture.osr": axis_values[r["index"]]} for r in rows]
    flags = pareto_front([(r["power_w"], r["sndr_db"]) for r in rows])
    rows = tuple(r | {"pareto": f} for r, f in zip(rows, flags, strict=True))
    meta = {"name": "singlebit", "target_sndr_db": 100.0, "source": SPEC, "seed": 1}
    return ExploreResult(base, axes, rows, meta | {"n_samples": 4096, "spec_sha256": "x"})


def test_result_files_with_and_without_a_point_meeting_the_target():
    res = _result([_row(0, 3.0, 104.0), _row(1, 1.0, 101.0), _row(2, 2.0, 99.0)])
    assert [r["pareto"] for r in res.rows] == [True, True, False]
    assert res.best()["index"] == 1
    spec = res.best_spec()
    assert spec.architecture.osr == 128 and spec.name == "singlebit"
    text = res.best_yaml()
    assert text.startswith("# The chosen design of `ctdsm explore`")
    assert "# Point 1 of 3: architecture.osr=128" in text
    assert yaml.safe_load(text) == spec.to_dict()
    files = res.files()
    assert sorted(files) == ["best.yaml", "explore.csv", "pareto.png"]
    assert files["pareto.png"][:4] == b"\x89PNG"
    rows = list(csv.DictReader(files["explore.csv"].decode().splitlines()))
    assert [r["pareto"] for r in rows] == ["true", "true", "false"]
    assert list(rows[0])[:3] == ["index", "architecture.osr", "feasible"]
    assert res.summary_lines()[1].startswith("best: architecture.osr=128: SNDR 101.0 dB")

    none = _result([_row(0, 3.0, 98.0), _row(1, None, None, feasible=False)])
    assert none.best() is None and none.best_spec() is None and none.best_yaml() is None
    assert sorted(none.files()) == ["explore.csv", "pareto.png"]
    assert none.summary_lines()[1] == (
        "no point meets target.sndr_db 100 dB (best: 98.0 dB at architecture.osr=64); no best.yaml"
    )


def test_parse_amplitudes():
    assert parse_amplitudes("-80:0:40") == [-80.0, -40.0, 0.0]
    assert parse_amplitudes("-6,-3") == [-6.0, -3.0]
    for bad, msg in [("-6,x", "'x' is not an amplitude"), ("3", "3 is not an amplitude")]:
        with pytest.raises(CtdsmError, match=msg):
            parse_amplitudes(bad)


# --------------------------------------------------------------------------- end to end


def test_explore_small_grid_end_to_end(tmp_path):
    """4 points in this process: OSR 32 is infeasible (2 rows), 2 are simulated."""
    out = tmp_path / "x"
    t0 = time.perf_counter()
    args = [
        "explore", SPEC, "-o", str(out), "--axis", "architecture.osr=32,128",
        "--axis", "sizing.thermal_fraction=0.3,0.7", "--set", "target.sndr_db=95",
        "--samples", "4096", f"--amplitudes={AMPS}", "--workers", "0",
    ]  # fmt: skip
    res = CliRunner().invoke(main, args)
    wall = time.perf_counter() - t0
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "best.yaml",
        "explore.csv",
        "pareto.png",
        "run.json",
    ]
    rows = list(csv.DictReader((out / "explore.csv").open()))
    assert len(rows) == 4
    assert [r["architecture.osr"] for r in rows] == ["32", "32", "128", "128"]
    for r in rows[:2]:  # infeasible: a row, not a crash
        assert r["feasible"] == "false" and r["pareto"] == "false" and r["sndr_db"] == ""
        assert r["error"].startswith("target.sndr_db: peak SQNR")
    for r in rows[2:]:
        assert r["feasible"] == "true" and r["error"] == ""
        power, sndr = float(r["power_w"]), float(r["sndr_db"])
        assert power > 0 and float(r["area_mm2"]) > 0 and math.isfinite(float(r["dr_db"]))
        fom = sndr + 10 * math.log10(250e3 / power)
        assert float(r["fom_schreier_sndr_db"]) == pytest.approx(fom, abs=1e-9)
    pts = [
        (float(r["power_w"]), float(r["sndr_db"])) if r["sndr_db"] else (None, None) for r in rows
    ]
    assert [r["pareto"] == "true" for r in rows] == pareto_front(pts)
    # best.yaml: the cheapest row meeting 95 dB, a full spec that `ctdsm synth` accepts.
    meeting = [r for r in rows if r["meets_target"] == "true"]
    best = min(meeting, key=lambda r: float(r["power_w"]))
    spec = yaml.safe_load((out / "best.yaml").read_text())
    assert spec["architecture"]["osr"] == int(best["architecture.osr"])
    assert spec["sizing"]["thermal_fraction"] == float(best["sizing.thermal_fraction"])
    assert spec["target"]["sndr_db"] == 95
    run = json.loads((out / "run.json").read_text())["runs"]["explore"]
    assert run["points"] == 4 and run["best_point"] == int(best["index"])
    assert "4 points: 2 feasible" in res.output and "best: architecture.osr=" in res.output
    synth = CliRunner().invoke(main, ["synth", str(out / "best.yaml"), "-o", str(tmp_path / "s")])
    assert synth.exit_code == 0, synth.output
    design = json.loads((tmp_path / "s" / "design.json").read_text())
    assert design["power_w"] == pytest.approx(float(best["power_w"]), rel=1e-12)
    print(f"default-tier explore (4 points, 2 simulated, serial): {wall:.1f} s")


def test_no_point_meets_the_target_writes_no_best_yaml(tmp_path):
    out = tmp_path / "x"
    args = ["explore", SPEC, "-o", str(out), "--axis", "architecture.osr=16,32", "--workers", "0"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["explore.csv", "pareto.png", "run.json"]
    assert "no point meets target.sndr_db 104 dB (no feasible point has a stable" in res.output
    assert json.loads((out / "run.json").read_text())["runs"]["explore"]["best_point"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--axis", "dac.typo=1,2"], "error: --axis dac.typo=1: dac.typo: unknown key"),
        (["--axis", "amplitude_dbfs=-6,0"], "error: --axis amplitude_dbfs: not an explore axis"),
        (["--axis", "simulation.seed=1,2"], "error: --axis seed: not an explore axis"),
        (["--axis", "architecture.osr=64,abc"], "error: --axis architecture.osr=abc: "),
        ([], "error: --axis: give at least one --axis"),
        (["--axis", "architecture.osr=64", "--amplitudes", "1"], "error: --amplitudes: 1 "),
        (["--axis", "architecture.osr=64", "--workers", "1", "--scheduler", "h:1"], "error: --wo"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["explore", SPEC, "-o", str(out), *args])
    assert res.exit_code == 2, res.output
    assert res.output.startswith(message) and res.output.count("\n") == 1, res.output
    assert not out.exists()


# --------------------------------------------------------------------------- slow tier

#: 12 points: 2 OSRs x 3 noise splits x 2 orders.
GRID = {
    "architecture.osr": [64, 128],
    "sizing.thermal_fraction": [0.3, 0.5, 0.7],
    "architecture.order": [4, 5],
}


@pytest.fixture(scope="module")
def local_grid():
    t0 = time.perf_counter()
    res = explore(SPEC, GRID, n_samples=4096, workers=2, amplitudes_dbfs=parse_amplitudes(AMPS))
    print(f"12-point grid, 2 local workers: {time.perf_counter() - t0:.1f} s")
    return res


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_twelve_points_local(local_grid):
    assert len(local_grid.rows) == 12 and local_grid.meta["backend"] == "local"
    assert any(r["feasible"] for r in local_grid.rows)
    assert any(r["pareto"] for r in local_grid.rows)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_twelve_points_on_dask_match_local(local_grid):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        t0 = time.perf_counter()
        res = explore(
            SPEC,
            GRID,
            n_samples=4096,
            scheduler=cluster.scheduler_address,
            amplitudes_dbfs=parse_amplitudes(AMPS),
        )
        print(f"12-point grid, Dask LocalCluster (2 workers): {time.perf_counter() - t0:.1f} s")
    assert res.meta["backend"] == "dask" and res.meta["workers"] == 2
    assert res.results() == local_grid.results()


def test_ctrl_c_cancels_cleanly(tmp_path):
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "CTDSM_DEBUG"}
    env["PYTHONPATH"] = str(ROOT)
    args = [
        sys.executable, "-m", "ctdsm", "explore", SPEC, "-o", str(out),
        "--axis", "sizing.thermal_fraction=0.1:0.7:0.01", "--axis", "architecture.osr=64,128",
        "--workers", "2",
    ]  # fmt: skip
    first, status, err = interrupt_after_first_line(args, ROOT, env)
    assert first == "122 design points"  # validated
    assert status == 130
    assert err.strip().splitlines()[-1] == "interrupted; no output was written"
    assert "Traceback" not in err
    assert not out.exists()
