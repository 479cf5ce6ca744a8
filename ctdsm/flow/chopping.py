"""Chopping studies: in-band noise versus chopping frequency, simulated, and predicted from
the virtual-ground voltage (the chopper itself is :mod:`ctdsm.models.chopper`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ctdsm.analysis import analyze, band_edges_hz
from ctdsm.design.spec import spec_from_dict
from ctdsm.flow.synthesize import synthesize
from ctdsm.models.chopper import half_period_cycles
from ctdsm.models.impairments import Impairments, resolve_impairments
from ctdsm.sim.engine import build_plant, simulate

__all__ = ["predict_chopping_noise", "chopping_sweep"]


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
    lo, hi = band_edges_hz(design.bw_hz, design.f0_hz)
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
    if impairments is None:
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
        quiet = replace(impairments, flicker_corner_hz=None, opamp_offset_v=None)

    def variant(**chopper: Any) -> Any:
        data = design.spec.to_dict()
        data["chopper"] = dict(data["chopper"], **chopper)
        return synthesize(spec_from_dict(data))

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
