"""Gate events of the DAC and the variable-step integration between them.

The data of clock period ``n`` becomes gate events at ``t_edge(n) + latency + offset``
(:func:`_schedule`), kept in a small time-sorted queue. :func:`_advance` integrates the
node equations (:func:`ctdsm.sim.circuit.devices._be_step`) with variable-step BDF2
(L-stable, second order), restarted with one backward-Euler step after every gate event and
every change of the virtual grounds. The step restarts at ``h0`` (a sixteenth of the
smallest ``C r_on``) at every gate event and grows geometrically (``growth``) to the coarse
step. The charges into the virtual grounds use the same formula's quadrature.

The queue is three arrays shared with the callers: ``evt`` (times, s), ``evi`` (half,
configuration ``c0, c1, c2``) and ``evp`` (read and write positions).
"""

from __future__ import annotations

from numba import njit

from ctdsm.sim.circuit.devices import _be_step

_T_EPS = 1e-17  # s: events closer than this to the current time are due now
_ZAP_START, _ZAP_STOP = 0.125, 0.375  # periods after a sub-DAC opens


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
