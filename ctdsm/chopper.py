"""Chopping of the first integrator's opamp.

An input chopper before the opamp's input stage and an output chopper after it multiply by
the same square wave ``c(t) = +-1`` at ``f_chop``: the signal passes twice (``c^2 = 1``),
while the opamp's own offset and 1/f noise, added between the two choppers, pass once and
move to ``f_chop`` and its odd harmonics, out of band.

With a finite-bandwidth first opamp the engine simulates the choppers as a *switched plant*
(:func:`ctdsm.sim.plant.chopped_plant`, four period variants): the input stage's bandwidth
makes every chop edge lose a charge proportional to the virtual-ground voltage (the folding
of its out-of-band content, predicted by :func:`predict_chopping_noise`), the output chopper
may lag the input one (``chopper_skew_s``), and the switches inject a charge at every edge
(``chopper_charge_c``, a residual offset ``2 f_chop q``). With an ideal opamp only the
offset and 1/f noise are modulated (:func:`chop_wave`).

References
----------
C. C. Enz and G. C. Temes, "Circuit techniques for reducing the effects of op-amp
imperfections: autozeroing, correlated double sampling, and chopper stabilization,"
Proc. IEEE, 84(11), 1996.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "chop_frequency",
    "spec_chop_frequency_hz",
    "chop_wave",
    "chop_schedule",
    "half_period_cycles",
    "predict_chopping_noise",
    "chopping_sweep",
]


def chop_frequency(fs_hz: float, bw_hz: float, f0_hz: float = 0.0) -> float:
    """Default chopping frequency: the lowest ``fs / 2^k`` (``k >= 2``) at or above
    ``2.5 (f0 + bw)``, so that the chopped 1/f noise and offset land well out of band while
    the chopper switches as slowly as possible (its charge injection scales with f_chop)."""
    target = 2.5 * (f0_hz + bw_hz)
    k = 2
    while fs_hz / 2 ** (k + 1) >= target:
        k += 1
    return fs_hz / 2**k


def spec_chop_frequency_hz(
    f_chop_hz: float | str, fs_hz: float, bw_hz: float, f0_hz: float
) -> float:
    """``chopper.f_chop_hz`` resolved, Hz: ``"auto"`` is :func:`chop_frequency`."""
    if f_chop_hz == "auto":
        return float(chop_frequency(fs_hz, bw_hz, f0_hz))
    return float(f_chop_hz)


def chop_wave(n_samples: int, fs_hz: float, f_chop_hz: float, phase: float = 0.0) -> np.ndarray:
    """Chop wave averaged over each clock period.

    Parameters
    ----------
    n_samples : int
    fs_hz, f_chop_hz : float
    phase : float
        Position of the chop edges relative to the sampling clock, clock periods (0..1).

    Returns
    -------
    ndarray (n_samples,)
        ``c[n]`` = mean of ``c(t)`` over ``[n, n + 1)``; ``+-1`` in periods without an edge.
    """
    half = fs_hz / (2.0 * f_chop_hz)  # clock periods per chop half-period
    t0 = np.arange(n_samples, dtype=float) - phase

    # c(t) = +1 on [2k h, (2k+1) h), -1 on [(2k+1) h, (2k+2) h); integrate exactly.
    def integral(t: np.ndarray) -> np.ndarray:
        m = np.floor(t / half)
        r = t - m * half
        full = np.where(m % 2 == 0, 0.0, half)  # integral over complete half-periods pairs
        return full + np.where(m % 2 == 0, r, -r)

    return integral(t0 + 1.0) - integral(t0)


def half_period_cycles(fs_hz: float, f_chop_hz: float) -> int:
    """Clock periods per chopper half-period; the chopper runs off the sampling clock, so
    ``fs / (2 f_chop)`` must be a whole number."""
    h = fs_hz / (2.0 * f_chop_hz)
    if abs(h - round(h)) > 1e-9 or round(h) < 1:
        raise ValueError(
            f"chopper.f_chop_hz: fs / (2 f_chop) = {h:g} must be a whole number of clock periods"
        )
    return int(round(h))


def chop_schedule(
    n_samples: int, fs_hz: float, f_chop_hz: float, phase: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Which switched-plant variant each clock period uses, and the chopper sign at each
    sampling instant.

    Returns
    -------
    var : ndarray of int8 (n_samples,)
        0: ``c = +1`` all period; 1: ``c = -1``; 2: ``+1 -> -1`` at ``phase`` (the start of
        the period when ``phase = 0``); 3: ``-1 -> +1``.
    cy : ndarray of int8 (n_samples,)
        0 where ``c = +1`` just before the sampling instant ``n``, else 1.
    """
    h = half_period_cycles(fs_hz, f_chop_hz)

    def sign(t: np.ndarray) -> np.ndarray:
        return np.where(np.floor((t - phase) / h) % 2 == 0, 1, -1)

    n = np.arange(n_samples, dtype=float)
    eps = 1e-9
    c_before_edge, c_after_edge = sign(n + phase - eps), sign(n + phase + eps)
    var = np.where(sign(n + 0.5) > 0, 0, 1)
    flip = c_before_edge != c_after_edge
    if phase == 0.0:
        flip[0] = False  # an edge at t = 0 would only mark the start of the run
    var = np.where(flip & (c_before_edge > 0), 2, var)
    var = np.where(flip & (c_before_edge < 0), 3, var)
    return var.astype(np.int8), np.where(sign(n - eps) > 0, 0, 1).astype(np.int8)


def predict_chopping_noise(
    design: Any, vg_v: np.ndarray, f_chop_hz: float, imp: Any = None
) -> float:
    """In-band noise that chopping adds, predicted from the virtual-ground voltage.

    At a chop edge the input stage's state ``w1`` (which follows ``c e``) must reverse; seen
    from the unchopped loop this is a jump of ``-2 e / k_x`` in ``w1`` (``e`` the first
    integrator's differential virtual-ground voltage at the edge). The loop responds to each
    jump linearly, so the added output is the sum of those jumps filtered by the plant:
    referred to the input by the ratio of the CT transfer functions from ``w1`` and from ``u``
    to the quantizer input, ``R(f) = G_w1(j 2 pi f) / G_u(j 2 pi f)``.

    Parameters
    ----------
    design : Design
    vg_v : ndarray
        Virtual-ground voltage at every sampling instant of an *unchopped* run with the same
        opamp (``simulate(..., record_vg=True).info["vg_v"]``).
    f_chop_hz : float
        Chopping frequency (edges at the sampling instants, phase 0).
    imp : impairments of that run (for the opamp model); default the spec's.

    Returns
    -------
    float
        Predicted in-band noise power, toolbox units^2 (input-referred, like
        ``Metrics.noise_power``).
    """
    from ctdsm.impairments import resolve_impairments
    from ctdsm.sim.engine import build_plant

    imp = resolve_impairments(design.spec.impairments.to_engine() if imp is None else imp)
    plant, info = build_plant(design, imp)
    if not info["finite_opamp"]:
        return 0.0
    n = len(vg_v)
    h = half_period_cycles(design.fs_hz, f_chop_hz)
    k_x = float(info["k_x"][0])
    edges = np.zeros(n)
    edges[::h] = 1.0
    edges[0] = 0.0  # the run starts, it does not chop
    jumps = -2.0 * vg_v / k_x * edges
    w1 = int(plant.ideal_states[0]) - 1
    f = np.fft.rfftfreq(n, 1.0 / design.fs_hz)
    lo, hi = (
        (0.0, design.bw_hz)
        if design.f0_hz == 0
        else (design.f0_hz - design.bw_hz / 2, design.f0_hz + design.bw_hz / 2)
    )
    band = (f > lo) & (f <= hi)
    s = 2j * np.pi * f[band] / design.fs_hz  # time normalized to the clock period
    A = plant.A
    eye = np.eye(A.shape[0])
    cols = np.column_stack([plant.b_u, eye[:, w1]])
    ratio = np.empty(band.sum(), dtype=complex)
    for i, si in enumerate(s):
        g = plant.C @ np.linalg.solve(si * eye - A, cols)
        ratio[i] = g[1] / g[0]
    # The jump is an impulse of area 1 at the edge; the input u is a held value per period:
    # its transfer carries the hold, sinc(f/fs) ~ 1 in band.
    J = np.fft.rfft(jumps)
    return float(2.0 * np.sum(np.abs(J[band] * ratio) ** 2) / n**2)


def chopping_sweep(
    design: Any,
    f_chops_hz: list[float],
    n_samples: int = 1 << 15,
    amplitude_dbfs: float = -3.0,
    seed: int = 1,
    impairments: Any = None,
) -> dict[str, Any]:
    """In-band noise versus chopping frequency: simulated, and predicted from the unchopped
    virtual-ground voltage (:func:`predict_chopping_noise`).

    The default impairments isolate the effect: ideal except the first opamp (its default DC
    gain and bandwidth) and its default offset and 1/f noise, which chopping is there to
    remove.

    Returns
    -------
    dict
        ``f_chop_hz``, ``noise_chopped`` (simulated, toolbox units^2), ``noise_unchopped``,
        ``noise_unchopped_no_flicker``, ``noise_chopped_no_flicker`` (the chop transients
        alone), ``predicted_added`` and the ``snr_db`` lists.
    """
    from ctdsm.analysis import analyze
    from ctdsm.design import synthesize
    from ctdsm.spec import spec_from_dict

    if impairments is None:
        from ctdsm.impairments import Impairments

        dflt = Impairments()
        impairments = {
            "preset": "ideal",
            "opamp_dc_gain_db": dflt.opamp_dc_gain_db,
            "opamp_gbw_ratio": dflt.opamp_gbw_ratio,
            "flicker_corner_hz": dflt.flicker_corner_hz,
            "opamp_offset_v": dflt.opamp_offset_v,
        }
    if isinstance(impairments, str):
        impairments = {"preset": impairments}
    if isinstance(impairments, dict):
        quiet = dict(impairments, flicker_corner_hz=None, opamp_offset_v=None)
    else:  # an Impairments object
        from dataclasses import replace

        quiet = replace(impairments, flicker_corner_hz=None, opamp_offset_v=None)

    def variant(**chopper: Any) -> Any:
        data = design.spec.to_dict()
        data["chopper"] = dict(data["chopper"], **chopper)
        return synthesize(spec_from_dict(data))

    from ctdsm.sim.engine import simulate

    off = variant(enabled=False)
    r_off = simulate(off, n_samples, amplitude_dbfs, impairments, seed)
    r_quiet = simulate(off, n_samples, amplitude_dbfs, quiet, seed, record_vg=True)
    m_off, m_quiet = analyze(r_off), analyze(r_quiet)
    out: dict[str, Any] = {
        "f_chop_hz": [float(f) for f in f_chops_hz],
        "noise_unchopped": m_off.noise_power,
        "snr_unchopped_db": m_off.snr_db,
        "noise_unchopped_no_flicker": m_quiet.noise_power,
        "noise_chopped": [],
        "noise_chopped_no_flicker": [],
        "snr_chopped_db": [],
        "predicted_added": [],
    }
    for f_chop in f_chops_hz:
        on = variant(enabled=True, f_chop_hz=float(f_chop), phase=0.0)
        m = analyze(simulate(on, n_samples, amplitude_dbfs, impairments, seed))
        out["noise_chopped"].append(m.noise_power)
        out["snr_chopped_db"].append(m.snr_db)
        m_q = analyze(simulate(on, n_samples, amplitude_dbfs, quiet, seed))
        out["noise_chopped_no_flicker"].append(m_q.noise_power)
        out["predicted_added"].append(
            predict_chopping_noise(off, r_quiet.info["vg_v"], float(f_chop), quiet)
        )
    return out


_ = math
