"""Non-idealities of the behavioral simulation, each switchable, with 180 nm defaults.

``impairments="ideal"`` turns everything off, ``"default"`` uses the values below, and a dict
overrides single fields on top of the defaults (``{"preset": "ideal", "jitter_rms_s": 2e-12}``
starts from ideal instead). The values and their sources are explained in
``docs/impairments.md``; a field set to ``None`` (or 0 where 0 means nothing) is off.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ctdsm.errors import SpecError

__all__ = ["Impairments", "resolve_impairments", "IMPAIRMENT_FIELDS"]


@dataclass(frozen=True)
class Impairments:
    """Physical non-idealities of a CT modulator (all in SI units unless stated).

    Attributes
    ----------
    thermal_noise : bool
        Resistor (4kTR) and opamp white noise from the sizing's noise budget.
    flicker_corner_hz : float or None
        1/f corner of the first opamp's input-referred noise (its white level from sizing).
    opamp_offset_v : float or None
        Standard deviation of the first opamp's input offset, V (drawn from the seed);
        moved to the chopping frequency when ``chopper.enabled``.
    chopper_skew_s : float or None
        Delay of the output chopper's edges after the input chopper's, s: for that long the
        opamp amplifies ``-e`` (with a finite-bandwidth first opamp).
    chopper_charge_c : float or None
        Differential charge the chopper switches inject into the first virtual ground at
        every chop edge (the mismatch of the two sides' channel charge), C; its average
        is a residual offset ``2 f_chop q``.
    opamp_dc_gain_db : float or None
        DC gain of every opamp, dB.
    opamp_gbw_ratio : float or None
        Unity-gain bandwidth of every opamp relative to fs.
    saturation_ratio : float or None
        Opamp output limit relative to the scaled state swing ``xlim``.
    rc_spread : float
        Relative deviation of every 1/(RC) (a process corner, e.g. +0.2 or -0.2).
    eld_extra : float
        Loop delay beyond the design's ELD, clock periods.
    jitter_rms_s : float or None
        Rms clock jitter of the DAC edges, s (white, independent per edge).
    dac_mismatch_sigma : float or None
        Standard deviation of the first DAC's unit elements (relative).
    dac_physics : bool
        The first DAC's circuit physics for its ``dac.type`` (``ctdsm.dac``): edge timing
        and reference ripple (r_dac), steering skew and switch-node charge (vgs_r),
        floating-node memory (dual_rto; erased by zapping).
    dac_edge_asymmetry_s : float or None
        An extra, generic rise-minus-fall delay of every NRZ unit element, s (ISI); off by
        default, the physics above models the DAC's own edges.
    comparator_offset_lsb : float or None
        Standard deviation of each comparator's offset, LSB (one LSB = 2 toolbox units).
    comparator_hysteresis_lsb : float or None
        Comparator hysteresis (full width), LSB.
    comparator_noise_lsb : float or None
        Rms comparator input noise per decision, LSB.
    """

    thermal_noise: bool = True
    flicker_corner_hz: float | None = 1e6
    opamp_offset_v: float | None = 2e-3
    chopper_skew_s: float | None = 20e-12
    chopper_charge_c: float | None = 1e-15
    opamp_dc_gain_db: float | None = 60.0
    opamp_gbw_ratio: float | None = 4.0
    saturation_ratio: float | None = 2.0
    rc_spread: float = 0.0
    eld_extra: float = 0.0
    jitter_rms_s: float | None = 0.3e-12
    dac_mismatch_sigma: float | None = 1e-3
    dac_physics: bool = True
    dac_edge_asymmetry_s: float | None = None
    comparator_offset_lsb: float | None = 0.05
    comparator_hysteresis_lsb: float | None = 0.01
    comparator_noise_lsb: float | None = 0.01

    @classmethod
    def ideal(cls) -> Impairments:
        """Everything off."""
        return cls(
            thermal_noise=False,
            flicker_corner_hz=None,
            opamp_offset_v=None,
            chopper_skew_s=None,
            chopper_charge_c=None,
            opamp_dc_gain_db=None,
            opamp_gbw_ratio=None,
            saturation_ratio=None,
            rc_spread=0.0,
            eld_extra=0.0,
            jitter_rms_s=None,
            dac_mismatch_sigma=None,
            dac_physics=False,
            dac_edge_asymmetry_s=None,
            comparator_offset_lsb=None,
            comparator_hysteresis_lsb=None,
            comparator_noise_lsb=None,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def is_ideal(self) -> bool:
        return self == Impairments.ideal()


IMPAIRMENT_FIELDS = tuple(f.name for f in fields(Impairments))


def resolve_impairments(value: str | dict[str, Any] | Impairments | None) -> Impairments:
    """Turn ``"ideal"``, ``"default"``, a dict or an :class:`Impairments` into the latter.

    Raises
    ------
    SpecError
        For an unknown preset or field, or a value of the wrong type.
    """
    if value is None or value == "default":
        return Impairments()
    if value == "ideal":
        return Impairments.ideal()
    if isinstance(value, Impairments):
        return value
    if isinstance(value, str):
        raise SpecError("impairments", f"unknown preset {value!r} (ideal or default)")
    if not isinstance(value, dict):
        raise SpecError("impairments", "must be 'ideal', 'default' or a mapping")
    data = dict(value)
    preset = data.pop("preset", "default")
    base = resolve_impairments(preset)
    changes: dict[str, Any] = {}
    for key, val in data.items():
        if key not in IMPAIRMENT_FIELDS:
            raise SpecError(f"impairments.{key}", "unknown impairment")
        if val is None:
            changes[key] = None if key not in ("thermal_noise", "dac_physics") else False
            continue
        if key in ("thermal_noise", "dac_physics"):
            if not isinstance(val, bool):
                raise SpecError(f"impairments.{key}", "must be true or false")
            changes[key] = val
            continue
        try:
            num = float(val)
        except (TypeError, ValueError):
            raise SpecError(f"impairments.{key}", "must be a number") from None
        if key not in ("rc_spread", "chopper_charge_c") and num < 0:
            raise SpecError(f"impairments.{key}", "must not be negative")
        if key in ("opamp_gbw_ratio", "saturation_ratio") and num == 0:
            raise SpecError(f"impairments.{key}", "must be positive (or off)")
        if key == "rc_spread" and num <= -1:
            raise SpecError(f"impairments.{key}", "must be above -1")
        changes[key] = num
    return replace(base, **changes)
