"""The closed loop with the circuit DAC: :func:`simulate_circuit`.

The loop filter is the design's CT plant (:func:`ctdsm.sim.engine.build_plant`), stepped
exactly (matrix exponentials) over each sub-interval of the clock period with the DAC's
charge of that sub-interval as a held current. The DAC sees the plant's virtual-ground
voltage at the start of the sub-interval (held). The plant's node conductance already loads
the virtual ground through the ideal DAC resistors, so that ideal loading is added back to
the circuit's charge, and the circuit's static gain ``g0`` (series switches, rail drop) is
divided out as a designer trims ``R_u`` (``trim_gain``). Before the first pulse the DAC
delivers nothing, like the kernel's empty history; with a near-ideal circuit the loop
reproduces ``ctdsm.simulate`` bit for bit.

The first DAC's column ``b_0`` is negative (negative feedback): the DAC's P output drives
the integrator's N input, so the DAC sees ``e_c = sign(b_0) e`` with ``e`` the plant's
first-integrator virtual-ground voltage (``info["e_row"]`` of
:func:`ctdsm.sim.engine.build_plant`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit
from scipy import linalg

from ctdsm.errors import CtdsmError
from ctdsm.models.chopper import half_period_cycles
from ctdsm.models.dac import DacPhysics, dac_physics, draw_mismatch
from ctdsm.models.impairments import Impairments, resolve_impairments
from ctdsm.sim.circuit.charges import static_gain
from ctdsm.sim.circuit.elements import (
    DEFAULT_LATENCY_S,
    HalfCircuits,
    _initial_state,
    half_circuits,
)
from ctdsm.sim.circuit.events import _advance, _schedule
from ctdsm.sim.engine import Result, build_plant, static_errors
from ctdsm.sim.kernels import clip_and_track, quantize_bank, select_elements
from ctdsm.sim.model import LoopModel, as_loop_model
from ctdsm.sim.plant import Plant, Port, chopped_plant
from ctdsm.validate import check_amplitude_dbfs, check_int, check_n_samples, check_seed

if TYPE_CHECKING:
    from ctdsm.design.record import Design


# Impairments the circuit tier does not model, with their "off" values.
_NOT_MODELLED = {
    "thermal_noise": False,
    "flicker_corner_hz": None,
    "opamp_offset_v": None,
    "jitter_rms_s": None,
    "comparator_noise_lsb": None,
    "dac_edge_asymmetry_s": None,
    "chopper_skew_s": None,
    "chopper_charge_c": None,
}


def simulate_circuit(
    design: Design | LoopModel,
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
    (opamp model, RC spread, extra loop delay, chopped first opamp when the design's
    chopper is on), stepped exactly (matrix exponentials) over ``steps_per_period``
    sub-intervals per clock period (plus breakpoints at the other DACs' and the chopper's
    edges). The first integrator's DAC is the circuit of this package: all ``levels - 1``
    unit elements with the kernel's element selection (thermometer or DWA), element weights
    and mismatch draws (the same random stream as :func:`ctdsm.simulate` for the same
    seed), integrated on its own refined time grid; its charge in each sub-interval enters
    the plant as a current held over the sub-interval, and it sees the plant's
    virtual-ground voltage at the start of each sub-interval. The quantizer samples ``y``
    just before each clock edge, like the kernel.

    Parameters
    ----------
    design : Design or LoopModel
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
        The DAC's circuit parameters; default :func:`ctdsm.models.dac.dac_physics` of the
        design's DAC type, unit resistor, full scale and supply (what ``ctdsm.simulate``
        uses).

    Returns
    -------
    Result
        ``info`` holds ``g0``, ``steps_per_period``, ``sub_intervals``, ``latency_s``,
        ``chopped``, ``seconds`` and ``tier = "circuit"``.

    Raises
    ------
    CtdsmError
        For a record or a grid too short, an impairment the tier does not model, or a first
        DAC pulse that is not one full period starting in the first period.
    """
    t_start = time.perf_counter()
    model = as_loop_model(design)
    imp = _circuit_impairments(impairments)
    n_samples, steps = _checked_lengths(n_samples, steps_per_period)
    amplitude_dbfs = check_amplitude_dbfs(amplitude_dbfs)
    seed = check_seed(seed)
    if fin_hz is None:
        fin_hz = model.test_frequency(n_samples)
    amp = (model.levels - 1) * 10 ** (amplitude_dbfs / 20)
    w = 2 * math.pi * fin_hz / model.fs_hz
    loop = _loop_maps(model, imp, steps, w)
    dac = _circuit_dac(model, imp, seed, physics, latency_s, trim_gain)
    done, v, xmax = _run(model, imp, loop, dac, n_samples, amp, w, steps, growth)
    return Result(
        v=v,
        fs_hz=model.fs_hz,
        bw_hz=model.bw_hz,
        f0_hz=model.f0_hz,
        fin_hz=float(fin_hz),
        amplitude_dbfs=float(amplitude_dbfs),
        levels=model.levels,
        n_samples=n_samples,
        seed=int(seed),
        stable=done == n_samples,
        full_scale_v=model.full_scale_v,
        impairments=imp,
        xmax=xmax,
        n_run=int(done),
        name=model.name,
        info={
            "tier": "circuit",
            "g0": float(dac.g0),
            "steps_per_period": steps,
            "sub_intervals": loop.tau.size - 1,
            "latency_s": float(latency_s),
            "chopped": bool(loop.chop_half),
            "seconds": time.perf_counter() - t_start,
        },
    )


def _circuit_impairments(impairments: str | dict[str, Any] | Impairments | None) -> Impairments:
    """The impairments of a circuit run, checked against what the tier models.

    Parameters
    ----------
    impairments : "ideal", dict, Impairments or None
        None: ideal, with the DAC physics and a 60 dB, ``4 fs`` first opamp.

    Returns
    -------
    Impairments

    Raises
    ------
    CtdsmError
        When an impairment of :data:`_NOT_MODELLED` is on, or ``dac_physics`` is off.
    """
    if impairments is None:
        impairments = {"preset": "ideal", "dac_physics": True}
        impairments |= {"opamp_dc_gain_db": 60.0, "opamp_gbw_ratio": 4.0}
    imp = resolve_impairments(impairments)
    for name, off in _NOT_MODELLED.items():
        val = getattr(imp, name)
        if val not in (off, 0, 0.0, False):
            raise CtdsmError(f"impairments.{name}: not modelled by the circuit tier (set it off)")
    if not imp.dac_physics:
        raise CtdsmError("impairments.dac_physics: the circuit tier always simulates the DAC")
    return imp


def _checked_lengths(n_samples: int, steps_per_period: int) -> tuple[int, int]:
    """``(n_samples, steps_per_period)`` as ints, or an error when either is too short."""
    return check_n_samples(n_samples), check_int("steps_per_period", steps_per_period, 4, 1 << 20)


@dataclass(frozen=True)
class _LoopMaps:
    """The loop filter as :func:`_loop_run` steps it (internal).

    Attributes
    ----------
    plant : Plant
        The CT plant of :func:`ctdsm.sim.engine.build_plant`.
    e_row : ndarray (n,)
        The first integrator's differential virtual-ground voltage from the state, V.
    chop_half : int
        Chopper half period, clock periods; 0 when the plant is not chopped.
    chop_phase : float
        Chopper edges' offset from the sampling instants, periods.
    tau : ndarray (K + 1,)
        Sub-interval edges within a clock period, periods.
    onp : ndarray (P, L + 1, K)
        1 where the pulse of port ``p`` (the DACs after the first) from ``l`` periods back
        covers sub-interval ``j``.
    Dlag : ndarray (P, L + 1)
        Direct term of port ``p``'s pulse ``l`` periods back at the sampling instant.
    Phi, Gb, Gp, Gs, Gc : ndarray
        Exact map of each sub-interval for chopper sign ``c`` (index 0: +1, 1: -1):
        ``x+ = Phi x + Gb q + sum_p Gp_p v_p + Gs sin + Gc cos``; shapes ``(2, K, n, n)``,
        ``(2, K, n)``, ``(2, K, P, n)``, ``(2, K, n)``, ``(2, K, n)``.
    """

    plant: Plant
    e_row: np.ndarray
    chop_half: int
    chop_phase: float
    tau: np.ndarray
    onp: np.ndarray
    Dlag: np.ndarray
    Phi: np.ndarray
    Gb: np.ndarray
    Gp: np.ndarray
    Gs: np.ndarray
    Gc: np.ndarray


def _loop_maps(model: LoopModel, imp: Impairments, steps: int, w: float) -> _LoopMaps:
    """The plant of ``model`` with ``imp``, its sub-interval grid and exact maps.

    Parameters
    ----------
    model : LoopModel
    imp : Impairments
    steps : int
        Uniform sub-intervals per clock period.
    w : float
        Test tone, radians per clock period.

    Returns
    -------
    _LoopMaps

    Raises
    ------
    CtdsmError
        When the first DAC's pulse is not one full period starting in ``[0, 1)``.
    """
    plant, info = build_plant(model, imp)
    p0 = plant.ports[0]
    if not (0.0 <= p0.t0 < 1.0) or abs(p0.t1 - p0.t0 - 1.0) > 1e-9:
        raise CtdsmError("tdac: the circuit tier needs a full-period first DAC pulse in [0, 2)")
    chop_half, chop_phase, variants = _chopper(model, plant, bool(info["finite_opamp"]))
    tau, onp, Dlag = _sub_interval_grid(plant.ports[1:], steps, chop_half, chop_phase)
    Phi, Gb, Gp, Gs, Gc = _sub_step_maps(plant, variants, tau, onp.shape[0], w)
    e_row = np.asarray(info["e_row"], dtype=float)
    return _LoopMaps(plant, e_row, chop_half, chop_phase, tau, onp, Dlag, Phi, Gb, Gp, Gs, Gc)


def _chopper(
    model: LoopModel, plant: Plant, finite: bool
) -> tuple[int, float, tuple[np.ndarray, np.ndarray]]:
    """The first opamp's chopper as the loop sees it.

    The choppers switch the plant only around a finite-bandwidth opamp (between them); with
    an ideal one they would only move its offset and 1/f noise, which this tier omits.

    Parameters
    ----------
    model : LoopModel
    plant : Plant
    finite : bool
        The plant has a finite-bandwidth first opamp.

    Returns
    -------
    chop_half : int
        Half period, clock periods (0: not chopped).
    chop_phase : float
        Edges' offset from the sampling instants, periods.
    variants : (ndarray, ndarray)
        The plant's ``A`` with chopper sign +1 and -1 (the same matrix twice unchopped).
    """
    if model.f_chop_hz is None or not finite:
        return 0, 0.0, (plant.A, plant.A)
    chop_half = half_period_cycles(model.fs_hz, model.f_chop_hz)
    return chop_half, model.chop_phase, (plant.A, chopped_plant(plant, -1.0).A)


def _sub_interval_grid(
    ports: tuple[Port, ...], steps: int, chop_half: int, chop_phase: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sub-intervals of a clock period and the other DACs' pulses on them.

    Parameters
    ----------
    ports : tuple of Port
        The DACs after the first.
    steps : int
        Uniform sub-intervals per period; every other DAC's edges and the chopper's are
        added as breakpoints.
    chop_half, chop_phase
        As returned by :func:`_chopper`.

    Returns
    -------
    tau, onp, Dlag : ndarray
        As in :class:`_LoopMaps`.
    """
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
    return tau, onp, Dlag


def _sub_step_maps(
    plant: Plant, variants: tuple[np.ndarray, np.ndarray], tau: np.ndarray, P: int, w: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exact maps of every sub-interval for both chopper signs.

    Parameters
    ----------
    plant : Plant
    variants : (ndarray, ndarray)
        ``A`` for chopper sign +1 and -1.
    tau : ndarray (K + 1,)
        Sub-interval edges, periods.
    P : int
        Rows of the other DACs' axis (at least 1).
    w : float
        Test tone, radians per period.

    Returns
    -------
    Phi, Gb, Gp, Gs, Gc : ndarray
        As in :class:`_LoopMaps`.
    """
    p0, ports, n = plant.ports[0], plant.ports[1:], plant.n
    K = tau.size - 1
    cols = np.column_stack([p0.b] + [p.b for p in ports])
    Phi = np.empty((2, K, n, n))
    Gb = np.empty((2, K, n))
    Gp = np.zeros((2, K, P, n))
    Gs = np.empty((2, K, n))
    Gc = np.empty((2, K, n))
    for c, A in enumerate(variants):
        # Sub-intervals of equal length share one matrix exponential.
        memo: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        for j in range(K):
            h = round(float(tau[j + 1] - tau[j]), 14)
            if h not in memo:
                memo[h] = _sub_step_matrices(A, cols, plant.b_u, w, h)
            Ph, G, gs, gc = memo[h]
            Phi[c, j], Gb[c, j], Gs[c, j], Gc[c, j] = Ph, G[:, 0], gs, gc
            for ip in range(len(ports)):
                Gp[c, j, ip] = G[:, 1 + ip]
    return Phi, Gb, Gp, Gs, Gc


def _sub_step_matrices(
    A: np.ndarray, cols: np.ndarray, b_u: np.ndarray, w: float, h: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


@dataclass(frozen=True)
class _CircuitDac:
    """The first DAC of a run: its static draws, half circuits and charge scale (internal).

    Attributes
    ----------
    thr_off : ndarray (levels - 1,)
        Comparator offsets, toolbox units.
    hyst : float
        Comparator hysteresis, toolbox units.
    unit_w : ndarray (M,)
        Element weights.
    dem : int
        Element selection: 0 thermometer, 1 DWA.
    hc : HalfCircuits
    g0 : float
        Static gain divided out of the charge (1 without ``trim_gain``).
    q_u : float
        Unit charge ``V_ref T / R_u``, C.
    """

    thr_off: np.ndarray
    hyst: float
    unit_w: np.ndarray
    dem: int
    hc: HalfCircuits
    g0: float
    q_u: float


def _circuit_dac(
    model: LoopModel,
    imp: Impairments,
    seed: int,
    physics: DacPhysics | None,
    latency_s: float,
    trim_gain: bool,
) -> _CircuitDac:
    """The first DAC of a run, with the random draws in the order of ``ctdsm.simulate``.

    Parameters
    ----------
    model : LoopModel
    imp : Impairments
    seed : int
    physics : DacPhysics or None
        Default :func:`ctdsm.models.dac.dac_physics` of the model's DAC.
    latency_s : float
    trim_gain : bool
        As for :func:`simulate_circuit`.

    Returns
    -------
    _CircuitDac
    """
    rng = np.random.default_rng(int(seed))
    off, hyst, unit_w = static_errors(imp, model.levels, rng)
    M = unit_w.shape[0]
    dem = 1 if model.dem == "dwa" and M > 1 else 0
    v_ref, vdd, fs = model.full_scale_v, model.vdd_v, model.fs_hz
    phys = physics or dac_physics(model.dac_type, model.sized().dac_unit_r_ohm, v_ref, vdd)
    mm = draw_mismatch(phys, M, fs, rng)
    hc = half_circuits(phys, mm, fs, unit_w=unit_w, vdd_v=vdd, latency_s=latency_s)
    g0 = static_gain(hc) if trim_gain else 1.0
    T = 1.0 / fs
    q_u = v_ref * T / phys.r_unit_ohm
    return _CircuitDac(off, hyst, unit_w, dem, hc, g0, q_u)


def _run(
    model: LoopModel, imp: Impairments, loop: _LoopMaps, dac: _CircuitDac, n_samples: int,
    amp: float, w: float, steps: int, growth: float,
) -> tuple[int, np.ndarray, np.ndarray]:  # fmt: skip
    """Run :func:`_loop_run` from rest (the DAC settled at -1, like the kernel).

    Parameters
    ----------
    model : LoopModel
    imp : Impairments
    loop : _LoopMaps
    dac : _CircuitDac
    n_samples : int
    amp : float
        Sine amplitude, toolbox units.
    w : float
        Test tone, radians per period.
    steps : int
        Uniform sub-intervals per period (the circuit's coarse step is ``T / steps``).
    growth : float
        Step growth ratio of the circuit's grid.

    Returns
    -------
    done : int
        Periods run (``n_samples`` unless the loop blew up).
    v : ndarray (n_samples,)
        Output codes.
    xmax : ndarray
        Peak of each loop-filter state (the plant's ideal states: opamp outputs).
    """
    plant, hc = loop.plant, dac.hc
    p0 = plant.ports[0]
    n = plant.n
    levels = model.levels
    M = dac.unit_w.shape[0]
    cfg, st, rs, env = _initial_state(hc, -1.0, growth, None)
    sgn = 1.0 if p0.b[0] >= 0 else -1.0
    ideal_idx = np.asarray(plant.ideal_states, dtype=np.int64)
    sat_lim = imp.saturation_ratio * model.xlim if imp.saturation_ratio else np.inf
    # norm: circuit charge (C) to units x period; load_comp: the ideal DAC resistors' load on
    # the virtual ground per volt, which the plant's node conductance already applies.
    norm = 1.0 / (dac.g0 * dac.q_u)
    load_comp = float(np.sum(dac.unit_w)) / model.full_scale_v
    x = np.zeros(n)
    hist = np.zeros(loop.Dlag.shape)
    v = np.zeros(n_samples)
    xmax = np.zeros(n)
    done = _loop_run(
        loop.Phi, loop.Gb, loop.Gp, loop.Gs, loop.Gc, loop.onp, loop.Dlag,
        np.asarray(plant.C, dtype=float), float(plant.d_u), amp, w, loop.tau, loop.chop_half,
        loop.chop_phase, levels, dac.thr_off, dac.hyst, M, dac.dem, p0.t0, 1.0 / model.fs_hz,
        1.0 / steps, hc.code, hc.zapped, hc.latency_s, hc.rise_s, hc.fall_s, hc.hp, hc.hi,
        cfg, st, rs, env, norm, load_comp, loop.e_row, sgn, ideal_idx, sat_lim,
        1e3 * max(levels, 2), x, hist, np.zeros(1, dtype=np.int64), -np.ones(M),
        np.zeros(dac.thr_off.shape[0]), v, xmax,
    )  # fmt: skip
    return int(done), v, xmax[ideal_idx]


# ------------------------------------------------------------------------------------------
# the compiled loop


@njit(cache=True)
def _chop_sign(t, half, phase):  # pragma: no cover - compiled
    """Chopper variant at time ``t`` (periods): 0 (sign +1) in the even half-periods after
    ``phase``, 1 (sign -1) in the odd ones; 0 when ``half`` is 0 (not chopped)."""
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
