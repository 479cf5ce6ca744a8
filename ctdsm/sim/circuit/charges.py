"""One element's charge per period: transient, settled, and the dynamic error between.

Charges are differential, ``Q(g_P) - Q(g_N)``, in units of ``Q_u = V_ref T / R_u`` (one
unit element, one period: an ideal element delivers +-1), the normalization of the
sampled-data engine's first-DAC terms. :func:`unit_charge` simulates one element with the
virtual grounds held at given voltages; :func:`static_charge` and :func:`static_gain` are
the settled DC circuit; :func:`unit_error` is what is left for the kernel's per-period
charge errors to model. With ``growth = 1.05`` (:func:`unit_charge`) a per-period charge is
within 1e-7 of a 5x finer grid; with 1.25 (the loop's default) within 3e-6, a systematic
part of the edge delay.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from ctdsm.errors import CtdsmError
from ctdsm.models.dac import DacPhysics
from ctdsm.sim.circuit.elements import (
    DEFAULT_LATENCY_S,
    HalfCircuits,
    _initial_state,
    _one_element,
)
from ctdsm.sim.circuit.events import _advance, _schedule, _settle


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
        From :func:`ctdsm.models.dac.draw_mismatch`; default
        :func:`~ctdsm.sim.circuit.nominal_mismatch`.
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
    common: dict[str, Any] = {
        "fs_hz": fs_hz,
        "mismatch": mismatch,
        "element": element,
        "vdd_v": vdd_v,
    }
    q = unit_charge(physics, data, vg, latency_s=latency_s, **common, **kw)
    dc = static_charge(physics, data, vg, **common)
    prev = np.concatenate([[kw.get("s_init", -1.0)], data[:-1]])
    dc_prev = static_charge(physics, prev, vg, **common)
    hc = _one_element(physics, mismatch, element, fs_hz, vdd_v, latency_s)
    g0 = static_gain(hc)
    return (q - dc + latency_s * fs_hz * (dc - dc_prev)) / g0
