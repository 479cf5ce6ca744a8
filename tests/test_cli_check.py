"""ctdsm check: the bounds table, its exit status and check.json."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.flow.test_full_scale_auto import QUICK

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(120)


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("CTDSM_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "ctdsm", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=110)  # fmt: skip


@pytest.fixture
def quick_spec(tmp_path):
    path = tmp_path / "quick.yaml"
    path.write_text(yaml.safe_dump(QUICK))
    return str(path)


def test_check_lists_every_bound_and_writes_check_json(quick_spec, tmp_path):
    out = tmp_path / "out"
    proc = _run("check", quick_spec, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["bound", "value", "limit", "margin"]
    assert lines[1].split()[:5] == ["full_scale", "1.2", "V", "<=", "1.2"]
    assert any(line.startswith("C_total") for line in lines)
    assert any(line.startswith("dac_total_current") for line in lines)
    assert lines[-1].startswith("0 of ") and "bounds violated (generic180, quick)" in lines[-1]
    assert "VIOLATED" not in proc.stdout
    data = json.loads((out / "check.json").read_text())
    assert data["violated"] == 0 and data["full_scale_v"] == 1.2
    assert data["full_scale"]["requested"] == "auto"
    assert data["checks"][0]["name"] == "full_scale"
    assert len(data["checks"]) == len(lines) - 2
    assert "check" in json.loads((out / "run.json").read_text())["runs"]


def test_check_exit_status(quick_spec):
    over = ("--set", "target.full_scale_v=1.5", "--set", "sizing.bounds=strict")
    proc = _run("check", quick_spec, *over)  # strict in the spec is listed, not refused
    assert proc.returncode == 0, proc.stderr
    assert "VIOLATED" in proc.stdout and proc.stdout.splitlines()[-1].startswith("1 of ")
    strict = _run("check", quick_spec, *over, "--strict")
    assert strict.returncode == 2
    err = strict.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: sizing.bounds: 1 of ")
    assert "full_scale = 1.5 V" in err[0]
