"""Chopping of the first integrator's opamp.

An input chopper before the opamp's input stage and an output chopper after it multiply by
the same square wave ``c(t) = +-1`` at ``f_chop``: the signal passes twice (``c^2 = 1``),
while the opamp's own offset and 1/f noise, added between the two choppers, pass once and
move to ``f_chop`` and its odd harmonics, out of band.

With a finite-bandwidth first opamp the engine simulates the choppers as a *switched plant*
(:func:`ctdsm.sim.plant.chopped_plant`, four period variants): the input stage's bandwidth
makes every chop edge lose a charge proportional to the virtual-ground voltage (the folding
of its out-of-band content, predicted by :func:`predict_chopping_noise`), the output chopper
may lag the input one (``chopper_skew_s``), and the switches inject a charge at every edge
(``chopper_charge_c``, a residual offset ``2 f_chop q``). With an ideal opamp only the
offset and 1/f noise are modulated (:func:`chop_wave`).

References
----------
C. C. Enz and G. C. Temes, "Circuit techniques for reducing the effects of op-amp
imperfections: autozeroing, correlated double sampling, and chopper stabilization,"
Proc. IEEE, 84(11), 1996.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "chop_frequency",
    "spec_chop_frequency_hz",
    "chop_wave",
    "chop_schedule",
    "half_period_cycles",
]


def chop_frequency(fs_hz: float, bw_hz: float, f0_hz: float = 0.0) -> float:
    """Default chopping frequency: the lowest ``fs / 2^k`` (``k >= 2``) at or above
    ``2.5 (f0 + bw)``, so that the chopped 1/f noise and offset land well out of band while
    the chopper switches as slowly as possible (its charge injection scales with f_chop)."""
    target = 2.5 * (f0_hz + bw_hz)
    k = 2
    while fs_hz / 2 ** (k + 1) >= target:
        k += 1
    return fs_hz / 2**k


def spec_chop_frequency_hz(
    f_chop_hz: float | str, fs_hz: float, bw_hz: float, f0_hz: float
) -> float:
    """``chopper.f_chop_hz`` resolved, Hz: ``"auto"`` is :func:`chop_frequency`."""
    if f_chop_hz == "auto":
        return float(chop_frequency(fs_hz, bw_hz, f0_hz))
    return float(f_chop_hz)


def chop_wave(n_samples: int, fs_hz: float, f_chop_hz: float, phase: float = 0.0) -> np.ndarray:
    """Chop wave averaged over each clock period.

    Parameters
    ----------
    n_samples : int
    fs_hz, f_chop_hz : float
    phase : float
        Position of the chop edges relative to the sampling clock, clock periods (0..1).

    Returns
    -------
    ndarray (n_samples,)
        ``c[n]`` = mean of ``c(t)`` over ``[n, n + 1)``; ``+-1`` in periods without an edge.
    """
    half = fs_hz / (2.0 * f_chop_hz)  # clock periods per chop half-period
    t0 = np.arange(n_samples, dtype=float) - phase

    # c(t) = +1 on [2k h, (2k+1) h), -1 on [(2k+1) h, (2k+2) h); integrate exactly.
    def integral(t: np.ndarray) -> np.ndarray:
        m = np.floor(t / half)
        r = t - m * half
        full = np.where(m % 2 == 0, 0.0, half)  # integral over complete half-periods pairs
        return full + np.where(m % 2 == 0, r, -r)

    return integral(t0 + 1.0) - integral(t0)


def half_period_cycles(fs_hz: float, f_chop_hz: float) -> int:
    """Clock periods per chopper half-period; the chopper runs off the sampling clock, so
    ``fs / (2 f_chop)`` must be a whole number."""
    h = fs_hz / (2.0 * f_chop_hz)
    if abs(h - round(h)) > 1e-9 or round(h) < 1:
        raise ValueError(
            f"chopper.f_chop_hz: fs / (2 f_chop) = {h:g} must be a whole number of clock periods"
        )
    return int(round(h))


def chop_schedule(
    n_samples: int, fs_hz: float, f_chop_hz: float, phase: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Which switched-plant variant each clock period uses, and the chopper sign at each
    sampling instant.

    Returns
    -------
    var : ndarray of int8 (n_samples,)
        0: ``c = +1`` all period; 1: ``c = -1``; 2: ``+1 -> -1`` at ``phase`` (the start of
        the period when ``phase = 0``); 3: ``-1 -> +1``.
    cy : ndarray of int8 (n_samples,)
        0 where ``c = +1`` just before the sampling instant ``n``, else 1.
    """
    h = half_period_cycles(fs_hz, f_chop_hz)

    def sign(t: np.ndarray) -> np.ndarray:
        return np.where(np.floor((t - phase) / h) % 2 == 0, 1, -1)

    n = np.arange(n_samples, dtype=float)
    eps = 1e-9
    c_before_edge, c_after_edge = sign(n + phase - eps), sign(n + phase + eps)
    var = np.where(sign(n + 0.5) > 0, 0, 1)
    flip = c_before_edge != c_after_edge
    if phase == 0.0:
        flip[0] = False  # an edge at t = 0 would only mark the start of the run
    var = np.where(flip & (c_before_edge > 0), 2, var)
    var = np.where(flip & (c_before_edge < 0), 3, var)
    return var.astype(np.int8), np.where(sign(n - eps) > 0, 0, 1).astype(np.int8)
