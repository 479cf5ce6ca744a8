"""Windows and power spectral densities.

Spectra are one-sided windowed periodograms scaled as a *density* (units^2/Hz): the sum
of ``S * df`` over a band is the power in that band, and the main-lobe bins of a sine of
amplitude ``A`` sum to ``A**2 / 2``. Windows are *periodic* cosine sums (Hann by default),
so a coherent tone leaks into no bin outside its main lobe.

References
----------
.. [1] F. J. Harris, "On the use of windows for harmonic analysis with the discrete
   Fourier transform," *Proc. IEEE*, vol. 66, no. 1, pp. 51-83, 1978.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy import signal as _signal

from ctdsm.analysis._common import AnalysisError, check_fs

__all__ = [
    "WindowInfo",
    "window",
    "resolve_window",
    "one_sided_scale",
    "psd",
    "welch_psd",
    "band_power",
]

#: Periodic cosine-sum windows ``w[n] = sum_m (-1)**m a_m cos(2 pi m n / N)``.
#: Blackman-Harris is the 4-term, -92 dB side-lobe window of Harris [1].
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
    """The canonical name of a window kind or alias."""
    try:
        return _ALIASES[str(kind).lower()]
    except KeyError:
        names = ", ".join(sorted(_COSINE_SUM))
        raise AnalysisError(f"window: unknown kind {kind!r} (use one of {names})") from None


@lru_cache(maxsize=16)
def _window_cached(n: int, kind: str) -> WindowInfo:
    """The window itself; cached, so its array is shared and made read-only."""
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


def resolve_window(win: str | WindowInfo, n: int) -> WindowInfo:
    """The window of a record of ``n`` samples, from a kind or a given window.

    Parameters
    ----------
    win : str or WindowInfo
        Window kind (see :func:`window`) or a window, which must have length ``n``.
    n : int
        Record length.

    Returns
    -------
    WindowInfo
    """
    if isinstance(win, WindowInfo):
        if win.n != n:
            raise AnalysisError(f"window: length {win.n} does not match the record ({n})")
        return win
    return window(n, win)


def one_sided_scale(n: int) -> np.ndarray:
    """Per-bin factor of a one-sided spectrum of an ``n``-point record.

    Parameters
    ----------
    n : int
        Record length.

    Returns
    -------
    ndarray, shape (n // 2 + 1,)
        2, except 1 at DC and at Nyquist (even ``n``), which have no mirror bin.
    """
    scale = np.full(n // 2 + 1, 2.0)
    scale[0] = 1.0
    if n % 2 == 0:
        scale[-1] = 1.0
    return scale


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
    fs = check_fs(fs_hz)
    x = np.asarray(v, dtype=float)
    n = x.shape[-1]
    win = resolve_window(window, n)
    spec = np.fft.rfft(x * win.w, axis=-1)
    # Density scaling: divide by sum(w^2) so white noise of variance s2 reads 2 s2 / fs.
    s = (spec.real**2 + spec.imag**2) * (one_sided_scale(n) / (fs * np.sum(win.w**2)))
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
    fs = check_fs(fs_hz)
    x = np.asarray(v, dtype=float)
    n = x.shape[-1]
    nseg = min(n, 4096) if nperseg is None else int(nperseg)
    if not 1 <= nseg <= n:
        raise AnalysisError(f"nperseg: must be between 1 and the record length {n}, got {nseg}")
    win = resolve_window(window, nseg)
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
