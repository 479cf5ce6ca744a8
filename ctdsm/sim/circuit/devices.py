"""Square-law switches and one implicit step of every half circuit and both rails.

Everything sits around the common mode ``V_cm = vdd / 2``. The reference rails are
``VREFP = V_cm + V_ref/2`` (rail 0) and ``VREFN = V_cm - V_ref/2`` (rail 1), each an ideal
source behind ``ref_r_ohm`` with ``ref_c_f`` from the rail to ground, shared by every
element. The virtual grounds are ``g_P = V_cm + e/2`` and ``g_N = V_cm - e/2``.

A switch is a square-law MOS (no body effect, ``|Vt| = ctdsm.models.dac.VT_V``)::

    I = k ((Vgs - Vt) Vds - Vds^2 / 2)     for Vds < Vgs - Vt   (triode)
    I = k (Vgs - Vt)^2 / 2                 beyond                (saturation)

with source and drain taken from the terminal voltages (the lower terminal is the NMOS
source, the higher the PMOS source), an off leakage of 1 pS, and gates switching instantly
between 0 and ``vdd``. ``k = mu Cox W/L`` comes from :func:`ctdsm.sim.circuit.switch_k`.

A step solves the node equations (one dynamic node per half, the algebraic RTO node ``r``,
and the two rails kept as deviations from nominal against round-off) by Newton, with the
halves eliminated onto the two rail unknowns: each half couples only to the rails.
"""

from __future__ import annotations

from numba import njit

from ctdsm.models.dac import DualRto, RDac, VgsR

_G_OFF = 1e-12  # S: off-switch leakage, keeps the Jacobian of floating nodes regular
_NEWTON_TOL = 1e-11  # V
_MAX_DV = 0.2  # V: Newton step limit per iteration

# Half kinds, as each DAC type declares it (numba branches on these integers).
_K_RDAC, _K_VGSR, _K_RTO = RDac.half_kind, VgsR.half_kind, DualRto.half_kind


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
