"""``dual_rto`` and ``zapped_dual_rto``: two interleaved return-to-open DACs (single-bit).

While open, each half's floating switch node keeps the voltage of its opening instant: a
memory of the data and the virtual ground, dumped into the integrator at reconnection.
Zapping resets the node to the common mode before reconnection, leaving only the recharge
of ``I R_sw`` at every reconnection (:func:`rto_recharge`, a gain term).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from scipy.integrate import quad

from ctdsm.models.dac.base import DacModel, ElementWriter, NetlistSwitches, steering_lines
from ctdsm.models.dac.physics import DacPhysics, _nmos, _pmos, _rails, _root, switch_k

__all__ = ["DualRto", "ZappedDualRto", "rto_recharge"]


class DualRto(DacModel):
    """Dual return-to-open DAC (unzapped: the floating nodes keep their memory)."""

    name = "dual_rto"
    code = 3
    single_bit = True
    half_kind = 3
    sub_dacs = 2
    return_to_open = True
    driver_inverters = 2  # the two sub-DACs
    driver_activity = 1.0

    def rail_path_ohm(self, phys: DacPhysics) -> float:
        """``R_u`` plus the reference and steering switches at the settled operating
        point."""
        vcm, vrp, _ = _rails(phys)
        (_, i_p, _, _), _ = _rto_operating_point(phys)
        return (vrp - vcm) / i_p

    def needs_probe(self, t_on_mode: int) -> bool:
        """Reconnections need the virtual ground half a period in."""
        return t_on_mode in (0, 1)

    def circuit_node_f(self, phys: DacPhysics, mismatch: dict[str, np.ndarray], half: int) -> float:
        """The floating node, with the run's drawn mismatch between the halves."""
        return float(mismatch["c_float"][half])

    def circuit_gate_offsets_s(
        self, phys: DacPhysics, rise: np.ndarray, fall: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every RTO pulse has the clock's edges: no offsets."""
        return np.zeros_like(rise), np.zeros_like(fall)

    def circuit_initial_config(self, half: int, s_init: float) -> int:
        """Open until the first event."""
        return -1

    def netlist_element(
        self, out: ElementWriter, sw: NetlistSwitches, phys: DacPhysics, e: str, g: str,
        gb: str, r_el_ohm: float, phases: Mapping[str, str],
    ) -> list[str]:  # fmt: skip
        """Sub-DACs A and B: reference switches, resistors, steering (``g``, ``gb`` are the
        prefixes of each sub-DAC's gate nodes), and for the zapped type the zap switches."""
        r_p = r_el_ohm - sw.r_tg_refp_ohm - sw.r_steer_ohm
        r_n = r_el_ohm - sw.r_nmos_refn_ohm - sw.r_steer_ohm
        w_n, w_p, l_m = sw.w_n_m, sw.w_p_m, sw.l_m
        lines: list[str] = []
        for h in ("a", "b"):
            on, on_b = phases[f"ph{h}"], phases[f"ph{h}b"]
            x = f"{e}{h}"
            lines += [
                # Reference switches: a transmission gate to VREFP, an NMOS to VREFN.
                # (A PMOS alone ran 14 % faster but, about twice as resistive in BSIM3 as the
                # square-law trim assumes, left the DAC 9 % short.)
                out.nmos(f"{x}rpn", "refp", on, f"{x}rp", w_n, l_m),
                out.pmos(f"{x}rpp", "refp", on_b, f"{x}rp", w_p, l_m),
                out.nmos(f"{x}rn", "refn", on, f"{x}rn", w_n, l_m),
            ]
            lines += out.resistor(f"{x}p", f"{x}rp", f"{x}sp", r_p)
            lines += out.resistor(f"{x}n", f"{x}rn", f"{x}sn", r_n)
            lines += steering_lines(out, sw, x, f"{g}{h}", f"{gb}{h}", phys.c_float_f)
            if self.zapped:
                z = phases[f"zap{h}"]
                lines += [
                    out.nmos(f"{x}zp", f"{x}sp", z, "cm", sw.w_zap_m, l_m),
                    out.nmos(f"{x}zn", f"{x}sn", z, "cm", sw.w_zap_m, l_m),
                ]
        return lines


class ZappedDualRto(DualRto):
    """Dual RTO whose floating nodes are reset (zapped) before every reconnection."""

    name = "zapped_dual_rto"
    code = 4
    zapped = True
    driver_inverters = 3  # and the zap switches

    def recharge_per_period(self, phys: DacPhysics, fs_hz: float, c_float_f: float) -> float:
        """The zapped nodes' recharge, relative to the element's charge per period."""
        return rto_recharge(phys) * fs_hz * c_float_f / (2.0 * phys.c_float_f)


def _rto_operating_point(
    phys: DacPhysics,
) -> tuple[tuple[float, float, float, float], tuple[Callable[[float], float], ...]]:
    """Settled floating-node voltages and currents of an RTO element's halves at ``V_cm``,
    and the node equations ``(v_p, i_p, v_n, i_n)``, ``(i_up, sw_p, i_dn, sw_n)``."""
    kn, kp = switch_k(phys)
    vcm, vrp, vrn = _rails(phys)
    r, vdd = phys.r_unit_ohm, phys.vdd_v

    def i_up(v: float) -> float:  # P half: VREFP -> PMOS -> w -> R_u -> node v
        w = _root(lambda w: _pmos(kp, 0.0, vrp, w) - (w - v) / r, v, vrp)
        return (w - v) / r

    def i_dn(v: float) -> float:  # N half: node v -> R_u -> w -> NMOS -> VREFN
        w = _root(lambda w: (v - w) / r - _nmos(kn, vdd, w, vrn), vrn, v)
        return (v - w) / r

    def sw_p(v: float) -> float:  # P half: node -> steering NMOS -> g at V_cm
        return _nmos(kn, vdd, v, vcm)

    def sw_n(v: float) -> float:  # N half: g -> steering NMOS -> node
        return _nmos(kn, vdd, vcm, v)

    v_p = _root(lambda v: i_up(v) - sw_p(v), vcm, vrp)
    v_n = _root(lambda v: sw_n(v) - i_dn(v), vrn, vcm)
    return (v_p, sw_p(v_p), v_n, sw_n(v_n)), (i_up, sw_p, i_dn, sw_n)


def rto_recharge(phys: DacPhysics) -> float:
    """Zapped RTO: charge lost per period recharging the zapped floating nodes, relative to
    the element's charge (a DAC gain error; linear).

    Each half's floating node settles ``I R_sw`` away from its virtual ground while it
    conducts; the zap resets it to ``V_cm``, and at every reconnection (two per period) the
    node must charge back. Integrating ``C_f dv/dt = I_u(v) - I_sw(v)`` (reference switch and
    ``R_u`` on one side, the steering switch on the other, square law) gives the charge the
    virtual ground does not receive, ``int (I_sw(v_inf) - I_sw(v)) dt``. (Unzapped, the
    node returns to the voltage it kept: at ``e = 0`` nothing is lost.)

    Returns
    -------
    float
        ``-2 (m_P + m_N) / (I_P + I_N)``, s (``m`` the charge each half's node takes back
        per reconnection, ``I`` its settled current): times ``fs``, the element's relative
        charge error per period.
    """
    vcm = 0.5 * phys.vdd_v
    c = phys.c_float_f
    (v_p, ip_inf, v_n, in_inf), (i_up, sw_p, i_dn, sw_n) = _rto_operating_point(phys)

    def lost_p(v: float) -> float:
        d = i_up(v) - sw_p(v)
        return (ip_inf - sw_p(v)) * c / d if d > 0.0 else 0.0

    def lost_n(v: float) -> float:
        d = sw_n(v) - i_dn(v)
        return (in_inf - sw_n(v)) * c / -d if d < 0.0 else 0.0

    m_p, _ = quad(lost_p, vcm, v_p, limit=200, epsabs=0.0, epsrel=1e-10)
    m_n, _ = quad(lost_n, v_n, vcm, limit=200, epsabs=0.0, epsrel=1e-10)
    return -2.0 * (m_p + m_n) / (ip_inf + in_inf)
