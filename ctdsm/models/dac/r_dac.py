"""``r_dac``: unit resistors driven by inverters between the references (NRZ).

Its errors: the edge timing of each half's output node (the inverter's square-law device
charging ``C_node`` against ``R_u``, :func:`settling_delays_s`, plus a gate delay and random
mismatch: ISI), and the transition charge each switching half draws from the reference rails
(:func:`~ctdsm.models.dac.terms.reference_ripple`'s packet).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ctdsm.models.dac.base import DacModel, ElementWriter, NetlistSwitches
from ctdsm.models.dac.physics import (
    DacPhysics,
    _nmos,
    _pmos,
    _rails,
    _root,
    _settling_integral,
    switch_k,
)

__all__ = ["RDac", "rdac_levels", "settling_delays_s"]


class RDac(DacModel):
    """Inverter-driven resistor DAC."""

    name = "r_dac"
    code = 1
    half_kind = 1

    def draw_delays_s(
        self, phys: DacPhysics, units: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Settling delay plus half the gate asymmetry plus random mismatch (rise, then
        fall)."""
        settle_r, settle_f = settling_delays_s(phys)
        tau_r = settle_r + 0.5 * phys.gate_asym_s
        tau_f = settle_f - 0.5 * phys.gate_asym_s
        rise = tau_r + rng.normal(0.0, phys.edge_sigma_s, (units, 2))
        fall = tau_f + rng.normal(0.0, phys.edge_sigma_s, (units, 2))
        return rise, fall

    def rail_path_ohm(self, phys: DacPhysics) -> float:
        """``R_u`` plus the inverter device at its settled operating point."""
        vcm, vrp, _ = _rails(phys)
        v_hi, _ = rdac_levels(phys)
        return (vrp - vcm) / ((v_hi - vcm) / phys.r_unit_ohm)

    def reference_packet(self, phys: DacPhysics) -> float:
        """The node's swing charge, less what ``R_u`` does not draw while it settles,
        relative to ``C_dec V_ref``."""
        v_hi, v_lo = rdac_levels(phys)
        tau_r, tau_f = settling_delays_s(phys)
        swing = v_hi - v_lo
        q = swing * (phys.c_node_f - 0.5 * (tau_r + tau_f) / phys.r_unit_ohm)
        return q / (phys.ref_c_f * phys.v_ref_v)

    def needs_probe(self, t_on_mode: int) -> bool:
        """The inverter edges need no mid-period virtual ground."""
        return False

    def circuit_node_f(self, phys: DacPhysics, mismatch: dict[str, np.ndarray], half: int) -> float:
        """The inverter's output node."""
        return phys.c_node_f

    def circuit_gate_offsets_s(
        self, phys: DacPhysics, rise: np.ndarray, fall: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The drawn delays include the settling delay; the circuit settles by itself, so
        only the gate part is an event offset."""
        settle_r, settle_f = settling_delays_s(phys)
        return rise - settle_r, fall - settle_f

    def circuit_initial_config(self, half: int, s_init: float) -> int:
        """The inverter level: the data on the P half, its complement on the N half."""
        return int(s_init) if half == 0 else -int(s_init)

    def netlist_element(
        self, out: ElementWriter, sw: NetlistSwitches, phys: DacPhysics, e: str, g: str,
        gb: str, r_el_ohm: float, phases: Mapping[str, str],
    ) -> list[str]:  # fmt: skip
        """Two inverters (PMOS to VREFP, NMOS to VREFN) driving the half resistors."""
        # Each inverter spends half the time high (PMOS from VREFP), half low.
        r = r_el_ohm - 0.5 * (sw.r_pmos_refp_ohm + sw.r_nmos_refn_ohm)
        w_n, w_p, l_m = sw.w_n_m, sw.w_p_m, sw.l_m
        # P half: high (VREFP) for data 1, so its inverter input is the complement.
        lines = [
            out.pmos(f"{e}pp", f"{e}op", gb, "refp", w_p, l_m),
            out.nmos(f"{e}pn", f"{e}op", gb, "refn", w_n, l_m),
            out.pmos(f"{e}np", f"{e}on", g, "refp", w_p, l_m),
            out.nmos(f"{e}nn", f"{e}on", g, "refn", w_n, l_m),
            out.capacitor(f"{e}op", f"{e}op", "0", phys.c_node_f),
            out.capacitor(f"{e}on", f"{e}on", "0", phys.c_node_f),
        ]
        lines += out.resistor(f"{e}p", f"{e}op", sw.vg_plus, r)
        lines += out.resistor(f"{e}n", f"{e}on", sw.vg_minus, r)
        return lines


def rdac_levels(phys: DacPhysics) -> tuple[float, float]:
    """Settled r_dac inverter output, high and low, V (virtual ground at ``V_cm``).

    High: the PMOS from VREFP against ``R_u`` to the virtual ground; low: the NMOS to VREFN.
    """
    kn, kp = switch_k(phys)
    vcm, vrp, vrn = _rails(phys)
    r = phys.r_unit_ohm
    v_hi = _root(lambda v: _pmos(kp, 0.0, vrp, v) - (v - vcm) / r, vcm, vrp)
    v_lo = _root(lambda v: -_nmos(kn, phys.vdd_v, v, vrn) - (v - vcm) / r, vrn, vcm)
    return v_hi, v_lo


def settling_delays_s(phys: DacPhysics) -> tuple[float, float]:
    """Settling delay of an r_dac half's output node, rising and falling, s.

    The inverter switches instantly and its device charges ``C_node`` through its square-law
    channel against ``R_u``: ``C dv/dt = I_sw(v) - (v - V_cm) / R_u``. The delay is the area
    between the settled step and the response, ``int (v_f - v) / (v_f - v_0) dt``: the charge
    a transition loses, in units of the settled step's current. At the real operating point
    (PMOS source at VREFP, NMOS at VREFN, partly saturated during the swing) it is about
    twice ``R_on C_node`` with ``R_on`` at full gate drive.

    Returns
    -------
    tau_rise_s, tau_fall_s : float
    """
    kn, kp = switch_k(phys)
    vcm, vrp, vrn = _rails(phys)
    r = phys.r_unit_ohm
    v_hi, v_lo = rdac_levels(phys)

    def rise(v: float) -> float:
        return _pmos(kp, 0.0, vrp, v) - (v - vcm) / r

    def fall(v: float) -> float:
        return -_nmos(kn, phys.vdd_v, v, vrn) - (v - vcm) / r

    c = phys.c_node_f
    return _settling_integral(rise, c, v_lo, v_hi), _settling_integral(fall, c, v_hi, v_lo)
