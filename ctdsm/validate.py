"""Checks of the arguments of the public entry points, one line per error.

Layer 0: imports nothing from ctdsm but :mod:`ctdsm.errors`, so every layer can use it.
Each check returns the value in its canonical type or raises :class:`ArgumentError`
naming the argument.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ctdsm.errors import ArgumentError

__all__ = ["check_int", "check_number", "check_seed", "check_n_samples", "check_amplitude_dbfs"]

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
