"""Feedback DAC physics of the first integrator: one definition, used by every engine.

One class per DAC type (:class:`~ctdsm.models.dac.base.DacModel`): :mod:`.r_dac`,
:mod:`.vgs_r`, :mod:`.rto`; their shared circuit parameters and switch equations are
:mod:`.physics`, the functions every tier calls are :mod:`.terms`.

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

from ctdsm.models.dac.base import DacModel, ElementWriter, NetlistSwitches, steering_lines
from ctdsm.models.dac.physics import (
    MU_N_COX,
    MU_P_COX,
    VT_V,
    DacPhysics,
    _switch_width_ratio,
    switch_k,
    switch_node_share,
)
from ctdsm.models.dac.r_dac import RDac, rdac_levels, settling_delays_s
from ctdsm.models.dac.registry import (
    DAC_MODELS,
    DAC_TYPES,
    SINGLE_BIT_DACS,
    TYPE_CODE,
    dac_model,
    dac_physics,
)
from ctdsm.models.dac.rto import DualRto, ZappedDualRto, rto_recharge
from ctdsm.models.dac.terms import (
    Reference,
    draw_mismatch,
    kernel_terms,
    rail_path_ohm,
    reference_ripple,
)
from ctdsm.models.dac.vgs_r import VgsR

__all__ = [
    "DacModel",
    "ElementWriter",
    "NetlistSwitches",
    "steering_lines",
    "DAC_MODELS",
    "dac_model",
    "RDac",
    "VgsR",
    "DualRto",
    "ZappedDualRto",
    "DacPhysics",
    "dac_physics",
    "DAC_TYPES",
    "SINGLE_BIT_DACS",
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
    "_switch_width_ratio",
]
