"""Noise-transfer-function design: from a target (bandwidth, SNDR) to an NTF.

The NTF itself comes from :func:`ctdsm.toolbox.synthesizeNTF` (Schreier's optimal-zero,
maximally-flat-pole design with an out-of-band gain ``H_inf``). This module adds what a
designer needs around it: the in-band noise of an NTF, the linear-model SQNR, the choice
of ``H_inf`` for a multi-bit quantizer, and the automatic choice of order, OSR and
quantizer levels.

References
----------
R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley, 2005,
ch. 4 (NTF design) and sec. 4.4 (SQNR of an NTF with a multi-bit quantizer).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import integrate, signal

from ctdsm.toolbox._common import ZPK, as_zpk, eval_zpk
from ctdsm.toolbox.ntf import synthesizeNTF

__all__ = [
    "design_ntf",
    "band_edges",
    "inband_noise_gain",
    "linear_sqnr_db",
    "impulse_l1_norm",
    "auto_h_inf",
    "Candidate",
    "candidates",
]

#: Out-of-band gains tried for multi-bit quantizers (Lee's rule 1.5 is the single-bit value).
H_INF_GRID = (1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0)
OSR_GRID = (8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256)
LEVELS_GRID = (2, 3, 5, 9, 17, 33)


def design_ntf(order: int, osr: float, h_inf: float, optimized_zeros: bool, f0: float = 0.0) -> ZPK:
    """Synthesize an NTF (thin wrapper on :func:`ctdsm.toolbox.synthesizeNTF`).

    Parameters
    ----------
    order : int
        Modulator order (even for band-pass).
    osr : float
        Oversampling ratio ``fs / (2 bw)``.
    h_inf : float
        Maximum out-of-band NTF gain.
    optimized_zeros : bool
        Spread the NTF zeros over the band (``opt=1``) instead of placing all at DC/f0.
    f0 : float
        Band centre normalized to fs (0 for low-pass).
    """
    return synthesizeNTF(order, osr, 1 if optimized_zeros else 0, h_inf, f0)


def band_edges(osr: float, f0: float = 0.0) -> tuple[float, float]:
    """Signal band ``[f1, f2]`` normalized to fs: ``[0, 1/(2 osr)]`` or ``f0 +- 1/(4 osr)``."""
    if f0 == 0.0:
        return 0.0, 0.5 / osr
    return f0 - 0.25 / osr, f0 + 0.25 / osr


def inband_noise_gain(ntf: object, osr: float, f0: float = 0.0) -> float:
    """Fraction of white quantization-noise power the NTF leaves in the band.

    ``2 * integral_{f1}^{f2} |NTF(e^{j 2 pi f})|^2 df`` (two-sided, f normalized to fs), so
    that in-band noise power is ``sigma_e^2`` times this number.
    """
    f1, f2 = band_edges(osr, f0)
    h = as_zpk(ntf)

    def mag2(f: float) -> float:
        return float(abs(eval_zpk(h, np.exp(2j * math.pi * f))) ** 2)

    # Split at the NTF zeros inside the band: the integrand has notches there.
    zf = np.sort(np.abs(np.angle(h.zeros)) / (2 * math.pi))
    pts = [float(x) for x in zf if f1 < x < f2]
    val, _ = integrate.quad(mag2, f1, f2, points=pts or None, limit=200, epsabs=0, epsrel=1e-9)
    return 2.0 * val


def linear_sqnr_db(
    ntf: object, osr: float, levels: int, amplitude_dbfs: float, f0: float = 0.0
) -> float:
    """SQNR predicted by the linear (additive white noise) quantizer model.

    The quantizer step is 2 (toolbox units, outputs ``+-1, +-3, ...``), so the noise power is
    ``sigma_e^2 = 1/3``; full scale is ``levels - 1``.

    Returns
    -------
    float
        SQNR in dB for a sine of ``amplitude_dbfs``.
    """
    a = (levels - 1) * 10.0 ** (amplitude_dbfs / 20.0)
    noise = inband_noise_gain(ntf, osr, f0) / 3.0
    return 10.0 * math.log10(a * a / 2.0 / noise)


def impulse_l1_norm(ntf: object, n: int = 400) -> float:
    """``sum |h(k)|`` of the NTF impulse response (the quantizer input's worst-case growth)."""
    h = as_zpk(ntf)
    num, den = signal.zpk2tf(h.zeros, h.poles, h.k)
    x = np.zeros(n)
    x[0] = 1.0
    return float(np.abs(signal.lfilter(np.real(num), np.real(den), x)).sum())


def auto_h_inf(
    order: int, osr: float, levels: int, optimized_zeros: bool, f0: float = 0.0
) -> float:
    """Choose ``H_inf``: 1.5 for a binary quantizer; for a multi-bit one the largest grid value
    whose NTF keeps ``sum|h| - 1 <= (levels - 1) / 2``, i.e. the noise excursion at the
    quantizer input leaves half of its range to the signal (Kenney and Carley's no-overload
    argument).
    """
    if levels <= 2:
        return 1.5
    best = 1.5
    for h_inf in H_INF_GRID:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ntf = design_ntf(order, osr, h_inf, optimized_zeros, f0)
        if any(issubclass(w.category, RuntimeWarning) for w in caught):
            break  # this H_inf cannot be reached by a maximally flat NTF of this order
        if impulse_l1_norm(ntf) - 1.0 <= (levels - 1) / 2.0:
            best = h_inf
    return best


@dataclass(frozen=True)
class Candidate:
    """One (order, OSR, levels) point of the automatic architecture search."""

    order: int
    osr: float
    levels: int
    cost: float


def candidates(
    order: int | str,
    osr: float | str,
    levels: int | str,
    allowed_levels: tuple[int, ...] = LEVELS_GRID,
    bandpass: bool = False,
) -> Iterator[Candidate]:
    """Enumerate architectures, cheapest first.

    The cost model is deliberately simple and stated: power grows with the clock
    (``osr``), with the number of integrators (50 % per integrator beyond the first: each
    one is an opamp, and high orders are sensitive to coefficient spread) and with the
    number of quantizer comparators / DAC elements (25 % per doubling of levels).
    """
    orders = [int(order)] if order != "auto" else (range(2, 9, 2) if bandpass else range(1, 8))
    osrs = [float(osr)] if osr != "auto" else OSR_GRID
    levs = [int(levels)] if levels != "auto" else allowed_levels
    out = []
    for n in orders:
        for r in osrs:
            for lv in levs:
                cost = float(r) * (1.0 + 0.5 * (n - 1)) * (1.0 + 0.25 * math.log2(lv))
                out.append(Candidate(int(n), float(r), int(lv), cost))
    out.sort(key=lambda c: (c.cost, c.osr, c.order, c.levels))
    yield from out
