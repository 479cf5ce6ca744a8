"""Noise sources for time-domain simulation: white and flicker (1/f) sequences.

The thermal-noise *budget* (which resistor and opamp contributes what) is in
:mod:`ctdsm.sizing`; this module makes the random sequences the engines inject.

A sequence sampled at ``fs`` with one-sided PSD ``S(f)`` is made by shaping white Gaussian
noise in the frequency domain: ``x = irfft(Z_k sqrt(S(f_k) fs / 2))`` with ``Z = rfft(w)``,
``w`` unit-variance white. For white ``S = S0`` this gives variance ``S0 fs / 2``, as it must.
Flicker noise has ``S(f) = S_w f_c / f`` (``S_w`` the white density, ``f_c`` the corner),
set to 0 at DC so that the sequence has zero mean (an offset is a separate quantity).
"""

from __future__ import annotations

import numpy as np

__all__ = ["shaped_noise", "flicker_noise", "flicker_f_max_hz"]


def shaped_noise(n: int, fs_hz: float, psd, rng: np.random.Generator) -> np.ndarray:
    """Gaussian sequence of ``n`` samples at ``fs_hz`` with one-sided PSD ``psd(f_hz)``.

    Parameters
    ----------
    n : int
    fs_hz : float
    psd : callable
        ``psd(f_hz) -> S`` in units^2/Hz, vectorized; ``f_hz`` excludes DC.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray (n,)
    """
    from scipy import fft

    z = fft.rfft(rng.standard_normal(n))
    f = fft.rfftfreq(n, 1.0 / fs_hz)
    scale = np.zeros_like(f)
    scale[1:] = np.sqrt(np.asarray(psd(f[1:]), dtype=float) * fs_hz / 2.0)
    return fft.irfft(z * scale, n)


def flicker_noise(
    n: int,
    fs_hz: float,
    white_v2_per_hz: float,
    corner_hz: float,
    rng: np.random.Generator,
    f_max_hz: float | None = None,
) -> np.ndarray:
    """1/f noise sequence: one-sided PSD ``white_v2_per_hz * corner_hz / f`` (V^2/Hz).

    Parameters
    ----------
    f_max_hz : float, optional
        Highest frequency that must be right. The 1/f part above it lies under the white
        floor (modelled separately), so the sequence is made at a rate ``fs / D >= 12
        f_max_hz`` (``D`` a power of two up to 64) and linearly interpolated: the
        interpolation's PSD droop ``sinc^4(f D / fs)`` stays below 0.4 dB at ``f_max_hz``
        (0.03 dB at a quarter of it), for a fraction of the FFT work.
    """
    d = 1
    if f_max_hz is not None:
        while d < 64 and fs_hz / (2 * d) >= 12 * f_max_hz:
            d *= 2
    if d == 1:
        return shaped_noise(n, fs_hz, lambda f: white_v2_per_hz * corner_hz / f, rng)
    from scipy.fft import next_fast_len

    m = next_fast_len(n // d + 2, real=True)  # a length the FFT factors well
    coarse = shaped_noise(m, fs_hz / d, lambda f: white_v2_per_hz * corner_hz / f, rng)
    frac = np.arange(d) / d
    fine = coarse[:-1, None] + np.diff(coarse)[:, None] * frac[None, :]
    return fine.ravel()[:n]


def flicker_f_max_hz(f0_hz: float, bw_hz: float, f_chop_hz: float | None = None) -> float:
    """Highest frequency at which a 1/f sequence must be right (``f_max_hz`` of
    :func:`flicker_noise`), Hz.

    Up to the band edge ``f0 + bw``; when chopped at ``f_chop``, also around the odd chopping
    harmonics the 1/f noise is demodulated from into the band, up to the 5th.
    """
    f_max = f0_hz + bw_hz
    return f_max if f_chop_hz is None else max(f_max, 5.5 * f_chop_hz)
