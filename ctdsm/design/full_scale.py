"""``target.full_scale_v: auto``: the largest full scale the supply allows.

The full scale ``V_fs`` is the differential peak input at 0 dBFS and the differential DAC
reference (``VREFP - VREFN``). With the process's output headroom ``h``
(:attr:`~ctdsm.models.technology.Technology.swing_headroom_v`: how near a rail an output
stage stays in saturation) and the supply ``V_DD`` (``process.vdd_v``), common mode
``V_cm = V_DD / 2``:

* **references**: ``VREFP = V_cm + V_fs / 2 <= V_DD - h`` and ``VREFN = V_cm - V_fs / 2 >= h``
  (the reference buffers' output stages, like an opamp's, need ``h`` from the rail; the DAC
  switches then still have ``V_DD / 2 - V_T`` of overdrive), so ``V_fs <= V_DD - 2 h``;
* **input pins**: each input carries ``V_cm +- V_fs / 2`` (a differential peak ``V_fs`` is
  half on each side), from a driver on the same supply with the same headroom, so again
  ``V_fs <= V_DD - 2 h``;
* **integrator outputs**: the state scaling maps the scaled state peak ``xlim`` to
  ``sizing.swing_v`` whatever ``V_fs`` is (the resistor ratios ``k_s / k_x`` absorb it), so
  the opamp outputs do not limit ``V_fs`` in an active-RC loop filter; they limit
  ``sizing.swing_v <= V_DD - 2 h`` instead, a bound of :mod:`ctdsm.design.bounds`.

``auto`` is the smallest of the limits, rounded down to a millivolt: 1.2 V for generic180 at
1.8 V (``h = 0.3 V``), 2.5 V for gf180mcu at 3.3 V (``h = 0.4 V``). A larger full scale is the
cheaper one: the noise budget grows as ``V_fs^2``, so the resistors grow as ``V_fs^2``, the
capacitors and the currents shrink as ``1 / V_fs`` (docs/power.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ctdsm.design.spec import Spec
from ctdsm.errors import SpecError
from ctdsm.models.technology import Technology, technology

__all__ = ["FullScale", "full_scale_limits", "resolve_full_scale"]


@dataclass(frozen=True)
class FullScale:
    """The full scale a spec's ``auto`` resolved to, and its limits (V, differential peak).

    Attributes
    ----------
    value_v : float
        The resolved full scale: the smallest limit, rounded down to 1 mV.
    reference_v : float
        References within ``h`` of the rails: ``V_DD - 2 h``.
    input_v : float
        Input pins within ``h`` of the rails: ``V_DD - 2 h``.
    vdd_v, headroom_v : float
        The supply and the process's output headroom they came from.
    process : str
    """

    value_v: float
    reference_v: float
    input_v: float
    vdd_v: float
    headroom_v: float
    process: str

    @property
    def binding(self) -> str:
        """Which limit sets the value (``reference`` on a tie)."""
        return "reference" if self.reference_v <= self.input_v else "input"

    def to_dict(self) -> dict[str, Any]:
        return {
            "requested": "auto",
            "value_v": self.value_v,
            "limits_v": {"reference": self.reference_v, "input": self.input_v},
            "binding": self.binding,
            "vdd_v": self.vdd_v,
            "headroom_v": self.headroom_v,
            "process": self.process,
        }


def full_scale_limits(tech: Technology, vdd_v: float) -> FullScale:
    """The largest differential peak full scale of ``tech`` at supply ``vdd_v`` (module doc).

    Raises
    ------
    ValueError
        When the supply leaves no room (``vdd_v <= 2 h``).
    """
    h = tech.swing_headroom_v
    reference = vdd_v - 2.0 * h  # VREFP <= VDD - h, VREFN >= h around VDD / 2
    input_pins = vdd_v - 2.0 * h  # each pin VDD/2 +- V_fs/2 within h of the rails
    limit = min(reference, input_pins)
    if limit <= 0:
        raise ValueError(f"a {vdd_v:g} V supply leaves no full scale with {h:g} V headroom")
    value = math.floor(limit * 1000.0 + 1e-6) / 1000.0  # down to 1 mV (no float dust)
    return FullScale(value, reference, input_pins, float(vdd_v), h, tech.name)


def resolve_full_scale(spec: Spec) -> tuple[Spec, FullScale | None]:
    """``spec`` with ``target.full_scale_v`` a number, and the limits when it was ``auto``.

    A number is kept as written (and ``None`` returned); ``auto`` becomes
    :func:`full_scale_limits` of ``process.pdk`` at ``process.vdd_v``.

    Raises
    ------
    SpecError
        (``process.vdd_v``) when the supply leaves no full scale.
    """
    if spec.target.full_scale_v != "auto":
        return spec, None
    try:
        fs = full_scale_limits(technology(spec.process.pdk), float(spec.process.vdd_v))
    except ValueError as exc:
        raise SpecError("process.vdd_v", str(exc)) from None
    target = spec.target.model_copy(update={"full_scale_v": fs.value_v})
    return spec.model_copy(update={"target": target}), fs
