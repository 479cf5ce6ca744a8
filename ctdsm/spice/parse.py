"""Reading what ngspice wrote: ``wrdata`` tables, printed scalars, error lines, output codes.

Pure functions of text and files, no process: :mod:`ctdsm.spice.runner` uses them on a run
directory, :mod:`ctdsm.spice.closed_loop` on the table of a closed-loop run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ctdsm.errors import CtdsmError

__all__ = [
    "wrdata_commands",
    "read_wrdata",
    "printed_values",
    "first_error",
    "codes_from_table",
]

# Output lines that mean the run failed even when ngspice exits with status 0.
_ERROR_RE = re.compile(
    r"^\s*(error\b.*|.*fatal error.*|.*timestep too small.*|.*simulation\(s\) aborted.*"
    r"|.*simulation interrupted.*)$",
    re.IGNORECASE,
)
_PRINT_RE = re.compile(r"^(\S+) = ([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_WRDATA_RE = re.compile(r"^\s*wrdata\s+(\S+)\s*(.*)$", re.IGNORECASE)


def wrdata_commands(netlist: str) -> list[tuple[str, list[str]]]:
    """Every ``wrdata`` command inside the netlist's ``.control`` blocks.

    Parameters
    ----------
    netlist : str
        Netlist text.

    Returns
    -------
    list of (str, list of str)
        ``(file, [vectors])`` per command, in order.
    """
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


def _column_names(header: list[str] | None, ncol: int, vectors: Sequence[str]) -> list[str]:
    """Names of a table's columns: the ``wr_vecnames`` header when it fits, else from the
    ``wrdata`` command (a scale before every vector, or one scale), else ``col<i>``."""
    if header is not None and len(header) == ncol:
        return header
    if ncol == 2 * len(vectors):
        return [n for v in vectors for n in ("scale", v)]
    if ncol == len(vectors) + 1:
        return ["scale", *vectors]
    return [f"col{i}" for i in range(ncol)]


def read_wrdata(path: Path, vectors: Sequence[str]) -> dict[str, np.ndarray]:
    """The columns of a ``wrdata`` file.

    Parameters
    ----------
    path : pathlib.Path
    vectors : sequence of str
        The vectors its ``wrdata`` command named (see :func:`wrdata_commands`).

    Returns
    -------
    dict of str to numpy.ndarray
        Column name to values; of repeated names (the scale) the first is kept.

    Raises
    ------
    ValueError
        The file is not a numeric table.
    """
    with path.open() as fh:
        first = fh.readline()
    header: list[str] | None = None
    try:
        [float(tok) for tok in first.split()]
    except ValueError:
        header = first.split()
    data = np.loadtxt(path, skiprows=1 if header else 0, ndmin=2)
    ncol = data.shape[1] if data.size else len(header or [])
    table: dict[str, np.ndarray] = {}
    for i, name in enumerate(_column_names(header, ncol, vectors)):
        table.setdefault(name, data[:, i] if data.size else np.empty(0))
    return table


def printed_values(stdout: str) -> dict[str, float]:
    """Scalars a ``.control`` block printed, from its ``name = value`` lines."""
    prints: dict[str, float] = {}
    for line in stdout.splitlines():
        m = _PRINT_RE.match(line.strip())
        if m:
            prints[m.group(1)] = float(m.group(2))
    return prints


def first_error(text: str) -> str | None:
    """The first line of ngspice's output that reports an error (at most 200 characters),
    or None."""
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


class CodeTiming(Protocol):
    """Where a netlist's codes sit in its output table (:class:`ctdsm.spice.Netlist` has
    these attributes)."""

    @property
    def fs_hz(self) -> float: ...
    @property
    def n_cycles(self) -> int: ...
    @property
    def code_vector(self) -> str: ...
    @property
    def t_first_sample_s(self) -> float: ...
    @property
    def read_delay_s(self) -> float: ...


def codes_from_table(table: dict[str, np.ndarray], netlist: CodeTiming) -> np.ndarray:
    """The ``n_cycles`` codes from the ``wrdata`` table (rows every ``T/2`` from ``t = 0``).

    The code of clock ``n`` (decided at ``t_n = t_0 + n T``) is read from the DAC's code at
    ``t_n + read_delay_s`` (a row: ``t_0`` and the delay are multiples of ``T/2``); codes are
    rounded to the quantizer's levels.

    Parameters
    ----------
    table : dict of str to numpy.ndarray
        The table (:func:`read_wrdata`), with a ``scale`` (or ``time``) column.
    netlist : Netlist
        The netlist that wrote it.

    Returns
    -------
    numpy.ndarray
        ``n_cycles`` codes, toolbox units.

    Raises
    ------
    CtdsmError
        The table misses some of the clock samples.
    KeyError
        The table has no code column.
    """
    t = np.asarray(table.get("scale", table.get("time")), dtype=float)
    code = np.asarray(table[netlist.code_vector], dtype=float)
    half = 0.5 / netlist.fs_hz
    k = np.rint(t / half).astype(np.int64)
    first = int(round((netlist.t_first_sample_s + netlist.read_delay_s) / half))
    want = first + 2 * np.arange(netlist.n_cycles)
    idx = np.searchsorted(k, want)
    if np.any(idx >= k.size) or np.any(k[np.minimum(idx, k.size - 1)] != want):
        found = int(np.count_nonzero(np.isin(k, want)))
        raise CtdsmError(
            f"ngspice output: expected {netlist.n_cycles} clock samples, found {found}"
        )
    return np.rint(code[idx])
