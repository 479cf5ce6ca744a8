"""The ngspice process: run a netlist with ``ngspice -b`` in a run directory.

The netlist's ``.control`` block does the analyses and writes results with ``wrdata FILE
VEC...`` (files relative to the run directory) and/or ``print`` of scalars (read from
stdout as ``name = value``). :func:`run_ngspice` writes the netlist into a run directory,
runs ``ngspice -b netlist.cir`` there (no shell), keeps stdout/stderr in ``ngspice.log``,
and decides success from the output rather than from the exit status alone: ngspice 39
exits with 1 after a successful ``.control`` run that does not ``quit`` ("no simulations
run"), and with 0 after some control-block errors. Reading the files is
:mod:`ctdsm.spice.parse`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from io import BufferedReader
from pathlib import Path
from typing import cast

import numpy as np

from ctdsm.errors import CtdsmError, ResourceError
from ctdsm.spice.parse import first_error, printed_values, read_wrdata, wrdata_commands

__all__ = ["NgspiceError", "NgspiceRun", "ngspice_binary", "run_ngspice"]

NETLIST_NAME = "netlist.cir"
LOG_NAME = "ngspice.log"

_NO_SIM_NOTE = "no simulations run"
# ngspice's progress report on stderr: the simulated time.
_REFERENCE_RE = re.compile(r"Reference value\s*:\s*([-+0-9.eE]+)")


class NgspiceError(ResourceError):
    """An ngspice run failed or timed out (an environment failure: the CLI exits 1).

    The message is one line naming the reason and the kept log.

    Attributes
    ----------
    reason : str
    log_path : pathlib.Path or None
        ``ngspice.log`` in the kept run directory (None when it was not kept).
    workdir : pathlib.Path or None
        The kept run directory (netlist, ``.spiceinit``, partial outputs).
    """

    def __init__(self, reason: str, log_path: Path | None, workdir: Path | None) -> None:
        self.resource = "ngspice"
        self.reason = reason
        self.log_path = log_path
        self.workdir = workdir
        where = (
            f"log: {log_path}"
            if log_path is not None
            else "log not kept; `ctdsm netlist` then `ngspice -b` on the netlist shows it"
        )
        CtdsmError.__init__(self, f"ngspice failed: {reason} ({where})")

    def __reduce__(self) -> tuple[type, tuple[str, Path | None, Path | None]]:  # type: ignore[override]
        return (self.__class__, (self.reason, self.log_path, self.workdir))


@dataclass
class NgspiceRun:
    """The outcome of a successful :func:`run_ngspice`.

    Attributes
    ----------
    tables : dict of str to dict of str to numpy.ndarray
        One entry per ``wrdata`` file the netlist wrote (key: the file name as written in the
        netlist), mapping column names to arrays. Columns are named from the ``wr_vecnames``
        header when present, else from the ``wrdata`` command: the scale (``"scale"``) then
        the vectors, one scale kept; unknown layouts give ``col0``, ``col1``, ...
    prints : dict of str to float
        Scalar ``print`` results from stdout (``name = value`` lines), e.g. ``"i(vd)"``.
    stdout, stderr : str
        ngspice's output.
    returncode : int
        ngspice's exit status (see the module notes: 1 does not mean failure).
    elapsed_s : float
        Wall time of the ngspice process, s.
    workdir : pathlib.Path or None
        The run directory, or None when it was a temporary directory, now removed.
    log_path : pathlib.Path or None
        ``ngspice.log`` in ``workdir`` (None when removed).
    files : list of str
        Names of the files the run directory held at the end.
    """

    tables: dict[str, dict[str, np.ndarray]]
    prints: dict[str, float]
    stdout: str
    stderr: str
    returncode: int
    elapsed_s: float
    workdir: Path | None = None
    log_path: Path | None = None
    files: list[str] = field(default_factory=list)

    def vector(self, name: str) -> np.ndarray:
        """The column ``name`` from the first ``wrdata`` table that has it.

        Parameters
        ----------
        name : str
            Vector name as written (``"v(out)"``, ``"time"``), case-insensitive.

        Returns
        -------
        numpy.ndarray

        Raises
        ------
        KeyError
            When no table has the column.
        """
        for table in self.tables.values():
            for key, value in table.items():
                if key.lower() == name.lower():
                    return value
        raise KeyError(name)


def ngspice_binary(name: str = "ngspice") -> str:
    """The path of the ngspice executable.

    Parameters
    ----------
    name : str
        Executable name or path.

    Returns
    -------
    str

    Raises
    ------
    ResourceError
        When it is not found, with how to install it.
    """
    path = shutil.which(name)
    if path is None:
        raise ResourceError(
            "ngspice",
            f"executable {name!r} not found on PATH; install it "
            "(Debian/Ubuntu: apt-get install ngspice)",
        )
    return path


@dataclass(frozen=True)
class _RunDir:
    """The directory a run happens in, and what becomes of it on success and failure.

    Attributes
    ----------
    path : pathlib.Path
        Absolute.
    temporary : bool
        Made for this run: removed after success, and after a failure unless
        ``keep_on_failure``.
    keep_on_failure : bool
    """

    path: Path
    temporary: bool
    keep_on_failure: bool

    @classmethod
    def create(cls, workdir: str | os.PathLike[str] | None, keep_on_failure: bool) -> _RunDir:
        """``workdir`` (created if needed), or a new temporary directory."""
        if workdir is None:
            path = Path(tempfile.mkdtemp(prefix="ctdsm-ngspice-"))
        else:
            path = Path(workdir)
        path.mkdir(parents=True, exist_ok=True)
        return cls(path.resolve(), workdir is None, keep_on_failure)

    @property
    def log_path(self) -> Path:
        return self.path / LOG_NAME

    def write_inputs(
        self, netlist: str, spiceinit: Sequence[str], inputs: Mapping[str, str]
    ) -> None:
        """The netlist, ``.spiceinit`` (when given) and the files the netlist reads.

        Raises
        ------
        ValueError
            An input name that is not a plain name inside the run directory.
        """
        (self.path / NETLIST_NAME).write_text(netlist if netlist.endswith("\n") else netlist + "\n")
        if spiceinit:
            (self.path / ".spiceinit").write_text("\n".join(spiceinit) + "\n")
        for name, text in inputs.items():
            if Path(name).is_absolute() or ".." in Path(name).parts:
                raise ValueError(f"inputs: {name!r} is not a plain name inside the run directory")
            (self.path / name).write_text(text)

    def write_log(self, cmd: list[str], stdout: str, stderr: str, status: str) -> None:
        """``ngspice.log``: the command, how it ended, and its output."""
        self.log_path.write_text(
            f"# command: {' '.join(cmd)} (cwd {self.path})\n# {status}\n"
            f"# ---- stdout ----\n{stdout}\n# ---- stderr ----\n{stderr}\n"
        )

    def failure(self, reason: str) -> NgspiceError:
        """The error to raise for ``reason``, naming the kept log (the directory is removed
        first when it is not to be kept)."""
        if self.temporary and not self.keep_on_failure:
            shutil.rmtree(self.path, ignore_errors=True)
            return NgspiceError(reason, None, None)
        return NgspiceError(reason, self.log_path, self.path)


def _drain(pipe: BufferedReader, chunks: list[bytes]) -> None:
    """Read ``pipe`` to its end into ``chunks``."""
    for chunk in iter(lambda: pipe.read(65536), b""):
        chunks.append(chunk)


def _drain_reporting(
    pipe: BufferedReader, chunks: list[bytes], on_progress: Callable[[float], None]
) -> None:
    """Read ngspice's stderr to its end into ``chunks``, passing each reported simulated
    time to ``on_progress`` as it comes (a report may straddle two reads)."""
    tail = b""
    for chunk in iter(lambda: pipe.read1(4096), b""):
        chunks.append(chunk)
        found = _REFERENCE_RE.findall((tail + chunk).decode(errors="replace"))
        if found:
            try:
                on_progress(float(found[-1]))
            except ValueError:
                pass
        tail = (tail + chunk)[-64:]


def _run_watched(
    cmd: list[str], cwd: Path, timeout_s: float, on_progress: Callable[[float], None]
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` that reads stderr while ngspice runs and reports its sim time.

    The process is killed on timeout (``TimeoutExpired``, with the output so far) and on
    any other exception (``KeyboardInterrupt``).
    """
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    # Binary pipes with the default buffering are BufferedReaders (typeshed says IO[bytes]).
    stdout, stderr = cast(BufferedReader, proc.stdout), cast(BufferedReader, proc.stderr)
    threads = [
        threading.Thread(target=_drain, args=(stdout, out_chunks), daemon=True),
        threading.Thread(
            target=_drain_reporting, args=(stderr, err_chunks, on_progress), daemon=True
        ),
    ]
    for t in threads:
        t.start()

    def stop() -> None:
        proc.kill()
        proc.wait()
        for t in threads:
            t.join(timeout=5)

    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        stop()
        raise subprocess.TimeoutExpired(
            cmd, timeout_s, output=b"".join(out_chunks), stderr=b"".join(err_chunks)
        ) from None
    except BaseException:
        stop()
        raise
    for t in threads:
        t.join()
    out = b"".join(out_chunks).decode(errors="replace")
    err = b"".join(err_chunks).decode(errors="replace")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _execute(
    cmd: list[str], cwd: Path, timeout_s: float, on_progress: Callable[[float], None] | None
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` to its end (read while it runs when progress is wanted).

    Raises
    ------
    subprocess.TimeoutExpired
        After killing the process.
    """
    if on_progress is not None:
        return _run_watched(cmd, cwd, timeout_s, on_progress)
    return subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
    )


def _failure_reason(proc: subprocess.CompletedProcess[str]) -> str | None:
    """Why a finished run failed (an error line, a signal, an unexpected exit status), or
    None."""
    combined = proc.stdout + "\n" + proc.stderr
    reason = first_error(combined)
    if reason is None and proc.returncode < 0:
        reason = f"killed by signal {-proc.returncode}"
    if reason is None and proc.returncode != 0 and _NO_SIM_NOTE not in combined.lower():
        reason = f"exit status {proc.returncode}"
    return reason


def _read_tables(netlist: str, run_dir: _RunDir) -> dict[str, dict[str, np.ndarray]]:
    """Every file the netlist's ``wrdata`` commands wrote.

    Raises
    ------
    NgspiceError
        A file is missing or unreadable.
    """
    tables: dict[str, dict[str, np.ndarray]] = {}
    for fname, vectors in wrdata_commands(netlist):
        path = run_dir.path / fname
        if not path.is_file():
            raise run_dir.failure(f"the netlist's wrdata wrote no {fname}")
        try:
            tables[fname] = read_wrdata(path, vectors)
        except ValueError as exc:
            reason = f"cannot parse {fname}: {' '.join(str(exc).split())[:120]}"
            raise run_dir.failure(reason) from None
    return tables


def _decoded(output: object) -> str:
    """Partial output of a timed-out process (bytes, or nothing)."""
    return output.decode(errors="replace") if isinstance(output, bytes) else ""


def run_ngspice(
    netlist: str,
    *,
    timeout_s: float = 300.0,
    workdir: str | os.PathLike[str] | None = None,
    keep_logs_on_failure: bool = True,
    spiceinit: Sequence[str] = (),
    inputs: Mapping[str, str] | None = None,
    ngspice: str = "ngspice",
    on_progress: Callable[[float], None] | None = None,
) -> NgspiceRun:
    """Run ``ngspice -b`` on ``netlist`` and parse what its ``.control`` block wrote.

    Parameters
    ----------
    netlist : str
        Complete netlist text with a ``.control`` block that runs the analyses and writes
        results (``wrdata FILE VEC...``, ``print SCALAR``). Relative paths in it resolve in
        the run directory; the runner does not alter it.
    timeout_s : float
        Wall-clock limit, s; the process is killed when exceeded.
    workdir : path-like, optional
        Run directory (created if needed, never removed). Default: a temporary directory,
        removed after success and kept after a failure when ``keep_logs_on_failure``.
    keep_logs_on_failure : bool
        Keep a temporary run directory (netlist, log, partial outputs) when the run fails.
    spiceinit : sequence of str
        Lines written to ``.spiceinit`` in the run directory, read by ngspice before the
        netlist is parsed (e.g. :func:`ctdsm.spice.process.spiceinit_lines` for gf180mcu).
    inputs : mapping of str to str, optional
        Files the netlist reads (name relative to the run directory -> text), written
        before the run (e.g. :attr:`ctdsm.spice.netlist.Netlist.inputs`).
    ngspice : str
        Executable name or path.
    on_progress : callable, optional
        Called with the simulated time (s) whenever ngspice reports it (its ``Reference
        value`` lines on stderr); the process is then read while it runs.

    Returns
    -------
    NgspiceRun

    Raises
    ------
    CtdsmError
        ngspice is not installed (one line, with ``apt-get install ngspice``).
    NgspiceError
        (a :class:`CtdsmError`) the run timed out, reported an error, crashed, or did not
        write a ``wrdata`` file; one-line message with the log path.
    ValueError
        An ``inputs`` name outside the run directory.
    """
    exe = ngspice_binary(ngspice)
    run_dir = _RunDir.create(workdir, keep_logs_on_failure)
    try:
        return _run_in(run_dir, exe, netlist, timeout_s, spiceinit, inputs, on_progress)
    except NgspiceError:
        raise  # the run directory is kept or removed as the error says
    except BaseException:
        # Ctrl-C, SIGTERM, a bad input name: a temporary directory is not left behind.
        if run_dir.temporary:
            shutil.rmtree(run_dir.path, ignore_errors=True)
        raise


def _run_in(
    run_dir: _RunDir,
    exe: str,
    netlist: str,
    timeout_s: float,
    spiceinit: Sequence[str],
    inputs: Mapping[str, str] | None,
    on_progress: Callable[[float], None] | None,
) -> NgspiceRun:
    """The body of :func:`run_ngspice` in its run directory."""
    run_dir.write_inputs(netlist, spiceinit, inputs or {})
    cmd = [exe, "-b", NETLIST_NAME]
    t0 = time.perf_counter()
    try:
        proc = _execute(cmd, run_dir.path, timeout_s, on_progress)
    except subprocess.TimeoutExpired as exc:
        status = f"killed after timeout of {timeout_s:g} s"
        run_dir.write_log(cmd, _decoded(exc.stdout), _decoded(exc.stderr), status)
        raise run_dir.failure(f"timed out after {timeout_s:g} s") from None
    elapsed = time.perf_counter() - t0
    run_dir.write_log(
        cmd, proc.stdout, proc.stderr, f"exit status {proc.returncode}, {elapsed:.3f} s"
    )
    reason = _failure_reason(proc)
    if reason is not None:
        raise run_dir.failure(reason)
    tables = _read_tables(netlist, run_dir)
    prints = printed_values(proc.stdout)
    files = sorted(p.name for p in run_dir.path.iterdir())
    outcome = (proc.stdout, proc.stderr, proc.returncode, elapsed)
    if run_dir.temporary:
        shutil.rmtree(run_dir.path, ignore_errors=True)
        return NgspiceRun(tables, prints, *outcome, files=files)
    return NgspiceRun(tables, prints, *outcome, run_dir.path, run_dir.log_path, files)
