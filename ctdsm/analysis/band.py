"""The signal band and the test tone: band edges, in-band bins, coherent frequencies.

:func:`band_edges_hz` is the one definition of the band that every layer uses (sizing,
chopping studies, test tones, metrics, figures): ``[0, bw]`` for a low-pass modulator,
``f0 -/+ bw/2`` for a band-pass one.
"""

from __future__ import annotations

import math

import numpy as np

from ctdsm.analysis._common import AnalysisError, check_fs

__all__ = [
    "band_edges_hz",
    "band_bin_range",
    "band_bins",
    "fold_hz",
    "coherent_frequency",
    "tone_frequency_hz",
    "default_test_frequency",
]

#: Tolerance of the in-band test, bins: an edge that is a bin centre up to rounding keeps it.
_EPS_BINS = 1e-9
#: Distance of the default test tone from DC and from the band edges, bins: clear of the
#: main lobe of every supported window (2 * Blackman-Harris half width + 1).
_GUARD_BINS = 9


def band_edges_hz(bw_hz: float, f0_hz: float = 0.0) -> tuple[float, float]:
    """The signal band ``(lo, hi)``.

    Parameters
    ----------
    bw_hz : float
        Signal bandwidth, Hz.
    f0_hz : float
        Band centre, Hz; 0 for a low-pass band.

    Returns
    -------
    lo, hi : float
        ``(0, bw)`` low-pass, ``(f0 - bw/2, f0 + bw/2)`` band-pass, Hz.
    """
    if f0_hz == 0:
        return 0.0, float(bw_hz)
    return float(f0_hz - bw_hz / 2), float(f0_hz + bw_hz / 2)


def band_bin_range(df_hz: float, f_lo_hz: float, f_hi_hz: float) -> tuple[int, int]:
    """First and last FFT bin whose centre lies in ``[f_lo_hz, f_hi_hz]``.

    Parameters
    ----------
    df_hz : float
        Bin spacing, Hz.
    f_lo_hz, f_hi_hz : float
        Band edges, Hz.

    Returns
    -------
    k_lo, k_hi : int
        Bin indices (``k_lo > k_hi`` when no bin centre is in the band). Edges within
        1e-9 bin of a bin centre include that bin.
    """
    return (
        math.ceil(f_lo_hz / df_hz - _EPS_BINS),
        math.floor(f_hi_hz / df_hz + _EPS_BINS),
    )


def band_bins(n_bins: int, df_hz: float, f_lo_hz: float, f_hi_hz: float) -> np.ndarray:
    """Mask of the in-band bins of a one-sided spectrum.

    Parameters
    ----------
    n_bins : int
        Number of bins (``n // 2 + 1`` for an ``n``-point record).
    df_hz : float
        Bin spacing, Hz.
    f_lo_hz, f_hi_hz : float
        Band edges, Hz (:func:`band_edges_hz`).

    Returns
    -------
    ndarray of bool, shape (n_bins,)
        True for the bins of :func:`band_bin_range`.
    """
    k_lo, k_hi = band_bin_range(df_hz, f_lo_hz, f_hi_hz)
    k = np.arange(n_bins)
    return (k >= k_lo) & (k <= k_hi)


def fold_hz(f_hz: float, fs_hz: float) -> float:
    """Alias a frequency into ``[0, fs/2]``.

    Parameters
    ----------
    f_hz : float
        Frequency, Hz (any sign).
    fs_hz : float
        Sample rate, Hz.

    Returns
    -------
    float
        The frequency the sampled tone appears at, Hz.
    """
    f = math.fmod(f_hz, fs_hz)
    if f < 0:
        f += fs_hz
    return fs_hz - f if f > fs_hz / 2 else f


def _is_prime(a: int, b: int) -> np.ndarray:
    """Segmented sieve: element ``i`` is True when ``a + i`` is prime, ``0 <= a <= b``."""
    mask = np.arange(a, b + 1) >= 2
    r = math.isqrt(b)
    small = np.ones(r + 1, dtype=bool)
    for p in range(2, r + 1):
        if small[p]:
            small[p * p :: p] = False
            first = max(p * p, -(-a // p) * p)
            mask[first - a :: p] = False
    return mask


def _nearest_good_bin(k_lo: int, k_hi: int, kt: float, n: int) -> int:
    """Nearest bin to ``kt`` in ``[k_lo, k_hi]`` of the best class (see coherent_frequency)."""
    k = np.arange(k_lo, k_hi + 1)
    odd = (k % 2) == 1
    coprime = np.gcd(k, n) == 1
    prime = _is_prime(k_lo, k_hi)
    for cls in (odd & coprime & prime, odd & coprime, odd, np.ones_like(odd)):
        if cls.any():
            cand = k[cls]
            return int(cand[np.argmin(np.abs(cand - kt))])
    raise AssertionError("unreachable: the last class is every bin")  # pragma: no cover


def coherent_frequency(
    fs_hz: float,
    n_samples: int,
    target_hz: float,
    *,
    f_min_hz: float | None = None,
    f_max_hz: float | None = None,
) -> float:
    """Frequency on the FFT grid ``k fs / N`` nearest ``target_hz``, on a good bin.

    Preference, in order: ``k`` an odd prime that is coprime with ``N``; ``k`` odd and
    coprime with ``N`` (then the tone visits ``N`` distinct phases, exercising the most
    quantizer codes); ``k`` odd; any ``k``. Within the best class that has a bin in
    ``[f_min_hz, f_max_hz]``, the bin nearest the target is returned.

    Parameters
    ----------
    fs_hz : float
        Sample rate, Hz.
    n_samples : int
        Record length ``N`` (FFT size).
    target_hz : float
        Desired frequency, Hz.
    f_min_hz, f_max_hz : float, optional
        Allowed range, Hz; default one bin above DC to one bin below Nyquist.

    Returns
    -------
    float
        ``k * fs_hz / n_samples``, Hz.

    Raises
    ------
    AnalysisError
        If no bin lies in the allowed range.
    """
    fs = check_fs(fs_hz)
    n = int(n_samples)
    if n < 4:
        raise AnalysisError(f"n_samples: must be >= 4, got {n_samples!r}")
    df = fs / n
    lo, hi = band_bin_range(
        df, 0.0 if f_min_hz is None else f_min_hz, fs / 2 if f_max_hz is None else f_max_hz
    )
    # Never DC, never Nyquist: a tone there has no phase to speak of.
    k_lo, k_hi = max(1, lo), min((n - 1) // 2, hi)
    if k_lo > k_hi:
        raise AnalysisError(
            f"coherent_frequency: no FFT bin (df = {df:.6g} Hz) in [{f_min_hz!r}, {f_max_hz!r}] Hz"
        )
    kt = min(max(float(target_hz) / df, k_lo), k_hi)
    # Look near the target first (prime gaps are far below 1000 for any practical N): if
    # the best class has a member within the window, the nearest member is in it too.
    w_lo, w_hi = max(k_lo, math.floor(kt) - 1000), min(k_hi, math.ceil(kt) + 1000)
    k = _nearest_good_bin(w_lo, w_hi, kt, n)
    if not (k % 2 == 1 and math.gcd(k, n) == 1 and _is_prime(k, k)[0]):
        k = _nearest_good_bin(k_lo, k_hi, kt, n)
    return float(k) * df


def tone_frequency_hz(
    fs_hz: float, n_samples: int, bw_hz: float, f0_hz: float, fin_hz: float | str = "auto"
) -> float:
    """The test tone of a record.

    Parameters
    ----------
    fs_hz : float
        Sample rate, Hz.
    n_samples : int
        Record length.
    bw_hz, f0_hz : float
        Signal bandwidth and band centre (0: low-pass), Hz.
    fin_hz : float or "auto"
        Desired tone, Hz, or ``"auto"`` for :func:`default_test_frequency`.

    Returns
    -------
    float
        A coherent, in-band frequency nearest ``fin_hz``, Hz.
    """
    if fin_hz == "auto":
        return float(default_test_frequency(fs_hz, n_samples, bw_hz, f0_hz))
    lo, hi = band_edges_hz(bw_hz, f0_hz)
    return float(coherent_frequency(fs_hz, n_samples, float(fin_hz), f_min_hz=lo, f_max_hz=hi))


def default_test_frequency(fs_hz: float, n_samples: int, bw_hz: float, f0_hz: float = 0.0) -> float:
    """A coherent test-tone frequency for a band.

    Low-pass (``f0_hz == 0``): near ``bw/6``, within ``[bw/7, bw/5]`` so that HD2 and HD3
    (and up to HD5) fall in band; if the record is too short for that, the range is
    widened to ``bw/3`` and then to the whole band. The tone is always kept clear of the
    DC lobe of any supported window (at least 9 bins above DC). Band-pass: nearest ``f0_hz``,
    at least 9 bins inside the band edges.

    Parameters
    ----------
    fs_hz : float
        Sample rate, Hz.
    n_samples : int
        Record length.
    bw_hz : float
        Signal bandwidth, Hz (low-pass: ``[0, bw]``; band-pass: ``f0 +/- bw/2``).
    f0_hz : float
        Band centre, Hz (0 for low-pass).

    Returns
    -------
    float
        Frequency on the FFT grid (see :func:`coherent_frequency`), Hz.

    Raises
    ------
    AnalysisError
        Naming ``n_samples`` and the shortest record that works when the band holds too
        few FFT bins for this record length.
    """
    fs = check_fs(fs_hz)
    if not (bw_hz > 0):
        raise AnalysisError(f"bw_hz: must be positive, got {bw_hz!r}")
    try:
        return _test_frequency(fs, int(n_samples), bw_hz, f0_hz)
    except _TooFewBins:
        pass
    n_min = next(
        (n for n in (1 << k for k in range(4, 41)) if n > n_samples and _fits(fs, n, bw_hz, f0_hz)),
        None,
    )
    need = f"use at least {n_min} samples" if n_min else "no record up to 2**40 samples fits"
    raise AnalysisError(
        f"n_samples: {int(n_samples)} samples give FFT bins of {fs / int(n_samples):.6g} Hz, "
        f"too few in the {bw_hz:.6g} Hz band; {need} (--samples, or --cycles for spice)"
    )


class _TooFewBins(AnalysisError):
    """The band holds too few FFT bins for a test tone at this record length."""


def _fits(fs_hz: float, n_samples: int, bw_hz: float, f0_hz: float) -> bool:
    """Whether a record of ``n_samples`` has room for the default test tone."""
    try:
        _test_frequency(fs_hz, n_samples, bw_hz, f0_hz)
    except AnalysisError:
        return False
    return True


def _test_frequency(fs: float, n_samples: int, bw_hz: float, f0_hz: float) -> float:
    """:func:`default_test_frequency` for validated ``fs`` and ``bw_hz``.

    Raises
    ------
    _TooFewBins
        When the band holds too few bins for ``n_samples``.
    """
    guard = _GUARD_BINS * (fs / int(n_samples))
    if f0_hz == 0:
        return _low_pass_test_frequency(fs, n_samples, bw_hz, guard)
    lo, hi = band_edges_hz(bw_hz, f0_hz)
    try:
        return coherent_frequency(fs, n_samples, f0_hz, f_min_hz=lo + guard, f_max_hz=hi - guard)
    except AnalysisError:
        raise _TooFewBins(
            f"bw_hz: band {f0_hz:.6g} +/- {bw_hz / 2:.6g} Hz holds too few FFT bins"
        ) from None


def _low_pass_test_frequency(fs_hz: float, n_samples: int, bw_hz: float, guard_hz: float) -> float:
    """The low-pass case of :func:`default_test_frequency`.

    Parameters
    ----------
    fs_hz : float
        Sample rate, Hz (validated).
    n_samples : int
        Record length.
    bw_hz : float
        Signal bandwidth, Hz.
    guard_hz : float
        Lowest allowed tone, Hz (clear of the DC lobe).

    Returns
    -------
    float
        Hz.
    """
    ranges = [(bw_hz / 7, bw_hz / 5), (bw_hz / 7, bw_hz / 3), band_edges_hz(bw_hz)]
    for lo, hi in ranges:
        try:
            return coherent_frequency(
                fs_hz, n_samples, bw_hz / 6, f_min_hz=max(lo, guard_hz), f_max_hz=hi
            )
        except AnalysisError:
            continue
    df = fs_hz / int(n_samples)
    raise _TooFewBins(f"bw_hz: band of {bw_hz:.6g} Hz holds too few FFT bins (df = {df:.6g} Hz)")
