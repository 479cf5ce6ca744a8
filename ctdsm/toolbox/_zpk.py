"""The toolbox's transfer-function type: :class:`ZPK` and :func:`as_zpk` (the other
toolbox modules, the argument checks included, build on it)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy import signal

__all__ = ["ZPK", "as_zpk"]


class ZPK(NamedTuple):
    """A z-domain transfer function as zeros, poles and gain.

    Unpacks like the toolbox tuple (``z, p, k = ntf``).
    """

    zeros: np.ndarray
    poles: np.ndarray
    k: float

    def __repr__(self) -> str:
        z = np.array2string(np.asarray(self.zeros), precision=6)
        p = np.array2string(np.asarray(self.poles), precision=6)
        return f"ZPK(zeros={z}, poles={p}, k={self.k:.6g})"

    def to_dlti(self, dt: float = 1.0) -> signal.dlti:
        """Return the equivalent :class:`scipy.signal.dlti` (ZPK form)."""
        return signal.ZerosPolesGain(self.zeros, self.poles, self.k, dt=dt)


def _clean_roots(r: Any) -> np.ndarray:
    r = np.atleast_1d(np.asarray(r, dtype=complex)).ravel()
    return r


def as_zpk(tf: Any) -> ZPK:
    """Normalise any accepted transfer-function description to a :class:`ZPK`.

    Parameters
    ----------
    tf : ZPK, (z, p, k), (num, den), scipy.signal.lti or dlti
        Transfer function. A two-element sequence is read as polynomial
        coefficients ``(num, den)`` in descending powers of ``z``.

    Returns
    -------
    ZPK
    """
    if isinstance(tf, ZPK):
        return ZPK(_clean_roots(tf.zeros), _clean_roots(tf.poles), float(np.real(tf.k)))
    if isinstance(tf, signal.lti | signal.dlti):
        zpk = tf.to_zpk()
        return ZPK(_clean_roots(zpk.zeros), _clean_roots(zpk.poles), float(np.real(zpk.gain)))
    if isinstance(tf, dict):
        return ZPK(_clean_roots(tf["zeros"]), _clean_roots(tf["poles"]), float(tf["k"]))
    if isinstance(tf, list | tuple):
        if len(tf) == 3:
            z, p, k = tf
            return ZPK(_clean_roots(z), _clean_roots(p), float(np.real(k)))
        if len(tf) == 2:
            num, den = (np.atleast_1d(np.asarray(x, dtype=float)) for x in tf)
            z, p, k = signal.tf2zpk(num, den)
            return ZPK(_clean_roots(z), _clean_roots(p), float(np.real(k)))
    raise TypeError(f"cannot interpret {type(tf).__name__} as a transfer function")
