"""The ``ctdsm sweep`` verb end to end: files, contents, one-line errors, no partial output,
clean Ctrl-C."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ctdsm.cli import main
from tests.interrupt import interrupt_after_first_line

ROOT = Path(__file__).resolve().parents[1]


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "ctdsm", "sweep", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CTDSM_DEBUG", None)
    return env


def test_sweep_writes_csv_json_png(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        _cmd(
            "designs/singlebit.yaml", "-o", str(out), "--axis", "amplitude_dbfs=-20:-10:10",
            "--axis", "process.corner=typical,ss", "--mc", "2", "--samples", "4096",
            "--workers", "2", "--seed", "3",
        ),
        capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "run.json",
        "sweep.csv",
        "sweep.json",
        "sweep.png",
    ]
    data = json.loads((out / "sweep.json").read_text())
    assert data["meta"]["workers"] == 2 and data["meta"]["seed"] == 3
    assert data["axes"] == [
        {"key": "amplitude_dbfs", "values": [-20, -10]},
        {"key": "process.corner", "values": ["typical", "ss"]},
    ]
    assert len(data["rows"]) == 8 and len(data["summary"]) == 4
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert [r["process.corner"] for r in rows[:4]] == ["typical", "typical", "ss", "ss"]
    for r, j in zip(rows, data["rows"], strict=True):
        assert (float(r["sndr_db"]) if r["sndr_db"] else None) == j["sndr_db"]
    # The behavioral engine does not model corners: said once, and visible in the table.
    assert "note: process.corner does not change the behavioral engine" in proc.stdout
    assert [r["sndr_db"] for r in data["rows"][:2]] == [r["sndr_db"] for r in data["rows"][2:4]]
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert "amplitude_dbfs=-20.0, process.corner=typical: SNDR" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--axis", "dac.typo=1,2"], "error: --axis dac.typo=1: dac.typo: unknown key"),
        (["--axis", "amplitude_dbfs=-6:0:0"], "error: --axis amplitude_dbfs: range step must"),
        (["--axis", "seed=1,2", "--mc", "3"], "error: --mc: not with a seed axis"),
        ([], "error: --axis: give at least one --axis or --mc N"),
        (["--mc", "2", "--workers", "2", "--scheduler", "tcp://h:1"], "error: --workers: not"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["sweep", "designs/singlebit.yaml", "-o", str(out), *args])
    assert res.exit_code == 2, res.output
    assert res.output.startswith(message)
    assert len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_unreachable_scheduler(tmp_path, monkeypatch):
    from ctdsm.sweeps.backends import DaskBackend

    pytest.importorskip("distributed")
    monkeypatch.setattr(DaskBackend, "DEFAULT_TIMEOUT_S", 1.0)
    out = tmp_path / "out"
    args = ["sweep", "designs/singlebit.yaml", "-o", str(out), "--mc", "2", "-q"]
    res = CliRunner().invoke(main, [*args, "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 1  # a well-formed address nobody serves: the environment
    assert res.output.startswith(
        "error: --scheduler tcp://127.0.0.1:1: no Dask scheduler reachable"
    )
    assert not out.exists()


def test_ctrl_c_cancels_cleanly(tmp_path):
    out = tmp_path / "out"
    first, status, err = interrupt_after_first_line(
        _cmd("designs/singlebit.yaml", "-o", str(out), "--mc", "2000", "--workers", "2"),
        ROOT,
        _env(),
    )
    assert first == "2000 runs"  # validated; workers starting
    assert status == 130
    assert err.strip().splitlines()[-1] == "interrupted; no output was written"
    assert "Traceback" not in err
    assert not out.exists()
