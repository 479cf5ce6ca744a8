"""run_ngspice leaves no temporary directory behind when it is interrupted (Ctrl-C,
SIGTERM) or when the caller asks not to keep a failed run's logs."""

import shutil
import tempfile
from pathlib import Path

import pytest

from ctdsm.spice import runner
from ctdsm.spice.runner import NgspiceError, run_ngspice


def _ours() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("ctdsm-ngspice-*"))


def test_interrupt_removes_the_temporary_run_directory(monkeypatch):
    monkeypatch.setattr(runner, "ngspice_binary", lambda name="ngspice": "/bin/true")

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_execute", interrupted)
    before = _ours()
    with pytest.raises(KeyboardInterrupt):
        run_ngspice("* empty\n.end\n")
    assert _ours() == before


def test_failure_without_kept_logs_leaves_nothing(monkeypatch, tmp_path):
    fake = tmp_path / "ngspice"
    fake.write_text("#!/bin/sh\necho 'Error: no such device' >&2\nexit 1\n")
    fake.chmod(0o755)
    before = _ours()
    with pytest.raises(NgspiceError, match="log not kept"):
        run_ngspice("* empty\n.end\n", ngspice=str(fake), keep_logs_on_failure=False)
    assert _ours() == before
    with pytest.raises(NgspiceError, match="log: ") as info:
        run_ngspice("* empty\n.end\n", ngspice=str(fake))
    kept = info.value.workdir
    assert kept is not None and (kept / "ngspice.log").is_file()
    shutil.rmtree(kept)
