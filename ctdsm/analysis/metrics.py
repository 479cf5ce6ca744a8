"""Figures of merit of a single-tone record: SNDR, SNR, THD, SFDR, HD2/HD3, in-band noise.

Bin bookkeeping (``hw`` = the window's main-lobe half width, see
:class:`~ctdsm.analysis.spectrum.WindowInfo`):

* the signal is the main lobe of the tone, ``k_sig +/- hw`` bins;
* the DC lobe ``0..hw`` never counts as noise (low-pass); the DC offset is reported
  separately from the DC bin;
* harmonic ``h`` is aliased into ``[0, fs/2]`` and counted when its bin is in band and
  not already claimed by the signal, the DC lobe or a lower harmonic; its power is its
  lobe minus the noise the lobe is expected to hold (clipped at 0);
* noise = in-band bins not excluded above, plus, for each excluded in-band lobe, the
  neighbouring noise density times the lobe's width, so that SNR is an unbiased
  estimate of signal power over all in-band noise;
* SFDR uses the largest in-band bin outside the signal and DC lobes and the sum of its
  own lobe.

References
----------
.. [1] R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
   Wiley-IEEE, 2005, App. A (spectral estimation with the Hann window).
.. [2] S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data
   Converters*, 2nd ed., Wiley-IEEE, 2017, App. A.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ctdsm.analysis._common import AnalysisError, check_fs, finite
from ctdsm.analysis.band import band_bins, band_edges_hz, fold_hz
from ctdsm.analysis.spectrum import WindowInfo, one_sided_scale, resolve_window
from ctdsm.analysis.stability import is_unstable
from ctdsm.toolbox._common import dbp, dbv

__all__ = ["Metrics", "spectrum_metrics", "analyze"]

#: The Metrics fields that are undefined (None) for a record holding NaN or inf.
_MEASURED = (
    "sndr_db snr_db thd_db sfdr_db hd2_db hd3_db amplitude_dbfs dc_offset noise_power "
    "inband_noise_v2_per_hz inband_noise_nv_rthz enob_bits signal_power distortion_power"
).split()


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
                out[key] = finite(value)
            else:
                out[key] = value
        return out


@dataclass(frozen=True)
class _Bins:
    """The one-sided spectrum of a record, as power per bin.

    Attributes
    ----------
    p : ndarray
        Power per bin of the record divided by ``scale`` (``psd() * df``, ``(u/scale)^2``).
    weight : ndarray
        Width of each bin in full bins: DC (and Nyquist) carry half a bin of noise.
    band : ndarray of bool
        In-band bins.
    scale : float
        ``max |x|`` (1 for an all-zero record).
    dc_offset : float
        DC component of the record, ``u``.
    df : float
        Bin spacing, Hz.
    hw : int
        Main-lobe half width of the window, bins.
    """

    p: np.ndarray
    weight: np.ndarray
    band: np.ndarray
    scale: float
    dc_offset: float
    df: float
    hw: int

    @property
    def k(self) -> np.ndarray:
        """Bin indices."""
        return np.arange(self.p.size)

    def lobe(self, k: int) -> np.ndarray:
        """Mask of the main lobe around bin ``k``."""
        k_all = self.k
        return (k_all >= k - self.hw) & (k_all <= k + self.hw)


@dataclass(frozen=True)
class _Lobes:
    """The bins excluded from the noise sum.

    Attributes
    ----------
    signal, dc : ndarray of bool
        The tone's main lobe, and the DC lobe outside it.
    harmonics : dict of int to ndarray of bool
        In-band lobe of each counted harmonic, in order, no bin in two lobes.
    noise : ndarray of bool
        In-band bins in none of the lobes.
    """

    signal: np.ndarray
    dc: np.ndarray
    harmonics: dict[int, np.ndarray]
    noise: np.ndarray


@dataclass(frozen=True)
class _Powers:
    """Signal, noise and distortion of a record, ``(u/scale)^2``.

    Attributes
    ----------
    signal : float
        Sum of the signal lobe.
    noise : float
        In-band noise bins plus the noise hidden under the excluded lobes.
    hd : dict of int to float
        Each counted harmonic's lobe minus its expected noise, clipped at 0.
    raw_harmonics : float
        Sum of the harmonic lobes, noise included.
    """

    signal: float
    noise: float
    hd: dict[int, float]
    raw_harmonics: float

    @property
    def distortion(self) -> float:
        """Total harmonic power."""
        return float(sum(self.hd.values()))

    @property
    def thd_is_bound(self) -> bool:
        """No harmonic stands above the noise in its bins, yet the bins hold power."""
        return self.distortion <= 0 and self.raw_harmonics > 0


def _local_max(p: np.ndarray, k: int, reach: int) -> int:
    """Index of the largest ``p`` within ``k +/- reach`` (clipped to the array)."""
    lo, hi = max(k - reach, 0), min(k + reach, p.size - 1)
    return lo + int(np.argmax(p[lo : hi + 1]))


def _safe_db_ratio(num: float, den: float) -> float | None:
    """``10 log10(num / den)`` or None when undefined (0/0, x/0, 0/x)."""
    if not (num > 0 and den > 0):
        return None
    return finite(dbp(num / den))


def _checked_record(
    v: ArrayLike, fs_hz: float, fin_hz: float, bw_hz: float, f0_hz: float, full_scale: float
) -> tuple[np.ndarray, float, tuple[float, float]]:
    """Validate the inputs of :func:`spectrum_metrics`.

    Returns
    -------
    x : ndarray, shape (n,)
        The record as floats.
    fs : float
        Sample rate, Hz.
    band : (float, float)
        Band edges, Hz (:func:`~ctdsm.analysis.band.band_edges_hz`).

    Raises
    ------
    AnalysisError
        On a record that is not 1-D or shorter than 16 samples, a non-positive full
        scale or bandwidth, a tone outside ``(0, fs/2)``, or a band outside ``[0, fs/2]``.
    """
    fs = check_fs(fs_hz)
    x = np.asarray(v, dtype=float)
    if x.ndim != 1:
        raise AnalysisError(f"v: must be one-dimensional, got shape {x.shape}")
    if x.size < 16:
        raise AnalysisError(f"v: record too short for a spectrum ({x.size} samples)")
    if not (full_scale > 0):
        raise AnalysisError(f"full_scale: must be positive, got {full_scale!r}")
    if not (0 < fin_hz < fs / 2):
        raise AnalysisError(f"fin_hz: must be in (0, fs/2) = (0, {fs / 2:.6g}) Hz, got {fin_hz!r}")
    if not (bw_hz > 0):
        raise AnalysisError(f"bw_hz: must be positive, got {bw_hz!r}")
    f_lo, f_hi = band_edges_hz(bw_hz, f0_hz)
    if f_lo < 0:
        raise AnalysisError(f"bw_hz: band f0 +/- bw/2 extends below DC ({f_lo:.6g} Hz)")
    if f_hi > fs / 2 * (1 + 1e-12):
        raise AnalysisError(f"bw_hz: band edge {f_hi:.6g} Hz is above fs/2 = {fs / 2:.6g} Hz")
    return x, fs, (f_lo, f_hi)


def _bin_powers(x: np.ndarray, fs: float, band_hz: tuple[float, float], win: WindowInfo) -> _Bins:
    """The record's power per bin and its in-band bins.

    Works on ``x / max|x|``: the dB figures are ratios, and a huge record cannot overflow
    the squares; absolute powers are scaled back by the caller.
    """
    n = x.size
    scale = float(np.max(np.abs(x))) or 1.0
    spec = np.fft.rfft(x / scale * win.w)
    # Power per bin ((u/scale)^2): the PSD of psd() times df.
    p = (spec.real**2 + spec.imag**2) * (one_sided_scale(n) / (n * np.sum(win.w**2)))
    band = band_bins(p.size, fs / n, band_hz[0], band_hz[1])
    if not band.any():
        raise AnalysisError(f"bw_hz: band [{band_hz[0]:.6g}, {band_hz[1]:.6g}] Hz holds no FFT bin")
    return _Bins(
        p=p,
        weight=one_sided_scale(n) / 2.0,
        band=band,
        scale=scale,
        dc_offset=float(spec[0].real / np.sum(win.w) * scale),
        df=fs / n,
        hw=win.half_width_bins,
    )


def _claim_lobes(bins: _Bins, fin_hz: float, fs: float, n_harmonics: int, kind: str) -> _Lobes:
    """The signal, DC and harmonic lobes of a record.

    Parameters
    ----------
    bins : _Bins
    fin_hz : float
        Tone frequency, Hz (the peak within +/-1 bin of it is the signal).
    fs : float
        Sample rate, Hz.
    n_harmonics : int
        Highest harmonic counted.
    kind : str
        Window name, for the error message.

    Returns
    -------
    _Lobes
        Harmonics claim their lobes in order, so that no bin is counted twice.
    """
    p, band, hw = bins.p, bins.band, bins.hw
    k_sig = _local_max(p, int(round(fin_hz / bins.df)), 1)
    if k_sig <= hw:
        raise AnalysisError(
            f"fin_hz: tone at bin {k_sig} lies in the DC lobe of the {kind} window "
            f"(needs bin > {hw}); use default_test_frequency()"
        )
    signal = bins.lobe(k_sig)
    dc = (bins.k <= hw) & ~signal
    excluded = signal | dc
    harmonics: dict[int, np.ndarray] = {}
    for h in range(2, int(n_harmonics) + 1):
        kh = _local_max(p, int(round(fold_hz(h * fin_hz, fs) / bins.df)), 1)
        if not band[kh] or excluded[kh]:
            continue
        lobe = bins.lobe(kh) & band & ~excluded
        harmonics[h] = lobe
        excluded |= lobe
    return _Lobes(signal=signal, dc=dc, harmonics=harmonics, noise=band & ~excluded)


@dataclass(frozen=True)
class _NoiseFloor:
    """The noise bins of a record, to estimate the noise an excluded lobe hides.

    Attributes
    ----------
    bins : _Bins
    idx : ndarray of int
        Indices of the noise bins.
    mean_density : float
        Mean noise per full bin over the band (0 without noise bins).
    """

    bins: _Bins
    idx: np.ndarray
    mean_density: float

    @classmethod
    def of(cls, bins: _Bins, noise: np.ndarray) -> _NoiseFloor:
        idx = np.flatnonzero(noise)
        mean = float(np.sum(bins.p[idx]) / np.sum(bins.weight[idx])) if idx.size else 0.0
        return cls(bins=bins, idx=idx, mean_density=mean)

    @property
    def total(self) -> float:
        """Sum of the noise bins."""
        return float(np.sum(self.bins.p[self.idx]))

    def hidden(self, lobe: np.ndarray) -> float:
        """Noise expected in the in-band part of ``lobe``.

        The density of the noise bins within ``max(8, 4 hw)`` bins of the lobe (the
        band's mean density when there are none) times the lobe's in-band width.
        """
        p, weight = self.bins.p, self.bins.weight
        inb = np.flatnonzero(lobe & self.bins.band)
        if inb.size == 0:
            return 0.0
        reach = max(8, 4 * self.bins.hw)
        near = self.idx[(self.idx >= inb[0] - reach) & (self.idx <= inb[-1] + reach)]
        dens = float(np.sum(p[near]) / np.sum(weight[near])) if near.size else self.mean_density
        return dens * float(np.sum(weight[inb]))


def _measure_powers(bins: _Bins, lobes: _Lobes) -> _Powers:
    """Signal, noise (hidden noise given back) and harmonic powers of a record."""
    p = bins.p
    floor = _NoiseFloor.of(bins, lobes.noise)
    hidden = floor.hidden(lobes.signal) + floor.hidden(lobes.dc)
    hd: dict[int, float] = {}
    raw = 0.0
    for h, lobe in lobes.harmonics.items():
        expected = floor.hidden(lobe)
        hidden += expected
        raw += float(np.sum(p[lobe]))
        hd[h] = max(float(np.sum(p[lobe])) - expected, 0.0)
    return _Powers(
        signal=float(np.sum(p[lobes.signal])),
        noise=floor.total + hidden,
        hd=hd,
        raw_harmonics=raw,
    )


def _sfdr_db(bins: _Bins, lobes: _Lobes, p_sig: float) -> float | None:
    """Signal over the largest in-band spur outside the signal and DC lobes (its lobe)."""
    cand = bins.band & ~lobes.signal & ~lobes.dc
    if not cand.any():
        return None
    idx = np.flatnonzero(cand)
    kp = int(idx[np.argmax(bins.p[idx])])
    return _safe_db_ratio(p_sig, float(np.sum(bins.p[cand & bins.lobe(kp)])))


def _thd_db(pw: _Powers) -> float | None:
    """THD, dB: the harmonics, else the upper bound of buried ones, else None."""
    if pw.distortion > 0:
        return _safe_db_ratio(pw.distortion, pw.signal)
    # Harmonics buried in the noise: THD is at most what their bins hold.
    return _safe_db_ratio(pw.raw_harmonics, pw.signal) if pw.thd_is_bound else None


def _hd_db(pw: _Powers, h: int) -> float | None:
    """Harmonic ``h`` re the signal, dBc; None when not counted or not above the noise."""
    ph = pw.hd.get(h, 0.0)
    return _safe_db_ratio(ph, pw.signal) if ph > 0 else None


def _input_referred_noise(
    density_u2_per_hz: float, full_scale: float, full_scale_v: float | None
) -> tuple[float | None, float | None]:
    """In-band noise density in V^2/Hz and nV/sqrt(Hz), or None without ``full_scale_v``."""
    if full_scale_v is None:
        return None, None
    v2_per_hz = finite(density_u2_per_hz * (float(full_scale_v) / float(full_scale)) ** 2)
    nv_rthz = finite(math.sqrt(v2_per_hz) * 1e9) if v2_per_hz is not None else None
    return v2_per_hz, nv_rthz


def _to_metrics(
    bins: _Bins,
    pw: _Powers,
    sfdr_db: float | None,
    full_scale_v: float | None,
    fields: dict[str, Any],
) -> Metrics:
    """The Metrics of a measured record (``fields``: see :func:`_record_fields`)."""
    dist = pw.distortion
    sndr = _safe_db_ratio(pw.signal, pw.noise + dist)
    s2 = bins.scale * bins.scale  # back to u^2 (inf for absurd records: reported as None)
    density = pw.noise * s2 / fields["bw_hz"]  # u^2/Hz, distortion excluded
    v2_per_hz, nv_rthz = _input_referred_noise(density, fields["full_scale"], full_scale_v)
    return Metrics(
        sndr_db=sndr,
        snr_db=_safe_db_ratio(pw.signal, pw.noise),
        thd_db=_thd_db(pw),
        thd_upper_bound=bool(pw.thd_is_bound),
        sfdr_db=sfdr_db,
        hd2_db=_hd_db(pw, 2),
        hd3_db=_hd_db(pw, 3),
        amplitude_dbfs=finite(
            dbv(math.sqrt(2.0 * pw.signal) * (bins.scale / fields["full_scale"]))
        ),
        dc_offset=finite(bins.dc_offset),
        noise_power=finite((pw.noise + dist) * s2),
        inband_noise_v2_per_hz=v2_per_hz,
        inband_noise_nv_rthz=nv_rthz,
        # 1.76 dB = 10 log10(1.5) and 6.02 dB = 20 log10(2), written exactly.
        enob_bits=finite((sndr - dbp(1.5)) / dbv(2.0)) if sndr is not None else None,
        signal_power=finite(pw.signal * s2),
        distortion_power=finite(dist * s2),
        **fields,
    )


def _record_fields(
    fs: float,
    fin_hz: float,
    bw_hz: float,
    f0_hz: float,
    n: int,
    stable: bool,
    full_scale: float,
    kind: str,
) -> dict[str, Any]:
    """The Metrics fields that describe the record rather than measure it."""
    return dict(
        fin_hz=float(fin_hz),
        bw_hz=float(bw_hz),
        fs_hz=fs,
        f0_hz=float(f0_hz),
        n_samples=int(n),
        stable=bool(stable),
        full_scale=float(full_scale),
        window=kind,
    )


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
        :func:`~ctdsm.analysis.band.coherent_frequency`).
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
    The bin bookkeeping is in the docstring of :mod:`ctdsm.analysis.metrics`.

    References
    ----------
    Schreier & Temes (2005), App. A; Pavan, Schreier & Temes (2017), App. A.
    """
    x, fs, band_hz = _checked_record(v, fs_hz, fin_hz, bw_hz, f0_hz, full_scale)
    win = resolve_window(window, x.size)
    fields = _record_fields(fs, fin_hz, bw_hz, f0_hz, x.size, stable, full_scale, win.kind)
    if not np.all(np.isfinite(x)):
        nothing: dict[str, Any] = dict.fromkeys(_MEASURED)
        return Metrics(**nothing, **{**fields, "stable": False})
    bins = _bin_powers(x, fs, band_hz, win)
    lobes = _claim_lobes(bins, fin_hz, fs, n_harmonics, win.kind)
    powers = _measure_powers(bins, lobes)
    return _to_metrics(bins, powers, _sfdr_db(bins, lobes, powers.signal), full_scale_v, fields)


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
        result's own verdict, and False as well when
        :func:`~ctdsm.analysis.stability.is_unstable` flags ``v``.
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
