"""Process bounds of a sized design: every component against what the process allows.

:func:`check_bounds` is pure: a sizing, its cost and the process record
(:class:`~ctdsm.models.technology.Technology`) in, one :class:`BoundCheck` per bounded
quantity out. The bounds and their reasoning are in docs/power.md ("Process bounds"):

* ``full_scale``: ``V_fs <= V_DD - 2 h`` (references and input pins within the headroom
  ``h`` of the rails; :mod:`ctdsm.design.full_scale`);
* ``opamp_swing``: ``sizing.swing_v <= V_DD - 2 h`` (each opamp output within ``h`` of the
  rails);
* ``C<i>``: each integrating capacitor per side ``<= c_int_max_f``;
* ``C_total``: every integrating capacitor, both sides, ``<= c_total_max_f``;
* each resistor and the first DAC's unit resistor ``>= r_min_ohm``;
* ``dac_unit_current``: ``V_fs / (2 R_u) <= dac_unit_i_max_a`` per half;
* ``dac_total_current``: ``units V_fs / (2 R_u) <= dac_total_i_max_a`` per half;
* ``area``: the modelled area ``<= area_max_mm2``.

``margin`` is relative and positive inside the bound: ``(limit - value) / limit`` for an
upper bound, ``(value - limit) / limit`` for a lower one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ctdsm.design.cost import Cost
from ctdsm.design.sizing import Sizing
from ctdsm.models.technology import Technology

__all__ = ["BoundCheck", "check_bounds", "violations"]

#: What lowers each kind of quantity (the hint of a violation). A larger full scale is the
#: universal cure: R grows as V_fs^2, C and the DAC currents shrink as 1 / V_fs.
_FIX = {
    "full_scale": "lower target.full_scale_v or set it to auto",
    "opamp_swing": "lower sizing.swing_v",
    "cap": "raise target.full_scale_v (or auto) or sizing.swing_v, or lower target.sndr_db",
    "cap_later": "lower sizing.c_stage_ratio, or raise target.full_scale_v (or auto)",
    "res": "raise target.full_scale_v (or auto) or sizing.thermal_fraction, or lower "
    "target.sndr_db",
    "current": "raise target.full_scale_v (or auto) or sizing.thermal_fraction, or lower "
    "target.sndr_db",
    "area": "raise target.full_scale_v (or auto), or lower target.sndr_db",
}
_PREFIXES = ((1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "u"), (1e-9, "n"),
             (1e-12, "p"))  # fmt: skip


@dataclass(frozen=True)
class BoundCheck:
    """One bounded quantity of a design.

    Attributes
    ----------
    name : str
        The component or quantity (``C1``, ``R1_u``, ``DAC unit resistor``, ``area``, ...).
    value, limit : float
        SI units (``unit``).
    unit : str
        ``F``, ``ohm``, ``A``, ``V`` or ``mm^2``.
    kind : str
        ``max`` (value must not exceed the limit) or ``min`` (must not fall below it).
    margin : float
        Relative distance inside the bound; negative outside.
    ok : bool
        ``margin >= 0``.
    fix : str
        What to change when it is violated.
    """

    name: str
    value: float
    limit: float
    unit: str
    kind: str
    margin: float
    ok: bool
    fix: str

    def shown(self, x: float) -> str:
        """``x`` with an SI prefix (``"3.33 nF"``, ``"239 ohm"``; V and mm^2 plain)."""
        if self.unit in ("V", "mm^2"):
            return f"{x:.4g} {self.unit}"
        for scale, prefix in _PREFIXES:
            if abs(x) >= scale:
                return f"{x / scale:.4g} {prefix}{self.unit}"
        return f"{x / 1e-15:.4g} f{self.unit}"

    def message(self, process: str) -> str:
        """One line naming the component, its value, the bound and what to change."""
        side = "above the largest" if self.kind == "max" else "below the smallest"
        return (
            f"sizing.bounds: {self.name} = {self.shown(self.value)} is {side} "
            f"{self.shown(self.limit)} of {process}; {self.fix}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "limit": self.limit,
            "unit": self.unit,
            "kind": self.kind,
            "margin": self.margin,
            "ok": self.ok,
        }


def _check(name: str, value: float, limit: float, unit: str, kind: str, fix: str) -> BoundCheck:
    margin = (limit - value) / limit if kind == "max" else (value - limit) / limit
    return BoundCheck(name, float(value), float(limit), unit, kind, margin, margin >= 0, fix)


def check_bounds(
    sizing: Sizing, cost: Cost, tech: Technology, *, vdd_v: float, swing_v: float
) -> list[BoundCheck]:
    """Every process bound of a sized design (module doc), in a fixed order.

    Parameters
    ----------
    sizing : Sizing
        Capacitors and resistors per side, the first DAC, the full scale.
    cost : Cost
        The modelled area.
    tech : Technology
        The bounds and the output headroom.
    vdd_v : float
        The supply (``process.vdd_v``), V.
    swing_v : float
        The opamp output swing the states are scaled to (``sizing.swing_v``), V.

    Returns
    -------
    list of BoundCheck
        Resistors without a value (FF summing weights) are left out.
    """
    out_max = vdd_v - 2.0 * tech.swing_headroom_v
    checks = [
        _check("full_scale", sizing.full_scale_v, out_max, "V", "max", _FIX["full_scale"]),
        _check("opamp_swing", swing_v, out_max, "V", "max", _FIX["opamp_swing"]),
    ]
    caps = [float(c) for c in sizing.c_f]
    for i, c in enumerate(caps, start=1):
        fix = _FIX["cap"] if i == 1 else _FIX["cap_later"]
        checks.append(_check(f"C{i}", c, tech.c_int_max_f, "F", "max", fix))
    checks.append(_check("C_total", 2.0 * sum(caps), tech.c_total_max_f, "F", "max", _FIX["cap"]))
    resistors = [
        (r.name, r.r_ohm) for r in sizing.resistors if not (r.stage == 1 and r.source == "dac1")
    ]
    resistors.append(("DAC unit resistor", sizing.dac_unit_r_ohm))
    for name, r in resistors:
        if math.isfinite(r) and r > 0:
            checks.append(_check(name, r, tech.r_min_ohm, "ohm", "min", _FIX["res"]))
    r_u = sizing.dac_unit_r_ohm
    if math.isfinite(r_u) and r_u > 0:
        i_unit = sizing.full_scale_v / (2.0 * r_u)
        fix = _FIX["current"]
        checks.append(_check("dac_unit_current", i_unit, tech.dac_unit_i_max_a, "A", "max", fix))
        i_total = sizing.dac_units * i_unit
        checks.append(_check("dac_total_current", i_total, tech.dac_total_i_max_a, "A", "max", fix))
    checks.append(_check("area", cost.area_mm2, tech.area_max_mm2, "mm^2", "max", _FIX["area"]))
    return checks


def violations(checks: list[BoundCheck]) -> list[BoundCheck]:
    """The checks outside their bound."""
    return [c for c in checks if not c.ok]
