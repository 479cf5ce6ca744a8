"""Spectral analysis of modulator outputs: PSD, SNDR/SNR/THD/SFDR, stability, dynamic range.

This is the native analysis layer shared by every simulation tier (sampled-data engine,
circuit engine, ngspice). Quantities are in SI units and names carry their unit
(``fs_hz``, ``fin_hz``); signal amplitudes are in the units of the analysed sequence
(the toolbox convention for a modulator output: full scale is ``levels - 1``).

Conventions
-----------
* Spectra are one-sided windowed periodograms scaled as a *density*
  (units^2/Hz): the sum of ``S * df`` over a band is the power in that band, and the
  main-lobe bins of a sine of amplitude ``A`` sum to ``A**2 / 2``.
* Windows are *periodic* cosine sums (Hann by default). A coherent tone (an integer
  number of cycles in the record, see :func:`coherent_frequency`) then leaks into no
  bin outside its main lobe, which is what makes the bin bookkeeping below exact.
* The signal is the main lobe of the tone, ``k_sig +/- half_width`` bins. In-band bins
  that are excluded from the noise sum (the signal lobe, the DC lobe of a low-pass band
  and the harmonic lobes) are given back the noise that they hide, estimated from the
  mean noise density of the neighbouring noise bins, so that SNR is an unbiased estimate
  of signal power over all in-band noise.

References
----------
.. [1] R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
   Wiley-IEEE, 2005, App. A (spectral estimation with the Hann window).
.. [2] S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data
   Converters*, 2nd ed., Wiley-IEEE, 2017, App. A.
.. [3] F. J. Harris, "On the use of windows for harmonic analysis with the discrete
   Fourier transform," *Proc. IEEE*, vol. 66, no. 1, pp. 51-83, 1978.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import signal as _signal

from ctdsm.errors import CtdsmError
from ctdsm.toolbox._common import dbp, dbv

__all__ = [
    "AnalysisError",
    "WindowInfo",
    "Metrics",
    "window",
    "psd",
    "welch_psd",
    "band_power",
    "coherent_frequency",
    "default_test_frequency",
    "band_edges_hz",
    "tone_frequency_hz",
    "spectrum_metrics",
    "analyze",
    "is_unstable",
    "dynamic_range",
]

#: Periodic cosine-sum windows ``w[n] = sum_m (-1)**m a_m cos(2 pi m n / N)``.
#: Blackman-Harris is the 4-term, -92 dB side-lobe window of Harris [3].
_COSINE_SUM: dict[str, tuple[float, ...]] = {
    "rect": (1.0,),
    "hann": (0.5, 0.5),
    "blackmanharris": (0.35875, 0.48829, 0.14128, 0.01168),
}
_ALIASES = {
    "rect": "rect",
    "rectangular": "rect",
    "boxcar": "rect",
    "hann": "hann",
    "hanning": "hann",
    "blackmanharris": "blackmanharris",
    "blackman-harris": "blackmanharris",
    "blackman_harris": "blackmanharris",
    "bh4": "blackmanharris",
}
#: Longest run of saturated quantizer codes that a stable modulator is assumed to produce.
DEFAULT_MAX_RUN = 100
#: Runs at least this long count as "long"; a record with more than the given fraction of
#: its samples in long saturated runs is a limit cycle of an overloaded loop.
_LONG_RUN = 16
_LONG_RUN_FRACTION = 0.5


class AnalysisError(CtdsmError, ValueError):
    """Invalid input to an analysis function (bad frequency, band, record or window)."""


# --------------------------------------------------------------------------- windows


@dataclass(frozen=True)
class WindowInfo:
    """A periodic analysis window and the numbers the bin bookkeeping needs.

    Attributes
    ----------
    kind : str
        Canonical name (``"hann"``, ``"blackmanharris"`` or ``"rect"``).
    w : ndarray, shape (n,)
        The window samples (read-only).
    enbw_bins : float
        Equivalent noise bandwidth in bins, ``n sum(w^2) / sum(w)^2`` (Hann: 1.5).
    half_width_bins : int
        Main-lobe half width in bins, i.e. the distance to the first null of the
        window's spectrum (rect 1, Hann 2, Blackman-Harris 4). A coherent tone's energy
        is confined to ``k +/- (half_width_bins - 1)``.
    """

    kind: str
    w: np.ndarray
    enbw_bins: float
    half_width_bins: int

    @property
    def n(self) -> int:
        """Window length, samples."""
        return int(self.w.shape[0])


def _canonical_kind(kind: str) -> str:
    try:
        return _ALIASES[str(kind).lower()]
    except KeyError:
        names = ", ".join(sorted(_COSINE_SUM))
        raise AnalysisError(f"window: unknown kind {kind!r} (use one of {names})") from None


@lru_cache(maxsize=16)
def _window_cached(n: int, kind: str) -> WindowInfo:
    coeffs = _COSINE_SUM[kind]
    phase = 2.0 * np.pi * np.arange(n) / n
    w = np.zeros(n)
    for m, a in enumerate(coeffs):
        w += (-1) ** m * a * np.cos(m * phase)
    w.flags.writeable = False
    enbw = float(n * np.sum(w * w) / np.sum(w) ** 2)
    return WindowInfo(kind=kind, w=w, enbw_bins=enbw, half_width_bins=len(coeffs))


def window(n: int, kind: str = "hann") -> WindowInfo:
    """Periodic analysis window of length ``n``.

    Parameters
    ----------
    n : int
        Length in samples (>= 1).
    kind : {"hann", "blackmanharris", "rect"}
        ``"hann"`` (default; alias ``"hanning"``), the 4-term ``"blackmanharris"``
        (aliases ``"bh4"``, ``"blackman-harris"``) or ``"rect"`` (``"boxcar"``).

    Returns
    -------
    WindowInfo
        Samples, equivalent noise bandwidth (bins) and main-lobe half width (bins).

    References
    ----------
    F. J. Harris, Proc. IEEE 66(1), 1978, Table I (ENBW: Hann 1.50, 4-term
    Blackman-Harris 2.00 bins).
    """
    n = int(n)
    if n < 1:
        raise AnalysisError(f"window: length must be >= 1, got {n}")
    return _window_cached(n, _canonical_kind(kind))


def _resolve_window(win: str | WindowInfo, n: int) -> WindowInfo:
    if isinstance(win, WindowInfo):
        if win.n != n:
            raise AnalysisError(f"window: length {win.n} does not match the record ({n})")
        return win
    return window(n, win)


# ----------------------------------------------------------------------------- PSDs


def _one_sided_scale(n: int) -> np.ndarray:
    """Per-bin factor of a one-sided spectrum: 2, except 1 at DC and at Nyquist (even n)."""
    scale = np.full(n // 2 + 1, 2.0)
    scale[0] = 1.0
    if n % 2 == 0:
        scale[-1] = 1.0
    return scale


def _check_fs(fs_hz: float) -> float:
    fs = float(fs_hz)
    if not (math.isfinite(fs) and fs > 0):
        raise AnalysisError(f"fs_hz: must be a positive finite frequency, got {fs_hz!r}")
    return fs


def psd(
    v: ArrayLike, fs_hz: float, *, window: str | WindowInfo = "hann"
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided windowed periodogram.

    Parameters
    ----------
    v : array_like, shape (..., n)
        Signal, time along the last axis (any units ``u``).
    fs_hz : float
        Sample rate, Hz.
    window : str or WindowInfo
        Window kind (see :func:`window`) or a window of length ``n``.

    Returns
    -------
    f_hz : ndarray, shape (n // 2 + 1,)
        Bin frequencies ``k fs / n``, Hz.
    S : ndarray, shape (..., n // 2 + 1)
        Power spectral density, ``u^2/Hz``. ``sum(S) * fs / n`` over a band is the power
        in that band (Parseval: over all bins it is ``sum((v w)^2) / sum(w^2)``), and
        the main-lobe bins of a coherent sine of amplitude ``A`` sum to ``A^2 / 2``.
    """
    fs = _check_fs(fs_hz)
    x = np.asarray(v, dtype=float)
    n = x.shape[-1]
    win = _resolve_window(window, n)
    spec = np.fft.rfft(x * win.w, axis=-1)
    # Density scaling: divide by sum(w^2) so white noise of variance s2 reads 2 s2 / fs.
    s = (spec.real**2 + spec.imag**2) * (_one_sided_scale(n) / (fs * np.sum(win.w**2)))
    return np.fft.rfftfreq(n, 1.0 / fs), s


def welch_psd(
    v: ArrayLike,
    fs_hz: float,
    nperseg: int | None = None,
    window: str | WindowInfo = "hann",
    *,
    noverlap: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Averaged (Welch) PSD with the same scaling as :func:`psd`.

    Parameters
    ----------
    v : array_like, shape (n,)
        Signal (units ``u``).
    fs_hz : float
        Sample rate, Hz.
    nperseg : int, optional
        Segment length; default ``min(n, 4096)``.
    window : str or WindowInfo
        Window kind or a window of length ``nperseg``; periodic, as in :func:`psd`.
    noverlap : int, optional
        Overlap in samples; default ``nperseg // 2``.

    Returns
    -------
    f_hz : ndarray, shape (nperseg // 2 + 1,)
    S : ndarray, shape (nperseg // 2 + 1,)
        Power spectral density, ``u^2/Hz`` (mean of the segment periodograms, no
        detrending, so DC is kept as in :func:`psd`).
    """
    fs = _check_fs(fs_hz)
    x = np.asarray(v, dtype=float)
    n = x.shape[-1]
    nseg = min(n, 4096) if nperseg is None else int(nperseg)
    if not 1 <= nseg <= n:
        raise AnalysisError(f"nperseg: must be between 1 and the record length {n}, got {nseg}")
    win = _resolve_window(window, nseg)
    f, s = _signal.welch(
        x,
        fs=fs,
        window=np.asarray(win.w),
        nperseg=nseg,
        noverlap=nseg // 2 if noverlap is None else int(noverlap),
        detrend=False,
        return_onesided=True,
        scaling="density",
        average="mean",
    )
    return f, s


def band_power(f_hz: ArrayLike, S: ArrayLike, f_lo_hz: float, f_hi_hz: float) -> float:
    """Power in ``[f_lo_hz, f_hi_hz]`` of a PSD from :func:`psd` or :func:`welch_psd`.

    Parameters
    ----------
    f_hz : array_like, shape (m,)
        Uniformly spaced bin frequencies starting at 0, Hz.
    S : array_like, shape (m,)
        PSD, ``u^2/Hz``.
    f_lo_hz, f_hi_hz : float
        Band edges, Hz; bins whose centre lies in the closed interval are summed.

    Returns
    -------
    float
        Power, ``u^2``.
    """
    f = np.asarray(f_hz, dtype=float)
    s = np.asarray(S, dtype=float)
    df = f[1] - f[0]
    tol = 1e-9 * df
    sel = (f >= f_lo_hz - tol) & (f <= f_hi_hz + tol)
    return float(np.sum(s[sel]) * df)


# ----------------------------------------------------------------- test frequencies


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
    fs = _check_fs(fs_hz)
    n = int(n_samples)
    if n < 4:
        raise AnalysisError(f"n_samples: must be >= 4, got {n_samples!r}")
    df = fs / n
    eps = 1e-9
    k_lo = 1 if f_min_hz is None else max(1, math.ceil(f_min_hz / df - eps))
    k_top = (n - 1) // 2  # highest bin strictly below Nyquist
    k_hi = k_top if f_max_hz is None else min(k_top, math.floor(f_max_hz / df + eps))
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


def band_edges_hz(bw_hz: float, f0_hz: float = 0.0) -> tuple[float, float]:
    """The signal band ``(lo, hi)``, Hz: ``(0, bw)`` low-pass, ``f0 -/+ bw/2`` band-pass.

    The one definition of the band that every layer (sizing, chopping studies, test tones,
    metrics) uses.
    """
    if f0_hz == 0:
        return 0.0, float(bw_hz)
    return float(f0_hz - bw_hz / 2), float(f0_hz + bw_hz / 2)


def tone_frequency_hz(
    fs_hz: float, n_samples: int, bw_hz: float, f0_hz: float, fin_hz: float | str = "auto"
) -> float:
    """The test tone of a record of ``n_samples``: coherent, in band, nearest ``fin_hz``, or
    :func:`default_test_frequency` for ``"auto"``. Hz."""
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
    """
    fs = _check_fs(fs_hz)
    if not (bw_hz > 0):
        raise AnalysisError(f"bw_hz: must be positive, got {bw_hz!r}")
    df = fs / int(n_samples)
    guard = 9 * df  # 2 * (Blackman-Harris half width) + 1 bins
    if f0_hz == 0:
        ranges = [(bw_hz / 7, bw_hz / 5), (bw_hz / 7, bw_hz / 3), (0.0, bw_hz)]
        target = bw_hz / 6
        for lo, hi in ranges:
            try:
                return coherent_frequency(
                    fs, n_samples, target, f_min_hz=max(lo, guard), f_max_hz=hi
                )
            except AnalysisError:
                continue
        raise AnalysisError(
            f"bw_hz: band of {bw_hz:.6g} Hz holds too few FFT bins (df = {df:.6g} Hz)"
        )
    lo, hi = f0_hz - bw_hz / 2 + guard, f0_hz + bw_hz / 2 - guard
    try:
        return coherent_frequency(fs, n_samples, f0_hz, f_min_hz=lo, f_max_hz=hi)
    except AnalysisError:
        raise AnalysisError(
            f"bw_hz: band {f0_hz:.6g} +/- {bw_hz / 2:.6g} Hz holds too few FFT bins"
        ) from None


# ---------------------------------------------------------------------------- metrics


def _finite(x: Any) -> float | None:
    """``float(x)`` if finite, else None (JSON has no NaN/inf, and neither do Metrics)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass
class Metrics:
    """Figures of merit of one modulator output record.

    Every float is finite or None (None: undefined, e.g. a harmonic out of band or a
    record of non-finite values); never NaN.

    Attributes
    ----------
    sndr_db, snr_db : float or None
        Signal to in-band noise + distortion, and to noise alone (non-harmonic spurs
        count as noise), dB.
    thd_db : float or None
        In-band harmonics 2..n (folded about fs/2) over the signal, dB; None when no
        harmonic is in band. When no harmonic stands above the noise in its bins, the
        harmonic bins' whole power (noise included) over the signal: an upper bound, flagged
        by ``thd_upper_bound``.
    sfdr_db : float or None
        Signal over the largest in-band spur (harmonic or not), dB.
    hd2_db, hd3_db : float or None
        Second and third harmonic, dBc (negative). None when out of band, on top of the
        signal, DC or a lower harmonic, or not above the noise in its bins.
    fin_hz, bw_hz, fs_hz, f0_hz : float
        Tone frequency, bandwidth, sample rate and band centre (0: low-pass), Hz.
    amplitude_dbfs : float or None
        Measured tone amplitude re full scale, dBFS.
    n_samples : int
        Record length.
    stable : bool
        False when the run was reported or detected unstable.
    dc_offset : float or None
        DC component, output units (excluded from every other figure).
    noise_power : float or None
        In-band noise + distortion, signal and DC excluded, output units^2.
    inband_noise_v2_per_hz, inband_noise_nv_rthz : float or None
        Mean in-band noise density (distortion excluded), input referred through
        ``full_scale_v`` (V^2/Hz and nV/sqrt(Hz)); None without ``full_scale_v``.
    enob_bits : float or None
        ``(SNDR - 1.76) / 6.02``.
    signal_power, distortion_power : float or None
        Tone power and in-band harmonic power, output units^2.
    full_scale : float
        Full-scale amplitude used for dBFS, output units.
    window : str
        Window used.
    """

    sndr_db: float | None
    snr_db: float | None
    thd_db: float | None
    sfdr_db: float | None
    hd2_db: float | None
    hd3_db: float | None
    fin_hz: float
    bw_hz: float
    fs_hz: float
    f0_hz: float
    amplitude_dbfs: float | None
    n_samples: int
    stable: bool
    dc_offset: float | None
    noise_power: float | None
    inband_noise_v2_per_hz: float | None
    inband_noise_nv_rthz: float | None
    enob_bits: float | None
    signal_power: float | None = None
    distortion_power: float | None = None
    full_scale: float = 1.0
    window: str = "hann"
    thd_upper_bound: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (Python floats/ints/bools/str, None for undefined)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if isinstance(value, bool | np.bool_):
                out[key] = bool(value)
            elif isinstance(value, int | np.integer):
                out[key] = int(value)
            elif isinstance(value, float | np.floating):
                out[key] = _finite(value)
            else:
                out[key] = value
        return out


def _fold(f_hz: float, fs_hz: float) -> float:
    """Alias a frequency into ``[0, fs/2]``."""
    f = math.fmod(f_hz, fs_hz)
    if f < 0:
        f += fs_hz
    return fs_hz - f if f > fs_hz / 2 else f


def _local_max(p: np.ndarray, k: int, reach: int) -> int:
    """Index of the largest ``p`` within ``k +/- reach`` (clipped to the array)."""
    lo, hi = max(k - reach, 0), min(k + reach, p.size - 1)
    return lo + int(np.argmax(p[lo : hi + 1]))


def _nonfinite_metrics(common: dict[str, Any]) -> Metrics:
    nothing = dict.fromkeys(
        (
            "sndr_db snr_db thd_db sfdr_db hd2_db hd3_db amplitude_dbfs dc_offset "
            "noise_power inband_noise_v2_per_hz inband_noise_nv_rthz enob_bits "
            "signal_power distortion_power"
        ).split()
    )
    return Metrics(**nothing, **{**common, "stable": False})


def spectrum_metrics(
    v: ArrayLike,
    fs_hz: float,
    fin_hz: float,
    bw_hz: float,
    *,
    f0_hz: float = 0.0,
    full_scale: float = 1.0,
    full_scale_v: float | None = None,
    window: str | WindowInfo = "hann",
    n_harmonics: int = 9,
    stable: bool = True,
) -> Metrics:
    """SNDR, SNR, THD, SFDR, HD2/HD3 and in-band noise of a single-tone record.

    Parameters
    ----------
    v : array_like, shape (n,)
        Output record (units ``u``), ideally with a coherent tone (see
        :func:`coherent_frequency`).
    fs_hz : float
        Sample rate, Hz.
    fin_hz : float
        Tone frequency, Hz (the peak within +/-1 bin of it is used).
    bw_hz : float
        Signal bandwidth, Hz. In-band bins: ``[0, bw]`` for low-pass (``f0_hz == 0``),
        ``[f0 - bw/2, f0 + bw/2]`` for band-pass.
    f0_hz : float
        Band centre, Hz.
    full_scale : float
        Full-scale amplitude, ``u`` (the toolbox's ``levels - 1`` for a modulator).
    full_scale_v : float, optional
        Differential peak volts that ``full_scale`` stands for; enables the
        input-referred noise density.
    window : str or WindowInfo
        Analysis window (default Hann).
    n_harmonics : int
        Highest harmonic counted in THD (2..n_harmonics).
    stable : bool
        Stability verdict of the run, copied to the result (a non-finite record is
        always reported unstable).

    Returns
    -------
    Metrics

    Notes
    -----
    Bin bookkeeping (``hw`` = window main-lobe half width):

    * signal = sum of the bins ``k_sig +/- hw``;
    * the DC lobe ``0..hw`` never counts as noise (low-pass); the DC offset is reported
      separately from the DC bin;
    * harmonic ``h`` is aliased into ``[0, fs/2]`` and counted when its bin is in band and
      not already claimed by the signal, the DC lobe or a lower harmonic; its power is
      its lobe minus the noise the lobe is expected to hold (clipped at 0);
    * noise = in-band bins not excluded above, plus, for each excluded in-band lobe, the
      neighbouring noise density times the lobe's width;
    * SFDR uses the largest in-band bin outside the signal and DC lobes and the sum of
      its own lobe.

    References
    ----------
    Schreier & Temes (2005), App. A; Pavan, Schreier & Temes (2017), App. A.
    """
    fs = _check_fs(fs_hz)
    x = np.asarray(v, dtype=float)
    if x.ndim != 1:
        raise AnalysisError(f"v: must be one-dimensional, got shape {x.shape}")
    n = x.size
    if n < 16:
        raise AnalysisError(f"v: record too short for a spectrum ({n} samples)")
    if not (full_scale > 0):
        raise AnalysisError(f"full_scale: must be positive, got {full_scale!r}")
    if not (0 < fin_hz < fs / 2):
        raise AnalysisError(f"fin_hz: must be in (0, fs/2) = (0, {fs / 2:.6g}) Hz, got {fin_hz!r}")
    if not (bw_hz > 0):
        raise AnalysisError(f"bw_hz: must be positive, got {bw_hz!r}")
    if f0_hz == 0:
        f_lo, f_hi = 0.0, float(bw_hz)
    else:
        f_lo, f_hi = f0_hz - bw_hz / 2, f0_hz + bw_hz / 2
        if f_lo < 0:
            raise AnalysisError(f"bw_hz: band f0 +/- bw/2 extends below DC ({f_lo:.6g} Hz)")
    if f_hi > fs / 2 * (1 + 1e-12):
        raise AnalysisError(f"bw_hz: band edge {f_hi:.6g} Hz is above fs/2 = {fs / 2:.6g} Hz")
    win = _resolve_window(window, n)
    hw = win.half_width_bins
    df = fs / n

    common: dict[str, Any] = dict(
        fin_hz=float(fin_hz),
        bw_hz=float(bw_hz),
        fs_hz=fs,
        f0_hz=float(f0_hz),
        n_samples=int(n),
        stable=bool(stable),
        full_scale=float(full_scale),
        window=win.kind,
    )
    if not np.all(np.isfinite(x)):
        return _nonfinite_metrics(common)

    # Work on x / max|x|: the dB figures are ratios, and huge records cannot overflow the
    # squares; absolute powers are scaled back at the end.
    scale = float(np.max(np.abs(x))) or 1.0
    spec = np.fft.rfft(x / scale * win.w)
    # Power per bin ((u/scale)^2): the PSD of psd() times df.
    p = (spec.real**2 + spec.imag**2) * (_one_sided_scale(n) / (n * np.sum(win.w**2)))
    nb = p.size
    k = np.arange(nb)
    # Width of each bin in "full bins": DC (and Nyquist) carry half a bin of noise.
    weight = _one_sided_scale(n) / 2.0
    eps = 1e-9
    band = (k >= math.ceil(f_lo / df - eps)) & (k <= math.floor(f_hi / df + eps))
    if not band.any():
        raise AnalysisError(f"bw_hz: band [{f_lo:.6g}, {f_hi:.6g}] Hz holds no FFT bin")

    k_sig = _local_max(p, int(round(fin_hz / df)), 1)
    if k_sig <= hw:
        raise AnalysisError(
            f"fin_hz: tone at bin {k_sig} lies in the DC lobe of the {win.kind} window "
            f"(needs bin > {hw}); use default_test_frequency()"
        )
    sig = (k >= k_sig - hw) & (k <= k_sig + hw)
    p_sig = float(np.sum(p[sig]))
    dc = (k <= hw) & ~sig
    excluded = sig | dc

    # Harmonics: claim lobes in order so that no bin is counted twice.
    harm: dict[int, np.ndarray] = {}
    for h in range(2, int(n_harmonics) + 1):
        kh = _local_max(p, int(round(_fold(h * fin_hz, fs) / df)), 1)
        if not band[kh] or excluded[kh]:
            continue
        lobe = (k >= kh - hw) & (k <= kh + hw) & band & ~excluded
        harm[h] = lobe
        excluded |= lobe
    noise_bins = band & ~excluded
    nz_idx = np.flatnonzero(noise_bins)
    mean_density = float(np.sum(p[nz_idx]) / np.sum(weight[nz_idx])) if nz_idx.size else 0.0
    reach = max(8, 4 * hw)

    def hidden_noise(lobe: np.ndarray) -> float:
        """Noise expected in the in-band part of ``lobe``, from neighbouring noise bins."""
        inb = np.flatnonzero(lobe & band)
        if inb.size == 0:
            return 0.0
        lo, hi = inb[0] - reach, inb[-1] + reach
        nb_idx = nz_idx[(nz_idx >= lo) & (nz_idx <= hi)]
        dens = float(np.sum(p[nb_idx]) / np.sum(weight[nb_idx])) if nb_idx.size else mean_density
        return dens * float(np.sum(weight[inb]))

    hd_power: dict[int, float] = {}
    hidden = hidden_noise(sig) + hidden_noise(dc)
    raw_harm = 0.0
    for h, lobe in harm.items():
        expected = hidden_noise(lobe)
        hidden += expected
        raw_harm += float(np.sum(p[lobe]))
        hd_power[h] = max(float(np.sum(p[lobe])) - expected, 0.0)
    noise = float(np.sum(p[nz_idx])) + hidden
    dist = float(sum(hd_power.values()))
    # Harmonics buried in the noise: THD is at most what their bins hold.
    thd_bound = dist <= 0 and raw_harm > 0

    # SFDR: the largest in-band bin outside the signal and DC lobes, with its lobe.
    cand = band & ~sig & ~dc
    sfdr = None
    if cand.any():
        idx = np.flatnonzero(cand)
        kp = int(idx[np.argmax(p[idx])])
        spur = cand & (k >= kp - hw) & (k <= kp + hw)
        sfdr = _safe_db_ratio(p_sig, float(np.sum(p[spur])))

    def hd_db(h: int) -> float | None:
        ph = hd_power.get(h, 0.0)
        return _safe_db_ratio(ph, p_sig) if ph > 0 else None

    sndr = _safe_db_ratio(p_sig, noise + dist)
    s2 = scale * scale  # back to u^2 (inf for absurd records: reported as None)
    noise_density = noise * s2 / float(bw_hz)  # u^2/Hz, distortion excluded
    v2_per_hz = nv_rthz = None
    if full_scale_v is not None:
        v2_per_hz = _finite(noise_density * (float(full_scale_v) / float(full_scale)) ** 2)
        nv_rthz = _finite(math.sqrt(v2_per_hz) * 1e9) if v2_per_hz is not None else None
    return Metrics(
        sndr_db=sndr,
        snr_db=_safe_db_ratio(p_sig, noise),
        thd_db=(
            _safe_db_ratio(dist, p_sig)
            if dist > 0
            else _safe_db_ratio(raw_harm, p_sig)
            if thd_bound
            else None
        ),
        thd_upper_bound=bool(thd_bound),
        sfdr_db=sfdr,
        hd2_db=hd_db(2),
        hd3_db=hd_db(3),
        amplitude_dbfs=_finite(dbv(math.sqrt(2.0 * p_sig) * (scale / float(full_scale)))),
        dc_offset=_finite(spec[0].real / np.sum(win.w) * scale),
        noise_power=_finite((noise + dist) * s2),
        inband_noise_v2_per_hz=v2_per_hz,
        inband_noise_nv_rthz=nv_rthz,
        # 1.76 dB = 10 log10(1.5) and 6.02 dB = 20 log10(2), written exactly.
        enob_bits=_finite((sndr - dbp(1.5)) / dbv(2.0)) if sndr is not None else None,
        signal_power=_finite(p_sig * s2),
        distortion_power=_finite(dist * s2),
        **common,
    )


def _safe_db_ratio(num: float, den: float) -> float | None:
    """``10 log10(num / den)`` or None when undefined (0/0, x/0, 0/x)."""
    if not (num > 0 and den > 0):
        return None
    return _finite(dbp(num / den))


def analyze(result: Any) -> Metrics:
    """Metrics of a simulation result (any tier).

    Parameters
    ----------
    result : object
        Duck-typed; attributes ``v`` (output sequence, toolbox units: full scale is
        ``levels - 1``), ``fs_hz``, ``bw_hz``, ``fin_hz``, ``levels``, and optionally
        ``f0_hz`` (default 0), ``stable`` (default True) and ``full_scale_v``
        (differential peak volts of full scale).

    Returns
    -------
    Metrics
        From :func:`spectrum_metrics` with ``full_scale = levels - 1``. ``stable`` is the
        result's own verdict, and False as well when :func:`is_unstable` flags ``v``.
    """
    v = np.asarray(result.v, dtype=float)
    levels = int(result.levels)
    if levels < 2:
        raise AnalysisError(f"levels: must be >= 2, got {levels}")
    stable = bool(getattr(result, "stable", True))
    if stable and is_unstable(v, levels):
        stable = False
    return spectrum_metrics(
        v,
        result.fs_hz,
        result.fin_hz,
        result.bw_hz,
        f0_hz=float(getattr(result, "f0_hz", 0.0) or 0.0),
        full_scale=float(levels - 1),
        full_scale_v=getattr(result, "full_scale_v", None),
        stable=stable,
    )


# ------------------------------------------------------------------------- stability


def _saturated_runs(v: np.ndarray, limit: float) -> np.ndarray:
    """Lengths of the runs of consecutive samples held at +limit (or at -limit)."""
    thr = limit * (1.0 - 1e-9)
    lev = np.where(v >= thr, 1, 0) - np.where(v <= -thr, 1, 0)
    starts = np.flatnonzero(np.r_[True, lev[1:] != lev[:-1]])
    lengths = np.diff(np.r_[starts, lev.size])
    return lengths[lev[starts] != 0]


def is_unstable(
    v: ArrayLike,
    levels: int,
    *,
    states: ArrayLike | None = None,
    state_limit: float | None = None,
    max_run: int | None = None,
) -> bool:
    """Practical instability detector for a modulator run.

    A run is flagged unstable when any of these hold:

    * ``v`` (or ``states``) holds NaN or inf;
    * the quantizer output sits at the same extreme code ``+/-(levels - 1)`` for more
      than ``max_run`` consecutive samples (default 100). A stable modulator keeps
      toggling: even a first-order single-bit one with a 0.95-of-full-scale input repeats
      a symbol only ~40 times, whereas an overloaded loop can lock up for thousands;
    * more than half of the samples lie in saturated runs of 16 or more: the large,
      slow limit cycle an overloaded high-order loop falls into (a 5th-order single-bit
      loop driven past its maximum stable amplitude toggles every ~60 samples, while
      below it its runs stay under ~15);
    * ``max |states| > state_limit`` (default ``1e3 * (levels - 1)``: internal states of
      a stable loop stay within a few times full scale, unstable ones grow without bound).

    Parameters
    ----------
    v : array_like, shape (n,)
        Quantizer output, toolbox units (codes in ``[-(levels-1), levels-1]``).
    levels : int
        Number of quantizer levels (>= 2).
    states : array_like, optional
        Loop-filter states, any shape.
    state_limit : float, optional
        Bound on ``|states|``.
    max_run : int, optional
        Longest tolerated run at an extreme code.

    Returns
    -------
    bool

    Notes
    -----
    The output-only criteria are heuristics: an unstable loop that oscillates quickly
    can escape them. Pass ``states`` when they are available; exponential state growth
    is unambiguous.
    """
    levels = int(levels)
    if levels < 2:
        raise AnalysisError(f"levels: must be >= 2, got {levels}")
    x = np.asarray(v, dtype=float).ravel()
    if not np.all(np.isfinite(x)):
        return True
    if states is not None:
        s = np.asarray(states, dtype=float)
        if not np.all(np.isfinite(s)):
            return True
        limit = 1e3 * (levels - 1) if state_limit is None else float(state_limit)
        if s.size and float(np.max(np.abs(s))) > limit:
            return True
    if x.size == 0:
        return False
    runs = _saturated_runs(x, float(levels - 1))
    if runs.size == 0:
        return False
    run_limit = DEFAULT_MAX_RUN if max_run is None else int(max_run)
    if int(runs.max()) > run_limit:
        return True
    # An overloaded loop often settles into a large limit cycle (runs of tens of samples,
    # back to back) rather than locking up; a stable one spends little time in such runs.
    in_long = int(np.sum(runs[runs >= _LONG_RUN]))
    return in_long > _LONG_RUN_FRACTION * x.size


def dynamic_range(
    amplitudes_dbfs: ArrayLike,
    sndr_db: ArrayLike,
    stable: ArrayLike | None = None,
    *,
    low_span_db: float = 10.0,
    fit_slope: bool = False,
) -> dict[str, float | None]:
    """Peak SNDR, dynamic range and maximum stable amplitude of an amplitude sweep.

    Parameters
    ----------
    amplitudes_dbfs : array_like, shape (m,)
        Input amplitudes, dBFS.
    sndr_db : array_like, shape (m,)
        SNDR at each amplitude, dB (None/NaN for undefined points, which are ignored).
    stable : array_like of bool, shape (m,), optional
        Stability of each point; default all stable. Unstable points are ignored for
        the peak and the fit.
    low_span_db : float
        Points at least this far below the peak amplitude are the low-amplitude points
        used for the extrapolation (if there are none, the lowest valid point is used).
    fit_slope : bool
        False (default): fit SNDR = amplitude - c (slope 1 dB/dB, the noise-limited
        law). True: least-squares line with free slope (needs two low points).

    Returns
    -------
    dict
        ``peak_sndr_db``, ``peak_amplitude_dbfs``; ``zero_crossing_dbfs`` (amplitude where
        the extrapolated line reaches SNDR = 0 dB); ``dr_db`` = peak amplitude minus the
        zero crossing; ``max_stable_amplitude_dbfs`` (largest amplitude up to which every
        point of the sweep is stable). None where undefined.
    """
    a = np.asarray(amplitudes_dbfs, dtype=float).ravel()
    s = np.array(
        [np.nan if x is None else x for x in np.asarray(sndr_db, dtype=object).ravel()],
        dtype=float,
    )
    if a.shape != s.shape:
        raise AnalysisError(f"sndr_db: {s.size} values for {a.size} amplitudes")
    ok = np.ones(a.shape, bool) if stable is None else np.asarray(stable, dtype=bool).ravel()
    if ok.shape != a.shape:
        raise AnalysisError(f"stable: {ok.size} flags for {a.size} amplitudes")
    out: dict[str, float | None] = dict.fromkeys(
        (
            "peak_sndr_db",
            "peak_amplitude_dbfs",
            "zero_crossing_dbfs",
            "dr_db",
            "max_stable_amplitude_dbfs",
        )
    )
    # Largest amplitude below which the whole sweep is stable.
    order = np.argsort(a, kind="stable")
    run = np.cumprod(ok[order]).astype(bool)
    if run.any():
        out["max_stable_amplitude_dbfs"] = _finite(a[order][run][-1])
    valid = np.isfinite(a) & np.isfinite(s) & ok
    if not valid.any():
        return out
    iv = np.flatnonzero(valid)
    ip = iv[np.argmax(s[iv])]
    out["peak_sndr_db"] = _finite(s[ip])
    out["peak_amplitude_dbfs"] = _finite(a[ip])
    low = valid & (a <= a[ip] - low_span_db)
    if not low.any():
        low = valid & (a == a[iv].min())
    al, sl = a[low], s[low]
    if fit_slope and np.unique(al).size >= 2:
        slope, icpt = np.polyfit(al, sl, 1)
        zero = -icpt / slope if slope > 0 else math.nan
    else:
        zero = float(np.mean(al - sl))
    out["zero_crossing_dbfs"] = _finite(zero)
    if out["zero_crossing_dbfs"] is not None:
        out["dr_db"] = _finite(a[ip] - zero)
    return out
