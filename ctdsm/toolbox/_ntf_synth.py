"""Zero and pole placement of :func:`ctdsm.toolbox.ntf.synthesizeNTF`.

*Poles*: Schreier's maximally flat placement. The denominator magnitude is made
``|D|^2 ~ T^n + x^2`` with ``T = |z + 1/z - 2 cos(2 pi f0)|``, a Butterworth response in
``T``; its roots satisfy ``p + 1/p = 2 cos(2 pi f0) - r exp(j (2k - 1) pi / n)`` with
``r = x^(2/n)``, and the root inside the unit circle of each quadratic is kept. ``log r``
is tuned by bracketed root finding so that the peak out-of-band gain is ``H_inf``.

*Zeros*: normalized offsets ``x`` (units of the band edge) of the upper-half zeros are
mapped onto the unit circle, and for opt 3/4 optimized numerically for fixed poles.

References
----------
R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley-IEEE,
2005, sec. 4.4 and appendix A.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
from scipy import optimize

from ._common import ZPK
from ._ntf_common import abs_tf, band_edges, cplxpair, unit_circle_peak

__all__ = ["butterworth_poles", "solve_poles", "assemble_zeros", "refine_zeros"]


def butterworth_poles(n: int, f0: float, log_r: float) -> np.ndarray:
    """Maximally flat NTF poles for the Butterworth parameter ``r = x^(2/n) = exp(log_r)``."""
    w = (2.0 * np.arange(1, n + 1) - 1.0) * np.pi / n
    m = np.cos(2.0 * np.pi * f0) - 0.5 * np.exp(log_r) * np.exp(1j * w)
    # Roots of p^2 - 2 m p + 1 = 0 are p and 1/p; keep the one inside the unit circle.
    # (m-1)(m+1) rather than m^2-1 keeps precision when the poles approach z = 1.
    p = m - np.sqrt((m - 1.0) * (m + 1.0))
    out = np.abs(p) > 1.0
    p[out] = 1.0 / p[out]
    return cplxpair(p, tol=1e-9)


def _peak_at_ends(zeros: np.ndarray, poles: np.ndarray, f0: float) -> float:
    """Out-of-band peak of a maximally flat NTF with in-band zeros: ``|NTF(-1)|`` for a
    low-pass design, ``max |NTF(+-1)|`` for a band-pass one (``|NTF|`` grows
    monotonically with the distance from the band)."""
    ends = np.array([-1.0]) if f0 == 0.0 else np.array([1.0, -1.0])
    return float(np.max(abs_tf(zeros, poles, ends)))


def _peak_exact(zeros: np.ndarray, poles: np.ndarray, f0: float) -> float:
    """Peak of the monic NTF on the whole unit circle (``f0`` unused: same signature as
    :func:`_peak_at_ends`)."""
    del f0
    return unit_circle_peak(ZPK(zeros, poles, 1.0))[0]


def _walk_down(
    g: Callable[[float], float], start: float, step: float, floor: float
) -> float | None:
    """Largest ``log_r <= start`` with ``g(log_r) = 0``, given ``g(start) > 0``.

    Steps down to the first sign change, then Brent. The first root below the FIR side is
    the intended one: for tiny ``r`` the poles sit at z = 1 and no longer cancel zeros
    spread over the band, so the response blows up again in band.
    """
    hi = start
    lo = hi - step
    while g(lo) > 0.0:
        hi, lo = lo, lo - step
        if lo < floor:
            return None
    return optimize.brentq(g, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=200)


def solve_poles(
    zeros: np.ndarray, n: int, H_inf: float, f0: float, stacklevel: int = 3
) -> np.ndarray:
    """Maximally flat poles giving a peak out-of-band gain of exactly ``H_inf``.

    The toolbox matches ``|NTF|`` at the far end of the spectrum (``z = -1``, or ``z = 1``
    when ``f0 > 1/4``), which is the peak for zeros placed symmetrically in the band.
    Here the larger of ``|NTF(+-1)|`` is matched (the same thing in those cases); if the
    true peak on the unit circle is still higher (asymmetric or explicit zeros, or a low
    OSR where the poles come close to the spread zeros) the exact peak (``infnorm``) is
    matched instead, at the largest such root below the far-end solution (any root must
    lie there, since the far-end gain alone exceeds ``H_inf`` above it). When no Butterworth
    parameter gives the target, the far-end solution is returned with a warning.

    ``stacklevel`` is that of the warnings: the default 3 blames the caller of a function
    that calls this one directly (``synthesizeNTF``).
    """
    no_poles = np.zeros(0)
    limit = _peak_exact(zeros, no_poles, f0)
    if H_inf >= limit:
        warnings.warn(
            f"synthesizeNTF: H_inf={H_inf:g} cannot be achieved (the FIR NTF with all "
            f"poles at z=0 has {limit:.6g}); setting all NTF poles to zero.",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
        return np.zeros(n, dtype=complex)

    def g_ends(log_r: float) -> float:
        return _peak_at_ends(zeros, butterworth_poles(n, f0, log_r), f0) - H_inf

    def g_exact(log_r: float) -> float:
        return _peak_exact(zeros, butterworth_poles(n, f0, log_r), f0) - H_inf

    # r -> inf puts the poles at the origin (the FIR limit, above H_inf).
    top = 10.0
    while g_exact(top) < 0.0:
        top += 10.0
    fallback = None
    start = top
    if H_inf < _peak_at_ends(zeros, no_poles, f0):
        log_r = _walk_down(g_ends, top, 1.0, -400.0)
        if log_r is not None:
            fallback = butterworth_poles(n, f0, log_r)
            if _peak_exact(zeros, fallback, f0) <= H_inf * (1.0 + 1e-11):
                return fallback
            start = log_r
    log_r = _walk_down(g_exact, start, 0.25, start - 15.0)
    if log_r is not None:
        return butterworth_poles(n, f0, log_r)
    if fallback is None:  # pragma: no cover - the far-end solve always succeeds first
        fallback = np.zeros(n, dtype=complex)
    warnings.warn(
        f"synthesizeNTF: no maximally flat NTF with these zeros has a peak gain of "
        f"H_inf={H_inf:g} (order too high for the OSR?); |NTF| is {H_inf:g} at the far end "
        f"of the spectrum but peaks at {_peak_exact(zeros, fallback, f0):.6g}.",
        RuntimeWarning,
        stacklevel=stacklevel,
    )
    return fallback


def assemble_zeros(x: np.ndarray, fixed: int, n: int, osr: float, f0: float) -> np.ndarray:
    """NTF zeros from normalized upper-half offsets ``x`` plus ``fixed`` band-centre zeros.

    Low-pass: ``fixed`` zeros at z = 1 first, then ``exp(+-j pi x / osr)`` pairs.
    Band-pass: ``fixed`` band-centre pairs first, then ``exp(+-j 2 pi (f0 + x / (2 osr)))``.
    """
    up = np.exp(2j * np.pi * (f0 + 0.5 * np.asarray(x, dtype=float) / osr))
    if f0 != 0.0:
        up = np.concatenate([np.full(fixed, np.exp(2j * np.pi * f0)), up])
    pairs = np.empty(2 * up.size, dtype=complex)
    pairs[0::2] = up
    pairs[1::2] = np.conj(up)
    if f0 == 0.0:
        pairs = np.concatenate([np.ones(fixed, dtype=complex), pairs])
    if pairs.size != n:  # pragma: no cover - internal consistency
        raise RuntimeError("synthesizeNTF: zero count mismatch")
    return pairs


def _optimize_zeros(
    x0: np.ndarray, fixed: int, n: int, osr: float, f0: float, poles: np.ndarray
) -> np.ndarray:
    """Zero offsets minimizing the in-band rms gain (dB) for fixed poles (opt 3/4)."""
    f1, f2 = band_edges(osr, f0)
    zf = np.exp(2j * np.pi * np.linspace(f1, f2, 100))
    bound = (0.0, 1.0) if f0 == 0.0 else (-0.5, 0.5)

    def cost(x: np.ndarray) -> float:
        zeros = assemble_zeros(x, fixed, n, osr, f0)
        ms = np.mean(abs_tf(zeros, poles, zf) ** 2)
        return 10.0 * math.log10(ms)

    res = optimize.minimize(
        cost,
        x0,
        method="L-BFGS-B",
        bounds=[bound] * x0.size,
        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 500},
    )
    return np.clip(res.x, *bound)


def refine_zeros(
    x: np.ndarray, fixed: int, n: int, osr: float, H_inf: float, f0: float, poles: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Alternate zero optimization and pole solve (``synthesizeNTF`` opt 3 and 4).

    At most five rounds, stopping when the normalized offsets move less than ``1e-7``;
    the last step is always a pole solve, so the peak gain stays exactly ``H_inf``.

    Parameters
    ----------
    x : ndarray
        Starting offsets of the free upper-half zeros, in units of the band edge.
    fixed, n, osr, f0
        As for :func:`assemble_zeros`.
    H_inf : float
        Target peak out-of-band gain.
    poles : ndarray
        Poles of the starting NTF.

    Returns
    -------
    zeros, poles : ndarray of complex, shape (n,)
    """
    for _ in range(5):
        x_new = _optimize_zeros(x, fixed, n, osr, f0, poles)
        zeros = assemble_zeros(x_new, fixed, n, osr, f0)
        poles = solve_poles(zeros, n, H_inf, f0, stacklevel=4)
        if np.max(np.abs(x_new - x)) < 1e-7:
            break
        x = x_new
    return zeros, poles
