"""Argument checks shared by the toolbox functions.

Each check raises :class:`ValueError` with a message ``"<func>: <name> must be ..."`` that
names the function, the argument and the reason, and otherwise returns the value
converted to the type the caller uses. The checks are meant for the scalar arguments and
for one-off array checks before a computation (a single ``np.isfinite(...).all()``), never
inside a per-sample loop.

Booleans are rejected wherever a number is meant: ``True`` is an ``int`` to Python but is
almost always a mistake as an order, an OSR or a number of levels.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ._zpk import ZPK, as_zpk

__all__ = [
    "abcd",
    "finite_array",
    "finite_zpk",
    "integer",
    "integer_array",
    "positive",
    "real_scalar",
    "in_range",
    "ordered_pair",
    "transfer_function",
]


def _is_bool(x: Any) -> bool:
    return isinstance(x, bool | np.bool_)


def real_scalar(func: str, name: str, x: Any) -> float:
    """A finite real number.

    Parameters
    ----------
    func : str
        Name of the calling function, for the message.
    name : str
        Name of the argument, for the message.
    x : Any
        The value: a real number (Python or NumPy scalar, or a 0-d/size-1 array).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``x`` is a boolean, not a real number, NaN or infinite.
    """
    if _is_bool(x):
        raise ValueError(f"{func}: {name} must be a real number, not a boolean ({x!r})")
    if isinstance(x, numbers.Real):
        value = float(x)
    else:
        arr = np.asarray(x)
        if arr.size != 1 or arr.dtype.kind not in "iuf":
            raise ValueError(f"{func}: {name} must be a real number; got {x!r}")
        value = float(arr.ravel()[0])
    if not math.isfinite(value):
        raise ValueError(f"{func}: {name} must be finite; got {value}")
    return value


def positive(func: str, name: str, x: Any) -> float:
    """A finite real number ``> 0``.

    Parameters
    ----------
    func, name : str
        Calling function and argument, for the message.
    x : Any
        The value.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        As :func:`real_scalar`, or if ``x <= 0``.
    """
    value = real_scalar(func, name, x)
    if not value > 0.0:
        raise ValueError(f"{func}: {name} must be > 0; got {value}")
    return value


def in_range(
    func: str,
    name: str,
    x: Any,
    lo: float,
    hi: float,
    *,
    hi_open: bool = False,
    lo_open: bool = False,
) -> float:
    """A finite real number in ``[lo, hi]`` (``[lo, hi)`` with ``hi_open``, ``(lo, hi]``
    with ``lo_open``).

    Parameters
    ----------
    func, name : str
        Calling function and argument, for the message.
    x : Any
        The value.
    lo, hi : float
        Bounds.
    hi_open : bool
        Exclude ``hi``.
    lo_open : bool
        Exclude ``lo``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        As :func:`real_scalar`, or if ``x`` is outside the interval.
    """
    value = real_scalar(func, name, x)
    above = lo < value if lo_open else lo <= value
    below = value < hi if hi_open else value <= hi
    if not (above and below):
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        raise ValueError(f"{func}: {name} must be in {left}{lo}, {hi}{right}; got {value}")
    return value


def ordered_pair(func: str, lo_name: str, hi_name: str, lo: Any, hi: Any) -> tuple[float, float]:
    """Two finite real numbers with ``lo < hi`` (the edges of a band, say).

    Parameters
    ----------
    func : str
        Calling function, for the message.
    lo_name, hi_name : str
        Names of the two arguments, for the message.
    lo, hi : Any
        The values.

    Returns
    -------
    tuple of float
        ``(lo, hi)``.

    Raises
    ------
    ValueError
        As :func:`real_scalar` (naming the offending argument), or if ``lo >= hi`` (naming
        ``hi_name``).
    """
    a = real_scalar(func, lo_name, lo)
    b = real_scalar(func, hi_name, hi)
    if not a < b:
        raise ValueError(
            f"{func}: {hi_name} must be > {lo_name}; got {lo_name} = {a}, {hi_name} = {b}"
        )
    return a, b


def integer(func: str, name: str, x: Any, minimum: int | None = None) -> int:
    """An integer (an integral float such as ``1e5`` is accepted), optionally ``>= minimum``.

    Parameters
    ----------
    func, name : str
        Calling function and argument, for the message.
    x : Any
        The value.
    minimum : int, optional
        Smallest allowed value.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``x`` is a boolean, not a real number, not finite, not integral, or below
        ``minimum``.
    """
    if _is_bool(x):
        raise ValueError(f"{func}: {name} must be an integer, not a boolean ({x!r})")
    value = real_scalar(func, name, x)
    if value != math.floor(value):
        raise ValueError(f"{func}: {name} must be an integer; got {value}")
    out = int(value)
    if minimum is not None and out < minimum:
        raise ValueError(f"{func}: {name} must be an integer >= {minimum}; got {out}")
    return out


def integer_array(func: str, name: str, x: Any, minimum: int | None = None) -> np.ndarray:
    """A non-empty array of integers (as ``int64``, raveled), optionally all ``>= minimum``.

    Parameters
    ----------
    func, name : str
        Calling function and argument, for the message.
    x : array_like
        The values (a scalar gives a length-1 array).
    minimum : int, optional
        Smallest allowed value.

    Returns
    -------
    ndarray of int64, shape (n,)

    Raises
    ------
    ValueError
        If ``x`` is empty, boolean, not numeric, not finite, not integral or below
        ``minimum``.
    """
    arr = np.atleast_1d(np.asarray(x)).ravel()
    if arr.size == 0:
        raise ValueError(f"{func}: {name} must not be empty")
    if arr.dtype.kind == "b":
        raise ValueError(f"{func}: {name} must be integers, not booleans ({x!r})")
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{func}: {name} must be integers; got {x!r}")
    if arr.dtype.kind == "f" and not (np.isfinite(arr).all() and (arr == np.floor(arr)).all()):
        raise ValueError(f"{func}: {name} must be finite integers; got {x!r}")
    out = arr.astype(np.int64)
    if minimum is not None and (out < minimum).any():
        raise ValueError(f"{func}: {name} must be >= {minimum}; got {x!r}")
    return out


def finite_array(func: str, name: str, x: Any, *, allow_empty: bool = True) -> np.ndarray:
    """A numeric array with no NaN or infinite entry.

    Parameters
    ----------
    func, name : str
        Calling function and argument, for the message.
    x : array_like
        The values (real or complex).
    allow_empty : bool
        Whether an empty array is accepted.

    Returns
    -------
    ndarray
        ``np.asarray(x)`` (not copied, not converted).

    Raises
    ------
    ValueError
        If ``x`` is not numeric, is empty (unless allowed) or has a NaN or infinite entry;
        the message gives the number of such entries and the index of the first.
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "biufc":
        raise ValueError(f"{func}: {name} must be numeric; got dtype {arr.dtype}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{func}: {name} must not be empty")
    ok = np.isfinite(arr)
    if not ok.all():
        bad = np.flatnonzero(~ok.ravel())
        if arr.ndim == 0:
            raise ValueError(f"{func}: {name} must be finite; got {arr.item()}")
        first = [int(i) for i in np.unravel_index(int(bad[0]), arr.shape)]
        raise ValueError(
            f"{func}: {name} must be finite; {bad.size} of {arr.size} values are NaN or "
            f"infinite (the first at index {first})"
        )
    return arr


def finite_zpk(func: str, name: str, h: ZPK) -> ZPK:
    """A transfer function whose zeros, poles and gain are all finite.

    Parameters
    ----------
    func, name : str
        Calling function and argument, for the message.
    h : ZPK
        The transfer function, already normalised by :func:`as_zpk`.

    Returns
    -------
    ZPK
        ``h`` itself.

    Raises
    ------
    ValueError
        If a zero, a pole or the gain is NaN or infinite.
    """
    for part, values in (("zeros", h.zeros), ("poles", h.poles), ("gain", h.k)):
        if not np.isfinite(np.asarray(values)).all():
            raise ValueError(f"{func}: {name} has non-finite {part}: {values!r}")
    return h


def transfer_function(func: str, name: str, tf: Any) -> ZPK:
    """A transfer function (anything :func:`as_zpk` accepts) with finite roots and gain.

    Parameters
    ----------
    func, name : str
        Calling function and argument, for the message.
    tf : Any
        The transfer function.

    Returns
    -------
    ZPK

    Raises
    ------
    TypeError
        If ``tf`` is not a transfer function at all (from :func:`as_zpk`).
    ValueError
        As :func:`finite_zpk`.
    """
    return finite_zpk(func, name, as_zpk(tf))


def abcd(
    func: str,
    name: str,
    x: Any,
    *,
    nq: int = 1,
    nu: int | None = None,
    min_states: int = 0,
) -> np.ndarray:
    """A finite state-space matrix ``[[A, B], [C, D]]`` of shape ``(n + nq, n + nu + nq)``.

    Parameters
    ----------
    func, name : str
        Calling function and argument, for the message.
    x : array_like
        The matrix (real or complex; not converted).
    nq : int
        Number of outputs (quantizers), the rows below ``A``.
    nu : int, optional
        Exact number of signal inputs; by default any number ``>= 1``.
    min_states : int
        Smallest allowed number of states ``n``.

    Returns
    -------
    ndarray, 2-D
        ``np.asarray(x)``.

    Raises
    ------
    ValueError
        If ``x`` is not a non-empty 2-D numeric matrix of that shape, or has a NaN or
        infinite entry.
    """
    arr = np.asarray(x)
    inputs = "m" if nu is None else str(nu)
    want = (
        f"an (n + {nq}) x (n + {inputs} + {nq}) [[A, B], [C, D]] matrix with n >= {min_states} "
        f"states" + ("" if nu is not None else " and m >= 1 inputs")
    )
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{func}: {name} must be {want}; got shape {arr.shape}")
    rows, cols = arr.shape
    n, m = rows - nq, cols - rows
    if n < min_states or (m < 1 if nu is None else m != nu):
        raise ValueError(f"{func}: {name} must be {want}; got shape {arr.shape}")
    return finite_array(func, name, arr)
