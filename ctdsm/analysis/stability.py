"""Stability of a run and the dynamic range of an amplitude sweep."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ctdsm.analysis._common import AnalysisError, finite

__all__ = ["DEFAULT_MAX_RUN", "is_unstable", "dynamic_range"]

#: Longest run of saturated quantizer codes that a stable modulator is assumed to produce.
DEFAULT_MAX_RUN = 100
#: Runs at least this long count as "long"; a record with more than the given fraction of
#: its samples in long saturated runs is a limit cycle of an overloaded loop.
_LONG_RUN = 16
_LONG_RUN_FRACTION = 0.5
_DR_KEYS = (
    "peak_sndr_db",
    "peak_amplitude_dbfs",
    "zero_crossing_dbfs",
    "dr_db",
    "max_stable_amplitude_dbfs",
)


def _saturated_runs(v: np.ndarray, limit: float) -> np.ndarray:
    """Lengths of the runs of consecutive samples held at +limit (or at -limit)."""
    thr = limit * (1.0 - 1e-9)
    lev = np.where(v >= thr, 1, 0) - np.where(v <= -thr, 1, 0)
    starts = np.flatnonzero(np.r_[True, lev[1:] != lev[:-1]])
    lengths = np.diff(np.r_[starts, lev.size])
    return lengths[lev[starts] != 0]


def _states_diverged(states: ArrayLike, levels: int, state_limit: float | None) -> bool:
    """True when the loop-filter states hold NaN/inf or exceed their bound."""
    s = np.asarray(states, dtype=float)
    if not np.all(np.isfinite(s)):
        return True
    limit = 1e3 * (levels - 1) if state_limit is None else float(state_limit)
    return bool(s.size and float(np.max(np.abs(s))) > limit)


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
    if states is not None and _states_diverged(states, levels, state_limit):
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


def _sweep_arrays(
    amplitudes_dbfs: ArrayLike, sndr_db: ArrayLike, stable: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sweep as float amplitudes, float SNDR (NaN for None) and bool stability."""
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
    return a, s, ok


def _zero_crossing_dbfs(al: np.ndarray, sl: np.ndarray, fit_slope: bool) -> float:
    """Amplitude where the line through the low-amplitude points reaches SNDR = 0 dB."""
    if fit_slope and np.unique(al).size >= 2:
        slope, icpt = np.polyfit(al, sl, 1)
        return float(-icpt / slope) if slope > 0 else math.nan
    return float(np.mean(al - sl))


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
    a, s, ok = _sweep_arrays(amplitudes_dbfs, sndr_db, stable)
    out: dict[str, float | None] = dict.fromkeys(_DR_KEYS)
    # Largest amplitude below which the whole sweep is stable.
    order = np.argsort(a, kind="stable")
    run = np.cumprod(ok[order]).astype(bool)
    if run.any():
        out["max_stable_amplitude_dbfs"] = finite(a[order][run][-1])
    valid = np.isfinite(a) & np.isfinite(s) & ok
    if not valid.any():
        return out
    iv = np.flatnonzero(valid)
    ip = iv[np.argmax(s[iv])]
    out["peak_sndr_db"] = finite(s[ip])
    out["peak_amplitude_dbfs"] = finite(a[ip])
    low = valid & (a <= a[ip] - low_span_db)
    if not low.any():
        low = valid & (a == a[iv].min())
    zero = _zero_crossing_dbfs(a[low], s[low], fit_slope)
    out["zero_crossing_dbfs"] = finite(zero)
    if out["zero_crossing_dbfs"] is not None:
        out["dr_db"] = finite(a[ip] - zero)
    return out
