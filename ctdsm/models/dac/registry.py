"""The DAC types by name: one :class:`~ctdsm.models.dac.base.DacModel` each."""

from __future__ import annotations

from ctdsm.models.dac.base import DacModel
from ctdsm.models.dac.physics import (
    MU_N_COX,
    MU_P_COX,
    DacPhysics,
    _switch_width_ratio,
)
from ctdsm.models.dac.r_dac import RDac
from ctdsm.models.dac.rto import DualRto, ZappedDualRto
from ctdsm.models.dac.vgs_r import VgsR

__all__ = ["DAC_MODELS", "DAC_TYPES", "SINGLE_BIT_DACS", "TYPE_CODE", "dac_model", "dac_physics"]

#: Every first-DAC type, by its spec name (``dac.type``).
DAC_MODELS: dict[str, DacModel] = {m.name: m for m in (RDac(), VgsR(), DualRto(), ZappedDualRto())}
DAC_TYPES = tuple(DAC_MODELS)
#: DAC types that are single-bit by construction (two interleaved return-to-open DACs).
SINGLE_BIT_DACS = tuple(name for name, m in DAC_MODELS.items() if m.single_bit)
TYPE_CODE = {name: m.code for name, m in DAC_MODELS.items()}


def dac_model(dac_type: str) -> DacModel:
    """The :class:`DacModel` of ``dac_type``.

    Raises
    ------
    ValueError
        For an unknown type.
    """
    try:
        return DAC_MODELS[dac_type]
    except KeyError:
        raise ValueError(f"unknown DAC type {dac_type!r}") from None


def dac_physics(dac_type: str, r_unit_ohm: float, v_ref_v: float, vdd_v: float = 1.8) -> DacPhysics:
    """Representative 180 nm physics of a DAC whose unit half is ``r_unit_ohm``.

    The switches are sized for ``R_on,n = R_u r_on_fraction`` of the type
    (:attr:`DacModel.r_on_fraction`, ``R_u / 50`` for every type: a common design rule, the
    switch carries 2 % of the element's resistance, so its nonlinearity is diluted 50x); the PMOS
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
    r_on_n = r_unit_ohm * dac_model(dac_type).r_on_fraction  # unknown type: an error here
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
