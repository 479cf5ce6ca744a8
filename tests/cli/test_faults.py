"""Fault injection against the CLI contract (docs/cli.md): killed runs, concurrent runs, a
full disk, an unwritable directory, a closed stdout pipe, a missing or failing ngspice.

Environment failures (a failed write, a missing or failing tool) must exit 1 with one line
``error: ...`` naming the resource, and leave ``-o`` as it was.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import ctdsm.io as cio
from ctdsm.cli import main
from ctdsm.io import spec_sha256
from tests.lines import error_lines

from .test_properties import snapshot

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "designs" / "multibit.yaml")  # the faster of the two seeds to synthesize


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CTDSM_DEBUG", None)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv("CTDSM_DEBUG", raising=False)


def _one_line(stderr: str, prefix: str = "error: ") -> str:
    lines = error_lines(stderr)
    assert len(lines) == 1 and lines[0].startswith(prefix), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    return lines[0]


def _consistent_run(out: Path) -> None:
    """``out`` holds one complete synth run: no staging files, run.json's files exist and
    design.json is the run run.json describes."""
    assert not list(out.glob(".*.tmp")), sorted(p.name for p in out.iterdir())
    manifest = json.loads((out / "run.json").read_text())
    for record in manifest["runs"].values():
        assert all((out / f).is_file() for f in record["files"]), record
    design = json.loads((out / "design.json").read_text())
    assert manifest["runs"]["synth"]["spec_sha256"] == spec_sha256(design["spec"])


def _previous_run(out: Path) -> None:
    """A previous synth run's files in ``out`` (stand-ins: only their survival is checked)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "design.json").write_text(json.dumps({"spec": {"name": "previous"}, "x": "y" * 8000}))
    record = {"spec_sha256": spec_sha256({"name": "previous"}), "files": ["design.json"]}
    (out / "run.json").write_text(json.dumps({"runs": {"synth": record}}))
    (out / "notes.txt").write_text("mine")
    (out / ".hidden").write_text("mine too")


def _synth(out: Path, *extra: str):
    return CliRunner().invoke(main, ["synth", SPEC, "-o", str(out), "-q", *extra])


#: A wrapper around ``ctdsm`` that injects a fault through CTDSM_TEST_FAULT (this test file
#: only; the package has no such hook): ``stall`` stops for good once the first file of the
#: run is staged (the parent kills it there); ``race`` waits at a barrier until every
#: racing run reached its commit, then renames slowly so that the two commits interleave.
WRAPPER = textwrap.dedent(
    """
    import os, sys, time
    import ctdsm.io as cio

    fault, flag = os.environ["CTDSM_TEST_FAULT"], os.environ["CTDSM_TEST_FLAG"]
    if fault == "stall":
        real_stage = cio._stage

        def stage(path, data):
            tmp = real_stage(path, data)
            open(flag, "w").close()
            time.sleep(600)
            return tmp

        cio._stage = stage
    elif fault == "race":
        real_commit, real_replace = cio.commit_run, os.replace

        def slow_replace(src, dst):
            time.sleep(0.15)
            return real_replace(src, dst)

        def commit(*args, **kwargs):
            open(flag, "w").close()
            deadline = time.time() + 120
            while len([f for f in os.listdir(os.path.dirname(flag)) if f.startswith("ready")]) < 2:
                if time.time() > deadline:
                    break
                time.sleep(0.01)
            os.replace = slow_replace
            try:
                return real_commit(*args, **kwargs)
            finally:
                os.replace = real_replace

        cio.commit_run = commit
    from ctdsm.cli import main

    sys.argv[0] = "ctdsm"
    main()
    """
)


def _wrapped(tmp_path: Path, fault: str, flag: Path, *args: str) -> subprocess.Popen:
    script = tmp_path / "wrapper.py"
    script.write_text(WRAPPER)
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=_env(CTDSM_TEST_FAULT=fault, CTDSM_TEST_FLAG=str(flag)),
    )


def _wait_for(path: Path, proc: subprocess.Popen, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.02)


# ------------------------------------------------------------------------- kill -9


@pytest.mark.timeout(300)
def test_sigkill_while_staging_keeps_the_previous_run_and_a_rerun_cleans_up(tmp_path):
    out = tmp_path / "o"
    _previous_run(out)
    before = snapshot(out)
    flag = tmp_path / "staged"
    proc = _wrapped(tmp_path, "stall", flag, "synth", SPEC, "-o", str(out), "-q",
                    "--set", "simulation.seed=7")  # fmt: skip
    try:
        _wait_for(flag, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    after = snapshot(out)
    staged = {k for k in after if k.startswith(".") and k.endswith(".tmp")}
    assert staged, "the run was killed before it staged a file"
    # The previous run is intact; only the killed run's staging files are new.
    assert {k: v for k, v in after.items() if k not in staged} == before
    result = _synth(out, "--set", "simulation.seed=7")
    assert result.exit_code == 0, result.output
    _consistent_run(out)
    assert (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / "run.json").read_text())["runs"]["synth"]["seed"] == 7


def _kill_at_random_moments(tmp_path: Path, kills: int) -> None:
    out = tmp_path / "o"
    rng = random.Random(20261207)
    for i in range(kills):
        proc = subprocess.Popen(
            [sys.executable, "-m", "ctdsm", "synth", SPEC, "-o", str(out), "-q",
             "--set", f"simulation.seed={i}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
            env=_env(),
        )  # fmt: skip
        time.sleep(rng.uniform(0.5, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        if out.is_dir() and (out / "run.json").exists():
            # Whatever moment it died at, a finished run.json describes files that exist.
            manifest = json.loads((out / "run.json").read_text())
            files = [f for r in manifest["runs"].values() for f in r["files"]]
            assert all((out / f).is_file() for f in files), sorted(os.listdir(out))
    result = _synth(out, "--set", "simulation.seed=99")
    assert result.exit_code == 0, result.output
    _consistent_run(out)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_sigkill_at_many_random_moments(tmp_path):
    _kill_at_random_moments(tmp_path, kills=12)


# ------------------------------------------------------------------------- concurrent runs


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_concurrent_runs_leave_one_complete_run(tmp_path):
    out = tmp_path / "o"
    sync = tmp_path / "sync"
    sync.mkdir()
    procs = [
        _wrapped(tmp_path, "race", sync / f"ready{i}", "synth", SPEC, "-o", str(out), "-q",
                 "--set", f"simulation.seed={10 + i}")
        for i in range(2)
    ]  # fmt: skip
    results = [p.communicate(timeout=240) for p in procs]
    codes = [p.returncode for p in procs]
    assert codes.count(0) >= 1, results
    for code, (_, err) in zip(codes, results, strict=True):
        if code != 0:  # the loser may refuse, in one line
            _one_line(err)
    _consistent_run(out)
    assert sorted(os.listdir(out)) == ["design.json", "run.json"]


# ------------------------------------------------------------------------- full disk


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0:
        return False
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        timeout=30,
    )
    return proc.returncode == 0


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory):
    """A synth run into a tiny tmpfs that a previous run and a filler file have filled:
    (result, -o, snapshot before, snapshot after). Skipped where mount is not allowed."""
    mnt = tmp_path_factory.mktemp("disk") / "mnt"
    if not _mount_tmpfs(mnt, "64k"):
        pytest.skip("cannot mount a tmpfs here (needs root and mount rights)")
    try:
        out = mnt / "o"
        with pytest.MonkeyPatch.context() as mp:
            mp.delenv("CTDSM_DEBUG", raising=False)
            _previous_run(out)
            stat = os.statvfs(mnt)
            free = stat.f_bavail * stat.f_frsize
            with open(mnt / "filler", "wb") as fh:  # leave less than design.json needs
                try:
                    fh.write(b"\0" * max(free - 2048, 0))
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
            before = snapshot(out)
            result = _synth(out, "--set", "simulation.seed=7")
            after = snapshot(out)
        yield result, out, before, after
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True, timeout=30)


@pytest.mark.timeout(300)
def test_full_disk_exits_1_and_leaves_the_directory_as_it_was(full_disk):
    result, _, before, after = full_disk
    assert result.exit_code == 1, result.output
    assert len(error_lines(result.stderr)) == 1 and "Traceback" not in result.stderr
    assert after == before


@pytest.mark.timeout(300)
def test_full_disk_is_one_line_naming_the_directory(full_disk):
    result, out, _, _ = full_disk
    line = _one_line(result.stderr)
    assert str(out) in line and "No space left" in line, line


@pytest.mark.timeout(120)
def test_unwritable_at_commit_is_one_line_naming_the_directory(tmp_path, monkeypatch):
    # Root ignores permissions, so the EACCES a user would get is injected where files are
    # created (the -o check before any work is tests/test_outputs.py's).
    out = tmp_path / "o"
    _previous_run(out)
    before = snapshot(out)

    def denied(path, data):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(cio, "_stage", denied)
    result = _synth(out, "--set", "simulation.seed=7")
    assert snapshot(out) == before
    assert result.exit_code == 1, result.output
    line = _one_line(result.stderr)
    assert str(out) in line and "ermission denied" in line, line


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_directory_made_read_only_after_the_check_is_exit_1(tmp_path, monkeypatch):
    out = tmp_path / "o"
    out.mkdir()
    real = cio.check_output_dir

    def check_then_lock(path, option="-o"):
        p = real(path, option)
        out.chmod(0o555)  # another process takes the rights away during the run
        return p

    monkeypatch.setattr(cio, "check_output_dir", check_then_lock)
    try:
        result = _synth(out)
    finally:
        out.chmod(0o755)
    assert result.exit_code == 1, result.output
    assert len(error_lines(result.stderr)) == 1
    assert list(out.iterdir()) == []


# ------------------------------------------------------------------------- broken pipe


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_stdout_closed_after_one_byte_is_quiet(tmp_path):
    out = tmp_path / "o"
    script = f"{sys.executable} -m ctdsm synth {SPEC} -o {out} | head -c1 >/dev/null; " + (
        'echo "status=${PIPESTATUS[0]}" >&2'
    )
    proc = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path, env=_env(),
        timeout=240,
    )  # fmt: skip
    assert proc.stderr == "status=0\n", proc.stderr
    _consistent_run(out)


# ------------------------------------------------------------------------- ngspice


def _fake_bin(tmp_path: Path, script: str | None) -> Path:
    """A directory for PATH holding only a fake ``ngspice`` (None: no ngspice at all)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if script is not None:
        exe = bin_dir / "ngspice"
        exe.write_text("#!/bin/sh\n" + script)
        exe.chmod(0o755)
    return bin_dir


NGSPICE_FAULTS = {
    "missing": None,
    "exits 1": "echo 'fatal: simulation failed' >&2\nexit 1\n",
    "garbage": "printf '\\001\\377garbage\\n'\nexit 0\n",
    "killed": "kill -9 $$\n",
}


@pytest.fixture(
    scope="module",
    params=["missing", pytest.param("exits 1", marks=pytest.mark.slow),
            pytest.param("garbage", marks=pytest.mark.slow),
            pytest.param("killed", marks=pytest.mark.slow)],
)  # fmt: skip
def failed_spice(request, tmp_path_factory):
    """``ctdsm spice`` with ngspice missing or failing (a fake on PATH), once per fault:
    (fault, result, -o before, -o after, sandbox before, sandbox after). The sandbox holds
    $TMPDIR, where the run's work directory goes."""
    fault = request.param
    sandbox = tmp_path_factory.mktemp("spice")
    tmp = sandbox / "tmp"
    tmp.mkdir()
    out = sandbox / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CTDSM_DEBUG", raising=False)
        mp.setattr(tempfile, "tempdir", str(tmp))
        mp.setenv("TMPDIR", str(tmp))
        mp.setenv("PATH", str(_fake_bin(sandbox, NGSPICE_FAULTS[fault])))
        before_out, before = snapshot(out), snapshot(sandbox, exclude=out)
        result = CliRunner().invoke(main, ["spice", SPEC, "-o", str(out), "-q", "--cycles", "1024"])
        return fault, result, before_out, snapshot(out), before, snapshot(sandbox, exclude=out)


@pytest.mark.timeout(300)
def test_ngspice_failure_is_one_line_and_leaves_o_as_it_was(failed_spice):
    _, result, before_out, after_out, _, _ = failed_spice
    assert result.exit_code != 0
    assert len(error_lines(result.stderr)) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert after_out == before_out


@pytest.mark.timeout(300)
def test_ngspice_failure_leaves_nothing_in_tmpdir(failed_spice):
    _, _, _, _, before, after = failed_spice
    assert after == before


@pytest.mark.timeout(300)
def test_ngspice_failure_is_exit_1_naming_ngspice(failed_spice):
    _, result, *_ = failed_spice
    assert result.exit_code == 1, result.output
    assert "ngspice" in _one_line(result.stderr)


# ------------------------------------------------------------------------- sweep staging


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sweep_failing_write_leaves_the_directory_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    real = cio._stage
    calls: list[Path] = []

    def flaky(path, data):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(cio, "_stage", flaky)
    result = CliRunner().invoke(main, ["sweep", SPEC, "-o", str(out), "-q", "--mc", "1",
                                       "--samples", "4096", "--workers", "0"])  # fmt: skip
    assert len(calls) >= 2, result.output  # the sweep got as far as writing
    assert snapshot(out) == before
    assert result.exit_code == 1, result.output
    _one_line(result.stderr)
