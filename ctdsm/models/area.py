"""Silicon area of the blocks of an active-RC CT delta-sigma modulator, from the process
record (:class:`~ctdsm.models.technology.Technology`).

Pure functions in SI units (m^2); :func:`breakdown_mm2` adds the routing overhead and turns a
block dictionary into the mm^2 breakdown whose values sum to its total. The equations and the
source of every default are in docs/power.md.

References
----------
.. [1] C. C. Enz and E. A. Vittoz, *Charge-Based MOS Transistor Modeling*, Wiley, 2006
   (inversion coefficient: ``gm/Id = 2 / (n U_T (1 + sqrt(1 + 4 IC)))``,
   ``I_D = IC 2 n mu Cox U_T^2 W / L``).
.. [2] A. Hastings, *The Art of Analog Layout*, 2nd ed., Prentice Hall, 2005 (resistor and
   capacitor layout: heads, spacing, dummies).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from ctdsm.constants import K_BOLTZMANN, Q_ELECTRON
from ctdsm.models.power import Device
from ctdsm.models.technology import Technology

__all__ = [
    "Q_ELECTRON",
    "DIFFUSION_EXTENSION",
    "LAYOUT_FACTOR",
    "capacitor_area_m2",
    "resistor_area_m2",
    "inversion_coefficient",
    "device_width_m",
    "device_area_m2",
    "opamp_area_m2",
    "breakdown_mm2",
]

#: Source/drain diffusion with its contacts on each side of a gate, in minimum lengths.
DIFFUSION_EXTENSION = 2.5
#: Active devices of an opamp: loads, mirrors and dummies as a factor on its signal devices.
LAYOUT_FACTOR = 2.0


def capacitor_area_m2(c_f: float, tech: Technology, sides: int = 2) -> float:
    """MIM area of a capacitor of ``c_f`` per side: ``A = sides C / density`` (a fully
    differential capacitor is one per side, ``sides = 2``), m^2."""
    return sides * c_f / tech.mim_f_per_m2


def resistor_area_m2(
    r_ohm: float, tech: Technology, sides: int = 2, *, matched: bool = True
) -> float:
    """Area of a poly resistor of ``r_ohm`` per side, drawn as one strip::

        w = w_design if matched else w_min,   squares = R / R_sq
        A = sides (squares w + 2 l_head) (w + s)

    (the strip, its two contact heads, and half a spacing on each side), m^2. A *matched*
    resistor (the input and DAC resistors, whose ratio sets the gain and whose element
    match sets the DAC's linearity) is drawn at the design width, where width variation
    and mismatch are small; the others set loop coefficients, whose tolerance is the sheet
    resistance's spread, and are drawn at the minimum width (``w_design`` is at least
    ``w_min``).
    """
    if not math.isfinite(r_ohm) or r_ohm <= 0:
        return 0.0
    w = max(tech.res_w_min_m, tech.res_w_design_m) if matched else tech.res_w_min_m
    squares = r_ohm / tech.res_sheet_ohm_per_sq
    return sides * (squares * w + 2.0 * tech.res_head_m) * (w + tech.res_space_m)


def inversion_coefficient(gm_id_s_per_a: float, tech: Technology, temp_k: float = 300.0) -> float:
    """Inversion coefficient of a device at ``gm/Id`` (EKV) [1]::

        g = (gm/Id) n U_T,   IC = ((2 / g - 1)^2 - 1) / 4

    Raises ``ValueError`` when ``gm/Id`` exceeds the weak-inversion limit ``1 / (n U_T)``.
    """
    u_t = K_BOLTZMANN * temp_k / Q_ELECTRON
    g = gm_id_s_per_a * tech.slope_factor * u_t
    if not 0 < g < 1:
        raise ValueError(f"gm/Id {gm_id_s_per_a} S/A is beyond the weak-inversion limit")
    return ((2.0 / g - 1.0) ** 2 - 1.0) / 4.0


def device_width_m(dev: Device, tech: Technology, temp_k: float = 300.0) -> float:
    """Channel width for a drain current at a ``gm/Id`` and length ``l_analog`` [1]::

    W = L I_D / (IC I_spec),   I_spec = 2 n mu Cox U_T^2
    """
    mu_cox = tech.mu_n_cox_a_per_v2 if dev.kind == "n" else tech.mu_p_cox_a_per_v2
    u_t = K_BOLTZMANN * temp_k / Q_ELECTRON
    i_spec = 2.0 * tech.slope_factor * mu_cox * u_t**2
    ic = inversion_coefficient(dev.gm_id_s_per_a, tech, temp_k)
    return tech.l_analog_m * dev.id_a / (ic * i_spec)


def device_area_m2(dev: Device, tech: Technology, temp_k: float = 300.0) -> float:
    """Area of ``dev.count`` devices: ``count W (L + 2 DIFFUSION_EXTENSION L_min)``, m^2."""
    w = device_width_m(dev, tech, temp_k)
    return dev.count * w * (tech.l_analog_m + 2.0 * DIFFUSION_EXTENSION * tech.l_min_m)


def opamp_area_m2(
    devices: Iterable[Device], c_comp_f: float, tech: Technology, temp_k: float = 300.0
) -> float:
    """Opamp area: its signal devices times ``LAYOUT_FACTOR`` (loads, mirrors, dummies) plus its
    compensation capacitors (one per side, MIM), m^2."""
    active = LAYOUT_FACTOR * sum(device_area_m2(d, tech, temp_k) for d in devices)
    return active + capacitor_area_m2(c_comp_f, tech)


def breakdown_mm2(blocks_m2: Mapping[str, float], tech: Technology) -> dict[str, float]:
    """The blocks in mm^2 and a ``"routing"`` entry of ``(area_overhead - 1)`` times their sum,
    so that the values sum to the total area ``area_overhead sum(blocks)``."""
    out = {name: a * 1e6 for name, a in blocks_m2.items()}
    out["routing"] = (tech.area_overhead - 1.0) * sum(out.values())
    return out
