"""Spectra and SNR: the toolbox Hann window, SNR from an FFT, and SNR prediction.

References
----------
R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley, 2005,
app. A (spectral estimation with a Hann window: the tone occupies three bins).
S. H. Ardalan and J. J. Paulos, "An analysis of nonlinear behavior in delta-sigma
modulators," *IEEE Trans. Circuits Syst.*, vol. 34, no. 6, pp. 593-603, 1987.
R. Schreier, *The Delta-Sigma Toolbox, Version 7.3*, 2009 (calculateSNR, predictSNR).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize, signal, special

from . import _checks as chk
from ._common import ZPK, as_zpk, dbp, dbv

__all__ = ["ds_hann", "calculateSNR", "predictSNR"]


def ds_hann(n: int) -> np.ndarray:
    """The toolbox's (periodic) Hann window.

    Parameters
    ----------
    n : int
        Window length.

    Returns
    -------
    ndarray, shape (n,)
        ``0.5 * (1 - cos(2 pi k / n))`` for ``k = 0 .. n - 1``. Unlike a symmetric Hann
        window its FFT has exactly three non-zero bins, so a bin-centred tone occupies
        exactly three bins.
    """
    n = chk.integer("ds_hann", "n", n, 0)
    return 0.5 * (1.0 - np.cos(2.0 * np.pi * np.arange(n) / n))


def calculateSNR(hwfft: Any, f: int, nsig: int = 1) -> float:
    """SNR from the in-band bins of a Hann-windowed FFT.

    Parameters
    ----------
    hwfft : array_like, shape (M,)
        FFT values (complex or magnitudes) of the in-band bins only.
    f : int
        Index (0-based) of the signal bin in ``hwfft``.
    nsig : int
        Bins ``f - nsig .. f + nsig`` are counted as signal (1 suits a Hann window).

    Returns
    -------
    float
        ``20 log10(||signal bins|| / ||other bins||)`` in dB; ``inf`` without noise.

    Raises
    ------
    ValueError
        If ``hwfft`` is empty or has a NaN or infinite value, ``f`` is not an integer
        index into ``hwfft``, or ``nsig`` is not an integer ``>= 0``.

    References
    ----------
    R. Schreier, *The Delta-Sigma Toolbox, Version 7.3*, 2009 (calculateSNR).
    """
    h = chk.finite_array("calculateSNR", "hwfft", np.atleast_1d(np.asarray(hwfft)).ravel())
    if h.size == 0:
        raise ValueError("calculateSNR: hwfft is empty; it must hold the in-band FFT bins")
    f = chk.integer("calculateSNR", "f", f, 0)
    if f >= h.size:
        raise ValueError(
            f"calculateSNR: f = {f} is outside the spectrum: hwfft has {h.size} bins "
            f"(valid signal bins 0 .. {h.size - 1})"
        )
    nsig = chk.integer("calculateSNR", "nsig", nsig, 0)
    return snr_of_bins(h, f, nsig)


def snr_of_bins(h: np.ndarray, f: int, nsig: int) -> float:
    """The computation of :func:`calculateSNR`, without the argument checks.

    Signal bins outside ``h`` are dropped (toolbox behaviour); used by
    :func:`~ctdsm.toolbox.simulateSNR`, whose tone may be out of band (it warns).

    Parameters
    ----------
    h : ndarray, shape (M,)
        In-band FFT bins.
    f : int
        Signal bin.
    nsig : int
        Bins either side of ``f`` counted as signal.

    Returns
    -------
    float
        SNR in dB.
    """
    f = int(f)
    idx = np.arange(f - nsig, f + nsig + 1)
    idx = idx[(idx >= 0) & (idx < h.size)]
    mask = np.zeros(h.size, dtype=bool)
    mask[idx] = True
    s = np.linalg.norm(h[mask])
    n = np.linalg.norm(h[~mask])
    if n == 0:
        return math.inf
    return float(dbv(s / n))


#: The toolbox's default input amplitudes (dB): ``[-120:10:-20, -15, -10:0]``.
DEFAULT_AMP = np.concatenate([np.arange(-120, -19, 10), [-15], np.arange(-10, 1)]).astype(float)


def _power_gain(num: np.ndarray, den: np.ndarray) -> float:
    """Sum of squares of the impulse response of ``num/den``; ``inf`` if not stable.

    The response is computed until it has decayed by 1e-14 (from the pole radius), so the
    result is exact to double precision for any stable TF.
    """
    r = np.max(np.abs(np.roots(den))) if len(den) > 1 else 0.0
    if not r < 1.0:
        return math.inf
    nimp = 100
    if r > 0:  # until r ** nimp < 1e-14
        nimp = int(min(2e6, max(100.0, math.log(1e-14) / math.log(r) + 10 * len(den))))
    x = np.zeros(nimp)
    x[0] = 1.0
    h = signal.lfilter(num, den, x)
    return float(np.sum(h * h))


def _rho_for_sine(u: float) -> float:
    """Solve ``sqrt(pi) u / 2 = rho M(1/2, 2, -rho^2)`` (Ardalan & Paulos, sine input)."""
    K = 0.5 * math.sqrt(math.pi) * u

    def g(rho: float) -> float:
        return rho * special.hyp1f1(0.5, 2.0, -rho * rho) - K

    hi = 1.0
    while g(hi) < 0:
        hi *= 2.0
        if hi > 1e4:
            return math.nan  # amplitude beyond what a binary quantizer can follow
    return optimize.brentq(g, 0.0, hi, xtol=1e-14, rtol=1e-14)


def _check_predict_args(
    ntf: Any, R: Any, amp: Any, f0: Any
) -> tuple[ZPK, float, np.ndarray, float]:
    """Validate and convert the arguments of :func:`predictSNR` (ValueError naming one)."""
    h = chk.finite_zpk("predictSNR", "ntf", as_zpk(ntf))
    R = chk.positive("predictSNR", "R", R)
    f0 = chk.in_range("predictSNR", "f0", f0, 0.0, 0.5, hi_open=True)
    amp_arr = DEFAULT_AMP.copy() if amp is None else np.atleast_1d(np.asarray(amp, dtype=float))
    return h, R, chk.finite_array("predictSNR", "amp", amp_arr), f0


def predictSNR(
    ntf: Any, R: float = 64, amp: Any = None, f0: float = 0, *, toolbox_noise: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Predict the SNR curve of a binary modulator with the describing-function method.

    Parameters
    ----------
    ntf : transfer function (see :func:`as_zpk`)
        The NTF (``NTF(inf) = 1``; the gain is not used).
    R : float
        Oversampling ratio.
    amp : array_like, optional
        Input amplitudes in dB (0 dB: peak 1, the binary full scale), sorted ascending.
        Default ``[-120, -110, ..., -20, -15, -10, -9, ..., 0]``.
    f0 : float
        Band centre (0: DC input, else a sine at ``f0``).
    toolbox_noise : bool, keyword-only
        If True (default), the in-band noise gain is ``|sum(h**2)|`` over the band samples
        ``h`` of the linearized NTF, as the toolbox computes it (MATLAB's ``h.^2`` squares
        the complex values), which reproduces the toolbox's published numbers. If False it
        is the noise power ``sum(|h|**2)``; the SNR is then typically 1 to 2 dB lower.

    Returns
    -------
    snr : ndarray
        Predicted SNR (dB); ``-inf`` from the first amplitude at which the linearized loop
        is unstable.
    amp : ndarray
        The amplitudes (dB).
    k0 : ndarray
        Quantizer signal gain.
    k1 : ndarray
        Quantizer noise gain.
    sigma_e2 : ndarray
        Power of the quantizer's additive noise.

    Raises
    ------
    ValueError
        If ``ntf`` has non-finite roots or gain, ``R`` is not a finite number ``> 0``,
        ``f0`` is not in ``[0, 0.5)`` or ``amp`` has a NaN or infinite entry.

    Notes
    -----
    Following Ardalan and Paulos as implemented in the toolbox: the quantizer is split into
    a signal gain ``k0``, a noise gain ``k1`` and white noise of power ``sigma_e2``. For each
    amplitude ``k1`` is iterated to a fixed point where the noise at the quantizer input,
    ``sigma_1^2 = ||L1 / (1 - k1 L1)||^2 sigma_e2``, matches the describing function. The
    signal power is taken as ``u^2 / 2`` in both the DC and the sine case. Here the
    confluent hypergeometric functions of the sine case come from :func:`scipy.special.hyp1f1`
    (the toolbox interpolates a table), and the power gain is exact rather than from a
    fixed-length impulse response.

    References
    ----------
    S. H. Ardalan and J. J. Paulos, *IEEE Trans. Circuits Syst.*, 34(6), 1987.
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005, sec. 4.4.
    """
    h, R, amp_arr, f0 = _check_predict_args(ntf, R, amp, f0)
    num = np.real(np.poly(h.zeros))
    den = np.real(np.poly(h.poles))
    num1 = num - den  # L1 = 1 - 1/H  ->  H - 1 over H: numerator num - den
    Nb = 100
    if f0 == 0:
        band = np.linspace(0.0, np.pi / R, Nb)
    else:
        band = np.linspace(2 * np.pi * (f0 - 0.25 / R), 2 * np.pi * (f0 + 0.25 / R), Nb)

    N = amp_arr.size
    snr = np.full(N, -np.inf)
    k0 = np.zeros(N)
    k1 = np.zeros(N)
    sigma_e2 = np.zeros(N)
    u = 10.0 ** (amp_arr / 20.0)
    k1_guess = 1.2
    for i in range(N):
        if f0 == 0:
            e = special.erfinv(u[i])
            sigma_e2[i] = 1.0 - u[i] ** 2 - 2.0 / np.pi * np.exp(-2.0 * e * e)
            k1sigma1 = math.sqrt(2.0 / np.pi) * math.exp(-e * e)
        else:
            rho = _rho_for_sine(u[i])
            if not np.isfinite(rho):
                break
            m0 = special.hyp1f1(0.5, 2.0, -rho * rho)
            m1 = special.hyp1f1(0.5, 1.0, -rho * rho)
            sigma_e2[i] = 1.0 - u[i] ** 2 / 2.0 - 2.0 / np.pi * m1 * m1
            k1sigma1 = math.sqrt(2.0 / np.pi) * m1

        # Fixed-point iteration on k1 (the toolbox's scheme, started from the last value).
        k1[i] = k1_guess
        k1_prev = 0.0
        unstable = False
        sigma_1 = math.nan
        for _ in range(100):
            if abs(k1[i] - k1_prev) <= 1e-6 * (1.0 + k1[i]):
                break
            # H_hat = L1 / (1 - k1 L1) = (H - 1) / (H (1 - k1) + k1)
            den1 = (1.0 - k1[i]) * num + k1[i] * den
            pgain = _power_gain(num1, den1)
            if not np.isfinite(pgain) or sigma_e2[i] <= 0:
                unstable = True
                break
            sigma_1 = math.sqrt(pgain * sigma_e2[i])
            k1_prev = k1[i]
            k1[i] = k1sigma1 / sigma_1
        if unstable:
            break
        k1_guess = k1[i]
        if f0 == 0:
            k0[i] = u[i] / (math.sqrt(2.0) * e * sigma_1)
        else:
            k0[i] = math.sqrt(2.0 / np.pi) * m0 / sigma_1
        _, hb = signal.freqz(num, (1.0 - k1[i]) * num + k1[i] * den, worN=band)
        gain = abs(np.sum(hb * hb)) if toolbox_noise else np.sum(np.abs(hb) ** 2)
        noise = gain / (R * Nb) * sigma_e2[i]
        snr[i] = dbp(0.5 * u[i] ** 2 / noise)
    return snr, amp_arr, k0, k1, sigma_e2
