"""The opamp and RC requirements of a design (found by simulation in
:func:`ctdsm.flow.requirements.derive_requirements`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Requirements"]


@dataclass(frozen=True)
class Requirements:
    """Opamp and RC requirements of a design, found by simulating the SNDR loss.

    Attributes
    ----------
    amplitude_dbfs : float
        Highest test amplitude (1 dB below the peak-SQNR amplitude; also 5 dB below).
    reference_sndr_db : float
        SNDR of the ideal modulator at that amplitude.
    loss_db : float
        Allowed SNDR loss for the opamp requirements.
    gbw_ratio_min : float or None
        Smallest opamp unity-gain bandwidth / fs (grid value) with loss <= ``loss_db`` at
        it and every larger grid value (ideal DC gain); None if none qualifies.
    dc_gain_db_min : float or None
        Smallest DC gain likewise (ideal bandwidth).
    rc_loss_db : float
        Allowed SNDR loss for the RC tolerance.
    rc_tolerance : float
        Largest relative spread of every 1/RC, both signs, keeping the loop stable with loss
        <= ``rc_loss_db`` (0 if even the smallest grid value fails).
    table : dict
        Every simulated point: ``{"gbw_ratio": [[value, loss_db], ...], ...}`` (loss None
        when the loop was unstable).
    noise_floor : float
        Thermal noise added to every run before the loss is taken (output units squared;
        0: the loss against the ideal modulator alone).
    """

    amplitude_dbfs: float
    reference_sndr_db: float
    loss_db: float
    gbw_ratio_min: float | None
    dc_gain_db_min: float | None
    rc_loss_db: float
    rc_tolerance: float
    table: dict[str, list[list[float | None]]]
    noise_floor: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": (
                "SNDR loss vs ideal opamps and RC with the thermal noise floor, simulated "
                "(ctdsm.flow.requirements.derive_requirements)"
            ),
            "amplitude_dbfs": self.amplitude_dbfs,
            "reference_sndr_db": self.reference_sndr_db,
            "loss_db": self.loss_db,
            "opamp_gbw_ratio_min": self.gbw_ratio_min,
            "opamp_dc_gain_db_min": self.dc_gain_db_min,
            "rc_loss_db": self.rc_loss_db,
            "rc_tolerance": self.rc_tolerance,
            "noise_floor": self.noise_floor,
            "table": self.table,
        }
