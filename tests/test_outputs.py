"""Outputs: nothing written outside -o, -o vetted before any work, a run's files together.

The unwritable-directory case is skipped when running as root (root ignores permissions).
"""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import ctdsm.io as cio
from ctdsm.cli import main
from ctdsm.errors import CtdsmError
from tests.lines import error_lines

ROOT = Path(__file__).resolve().parents[1]
SPEC = str(ROOT / "designs" / "singlebit.yaml")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CTDSM_DEBUG", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ctdsm", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=300,
    )


def _tree(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")}


@pytest.fixture
def no_work(monkeypatch):
    """Make any synthesis fail loudly: a verb that reaches it did work before a check."""
    fs = importlib.import_module("ctdsm.flow.synthesize")

    def boom(*_a, **_k):
        raise AssertionError("synthesis ran")

    monkeypatch.setattr(fs, "synthesize", boom)
    monkeypatch.delenv("CTDSM_DEBUG", raising=False)


# ------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    ["../x", "/abs/x", "a/b", "..", "", "n" * 300, "r\u00e9sum\u00e9", "-x", ".hidden", "a\\b"],
)
def test_spec_names_never_escape_the_output_dir(tmp_path, name):
    parent = tmp_path / "p"
    (parent / "o").mkdir(parents=True)
    before = _tree(tmp_path)
    proc = _run("netlist", SPEC, "-o", str(parent / "o"), "-q", "--set", f"name={name}", cwd=parent)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: name"), proc.stderr
    assert _tree(tmp_path) == before
    assert not Path("/abs/x").exists()


@pytest.mark.parametrize("name", ["multibit", "singlebit", "my-design_2.v1"])
def test_safe_names_pass(name):
    assert cio.safe_name(name) == name


def test_output_path_stays_inside(tmp_path):
    (tmp_path / "o").mkdir()
    os.symlink(tmp_path, tmp_path / "o" / "link.cir")
    assert cio.output_path(tmp_path / "o", "x.cir") == tmp_path / "o" / "x.cir"
    for bad in ["../x", "/etc/passwd", "..", ".", "a/b"]:
        with pytest.raises(CtdsmError, match="^name: "):
            cio.output_path(tmp_path / "o", bad)
    with pytest.raises(CtdsmError, match="outside"):
        cio.output_path(tmp_path / "o", "link.cir")


# ------------------------------------------------------------------------- -o checks


def _bad_out_dirs(tmp_path: Path) -> dict[str, tuple[str, str]]:
    (tmp_path / "afile").write_text("x")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    return {
        "empty": ("", "-o: must not be empty"),
        "file": (str(tmp_path / "afile"), "not a directory"),
        "below a file": (str(tmp_path / "afile" / "sub"), "below the file"),
        "dangling symlink": (str(tmp_path / "dangling"), "dangling symbolic link"),
        "below a dangling symlink": (str(tmp_path / "dangling" / "x"), "dangling symbolic link"),
    }


@pytest.mark.parametrize("verb", ["synth", "simulate", "netlist", "report", "spice"])
@pytest.mark.parametrize(
    "case", ["empty", "file", "below a file", "dangling symlink", "below a dangling symlink"]
)
def test_bad_output_dir_is_exit_2_before_any_work(tmp_path, monkeypatch, no_work, verb, case):
    out, reason = _bad_out_dirs(tmp_path)[case]
    monkeypatch.chdir(tmp_path)
    before = _tree(tmp_path)
    result = CliRunner().invoke(main, [verb, SPEC, "-o", out, "-q"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: -o") and reason in lines[0], lines
    assert _tree(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_output_dir_is_exit_2(tmp_path, no_work):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        for out in (ro, ro / "sub"):
            result = CliRunner().invoke(main, ["simulate", SPEC, "-o", str(out), "-q"])
            assert result.exit_code == 2, result.output
            assert "not writable" in result.stderr and result.stderr.startswith("error: -o")
    finally:
        ro.chmod(0o755)


def test_empty_output_dir_writes_nothing_in_cwd(tmp_path):
    proc = _run("synth", SPEC, "-o", "", "-q", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: -o: must not be empty (give a directory, e.g. -o out)"
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------- runs


def _simulate(out: Path, *extra: str):
    return CliRunner().invoke(
        main, ["simulate", SPEC, "-o", str(out), "-q", "--samples", "4096", *extra]
    )


def _contents(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_rerun_leaves_one_complete_run(tmp_path, monkeypatch):
    monkeypatch.delenv("CTDSM_DEBUG", raising=False)
    out = tmp_path / "o"
    assert _simulate(out, "--sweep").exit_code == 0
    first = {"metrics.json", "output.npz", "sweep.json", "run.json"}
    assert {p.name for p in out.iterdir()} == first
    (out / ".output.npz.killed.tmp").write_bytes(b"left by a killed run")
    (out / "notes.txt").write_text("mine")
    result = _simulate(out, "--seed", "5")
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {"metrics.json", "output.npz", "run.json", "notes.txt"}
    run = json.loads((out / "run.json").read_text())["runs"]["simulate"]
    assert run["files"] == ["metrics.json", "output.npz"]
    assert run["seed"] == 5 and len(run["spec_sha256"]) == 64 and run["ctdsm_version"]
    assert json.loads((out / "metrics.json").read_text())["seed"] == 5


def test_synth_then_simulate_keep_both_runs(tmp_path):
    out = tmp_path / "o"
    assert CliRunner().invoke(main, ["synth", SPEC, "-o", str(out), "-q"]).exit_code == 0
    assert _simulate(out).exit_code == 0
    runs = json.loads((out / "run.json").read_text())["runs"]
    assert runs["synth"]["files"] == ["design.json"]
    assert (out / "design.json").is_file()


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_failed_staging_leaves_previous_contents(tmp_path, monkeypatch, exc):
    monkeypatch.delenv("CTDSM_DEBUG", raising=False)
    out = tmp_path / "o"
    assert _simulate(out, "--sweep").exit_code == 0
    before = _contents(out)
    real = cio._stage
    calls = []

    def flaky(path, data):
        calls.append(path)
        if len(calls) == 2:  # the first file is staged, the second fails
            raise exc
        return real(path, data)

    monkeypatch.setattr(cio, "_stage", flaky)
    result = _simulate(out, "--seed", "9")
    assert result.exit_code == (130 if isinstance(exc, KeyboardInterrupt) else 1)
    assert _contents(out) == before


def test_failed_move_in_is_rolled_back(tmp_path, monkeypatch):
    monkeypatch.delenv("CTDSM_DEBUG", raising=False)
    out = tmp_path / "o"
    assert _simulate(out, "--sweep").exit_code == 0
    before = _contents(out)
    real = os.replace
    moved = []

    def flaky(src, dst):
        if str(src).endswith(".tmp") and not str(dst).endswith(".tmp"):
            moved.append(dst)
            if len(moved) == 2:  # one new file is in place, the second rename fails
                raise OSError(5, "I/O error")
        return real(src, dst)

    monkeypatch.setattr(cio.os, "replace", flaky)
    result = _simulate(out, "--seed", "9")
    assert result.exit_code == 1
    monkeypatch.setattr(cio.os, "replace", real)
    assert _contents(out) == before


def test_netlist_files_move_in_together(tmp_path):
    out = tmp_path / "n"
    result = CliRunner().invoke(main, ["netlist", SPEC, "-o", str(out), "-q", "--cycles", "4096"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"singlebit.cir", "singlebit_clocks.txt"}


# ------------------------------------------------------------------------- terminal


def test_broken_pipe_is_quiet(tmp_path):
    r, w = os.pipe()
    os.close(r)  # the reader is gone before ctdsm prints anything
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctdsm", "synth", SPEC, "-o", str(tmp_path / "o")],
        stdout=w,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=_env(),
    )
    os.close(w)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0
    assert error_lines(err) == []  # at most the design's warnings
    assert (tmp_path / "o" / "design.json").is_file()


def test_runtime_warnings_do_not_reach_the_terminal(tmp_path, monkeypatch):
    import numpy as np

    fs = importlib.import_module("ctdsm.flow.synthesize")

    def noisy(*_a, **_k):
        np.float64(1.0) / np.float64(0.0)
        np.log(np.array([-1.0]))
        raise CtdsmError("stop here")

    monkeypatch.setattr(fs, "synthesize", noisy)
    monkeypatch.delenv("CTDSM_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["synth", SPEC, "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr == "error: stop here\n"


# ------------------------------------------------------------------------- staging details


def test_staging_of_a_live_run_is_left_and_of_a_dead_run_removed(tmp_path):
    import subprocess as sp

    dead = sp.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(dead.stdout)
    live = tmp_path / f".design.json.{os.getppid()}-abc123.tmp"  # our parent: alive
    gone = tmp_path / f".design.json.{dead_pid}-abc123.tmp"
    old = tmp_path / ".design.json.old.tmp"  # a name without a pid (earlier versions)
    gone_dir = tmp_path / f".ngspice.{dead_pid}-d1r.tmp"
    for p in (live, gone, old):
        p.write_text("x")
    gone_dir.mkdir()
    (gone_dir / "netlist.cir").write_text("x")
    removed = cio.clean_stale_staging(tmp_path)
    assert set(removed) == {gone, old, gone_dir}
    assert live.exists() and not gone.exists() and not gone_dir.exists()


def test_a_staged_directory_moves_in_with_the_files(tmp_path):
    out = tmp_path / "o"
    work = cio.stage_dir(out, "ngspice")
    assert work.parent == out and work.name.startswith(f".ngspice.{os.getpid()}-")
    (work / "ngspice.log").write_text("log")
    cio.commit_run(out, {"metrics.json": b"{}"}, verb="spice", manifest={}, dirs={"ngspice": work})
    assert (out / "ngspice" / "ngspice.log").read_text() == "log"
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "ngspice", "run.json"]
    # the next run replaces the directory as a whole
    work = cio.stage_dir(out, "ngspice")
    (work / "other.txt").write_text("2")
    cio.commit_run(out, {"metrics.json": b"{}"}, verb="spice", manifest={}, dirs={"ngspice": work})
    assert [p.name for p in (out / "ngspice").iterdir()] == ["other.txt"]


def test_overwriting_another_runs_file_keeps_its_other_files(tmp_path):
    out = tmp_path / "o"
    cio.commit_run(out, {"metrics.json": b"1", "spice.npz": b"2"}, verb="spice", manifest={})
    cio.commit_run(out, {"metrics.json": b"3", "report.html": b"4"}, verb="report", manifest={})
    runs = json.loads((out / "run.json").read_text())["runs"]
    assert runs["spice"]["files"] == ["spice.npz"]
    assert runs["report"]["files"] == ["metrics.json", "report.html"]
    assert (out / "spice.npz").read_bytes() == b"2"
    listed = {f for r in runs.values() for f in r["files"]}
    assert listed | {"run.json"} == {p.name for p in out.iterdir()}


def test_a_full_disk_is_one_resource_error_and_a_new_dir_is_removed(tmp_path, monkeypatch):
    import errno

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "new" / "dir"
    monkeypatch.setattr(cio.tempfile, "mkstemp", full)
    with pytest.raises(cio.ResourceError, match="No space left on device.*free some space"):
        cio.commit_run(out, {"design.json": b"{}"}, verb="synth", manifest={})
    assert not (tmp_path / "new").exists()


def test_a_full_disk_at_the_cli_is_exit_1_and_one_line(tmp_path, monkeypatch):
    import errno

    monkeypatch.delenv("CTDSM_DEBUG", raising=False)

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "o"
    monkeypatch.setattr(cio.tempfile, "mkstemp", full)
    res = CliRunner().invoke(main, ["synth", SPEC, "-o", str(out), "-q"])
    assert res.exit_code == 1
    lines = error_lines(res.output)
    assert len(lines) == 1 and lines[0].startswith("error: ") and "free some space" in lines[0]
    assert not out.exists()
