"""The circuit tier: a fine-time-step nonlinear simulation of the first DAC and integrator.

The sampled-data engine (:mod:`ctdsm.sim.engine`) turns the first feedback DAC's physics
(:mod:`ctdsm.dac`) into per-period charge errors. This module simulates the *circuit* those
formulas stand for, from the same :class:`ctdsm.dac.DacPhysics` parameters, so that the
formulas can be checked against it: MOS switches whose current follows the square law at
their actual terminal voltages, node parasitics, shared reference rails with output
resistance and decoupling, gate events with the drawn timing mismatch, and virtual grounds
at given voltages (:func:`unit_charge`) or held by the finite-gain, finite-bandwidth opamp
of the loop filter's physical plant (:func:`simulate_circuit`).

Operating point and devices
---------------------------
Everything sits around the common mode ``V_cm = vdd / 2``. The reference rails are
``VREFP = V_cm + V_ref/2`` (rail 0) and ``VREFN = V_cm - V_ref/2`` (rail 1), each an ideal
source behind ``ref_r_ohm`` with ``ref_c_f`` from the rail to ground; every element of the
DAC shares them. The virtual grounds are ``g_P = V_cm + e/2`` and ``g_N = V_cm - e/2``
(``e`` the differential virtual-ground voltage in the DAC's frame, see below).

A switch is a square-law MOS (no body effect, ``|Vt| = ctdsm.dac.VT_V``)::

    I = k ((Vgs - Vt) Vds - Vds^2 / 2)     for Vds < Vgs - Vt   (triode)
    I = k (Vgs - Vt)^2 / 2                 beyond                (saturation)

with source and drain taken from the terminal voltages (the lower terminal is the NMOS
source, the higher the PMOS source), an off leakage of 1 pS, and gates switching
instantly between 0 and ``vdd``. ``k = mu Cox W/L`` with ``W/L`` from
``ctdsm.dac._switch_width_ratio``: the width that gives ``r_on_n_ohm`` (NMOS) or
``r_on_p_ohm`` (PMOS) at full gate drive (``Vgs = vdd``, source at 0). The on-resistance at
the real operating point is therefore *not* ``r_on``: an NMOS passing ``VREFN = 0.4 V``
has ``Vgs - Vt = 0.95 V`` instead of 1.35 V (``1.42 r_on``), and an NMOS at the virtual
ground (0.9 V) only 0.45 V (``3 r_on``). That difference is physics the kernel does not
have; :func:`switch_resistances` lists the values.

One unit element, both halves (P feeds ``+I``, N feeds ``-I``, ``I = V_ref / (2 R_u)``):

``r_dac``
    Per half an inverter (PMOS from VREFP, NMOS from VREFN) drives node ``a``
    (``c_node_f`` to ground); the unit resistor ``R_u`` runs from ``a`` to the half's
    virtual ground. The P half is high when the element's data is +1, the N half when -1.
``vgs_r``
    Per half ``R_u`` from its rail (P: VREFP, N: VREFN) to the switch node ``s``
    (``c_sw_f``); two NMOS steering switches from ``s`` to ``g_P`` and ``g_N``. For data
    +1 the P half feeds ``g_P`` and the N half ``g_N``; for -1 the other way round.
``dual_rto`` / ``zapped_dual_rto``
    Two sub-DACs A and B per element. Each half: a reference switch (PMOS on VREFP, NMOS
    on VREFN) to node ``r``, ``R_u`` from ``r`` to the floating node ``f`` (the half's
    ``c_float`` from :func:`ctdsm.dac.draw_mismatch`), steering NMOS from ``f`` to ``g_P`` /
    ``g_N`` as for ``vgs_r``, and (zapped) an NMOS from ``f`` to ``V_cm``. Sub-DAC A is
    connected in the first half of the pulse window ``[t0, t0 + 1/2)``, B in the second
    ``[t0 + 1/2, t0 + 1)``; otherwise both of its switches are open. The zap switch closes
    in ``[1/8, 3/8)`` of a period after the sub-DAC opens, i.e. well before it reconnects.
    Node ``r`` has no capacitance (an algebraic node).

Timing: the gate events of data ``n`` happen at ``t_edge(n) + latency + offset``.
``latency`` (``latency_s``, default 25 ps) is a common clock-to-switch delay, larger than
every negative offset, so that each edge stays inside its own period; it is a pure delay
of the whole DAC. The offsets come from :func:`ctdsm.dac.draw_mismatch`: its r_dac
``delay_rise`` / ``delay_fall`` are "settling tau plus gate delay plus mismatch", so the
*gate* offset is the delay minus its RC part (``r_on_p c_node`` rising, ``r_on_n c_node``
falling) and the settling itself is simulated; vgs_r steers each half at its drawn skew;
RTO events have no offset.

Numerics
--------
The node equations (one dynamic node per half, the algebraic RTO node ``r``, and the two
rails, kept as deviations from nominal against round-off) are integrated with variable-step
BDF2 (L-stable, second order), restarted with one backward-Euler step after every gate
event and every change of the virtual grounds, and Newton-solved at every step with the
halves eliminated onto the two rail unknowns (each half couples only to the rails). The
step restarts at ``h0`` (a sixteenth of the smallest ``C r_on``) at every gate event and
grows geometrically (``growth``) to the coarse step ``T / steps_per_period``. The charges
into the virtual grounds use the same formula's quadrature. With ``growth = 1.05``
(:func:`unit_charge`) a per-period charge is within 1e-7 of a 5x finer grid; with 1.25
(the loop's default) within 3e-6, a systematic part of the edge delay.

The loop (:func:`simulate_circuit`) steps the plant exactly over each sub-interval with the
DAC's charge of that sub-interval as a held current; the DAC sees the plant's
virtual-ground voltage at the start of the sub-interval (held). The plant's node
conductance already loads the virtual ground through the ideal DAC resistors, so that
ideal loading is added back to the circuit's charge, and the circuit's static gain ``g0``
(series switches, rail drop) is divided out as a designer trims ``R_u``
(``trim_gain``). Before the first pulse the DAC delivers nothing, like the kernel's empty
history; with a near-ideal circuit the loop reproduces ``ctdsm.simulate`` bit for bit.

Frames and units
----------------
Charges are differential, ``Q(g_P) - Q(g_N)``, in units of ``Q_u = V_ref T / R_u`` (one
unit element, one period: an ideal element delivers +-1), the normalization of
``ctdsm.sim.engine._dac_kernel_params``. In the loop, the first DAC's column ``b_0`` is
negative (negative feedback), i.e. the DAC's P output drives the integrator's N input:
the DAC sees the virtual-ground voltage ``e_c = sign(b_0) e`` with ``e`` the plant's
first-integrator virtual-ground voltage (``info["e_row"]`` of
:func:`ctdsm.sim.engine.build_plant`).

References
----------
S. Pavan, R. Schreier, G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2nd ed.,
Wiley/IEEE Press, 2017, ch. 8-9 (CT modulator DACs, active-RC integrators).
R. Schreier, G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005, ch. 8.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit
from scipy import linalg

from ctdsm.errors import CtdsmError
from ctdsm.models.dac import (
    MU_N_COX,
    MU_P_COX,
    TYPE_CODE,
    VT_V,
    DacPhysics,
    draw_mismatch,
    settling_delays_s,
)
from ctdsm.models.dac import _switch_width_ratio as switch_width_ratio
from ctdsm.sim.kernels import clip_and_track, quantize_bank, select_elements

if TYPE_CHECKING:
    from ctdsm.design.record import Design
    from ctdsm.models.impairments import Impairments
    from ctdsm.sim.engine import Result

__all__ = [
    "DEFAULT_LATENCY_S",
    "HalfCircuits",
    "half_circuits",
    "switch_k",
    "switch_resistances",
    "nominal_mismatch",
    "static_gain",
    "static_charge",
    "unit_charge",
    "unit_error",
    "sampled_data_charge",
    "kernel_dac_args",
    "simulate_circuit",
]

DEFAULT_LATENCY_S = 25e-12
_G_OFF = 1e-12  # S: off-switch leakage, keeps the Jacobian of floating nodes regular
_T_EPS = 1e-17  # s: events closer than this to the current time are due now
_NEWTON_TOL = 1e-11  # V
_MAX_DV = 0.2  # V: Newton step limit per iteration
_ZAP_START, _ZAP_STOP = 0.125, 0.375  # periods after a sub-DAC opens

# half kinds
_K_RDAC, _K_VGSR, _K_RTO = 1, 2, 3


# ------------------------------------------------------------------------------------------
# devices


@njit(cache=True)
def _sq(k, vov, vds):  # pragma: no cover - compiled
    """Square-law channel current for ``vds >= 0`` and its partials (d/dvov, d/dvds)."""
    if vov <= 0.0:
        return 0.0, 0.0, 0.0
    if vds < vov:
        return k * (vov * vds - 0.5 * vds * vds), k * vds, k * (vov - vds)
    return 0.5 * k * vov * vov, k * vov, 0.0


@njit(cache=True)
def _mos(pmos, k, vg, va, vb, vt):  # pragma: no cover - compiled
    """Current from terminal a to terminal b of a MOS switch, and d/dva, d/dvb."""
    if va >= vb:
        if pmos:
            i, fo, fd = _sq(k, va - vg - vt, va - vb)
            ia, ib = fo + fd, -fd
        else:
            i, fo, fd = _sq(k, vg - vb - vt, va - vb)
            ia, ib = fd, -fo - fd
    else:
        if pmos:
            i, fo, fd = _sq(k, vb - vg - vt, vb - va)
            i, ia, ib = -i, fd, -fo - fd
        else:
            i, fo, fd = _sq(k, vg - va - vt, vb - va)
            i, ia, ib = -i, fo + fd, -fd
    return i + _G_OFF * (va - vb), ia + _G_OFF, ib - _G_OFF


# ------------------------------------------------------------------------------------------
# one implicit step of every half and both rails

# o[...] slots filled by _half_eval
_F1, _F2, _J11, _J12, _J21, _J22 = 0, 1, 2, 3, 4, 5
_JR10, _JR11, _JR20, _JR21 = 6, 7, 8, 9
_LD0, _LD1, _L0U1, _L0U2, _L1U1, _L1U2, _L0V0, _L1V1 = 10, 11, 12, 13, 14, 15, 16, 17
_IGP, _IGN = 18, 19


@njit(cache=True)
def _half_eval(k, hp, hi, cfg, st, vold, V0, V1, vgp, vgn, vcm, vdd, vt, h, o):  # pragma: no cover
    """Residuals, Jacobians, rail loads and virtual-ground currents of half ``k``.

    Unknowns: ``u1`` the dynamic node (``a``, ``s`` or ``f``), ``u2`` the RTO node ``r``
    (identity equation for the other kinds). Rail loads are currents out of the rails.
    """
    for i in range(20):
        o[i] = 0.0
    kind = hi[k, 0]
    c = hp[k, 0]
    ru = hp[k, 1]
    kn = hp[k, 2]
    kp = hp[k, 3]
    v = st[k, 0]
    cdt = c / h
    o[_J22] = 1.0
    if kind == _K_RDAC:
        lvl = cfg[k, 0]
        side = hi[k, 1]
        gp = 0.0 if lvl > 0 else vdd  # PMOS gate: low = on
        gn = vdd if lvl < 0 else 0.0
        ip, ip_a, ip_b = _mos(True, kp, gp, V0, v, vt)  # rail 0 -> a
        i_n, in_a, in_b = _mos(False, kn, gn, V1, v, vt)  # rail 1 -> a
        vg = vgp if side == 0 else vgn
        ir = (v - vg) / ru
        o[_F1] = cdt * (v - vold) - ip - i_n + ir
        o[_J11] = cdt - ip_b - in_b + 1.0 / ru
        o[_JR10] = -ip_a
        o[_JR11] = -in_a
        o[_LD0] = ip
        o[_LD1] = i_n
        o[_L0U1] = ip_b
        o[_L1U1] = in_b
        o[_L0V0] = ip_a
        o[_L1V1] = in_a
        if side == 0:
            o[_IGP] = ir
        else:
            o[_IGN] = ir
    elif kind == _K_VGSR:
        tg = cfg[k, 0]
        r = hi[k, 1]
        vr = V0 if r == 0 else V1
        ir = (vr - v) / ru  # rail -> s
        i0, i0_a, _ = _mos(False, kn, vdd if tg == 0 else 0.0, v, vgp, vt)
        i1, i1_a, _ = _mos(False, kn, vdd if tg == 1 else 0.0, v, vgn, vt)
        o[_F1] = cdt * (v - vold) - ir + i0 + i1
        o[_J11] = cdt + 1.0 / ru + i0_a + i1_a
        if r == 0:
            o[_JR10] = -1.0 / ru
            o[_LD0] = ir
            o[_L0U1] = -1.0 / ru
            o[_L0V0] = 1.0 / ru
        else:
            o[_JR11] = -1.0 / ru
            o[_LD1] = ir
            o[_L1U1] = -1.0 / ru
            o[_L1V1] = 1.0 / ru
        o[_IGP] = i0
        o[_IGN] = i1
    else:  # _K_RTO
        tg = cfg[k, 0]
        ref_on = cfg[k, 1]
        zap = cfg[k, 2]
        r = hi[k, 1]
        w = st[k, 1]
        vr = V0 if r == 0 else V1
        if r == 0:  # PMOS to VREFP
            i_s, is_a, is_b = _mos(True, kp, 0.0 if ref_on else vdd, vr, w, vt)
        else:  # NMOS to VREFN
            i_s, is_a, is_b = _mos(False, kn, vdd if ref_on else 0.0, vr, w, vt)
        ir = (w - v) / ru  # r -> f
        i0, i0_a, _ = _mos(False, kn, vdd if tg == 0 else 0.0, v, vgp, vt)
        i1, i1_a, _ = _mos(False, kn, vdd if tg == 1 else 0.0, v, vgn, vt)
        iz, iz_a, _ = _mos(False, kn, vdd if zap else 0.0, v, vcm, vt)
        o[_F1] = cdt * (v - vold) - ir + i0 + i1 + iz
        o[_J11] = cdt + 1.0 / ru + i0_a + i1_a + iz_a
        o[_J12] = -1.0 / ru
        o[_F2] = ir - i_s
        o[_J21] = -1.0 / ru
        o[_J22] = 1.0 / ru - is_b
        if r == 0:
            o[_JR20] = -is_a
            o[_LD0] = i_s
            o[_L0U2] = is_b
            o[_L0V0] = is_a
        else:
            o[_JR21] = -is_a
            o[_LD1] = i_s
            o[_L1U2] = is_b
            o[_L1V1] = is_a
        o[_IGP] = i0
        o[_IGN] = i1


@njit(cache=True)
def _be_step(h, hp, hi, cfg, st, vold, rs, env, sc, o):  # pragma: no cover - compiled
    """One implicit step ``x+ - x_old = h f(x+)`` (s): Newton on every node and both rails.

    ``rs`` = [dV0, dV1, dV0_old, dV1_old, V0_nom, V1_nom, R_ref, C_dec, dV0_prev, dV1_prev]
    (rail deviations from nominal, updated in place); ``env`` = [v_gP, v_gN, v_cm, vdd,
    vt, ...]. ``vold`` and ``rs[2:4]`` are the "old" values of the implicit formula
    ``x+ - x_old = h f(x+)`` (backward Euler, or BDF2 rewritten in that form). Returns the
    currents into ``g_P`` and ``g_N`` at the end of the step.
    """
    nh = hp.shape[0]
    vgp, vgn, vcm, vdd, vt = env[0], env[1], env[2], env[3], env[4]
    rref, cdec = rs[6], rs[7]
    igp = 0.0
    ign = 0.0
    for _it in range(80):
        V0, V1 = rs[4] + rs[0], rs[5] + rs[1]
        s00 = cdec / h + 1.0 / rref
        s11 = s00
        s01 = 0.0
        s10 = 0.0
        # rails as deviations from nominal: C_dec / h is huge, so differences of absolute
        # voltages would lose the rail current to round-off
        r0 = -(cdec / h * (rs[0] - rs[2]) + rs[0] / rref)
        r1 = -(cdec / h * (rs[1] - rs[3]) + rs[1] / rref)
        igp = 0.0
        ign = 0.0
        for k in range(nh):
            _half_eval(k, hp, hi, cfg, st, vold[k], V0, V1, vgp, vgn, vcm, vdd, vt, h, o)
            r0 -= o[_LD0]
            r1 -= o[_LD1]
            s00 += o[_L0V0]
            s11 += o[_L1V1]
            det = o[_J11] * o[_J22] - o[_J12] * o[_J21]
            i11 = o[_J22] / det
            i12 = -o[_J12] / det
            i21 = -o[_J21] / det
            i22 = o[_J11] / det
            a1 = i11 * o[_F1] + i12 * o[_F2]
            a2 = i21 * o[_F1] + i22 * o[_F2]
            b00 = i11 * o[_JR10] + i12 * o[_JR20]
            b01 = i11 * o[_JR11] + i12 * o[_JR21]
            b10 = i21 * o[_JR10] + i22 * o[_JR20]
            b11 = i21 * o[_JR11] + i22 * o[_JR21]
            # rail rows: S dV + L dh = r, dh = -a - B dV  ->  (S - L B) dV = r + L a
            s00 -= o[_L0U1] * b00 + o[_L0U2] * b10
            s01 -= o[_L0U1] * b01 + o[_L0U2] * b11
            s10 -= o[_L1U1] * b00 + o[_L1U2] * b10
            s11 -= o[_L1U1] * b01 + o[_L1U2] * b11
            r0 += o[_L0U1] * a1 + o[_L0U2] * a2
            r1 += o[_L1U1] * a1 + o[_L1U2] * a2
            sc[k, 0] = a1
            sc[k, 1] = a2
            sc[k, 2] = b00
            sc[k, 3] = b01
            sc[k, 4] = b10
            sc[k, 5] = b11
            igp += o[_IGP]
            ign += o[_IGN]
        det = s00 * s11 - s01 * s10
        dV0 = (s11 * r0 - s01 * r1) / det
        dV1 = (s00 * r1 - s10 * r0) / det
        dmax = max(abs(dV0), abs(dV1))
        for k in range(nh):
            d1 = -sc[k, 0] - sc[k, 2] * dV0 - sc[k, 3] * dV1
            d2 = -sc[k, 1] - sc[k, 4] * dV0 - sc[k, 5] * dV1
            sc[k, 0] = d1
            sc[k, 1] = d2
            dmax = max(dmax, abs(d1), abs(d2))
        f = 1.0 if dmax <= _MAX_DV else _MAX_DV / dmax
        rs[0] += f * dV0
        rs[1] += f * dV1
        for k in range(nh):
            st[k, 0] += f * sc[k, 0]
            if hi[k, 0] == _K_RTO:
                st[k, 1] += f * sc[k, 1]
        if dmax < _NEWTON_TOL:
            break
    return igp, ign


# ------------------------------------------------------------------------------------------
# gate events


@njit(cache=True)
def _push(evt, evi, evp, t, k, c0, c1, c2):  # pragma: no cover - compiled
    j = evp[1]
    evt[j] = t
    evi[j, 0] = k
    evi[j, 1] = c0
    evi[j, 2] = c1
    evi[j, 3] = c2
    evp[1] = j + 1


@njit(cache=True)
def _compact(evt, evi, evp):  # pragma: no cover - compiled
    """Drop consumed events and sort the pending ones by time (insertion sort: few)."""
    h, n = evp[0], evp[1]
    m = n - h
    for j in range(m):
        evt[j] = evt[h + j]
        for c in range(4):
            evi[j, c] = evi[h + j, c]
    evp[0] = 0
    evp[1] = m


@njit(cache=True)
def _sort_events(evt, evi, evp):  # pragma: no cover - compiled
    for j in range(evp[0] + 1, evp[1]):
        t = evt[j]
        r0, r1, r2, r3 = evi[j, 0], evi[j, 1], evi[j, 2], evi[j, 3]
        i = j - 1
        while i >= evp[0] and evt[i] > t:
            evt[i + 1] = evt[i]
            for c in range(4):
                evi[i + 1, c] = evi[i, c]
            i -= 1
        evt[i + 1] = t
        evi[i + 1, 0] = r0
        evi[i + 1, 1] = r1
        evi[i + 1, 2] = r2
        evi[i + 1, 3] = r3


@njit(cache=True)
def _schedule(
    dac, zapped, s_now, s_prev, t_edge, T, lat, rise, fall, evt, evi, evp
):  # pragma: no cover
    """Queue the gate events of one clock period's data (element signs ``s_now``).

    ``rise`` / ``fall``: (M, 2) gate offsets of each half's rising / falling event, s
    (r_dac: the half's node goes up / down; vgs_r: both equal the steering skew).
    """
    _compact(evt, evi, evp)
    M = s_now.shape[0]
    for e in range(M):
        s = s_now[e]
        if dac == 1 or dac == 2:
            if s != s_prev[e]:
                for hf in range(2):
                    up = (s > 0.0) if hf == 0 else (s < 0.0)
                    t = t_edge + lat + (rise[e, hf] if up else fall[e, hf])
                    if dac == 1:
                        c0 = 1 if up else -1  # inverter level
                    else:
                        c0 = hf if s > 0.0 else 1 - hf  # virtual ground fed
                    _push(evt, evi, evp, t, 2 * e + hf, c0, 0, 0)
        else:
            for sub in range(2):
                t_on = t_edge + lat + 0.5 * T * sub
                t_off = t_on + 0.5 * T
                for hf in range(2):
                    k = 4 * e + 2 * sub + hf
                    c0 = hf if s > 0.0 else 1 - hf
                    _push(evt, evi, evp, t_on, k, c0, 1, 0)
                    _push(evt, evi, evp, t_off, k, -1, 0, 0)
                    if zapped:
                        _push(evt, evi, evp, t_off + _ZAP_START * T, k, -1, 0, 1)
                        _push(evt, evi, evp, t_off + _ZAP_STOP * T, k, -1, 0, 0)
        s_prev[e] = s
    _sort_events(evt, evi, evp)


@njit(cache=True)
def _advance(
    ta, tb, hmax, hp, hi, cfg, st, vold, rs, env, sc, o, evt, evi, evp
):  # pragma: no cover  # noqa: E501
    """Integrate the DAC circuit over ``[ta, tb)`` (s), applying due gate events.

    Variable-step BDF2, restarted with one backward-Euler step after every gate event and
    every change of the virtual grounds (``env[11]`` set). The charges into ``g_P`` and
    ``g_N`` use the quadrature of the same formula (``dQ = beta dQ_prev + gamma h i``),
    so they are second-order accurate too. ``env``: [v_gP, v_gN, v_cm, vdd, vt, h0, growth,
    h (current), h (previous), dQ_P (previous), dQ_N (previous), restart flag].
    Returns the charges into ``g_P`` and ``g_N``.
    """
    nh = hp.shape[0]
    qp = 0.0
    qn = 0.0
    t = ta
    hcur = env[7]
    while tb - t > _T_EPS:
        while evp[0] < evp[1] and evt[evp[0]] <= t + _T_EPS:
            j = evp[0]
            k = evi[j, 0]
            cfg[k, 0] = evi[j, 1]
            cfg[k, 1] = evi[j, 2]
            cfg[k, 2] = evi[j, 3]
            evp[0] = j + 1
            hcur = env[5]
            env[11] = 1.0
        step = min(hcur, tb - t)
        if evp[0] < evp[1]:
            dt = evt[evp[0]] - t
            if dt < step:
                step = dt
        if env[11] != 0.0:
            # backward Euler: x+ - x = h f(x+)
            a, b, g = 1.0, 0.0, 1.0
        else:
            # BDF2 with step ratio w: x+ - a x + b x- = g h f(x+)
            w = step / env[8]
            a = (1.0 + w) ** 2 / (1.0 + 2.0 * w)
            b = w * w / (1.0 + 2.0 * w)
            g = (1.0 + w) / (1.0 + 2.0 * w)
        for k in range(nh):
            vold[k] = a * st[k, 0] - b * st[k, 2]
            st[k, 2] = st[k, 0]
        for r in range(2):
            rs[2 + r] = a * rs[r] - b * rs[8 + r]
            rs[8 + r] = rs[r]
        ip, i_n = _be_step(g * step, hp, hi, cfg, st, vold, rs, env, sc, o)
        dqp = b * env[9] + g * step * ip
        dqn = b * env[10] + g * step * i_n
        qp += dqp
        qn += dqn
        env[8] = step
        env[9] = dqp
        env[10] = dqn
        env[11] = 0.0
        t += step
        hcur = min(hcur * env[6], hmax)
    env[7] = hcur
    return qp, qn


@njit(cache=True)
def _settle(hp, hi, cfg, st, vold, rs, env, sc, o, n_steps, h):  # pragma: no cover
    """Backward-Euler steps of length ``h`` with everything held: the DC operating point."""
    nh = hp.shape[0]
    ip = 0.0
    i_n = 0.0
    for _ in range(n_steps):
        for k in range(nh):
            vold[k] = st[k, 0]
            st[k, 2] = st[k, 0]
        rs[2] = rs[0]
        rs[3] = rs[1]
        rs[8] = rs[0]
        rs[9] = rs[1]
        ip, i_n = _be_step(h, hp, hi, cfg, st, vold, rs, env, sc, o)
    env[11] = 1.0
    return ip, i_n


@njit(cache=True)
def _unit_run(
    data, vg, steps, T, dac, zapped, lat, rise, fall, hp, hi, cfg, st, rs, env, s_prev, out
):  # pragma: no cover
    """One element driven by ``data`` with the virtual grounds at ``vg`` (per period)."""
    nh = hp.shape[0]
    vold = np.empty(nh)
    sc = np.empty((nh, 6))
    o = np.empty(20)
    cap = 16 * nh + 16
    evt = np.empty(cap)
    evi = np.zeros((cap, 4), dtype=np.int64)
    evp = np.zeros(2, dtype=np.int64)
    s_now = np.empty(1)
    H = T / steps
    vcm = env[2]
    for n in range(data.shape[0]):
        s_now[0] = data[n]
        _schedule(dac, zapped, s_now, s_prev, n * T, T, lat, rise, fall, evt, evi, evp)
        if n == 0 or vg[n] != vg[n - 1]:
            env[0] = vcm + 0.5 * vg[n]
            env[1] = vcm - 0.5 * vg[n]
            env[11] = 1.0
        q = 0.0
        for j in range(steps):
            qp, qn = _advance(
                n * T + j * H, n * T + (j + 1) * H, H, hp, hi, cfg, st, vold, rs, env, sc, o,
                evt, evi, evp,
            )  # fmt: skip
            q += qp - qn
        out[n] = q


# ------------------------------------------------------------------------------------------
# circuit description


@dataclass(frozen=True)
class HalfCircuits:
    """Every half circuit of a DAC, as flat arrays for the compiled stepper.

    Half ``k``: NRZ types ``k = 2 e + h`` (element ``e``, half ``h``: 0 = P, 1 = N); RTO
    types ``k = 4 e + 2 a + h`` (sub-DAC ``a``: 0 = A, 1 = B).

    Attributes
    ----------
    physics : DacPhysics
    units : int
        Unit elements ``M``.
    hp : ndarray (nh, 4)
        Per half: node capacitance (F), unit resistor (ohm, ``R_u / w_e`` with element
        weight ``w_e``), NMOS and PMOS ``k = mu Cox W/L`` (A/V^2).
    hi : ndarray (nh, 2) of int
        Per half: kind (1 r_dac, 2 vgs_r, 3 RTO) and side (r_dac: the virtual ground it
        feeds, 0 = g_P; vgs_r/RTO: its rail, 0 = VREFP).
    rise_s, fall_s : ndarray (M, 2)
        Gate-event offsets after ``t_edge + latency`` of each element's half, s.
    rails_v : ndarray (2,)
        Nominal ``VREFP``, ``VREFN``, V.
    v_cm, vdd, latency_s, h0_s : float
    """

    physics: DacPhysics
    units: int
    hp: np.ndarray
    hi: np.ndarray
    rise_s: np.ndarray
    fall_s: np.ndarray
    rails_v: np.ndarray
    v_cm: float
    vdd: float
    latency_s: float
    h0_s: float

    @property
    def code(self) -> int:
        return TYPE_CODE[self.physics.type]

    @property
    def zapped(self) -> bool:
        return self.physics.type == "zapped_dual_rto"

    @property
    def rto(self) -> bool:
        return self.code >= 3


def switch_k(physics: DacPhysics, vdd_v: float) -> tuple[float, float]:
    """``(k_n, k_p)``: ``mu Cox W/L`` of the NMOS and PMOS switches, A/V^2.

    ``W/L`` is the one that gives ``r_on_n_ohm`` / ``r_on_p_ohm`` at full gate drive
    (:func:`ctdsm.dac._switch_width_ratio`).
    """
    kn = MU_N_COX * switch_width_ratio(physics.r_on_n_ohm, MU_N_COX, vdd_v)
    kp = MU_P_COX * switch_width_ratio(physics.r_on_p_ohm, MU_P_COX, vdd_v)
    return kn, kp


def switch_resistances(physics: DacPhysics, vdd_v: float = 1.8) -> dict[str, float]:
    """Small-signal on-resistances of the switches at the circuit's operating point, ohm.

    ``1 / (k (Vgs - Vt))`` at ``Vds = 0``: the inverter PMOS at VREFP and NMOS at VREFN
    (r_dac, and the RTO reference switches), and the NMOS at the virtual ground (vgs_r and
    RTO steering, zap at ``V_cm``). Compare with ``r_on_n_ohm`` / ``r_on_p_ohm``, which hold
    at full gate drive.
    """
    kn, kp = switch_k(physics, vdd_v)
    vcm = 0.5 * vdd_v
    vrp, vrn = vcm + 0.5 * physics.v_ref_v, vcm - 0.5 * physics.v_ref_v
    return {
        "pmos_at_vrefp": 1.0 / (kp * (vrp - VT_V)),
        "nmos_at_vrefn": 1.0 / (kn * (vdd_v - vrn - VT_V)),
        "nmos_at_vcm": 1.0 / (kn * (vdd_v - vcm - VT_V)),
    }


def nominal_mismatch(physics: DacPhysics, units: int, fs_hz: float) -> dict[str, np.ndarray]:
    """What :func:`ctdsm.dac.draw_mismatch` returns with every random spread at zero."""
    quiet = replace(physics, edge_sigma_s=0.0, skew_sigma_s=0.0, c_float_sigma=0.0)
    return draw_mismatch(quiet, units, fs_hz, np.random.default_rng(0))


def half_circuits(
    physics: DacPhysics,
    mismatch: dict[str, np.ndarray],
    fs_hz: float,
    *,
    unit_w: np.ndarray | None = None,
    vdd_v: float = 1.8,
    latency_s: float = DEFAULT_LATENCY_S,
) -> HalfCircuits:
    """Build the half circuits of a DAC of ``M`` unit elements.

    Parameters
    ----------
    physics : DacPhysics
    mismatch : dict
        From :func:`ctdsm.dac.draw_mismatch` (``delay_rise``, ``delay_fall``: (M, 2) in
        periods; ``c_float``: (2,) F, the P and N halves' floating nodes, used for every
        element and both sub-DACs).
    fs_hz : float
        Clock frequency.
    unit_w : ndarray (M,), optional
        Element weights (mismatch): element ``e``'s resistors are ``R_u / w_e``.
    vdd_v : float
        Supply: gate drive and ``V_cm = vdd / 2``.
    latency_s : float
        Common clock-to-switch delay, s.

    Returns
    -------
    HalfCircuits
    """
    if physics.type not in TYPE_CODE:
        raise CtdsmError(f"dac.type: unknown DAC type {physics.type!r}")
    T = 1.0 / fs_hz
    rise = np.asarray(mismatch["delay_rise"], dtype=float) * T
    fall = np.asarray(mismatch["delay_fall"], dtype=float) * T
    M = rise.shape[0]
    w = np.ones(M) if unit_w is None else np.asarray(unit_w, dtype=float)
    kn, kp = switch_k(physics, vdd_v)
    code = TYPE_CODE[physics.type]
    rows = []
    kinds = []
    for e in range(M):
        r = physics.r_unit_ohm / w[e]
        for _sub in range(2 if code >= 3 else 1):  # RTO: sub-DACs A and B
            for hf in range(2):
                if code == 1:
                    rows.append((physics.c_node_f, r, kn, kp))
                    kinds.append((_K_RDAC, hf))
                elif code == 2:
                    rows.append((physics.c_sw_f, r, kn, kp))
                    kinds.append((_K_VGSR, hf))
                else:
                    rows.append((float(mismatch["c_float"][hf]), r, kn, kp))
                    kinds.append((_K_RTO, hf))
    if code == 1:
        # The drawn delays include the settling delay (ctdsm.dac.settling_delays_s); the
        # circuit settles by itself, so only the gate part is an event offset.
        settle_r, settle_f = settling_delays_s(physics)
        rise = rise - settle_r
        fall = fall - settle_f
    elif code >= 3:
        rise = np.zeros_like(rise)
        fall = np.zeros_like(fall)
    # Offsets below an attosecond are round-off of "drawn delay minus settling delay".
    rise = np.where(np.abs(rise) < 1e-18, 0.0, rise)
    fall = np.where(np.abs(fall) < 1e-18, 0.0, fall)
    if latency_s + min(float(rise.min()), float(fall.min())) < 0.0:
        raise CtdsmError("latency_s: smaller than the earliest drawn gate offset")
    hp = np.array(rows, dtype=float)
    c_min = float(hp[:, 0].min())
    vcm = 0.5 * vdd_v
    return HalfCircuits(
        physics=physics,
        units=M,
        hp=hp,
        hi=np.array(kinds, dtype=np.int64),
        rise_s=np.ascontiguousarray(rise),
        fall_s=np.ascontiguousarray(fall),
        rails_v=np.array([vcm + 0.5 * physics.v_ref_v, vcm - 0.5 * physics.v_ref_v]),
        v_cm=vcm,
        vdd=float(vdd_v),
        latency_s=float(latency_s),
        h0_s=c_min * physics.r_on_n_ohm / 16.0,
    )


def _initial_state(hc: HalfCircuits, s_init: float, growth: float, h0_s: float | None):
    """Configuration, node and rail arrays with every element at ``s_init``, settled."""
    nh = hc.hp.shape[0]
    cfg = np.zeros((nh, 3), dtype=np.int64)
    st = np.zeros((nh, 3))
    st[:, :] = hc.v_cm
    for k in range(nh):
        hf = int(hc.hi[k, 1])
        if hc.code == 1:
            cfg[k, 0] = int(s_init) if hf == 0 else -int(s_init)
        elif hc.code == 2:
            cfg[k, 0] = hf if s_init > 0 else 1 - hf
        else:
            cfg[k, 0] = -1  # RTO: open until the first event
    rails = hc.rails_v
    rs = np.array([0.0, 0.0, 0.0, 0.0, *rails, hc.physics.ref_r_ohm, hc.physics.ref_c_f, 0, 0])
    h0 = h0_s or hc.h0_s
    env = np.array([hc.v_cm, hc.v_cm, hc.v_cm, hc.vdd, VT_V, h0, growth, h0, h0, 0, 0, 1.0])
    vold = np.empty(nh)
    sc = np.empty((nh, 6))
    o = np.empty(20)
    _settle(hc.hp, hc.hi, cfg, st, vold, rs, env, sc, o, 40, 1e-7)
    return cfg, st, rs, env


def static_gain(hc: HalfCircuits, v_g: float = 0.0) -> float:
    """DC differential current of the whole DAC over its ideal value.

    Every element at +1 and then at -1 (sub-DAC A connected for RTO), switches on, settled:
    ``g0 = (I(+1) - I(-1)) / (2 sum_e w_e V_ref / R_u)``. The series switch resistances,
    the rail drop and the virtual-ground voltage ``v_g`` (differential, V) set it.
    """
    i_d = [_dc_current(hc, 1.0, v_g), _dc_current(hc, -1.0, v_g)]
    w_sum = float(np.sum(hc.physics.r_unit_ohm / hc.hp[:: (4 if hc.rto else 2), 1]))
    ideal = w_sum * hc.physics.v_ref_v / hc.physics.r_unit_ohm
    return 0.5 * (i_d[0] - i_d[1]) / ideal


def unit_charge(
    physics: DacPhysics,
    data: np.ndarray,
    v_g: float | np.ndarray = 0.0,
    *,
    fs_hz: float,
    steps_per_period: int = 64,
    mismatch: dict[str, np.ndarray] | None = None,
    element: int = 0,
    vdd_v: float = 1.8,
    latency_s: float = DEFAULT_LATENCY_S,
    s_init: float = -1.0,
    h0_s: float | None = None,
    growth: float = 1.05,
) -> np.ndarray:
    """Charge delivered by one unit element in each clock period, circuit simulation.

    Period ``n`` is ``[n T, (n + 1) T)``: data ``n``'s gate events happen at
    ``n T + latency_s + offset`` (NRZ) or open/close sub-DAC A at ``n T + latency_s`` and
    B at ``(n + 1/2) T + latency_s`` (RTO).

    Parameters
    ----------
    physics : DacPhysics
    data : array_like (N,)
        Element data, +-1.
    v_g : float or array_like (N,)
        Differential virtual-ground voltage ``g_P - g_N`` in each period, V (held).
    fs_hz : float
        Clock frequency, Hz.
    steps_per_period : int
        Coarse integration steps per period (refined after every gate event).
    mismatch : dict, optional
        From :func:`ctdsm.dac.draw_mismatch`; default :func:`nominal_mismatch`.
    element : int
        Which element of ``mismatch`` to simulate.
    vdd_v : float
    latency_s : float
        Common clock-to-switch delay, s.
    s_init : float
        Element data before the first period (the kernel starts from -1).
    h0_s, growth : float, optional
        First step after an event (default a sixteenth of the smallest ``C r_on``) and the
        step growth ratio.

    Returns
    -------
    ndarray (N,)
        Differential charge ``Q(g_P) - Q(g_N)`` per period over ``Q_u = V_ref T / R_u``.
    """
    data = np.asarray(data, dtype=float).ravel()
    if not np.all(np.abs(data) == 1.0):
        raise CtdsmError("data: element data must be +1 or -1")
    N = data.size
    vg = np.broadcast_to(np.asarray(v_g, dtype=float), (N,)).astype(float)
    T = 1.0 / fs_hz
    hc = _one_element(physics, mismatch, element, fs_hz, vdd_v, latency_s)
    cfg, st, rs, env = _initial_state(hc, s_init, growth, h0_s)
    s_prev = np.array([float(s_init)])
    out = np.zeros(N)
    _unit_run(
        data, vg, int(steps_per_period), T, hc.code, hc.zapped, hc.latency_s, hc.rise_s,
        hc.fall_s, hc.hp, hc.hi, cfg, st, rs, env, s_prev, out,
    )  # fmt: skip
    q_u = physics.v_ref_v * T / physics.r_unit_ohm
    return out / q_u


def _element_mismatch(physics, mismatch, element, fs_hz) -> dict[str, np.ndarray]:
    """Element ``element``'s share of a mismatch draw (nominal when ``mismatch`` is None)."""
    mm = nominal_mismatch(physics, element + 1, fs_hz) if mismatch is None else mismatch
    return {
        "delay_rise": np.asarray(mm["delay_rise"])[element : element + 1],
        "delay_fall": np.asarray(mm["delay_fall"])[element : element + 1],
        "c_float": np.asarray(mm["c_float"]),
    }


def _one_element(physics, mismatch, element, fs_hz, vdd_v, latency_s) -> HalfCircuits:
    one = _element_mismatch(physics, mismatch, element, fs_hz)
    return half_circuits(physics, one, fs_hz, vdd_v=vdd_v, latency_s=latency_s)


def _dc_current(hc: HalfCircuits, s: float, v_g: float) -> float:
    """Settled differential current of the DAC with every element at ``s`` (RTO: A on)."""
    nh = hc.hp.shape[0]
    vold = np.empty(nh)
    sc = np.empty((nh, 6))
    o = np.empty(20)
    cfg, st, rs, env = _initial_state(hc, s, 1.25, None)
    env[0], env[1] = hc.v_cm + 0.5 * v_g, hc.v_cm - 0.5 * v_g
    if hc.rto:
        for k in range(nh):
            sub, hf = (k // 2) % 2, k % 2
            if sub == 0:
                cfg[k] = (hf if s > 0 else 1 - hf, 1, 0)
    ip, i_n = _settle(hc.hp, hc.hi, cfg, st, vold, rs, env, sc, o, 40, 1e-7)
    return ip - i_n


def static_charge(
    physics: DacPhysics,
    data: np.ndarray,
    v_g: float | np.ndarray = 0.0,
    *,
    fs_hz: float,
    mismatch: dict[str, np.ndarray] | None = None,
    element: int = 0,
    vdd_v: float = 1.8,
) -> np.ndarray:
    """The DC circuit's charge per period for each period's data and virtual grounds.

    What one element would deliver in period ``n`` if ``data[n]`` and ``v_g[n]`` had been
    applied forever (switches on, nodes and rails settled), over ``Q_u``: the static part of
    :func:`unit_charge`, including its series switch resistances, rail drop and the
    virtual-ground loading through them.
    """
    data = np.asarray(data, dtype=float).ravel()
    vg = np.broadcast_to(np.asarray(v_g, dtype=float), data.shape)
    hc = _one_element(physics, mismatch, element, fs_hz, vdd_v, DEFAULT_LATENCY_S)
    q_u = physics.v_ref_v / (physics.r_unit_ohm * fs_hz)
    cache: dict[tuple[float, float], float] = {}
    out = np.empty(data.size)
    for n, (d, e) in enumerate(zip(data, vg, strict=True)):
        key = (float(d), float(e))
        if key not in cache:
            cache[key] = _dc_current(hc, key[0], key[1]) / fs_hz / q_u
        out[n] = cache[key]
    return out


def unit_error(
    physics: DacPhysics,
    data: np.ndarray,
    v_g: float | np.ndarray = 0.0,
    *,
    fs_hz: float,
    mismatch: dict[str, np.ndarray] | None = None,
    element: int = 0,
    vdd_v: float = 1.8,
    latency_s: float = DEFAULT_LATENCY_S,
    **kw: Any,
) -> np.ndarray:
    """The dynamic charge error of one element per period, in units of its own unit charge.

    ``(Q[n] - Q_dc[n] + latency_term[n]) / g0``: :func:`unit_charge` minus the settled
    circuit's charge (:func:`static_charge`: series resistances, rail drop, loading by
    ``v_g``, all static and handled by the loop filter's gain), plus back the pure delay of
    the common ``latency_s`` (``(latency / T)(Q_dc(s[n]) - Q_dc(s[n-1]))``, at ``v_g[n]``),
    over the element's static gain ``g0`` (its actual unit). What remains is what the
    kernel models as per-period charge errors: compare with
    ``sampled_data_charge(...) - data``.

    ``kw`` goes to :func:`unit_charge` (``steps_per_period``, ``h0_s``, ``growth``,
    ``s_init``).
    """
    data = np.asarray(data, dtype=float).ravel()
    vg = np.broadcast_to(np.asarray(v_g, dtype=float), data.shape)
    common = dict(fs_hz=fs_hz, mismatch=mismatch, element=element, vdd_v=vdd_v)
    q = unit_charge(physics, data, vg, latency_s=latency_s, **common, **kw)
    dc = static_charge(physics, data, vg, **common)
    prev = np.concatenate([[kw.get("s_init", -1.0)], data[:-1]])
    dc_prev = static_charge(physics, prev, vg, **common)
    hc = _one_element(physics, mismatch, element, fs_hz, vdd_v, latency_s)
    g0 = static_gain(hc)
    return (q - dc + latency_s * fs_hz * (dc - dc_prev)) / g0


# ------------------------------------------------------------------------------------------
# the sampled-data model of the same element


def kernel_dac_args(physics: DacPhysics, mismatch: dict[str, np.ndarray], fs_hz: float) -> dict:
    """The first-DAC arguments of :func:`ctdsm.sim.kernels.ct_kernel` for ``physics``.

    The same quantities as ``ctdsm.sim.engine._dac_kernel_params`` computes for a design
    (``tests/sim/test_circuit.py`` checks that they agree), for any physics and mismatch.
    """
    from ctdsm.models.dac import kernel_terms

    return kernel_terms(physics, mismatch, fs_hz, int(np.shape(mismatch["delay_rise"])[0]))


def sampled_data_charge(
    physics: DacPhysics,
    data: np.ndarray,
    mismatch: dict[str, np.ndarray] | None = None,
    e: float | np.ndarray = 0.0,
    *,
    fs_hz: float,
    element: int = 0,
    s_init: float = -1.0,
) -> np.ndarray:
    """Charge per period of one unit element as the sampled-data kernel computes it.

    Runs :func:`ctdsm.sim.kernels.ct_kernel` itself, one period per call, on a two-state
    dummy plant: state 0 integrates the first DAC's charge (``Gamma = 1`` for the current
    data, ``g_on = 1`` for the edge charge), state 1 carries the virtual-ground voltage
    ``e[n]`` (set through a held input, read through ``e_row``); the quantizer input is the
    data itself (a held input with a direct term), so the kernel's own quantizer, element
    selection and DAC-physics block produce the charge. Nothing of the kernel is re-coded.

    Parameters
    ----------
    physics : DacPhysics
    data : array_like (N,)
        Element data, +-1.
    mismatch : dict, optional
        From :func:`ctdsm.dac.draw_mismatch` (default :func:`nominal_mismatch`).
    e : float or array_like (N,)
        The kernel's virtual-ground voltage at each period's sampling instant, V.
    fs_hz : float
    element : int
        Which element of ``mismatch``.
    s_init : float
        Data before the first period (the kernel's ``s_prev`` starts at -1).

    Returns
    -------
    ndarray (N,)
        Charge per period, unit x period (ideal: ``data``).
    """
    from ctdsm.sim.kernels import ct_kernel, pack_kernel_args

    data = np.asarray(data, dtype=float).ravel()
    N = data.size
    ev = np.broadcast_to(np.asarray(e, dtype=float), (N,)).astype(float)
    dac = kernel_dac_args(physics, _element_mismatch(physics, mismatch, element, fs_hz), fs_hz)
    # A two-state dummy plant with one variant (no chopping): every array carries the
    # kernel's leading variant axis of length 1.
    z2 = np.zeros((1, 2))
    e0 = np.zeros(0)
    i0 = np.zeros(0, dtype=np.int8)
    gam = np.zeros((1, 2, 1, 1))
    gam[0, 0, 0, 0] = 1.0  # state 0 += the current data's pulse
    u_h = np.zeros((N, 2))
    u_h[:, 0] = data  # quantizer input = the data (direct term d_h[0] = 1)
    u_h[:-1, 1] = ev[1:]  # state 1 <- e of the next period
    u_h[-1, 1] = ev[-1]
    x = np.array([0.0, ev[0]])
    v = np.zeros(1)
    args = dict(
        Phi=np.array([[[1.0, 0.0], [0.0, 0.0]]]), Gam=gam, Dlag=np.zeros((1, 1)),
        C=np.zeros((2, 2)), d_u=0.0, amp=0.0, g_s=z2, g_c=z2, s0=0.0, c0=1.0, sw=0.0, cw=1.0,
        G_h=np.array([[[0.0, 0.0], [0.0, 1.0]]]), d_h=np.array([1.0, 0.0]),
        eta=np.zeros((0, 2)), y_ext=e0, levels=2, thr_off=np.zeros(1), hyst=0.0,
        cmp_noise=e0, unit_w=np.ones(1), dem=0, g_on=np.array([[1.0, 0.0]]), g_off=z2,
        off_next=False, nrz=True, isi_rise=0.0, isi_fall=0.0, dac_type=dac["type"],
        delay_rise=dac["rise"], delay_fall=dac["fall"], ref_packet=dac["packet"],
        ref_decay=dac["decay"], ref_window=dac["window"], ref_ke=dac["k_e"], c_vg=dac["c_vg"],
        c_fl=dac["c_fl"], t_on_mode=1, pr_x=np.zeros((0, 2)), pr_G=np.zeros((0, 1, 1)),
        pr_s=e0, pr_c=e0, pr_h=np.zeros((0, 2)),
        rto_lin=dac["rto_lin"], e_row=np.array([[0.0, 1.0], [0.0, 1.0]]), var=i0, cy=i0, c_var=z2,
        jit_on=e0, jit_off=e0, sat_idx=np.zeros(0, dtype=np.int64), sat_lim=np.inf,
        blowup=1e300, x=x, hist=np.zeros((1, 1)), ptr=np.zeros(1, dtype=np.int64),
        s_prev=np.array([float(s_init)]), cmp_prev=np.zeros(1), q_def=np.zeros(1),
        d0_prev=np.zeros(1), dac_st=np.zeros(3), e_out=e0, v=v, xmax=np.zeros(2),
        ymax=np.zeros(1),
    )  # fmt: skip
    out = np.empty(N)
    for n in range(N):
        x0 = x[0]
        ct_kernel(*pack_kernel_args(**args, u_h=u_h[n : n + 1]))
        if v[0] != data[n]:
            raise CtdsmError("data: the kernel's quantizer did not reproduce the data")
        out[n] = x[0] - x0
    return out


# ------------------------------------------------------------------------------------------
# closed loop


@njit(cache=True)
def _chop_sign(t, half, phase):  # pragma: no cover - compiled
    """Chopper sign at time ``t`` (periods): +1 in even half-periods after ``phase``."""
    if half <= 0:
        return 0
    return 0 if math.floor((t - phase) / half) % 2 == 0 else 1


@njit(cache=True)
def _loop_run(  # noqa: PLR0913 - numba compiles flat signatures best
    Phi, Gb, Gp, Gs, Gc, onp, Dlag, Cy, d_u, amp, w, tau, chop_half, chop_phase,
    levels, thr_off, hyst, M, dem, t0, T, hmax_frac,
    dac, zapped, lat, rise, fall, hp, hi, cfg, st, rs, env,
    norm, load_comp, e_row, sgn, sat_idx, sat_lim, blowup,
    x, hist, ptr, s_prev, cmp_prev, v, xmax,
):  # pragma: no cover - compiled  # fmt: skip
    """The modulator loop with the circuit DAC; returns the periods run (< N: blew up)."""
    N = v.shape[0]
    n = x.shape[0]
    K = tau.shape[0] - 1
    P = hist.shape[0]
    L1 = hist.shape[1]
    nh = hp.shape[0]
    vold = np.empty(nh)
    sc = np.empty((nh, 6))
    o = np.empty(20)
    cap = 16 * nh + 16
    evt = np.empty(cap)
    evi = np.zeros((cap, 4), dtype=np.int64)
    evp = np.zeros(2, dtype=np.int64)
    s_now = np.empty(M)
    xn = np.empty(n)
    vcm = env[2]
    ec_last = 1e300
    for k in range(N):
        for p in range(P):
            for l in range(L1 - 1, 0, -1):
                hist[p, l] = hist[p, l - 1]
        y = d_u * amp * math.sin(w * k)
        for i in range(n):
            y += Cy[i] * x[i]
        for p in range(P):
            for l in range(1, L1):
                y += Dlag[p, l] * hist[p, l]
        if not (abs(y) < blowup):
            return k
        # the kernel's own comparator bank and element selection (thermometer or DWA)
        vk = quantize_bank(y, levels, thr_off, hyst, cmp_prev)
        v[k] = vk
        select_elements(vk, M, dem, ptr, s_now)
        for p in range(P):
            hist[p, 0] = vk
        _schedule(dac, zapped, s_now, s_prev, (k + t0) * T, T, lat, rise, fall, evt, evi, evp)
        for j in range(K):
            h = tau[j + 1] - tau[j]
            c = _chop_sign(k + 0.5 * (tau[j] + tau[j + 1]), chop_half, chop_phase)
            e_v = 0.0
            for i in range(n):
                e_v += e_row[i] * x[i]
            ec = sgn * e_v
            if ec != ec_last:
                env[0] = vcm + 0.5 * ec
                env[1] = vcm - 0.5 * ec
                env[11] = 1.0
                ec_last = ec
            qp, qn = _advance(
                (k + tau[j]) * T, (k + tau[j + 1]) * T, hmax_frac * T, hp, hi, cfg, st, vold,
                rs, env, sc, o, evt, evi, evp,
            )  # fmt: skip
            # charge in units x period, ideal loading by the virtual ground added back (the
            # plant applies it through its node conductance)
            q = (qp - qn) * norm + load_comp * ec * h
            if k == 0 and tau[j + 1] <= t0:
                q = 0.0  # before the first pulse: the kernel's empty DAC history
            th = w * (k + tau[j])
            sn = amp * math.sin(th)
            cs = amp * math.cos(th)
            Pj = Phi[c, j]
            for i in range(n):
                acc = Gb[c, j, i] * (q / h) + Gs[c, j, i] * sn + Gc[c, j, i] * cs
                for m in range(n):
                    acc += Pj[i, m] * x[m]
                for p in range(P):
                    for l in range(L1):
                        if onp[p, l, j] != 0.0:
                            acc += Gp[c, j, p, i] * hist[p, l]
                xn[i] = acc
            for i in range(n):
                x[i] = xn[i]
        clip_and_track(x, sat_idx, sat_lim, xmax)
    return N


def _sub_step_matrices(A: np.ndarray, cols: np.ndarray, b_u: np.ndarray, w: float, h: float):
    """Exact step of ``x' = A x + cols q + b_u sin(w t + theta)`` over ``h`` periods.

    Returns ``(Phi, G, g_s, g_c)``: ``x(h) = Phi x + G q + g_s sin(theta) + g_c cos(theta)``
    for inputs ``q`` held over the step (one augmented matrix exponential).
    """
    n = A.shape[0]
    m = cols.shape[1]
    Z = np.zeros((n + m + 2, n + m + 2))
    Z[:n, :n] = A
    Z[:n, n : n + m] = cols
    Z[:n, n + m] = b_u
    Z[n + m, n + m + 1] = w  # s' = w c
    Z[n + m + 1, n + m] = -w  # c' = -w s
    E = linalg.expm(Z * h)
    return E[:n, :n], E[:n, n : n + m], E[:n, n + m], E[:n, n + m + 1]


_SUPPORTED = {
    "thermal_noise": False,
    "flicker_corner_hz": None,
    "opamp_offset_v": None,
    "jitter_rms_s": None,
    "comparator_noise_lsb": None,
    "dac_edge_asymmetry_s": None,
    "chopper_skew_s": None,
    "chopper_charge_c": None,
}


def _circuit_impairments(impairments: str | dict[str, Any] | Impairments | None) -> Impairments:
    from ctdsm.models.impairments import resolve_impairments

    if impairments is None:
        impairments = {"preset": "ideal", "dac_physics": True}
        impairments |= {"opamp_dc_gain_db": 60.0, "opamp_gbw_ratio": 4.0}
    imp = resolve_impairments(impairments)
    for name, off in _SUPPORTED.items():
        val = getattr(imp, name)
        if val not in (off, 0, 0.0, False):
            raise CtdsmError(f"impairments.{name}: not modelled by the circuit tier (set it off)")
    if not imp.dac_physics:
        raise CtdsmError("impairments.dac_physics: the circuit tier always simulates the DAC")
    return imp


def simulate_circuit(
    design: Design,
    n_samples: int,
    amplitude_dbfs: float,
    seed: int,
    *,
    steps_per_period: int = 100,
    impairments: str | dict[str, Any] | Impairments | None = None,
    fin_hz: float | None = None,
    latency_s: float = DEFAULT_LATENCY_S,
    growth: float = 1.25,
    trim_gain: bool = True,
    physics: DacPhysics | None = None,
) -> Result:
    """Simulate the modulator with the first DAC as a circuit (fine time steps).

    The loop filter is the design's CT plant from :func:`ctdsm.sim.engine.build_plant`
    (opamp model, RC spread, extra loop delay, chopped first opamp when the spec enables
    the chopper), stepped exactly (matrix exponentials) over ``steps_per_period``
    sub-intervals per clock period (plus breakpoints at the other DACs' and the chopper's
    edges). The first integrator's DAC is the circuit of this module: all ``levels - 1``
    unit elements with the kernel's element selection (thermometer or DWA), element weights
    and mismatch draws (the same random stream as :func:`ctdsm.simulate` for the same
    seed), integrated on its own refined time grid; its charge in each sub-interval enters
    the plant as a current held over the sub-interval, and it sees the plant's
    virtual-ground voltage at the start of each sub-interval. The quantizer samples ``y``
    just before each clock edge, like the kernel.

    Parameters
    ----------
    design : Design
    n_samples : int
        Clock periods.
    amplitude_dbfs : float
        Sine amplitude relative to the DAC full scale.
    seed : int
        Seed of the random draws (comparator offsets, element mismatch, DAC timing).
    steps_per_period : int
        Sub-intervals of the plant per clock period.
    impairments : "ideal", dict or Impairments, optional
        Default ``{"preset": "ideal", "dac_physics": True, "opamp_dc_gain_db": 60,
        "opamp_gbw_ratio": 4}``. Thermal and 1/f noise, opamp offset, jitter, comparator
        noise and the generic edge asymmetry are not modelled here (an error names them);
        ``dac_physics`` must be true.
    fin_hz : float, optional
        Test tone; default as :func:`ctdsm.simulate`.
    latency_s : float
        Common clock-to-switch delay of the DAC, s.
    growth : float
        Step growth ratio of the circuit's grid after each gate event.
    trim_gain : bool
        Divide the DAC charge by its static gain ``g0`` (series switch resistances, rail
        drop), as a designer trims ``R_u``; otherwise the loop sees the DAC ``g0`` low.
    physics : DacPhysics, optional
        The DAC's circuit parameters; default ``ctdsm.dac.dac_physics`` of the design's
        ``dac.type``, unit resistor, full scale and supply (what ``ctdsm.simulate`` uses).

    Returns
    -------
    Result
        ``info`` holds ``g0``, ``steps_per_period``, ``latency_s``, ``seconds`` and
        ``tier = "circuit"``.
    """
    from ctdsm.models.dac import dac_physics
    from ctdsm.sim.engine import Result, build_plant

    t_start = time.perf_counter()
    imp = _circuit_impairments(impairments)
    n_samples = int(n_samples)
    if n_samples < 16:
        raise CtdsmError(f"n_samples: {n_samples} is too short")
    steps = int(steps_per_period)
    if steps < 4:
        raise CtdsmError("steps_per_period: must be at least 4")
    fs, bw, f0 = design.fs_hz, design.bw_hz, design.f0_hz
    T = 1.0 / fs
    if fin_hz is None:
        fin_hz = design.test_frequency(n_samples)
    levels = design.levels
    amp = (levels - 1) * 10 ** (amplitude_dbfs / 20)
    w = 2 * math.pi * fin_hz / fs

    plant, info = build_plant(design, imp)
    p0 = plant.ports[0]
    if not (0.0 <= p0.t0 < 1.0) or abs(p0.t1 - p0.t0 - 1.0) > 1e-9:
        raise CtdsmError("tdac: the circuit tier needs a full-period first DAC pulse in [0, 2)")
    ports = plant.ports[1:]
    n = plant.n

    # Chopper: both plant variants, switching at the chopper's edges.
    chop = design.spec.chopper
    chop_half, chop_phase = 0, 0.0
    variants = [plant.A]
    if chop.enabled and info["finite_opamp"]:
        from ctdsm.models.chopper import half_period_cycles, spec_chop_frequency_hz
        from ctdsm.sim.plant import chopped_plant

        f_chop = spec_chop_frequency_hz(chop.f_chop_hz, fs, bw, f0)
        chop_half = half_period_cycles(fs, f_chop)
        chop_phase = float(chop.phase)
        variants.append(chopped_plant(plant, -1.0).A)
    else:
        variants.append(plant.A)

    # Sub-interval grid of one period: uniform plus every other DAC's and the chopper's edges.
    cuts = set(np.round(np.arange(steps + 1) / steps, 12))
    for p in ports:
        cuts |= {round(p.t0 % 1.0, 12), round(p.t1 % 1.0, 12)}
    if chop_half:
        cuts.add(round(chop_phase % 1.0, 12))
    tau = np.array(sorted(c for c in cuts if 0.0 <= c <= 1.0))
    K = tau.size - 1
    mids = 0.5 * (tau[:-1] + tau[1:])
    L = max([math.ceil(p.t1) - 1 for p in ports] + [0])
    P = max(len(ports), 1)
    onp = np.zeros((P, L + 1, K))
    Dlag = np.zeros((P, L + 1))
    for ip, p in enumerate(ports):
        for lag in range(L + 1):
            onp[ip, lag] = (p.t0 <= mids + lag) & (mids + lag < p.t1)
            if lag >= 1 and p.t0 < lag <= p.t1:
                Dlag[ip, lag] = p.d
    cols = np.column_stack([p0.b] + [p.b for p in ports])
    Phi = np.empty((2, K, n, n))
    Gb = np.empty((2, K, n))
    Gp = np.zeros((2, K, P, n))
    Gs = np.empty((2, K, n))
    Gc = np.empty((2, K, n))
    for c, A in enumerate(variants):
        memo: dict[float, tuple] = {}
        for j in range(K):
            h = round(float(tau[j + 1] - tau[j]), 14)
            if h not in memo:
                memo[h] = _sub_step_matrices(A, cols, plant.b_u, w, h)
            Ph, G, gs, gc = memo[h]
            Phi[c, j], Gb[c, j], Gs[c, j], Gc[c, j] = Ph, G[:, 0], gs, gc
            for ip in range(len(ports)):
                Gp[c, j, ip] = G[:, 1 + ip]

    # Random draws in the order of ctdsm.simulate (the supported subset).
    rng = np.random.default_rng(int(seed))
    from ctdsm.sim.engine import static_errors

    off, hyst, unit_w = static_errors(imp, levels, rng)
    M = unit_w.shape[0]
    dem = 1 if design.spec.dac.dem == "dwa" and M > 1 else 0
    sz = design.sizing
    v_ref = design.spec.target.full_scale_v
    vdd = design.spec.process.vdd_v
    phys = physics or dac_physics(design.spec.dac.type, sz.dac_unit_r_ohm, v_ref, vdd)
    mm = draw_mismatch(phys, M, fs, rng)

    hc = half_circuits(phys, mm, fs, unit_w=unit_w, vdd_v=vdd, latency_s=latency_s)
    g0 = static_gain(hc) if trim_gain else 1.0
    q_u = v_ref * T / phys.r_unit_ohm
    cfg, st, rs, env = _initial_state(hc, -1.0, growth, None)
    s_prev = -np.ones(M)
    e_row = np.asarray(info["e_row"], dtype=float)
    sgn = 1.0 if p0.b[0] >= 0 else -1.0
    ideal_idx = np.asarray(plant.ideal_states, dtype=np.int64)
    sat_lim = (
        imp.saturation_ratio * design.spec.architecture.xlim if imp.saturation_ratio else np.inf
    )
    x = np.zeros(n)
    hist = np.zeros((P, L + 1))
    v = np.zeros(n_samples)
    xmax = np.zeros(n)
    done = _loop_run(
        Phi, Gb, Gp, Gs, Gc, onp, Dlag, np.asarray(plant.C, dtype=float), float(plant.d_u),
        amp, w, tau, chop_half, chop_phase, levels, off, hyst, M, dem, p0.t0, T, 1.0 / steps,
        hc.code, hc.zapped, hc.latency_s, hc.rise_s, hc.fall_s, hc.hp, hc.hi, cfg, st, rs,
        env, 1.0 / (g0 * q_u), float(np.sum(unit_w)) / v_ref, e_row, sgn, ideal_idx,
        sat_lim, 1e3 * max(levels, 2), x, hist, np.zeros(1, dtype=np.int64), s_prev,
        np.zeros(off.shape[0]), v, xmax,
    )  # fmt: skip
    return Result(
        v=v,
        fs_hz=fs,
        bw_hz=bw,
        f0_hz=f0,
        fin_hz=float(fin_hz),
        amplitude_dbfs=float(amplitude_dbfs),
        levels=levels,
        n_samples=n_samples,
        seed=int(seed),
        stable=done == n_samples,
        full_scale_v=v_ref,
        impairments=imp,
        xmax=xmax[ideal_idx],
        n_run=int(done),
        name=design.name,
        info={
            "tier": "circuit",
            "g0": float(g0),
            "steps_per_period": steps,
            "sub_intervals": K,
            "latency_s": float(latency_s),
            "chopped": bool(chop_half),
            "seconds": time.perf_counter() - t_start,
        },
    )
