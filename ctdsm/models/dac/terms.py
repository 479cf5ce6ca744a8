"""What every tier asks of the first DAC, whatever its type: the random draws of a run, the
reference rails, and the sampled-data kernel's per-period terms. Each function dispatches the
type-specific part to the type's :class:`~ctdsm.models.dac.base.DacModel`."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ctdsm.models.dac.physics import DacPhysics, switch_node_share
from ctdsm.models.dac.registry import dac_model

__all__ = ["draw_mismatch", "Reference", "rail_path_ohm", "reference_ripple", "kernel_terms"]


def draw_mismatch(
    phys: DacPhysics, units: int, fs_hz: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
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
    rise, fall = dac_model(phys.type).draw_delays_s(phys, units, rng)
    c_float = phys.c_float_f * (1.0 + rng.normal(0.0, phys.c_float_sigma, 2))
    return {"delay_rise": rise / t, "delay_fall": fall / t, "c_float": c_float}


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
    return dac_model(phys.type).rail_path_ohm(phys)


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
    packet = dac_model(phys.type).reference_packet(phys)
    return Reference(packet, decay, window, r_eff / (r_path * phys.v_ref_v), tau)


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
    model = dac_model(phys.type)
    return {
        "type": model.code,
        "rise": np.ascontiguousarray(mismatch["delay_rise"], dtype=float),
        "fall": np.ascontiguousarray(mismatch["delay_fall"], dtype=float),
        "packet": ref.packet,
        "decay": ref.decay,
        "window": ref.window,
        "k_e": ref.k_e_per_v,
        "c_vg": 2.0 * phys.c_sw_f * switch_node_share(phys) / q_u,
        "c_fl": c_f / q_u,
        "rto_lin": model.recharge_per_period(phys, fs_hz, c_f),
    }
