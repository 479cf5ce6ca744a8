"""``vgs_r``: virtual-ground-switched resistors.

The resistors stay on the references (no transition charge, constant reference load); NMOS
switches at the virtual grounds steer each half's current. Its errors: the steering skew of
each half, and the switch node's charge ``C_sw e`` moving between the virtual grounds at
every transition (:func:`~ctdsm.models.dac.physics.switch_node_share`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ctdsm.models.dac.base import DacModel, ElementWriter, NetlistSwitches, steering_lines
from ctdsm.models.dac.physics import DacPhysics, _nmos, _rails, _root, switch_k

__all__ = ["VgsR"]


class VgsR(DacModel):
    """Virtual-ground-switched resistor DAC."""

    name = "vgs_r"
    code = 2
    half_kind = 2

    def draw_delays_s(
        self, phys: DacPhysics, units: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """One steering skew per half and element, the same for both edges."""
        skew = rng.normal(0.0, phys.skew_sigma_s, (units, 2))
        return skew, skew

    def rail_path_ohm(self, phys: DacPhysics) -> float:
        """``R_u`` plus the steering switch at its operating point."""
        kn, _ = switch_k(phys)
        vcm, vrp, _ = _rails(phys)
        r = phys.r_unit_ohm
        vs = _root(lambda v: (vrp - v) / r - _nmos(kn, phys.vdd_v, v, vcm), vcm, vrp)
        return (vrp - vcm) / ((vrp - vs) / r)

    def needs_probe(self, t_on_mode: int) -> bool:
        """Its transitions see the virtual ground at the pulse start; only a pulse that
        starts half a period in needs it probed there."""
        return t_on_mode == 1

    def circuit_node_f(self, phys: DacPhysics, mismatch: dict[str, np.ndarray], half: int) -> float:
        """The steering switches' common node."""
        return phys.c_sw_f

    def circuit_initial_config(self, half: int, s_init: float) -> int:
        """The virtual ground the half is steered to."""
        return half if s_init > 0 else 1 - half

    def netlist_element(
        self, out: ElementWriter, sw: NetlistSwitches, phys: DacPhysics, e: str, g: str,
        gb: str, r_el_ohm: float, phases: Mapping[str, str],
    ) -> list[str]:  # fmt: skip
        """Resistors on the references, steered at the virtual grounds."""
        r = r_el_ohm - sw.r_steer_ohm
        lines = out.resistor(f"{e}p", "refp", f"{e}sp", r)
        lines += out.resistor(f"{e}n", "refn", f"{e}sn", r)
        return lines + steering_lines(out, sw, e, g, gb, phys.c_sw_f)
