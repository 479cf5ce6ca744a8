"""Deprecated alias of :mod:`ctdsm.reporting` (moved in the data-flow layout)."""

from __future__ import annotations

import sys
import types
from typing import Any

from ctdsm._compat import warn_moved
from ctdsm.reporting import (
    CHOP_DIVISORS,
    CHOP_SAMPLES,
    DAC_SAMPLES,
    SPICE_KEYS,
    SWEEP_AMPLITUDES_DBFS,
    SWEEP_SAMPLES,
    ReportData,
    build_report,
    index_markdown,
    load_spice,
    metrics_record,
    render_html,
    report,
    write_index,
)

__all__ = [
    "report",
    "metrics_record",
    "build_report",
    "write_index",
    "index_markdown",
    "load_spice",
    "render_html",
    "ReportData",
    "SWEEP_SAMPLES",
    "SWEEP_AMPLITUDES_DBFS",
    "DAC_SAMPLES",
    "CHOP_SAMPLES",
    "CHOP_DIVISORS",
    "SPICE_KEYS",
]


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`ctdsm.reporting.report`.

    Importing ``ctdsm.report`` binds the package attribute ``ctdsm.report`` to this module
    instead of the function, so ``ctdsm.report(design, out)`` must work on the module too.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
warn_moved("ctdsm.report", "ctdsm.reporting")
