"""The classic Delta-Sigma Toolbox API, written fresh for current Python and NumPy.

Names, argument order, defaults and conventions follow R. Schreier's Delta-Sigma
Toolbox for MATLAB, as documented in R. Schreier and G. C. Temes, *Understanding
Delta-Sigma Data Converters* (Wiley, 2005) and S. Pavan, R. Schreier and G. C. Temes,
*Understanding Delta-Sigma Data Converters*, 2nd ed. (Wiley-IEEE, 2017):

* NTFs are zeros/poles/gain (:class:`ZPK`, unpacks as ``z, p, k``);
* state-space modulators are ``ABCD = [[A, B], [C, D]]`` with inputs ``[u, v]``;
* CT DAC timings are ``tdac = [t0, t1]`` (fractions of a clock period) or one row per
  DAC; ``tdac2`` as returned by :func:`realizeNTF_ct` has ``[-1, -1]`` in the input row.

Functions are imported on first use so that ``import ctdsm`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    # _common
    "ZPK": "_common",
    "as_zpk": "_common",
    "dbv": "_common",
    "dbp": "_common",
    "dbm": "_common",
    "undbv": "_common",
    "undbp": "_common",
    "undbm": "_common",
    "evalTF": "_common",
    "partitionABCD": "_common",
    # NTF synthesis
    "synthesizeNTF": "ntf",
    "clans": "ntf",
    "synthesizeChebyshevNTF": "ntf",
    "ds_optzeros": "ntf",
    "infnorm": "ntf",
    "rmsGain": "ntf",
    # DT realization and analysis
    "realizeNTF": "realize",
    "stuffABCD": "realize",
    "mapABCD": "realize",
    "scaleABCD": "realize",
    "calculateTF": "realize",
    # CT realization
    "realizeNTF_ct": "ct",
    "mapCtoD": "ct",
    "ct_loop_response": "ct",
    "ntf_loop_response": "ct",
    # simulation
    "simulateDSM": "simulate",
    "simulateSNR": "simulate",
    # spectra and SNR
    "calculateSNR": "snr",
    "predictSNR": "snr",
    "ds_hann": "snr",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'ctdsm.toolbox' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
