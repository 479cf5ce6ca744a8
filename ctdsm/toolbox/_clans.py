"""Pole parametrization and objectives of :func:`ctdsm.toolbox.ntf.clans`.

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
from collections.abc import Callable

import numpy as np
from scipy import signal

from ._ntf_common import abs_tf

__all__ = ["clans_poles", "clans_params", "clans_objectives", "pair_poles"]


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
