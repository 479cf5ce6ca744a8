"""Spectral analysis of modulator outputs: PSD, SNDR/SNR/THD/SFDR, stability, dynamic range.

The analysis layer shared by every simulation tier (sampled-data engine, circuit engine,
ngspice): it measures any bitstream and depends on nothing in ``ctdsm`` but
:mod:`ctdsm.errors` and :mod:`ctdsm.toolbox`. Quantities are in SI units and names carry
their unit (``fs_hz``, ``fin_hz``); signal amplitudes are in the units of the analysed
sequence (the toolbox convention for a modulator output: full scale is ``levels - 1``).

Modules, in data-flow order:

* :mod:`~ctdsm.analysis.spectrum`: periodic windows, :func:`psd`, :func:`welch_psd`,
  :func:`band_power` (one-sided densities, units^2/Hz);
* :mod:`~ctdsm.analysis.band`: the signal band (:func:`band_edges_hz`, in-band bins) and
  coherent test tones (:func:`coherent_frequency`, :func:`default_test_frequency`);
* :mod:`~ctdsm.analysis.stability`: :func:`is_unstable`, :func:`dynamic_range`;
* :mod:`~ctdsm.analysis.metrics`: :class:`Metrics`, :func:`spectrum_metrics`,
  :func:`analyze`;
* :mod:`~ctdsm.analysis.fom`: figures of merit (:func:`fom_schreier_db`,
  :func:`fom_walden_j`, :func:`enob_bits`).

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

from ctdsm.analysis._common import AnalysisError
from ctdsm.analysis.band import (
    band_bin_range,
    band_bins,
    band_edges_hz,
    coherent_frequency,
    default_test_frequency,
    fold_hz,
    tone_frequency_hz,
)
from ctdsm.analysis.fom import enob_bits, fom_schreier_db, fom_walden_j
from ctdsm.analysis.metrics import Metrics, analyze, spectrum_metrics
from ctdsm.analysis.spectrum import WindowInfo, band_power, psd, welch_psd, window
from ctdsm.analysis.stability import DEFAULT_MAX_RUN, dynamic_range, is_unstable

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
    "band_bin_range",
    "band_bins",
    "fold_hz",
    "tone_frequency_hz",
    "spectrum_metrics",
    "analyze",
    "is_unstable",
    "dynamic_range",
    "DEFAULT_MAX_RUN",
    "enob_bits",
    "fom_schreier_db",
    "fom_walden_j",
]
