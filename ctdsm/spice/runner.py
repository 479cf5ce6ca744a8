"""Run ngspice in batch mode in a subprocess and read back the files its netlist wrote.

The netlist's ``.control`` block does the analyses and writes results with ``wrdata FILE
VEC...`` (files relative to the run directory) and/or ``print`` of scalars (read from
stdout as ``name = value``). :func:`run_ngspice` writes the netlist into a run directory,
runs ``ngspice -b netlist.cir`` there (no shell), keeps stdout/stderr in ``ngspice.log``,
and decides success from the output rather than from the exit status alone: ngspice 39
exits with 1 after a successful ``.control`` run that does not ``quit`` ("no simulations
run"), and with 0 after some control-block errors.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ctdsm.errors import CtdsmError

__all__ = ["NgspiceError", "NgspiceRun", "ngspice_binary", "run_ngspice"]

NETLIST_NAME = "netlist.cir"
LOG_NAME = "ngspice.log"

# Output lines that mean the run failed even when ngspice exits with status 0.
_ERROR_RE = re.compile(
    r"^\s*(error\b.*|.*fatal error.*|.*timestep too small.*|.*simulation\(s\) aborted.*"
    r"|.*simulation interrupted.*)$",
    re.IGNORECASE,
)
_NO_SIM_NOTE = "no simulations run"
_PRINT_RE = re.compile(r"^(\S+) = ([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_WRDATA_RE = re.compile(r"^\s*wrdata\s+(\S+)\s*(.*)$", re.IGNORECASE)


class NgspiceError(CtdsmError):
    """An ngspice run failed or timed out.

    The message is one line naming the reason and the kept log.

    Attributes
    ----------
    log_path : pathlib.Path or None
        ``ngspice.log`` in the kept run directory (None when it was not kept).
    workdir : pathlib.Path or None
        The kept run directory (netlist, ``.spiceinit``, partial outputs).
    """

    def __init__(self, reason: str, log_path: Path | None, workdir: Path | None) -> None:
        self.reason = reason
        self.log_path = log_path
        self.workdir = workdir
        where = f"log: {log_path}" if log_path is not None else "log not kept"
        super().__init__(f"ngspice failed: {reason} ({where})")


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
    CtdsmError
        When it is not found, with how to install it.
    """
    path = shutil.which(name)
    if path is None:
        raise CtdsmError(
            f"ngspice executable {name!r} not found on PATH; install it "
            "(Debian/Ubuntu: apt-get install ngspice)"
        )
    return path


def _wrdata_commands(netlist: str) -> list[tuple[str, list[str]]]:
    """``(file, [vectors])`` of every ``wrdata`` command inside ``.control`` blocks."""
    out: list[tuple[str, list[str]]] = []
    in_control = False
    for line in netlist.splitlines():
        low = line.strip().lower()
        if low.startswith(".control"):
            in_control = True
        elif low.startswith(".endc"):
            in_control = False
        elif in_control:
            m = _WRDATA_RE.match(line)
            if m:
                out.append((m.group(1), m.group(2).split()))
    return out


def _read_wrdata(path: Path, vectors: Sequence[str]) -> dict[str, np.ndarray]:
    with path.open() as fh:
        first = fh.readline()
    header: list[str] | None = None
    try:
        [float(tok) for tok in first.split()]
    except ValueError:
        header = first.split()
    data = np.loadtxt(path, skiprows=1 if header else 0, ndmin=2)
    ncol = data.shape[1] if data.size else len(header or [])
    if header is not None and len(header) == ncol:
        names = header
    elif ncol == 2 * len(vectors):
        names = [n for v in vectors for n in ("scale", v)]
    elif ncol == len(vectors) + 1:
        names = ["scale", *vectors]
    else:
        names = [f"col{i}" for i in range(ncol)]
    table: dict[str, np.ndarray] = {}
    for i, name in enumerate(names):
        table.setdefault(name, data[:, i] if data.size else np.empty(0))
    return table


def _first_error(text: str) -> str | None:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if _ERROR_RE.match(line):
            msg = " ".join(line.split())
            # XSPICE code models print a bare "ERROR **" and the reason on the next line.
            if len(msg.strip("* ")) <= len("error"):
                nxt = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
                msg = f"{msg} {' '.join(nxt.split())}"
            return msg[:200]
    return None


_REFERENCE_RE = re.compile(r"Reference value\s*:\s*([-+0-9.eE]+)")


def _run_watched(
    cmd: list[str], cwd: Path, timeout_s: float, on_progress: Callable[[float], None]
) -> subprocess.CompletedProcess:
    """``subprocess.run`` that reads stderr while ngspice runs and reports its sim time.

    The process is killed on timeout (``TimeoutExpired``) and on ``KeyboardInterrupt``.
    """
    import threading

    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []

    def read_out() -> None:
        assert proc.stdout is not None
        for chunk in iter(lambda: proc.stdout.read(65536), b""):
            out_chunks.append(chunk)

    def read_err() -> None:
        assert proc.stderr is not None
        tail = b""
        for chunk in iter(lambda: proc.stderr.read1(4096), b""):
            err_chunks.append(chunk)
            text = (tail + chunk).decode(errors="replace")
            found = _REFERENCE_RE.findall(text)
            if found:
                try:
                    on_progress(float(found[-1]))
                except ValueError:
                    pass
            tail = (tail + chunk)[-64:]

    threads = [threading.Thread(target=f, daemon=True) for f in (read_out, read_err)]
    for t in threads:
        t.start()
    try:
        proc.wait(timeout=timeout_s)
    except BaseException:
        proc.kill()
        proc.wait()
        for t in threads:
            t.join(timeout=5)
        if isinstance(sys.exc_info()[1], subprocess.TimeoutExpired):
            raise subprocess.TimeoutExpired(
                cmd, timeout_s, output=b"".join(out_chunks), stderr=b"".join(err_chunks)
            ) from None
        raise
    for t in threads:
        t.join()
    out = b"".join(out_chunks).decode(errors="replace")
    err = b"".join(err_chunks).decode(errors="replace")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


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
        netlist is parsed (e.g. :func:`ctdsm.process.spiceinit_lines` for gf180mcu).
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
    """
    exe = ngspice_binary(ngspice)
    temporary = workdir is None
    run_dir = Path(tempfile.mkdtemp(prefix="ctdsm-ngspice-")) if temporary else Path(workdir)
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir = run_dir.resolve()
    (run_dir / NETLIST_NAME).write_text(netlist if netlist.endswith("\n") else netlist + "\n")
    if spiceinit:
        (run_dir / ".spiceinit").write_text("\n".join(spiceinit) + "\n")
    for name, text in (inputs or {}).items():
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ValueError(f"inputs: {name!r} is not a plain name inside the run directory")
        (run_dir / name).write_text(text)
    log_path = run_dir / LOG_NAME
    cmd = [exe, "-b", NETLIST_NAME]

    def fail(reason: str) -> NgspiceError:
        if temporary and not keep_logs_on_failure:
            shutil.rmtree(run_dir, ignore_errors=True)
            return NgspiceError(reason, None, None)
        return NgspiceError(reason, log_path, run_dir)

    def write_log(stdout: str, stderr: str, status: str) -> None:
        log_path.write_text(
            f"# command: {' '.join(cmd)} (cwd {run_dir})\n# {status}\n"
            f"# ---- stdout ----\n{stdout}\n# ---- stderr ----\n{stderr}\n"
        )

    t0 = time.perf_counter()
    try:
        if on_progress is None:
            proc = subprocess.run(
                cmd,
                cwd=run_dir,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout_s,
                stdin=subprocess.DEVNULL,
            )
        else:
            proc = _run_watched(cmd, run_dir, timeout_s, on_progress)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        write_log(out or "", err or "", f"killed after timeout of {timeout_s:g} s")
        raise fail(f"timed out after {timeout_s:g} s") from None
    elapsed = time.perf_counter() - t0
    stdout, stderr = proc.stdout, proc.stderr
    write_log(stdout, stderr, f"exit status {proc.returncode}, {elapsed:.3f} s")

    combined = stdout + "\n" + stderr
    reason = _first_error(combined)
    if reason is None and proc.returncode < 0:
        reason = f"killed by signal {-proc.returncode}"
    if reason is None and proc.returncode != 0 and _NO_SIM_NOTE not in combined.lower():
        reason = f"exit status {proc.returncode}"
    if reason is not None:
        raise fail(reason)

    tables: dict[str, dict[str, np.ndarray]] = {}
    for fname, vectors in _wrdata_commands(netlist):
        path = run_dir / fname
        if not path.is_file():
            raise fail(f"the netlist's wrdata wrote no {fname}")
        try:
            tables[fname] = _read_wrdata(path, vectors)
        except ValueError as exc:
            raise fail(f"cannot parse {fname}: {' '.join(str(exc).split())[:120]}") from None

    prints: dict[str, float] = {}
    for line in stdout.splitlines():
        m = _PRINT_RE.match(line.strip())
        if m:
            prints[m.group(1)] = float(m.group(2))

    files = sorted(p.name for p in run_dir.iterdir())
    if temporary:
        shutil.rmtree(run_dir, ignore_errors=True)
        return NgspiceRun(tables, prints, stdout, stderr, proc.returncode, elapsed, files=files)
    return NgspiceRun(
        tables, prints, stdout, stderr, proc.returncode, elapsed, run_dir, log_path, files
    )
