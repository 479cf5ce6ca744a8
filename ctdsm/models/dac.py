"""Feedback DAC physics of the first integrator: one definition, used by every engine.

Each unit element is fully differential: a P half and an N half, each a resistor ``R_u``
carrying ``+-1/2`` of the element's unit (the element delivers ``+-1`` unit x clock period
per period, toolbox units). The error mechanisms are modelled from circuit quantities
(switch on-resistances, node capacitances, edge timing, reference impedance) and expressed,
for the sampled-data engine, as per-period charge errors in those units:

``r_dac`` (inverter-driven, NRZ)
    * **Edge timing (ISI).** A half whose inverter switches settles its output node through
      the square-law PMOS (rising) or NMOS (falling) against ``R_u``
      (:func:`settling_delays_s`), after a gate delay; a transition late by ``t_d`` costs
      ``-t_d/T`` (rising) or ``+t_d/T`` (falling) of that half's charge. The differential
      pair cancels the systematic part (the P half rises when the N half falls); the random
      part (delay mismatch between halves and elements, ``edge_sigma_s``) does not: a
      data-dependent number of transitions, each with its own error.
    * **Reference ripple.** Every half transition moves its node's swing charge into or
      out of the reference rails; the reference (output resistance ``R_ref``, decoupling
      ``C_dec``) droops and recovers through ``R_ref`` in parallel with the DAC's load
      (:func:`reference_ripple`). Every element's current scales with the reference, so the
      error is the data times a function of the transition history: nonlinear.
``vgs_r`` (virtual-ground-switched resistors)
    The resistors stay on the references (no transition charge, constant reference load);
    NMOS switches at the virtual grounds steer each half's current. What remains: the
    steering skew of each half (``skew_sigma_s``, mismatch in time) and the switch node's
    parasitic ``C_sw`` moving between the two virtual grounds at every transition (a charge
    ``C_sw e`` per transition, ``e`` the differential virtual-ground voltage, of which the
    share :func:`switch_node_share` flows through the switch).
``dual_rto`` / ``zapped_dual_rto`` (single-bit)
    Two return-to-open DACs: DAC A carries ``v[n]`` in the first half of the pulse window,
    DAC B in the second; each is fully disconnected (both ends open) the rest of the
    period, so every pulse has the same edges (no ISI) while the sum is an NRZ pulse
    (NRZ-like jitter). While open, the floating switch-node capacitance ``C_f`` of each half
    keeps the voltage it had at the opening instant, ``v_g + I R_sw`` (the virtual-ground
    voltage and the half's current through its switch): a memory of the data and of the
    virtual ground, dumped into the integrator at reconnection. Because the node was charged
    on the side the old data selected and is dumped into the side the new data selects, the
    dump contains ``C_f e d_new d_old / 2``: the virtual-ground voltage times the data's
    transitions, a nonlinear memory that folds the out-of-band content of ``e`` into the
    band. (The kernel takes ``e`` at the sampling instants and the sum of the halves'
    ``C_f``; their mismatch ``c_float_sigma`` changes nothing measurable.) **Zapping**
    resets the node to the common-mode voltage before reconnection: the dump no longer
    depends on the data; the node only has to be recharged to ``I R_sw`` at every
    reconnection (:func:`rto_recharge`, a gain term).

Element mismatch with DWA is common to all types (``impairments.dac_mismatch_sigma``). The
default values and their sources are in ``docs/models.md``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "DacPhysics",
    "dac_physics",
    "DAC_TYPES",
    "TYPE_CODE",
    "draw_mismatch",
    "kernel_terms",
    "switch_k",
    "rdac_levels",
    "settling_delays_s",
    "reference_ripple",
    "Reference",
    "rail_path_ohm",
    "switch_node_share",
    "rto_recharge",
    "MU_N_COX",
    "MU_P_COX",
    "VT_V",
]

DAC_TYPES = ("r_dac", "vgs_r", "dual_rto", "zapped_dual_rto")
#: DAC types that are single-bit by construction (two interleaved return-to-open DACs).
SINGLE_BIT_DACS = ("dual_rto", "zapped_dual_rto")
TYPE_CODE = {"r_dac": 1, "vgs_r": 2, "dual_rto": 3, "zapped_dual_rto": 4}

# Generic 180 nm 1.8 V device parameters (representative, see docs/models.md).
MU_N_COX = 300e-6  # A/V^2
MU_P_COX = 70e-6  # A/V^2
VT_V = 0.45  # |Vt| of both device types


@dataclass(frozen=True)
class DacPhysics:
    """Circuit parameters of the first DAC (per unit element half unless stated).

    Attributes
    ----------
    type : str
    r_unit_ohm : float
        Unit resistor of one half.
    v_ref_v : float
        Differential reference ``VREFP - VREFN``.
    r_on_n_ohm, r_on_p_ohm : float
        Switch on-resistances (NMOS, PMOS) at full gate drive.
    c_node_f : float
        r_dac: inverter output node capacitance.
    edge_sigma_s : float
        r_dac: random edge-delay mismatch per half and element (rms).
    gate_asym_s : float
        r_dac: systematic rise-minus-fall gate delay (cancels differentially).
    ref_r_ohm, ref_c_f : float
        r_dac: reference buffer output resistance and on-chip decoupling.
    c_sw_f : float
        vgs_r: steering switch-node capacitance.
    skew_sigma_s : float
        vgs_r: random steering skew per half and element (rms).
    c_float_f : float
        RTO: floating switch-node capacitance.
    c_float_sigma : float
        RTO: relative mismatch of ``c_float_f`` between halves (rms).
    vdd_v : float
        Supply: the switches' gate drive; the common mode is ``vdd / 2``.
    """

    type: str
    r_unit_ohm: float
    v_ref_v: float
    r_on_n_ohm: float
    r_on_p_ohm: float
    c_node_f: float
    edge_sigma_s: float
    gate_asym_s: float
    ref_r_ohm: float
    ref_c_f: float
    c_sw_f: float
    skew_sigma_s: float
    c_float_f: float
    c_float_sigma: float
    vdd_v: float = 1.8

    @property
    def i_unit_a(self) -> float:
        """Current of one half: ``(V_ref / 2) / R_u``."""
        return 0.5 * self.v_ref_v / self.r_unit_ohm

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _switch_width_ratio(r_target: float, mu_cox: float, vdd: float) -> float:
    """W/L that gives ``r_target`` in deep triode at full gate drive."""
    return 1.0 / (mu_cox * (vdd - VT_V) * r_target)


def dac_physics(dac_type: str, r_unit_ohm: float, v_ref_v: float, vdd_v: float = 1.8) -> DacPhysics:
    """Representative 180 nm physics of a DAC whose unit half is ``r_unit_ohm``.

    The switches are sized for ``R_on,n = R_u / 50`` (a common design rule: the switch
    carries 2 % of the element's resistance, so its nonlinearity is diluted 50x); the PMOS
    of an inverter gets 2.5x the NMOS width, so ``R_on,p = R_on,n mu_n / (2.5 mu_p)``. Node
    capacitances scale with the switch width (junction and overlap, about 1 fF per um of
    width at L = 0.18 um, plus 5 fF of wiring and resistor parasitic): the inverter node has
    the NMOS and the 2.5x PMOS drains, the vgs_r switch node and the RTO floating node the
    drains of the two steering switches they join (the zap switch is small).

    Parameters
    ----------
    dac_type : {"r_dac", "vgs_r", "dual_rto", "zapped_dual_rto"}
    r_unit_ohm : float
        Resistance of one half of a unit element.
    v_ref_v : float
        Differential reference voltage.
    vdd_v : float
        Supply (gate drive).
    """
    if dac_type not in DAC_TYPES:
        raise ValueError(f"unknown DAC type {dac_type!r}")
    r_on_n = r_unit_ohm / 50.0
    w_over_l_n = _switch_width_ratio(r_on_n, MU_N_COX, vdd_v)
    r_on_p = r_on_n * (MU_N_COX / MU_P_COX) / 2.5
    w_n_um = 0.18 * w_over_l_n
    c_sw = 5e-15 + 2e-15 * w_n_um  # the node joins two steering switches' drains
    c_node = 5e-15 + 1e-15 * w_n_um * 3.5  # inverter: NMOS + 2.5x PMOS drains
    return DacPhysics(
        type=dac_type,
        r_unit_ohm=r_unit_ohm,
        v_ref_v=v_ref_v,
        r_on_n_ohm=r_on_n,
        r_on_p_ohm=r_on_p,
        c_node_f=c_node,
        edge_sigma_s=1e-12,
        gate_asym_s=10e-12,
        ref_r_ohm=2.0,
        ref_c_f=500e-12,
        c_sw_f=c_sw,
        skew_sigma_s=1e-12,
        c_float_f=c_sw,
        c_float_sigma=0.02,
        vdd_v=vdd_v,
    )


def draw_mismatch(phys: DacPhysics, units: int, fs_hz: float, rng: np.random.Generator) -> dict:
    """Per-element, per-half random parameters (drawn once per run, from the run's seed).

    Returns
    -------
    dict
        ``delay_rise``, ``delay_fall``: (units, 2) transition delays in clock periods
        (r_dac: settling delay (:func:`settling_delays_s`) plus gate delay plus random
        mismatch; vgs_r: steering skew);
        ``c_float``: (2,) floating-node capacitances of the RTO halves, F.
    """
    t = 1.0 / fs_hz
    if phys.type == "r_dac":
        settle_r, settle_f = settling_delays_s(phys)
        tau_r = settle_r + 0.5 * phys.gate_asym_s
        tau_f = settle_f - 0.5 * phys.gate_asym_s
        rise = tau_r + rng.normal(0.0, phys.edge_sigma_s, (units, 2))
        fall = tau_f + rng.normal(0.0, phys.edge_sigma_s, (units, 2))
    elif phys.type == "vgs_r":
        skew = rng.normal(0.0, phys.skew_sigma_s, (units, 2))
        rise, fall = skew, skew
    else:
        rise = fall = np.zeros((units, 2))
    c_float = phys.c_float_f * (1.0 + rng.normal(0.0, phys.c_float_sigma, 2))
    return {"delay_rise": rise / t, "delay_fall": fall / t, "c_float": c_float}


# ------------------------------------------------------------------------------------------
# Operating-point physics of the switches (square law, the circuit tier's device model).
# These turn the circuit parameters into the sampled-data engine's per-transition terms; the
# circuit tier (ctdsm.sim.circuit) simulates the same devices step by step and checks them.


def switch_k(phys: DacPhysics) -> tuple[float, float]:
    """``(k_n, k_p)``: ``mu Cox W/L`` of the NMOS and PMOS switches, A/V^2.

    ``W/L`` is the width that gives ``r_on_n_ohm`` / ``r_on_p_ohm`` at full gate drive
    (``Vgs = vdd``, source at 0).
    """
    kn = MU_N_COX * _switch_width_ratio(phys.r_on_n_ohm, MU_N_COX, phys.vdd_v)
    kp = MU_P_COX * _switch_width_ratio(phys.r_on_p_ohm, MU_P_COX, phys.vdd_v)
    return kn, kp


def _sq(k: float, vov: float, vds: float) -> float:
    """Square-law channel current for ``vds >= 0`` (triode, then saturation)."""
    if vov <= 0.0:
        return 0.0
    if vds < vov:
        return k * (vov * vds - 0.5 * vds * vds)
    return 0.5 * k * vov * vov


def _nmos(k: float, vg: float, va: float, vb: float) -> float:
    """Current from terminal ``a`` to ``b`` of an NMOS switch (the lower terminal is the
    source)."""
    if va >= vb:
        return _sq(k, vg - vb - VT_V, va - vb)
    return -_sq(k, vg - va - VT_V, vb - va)


def _pmos(k: float, vg: float, va: float, vb: float) -> float:
    """Current from ``a`` to ``b`` of a PMOS switch (the higher terminal is the source)."""
    if va >= vb:
        return _sq(k, va - vg - VT_V, va - vb)
    return -_sq(k, vb - vg - VT_V, vb - va)


def _rails(phys: DacPhysics) -> tuple[float, float, float]:
    vcm = 0.5 * phys.vdd_v
    return vcm, vcm + 0.5 * phys.v_ref_v, vcm - 0.5 * phys.v_ref_v


def _root(f, lo: float, hi: float) -> float:
    from scipy.optimize import brentq

    return float(brentq(f, lo, hi, xtol=1e-15, rtol=1e-14, maxiter=200))


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


def _settling_integral(f, c: float, v0: float, vf: float) -> float:
    """``int_0^inf (vf - v(t)) / (vf - v0) dt`` for ``c dv/dt = f(v)``, ``v(0) = v0``.

    With ``dt = c dv / f(v)`` the integral runs over the voltage; near ``vf`` the integrand
    tends to ``c / (vf - v0) / |f'(vf)|``, finite.
    """
    from scipy.integrate import quad

    def g(v: float) -> float:
        fv = f(v)
        return (vf - v) / (vf - v0) * c / fv if fv != 0.0 else 0.0

    val, _ = quad(g, v0, vf, limit=200, epsabs=0.0, epsrel=1e-10)
    return float(val)


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


class Reference(NamedTuple):
    """The reference rails as the sampled-data engine sees them (:func:`reference_ripple`)."""

    packet: float
    decay: float
    window: float
    k_e_per_v: float
    tau_s: float


def rail_path_ohm(phys: DacPhysics) -> float:
    """Large-signal resistance from a rail to the virtual ground through one half, ohm.

    ``(V_rail - V_cm) / I``: ``R_u`` plus the switches it conducts through at their real
    operating point (the inverter device for r_dac; the steering switch for vgs_r; the
    reference and steering switches for the RTO types).
    """
    kn, _ = switch_k(phys)
    vcm, vrp, _ = _rails(phys)
    r = phys.r_unit_ohm
    if phys.type == "r_dac":
        v_hi, _ = rdac_levels(phys)
        return (vrp - vcm) / ((v_hi - vcm) / r)
    if phys.type == "vgs_r":
        vs = _root(lambda v: (vrp - v) / r - _nmos(kn, phys.vdd_v, v, vcm), vcm, vrp)
        return (vrp - vcm) / ((vrp - vs) / r)
    (_, i_p, _, _), _ = _rto_operating_point(phys)
    return (vrp - vcm) / i_p


def reference_ripple(phys: DacPhysics, fs_hz: float, units: int = 1) -> Reference:
    """Reference-rail model of the first DAC, per clock period.

    Each rail is an ideal source behind ``R_ref`` with ``C_dec`` to ground, loaded by
    ``units`` halves of the DAC (each :func:`rail_path_ohm` to a virtual ground). Its
    deviation relaxes with ``tau = C_dec (R_ref || R_load)``, and every half's current scales
    with ``V_rail - V_cm``: an element's relative error is the sum of the two rails'
    deviations over ``V_ref``. Two things move the rails:

    * **r_dac transition packets.** A half that switches onto a rail draws its node's swing
      charge from it, ``C_node (v_hi - v_lo)``, less what its ``R_u`` does not draw while the
      node is still settling, ``(v_hi - v_lo) tau_settle / R_u``.
    * **The load's dependence on the virtual ground (every type).** A half steered to the
      side at ``V_cm +- e / 2`` draws ``-+e / (2 R_path)`` more: with the code ``d`` the rails
      settle toward a relative deviation ``-k_e e d``, ``k_e = R_eff / (R_path V_ref)``; a
      change of ``e d`` is followed with ``tau``.

    Parameters
    ----------
    phys : DacPhysics
    fs_hz : float
        Clock frequency, Hz.
    units : int
        Unit elements whose halves load each rail at any time (``levels - 1``).

    Returns
    -------
    Reference
        ``packet`` (relative deviation per r_dac half transition; 0 for the other types),
        ``decay`` (per-period recovery ``exp(-T / tau)``), ``window`` (mean of
        ``exp(-t / tau)`` over one period), ``k_e_per_v``, ``tau_s``.
    """
    r_path = rail_path_ohm(phys)
    r_eff = 1.0 / (1.0 / phys.ref_r_ohm + units / r_path)
    tau = r_eff * phys.ref_c_f
    t = 1.0 / fs_hz
    decay = math.exp(-t / tau)
    window = tau / t * (1.0 - decay)
    packet = 0.0
    if phys.type == "r_dac":
        v_hi, v_lo = rdac_levels(phys)
        tau_r, tau_f = settling_delays_s(phys)
        swing = v_hi - v_lo
        q = swing * (phys.c_node_f - 0.5 * (tau_r + tau_f) / phys.r_unit_ohm)
        packet = q / (phys.ref_c_f * phys.v_ref_v)
    return Reference(packet, decay, window, r_eff / (r_path * phys.v_ref_v), tau)


def switch_node_share(phys: DacPhysics) -> float:
    """Share of a vgs_r switch node's charge that flows through the steering switch.

    When the node moves between the virtual grounds, its charge ``C_sw e`` is supplied
    through the switch (resistance ``r_sw`` at ``V_cm``: ``1 / (k_n (vdd - V_cm - V_t))``)
    and through ``R_u``, in the ratio of the conductances: ``R_u / (R_u + r_sw)``.
    """
    kn, _ = switch_k(phys)
    vcm, _, _ = _rails(phys)
    r_sw = 1.0 / (kn * (phys.vdd_v - vcm - VT_V))
    return phys.r_unit_ohm / (phys.r_unit_ohm + r_sw)


def _rto_operating_point(phys: DacPhysics):
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
    from scipy.integrate import quad

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


def kernel_terms(
    phys: DacPhysics, mismatch: dict[str, np.ndarray], fs_hz: float, units: int
) -> dict[str, Any]:
    """The first DAC's arguments of :func:`ctdsm.sim.kernels.ct_kernel`.

    Charges are in units of ``Q_u = V_ref T / R_u`` (one unit element, one period).

    Parameters
    ----------
    phys : DacPhysics
    mismatch : dict
        From :func:`draw_mismatch`.
    fs_hz : float
        Clock frequency, Hz.
    units : int
        Unit elements (``levels - 1``; 1 for single-bit).

    Returns
    -------
    dict
        ``type`` (:data:`TYPE_CODE`), ``rise``/``fall`` (delays, periods), ``packet``,
        ``decay``, ``window``, ``k_e`` (reference rails, :func:`reference_ripple`),
        ``c_vg`` (vgs_r switch-node charge per transition per volt of ``e``), ``c_fl`` (RTO
        floating-node charge per volt of ``e``), ``rto_lin`` (zapped RTO recharge per
        period, relative).
    """
    q_u = phys.v_ref_v / (phys.r_unit_ohm * fs_hz)
    ref = reference_ripple(phys, fs_hz, units)
    c_f = float(np.sum(mismatch["c_float"]))
    zapped = phys.type == "zapped_dual_rto"
    return {
        "type": TYPE_CODE[phys.type],
        "rise": np.ascontiguousarray(mismatch["delay_rise"], dtype=float),
        "fall": np.ascontiguousarray(mismatch["delay_fall"], dtype=float),
        "packet": ref.packet,
        "decay": ref.decay,
        "window": ref.window,
        "k_e": ref.k_e_per_v,
        "c_vg": 2.0 * phys.c_sw_f * switch_node_share(phys) / q_u,
        "c_fl": c_f / q_u,
        "rto_lin": rto_recharge(phys) * fs_hz * c_f / (2.0 * phys.c_float_f) if zapped else 0.0,
    }
