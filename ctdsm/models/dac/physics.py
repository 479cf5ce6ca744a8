"""The first DAC's circuit parameters and the switch equations every DAC type shares.

Switches are square-law MOS devices (no body effect, ``|Vt| = VT_V``) sized for an
on-resistance at full gate drive; the rails sit at ``V_cm +- V_ref / 2`` with
``V_cm = vdd / 2``. The per-type physics built on these is in the type's own module
(:mod:`.r_dac`, :mod:`.vgs_r`, :mod:`.rto`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from scipy.integrate import quad
from scipy.optimize import brentq

__all__ = [
    "DacPhysics",
    "MU_N_COX",
    "MU_P_COX",
    "R_ON_FRACTION",
    "VT_V",
    "switch_k",
    "switch_node_share",
]

# Generic 180 nm 1.8 V device parameters (representative, see docs/models.md).
MU_N_COX = 300e-6  # A/V^2
MU_P_COX = 70e-6  # A/V^2
VT_V = 0.45  # |Vt| of both device types
#: NMOS switch on-resistance per unit resistor half, ``R_on,n / R_u`` (docs/models.md): the
#: switch's share of the path, by which its nonlinearity (its on-resistance moved by the
#: virtual-ground swing) is diluted. The default of the DAC types
#: (:attr:`~ctdsm.models.dac.base.DacModel.r_on_fraction`).
R_ON_FRACTION = 1.0 / 50.0


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


def _root(f: Callable[[float], float], lo: float, hi: float) -> float:
    return float(brentq(f, lo, hi, xtol=1e-15, rtol=1e-14, maxiter=200))


def _settling_integral(f: Callable[[float], float], c: float, v0: float, vf: float) -> float:
    """``int_0^inf (vf - v(t)) / (vf - v0) dt`` for ``c dv/dt = f(v)``, ``v(0) = v0``.

    With ``dt = c dv / f(v)`` the integral runs over the voltage; near ``vf`` the integrand
    tends to ``c / (vf - v0) / |f'(vf)|``, finite.
    """

    def g(v: float) -> float:
        fv = f(v)
        return (vf - v) / (vf - v0) * c / fv if fv != 0.0 else 0.0

    val, _ = quad(g, v0, vf, limit=200, epsabs=0.0, epsrel=1e-10)
    return float(val)


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
