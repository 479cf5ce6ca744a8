"""What the sampled-data engine returns (:class:`Result`) and what drives a run
(:class:`Stimulus`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ctdsm.analysis import Metrics, analyze
from ctdsm.models.impairments import Impairments

__all__ = ["Result", "Stimulus"]


@dataclass
class Result:
    """Output of a behavioral simulation.

    Attributes
    ----------
    v : ndarray (n_samples,)
        Quantizer output codes, toolbox units (full scale ``levels - 1``).
    fs_hz, bw_hz, f0_hz, fin_hz : float
    amplitude_dbfs : float
        Input amplitude relative to the DAC full scale.
    levels, n_samples, seed : int
    stable : bool
        False when the loop blew up (the rest of ``v`` is then zero).
    full_scale_v : float
        Differential peak volts of full scale (for input-referred noise).
    impairments : Impairments
    xmax : ndarray
        Peak of each loop-filter state (opamp outputs), in units of the scaled states.
    n_run : int
        Samples simulated before a blow-up (``n_samples`` when stable).
    name : str
    """

    v: np.ndarray
    fs_hz: float
    bw_hz: float
    f0_hz: float
    fin_hz: float
    amplitude_dbfs: float
    levels: int
    n_samples: int
    seed: int
    stable: bool
    full_scale_v: float
    impairments: Impairments
    xmax: np.ndarray
    n_run: int
    name: str = "design"
    info: dict[str, Any] = field(default_factory=dict)

    def metrics(self) -> Metrics:
        """Spectral metrics (:func:`ctdsm.analysis.analyze`)."""
        return analyze(self)


@dataclass(frozen=True)
class Stimulus:
    """The input of a run: a sine (and an optional arbitrary sequence) over ``n_samples``.

    Attributes
    ----------
    n_samples : int
        Clock cycles.
    amplitude_dbfs : float
        Sine amplitude relative to the DAC full scale.
    fin_hz : float
        Sine frequency, Hz.
    u : ndarray or None
        An arbitrary input (toolbox units, held over each period) added to the sine.
    """

    n_samples: int
    amplitude_dbfs: float
    fin_hz: float
    u: np.ndarray | None = None
