"""The command line: contract keys on success; one line, exit 2, no files on bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ctdsm.cli import main

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_KEYS = {"fs_hz", "bw_hz", "osr", "order", "levels", "ntf", "abcdc", "tdac"}


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("CTDSM_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "ctdsm", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert "ctdsm" in result.output


def test_synth_writes_design_json(tmp_path):
    out = tmp_path / "out"
    proc = _run("synth", "designs/singlebit.yaml", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "design.json").read_text())
    assert CONTRACT_KEYS <= set(data)
    assert data["order"] == 4 and data["levels"] == 2
    assert data["bw_hz"] == 250e3 and data["fs_hz"] == pytest.approx(64e6)
    assert set(data["ntf"]) == {"zeros", "poles", "k"}
    assert all(len(z) == 2 for z in data["ntf"]["zeros"])
    assert data["tdac"][0] == [-1, -1]
    assert data["verification"]["max_rel_error"] < 1e-6
    assert "peak SQNR" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["design.json", "run.json"]


def test_synth_default_design_and_overrides(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main, ["synth", "-o", str(tmp_path), "-q", "--set", "architecture.eld=0.1"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "design.json").read_text())
    assert data["name"] == "multibit"
    assert data["eld"] == 0.1
    assert data["spec"]["architecture"]["eld"] == 0.1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--set", "target.bw_hz=-5"], "target.bw_hz"),
        (["--set", "architecture.colour=blue"], "architecture.colour: unknown key"),
        (["--set", "architecture.order=2.5"], "architecture.order"),
        (["--set", "dac.type=magic"], "dac.type"),
        (["--set", "nonsense"], "--set"),
    ],
)
def test_bad_overrides_fail_cleanly(tmp_path, args, needle):
    out = tmp_path / "never"
    proc = _run("synth", "designs/multibit.yaml", "-o", str(out), *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("target: [unclosed\n", "invalid YAML"),
        ("target:\n  bw_hz: fast\n", "target.bw_hz"),
        ("target:\n  bw_hz: 1e3\nextra_section: 1\n", "extra_section: unknown key"),
    ],
)
def test_bad_spec_files_fail_cleanly(tmp_path, content, needle):
    spec = tmp_path / "bad.yaml"
    spec.write_text(content)
    out = tmp_path / "never"
    result = CliRunner().invoke(main, ["synth", str(spec), "-o", str(out)])
    assert result.exit_code == 2
    assert needle in result.output
    assert not out.exists()


def test_missing_spec_file(tmp_path):
    result = CliRunner().invoke(
        main, ["synth", str(tmp_path / "x.yaml"), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "no such file" in result.output


METRIC_KEYS = {
    "sndr_db", "snr_db", "thd_db", "sfdr_db", "hd2_db", "hd3_db", "fin_hz",
    "amplitude_dbfs", "bw_hz", "fs_hz", "n_samples", "stable",
}  # fmt: skip


def test_simulate_writes_metrics(tmp_path):
    out = tmp_path / "sim"
    proc = _run(
        "simulate", "designs/multibit.yaml", "-o", str(out), "--samples", "16384",
        "--seed", "3", "--sweep", "--set", "impairments.preset=ideal",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    m = json.loads((out / "metrics.json").read_text())
    assert METRIC_KEYS <= set(m)
    assert m["n_samples"] == 16384 and m["stable"] is True and m["bw_hz"] == 250e3
    assert m["sndr_db"] > 100
    sweep = json.loads((out / "sweep.json").read_text())
    assert sweep["dr_db"] > 100 and len(sweep["sndr_db"]) == len(sweep["amplitudes_dbfs"])
    import numpy as np

    v = np.load(out / "output.npz")["v"]
    assert v.shape == (16384,) and set(np.unique(v)) <= set(range(-16, 17, 2))


def test_simulate_unstable_is_reported_not_nan(tmp_path):
    out = tmp_path / "sim"
    proc = _run(
        "simulate", "designs/singlebit.yaml", "-o", str(out), "--samples", "8192",
        "--amplitude", "0", "--set", "impairments.preset=ideal", "-q",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = (out / "metrics.json").read_text()
    assert "NaN" not in text
    assert json.loads(text)["stable"] is False
