"""Checks of the arguments of the public entry points, one line per error.

Layer 0: imports nothing from ctdsm but :mod:`ctdsm.errors`, so every layer can use it.
Each check returns the value in its canonical type or raises :class:`ArgumentError`
naming the argument.
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any

from ctdsm.errors import ArgumentError

__all__ = [
    "BYTES_PER_SAMPLE",
    "BYTES_PER_SPICE_CYCLE",
    "available_memory_bytes",
    "check_amplitude_dbfs",
    "check_int",
    "check_memory",
    "check_n_samples",
    "check_number",
    "check_seed",
]

#: Memory a behavioral run takes per clock cycle, bytes: simulate() + analyze() peak at
#: 66 B/sample (tracemalloc, multi-bit seed, 2^18 and 2^20 samples); doubled for the output
#: files and figures a verb renders before writing.
BYTES_PER_SAMPLE = 132
#: Memory an ngspice closed-loop run takes per clock cycle, bytes: its wrdata table is
#: 386 B/cycle as text (single-bit seed, 2048 cycles, ngspice 39, 26 MB peak RSS in all),
#: read back into float arrays; 2 kB/cycle leaves room for the netlist's tables.
BYTES_PER_SPICE_CYCLE = 2048

#: Largest seed: numpy generators take any non-negative int, but the kernels keep int64.
SEED_MAX = (1 << 63) - 1
#: Largest input amplitude, dBFS (the spec's ``simulation.amplitude_dbfs`` limit).
AMPLITUDE_MAX_DBFS = 6.0


def check_int(name: str, value: Any, lo: int, hi: int) -> int:
    """An integer in ``[lo, hi]``; booleans and floats are refused.

    Parameters
    ----------
    name : str
        Argument name for the message.
    value : Any
        The value given.
    lo, hi : int
        Inclusive bounds.

    Returns
    -------
    int

    Raises
    ------
    ArgumentError
        If ``value`` is not an integer in range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentError(name, f"must be an integer, got {value!r}")
    if not lo <= int(value) <= hi:
        raise ArgumentError(name, f"must be an integer in [{lo}, {hi}], got {int(value)}")
    return int(value)


def check_number(
    name: str,
    value: Any,
    *,
    unit: str = "",
    ge: float | None = None,
    le: float | None = None,
) -> float:
    """A finite real number within optional bounds; booleans and strings are refused.

    Parameters
    ----------
    name : str
        Argument name for the message.
    value : Any
        The value given.
    unit : str
        Unit for the message (``"dBFS"``, ``"Hz"``).
    ge, le : float, optional
        Inclusive bounds.

    Returns
    -------
    float

    Raises
    ------
    ArgumentError
        If ``value`` is not a finite number in range.
    """
    bounds = " ".join(
        s
        for s in (f">= {ge:g}" if ge is not None else "", f"<= {le:g}" if le is not None else "")
        if s
    )
    want = f"a finite number{' ' + bounds if bounds else ''}{' ' + unit if unit else ''}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentError(name, f"must be {want}, got {value!r}")
    x = float(value)
    if not math.isfinite(x) or (ge is not None and x < ge) or (le is not None and x > le):
        raise ArgumentError(name, f"must be {want}, got {x!r}")
    return x


def check_seed(value: Any) -> int:
    """A random seed: an integer in ``[0, 2**63 - 1]``.

    Parameters
    ----------
    value : Any

    Returns
    -------
    int
    """
    return check_int("seed", value, 0, SEED_MAX)


def check_n_samples(value: Any, minimum: int = 16) -> int:
    """A record length in clock cycles: an integer ``>= minimum`` (at most ``2**40``).

    Parameters
    ----------
    value : Any
    minimum : int

    Returns
    -------
    int
    """
    return check_int("n_samples", value, minimum, 1 << 40)


def check_amplitude_dbfs(value: Any) -> float:
    """An input amplitude relative to full scale: finite, at most ``+6`` dBFS.

    Parameters
    ----------
    value : Any

    Returns
    -------
    float
    """
    return check_number("amplitude_dbfs", value, unit="dBFS", le=AMPLITUDE_MAX_DBFS)


def available_memory_bytes() -> int | None:
    """Memory the system can give a new allocation now, bytes (None if unknown).

    Linux: ``MemAvailable`` of ``/proc/meminfo``; elsewhere the free physical pages.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return None


def _size(n_bytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes / 1e3:.1f} kB"


def check_memory(name: str, count: int, bytes_each: float, what: str = "samples") -> int:
    """Refuse a run whose arrays would not fit in the memory available now.

    Parameters
    ----------
    name : str
        The argument or option that set ``count`` (``"n_samples"``, ``"--samples"``).
    count : int
        Samples (or cycles, runs) the run holds at once.
    bytes_each : float
        Memory per item, bytes (e.g. :data:`BYTES_PER_SAMPLE`).
    what : str
        What ``count`` counts, for the message.

    Returns
    -------
    int
        ``count``.

    Raises
    ------
    ArgumentError
        ``"<name>: <count> <what> need <size> of memory; <size> is available"``.
    """
    need = float(count) * float(bytes_each)
    have = available_memory_bytes()
    if have is not None and need > have:
        raise ArgumentError(
            name,
            f"{count} {what} need about {_size(need)} of memory; {_size(have)} is "
            "available (use fewer)",
        )
    return count
