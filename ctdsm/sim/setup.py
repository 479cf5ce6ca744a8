"""What a run of the sampled-data engine assembles before its kernel runs: the plant with
its structural impairments, the exact period maps of every variant of the period, the
virtual-ground probes, and the kernel's parameter groups, with every random draw made
before the run's own sequences (in the engine's fixed order)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ctdsm.design.sizing import Sizing
from ctdsm.models.chopper import chop_schedule, chop_wave
from ctdsm.models.dac import dac_model, dac_physics, draw_mismatch, kernel_terms
from ctdsm.models.impairments import Impairments
from ctdsm.models.noise import flicker_f_max_hz, flicker_noise
from ctdsm.sim import kernels
from ctdsm.sim.discretize import (
    discretize_segments,
    impulse_column,
    noise_shadow,
    probe_map,
    reduce_fast_modes,
)
from ctdsm.sim.model import LoopModel, as_loop_model
from ctdsm.sim.plant import (
    Plant,
    Port,
    chopped_plant,
    node_conductance,
    physical_plant,
    plant_from_abcdc,
)
from ctdsm.sim.result import Stimulus

if TYPE_CHECKING:
    from ctdsm.design.record import Design

__all__ = ["build_plant", "static_errors", "setup_run", "RunSetup"]


def _first_dac_split(plant: Plant) -> Plant:
    """Make ``ports[0]`` the first integrator's share of the first DAC only.

    The remaining rows of that DAC become an ideal port with the same timing: only the
    first integrator's DAC errors reach the output unshaped, so only it is modelled.
    """
    p0 = plant.ports[0]
    first = np.zeros_like(p0.b)
    first[0] = p0.b[0]
    rest = p0.b - first
    ports = [Port(first, 0.0, p0.t0, p0.t1)]
    if np.any(rest) or p0.d:
        ports.append(Port(rest, p0.d, p0.t0, p0.t1))
    return Plant(
        plant.A,
        plant.b_u,
        plant.C,
        plant.d_u,
        tuple(ports) + plant.ports[1:],
        plant.noise_b,
        plant.state_names,
        plant.ideal_states,
    )


def build_plant(target: Design | LoopModel, imp: Impairments) -> tuple[Plant, dict[str, Any]]:
    """The CT plant of a design (or loop model) with the structural impairments of ``imp``.

    Returns the plant and a dict of what was built (for the record and the kernel).
    """
    model = as_loop_model(target)
    ideal = _first_dac_split(plant_from_abcdc(model.abcdc, model.tdac))
    if imp.eld_extra:
        ideal = Plant(
            ideal.A,
            ideal.b_u,
            ideal.C,
            ideal.d_u,
            tuple(Port(p.b, p.d, p.t0 + imp.eld_extra, p.t1 + imp.eld_extra) for p in ideal.ports),
            ideal.noise_b,
            ideal.state_names,
            ideal.ideal_states,
        )
    n = model.order
    fs = model.fs_hz
    info: dict[str, Any] = {}
    # The real volt scales set how much current a virtual-ground error draws through each
    # resistor, so the opamp model needs them whether or not noise is on.
    k_u, k_x = model.k_u_v, model.k_x_v
    en = None
    if imp.thermal_noise:
        sz = model.sized()
        cols = [ns.column for ns in sz.noise if ns.kind == "resistor"]
        ideal = Plant(
            ideal.A,
            ideal.b_u,
            ideal.C,
            ideal.d_u,
            ideal.ports,
            np.column_stack(cols) if cols else np.zeros((n, 0)),
            ideal.state_names,
            ideal.ideal_states,
        )
        en = np.sqrt(sz.opamp_en_v_rthz**2 / 2 * fs) / sz.k_x_v
    gain = None if imp.opamp_dc_gain_db is None else 10 ** (imp.opamp_dc_gain_db / 20)
    wu = None if imp.opamp_gbw_ratio is None else 2 * math.pi * imp.opamp_gbw_ratio
    plant = physical_plant(ideal, gain, wu, 1.0 + imp.rc_spread, k_x, k_u, en)
    # The first integrator's differential virtual-ground voltage (volts) from the state:
    # e = q - o with a finite-bandwidth opamp, q / (1 + A0) with infinite bandwidth.
    e_row = np.zeros(plant.n)
    if wu is not None:
        o1 = int(plant.ideal_states[0])
        e_row[o1 - 2], e_row[o1] = k_x[0], -k_x[0]  # e = q1 - o1
    elif gain is not None:
        e_row[0] = k_x[0] / (1.0 + gain)
    info.update(states=plant.n, finite_opamp=wu is not None, k_x=k_x, k_u=k_u, e_row=e_row)
    return plant, info


def static_errors(
    imp: Impairments, levels: int, rng: np.random.Generator
) -> tuple[np.ndarray, float, np.ndarray]:
    """Comparator offsets and hysteresis (one LSB = 2 toolbox units) and the first DAC's
    unit-element weights (mismatch only, no gain error), drawn in this order from ``rng``.

    Shared by the circuit tier so that both tiers see the same draws for the same seed.
    """
    nthr = max(levels - 1, 1)
    off = (
        rng.normal(0.0, 2 * imp.comparator_offset_lsb, nthr)
        if imp.comparator_offset_lsb
        else np.zeros(nthr)
    )
    hyst = 2 * (imp.comparator_hysteresis_lsb or 0.0)
    M = max(levels - 1, 1)
    if imp.dac_mismatch_sigma and M > 1:
        unit_w = 1.0 + rng.normal(0.0, imp.dac_mismatch_sigma, M)
        unit_w *= M / unit_w.sum()
    else:
        unit_w = np.ones(M)
    return off, hyst, unit_w


def _dac_kernel_params(
    model: LoopModel, imp: Impairments, units: int, rng: np.random.Generator, edges: bool
) -> dict[str, Any]:
    """Kernel parameters of the first DAC's physics (``ctdsm.models.dac``), or a generic
    ideal DAC."""
    zeros = np.zeros((units, 2))
    out: dict[str, Any] = {
        "type": 0, "rise": zeros, "fall": zeros, "packet": 0.0, "decay": 0.0,
        "window": 0.0, "k_e": 0.0, "c_vg": 0.0, "c_fl": 0.0, "rto_lin": 0.0, "physics": None,
    }  # fmt: skip
    if not imp.dac_physics or not edges:
        return out
    sz = model.sized()
    phys = dac_physics(model.dac_type, sz.dac_unit_r_ohm, model.full_scale_v, model.vdd_v)
    mm = draw_mismatch(phys, units, model.fs_hz, rng)
    out.update(kernel_terms(phys, mm, model.fs_hz, units), physics=phys)
    return out


def _flicker_columns(plant: Plant, sz: Sizing, finite: bool) -> np.ndarray:
    """Injection column of the first opamp's input-referred voltage (per volt)."""
    col = np.zeros(plant.n)
    if finite:
        w1 = int(plant.ideal_states[0]) - 1  # first-stage output of the two-stage opamp
        col[w1] = plant.A[w1, w1 - 1] / sz.k_x_v[0]  # om1 A1 / k_x
    else:
        G = node_conductance(plant, sz.k_x_v, sz.k_u_v)
        col[0] = G[0] / sz.k_x_v[0]
    return col


@dataclass
class RunSetup:
    """What :func:`run_engine` assembles before the kernel runs (internal)."""

    plant: Plant
    info: dict[str, Any]
    switched: bool
    maps: kernels.PeriodMaps
    probe: kernels.Probe
    quant: kernels.QuantizerTerms
    dac: kernels.DacTerms
    U_h: np.ndarray
    Qchol: np.ndarray
    has_noise: bool
    shadow: Any
    ideal_idx: np.ndarray
    e_sign: float
    nrz: bool
    cmp_sigma: float
    jit_sigma: float
    lags: int


def _held_inputs(
    model: LoopModel, plant: Plant, imp: Impairments, stim: Stimulus, finite: bool,
    switched: bool, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Inputs held over each period: the arbitrary input ``u`` and the first opamp's
    offset and 1/f noise (drawn here: the offset first). Returns ``(H, d_h, U_h)``."""
    n, N = plant.n, stim.n_samples
    held_b: list[np.ndarray] = []
    held_d: list[float] = []
    held_seq: list[np.ndarray] = []
    if stim.u is not None:
        held_b.append(np.asarray(plant.b_u, dtype=float))
        held_d.append(float(plant.d_u))
        held_seq.append(stim.u)
    offset = rng.normal(0.0, imp.opamp_offset_v) if imp.opamp_offset_v else 0.0
    if imp.flicker_corner_hz or offset:
        seq = np.zeros(N)
        if imp.flicker_corner_hz:
            sz = model.sized()
            f_max = flicker_f_max_hz(model.f0_hz, model.bw_hz, model.f_chop_hz)
            seq = flicker_noise(
                N, model.fs_hz, sz.opamp_en_v_rthz[0] ** 2, imp.flicker_corner_hz, rng, f_max
            )
        seq += offset
        if model.f_chop_hz is not None and not switched:
            seq *= chop_wave(N, model.fs_hz, model.f_chop_hz, model.chop_phase)
        held_b.append(_flicker_columns(plant, model.sized(), finite))
        held_d.append(0.0)
        held_seq.append(seq)
    m_h = len(held_b)
    d_h = np.array(held_d, dtype=float)
    U_h = np.column_stack(held_seq) if m_h else np.zeros((0, 0))
    H = np.column_stack(held_b) if m_h else np.zeros((n, 0))
    return H, d_h, U_h


def _period_variants(
    model: LoopModel, plant: Plant, imp: Impairments, switched: bool, n_samples: int
) -> tuple[list[tuple[list[Plant], list[float]]], np.ndarray, np.ndarray]:
    """The variants of the clock period (one without chopping; with a chopped
    finite-bandwidth opamp: +, -, and the two with a chop edge) and the schedule
    ``(var, cy)`` of which variant each period is and the chopper sign at its sample."""
    if not switched:
        empty = np.zeros(0, dtype=np.int8)
        return [([plant], [0.0, 1.0])], empty, empty
    assert model.f_chop_hz is not None
    pp, pm = plant, chopped_plant(plant, -1.0)
    variants = [([pp], [0.0, 1.0]), ([pm], [0.0, 1.0])]
    # A period with an edge at `phase`: the input chopper flips first, the output one
    # `skew` later (for that long the opamp amplifies -e).
    ph = model.chop_phase
    skew = min((imp.chopper_skew_s or 0.0) * model.fs_hz, 0.5 * (1.0 - ph))
    for c0 in (1.0, -1.0):
        segs = [(chopped_plant(plant, c0), 0.0, ph),
                (chopped_plant(plant, -c0, c0), ph, ph + skew),
                (chopped_plant(plant, -c0), ph + skew, 1.0)]  # fmt: skip
        segs = [sg for sg in segs if sg[2] > sg[1]]
        variants.append(([sg[0] for sg in segs], [segs[0][1]] + [sg[2] for sg in segs]))
    # One sign more than periods: the kernel reads the sign at the next sampling instant.
    var, cy = chop_schedule(n_samples + 1, model.fs_hz, model.f_chop_hz, ph)
    return variants, var[:n_samples], cy


def _stack(dzs: list[Any], get: Any) -> np.ndarray:
    return np.ascontiguousarray(np.stack([get(d) for d in dzs]))


def setup_run(
    model: LoopModel, stim: Stimulus, imp: Impairments, rng: np.random.Generator
) -> RunSetup:
    """Plant, exact period maps, probes and the kernel's parameter groups of a run, with
    every random draw before the run's own sequences (in the engine's fixed order)."""
    plant, info = build_plant(model, imp)
    finite = info["finite_opamp"]
    w = 2 * math.pi * stim.fin_hz / model.fs_hz
    n = plant.n
    # With a finite-bandwidth first opamp the choppers switch the plant itself (the opamp
    # sits between them); with an ideal one they only move its offset and 1/f noise.
    switched = model.f_chop_hz is not None and finite
    H, d_h, U_h = _held_inputs(model, plant, imp, stim, finite, switched, rng)
    m_h = H.shape[1]

    # First DAC timing: impulse columns at its edges (charge errors).
    p0 = plant.ports[0]
    nrz = abs((p0.t1 - p0.t0) - 1.0) < 1e-9
    edges = p0.t0 < 1.0
    off_next = p0.t1 > 1.0
    impulses = [(p0.b, p0.t0), (p0.b, p0.t1 - 1.0 if off_next else p0.t1)] if edges else None

    # One exact map per variant of the period (one without chopping).
    variants, var, cy = _period_variants(model, plant, imp, switched, stim.n_samples)
    e_row0 = info["e_row"]  # o1 is not chopped: e = q1 - o1 in every variant
    c_rows = [variants[0][0][0].C, variants[1 if switched else 0][0][0].C]
    dzs = [discretize_segments(pl, ed, w, H, impulses) for pl, ed in variants]
    dz = dzs[0]
    t_on_mode, probe_x, probe = _probe(model, imp, variants, e_row0, w, H, m_h, dz, edges)
    Phi, Gam = _stack(dzs, lambda d: d.Phi), _stack(dzs, lambda d: d.Gamma)
    g_s, g_c = _stack(dzs, lambda d: d.g_s), _stack(dzs, lambda d: d.g_c)
    G_h = _stack(dzs, lambda d: d.held if m_h else np.zeros((n, 0)))
    g_on = _stack(dzs, lambda d: d.impulses[:, 0] if edges else np.zeros(n))
    g_off = _stack(dzs, lambda d: d.impulses[:, 1] if edges else np.zeros(n))
    Cq = np.ascontiguousarray(np.stack(c_rows))
    e_row = np.ascontiguousarray(np.stack([e_row0, e_row0]))
    Qchol = dz.Qchol
    c_var = _chopper_charge(model, plant, imp, variants, switched, n)

    # Thermal noise: through the linear shadow loop as one scalar sequence at the quantizer
    # input (exact unchopped; with chopping the shadow is the c = +1 loop, an approximation
    # that ignores the chop transients' effect on how white noise couples), or state by state
    # when that loop is not stable.
    has_noise = bool(np.any(Qchol))
    shadow = noise_shadow(dz) if has_noise else None
    if shadow is not None:
        has_noise = False

    # Quantizer and first-DAC static errors; then DEM and the DAC's edge errors.
    levels = model.levels
    off, hyst, unit_w = static_errors(imp, levels, rng)
    M = unit_w.shape[0]
    dem = kernels.DEM_DWA if model.dem == "dwa" and M > 1 else kernels.DEM_NONE
    asym = (imp.dac_edge_asymmetry_s or 0.0) * model.fs_hz if edges else 0.0
    dac = _dac_kernel_params(model, imp, M, rng, edges)
    jit_sigma = (imp.jitter_rms_s or 0.0) * model.fs_hz if edges else 0.0

    # Without chopping, the opamps' settled fast modes are removed from the kernel's model.
    ideal_idx = np.asarray(plant.ideal_states, dtype=np.int64)
    pr_x = probe_x
    pr_G, pr_s, pr_c, pr_h = probe
    if finite and not switched:
        mats = _Maps(Phi, Cq, e_row, pr_x, Gam, g_s, g_c, Qchol, G_h, g_on, g_off, ideal_idx)
        Phi, Cq, e_row, pr_x, Gam, g_s, g_c, Qchol, G_h, g_on, g_off, ideal_idx = _reduce(mats, dz)
    # The DAC's error terms use the virtual-ground voltage in the DAC's own frame: the first
    # DAC drives the integrator with the sign of its column (negative feedback).
    e_sign = 1.0 if plant.ports[0].b[0] >= 0 else -1.0
    e_row = np.ascontiguousarray(e_sign * e_row)
    pr_x = np.ascontiguousarray(e_sign * pr_x)
    pr_G, pr_s, pr_c, pr_h = (np.ascontiguousarray(e_sign * a) for a in (pr_G, pr_s, pr_c, pr_h))
    sat_lim = imp.saturation_ratio * model.xlim if imp.saturation_ratio else np.inf
    return RunSetup(
        plant=plant,
        info=info,
        switched=switched,
        maps=kernels.PeriodMaps(
            Phi, Gam, dz.Dlag, Cq, dz.d_u, g_s, g_c, G_h, d_h, g_on, g_off, e_row, c_var, var, cy
        ),
        probe=kernels.Probe(t_on_mode, pr_x, pr_G, pr_s, pr_c, pr_h),
        quant=kernels.QuantizerTerms(levels, off, hyst, ideal_idx, sat_lim, 1e3 * max(levels, 2)),
        dac=kernels.DacTerms(
            unit_w,
            dem,
            off_next,
            nrz,
            -asym,
            -asym,
            dac["type"],
            dac["rise"],
            dac["fall"],
            dac["packet"],
            dac["decay"],
            dac["window"],
            dac["k_e"],
            dac["c_vg"],
            dac["c_fl"],
            dac["rto_lin"],
        ),  # fmt: skip
        U_h=U_h,
        Qchol=Qchol,
        has_noise=has_noise,
        shadow=shadow,
        ideal_idx=ideal_idx,
        e_sign=e_sign,
        nrz=nrz,
        cmp_sigma=2 * (imp.comparator_noise_lsb or 0.0),
        jit_sigma=jit_sigma,
        lags=dz.lags,
    )


def _probe(
    model: LoopModel, imp: Impairments, variants: list[tuple[list[Plant], list[float]]],
    e_row: np.ndarray, w: float, H: np.ndarray, m_h: int, dz: Any, edges: bool,
) -> tuple[int, np.ndarray, tuple[np.ndarray, ...]]:  # fmt: skip
    """The first DAC's physics needs the virtual ground half a period in (RTO
    reconnections, and the edges of a DAC whose pulse starts there): e(n + 1/2^-) from the
    period's start. Returns ``(t_on_mode, pr_x, (pr_G, pr_s, pr_c, pr_h))``."""
    n = e_row.shape[0]
    p0 = variants[0][0][0].ports[0]
    t_on = p0.t0 % 1.0
    t_on_mode = 0 if abs(t_on) < 1e-9 else 1 if abs(t_on - 0.5) < 1e-9 else 2
    wanted = imp.dac_physics and edges and dac_model(model.dac_type).needs_probe(t_on_mode)
    if not wanted:
        empty = (np.zeros((0, dz.Gamma.shape[1], dz.Gamma.shape[2])), np.zeros(0), np.zeros(0),
                 np.zeros((0, m_h)))  # fmt: skip
        return t_on_mode, np.zeros((0, n)), empty
    prs = [probe_map(pl, ed, 0.5, w, H) for pl, ed in variants]
    pr_x = np.stack([e_row @ pr.Phi for pr in prs])
    pr_G = np.stack([np.einsum("i,ipl->pl", e_row, pr.Gamma) for pr in prs])
    pr_s = np.array([e_row @ pr.g_s for pr in prs])
    pr_c = np.array([e_row @ pr.g_c for pr in prs])
    pr_h = np.stack([e_row @ pr.held if m_h else np.zeros(0) for pr in prs])
    return t_on_mode, pr_x, (pr_G, pr_s, pr_c, pr_h)


def _chopper_charge(
    model: LoopModel, plant: Plant, imp: Impairments,
    variants: list[tuple[list[Plant], list[float]]], switched: bool, n: int,
) -> np.ndarray:  # fmt: skip
    """Chopper charge injection: a charge into the first virtual ground at every edge, the
    same sign each time (a mismatch of the two sides), in the first integrator's units."""
    c_var = np.zeros((len(variants), n))
    if switched and imp.chopper_charge_c:
        sz = model.sized()
        q_state = imp.chopper_charge_c / (sz.c_f[0] * sz.k_x_v[0])
        b_q = np.zeros(n)
        b_q[int(plant.ideal_states[0]) - 2] = 1.0  # the capacitor variable q1
        for k in (2, 3):
            pl = variants[k][0][-1]
            c_var[k] = q_state * impulse_column(pl.A, b_q, model.chop_phase)
    return np.ascontiguousarray(c_var)


class _Maps(NamedTuple):
    """The period maps that :func:`_reduce` projects onto the slow states."""

    Phi: np.ndarray
    Cq: np.ndarray
    e_row: np.ndarray
    pr_x: np.ndarray
    Gam: np.ndarray
    g_s: np.ndarray
    g_c: np.ndarray
    Qchol: np.ndarray
    G_h: np.ndarray
    g_on: np.ndarray
    g_off: np.ndarray
    ideal_idx: np.ndarray


def _reduce(m: _Maps, dz: Any) -> _Maps:
    """Remove the opamps' settled fast modes from an unchopped period map
    (:func:`~ctdsm.sim.discretize.reduce_fast_modes`); ``m`` unchanged when none settle."""
    extra = m.e_row[:1] if m.pr_x.shape[0] == 0 else np.vstack([m.e_row[:1], m.pr_x[:1]])
    red = reduce_fast_modes(dz.Phi, dz.C, m.ideal_idx, extra=extra)
    if red is None:
        return m
    Mr = red.M
    pr_x = np.ascontiguousarray(red.extra[1][None]) if m.pr_x.shape[0] else m.pr_x
    return _Maps(
        Phi=np.ascontiguousarray(red.Phi[None]),
        Cq=np.ascontiguousarray(np.stack([red.C, red.C])),
        e_row=np.ascontiguousarray(np.stack([red.extra[0], red.extra[0]])),
        pr_x=pr_x,
        Gam=np.ascontiguousarray(np.einsum("ij,vjpl->vipl", Mr, m.Gam)),
        g_s=np.ascontiguousarray(m.g_s @ Mr.T),
        g_c=np.ascontiguousarray(m.g_c @ Mr.T),
        Qchol=Mr @ m.Qchol,
        G_h=np.ascontiguousarray(np.einsum("ij,vjm->vim", Mr, m.G_h)),
        g_on=np.ascontiguousarray(m.g_on @ Mr.T),
        g_off=np.ascontiguousarray(m.g_off @ Mr.T),
        ideal_idx=np.arange(len(m.ideal_idx), dtype=np.int64),
    )
