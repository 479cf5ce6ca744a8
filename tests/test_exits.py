"""The exit-status contract of docs/cli.md, one failure kind at a time (ctdsm.exits)."""

import errno
import os
import signal

import click
import pytest
from click.testing import CliRunner

from ctdsm.errors import ResourceError, SpecError
from ctdsm.exits import (
    EXIT_ENVIRONMENT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USER_ERROR,
    guarded,
)


def _verb(exc: BaseException | None):
    @click.command()
    @guarded
    def verb() -> None:
        if exc is not None:
            raise exc
        click.echo("ok")

    return verb


def _run(exc: BaseException | None, monkeypatch):
    monkeypatch.delenv("CTDSM_DEBUG", raising=False)
    return CliRunner().invoke(_verb(exc), [])


@pytest.mark.parametrize(
    ("exc", "status", "line"),
    [
        (SpecError("target.bw_hz", "must be > 0 Hz"), EXIT_USER_ERROR,
         "error: target.bw_hz: must be > 0 Hz"),
        (ResourceError("ngspice", "not found"), EXIT_ENVIRONMENT, "error: ngspice: not found"),
        (OSError(errno.ENOSPC, "No space left on device", "/x/y"), EXIT_ENVIRONMENT,
         "error: /x/y: No space left on device"),
        (MemoryError(), EXIT_ENVIRONMENT, "error: memory: the run needs more memory"),
        (RuntimeError("a bug"), EXIT_INTERNAL, "internal error: RuntimeError: a bug"),
        (KeyboardInterrupt(), EXIT_INTERRUPTED, "interrupted; no output was written"),
    ],
)  # fmt: skip
def test_each_failure_is_one_line_and_its_status(exc, status, line, monkeypatch):
    res = _run(exc, monkeypatch)
    assert res.exit_code == status
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), res.output
    assert "Traceback" not in res.output


def test_sigterm_is_143_and_the_old_handler_comes_back(monkeypatch):
    before = signal.getsignal(signal.SIGTERM)
    res = _run_term(monkeypatch)
    assert res.exit_code == EXIT_TERMINATED
    assert res.output.strip() == "terminated; no output was written"
    assert signal.getsignal(signal.SIGTERM) == before


def _run_term(monkeypatch):
    monkeypatch.delenv("CTDSM_DEBUG", raising=False)

    @click.command()
    @guarded
    def verb() -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # delivered to the main thread right away
        raise AssertionError("SIGTERM did not stop the verb")

    return CliRunner().invoke(verb, [])


def test_success_is_0(monkeypatch):
    res = _run(None, monkeypatch)
    assert res.exit_code == 0 and res.output == "ok\n"


def test_debug_shows_the_exception(monkeypatch):
    monkeypatch.setenv("CTDSM_DEBUG", "1")
    res = CliRunner().invoke(_verb(ResourceError("disk", "full")), [])
    assert isinstance(res.exception, ResourceError)
