"""numba kernels of the sampled-data engine (compiled once, cached on disk).

:func:`ct_kernel` advances the exact one-period map of :mod:`ctdsm.sim.discretize` over a
block of clock cycles with the per-sample error terms of the impairments: the multi-bit
quantizer with comparator offsets, hysteresis and noise; the first DAC's unit elements
with mismatch and dynamic element matching; edge-asymmetry (ISI) and jitter charges of
that DAC; integrator output saturation. All state that must survive between blocks lives
in the ``state`` arrays, so a long run is a sequence of blocks (progress bars, Ctrl-C).

The toolbox's DT loop (:func:`ctdsm.toolbox.simulateDSM`) is the special case without
impairments; it has its own kernels in :mod:`ctdsm.toolbox._kernels`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit

__all__ = [
    "ct_kernel",
    "PeriodMaps",
    "Probe",
    "QuantizerTerms",
    "DacTerms",
    "BlockInputs",
    "KernelState",
    "KernelOutputs",
    "pack_kernel_args",
    "new_state",
    "quantize_bank",
    "select_elements",
    "DEM_NONE",
    "DEM_DWA",
]

DEM_NONE = 0
DEM_DWA = 1


def new_state(n: int, ports: int, lags: int, levels: int) -> dict[str, np.ndarray]:
    """Zeroed engine state: plant states, DAC history, DWA pointer, element and comparator
    memories, deferred edge charge."""
    m = max(levels - 1, 1)
    return {
        "x": np.zeros(n),
        "hist": np.zeros((ports, lags + 1)),
        "ptr": np.zeros(1, dtype=np.int64),
        "s_prev": -np.ones(m),  # element signs of the previous sample
        "cmp_prev": np.zeros(max(levels - 1, 1)),
        "q_def": np.zeros(1),  # edge charge deferred to the next period
        "d0_prev": np.zeros(1),
        "dac_st": np.zeros(3),
    }


@njit(cache=True, nogil=True, inline="always")
def quantize_bank(y, levels, thr_off, hyst, cmp_prev):  # pragma: no cover - compiled
    """Comparator bank: thresholds ``-(levels-2) .. levels-2`` (step 2) with offsets and
    hysteresis (each comparator's threshold moves away from its previous decision).
    Returns the output code, toolbox units."""
    nthr = levels - 1
    count = 0
    for t in range(nthr):
        th = -(levels - 2.0) + 2.0 * t + thr_off[t] - hyst * (cmp_prev[t] - 0.5)
        if y > th:  # an exact tie goes down (the toolbox quantizer sends it up)
            count += 1
            cmp_prev[t] = 1.0
        else:
            cmp_prev[t] = 0.0
    if levels == 2 and nthr == 1:
        return 2.0 * count - 1.0
    return -(levels - 1.0) + 2.0 * count


@njit(cache=True, nogil=True, inline="always")
def select_elements(vk, M, dem, ptr, s_now):  # pragma: no cover - compiled
    """Unit-element signs for code ``vk``: thermometer (``DEM_NONE``) or data-weighted
    averaging (``DEM_DWA``, the pointer ``ptr[0]`` advances by the number of high elements)."""
    if M == 1:
        s_now[0] = vk
        return
    high = int(round((vk + M) * 0.5))
    for e in range(M):
        s_now[e] = -1.0
    if dem == 1:
        start = ptr[0]
        for j in range(high):
            s_now[(start + j) % M] = 1.0
        ptr[0] = (start + high) % M
    else:
        for j in range(high):
            s_now[j] = 1.0


@njit(cache=True, nogil=True, inline="always")
def clip_and_track(x, sat_idx, sat_lim, xmax):  # pragma: no cover - compiled
    """Clip the saturating states at +-sat_lim and update the running peak of every state."""
    for j in range(sat_idx.shape[0]):
        i = sat_idx[j]
        if x[i] > sat_lim:
            x[i] = sat_lim
        elif x[i] < -sat_lim:
            x[i] = -sat_lim
    for i in range(x.shape[0]):
        ax = abs(x[i])
        if ax > xmax[i]:
            xmax[i] = ax


class PeriodMaps(NamedTuple):
    """The plant's exact one-period maps, one set per variant (chopper phase), and the
    schedule of variants."""

    Phi: Any  # (V, n, n): one exact period map per variant (chopper phase), V = 1 unchopped
    Gam: Any  # (V, n, P, L + 1)
    Dlag: Any  # (P, L + 1)
    C: Any  # (2, n): quantizer row for chopper sign +1 / -1 at the sampling instant
    d_u: Any  # float
    g_s: Any  # (V, n)
    g_c: Any  # (V, n)
    G_h: Any  # (V, n, m): columns of the held inputs
    d_h: Any  # (m,): their direct terms into y
    g_on: Any  # (V, n) impulse column at the first DAC's rising edge time
    g_off: Any  # (V, n) impulse column at its falling edge (this or the next period)
    e_row: Any  # (2, n): differential virtual-ground voltage of the first integrator, volts
    c_var: Any  # (V, n): a constant added in every period of a variant (chopper charge)
    var: Any  # (N,) int or (0,): the block's periods' variants (index into Phi, Gam, ...)
    cy: Any  # (N + 1,) int or (0,): chopper sign at the block's samples and the next (0: +1)


class Probe(NamedTuple):
    """The virtual ground half a period in (RTO reconnections, pulses that start there)."""

    t_on_mode: Any  # int: the first DAC's pulse starts at 0 (0), at 1/2 (1) or elsewhere (2)
    pr_x: Any  # (V, n) or (0, n): e at n + 1/2 (just before) from the state at n ...
    pr_G: Any  # (V, P, L + 1): ... from the DAC history (this period's data included) ...
    pr_s: Any  # (V,): ... from the sine (sin, cos at the period start) ...
    pr_c: Any  # (V,)
    pr_h: Any  # (V, m): ... and from the held inputs


class QuantizerTerms(NamedTuple):
    """The quantizer, the integrators' output limits and the blow-up threshold."""

    levels: Any  # int
    thr_off: Any  # (levels - 1,) comparator offsets (toolbox units)
    hyst: Any  # float, comparator hysteresis (toolbox units, full width)
    sat_idx: Any  # (k,) int: states clipped at +-sat_lim
    sat_lim: Any  # float
    blowup: Any  # float: |y| beyond which the loop is declared unstable


class DacTerms(NamedTuple):
    """The first DAC: unit elements, element selection, edges and circuit physics."""

    unit_w: Any  # (M,) unit-element weights of the first DAC, M = levels - 1 (1 for binary)
    dem: Any  # int: DEM_NONE or DEM_DWA
    off_next: Any  # bool: the falling edge falls in the next period
    nrz: Any  # bool: consecutive pulses of the first DAC merge (one edge per period)
    isi_rise: Any  # float: generic charge error per rising element edge (unit * period)
    isi_fall: Any  # float: generic charge error per falling element edge
    dac_type: Any  # int: 0 generic, 1 r_dac, 2 vgs_r, 3 dual_rto, 4 zapped_dual_rto (ctdsm.dac)
    delay_rise: Any  # (M, 2): per element and half (P, N), rising transition delay, periods
    delay_fall: Any  # (M, 2): falling transition delay, periods
    ref_packet: Any  # r_dac: relative reference droop per half transition
    ref_decay: Any  # per-period recovery factor of the reference rails
    ref_window: Any  # mean droop factor seen by the pulse
    ref_ke: Any  # reference: relative droop per volt of e per unit of DAC code
    c_vg: Any  # vgs_r: 2 C_sw share / Q_u, charge per transition per volt of e (unit * period)
    c_fl: Any  # RTO: (C_fP + C_fN) / Q_u per volt of e
    rto_lin: Any  # zapped RTO: relative charge lost recharging the zapped nodes, per period


class BlockInputs(NamedTuple):
    """What drives one block of periods: the sine and the per-period random sequences."""

    amp: Any  # float, sine amplitude
    s0: Any  # sin(w n0 + phi) at the block's first sample
    c0: Any  # cos(w n0 + phi)
    sw: Any  # sin(w): the sine advances by rotation (renormalized exactly at every block)
    cw: Any  # cos(w)
    u_h: Any  # (N, m) or (0, m): inputs held over each period (arbitrary input, 1/f noise)
    eta: Any  # (N, n) or (0, n): per-period noise vectors
    y_ext: Any  # (N,) or (0,): noise added at the quantizer input by the linear shadow loop
    cmp_noise: Any  # (N,) or (0,)
    jit_on: Any  # (N,) or (0,): timing error of the on edge, periods
    jit_off: Any  # (N,) or (0,): timing error of the off edge, periods


class KernelState(NamedTuple):
    """State that survives from one block to the next."""

    x: Any  # state (n,)
    hist: Any  # state (P, L + 1)
    ptr: Any  # state (1,) int
    s_prev: Any  # state (M,)
    cmp_prev: Any  # state (levels - 1,)
    q_def: Any  # state (1,)
    d0_prev: Any  # state (1,)
    dac_st: Any  # state (3,): reference droop, previous e, previous data (first DAC)


class KernelOutputs(NamedTuple):
    """What a block writes."""

    e_out: Any  # out (N,) or (0,): the first integrator's virtual-ground voltage, if recorded
    v: Any  # out (N,)
    xmax: Any  # out (n,), running max |x|
    ymax: Any  # out (1,), running max |y|


@njit(cache=True, nogil=True)
def ct_kernel(
    maps: PeriodMaps,
    probe: Probe,
    quant: QuantizerTerms,
    dac: DacTerms,
    drive: BlockInputs,
    state: KernelState,
    out: KernelOutputs,
):  # pragma: no cover - compiled
    # The groups unpack to the names the loop below uses (resolved at compile time).
    Phi = maps.Phi
    Gam = maps.Gam
    Dlag = maps.Dlag
    C = maps.C
    d_u = maps.d_u
    g_s = maps.g_s
    g_c = maps.g_c
    G_h = maps.G_h
    d_h = maps.d_h
    g_on = maps.g_on
    g_off = maps.g_off
    e_row = maps.e_row
    c_var = maps.c_var
    var = maps.var
    cy = maps.cy
    t_on_mode = probe.t_on_mode
    pr_x = probe.pr_x
    pr_G = probe.pr_G
    pr_s = probe.pr_s
    pr_c = probe.pr_c
    pr_h = probe.pr_h
    levels = quant.levels
    thr_off = quant.thr_off
    hyst = quant.hyst
    sat_idx = quant.sat_idx
    sat_lim = quant.sat_lim
    blowup = quant.blowup
    unit_w = dac.unit_w
    dem = dac.dem
    off_next = dac.off_next
    nrz = dac.nrz
    isi_rise = dac.isi_rise
    isi_fall = dac.isi_fall
    dac_type = dac.dac_type
    delay_rise = dac.delay_rise
    delay_fall = dac.delay_fall
    ref_packet = dac.ref_packet
    ref_decay = dac.ref_decay
    ref_window = dac.ref_window
    ref_ke = dac.ref_ke
    c_vg = dac.c_vg
    c_fl = dac.c_fl
    rto_lin = dac.rto_lin
    amp = drive.amp
    s0 = drive.s0
    c0 = drive.c0
    sw = drive.sw
    cw = drive.cw
    u_h = drive.u_h
    eta = drive.eta
    y_ext = drive.y_ext
    cmp_noise = drive.cmp_noise
    jit_on = drive.jit_on
    jit_off = drive.jit_off
    x = state.x
    hist = state.hist
    ptr = state.ptr
    s_prev = state.s_prev
    cmp_prev = state.cmp_prev
    q_def = state.q_def
    d0_prev = state.d0_prev
    dac_st = state.dac_st
    e_out = out.e_out
    v = out.v
    xmax = out.xmax
    ymax = out.ymax
    N = v.shape[0]
    n = x.shape[0]
    P = hist.shape[0]
    L1 = hist.shape[1]
    M = unit_w.shape[0]
    has_uh = u_h.shape[0] > 0
    m_h = u_h.shape[1]
    has_eta = eta.shape[0] > 0
    has_yx = y_ext.shape[0] > 0
    has_cn = cmp_noise.shape[0] > 0
    has_jon = jit_on.shape[0] > 0
    has_var = var.shape[0] > 0
    has_eo = e_out.shape[0] > 0
    has_joff = jit_off.shape[0] > 0
    has_pr = pr_x.shape[0] > 0
    xn = np.empty(n)
    s_now = np.empty(M)
    sk = s0
    ck = c0
    # One variant (no chopping): the matrices of variant 0 for every period.
    Ph = Phi[0]
    Gv = Gam[0]
    gs = g_s[0]
    gc = g_c[0]
    gon = g_on[0]
    goff = g_off[0]
    Gh = G_h[0]
    for k in range(N):
        vi = 0
        ci = 0
        if has_var:
            vi = var[k]
            ci = cy[k]
        # -- shift the DAC history: hist[:, l] = d[n - l]
        for p in range(P):
            for l in range(L1 - 1, 0, -1):
                hist[p, l] = hist[p, l - 1]
        # -- quantizer input just before the clock edge
        y = d_u * amp * sk
        if has_uh:
            for j in range(m_h):
                y += d_h[j] * u_h[k, j]
        for i in range(n):
            y += C[ci, i] * x[i]
        for p in range(P):
            for l in range(1, L1):
                y += Dlag[p, l] * hist[p, l]
        ay = abs(y)
        if ay > ymax[0]:
            ymax[0] = ay
        if not (ay < blowup):
            return k
        yx = 0.0
        if has_yx:
            yx = y_ext[k]
            y += yx
        if has_cn:
            y += cmp_noise[k]
        # -- comparators, then the first DAC's unit elements (+-1 each), DEM, mismatch
        vk = quantize_bank(y, levels, thr_off, hyst, cmp_prev)
        v[k] = vk
        select_elements(vk, M, dem, ptr, s_now)
        # Differential virtual-ground voltage of the first integrator at this instant.
        e_now = 0.0
        for i in range(n):
            e_now += e_row[ci, i] * x[i]
        if has_eo:
            e_out[k] = e_now
        d0 = 0.0
        q_on = 0.0
        ntrans = 0
        for e in range(M):
            d0 += s_now[e] * unit_w[e]
            if nrz and s_now[e] != s_prev[e]:
                ntrans += 1
                if s_now[e] > 0.0:
                    q_on += isi_rise * unit_w[e]
                    # P half rises, N half falls: both late edges lose charge.
                    q_on -= (delay_rise[e, 0] + delay_fall[e, 1]) * unit_w[e]
                else:
                    q_on += isi_fall * unit_w[e]
                    q_on += (delay_fall[e, 0] + delay_rise[e, 1]) * unit_w[e]
            s_prev[e] = s_now[e]
        # The history holds d - y_ext: the shadow loop (see ctdsm.sim.discretize.noise_shadow)
        # already fed y_ext back through every DAC.
        hist[0, 0] = d0 - yx
        for p in range(1, P):
            hist[p, 0] = vk - yx
        # The virtual ground half a period in, just before that instant.
        e_mid = e_now
        if has_pr:
            pv = vi if pr_x.shape[0] > 1 else 0
            e_mid = pr_s[pv] * (amp * sk) + pr_c[pv] * (amp * ck)
            for i in range(n):
                e_mid += pr_x[pv, i] * x[i]
            for p in range(P):
                for l in range(L1):
                    e_mid += pr_G[pv, p, l] * hist[p, l]
            if has_uh:
                for j in range(m_h):
                    e_mid += pr_h[pv, j] * u_h[k, j]
        if dac_type == 2:
            # Both switch nodes of every element that switched move between the virtual
            # grounds at the DAC's edge: -2 C_sw e (the switch's share of it).
            q_on -= c_vg * ntrans * (e_mid if t_on_mode == 1 else e_now)
        q_post = 0.0  # charge per volt of the virtual ground at the period's end
        if dac_type == 3 or dac_type == 4:
            # Two reconnections per period (sub-DAC A, then B), both carrying this data.
            # Each dumps C_f (-e_r / 2 + d_new d_old e_o / 2) (unzapped: the node kept
            # v_g(old side) + I R_sw from its opening); zapped, the node was reset to the
            # common mode: -C_f e_r / 2 remains, plus recharging its own I R_sw (rto_lin).
            mem = 0.5 * c_fl * vk * dac_st[2] if dac_type == 3 else 0.0
            if t_on_mode == 1:
                # A: opened at n, reconnects at n + 1/2; B: opened at n + 1/2, back at n + 1.
                q_on += -0.5 * c_fl * e_mid + mem * (e_now + e_mid)
                q_post = -0.5 * c_fl
            elif t_on_mode == 0:
                # A: opened at n - 1/2, reconnects at n; B: opened at n, back at n + 1/2.
                q_on += -0.5 * c_fl * (e_now + e_mid) + mem * (dac_st[1] + e_now)
            else:
                # Other pulse positions: both events taken at the sampling instants.
                q_on += -c_fl * e_now + 2.0 * mem * dac_st[1]
            if dac_type == 4:
                q_on += rto_lin * vk
        dac_st[1] = e_mid if t_on_mode == 0 else e_now
        dac_st[2] = vk
        # -- edge timing errors: a late edge keeps the old level for that long
        q_off = 0.0
        if nrz:
            if has_jon:
                q_on -= (d0 - d0_prev[0]) * jit_on[k]
        else:
            if has_jon:
                q_on -= d0 * jit_on[k]
            if has_joff:
                q_off += d0 * jit_off[k]
        d0_prev[0] = d0
        # -- one exact period
        if has_var:
            Ph = Phi[vi]
            Gv = Gam[vi]
            gs = g_s[vi]
            gc = g_c[vi]
            gon = g_on[vi]
            goff = g_off[vi]
            Gh = G_h[vi]
        for i in range(n):
            acc = 0.0
            for j in range(n):
                acc += Ph[i, j] * x[j]
            acc += gs[i] * (amp * sk) + gc[i] * (amp * ck)
            if has_uh:
                for j in range(m_h):
                    acc += Gh[i, j] * u_h[k, j]
            for p in range(P):
                for l in range(L1):
                    acc += Gv[i, p, l] * hist[p, l]
            acc += gon[i] * q_on + c_var[vi, i]
            if off_next:
                acc += goff[i] * q_def[0]
            else:
                acc += goff[i] * q_off
            if has_eta:
                acc += eta[k, i]
            xn[i] = acc
        if dac_type != 0:
            # Reference rails (ctdsm.dac.reference_ripple): their relative droop starts from
            # the last period's plus r_dac's transition packets (two half nodes per element)
            # and relaxes toward the load's target -k_e e d, with e while this pulse flows
            # (at the period's end: the virtual ground has settled to the new data); the
            # pulse loses d times the mean droop, as one more charge at the on edge.
            cn_ = ci
            if has_var and k + 1 < cy.shape[0]:
                cn_ = cy[k + 1]
            e_end = 0.0
            for i in range(n):
                e_end += e_row[cn_, i] * xn[i]
            target = -ref_ke * e_end * d0
            droop = dac_st[0] + ref_packet * 2.0 * ntrans
            q_ref = -d0 * (target + (droop - target) * ref_window) + q_post * e_end
            dac_st[0] = target + (droop - target) * ref_decay
            for i in range(n):
                xn[i] += gon[i] * q_ref
        if off_next:
            q_def[0] = q_off
        for i in range(n):
            x[i] = xn[i]
        sk, ck = sk * cw + ck * sw, ck * cw - sk * sw
        clip_and_track(x, sat_idx, sat_lim, xmax)
    return N


def dwa_reference(v: np.ndarray, levels: int) -> np.ndarray:
    """Pure-Python DWA element selection (for tests): element signs per sample."""
    m = levels - 1
    ptr = 0
    out = -np.ones((len(v), m))
    for k, vk in enumerate(v):
        high = int(round((vk + m) / 2))
        for j in range(high):
            out[k, (ptr + j) % m] = 1.0
        ptr = (ptr + high) % m
    return out


#: The kernel's argument groups in call order.
KERNEL_GROUPS = (
    PeriodMaps,
    Probe,
    QuantizerTerms,
    DacTerms,
    BlockInputs,
    KernelState,
    KernelOutputs,
)


def pack_kernel_args(**flat: Any) -> tuple[Any, ...]:
    """The argument groups of :func:`ct_kernel` from their fields by name (every field of
    every group, e.g. ``Phi=..., levels=..., v=...``)."""
    known = {f for g in KERNEL_GROUPS for f in g._fields}
    missing = sorted(known - set(flat))
    extra = sorted(set(flat) - known)
    if missing or extra:
        raise TypeError(f"pack_kernel_args: missing {missing}, unknown {extra}")
    return tuple(g(**{f: flat[f] for f in g._fields}) for g in KERNEL_GROUPS)
