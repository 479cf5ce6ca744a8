"""Feedback DAC physics of the first integrator: one definition, used by every engine.

Each unit element is fully differential: a P half and an N half, each a resistor ``R_u``
carrying ``+-1/2`` of the element's unit (the element delivers ``+-1`` unit x clock period
per period, toolbox units). The error mechanisms are modelled from circuit quantities
(switch on-resistances, node capacitances, edge timing, reference impedance) and expressed,
for the sampled-data engine, as per-period charge errors in those units:

``r_dac`` (inverter-driven, NRZ)
    * **Edge timing (ISI).** A half whose inverter switches settles its output node with
      ``tau_r = R_on,p C_node`` (rising, PMOS) or ``tau_f = R_on,n C_node`` (falling, NMOS),
      after a gate delay; a transition late by ``t_d`` costs ``-t_d/T`` (rising) or
      ``+t_d/T`` (falling) of that half's charge. The differential pair cancels the
      systematic part (the P half rises when the N half falls); the random part (delay
      mismatch between halves and elements, ``edge_sigma_s``) does not: a data-dependent
      number of transitions, each with its own error.
    * **Reference ripple.** Every half transition moves ``C_node V_ref`` of charge into or
      out of the reference rails; the reference (output resistance ``R_ref``, decoupling
      ``C_dec``) droops by ``C_node V_ref / C_dec`` per transition and recovers with
      ``tau_ref = R_ref C_dec``. Every element's current scales with the reference, so the
      error is the data times a function of the transition history: nonlinear.
``vgs_r`` (virtual-ground-switched resistors)
    The resistors stay on the references (no transition charge, constant reference load);
    NMOS switches at the virtual grounds steer each half's current. What remains: the
    steering skew of each half (``skew_sigma_s``, mismatch in time) and the switch node's
    parasitic ``C_sw`` moving between the two virtual grounds at every transition (a charge
    ``C_sw e`` per transition, ``e`` the differential virtual-ground voltage).
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
    depends on the data.

Element mismatch with DWA is common to all types (``impairments.dac_mismatch_sigma``). The
default values and their sources are in ``docs/models.md``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "DacPhysics",
    "dac_physics",
    "DAC_TYPES",
    "TYPE_CODE",
    "draw_mismatch",
    "MU_N_COX",
    "MU_P_COX",
    "VT_V",
]

DAC_TYPES = ("r_dac", "vgs_r", "dual_rto", "zapped_dual_rto")
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
    width at L = 0.18 um, plus 5 fF of wiring and resistor parasitic).

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
    c_sw = 5e-15 + 1e-15 * w_n_um
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
    )


def draw_mismatch(phys: DacPhysics, units: int, fs_hz: float, rng: np.random.Generator) -> dict:
    """Per-element, per-half random parameters (drawn once per run, from the run's seed).

    Returns
    -------
    dict
        ``delay_rise``, ``delay_fall``: (units, 2) transition delays in clock periods
        (r_dac: settling ``tau`` plus gate delay plus random mismatch; vgs_r: steering skew);
        ``c_float``: (2,) floating-node capacitances of the RTO halves, F.
    """
    t = 1.0 / fs_hz
    if phys.type == "r_dac":
        tau_r = phys.r_on_p_ohm * phys.c_node_f + 0.5 * phys.gate_asym_s
        tau_f = phys.r_on_n_ohm * phys.c_node_f - 0.5 * phys.gate_asym_s
        rise = tau_r + rng.normal(0.0, phys.edge_sigma_s, (units, 2))
        fall = tau_f + rng.normal(0.0, phys.edge_sigma_s, (units, 2))
    elif phys.type == "vgs_r":
        skew = rng.normal(0.0, phys.skew_sigma_s, (units, 2))
        rise, fall = skew, skew
    else:
        rise = fall = np.zeros((units, 2))
    c_float = phys.c_float_f * (1.0 + rng.normal(0.0, phys.c_float_sigma, 2))
    return {"delay_rise": rise / t, "delay_fall": fall / t, "c_float": c_float}


def reference_ripple(phys: DacPhysics, fs_hz: float) -> tuple[float, float, float]:
    """r_dac reference model per clock period.

    Returns
    -------
    packet : float
        Relative drop of ``V_ref`` per half transition, ``C_node / C_dec`` (the charge
        ``C_node V_ref`` out of a ``C_dec`` decoupled rail).
    decay : float
        Per-period recovery factor ``exp(-T / tau_ref)``.
    window : float
        Mean of ``exp(-t / tau_ref)`` over one period (the pulse sees the average droop).
    """
    tau = phys.ref_r_ohm * phys.ref_c_f
    t = 1.0 / fs_hz
    decay = math.exp(-t / tau)
    window = tau / t * (1.0 - decay)
    return phys.c_node_f / phys.ref_c_f, decay, window
