"""Pole parametrization, objectives and feasibility fallback of :func:`ctdsm.toolbox.ntf.clans`.

The poles are left-half-plane s-domain roots mapped into the disc ``|z| < rmax`` by
``z = rmax (1 + s) / (1 - s)``, so the radius bound holds by construction; each real root
and each quadratic ``s^2 + 2 zeta wn s + wn^2`` is parametrized by square roots
(``-x^2``; ``zeta = x_i^2``, ``wn = x_{i+1}^2``) so that any real ``x`` is admissible.

References
----------
J. G. Kenney and L. R. Carley, "Design of multibit noise-shaping data converters",
*Analog Integrated Circuits and Signal Processing*, vol. 3, pp. 259-272, 1993.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np
from scipy import optimize, signal

from ._ntf_common import abs_tf

__all__ = [
    "clans_poles",
    "clans_params",
    "clans_objectives",
    "clans_feasible",
    "clans_minimize",
    "clans_retry",
    "pair_poles",
]

# Slack on ||h||_1 - 1 <= Q accepted as feasible (SLSQP ends within ~1e-8 of an active
# constraint; the worst accepted first result on a test grid was -4e-7).
L1_TOL = 1e-6
# Parameter box of the fallback runs: |x| <= 10 keeps zeta, wn <= 100, i.e. poles at
# least ~1% of rmax away from -rmax. Beyond it the poles saturate at -rmax, cost and
# constraint go flat, and SLSQP's finite-difference gradients vanish there.
_X_BOUND = 10.0


def clans_poles(x: np.ndarray, order: int, rmax: float) -> np.ndarray:
    """Poles from CLANS parameters: s-plane roots in the left half plane, mapped into the
    disc ``|z| < rmax`` by ``z = rmax (1 + s) / (1 - s)``."""
    s_list: list[complex] = []
    odd = order % 2
    if odd:
        s_list.append(-(x[0] ** 2))
    for i in range(odd, order, 2):
        zeta, wn = x[i] ** 2, x[i + 1] ** 2
        # Roots of s^2 + 2 zeta wn s + wn^2; zeta > 0 keeps them in the LHP.
        d = np.sqrt(complex(zeta * zeta - 1.0))
        s_list.extend([wn * (-zeta + d), wn * (-zeta - d)])
    s = np.asarray(s_list, dtype=complex)
    return rmax * (1.0 + s) / (1.0 - s)


def clans_params(poles: np.ndarray, order: int, rmax: float) -> np.ndarray:
    """Inverse of :func:`_clans_poles` for an initial guess (poles pulled inside rmax)."""
    p = np.asarray(poles, dtype=complex) / rmax
    r = np.abs(p)
    p = np.where(r > 0.98, p / np.maximum(r, 1e-300) * 0.98, p)
    reals = np.sort(p[np.abs(p.imag) < 1e-9].real)
    upper = p[p.imag >= 1e-9]
    x = np.zeros(order)
    odd = order % 2
    i = 0
    if odd:
        s = (reals[-1] - 1.0) / (reals[-1] + 1.0)
        x[0] = math.sqrt(max(-s, 1e-12))
        reals = reals[:-1]
        i = 1
    # Remaining real poles are paired up (a pair of real s-roots has zeta >= 1).
    quads = [
        np.poly([(a - 1.0) / (a + 1.0), (b - 1.0) / (b + 1.0)])
        for a, b in zip(reals[0::2], reals[1::2], strict=True)
    ]
    quads += [
        np.poly([(u - 1.0) / (u + 1.0), (np.conj(u) - 1.0) / (np.conj(u) + 1.0)]) for u in upper
    ]
    for c in quads:
        c = np.real(c)
        wn = math.sqrt(max(c[2], 1e-12))
        zeta = max(c[1] / (2.0 * wn), 1e-6)
        x[i], x[i + 1] = math.sqrt(zeta), math.sqrt(wn)
        i += 2
    return x


def clans_objectives(
    zeros: np.ndarray, order: int, OSR: float, Q: float, rmax: float
) -> tuple[Callable[[np.ndarray], float], Callable[[np.ndarray], float]]:
    """Cost and constraint of the CLANS optimization, as functions of the parameters ``x``.

    Parameters
    ----------
    zeros : ndarray of complex, shape (order,)
        Fixed NTF zeros.
    order : int
        NTF order.
    OSR : float
        Oversampling ratio; the band is ``[0, 0.5 / OSR]``.
    Q : float
        Bound on ``||h||_1 - 1``.
    rmax : float
        Maximum pole radius (see :func:`clans_poles`).

    Returns
    -------
    cost : callable
        In-band mean-square gain in dB over 100 frequencies.
    l1_margin : callable
        ``Q - (||h||_1 - 1)``, >= 0 when the Kenney-Carley criterion holds. The impulse
        response is summed until its tail is negligible (``30 order / (1 - rmax)`` samples,
        200 to 20000).
    """
    num = np.real(np.poly(zeros))
    zf = np.exp(1j * np.linspace(0.0, np.pi / OSR, 100))
    n_imp = int(min(20000, max(200, math.ceil(30.0 * order / (1.0 - rmax)))))
    impulse = np.zeros(n_imp)
    impulse[0] = 1.0

    def cost(x: np.ndarray) -> float:
        p = clans_poles(x, order, rmax)
        return 10.0 * math.log10(np.mean(abs_tf(zeros, p, zf) ** 2))

    def l1_margin(x: np.ndarray) -> float:
        den = np.real(np.poly(clans_poles(x, order, rmax)))
        h = signal.lfilter(num, den, impulse)
        return float(Q - (np.sum(np.abs(h)) - 1.0))

    return cost, l1_margin


def clans_feasible(
    x: np.ndarray, l1_margin: Callable[[np.ndarray], float], order: int, rmax: float
) -> bool:
    """Whether the parameters ``x`` meet both CLANS constraints.

    The 1-norm constraint may be violated by at most :data:`L1_TOL`; the poles must be
    finite and within ``rmax`` (which the parametrization only guarantees for finite
    ``x``).
    """
    if not np.all(np.isfinite(x)):
        return False
    p = clans_poles(x, order, rmax)
    if not np.all(np.isfinite(p)) or np.max(np.abs(p)) > rmax * (1.0 + 1e-12):
        return False
    return bool(l1_margin(x) >= -L1_TOL)


def clans_minimize(
    cost: Callable[[np.ndarray], float],
    l1_margin: Callable[[np.ndarray], float],
    x0: np.ndarray,
    bounded: bool = False,
) -> np.ndarray:
    """SLSQP minimization of ``cost`` subject to ``l1_margin >= 0`` from ``x0``.

    ``bounded`` confines ``x`` to ``|x_i| <= 10`` (see :data:`_X_BOUND`); the first CLANS
    run is unbounded, as it always was, so that its results do not change.
    """
    bounds = [(-_X_BOUND, _X_BOUND)] * len(x0) if bounded else None
    res = optimize.minimize(
        cost,
        x0,
        method="SLSQP",
        constraints=[{"type": "ineq", "fun": l1_margin}],
        bounds=bounds,
        options={"ftol": 1e-8, "maxiter": 500},
    )
    return np.asarray(res.x, dtype=float)


def _l1_lower_bound(zeros: np.ndarray, order: int, rmax: float) -> float:
    """A lower bound on ``||h||_1 - 1`` over all poles inside ``rmax``.

    ``||h||_1 >= |H(e^jw)| = |N(e^jw)| / |D(e^jw)|`` and ``|D(e^jw)| <= (1 + rmax)^order``
    for monic ``D`` with roots inside ``rmax``; the peak of ``|N|`` is taken on a grid.
    """
    w = np.exp(1j * np.linspace(0.0, np.pi, 2049))
    peak = float(np.max(np.abs(np.polyval(np.real(np.poly(zeros)), w))))
    return peak / (1.0 + rmax) ** order - 1.0


def clans_retry(
    cost: Callable[[np.ndarray], float],
    l1_margin: Callable[[np.ndarray], float],
    starts: Sequence[np.ndarray],
    zeros: np.ndarray,
    Q: float,
    rmax: float,
) -> np.ndarray:
    """Best feasible CLANS parameters found from several starts (the fallback of clans).

    Each start is refined by a bounded SLSQP run. If none of them ends feasible, a
    feasible start is sought first (phase 1: the 1-norm is minimized from the least
    infeasible point seen) and refined in turn. The feasible result with the lowest cost
    is returned; a feasible start is returned (with a RuntimeWarning) only when every
    refinement ended infeasible.

    Parameters
    ----------
    cost, l1_margin : callable
        From :func:`clans_objectives`.
    starts : sequence of ndarray
        Starting parameter vectors; those outside ``|x_i| <= 10`` or not finite are
        skipped.
    zeros : ndarray
        NTF zeros (for the error message's lower bound).
    Q, rmax : float
        The constraints, as given to :func:`ctdsm.toolbox.ntf.clans`.

    Returns
    -------
    ndarray
        Feasible parameters (see :func:`clans_feasible`).

    Raises
    ------
    ValueError
        If ``Q`` is below a lower bound of ``||h||_1 - 1`` for poles inside ``rmax``, or
        no feasible point is found.
    """
    order = len(zeros)
    bound = _l1_lower_bound(zeros, order, rmax)
    if bound > Q:
        raise ValueError(
            f"clans: Q = {Q:g} is too small for rmax = {rmax:g}: with these zeros and poles "
            f"inside rmax, ||h||_1 - 1 >= {bound:.4g}; increase Q or rmax"
        )

    def feasible(x: np.ndarray) -> bool:
        return clans_feasible(x, l1_margin, order, rmax)

    # Starts outside the box (a first result that diverged) would only start at a corner.
    points = [np.asarray(x, dtype=float) for x in starts if np.all(np.abs(x) <= _X_BOUND)]
    results = [clans_minimize(cost, l1_margin, x, bounded=True) for x in points]
    if not any(feasible(x) for x in results):
        # Phase 1: minimize the 1-norm alone from the point closest to feasibility.
        points += results
        x1 = max(points, key=l1_margin)
        if not feasible(x1):
            x1 = optimize.minimize(
                lambda x: -l1_margin(x),
                x1,
                method="SLSQP",
                bounds=[(-_X_BOUND, _X_BOUND)] * order,
            ).x
        points.append(x1)
        if feasible(x1):
            results.append(clans_minimize(cost, l1_margin, x1, bounded=True))
    good = [x for x in results if feasible(x)]
    if good:
        return min(good, key=cost)
    good = [x for x in points if feasible(x)]
    if good:
        warnings.warn(
            "clans: the optimizer did not converge to a feasible point; returning the "
            "best feasible starting point",
            RuntimeWarning,
            stacklevel=3,
        )
        return min(good, key=cost)
    reached = Q - max(l1_margin(x) for x in points)
    raise ValueError(
        f"clans: Q = {Q:g} could not be met with poles inside rmax = {rmax:g}: the smallest "
        f"||h||_1 - 1 found is {reached:.6g}; increase Q or rmax"
    )


def pair_poles(poles: np.ndarray, order: int) -> np.ndarray:
    """Make the optimized poles exact conjugate pairs (real pole first), in place.

    Each pair is replaced by the mean of one and the conjugate of the other, positive
    imaginary part first; a pair of real poles stays real.
    """
    odd = order % 2
    if odd:
        poles[0] = poles[0].real
    for i in range(odd, order, 2):
        if abs(poles[i].imag) > 1e-12:
            m = 0.5 * (poles[i] + np.conj(poles[i + 1]))
            if m.imag < 0:
                m = np.conj(m)
            poles[i], poles[i + 1] = m, np.conj(m)
        else:
            poles[i], poles[i + 1] = poles[i].real, poles[i + 1].real
    return poles
