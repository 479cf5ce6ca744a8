"""Helpers shared by the NTF synthesis functions: band edges, root pairing, magnitudes.

Magnitudes are evaluated in product form, ``prod |z - z_i| / prod |z - p_i|``, which stays
accurate for the clustered roots of high-order, high-OSR NTFs near ``z = 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize

from ._common import ZPK, as_zpk

__all__ = ["band_edges", "cplxpair", "abs_tf", "is_real_tf", "unit_circle_peak"]


def band_edges(osr: float, f0: float) -> tuple[float, float]:
    """Band edges (normalized to fs) of a real modulator: [0, 0.5/osr] or f0 -+ 0.25/osr."""
    if f0 > 0.25 / osr:
        return f0 - 0.25 / osr, f0 + 0.25 / osr
    return 0.0, 0.5 / osr


def cplxpair(x: Any, tol: float = 1e-9) -> np.ndarray:
    """Order roots like MATLAB's ``cplxpair``: pairs (negative imaginary part first) by
    increasing real part, then the real roots in increasing order.

    Pairs are snapped to exact conjugates and near-real roots to real, so that
    polynomials built from the result have real coefficients.
    """
    x = np.atleast_1d(np.asarray(x, dtype=complex)).ravel()
    if x.size == 0:
        return x
    scale = np.maximum(1.0, np.abs(x))
    is_real = np.abs(x.imag) <= tol * scale
    reals = np.sort(x[is_real].real)
    upper = list(x[~is_real & (x.imag > 0)])
    lower = list(x[~is_real & (x.imag < 0)])
    if len(upper) != len(lower):
        raise ValueError("complex values do not come in conjugate pairs")
    pairs = []
    for u in upper:
        j = int(np.argmin([abs(u - np.conj(v)) for v in lower]))
        v = lower.pop(j)
        if abs(u - np.conj(v)) > 1e3 * tol * max(1.0, abs(u)):
            raise ValueError("complex values do not come in conjugate pairs")
        # Average the pair to make it exactly conjugate.
        m = 0.5 * (u + np.conj(v))
        pairs.append(m)
    pairs.sort(key=lambda c: (c.real, abs(c.imag)))
    out = []
    for m in pairs:
        out.extend([np.conj(m), m])
    out.extend(reals.astype(complex))
    return np.asarray(out, dtype=complex)


def abs_tf(zeros: np.ndarray, poles: np.ndarray, z: complex | np.ndarray) -> Any:
    """``|prod(z - z_i) / prod(z - p_i)|`` (gain 1), evaluated in product form."""
    z = np.asarray(z, dtype=complex)
    num = np.prod(np.abs(z[..., None] - zeros), axis=-1) if zeros.size else np.ones(z.shape)
    den = np.prod(np.abs(z[..., None] - poles), axis=-1) if poles.size else np.ones(z.shape)
    return num / den


def is_real_tf(h: ZPK) -> bool:
    """True when zeros and poles are closed under conjugation (real coefficients)."""
    for r in (h.zeros, h.poles):
        if r.size:
            # Every root needs a conjugate partner (itself when real).
            dist = np.abs(r[:, None] - np.conj(r)[None, :])
            if np.max(np.min(dist, axis=1)) > 1e-8 * max(1.0, float(np.max(np.abs(r)))):
                return False
    return True


def unit_circle_peak(H: Any) -> tuple[float, float]:
    """Peak of ``|H(exp(j 2 pi f))|`` and its frequency: the computation of ``infnorm``.

    A 2049-point grid, completed with the pole angles (where narrow peaks sit), locates
    the candidates; the best four local maxima are refined with a bounded scalar search to
    ``1e-12`` in frequency. The grid spans ``[0, 0.5]`` for a real ``H``, else
    ``[-0.5, 0.5]``; a non-finite grid value (a pole on the circle) is returned as ``inf``.
    """
    h = as_zpk(H)
    zeros, poles, k = h.zeros, h.poles, abs(h.k)
    lo = 0.0 if is_real_tf(h) else -0.5
    hi = 0.5
    grid = np.linspace(lo, hi, 2049)
    if poles.size:
        fp = np.angle(poles) / (2 * np.pi)
        grid = np.union1d(grid, fp[(fp >= lo) & (fp <= hi)])

    def mag(f: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return k * abs_tf(zeros, poles, np.exp(2j * np.pi * np.asarray(f)))

    vals = mag(grid)
    if not np.all(np.isfinite(vals)):
        i = int(np.argmax(~np.isfinite(vals)))
        return float("inf"), float(grid[i])
    # Local maxima of the sampled magnitude (ends count), best first.
    padded = np.concatenate([[-np.inf], vals, [-np.inf]])
    is_peak = (padded[1:-1] >= padded[:-2]) & (padded[1:-1] >= padded[2:])
    peaks = np.flatnonzero(is_peak)
    peaks = peaks[np.argsort(vals[peaks])[::-1]][:4]
    best_v, best_f = float(vals[peaks[0]]), float(grid[peaks[0]])
    for j in peaks.tolist():
        a = grid[max(j - 1, 0)]
        b = grid[min(j + 1, grid.size - 1)]
        if b <= a:
            continue
        res = optimize.minimize_scalar(
            lambda f: -float(mag(f)),
            bounds=(a, b),
            method="bounded",
            options={"xatol": 1e-12},
        )
        # Accept only a real improvement: on a flat (maximally flat) peak the search
        # would otherwise wander off the exact grid maximum on rounding noise.
        if -res.fun > best_v * (1.0 + 1e-13):
            best_v, best_f = float(-res.fun), float(res.x)
    return best_v, best_f
