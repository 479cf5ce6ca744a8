"""What every analysis module shares: its error type and the checks of plain numbers."""

from __future__ import annotations

import math
from typing import Any

from ctdsm.errors import CtdsmError

__all__ = ["AnalysisError", "check_fs", "finite"]


class AnalysisError(CtdsmError, ValueError):
    """Invalid input to an analysis function (bad frequency, band, record or window)."""


def check_fs(fs_hz: float) -> float:
    """Validate a sample rate.

    Parameters
    ----------
    fs_hz : float
        Sample rate, Hz.

    Returns
    -------
    float
        ``fs_hz`` as a float.

    Raises
    ------
    AnalysisError
        If ``fs_hz`` is not a positive finite number.
    """
    fs = float(fs_hz)
    if not (math.isfinite(fs) and fs > 0):
        raise AnalysisError(f"fs_hz: must be a positive finite frequency, got {fs_hz!r}")
    return fs


def finite(x: Any) -> float | None:
    """``float(x)`` if finite, else None.

    JSON has no NaN or inf, and neither do :class:`~ctdsm.analysis.Metrics`.

    Parameters
    ----------
    x : float-like or None

    Returns
    -------
    float or None
    """
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
