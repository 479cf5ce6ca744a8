"""The sampled-data engine: ``simulate(design, ...) -> Result``.

Builds the plant of a design (ideal loop filter, or active-RC integrators with finite
opamps, RC spread and extra loop delay), discretizes it exactly over the clock period
(:mod:`ctdsm.sim.discretize`), draws every random sequence from one seeded generator, and
runs the numba kernel (:mod:`ctdsm.sim.kernels`) in blocks, with an optional progress bar.
What a run assembles before the kernel is :mod:`ctdsm.sim.setup`; what it returns,
:mod:`ctdsm.sim.result`.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.signal import sosfilt, sosfilt_zi

from ctdsm.analysis import analyze, dynamic_range
from ctdsm.errors import CtdsmError
from ctdsm.models.impairments import Impairments, resolve_impairments
from ctdsm.progress import ProgressBar
from ctdsm.sim import kernels
from ctdsm.sim.model import LoopModel, as_loop_model
from ctdsm.sim.result import Result, Stimulus
from ctdsm.sim.setup import RunSetup, build_plant, setup_run, static_errors
from ctdsm.validate import (
    BYTES_PER_SAMPLE,
    check_amplitude_dbfs,
    check_memory,
    check_n_samples,
    check_seed,
)

if TYPE_CHECKING:
    from ctdsm.design.record import Design

__all__ = [
    "Result",
    "Stimulus",
    "simulate",
    "run_engine",
    "simulate_many",
    "sweep_amplitude",
    "build_plant",
    "static_errors",
]

BLOCK = 1 << 16


def simulate(
    design: Design | LoopModel,
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
    design : Design or LoopModel
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

    Raises
    ------
    ArgumentError
        For ``n_samples`` (an integer >= 16), ``amplitude_dbfs`` (finite, <= +6 dBFS) or
        ``seed`` (an integer in [0, 2**63 - 1]) out of range or of the wrong type.
    """
    model = as_loop_model(design)
    n_samples = check_n_samples(model.n_samples if n_samples is None else n_samples)
    check_memory("n_samples", n_samples, BYTES_PER_SAMPLE)
    amplitude_dbfs = check_amplitude_dbfs(
        model.amplitude_dbfs if amplitude_dbfs is None else amplitude_dbfs
    )
    seed = check_seed(model.seed if seed is None else seed)
    imp = model.impairments if impairments is None else resolve_impairments(impairments)
    if fin_hz is None:
        fin_hz = model.test_frequency(n_samples)
    if u is not None:
        u = np.asarray(u, dtype=float).ravel()
        if u.shape[0] != n_samples:
            raise CtdsmError("u: must have n_samples values")
    stim = Stimulus(n_samples, amplitude_dbfs, float(fin_hz), u)
    return run_engine(model, stim, imp, seed, progress=progress, record_vg=record_vg)


def run_engine(
    model: LoopModel,
    stim: Stimulus,
    imp: Impairments,
    seed: int,
    *,
    progress: bool = False,
    record_vg: bool = False,
) -> Result:
    """Run the sampled-data engine: the kernel over blocks of periods.

    Parameters
    ----------
    model : LoopModel
    stim : Stimulus
    imp : Impairments
    seed : int
        Seed of every random quantity (drawn in a fixed order from one generator).
    progress, record_vg
        As for :func:`simulate`.

    Returns
    -------
    Result
    """
    rng = np.random.default_rng(seed)
    su = setup_run(model, stim, imp, rng)
    n_samples = stim.n_samples
    n = su.maps.Phi.shape[1]
    levels = model.levels
    amp = (levels - 1) * 10 ** (stim.amplitude_dbfs / 20)
    w = 2 * math.pi * stim.fin_hz / model.fs_hz
    sw, cw = math.sin(w), math.cos(w)
    st = kernels.new_state(n, len(su.plant.ports), su.lags, levels)
    state = kernels.KernelState(
        st["x"], st["hist"], st["ptr"], st["s_prev"], st["cmp_prev"], st["q_def"],
        st["d0_prev"], st["dac_st"],
    )  # fmt: skip
    v = np.zeros(n_samples)
    vg = np.zeros(n_samples if record_vg else 0)
    xmax = np.zeros(n)
    ymax = np.zeros(1)
    empty1 = np.zeros(0)
    m_h = su.U_h.shape[1] if su.U_h.size else 0
    zi = None
    if su.shadow is not None:
        sos, sigma_e = su.shadow
        zi = sosfilt_zi(sos) * 0.0
    n_done = 0
    bar = _progress(progress, n_samples, model.name)
    try:
        for start in range(0, n_samples, BLOCK):
            stop = min(start + BLOCK, n_samples)
            nb = stop - start
            eta = (
                rng.standard_normal((nb, su.Qchol.shape[1])) @ su.Qchol.T
                if su.has_noise
                else np.zeros((0, n))
            )
            if su.shadow is not None:
                y_ext, zi = sosfilt(sos, sigma_e * rng.standard_normal(nb), zi=zi)
            else:
                y_ext = empty1
            cn = rng.normal(0.0, su.cmp_sigma, nb) if su.cmp_sigma else empty1
            jon = rng.normal(0.0, su.jit_sigma, nb) if su.jit_sigma else empty1
            joff = rng.normal(0.0, su.jit_sigma, nb) if (su.jit_sigma and not su.nrz) else empty1
            uh = np.ascontiguousarray(su.U_h[start:stop]) if m_h else np.zeros((0, 0))
            # The chop schedule of this block (and the sign at the next block's first sample).
            maps = su.maps
            if maps.var.shape[0]:
                maps = maps._replace(var=maps.var[start:stop], cy=maps.cy[start : stop + 1])
            drive = kernels.BlockInputs(
                amp, math.sin(w * start), math.cos(w * start), sw, cw, uh,
                np.ascontiguousarray(eta), y_ext, cn, jon, joff,
            )  # fmt: skip
            out = kernels.KernelOutputs(vg[start:stop] if record_vg else empty1, v[start:stop],
                                        xmax, ymax)  # fmt: skip
            done = kernels.ct_kernel(maps, su.probe, su.quant, su.dac, drive, state, out)
            n_done = start + done
            if bar is not None:
                bar.advance(nb)
            if done < nb:
                break
    finally:
        if bar is not None:
            bar.stop()
    return _result(model, stim, imp, seed, su, v, vg if record_vg else None, xmax, ymax, n_done)


def _result(
    model: LoopModel, stim: Stimulus, imp: Impairments, seed: int, su: RunSetup,
    v: np.ndarray, vg: np.ndarray | None, xmax: np.ndarray, ymax: np.ndarray, n_done: int,
) -> Result:  # fmt: skip
    # A loop that drove an integrator into its output limit has overloaded: beyond the
    # stable input range even if clipping kept the states bounded.
    sat_lim = su.quant.sat_lim
    clipped = bool(np.isfinite(sat_lim) and np.any(xmax[su.ideal_idx] >= sat_lim * (1 - 1e-12)))
    stable = n_done == stim.n_samples and not clipped
    return Result(
        v=v,
        fs_hz=model.fs_hz,
        bw_hz=model.bw_hz,
        f0_hz=model.f0_hz,
        fin_hz=float(stim.fin_hz),
        amplitude_dbfs=stim.amplitude_dbfs,
        levels=model.levels,
        n_samples=stim.n_samples,
        seed=seed,
        stable=stable,
        full_scale_v=model.full_scale_v,
        impairments=imp,
        xmax=xmax[su.ideal_idx],
        n_run=n_done,
        name=model.name,
        info={
            "states": su.plant.n,
            "kernel_states": su.maps.Phi.shape[1],
            "finite_opamp": su.info["finite_opamp"],
            "ymax": float(ymax[0]),
            "noise": "shadow" if su.shadow is not None else ("states" if su.has_noise else "off"),
            "vg_v": su.e_sign * vg if vg is not None else None,  # the plant's frame
            "f_chop_hz": model.f_chop_hz,
        },
    )


def simulate_many(
    design: Design | LoopModel,
    runs: list[dict[str, Any]],
    *,
    workers: int | None = None,
) -> list[Result]:
    """Run several simulations of one design in parallel threads (batch mode).

    Parameters
    ----------
    design : Design or LoopModel
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
    if not runs:
        return []
    model = as_loop_model(design)
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(runs) == 1:
        return [simulate(model, **kw) for kw in runs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda kw: simulate(model, **kw), runs))


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
