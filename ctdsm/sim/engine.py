"""The sampled-data engine: ``simulate(design, ...) -> Result``.

Builds the plant of a design (ideal loop filter, or active-RC integrators with finite
opamps, RC spread and extra loop delay), discretizes it exactly over the clock period
(:mod:`ctdsm.sim.discretize`), draws every random sequence from one seeded generator, and
runs the numba kernel (:mod:`ctdsm.sim.kernels`) in blocks, with an optional progress bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ctdsm.errors import CtdsmError
from ctdsm.impairments import Impairments, resolve_impairments
from ctdsm.progress import ProgressBar
from ctdsm.sim import kernels
from ctdsm.sim.discretize import (
    discretize_segments,
    noise_shadow,
    probe_map,
    reduce_fast_modes,
)
from ctdsm.sim.plant import Plant, Port, node_conductance, physical_plant, plant_from_abcdc

if TYPE_CHECKING:
    from ctdsm.analysis import Metrics
    from ctdsm.design import Design

__all__ = ["Result", "simulate", "simulate_many", "sweep_amplitude", "build_plant"]

BLOCK = 1 << 16


@dataclass
class Result:
    """Output of a behavioral simulation.

    Attributes
    ----------
    v : ndarray (n_samples,)
        Quantizer output codes, toolbox units (full scale ``levels - 1``).
    fs_hz, bw_hz, f0_hz, fin_hz : float
    amplitude_dbfs : float
        Input amplitude relative to the DAC full scale.
    levels, n_samples, seed : int
    stable : bool
        False when the loop blew up (the rest of ``v`` is then zero).
    full_scale_v : float
        Differential peak volts of full scale (for input-referred noise).
    impairments : Impairments
    xmax : ndarray
        Peak of each loop-filter state (opamp outputs), in units of the scaled states.
    n_run : int
        Samples simulated before a blow-up (``n_samples`` when stable).
    name : str
    """

    v: np.ndarray
    fs_hz: float
    bw_hz: float
    f0_hz: float
    fin_hz: float
    amplitude_dbfs: float
    levels: int
    n_samples: int
    seed: int
    stable: bool
    full_scale_v: float
    impairments: Impairments
    xmax: np.ndarray
    n_run: int
    name: str = "design"
    info: dict[str, Any] = field(default_factory=dict)

    def metrics(self) -> Metrics:
        """Spectral metrics (:func:`ctdsm.analysis.analyze`)."""
        from ctdsm.analysis import analyze

        return analyze(self)


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


def build_plant(design: Design, imp: Impairments) -> tuple[Plant, dict[str, Any]]:
    """The CT plant of ``design`` with the structural impairments of ``imp``.

    Returns the plant and a dict of what was built (for the record and the kernel).
    """
    ideal = _first_dac_split(plant_from_abcdc(design.abcdc, design.tdac))
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
    n = design.order
    fs = design.fs_hz
    info: dict[str, Any] = {}
    # The real volt scales set how much current a virtual-ground error draws through each
    # resistor, so the opamp model needs them whether or not noise is on.
    from ctdsm.sizing import volt_scales

    k_u, k_x = volt_scales(design)
    en = None
    if imp.thermal_noise:
        sz = design.sizing
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
    design: Design, imp: Impairments, units: int, rng: np.random.Generator, edges: bool
) -> dict[str, Any]:
    """Kernel parameters of the first DAC's physics (``ctdsm.dac``), or a generic ideal DAC."""
    from ctdsm.dac import dac_physics, draw_mismatch, kernel_terms

    zeros = np.zeros((units, 2))
    out: dict[str, Any] = {
        "type": 0, "rise": zeros, "fall": zeros, "packet": 0.0, "decay": 0.0,
        "window": 0.0, "k_e": 0.0, "c_vg": 0.0, "c_fl": 0.0, "rto_lin": 0.0, "physics": None,
    }  # fmt: skip
    if not imp.dac_physics or not edges:
        return out
    sz = design.sizing
    v_ref = design.spec.target.full_scale_v
    phys = dac_physics(design.spec.dac.type, sz.dac_unit_r_ohm, v_ref, design.spec.process.vdd_v)
    mm = draw_mismatch(phys, units, design.fs_hz, rng)
    out.update(kernel_terms(phys, mm, design.fs_hz, units), physics=phys)
    return out


def _flicker_columns(plant: Plant, design: Design, finite: bool) -> np.ndarray:
    """Injection column of the first opamp's input-referred voltage (per volt)."""
    sz = design.sizing
    col = np.zeros(plant.n)
    if finite:
        w1 = int(plant.ideal_states[0]) - 1  # first-stage output of the two-stage opamp
        col[w1] = plant.A[w1, w1 - 1] / sz.k_x_v[0]  # om1 A1 / k_x
    else:
        G = node_conductance(plant, sz.k_x_v, sz.k_u_v)
        col[0] = G[0] / sz.k_x_v[0]
    return col


def simulate(
    design: Design,
    n_samples: int | None = None,
    amplitude_dbfs: float | None = None,
    impairments: str | dict[str, Any] | Impairments | None = None,
    seed: int | None = None,
    *,
    fin_hz: float | None = None,
    u: np.ndarray | None = None,
    progress: bool = False,
    record_vg: bool = False,
) -> Result:
    """Simulate a design with the sampled-data engine.

    Parameters
    ----------
    design : Design
    n_samples : int, optional
        Clock cycles (default ``spec.simulation.n_samples``).
    amplitude_dbfs : float, optional
        Sine amplitude relative to the DAC full scale (default from the spec).
    impairments : "ideal", "default", dict or Impairments, optional
        Default: the spec's ``impairments`` section.
    seed : int, optional
        Seed of every random quantity (default ``spec.simulation.seed``).
    fin_hz : float, optional
        Test-tone frequency; default a coherent bin chosen by
        :func:`ctdsm.analysis.default_test_frequency` (or ``spec.simulation.fin_hz``).
    u : ndarray, optional
        An arbitrary input sequence (toolbox units, held over each period) added to the sine.
    progress : bool
        Show a progress bar.
    record_vg : bool
        Keep the first integrator's differential virtual-ground voltage at every sampling
        instant (volts) in ``result.info["vg_v"]`` (zero with an ideal opamp).

    Returns
    -------
    Result
    """
    sim = design.spec.simulation
    n_samples = int(sim.n_samples if n_samples is None else n_samples)
    if n_samples < 16:
        raise CtdsmError(f"n_samples: {n_samples} is too short")
    amplitude_dbfs = float(sim.amplitude_dbfs if amplitude_dbfs is None else amplitude_dbfs)
    seed = int(sim.seed if seed is None else seed)
    imp = resolve_impairments(
        design.spec.impairments.to_engine() if impairments is None else impairments
    )
    fs, bw, f0 = design.fs_hz, design.bw_hz, design.f0_hz
    if fin_hz is None:
        fin_hz = design.test_frequency(n_samples)
    rng = np.random.default_rng(seed)
    levels = design.levels
    amp = (levels - 1) * 10 ** (amplitude_dbfs / 20)

    plant, info = build_plant(design, imp)
    finite = info["finite_opamp"]
    w = 2 * math.pi * fin_hz / fs
    n = plant.n
    P = len(plant.ports)
    phase = 0.0
    sw, cw = math.sin(w), math.cos(w)
    chop = design.spec.chopper
    f_chop = None
    if chop.enabled:
        from ctdsm.chopper import half_period_cycles, spec_chop_frequency_hz

        f_chop = spec_chop_frequency_hz(chop.f_chop_hz, fs, bw, f0)
        try:
            half_period_cycles(fs, f_chop)
        except ValueError as exc:
            raise CtdsmError(str(exc)) from None
    # With a finite-bandwidth first opamp the choppers switch the plant itself (the opamp
    # sits between them); with an ideal one they only move its offset and 1/f noise.
    switched = f_chop is not None and finite

    # Held inputs: the arbitrary input u and the first opamp's offset and 1/f noise.
    held_b: list[np.ndarray] = []
    held_d: list[float] = []
    held_seq: list[np.ndarray] = []
    if u is not None:
        u = np.asarray(u, dtype=float).ravel()
        if u.shape[0] != n_samples:
            raise CtdsmError("u: must have n_samples values")
        held_b.append(np.asarray(plant.b_u, dtype=float))
        held_d.append(float(plant.d_u))
        held_seq.append(u)
    offset = rng.normal(0.0, imp.opamp_offset_v) if imp.opamp_offset_v else 0.0
    if imp.flicker_corner_hz or offset:
        seq = np.zeros(n_samples) if not imp.flicker_corner_hz else None
        if imp.flicker_corner_hz:
            from ctdsm.noise import flicker_f_max_hz, flicker_noise

            sz = design.sizing
            f_max = flicker_f_max_hz(f0, bw, f_chop)
            seq = flicker_noise(
                n_samples, fs, sz.opamp_en_v_rthz[0] ** 2, imp.flicker_corner_hz, rng, f_max
            )
        seq += offset
        if f_chop is not None and not switched:
            from ctdsm.chopper import chop_wave

            seq *= chop_wave(n_samples, fs, f_chop, chop.phase)
        held_b.append(_flicker_columns(plant, design, finite))
        held_d.append(0.0)
        held_seq.append(seq)
    m_h = len(held_b)
    d_h = np.array(held_d, dtype=float)
    U_h = np.column_stack(held_seq) if m_h else np.zeros((0, 0))
    H = np.column_stack(held_b) if m_h else np.zeros((n, 0))

    # First DAC timing: impulse columns at its edges (charge errors).
    p0 = plant.ports[0]
    nrz = abs((p0.t1 - p0.t0) - 1.0) < 1e-9
    edges = p0.t0 < 1.0
    off_next = p0.t1 > 1.0
    impulses = [(p0.b, p0.t0), (p0.b, p0.t1 - 1.0 if off_next else p0.t1)] if edges else None

    # One exact map per variant of the period (one without chopping).
    if switched:
        from ctdsm.chopper import chop_schedule
        from ctdsm.sim.plant import chopped_plant

        pp, pm = plant, chopped_plant(plant, -1.0)
        variants = [([pp], [0.0, 1.0]), ([pm], [0.0, 1.0])]
        # A period with an edge at `phase`: the input chopper flips first, the output one
        # `skew` later (for that long the opamp amplifies -e).
        ph = float(chop.phase)
        skew = min((imp.chopper_skew_s or 0.0) * fs, 0.5 * (1.0 - ph))
        for c0 in (1.0, -1.0):
            segs = [(chopped_plant(plant, c0), 0.0, ph),
                    (chopped_plant(plant, -c0, c0), ph, ph + skew),
                    (chopped_plant(plant, -c0), ph + skew, 1.0)]  # fmt: skip
            segs = [sg for sg in segs if sg[2] > sg[1]]
            variants.append(([sg[0] for sg in segs], [segs[0][1]] + [sg[2] for sg in segs]))
        var, cy = chop_schedule(n_samples, fs, f_chop, ph)
        c_rows = [pp.C, pm.C]
        e_rows = [info["e_row"], info["e_row"]]  # o1 is not chopped: e = q1 - o1 either way
    else:
        variants = [([plant], [0.0, 1.0])]
        var = cy = np.zeros(0, dtype=np.int8)
        c_rows = [plant.C, plant.C]
        e_rows = [info["e_row"], info["e_row"]]
    dzs = [discretize_segments(pl, ed, w, H, impulses) for pl, ed in variants]
    dz = dzs[0]
    # The first DAC's physics needs the virtual ground half a period in (RTO reconnections,
    # and the edges of a DAC whose pulse starts there): e(n + 1/2^-) from the period's start.
    t_on = p0.t0 % 1.0
    t_on_mode = 0 if abs(t_on) < 1e-9 else 1 if abs(t_on - 0.5) < 1e-9 else 2
    probe = (
        imp.dac_physics
        and edges
        and design.spec.dac.type != "r_dac"
        and (t_on_mode == 1 or (t_on_mode == 0 and design.spec.dac.type != "vgs_r"))
    )
    if probe:
        prs = [probe_map(pl, ed, 0.5, w, H) for pl, ed in variants]
        pr_x = np.stack([e_rows[0] @ pr.Phi for pr in prs])
        pr_G = np.stack([np.einsum("i,ipl->pl", e_rows[0], pr.Gamma) for pr in prs])
        pr_s = np.array([e_rows[0] @ pr.g_s for pr in prs])
        pr_c = np.array([e_rows[0] @ pr.g_c for pr in prs])
        pr_h = np.stack([e_rows[0] @ pr.held if m_h else np.zeros(0) for pr in prs])
    else:
        pr_x = np.zeros((0, n))
        pr_G = np.zeros((0, dz.Gamma.shape[1], dz.Gamma.shape[2]))
        pr_s = pr_c = np.zeros(0)
        pr_h = np.zeros((0, m_h))

    def stack(get) -> np.ndarray:
        return np.ascontiguousarray(np.stack([get(d) for d in dzs]))

    Phi, Gam = stack(lambda d: d.Phi), stack(lambda d: d.Gamma)
    g_s, g_c = stack(lambda d: d.g_s), stack(lambda d: d.g_c)
    G_h = stack(lambda d: d.held if m_h else np.zeros((n, 0)))
    g_on = stack(lambda d: d.impulses[:, 0] if edges else np.zeros(n))
    g_off = stack(lambda d: d.impulses[:, 1] if edges else np.zeros(n))
    Cq = np.ascontiguousarray(np.stack(c_rows))
    e_row = np.ascontiguousarray(np.stack(e_rows))
    Qchol = dz.Qchol
    # Chopper charge injection: a charge into the first virtual ground at every edge, the
    # same sign each time (a mismatch of the two sides), in the first integrator's units.
    c_var = np.zeros((len(dzs), n))
    if switched and imp.chopper_charge_c:
        from ctdsm.sim.discretize import impulse_column

        sz = design.sizing
        q_state = imp.chopper_charge_c / (sz.c_f[0] * sz.k_x_v[0])
        b_q = np.zeros(n)
        b_q[int(plant.ideal_states[0]) - 2] = 1.0  # the capacitor variable q1
        for k in (2, 3):
            pl = variants[k][0][-1]
            c_var[k] = q_state * impulse_column(pl.A, b_q, float(chop.phase))
    c_var = np.ascontiguousarray(c_var)

    # Thermal noise: through the linear shadow loop as one scalar sequence at the quantizer
    # input (exact unchopped; with chopping the shadow is the c = +1 loop, an approximation
    # that ignores the chop transients' effect on how white noise couples), or state by state
    # when that loop is not stable.
    has_noise = bool(np.any(Qchol))
    shadow = noise_shadow(dz) if has_noise else None
    if shadow is not None:
        from scipy.signal import sosfilt, sosfilt_zi

        sos, sigma_e = shadow
        zi = sosfilt_zi(sos) * 0.0
        has_noise = False

    # Quantizer and first-DAC static errors; then DEM and the DAC's edge errors.
    off, hyst, unit_w = static_errors(imp, levels, rng)
    cmp_sigma = 2 * (imp.comparator_noise_lsb or 0.0)
    M = unit_w.shape[0]
    dem = kernels.DEM_DWA if design.spec.dac.dem == "dwa" and M > 1 else kernels.DEM_NONE
    asym = (imp.dac_edge_asymmetry_s or 0.0) * fs if edges else 0.0
    dac = _dac_kernel_params(design, imp, M, rng, edges)
    jit_sigma = (imp.jitter_rms_s or 0.0) * fs if edges else 0.0

    # Without chopping, the opamps' settled fast modes are removed from the kernel's model.
    ideal_idx = np.asarray(plant.ideal_states, dtype=np.int64)
    extra = e_row[:1] if pr_x.shape[0] == 0 else np.vstack([e_row[:1], pr_x[:1]])
    red = (
        reduce_fast_modes(dz.Phi, dz.C, ideal_idx, extra=extra) if finite and not switched else None
    )
    if red is not None:
        Mr = red.M
        Phi = np.ascontiguousarray(red.Phi[None])
        Cq = np.ascontiguousarray(np.stack([red.C, red.C]))
        e_row = np.ascontiguousarray(np.stack([red.extra[0], red.extra[0]]))
        if pr_x.shape[0]:
            pr_x = np.ascontiguousarray(red.extra[1][None])
        Gam = np.ascontiguousarray(np.einsum("ij,vjpl->vipl", Mr, Gam))
        g_s, g_c = np.ascontiguousarray(g_s @ Mr.T), np.ascontiguousarray(g_c @ Mr.T)
        Qchol = Mr @ Qchol
        G_h = np.ascontiguousarray(np.einsum("ij,vjm->vim", Mr, G_h))
        g_on, g_off = np.ascontiguousarray(g_on @ Mr.T), np.ascontiguousarray(g_off @ Mr.T)
        ideal_idx = np.arange(len(ideal_idx), dtype=np.int64)
        n = Phi.shape[1]
    # The DAC's error terms use the virtual-ground voltage in the DAC's own frame: the first
    # DAC drives the integrator with the sign of its column (negative feedback).
    e_sign = 1.0 if plant.ports[0].b[0] >= 0 else -1.0
    e_row = np.ascontiguousarray(e_sign * e_row)
    pr_x = np.ascontiguousarray(e_sign * pr_x)
    pr_G, pr_s, pr_c, pr_h = (np.ascontiguousarray(e_sign * a) for a in (pr_G, pr_s, pr_c, pr_h))
    sat_idx = ideal_idx
    sat_lim = (
        imp.saturation_ratio * design.spec.architecture.xlim if imp.saturation_ratio else np.inf
    )
    blowup = 1e3 * max(levels, 2)

    st = kernels.new_state(n, P, dz.lags, levels)
    v = np.zeros(n_samples)
    vg = np.zeros(n_samples if record_vg else 0)
    xmax = np.zeros(n)
    ymax = np.zeros(1)
    empty1 = np.zeros(0)
    n_done = 0
    bar = _progress(progress, n_samples, design.name)
    try:
        for start in range(0, n_samples, BLOCK):
            stop = min(start + BLOCK, n_samples)
            nb = stop - start
            eta = (
                rng.standard_normal((nb, Qchol.shape[1])) @ Qchol.T
                if has_noise
                else np.zeros((0, n))
            )
            if shadow is not None:
                y_ext, zi = sosfilt(sos, sigma_e * rng.standard_normal(nb), zi=zi)
            else:
                y_ext = empty1
            cn = rng.normal(0.0, cmp_sigma, nb) if cmp_sigma else empty1
            jon = rng.normal(0.0, jit_sigma, nb) if jit_sigma else empty1
            joff = rng.normal(0.0, jit_sigma, nb) if (jit_sigma and not nrz) else empty1
            uh = np.ascontiguousarray(U_h[start:stop]) if m_h else np.zeros((0, 0))
            done = kernels.ct_kernel(
                Phi, Gam, dz.Dlag, Cq, dz.d_u, amp, g_s, g_c,
                math.sin(w * start + phase), math.cos(w * start + phase), sw, cw, G_h, d_h, uh,
                np.ascontiguousarray(eta), y_ext, levels, off, hyst, cn, unit_w, dem,
                g_on, g_off, off_next, nrz, -asym, -asym, dac["type"], dac["rise"],
                dac["fall"], dac["packet"], dac["decay"], dac["window"], dac["k_e"], dac["c_vg"],
                dac["c_fl"], dac["rto_lin"], e_row, t_on_mode, pr_x, pr_G, pr_s, pr_c, pr_h,
                var, cy, c_var, jon, joff,
                sat_idx, sat_lim, blowup,
                st["x"], st["hist"], st["ptr"], st["s_prev"], st["cmp_prev"], st["q_def"],
                st["d0_prev"], st["dac_st"], vg[start:stop] if record_vg else empty1,
                v[start:stop], xmax, ymax,
            )  # fmt: skip
            n_done = start + done
            if bar is not None:
                bar.advance(nb)
            if done < nb:
                break
    finally:
        if bar is not None:
            bar.stop()
    # A loop that drove an integrator into its output limit has overloaded: beyond the
    # stable input range even if clipping kept the states bounded.
    clipped = bool(np.isfinite(sat_lim) and np.any(xmax[sat_idx] >= sat_lim * (1 - 1e-12)))
    stable = n_done == n_samples and not clipped
    return Result(
        v=v,
        fs_hz=fs,
        bw_hz=bw,
        f0_hz=f0,
        fin_hz=float(fin_hz),
        amplitude_dbfs=amplitude_dbfs,
        levels=levels,
        n_samples=n_samples,
        seed=seed,
        stable=stable,
        full_scale_v=design.spec.target.full_scale_v,
        impairments=imp,
        xmax=xmax[ideal_idx],
        n_run=n_done,
        name=design.name,
        info={
            "states": plant.n,
            "kernel_states": n,
            "finite_opamp": finite,
            "ymax": float(ymax[0]),
            "noise": "shadow" if shadow is not None else ("states" if has_noise else "off"),
            "vg_v": e_sign * vg if record_vg else None,  # the plant's frame
            "f_chop_hz": f_chop,
        },
    )


def simulate_many(
    design: Design,
    runs: list[dict[str, Any]],
    *,
    workers: int | None = None,
) -> list[Result]:
    """Run several simulations of one design in parallel threads (batch mode).

    Parameters
    ----------
    design : Design
    runs : list of dict
        Keyword arguments of :func:`simulate` for each run, e.g.
        ``[{"amplitude_dbfs": a, "seed": 1} for a in range(-60, 1, 3)]``.
    workers : int, optional
        Threads (default: the number of CPUs). The kernel releases the GIL, so runs of
        one design proceed in parallel on every core.

    Returns
    -------
    list of Result, in the order of ``runs``.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    if not runs:
        return []
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(runs) == 1:
        return [simulate(design, **kw) for kw in runs]
    _ = design.sizing  # compute the cached sizing once, before the threads share it
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda kw: simulate(design, **kw), runs))


def sweep_amplitude(
    design: Design,
    amplitudes_dbfs: Any = None,
    impairments: str | dict[str, Any] | Impairments | None = None,
    n_samples: int | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """SNDR versus input amplitude: dynamic range, peak SNDR, maximum stable amplitude.

    Parameters
    ----------
    design : Design
    amplitudes_dbfs : array_like, optional
        Default ``-120 .. 0`` dBFS in 5 dB steps, then 1 dB steps from -10 dBFS.
    impairments, n_samples, seed
        As for :func:`simulate` (the same seed for every amplitude).

    Returns
    -------
    dict
        ``amplitudes_dbfs``, ``sndr_db`` (None where unstable), ``stable`` and the keys of
        :func:`ctdsm.analysis.dynamic_range` (``peak_sndr_db``, ``dr_db``, ...).
    """
    from ctdsm.analysis import analyze, dynamic_range

    if amplitudes_dbfs is None:
        amplitudes_dbfs = np.concatenate(
            [np.arange(-120.0, -10.0, 5.0), np.arange(-10.0, 0.5, 1.0)]
        )
    amps = [float(a) for a in np.asarray(amplitudes_dbfs, dtype=float)]
    runs = [
        {"n_samples": n_samples, "amplitude_dbfs": a, "impairments": impairments, "seed": seed}
        for a in amps
    ]
    sndr: list[float | None] = []
    stable: list[bool] = []
    for r in simulate_many(design, runs):
        m = analyze(r)
        ok = bool(r.stable and m.stable)
        stable.append(ok)
        sndr.append(m.sndr_db if ok else None)
    dr = dynamic_range(amps, [np.nan if x is None else x for x in sndr], stable=np.asarray(stable))
    return {"amplitudes_dbfs": amps, "sndr_db": sndr, "stable": stable} | dr


def _progress(enabled: bool, total: int, name: str) -> ProgressBar | None:
    if not (enabled and total > 4 * BLOCK):
        return None
    return ProgressBar(f"simulating {name}", total, unit="cycles")
