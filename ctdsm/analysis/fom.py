"""Figures of merit of an ADC: effective number of bits, Schreier FoM, Walden FoM.

The definitions are those of B. Murmann's ADC performance survey (columns ``FOMS_hf`` and
``FOMW_hf``), with the Nyquist rate of an oversampled converter ``f_nyq = 2 BW``:

* ``ENOB = (SNDR - 1.76) / 6.02``;
* Schreier: ``FoM_S = X + 10 log10(BW / P)`` dB, with ``X`` the SNDR or the dynamic range;
* Walden: ``FoM_W = P / (2^ENOB 2 BW)`` J per conversion step.

References
----------
.. [1] S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
   2nd ed., Wiley-IEEE, 2017 (the Schreier figure of merit).
.. [2] R. H. Walden, "Analog-to-digital converter survey and analysis," *IEEE J. Sel. Areas
   Commun.*, vol. 17, no. 4, pp. 539-550, 1999.
.. [3] B. Murmann, "ADC Performance Survey 1997-2025," https://github.com/bmurmann/ADC-survey.
"""

from __future__ import annotations

import math

from ctdsm.errors import ArgumentError

__all__ = ["enob_bits", "fom_schreier_db", "fom_walden_j"]


def enob_bits(sndr_db: float) -> float:
    """Effective number of bits, ``(SNDR - 1.76) / 6.02``."""
    return (sndr_db - 1.76) / 6.02


def fom_schreier_db(x_db: float, bw_hz: float, power_w: float) -> float:
    """Schreier figure of merit ``X + 10 log10(BW / P)``, dB.

    Parameters
    ----------
    x_db : float
        SNDR (``FoM_S,SNDR``) or dynamic range (``FoM_S,DR``), dB.
    bw_hz : float
        Signal bandwidth, Hz.
    power_w : float
        Total power, W.

    Returns
    -------
    float
        dB. The 2019 chip (SNDR 103.5 dB, 250 kHz, 24 mW) gives 173.68 dB.

    Raises
    ------
    ArgumentError
        (a ValueError) naming a bandwidth or power that is not finite and > 0, or a
        non-finite ``x_db``.
    """
    _check_positive(bw_hz=bw_hz, power_w=power_w)
    if not math.isfinite(x_db):
        raise ArgumentError("x_db", f"must be finite, got {x_db!r}")
    return float(x_db + 10.0 * math.log10(bw_hz / power_w))


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not (math.isfinite(value) and value > 0):
            raise ArgumentError(name, f"must be finite and > 0, got {value!r}")


def fom_walden_j(sndr_db: float, bw_hz: float, power_w: float) -> float:
    """Walden figure of merit ``P / (2^ENOB 2 BW)``, J per conversion step."""
    _check_positive(bw_hz=bw_hz, power_w=power_w)
    return power_w / (2.0 ** enob_bits(sndr_db) * 2.0 * bw_hz)
