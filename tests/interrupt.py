"""Ctrl-C a CLI run once it has printed its first line (tests of clean cancellation)."""

import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def _default_sigint() -> None:
    # A Ctrl-C at a terminal: SIGINT at its default. (A test run started in the background
    # by a non-interactive shell inherits SIGINT ignored, and so would the child: it would
    # then run every job and the test would time out.)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_after_first_line(
    args: Sequence[str], cwd: Path, env: Mapping[str, str], delay_s: float = 3.0
) -> tuple[str, int, str]:
    """Start ``args``, wait for its first stdout line, send SIGINT ``delay_s`` later;
    return ``(first line, exit status, stderr)``."""
    proc = subprocess.Popen(
        list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
        env=dict(env), preexec_fn=_default_sigint,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        time.sleep(delay_s)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return first, proc.returncode, err
