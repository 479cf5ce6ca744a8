"""Shared conventions of the toolbox layer: transfer-function normalisation and dB helpers.

Conventions (those of Schreier's Delta-Sigma Toolbox):

* An NTF is given as zeros, poles and gain, in the z-domain. We return it as a
  :class:`ZPK` named tuple, which unpacks as ``z, p, k = ntf`` like the tuples of the
  Python ports and also exposes ``ntf.zeros``, ``ntf.poles``, ``ntf.k``.
* Anything that is accepted as a transfer function may be a ``ZPK``, a ``(z, p, k)``
  sequence, a ``(num, den)`` pair of polynomial coefficients in descending powers of z,
  or a :class:`scipy.signal.lti`/``dlti`` object.
* ``ABCD = [[A, B], [C, D]]`` with one column of ``B`` per input; for a modulator the
  inputs are ``[u, v]`` (signal, quantizer output) and ``C``/``D`` produce ``y``, the
  quantizer input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _checks as chk
from ._zpk import ZPK, as_zpk

__all__ = [
    "ZPK",
    "as_zpk",
    "dbv",
    "dbp",
    "dbm",
    "undbv",
    "undbp",
    "undbm",
    "evalTF",
    "partitionABCD",
]


def dbv(x: Any) -> Any:
    """Decibels of a voltage-like quantity, ``20 log10 |x|`` (-inf for 0)."""
    with np.errstate(divide="ignore"):
        return 20.0 * np.log10(np.abs(x))


def dbp(x: Any) -> Any:
    """Decibels of a power-like quantity, ``10 log10 |x|`` (-inf for 0)."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(np.abs(x))


def dbm(v: Any, r_ohm: float = 50.0) -> Any:
    """Power in dBm of an rms voltage ``v`` across ``r_ohm`` (> 0)."""
    r_ohm = chk.positive("dbm", "r_ohm", r_ohm)
    return dbp(np.abs(v) ** 2 / r_ohm / 1e-3)


def undbv(x: Any) -> Any:
    """Inverse of :func:`dbv`: ``10 ** (x / 20)``."""
    return 10.0 ** (np.asarray(x, dtype=float) / 20.0)


def undbp(x: Any) -> Any:
    """Inverse of :func:`dbp`: ``10 ** (x / 10)``."""
    return 10.0 ** (np.asarray(x, dtype=float) / 10.0)


def undbm(p: Any, r_ohm: float = 50.0) -> Any:
    """Rms voltage across ``r_ohm`` (> 0) for a power ``p`` in dBm."""
    r_ohm = chk.positive("undbm", "r_ohm", r_ohm)
    return np.sqrt(r_ohm * 1e-3 * undbp(p))


def evalTF(tf: Any, z: Any) -> np.ndarray:
    """Evaluate a z-domain transfer function at the points ``z``.

    Parameters
    ----------
    tf : transfer function (see :func:`as_zpk`)
    z : array_like of complex
        Evaluation points, e.g. ``np.exp(2j * np.pi * f)`` for normalised frequency ``f``.

    Returns
    -------
    ndarray of complex, the shape of ``z``.

    Raises
    ------
    ValueError
        If a root or the gain of ``tf``, or a point of ``z``, is NaN or infinite.

    Notes
    -----
    The product form ``k * prod(z - z_i) / prod(z - p_i)`` is used rather than
    polynomial evaluation: it stays accurate for the clustered roots of high-order,
    high-OSR NTFs near ``z = 1``.
    """
    h = chk.transfer_function("evalTF", "tf", tf)
    return eval_zpk(h, chk.finite_array("evalTF", "z", z))


def eval_zpk(h: ZPK, z: Any) -> np.ndarray:
    """:func:`evalTF` without the argument checks, for inner loops (``h`` a checked ZPK)."""
    z = np.asarray(z, dtype=complex)
    out = np.full(z.shape, h.k, dtype=complex)
    for zi in h.zeros:
        out = out * (z - zi)
    for pi in h.poles:
        out = out / (z - pi)
    return out


def partitionABCD(ABCD: Any, m: int | None = None) -> tuple[np.ndarray, ...]:
    """Split ``ABCD = [[A, B], [C, D]]`` into ``A, B, C, D``.

    Parameters
    ----------
    ABCD : array_like, shape (n + q, n + m)
        State-space description with ``n`` states, ``m`` inputs and ``q`` outputs.
    m : int, optional
        Number of inputs. Default 2 (modulator convention: signal and feedback),
        unless the matrix is square-ish with ``q = 1`` which implies
        ``m = ncols - nrows + 1``.

    Returns
    -------
    A, B, C, D : ndarray

    Raises
    ------
    ValueError
        If ``ABCD`` is empty, more than 2-D or not finite, ``m`` is not an integer
        ``>= 0`` (a boolean is refused), or the shape cannot hold ``m`` inputs.
    """
    ABCD = np.asarray(ABCD)
    if ABCD.ndim > 2 or ABCD.size == 0:
        raise ValueError(
            f"partitionABCD: ABCD must be a non-empty 2-D matrix; got shape {ABCD.shape}"
        )
    ABCD = np.atleast_2d(chk.finite_array("partitionABCD", "ABCD", ABCD))
    rows, cols = ABCD.shape
    if m is None:
        # Toolbox rule: with one output, n = rows - 1 and m = cols - n.
        n = rows - 1
        m = cols - n
    m = chk.integer("partitionABCD", "m", m, 0)
    n = cols - m
    if n < 0 or n > rows:
        raise ValueError(f"partitionABCD: m = {m} inputs do not fit ABCD of shape {ABCD.shape}")
    return ABCD[:n, :n], ABCD[:n, n:], ABCD[n:, :n], ABCD[n:, n:]
