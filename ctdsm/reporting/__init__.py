"""``report(design, out_dir)``: a self-contained HTML report of a design, and its metrics.

The report simulates the design with the sampled-data engine and shows what a designer
judges a modulator by: spec summary, NTF/STF and poles/zeros, CT coefficients, components,
noise budget, opamp/RC requirements, the PSD with SNDR/SNR/THD/SFDR, an amplitude sweep
(DR, peak SNDR, maximum stable amplitude), integrator swing, first-DAC errors, in-band
noise versus chopping frequency and, when a ``ctdsm spice`` run exists, ngspice versus
behavioral. It writes ``report.html`` (PNG figures beside it) and ``metrics.json`` (the keys
of ``ctdsm simulate``'s plus the sweep's).

Modules, in data-flow order:

* :mod:`~ctdsm.reporting.compute`: the runs and their numbers, :class:`ReportData`
  (:func:`build_report`, :func:`metrics_record`, :func:`load_spice`);
* :mod:`~ctdsm.reporting.figures`: matplotlib figures of designs and runs;
* :mod:`~ctdsm.reporting.survey`: the published ADC survey (B. Murmann) with designs placed
  on it (:func:`survey_figure`, :func:`load_survey`);
* :mod:`~ctdsm.reporting.tables`: the tables, as formatted strings;
* :mod:`~ctdsm.reporting.html`: ``report.html`` and its files on disk, the index of
  several reports (:func:`write_index`);
* :mod:`~ctdsm.reporting.entry`: :func:`report`, design in, report directory out.
"""

from __future__ import annotations

from ctdsm.reporting import figures, survey, tables
from ctdsm.reporting.compute import (
    CHOP_DIVISORS,
    CHOP_SAMPLES,
    DAC_SAMPLES,
    SPICE_KEYS,
    SWEEP_AMPLITUDES_DBFS,
    SWEEP_SAMPLES,
    ReportData,
    build_report,
    load_spice,
    metrics_record,
)
from ctdsm.reporting.entry import report
from ctdsm.reporting.html import index_markdown, render_html, write_index, write_report
from ctdsm.reporting.survey import SurveyPoint, SurveyTable, load_survey, survey_figure

__all__ = [
    "report",
    "build_report",
    "ReportData",
    "metrics_record",
    "load_spice",
    "render_html",
    "write_report",
    "write_index",
    "index_markdown",
    "figures",
    "tables",
    "survey",
    "survey_figure",
    "load_survey",
    "SurveyPoint",
    "SurveyTable",
    "SWEEP_SAMPLES",
    "SWEEP_AMPLITUDES_DBFS",
    "DAC_SAMPLES",
    "CHOP_SAMPLES",
    "CHOP_DIVISORS",
    "SPICE_KEYS",
]
