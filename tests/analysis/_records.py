"""Synthetic records with a known answer, and the statistics of their estimates.

Noise is white Gaussian of variance s2, so its in-band power is s2 * (2 kb + 1) / N over the
bins 0..kb of a low-pass band (DC holds half a bin), i.e. s2 * 2 bw / fs. Where a figure is
statistical, its expected spread is computed from the window (correlation of neighbouring
bins) and the record is long enough that three standard deviations stay below 0.05 dB; the
assertion then uses 0.1 dB.
"""

from __future__ import annotations

import math

import numpy as np

from ctdsm.analysis import WindowInfo

TOL_DB = 0.1


def db_spread(rel: float) -> float:
    """Standard deviation in dB of a power estimate with relative standard deviation ``rel``."""
    return 10.0 * math.log10(1.0 + rel)


def noise_sum_rel_std(win: WindowInfo, m_bins: int) -> float:
    """Relative std of a sum of ``m_bins`` windowed white-noise periodogram bins.

    Bin powers are exponential (std = mean); neighbouring bins of a windowed DFT are
    correlated with amplitude correlation ``rho_d = DFT(w^2)[d] / sum(w^2)`` and power
    correlation ``|rho_d|^2``.
    """
    rho = np.fft.fft(win.w**2)[: 2 * win.half_width_bins + 1] / np.sum(win.w**2)
    c = float(abs(rho[0]) ** 2 + 2 * np.sum(np.abs(rho[1:]) ** 2))
    return math.sqrt(c / m_bins)


def tone(n: int, f: float, amp: float, phase: float = 0.0, fs: float = 1.0) -> np.ndarray:
    return amp * np.sin(2 * np.pi * f / fs * np.arange(n) + phase)
