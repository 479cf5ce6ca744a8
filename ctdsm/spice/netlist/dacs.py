"""The DACs of a netlist: the first DAC in MOS switches, the later ones ideal.

The first DAC follows ``dac.type`` with switches sized by
:func:`ctdsm.models.dac.dac_physics` (``R_on = R_u / 50``); each unit resistor is reduced by
its switches' resistance at the operating point so that each half's path is ``R_u``:

* ``r_dac``: inverters (PMOS to ``VREFP``, NMOS to ``VREFN``) driving the unit resistors;
* ``vgs_r``: resistors tied to the references, NMOS switches at the virtual grounds steering
  each half's current;
* ``dual_rto`` / ``zapped_dual_rto``: two return-to-open halves (A in the first half of the
  pulse window, B in the second), each disconnected at both ends while off, its switch
  nodes floating; zapped, an NMOS resets them to the common mode before reconnection.

The references have the output resistance and decoupling of ``dac_physics``; element
mismatch is drawn from the seed. Later DACs (FB form) are ideal, as in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ctdsm.design.record import Design
from ctdsm.errors import SpecError
from ctdsm.models.dac import (
    DacPhysics,
    NetlistSwitches,
    dac_model,
    dac_physics,
)
from ctdsm.spice.macromodels import fmt
from ctdsm.spice.netlist.context import RETIME_S, NetlistContext, sign_nodes
from ctdsm.spice.process import SwitchFit

__all__ = [
    "ZAP_TAUS",
    "pulse_window",
    "zap_window_s",
    "first_dac",
    "later_dacs",
]

#: Time constants of the zap switch and the floating node in the zap window (its gate drive
#: at the common mode is about 1.6x below full drive: still more than 20).
ZAP_TAUS = 40.0


def pulse_window(design: Design) -> tuple[float, float]:
    """The first DAC's pulse ``[t0, t1]`` (clock periods), checked to be a full period.

    Raises
    ------
    SpecError
        More than one feedback DAC, or a pulse that is not NRZ.
    """
    tdac = np.asarray(design.tdac, dtype=float)
    if tdac.shape[0] != 2:
        raise SpecError("architecture", "the netlist supports one feedback DAC (tdac rows 2)")
    t0, t1 = float(tdac[1, 0]), float(tdac[1, 1])
    if abs((t1 - t0) - 1.0) > 1e-9 or not (0.0 <= t0 < 1.0):
        raise SpecError(
            "architecture.dac_pulse",
            f"the netlist needs an NRZ pulse [t0, t0 + 1] with 0 <= t0 < 1, got [{t0:g}, {t1:g}]",
        )
    return t0, t1


def zap_window_s(period_s: float) -> float:
    """Length of an RTO half's zap window, s: the other half's reference window, at
    mid-swing.

    The zap switches share the gate of the other half's reference switches: they close when
    the other half connects, RETIME_S after this half's steering opened, and open when the
    other half disconnects, RETIME_S before this half's steering closes. (Zap edges of their
    own, as PULSE sources, cost 17 time points each in the middle of the open half, and about
    25 per clock even placed 150 ps from the DAC edges.)
    """
    return 0.5 * period_s - 2.0 * RETIME_S


def later_dacs(ctx: NetlistContext) -> list[str]:
    """Ideal DACs into the later integrators (FB form): ``+-k_u v/2`` through the resistor."""
    sz = ctx.design.sizing
    lines: list[str] = []
    later = [r for r in sz.resistors if r.stage > 1 and r.source == "dac1"]
    if not later:
        return lines
    half = 0.5 * sz.k_u_v
    lines += [
        f"edacp dacp cm vcode 0 {fmt(half)}",
        f"edacn dacn cm vcode 0 {fmt(-half)}",
    ]
    for r in later:
        a, b = sign_nodes(r.coefficient, "dacp", "dacn")
        tag = r.name.lower()
        lines += ctx.resistor(f"{tag}p", a, f"vgp{r.stage}", r.r_ohm)
        lines += ctx.resistor(f"{tag}n", b, f"vgn{r.stage}", r.r_ohm)
    return lines


@dataclass(frozen=True)
class _Switches:
    """Switch sizes of the first DAC, and the estimate of their resistance.

    The estimate (triode, the switches' sources at their rail or at V_cm, the body effect
    with the bulk at a rail, the process's :class:`~ctdsm.spice.process.SwitchFit`) trims
    the unit resistors so that each half's full path is R_u, as the engine's sizing
    assumes; nominal R_on,n would leave the DAC 5-10 % short.
    """

    w_n: float
    w_p: float
    w_zap: float
    l_m: float
    k_n: float
    k_p: float
    vdd_v: float
    fit_n: SwitchFit
    fit_p: SwitchFit

    def r_nmos(self, v_source: float) -> float:
        """NMOS (gate at the supply) with its source at ``v_source``, ohm."""
        v_ov = max(self.vdd_v - v_source - self.fit_n.vt(v_source), 1e-3)
        return 1.0 / (self.k_n * self.fit_n.effective_overdrive_v(v_ov))

    def r_pmos(self, v_source: float) -> float:
        """PMOS (gate at 0, bulk at the supply) with its source at ``v_source``, ohm."""
        v_ov = max(v_source - self.fit_p.vt(self.vdd_v - v_source), 1e-3)
        return 1.0 / (self.k_p * self.fit_p.effective_overdrive_v(v_ov))

    def r_tg(self, v: float) -> float:
        """Transmission gate (NMOS and PMOS in parallel) at node voltage ``v``, ohm."""
        v_ov_n = max(self.vdd_v - v - self.fit_n.vt(v), 0.0)
        return 1.0 / (self.k_n * self.fit_n.effective_overdrive_v(v_ov_n) + 1.0 / self.r_pmos(v))


def _full_drive_s(fit: SwitchFit, vdd_v: float) -> float:
    """Conductance per W/L of an NMOS in deep triode at full drive (source at 0, gate at
    ``vdd_v``), S."""
    return fit.k_a_per_v2 * fit.effective_overdrive_v(vdd_v - fit.vt_v)


def _switches(ctx: NetlistContext, phys: DacPhysics) -> _Switches:
    """Switch sizes for ``phys``: W/L for R_on,n in deep triode at full drive (the
    dac_physics design rule), PMOS 2.5x wider; the zap switch only has to reset the floating
    node within the zap window (R_zap C = window / ZAP_TAUS), far narrower.

    Full drive is the netlist's gate swing (``ctx.vdd_v``: 3.3 V for every GF180MCU
    netlist, whatever ``process.vdd_v``) and the devices are the process's own
    (``ctx.dev``): sized with the generic 1.8 V constants, the GF180MCU switches of the 3.3 V
    single-bit seed had a third of R_u in series, the DAC was 17 % short and the loop
    overloaded (63 dB SNDR at 2^14 cycles).
    """
    vdd = ctx.vdd_v
    fit_n, fit_p = ctx.dev.switch_n, ctx.dev.switch_p
    l_m = ctx.dev.l_min_m
    g_full_s = _full_drive_s(fit_n, vdd)
    wl = 1.0 / (g_full_s * phys.r_on_n_ohm)
    w_n = wl * l_m
    w_p = 2.5 * w_n
    r_zap = zap_window_s(ctx.period_s) / (ZAP_TAUS * phys.c_float_f)
    w_zap = min(w_n, l_m / (g_full_s * r_zap))
    k_n, k_p = fit_n.k_a_per_v2 * wl, fit_p.k_a_per_v2 * w_p / l_m
    return _Switches(w_n, w_p, w_zap, l_m, k_n, k_p, vdd, fit_n, fit_p)


def _references(ctx: NetlistContext, phys: DacPhysics) -> list[str]:
    """Reference rails with the DAC physics' output resistance and decoupling."""
    refp = ctx.vcm_v + 0.5 * ctx.v_fs_v
    refn = ctx.vcm_v - 0.5 * ctx.v_fs_v
    return [
        f"vrefp refp_s 0 dc {fmt(refp)}",
        f"rrefp refp_s refp {fmt(phys.ref_r_ohm)}",
        f"cdecp refp 0 {fmt(phys.ref_c_f)}",
        f"vrefn refn_s 0 dc {fmt(refn)}",
        f"rrefn refn_s refn {fmt(phys.ref_r_ohm)}",
        f"cdecn refn 0 {fmt(phys.ref_c_f)}",
    ]


def _unit_weights(ctx: NetlistContext, units: int) -> np.ndarray:
    """Relative conductance of each unit element (mismatch from the seed, mean 1)."""
    sigma = ctx.imp.dac_mismatch_sigma
    if not sigma or units < 2:
        return np.ones(units)
    w = 1.0 + ctx.rng.normal(0.0, sigma, units)
    return w * units / w.sum()


def first_dac(
    ctx: NetlistContext, elements: list[str], elements_b: list[str], phases: dict[str, str]
) -> list[str]:
    """The first integrator's DAC: references and one unit element per data node.

    Parameters
    ----------
    ctx : NetlistContext
    elements, elements_b : list of str
        Analog gate node of each element and of its complement (see
        :class:`ctdsm.spice.netlist.logic.Logic`).
    phases : dict of str to str
        RTO reference and zap phase nodes.

    Returns
    -------
    list of str
    """
    d = ctx.design
    sz = d.sizing
    kind = d.spec.dac.type
    r_u = float(sz.dac_unit_r_ohm)
    phys = dac_physics(kind, r_u, ctx.v_fs_v, d.spec.process.vdd_v)
    coef = next(r.coefficient for r in sz.resistors if r.stage == 1 and r.source == "dac1")
    sw = _switches(ctx, phys)
    lines = _references(ctx, phys)
    lines.append(
        f"* {kind}: {len(elements)} unit(s), R_u {fmt(r_u)} ohm per half, "
        f"R_on,n {fmt(phys.r_on_n_ohm)}"
        f" ohm (W {fmt(sw.w_n)} m, L {fmt(sw.l_m)} m), node C {fmt(phys.c_sw_f)} F"
    )
    weights = _unit_weights(ctx, len(elements))
    vrefp, vrefn = ctx.vcm_v + 0.5 * ctx.v_fs_v, ctx.vcm_v - 0.5 * ctx.v_fs_v
    vg_plus, vg_minus = sign_nodes(coef, "vgp1", "vgn1")
    switches = NetlistSwitches(
        w_n_m=sw.w_n, w_p_m=sw.w_p, w_zap_m=sw.w_zap, l_m=sw.l_m,
        r_steer_ohm=sw.r_nmos(ctx.vcm_v), r_nmos_refn_ohm=sw.r_nmos(vrefn),
        r_pmos_refp_ohm=sw.r_pmos(vrefp), r_tg_refp_ohm=sw.r_tg(vrefp),
        vg_plus=vg_plus, vg_minus=vg_minus,
    )  # fmt: skip
    # The element itself is the DAC type's (ctdsm.models.dac): one class per variant.
    model = dac_model(kind)
    for k, (g, gb) in enumerate(zip(elements, elements_b, strict=True)):
        lines += model.netlist_element(
            ctx, switches, phys, f"u{k}", g, gb, r_u / weights[k], phases
        )
    return lines
