"""Opamp and RC requirements of a design, found by simulating the SNDR loss."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ctdsm.analysis import analyze
from ctdsm.design.record import Design
from ctdsm.design.requirements import Requirements
from ctdsm.design.sizing import Sizing
from ctdsm.sim.engine import simulate_many
from ctdsm.sim.model import LoopModel

__all__ = ["derive_requirements", "thermal_floor", "GBW_GRID", "GAIN_GRID_DB", "RC_GRID"]

GBW_GRID = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 16.0)
GAIN_GRID_DB = (20.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 70.0, 80.0)
RC_GRID = (0.05, 0.1, 0.15, 0.2, 0.3)


def _noise_of(result: Any) -> float | None:
    """In-band noise + distortion power of a run, or None when it is unstable."""
    if not result.stable:
        return None
    m = analyze(result)
    return m.noise_power if (m.stable and m.noise_power) else None


def thermal_floor(sizing: Sizing) -> float:
    """The sizing's in-band thermal noise in output units squared (``total_noise_v2 / k_u^2``:
    input-referred, and the signal transfer is 1 in band)."""
    return float(sizing.total_noise_v2 / sizing.k_u_v**2)


def _loss_db(noise: list[float | None], ref: list[float | None]) -> float | None:
    """SNDR loss from in-band noise powers averaged over the test amplitudes (None when a
    run was unstable)."""
    num = [x for x in noise if x is not None]
    den = [x for x in ref if x is not None]
    if len(num) < len(noise) or len(den) < len(ref):
        return None
    return 10.0 * math.log10(sum(num) / sum(den))


def _smallest_passing(values: list[float], loss: list[float | None], limit: float) -> float | None:
    """Smallest grid value from which every larger value passes.

    The loss is taken relative to the sweep's own asymptote (the median of its three largest
    grid values), which is what "enough gain/bandwidth" means; it also cancels the scatter of
    the quantization noise between nearly identical loops.
    """
    pairs = sorted(zip(values, loss, strict=True), reverse=True)
    top = [x for _, x in pairs[:3] if x is not None]
    if len(top) < min(3, len(pairs)):
        return None
    # A sweep that has not converged by its largest grid values must not hide its loss.
    base = min(float(np.median(top)), 0.5 * limit)
    best = None
    for val, x in pairs:
        if x is None or x - base > limit:
            break
        best = val
    return best


#: Test amplitudes relative to the peak-SQNR amplitude: averaging the noise over a few
#: amplitudes keeps the quantization noise's run-to-run scatter out of the requirement.
_REQ_AMPS_DB = (-1.0, -5.0)


def derive_requirements(
    design: Design | LoopModel,
    n_samples: int = 1 << 14,
    loss_db: float = 1.0,
    rc_loss_db: float = 3.0,
    *,
    peak_amplitude_dbfs: float | None = None,
    noise_floor: float | None = None,
) -> Requirements:
    """Find the opamp GBW and DC gain and the RC tolerance a design needs, by simulation.

    Each parameter is swept alone (everything else ideal) with the sampled-data engine at
    two amplitudes (1 and 5 dB below the peak-SQNR amplitude); the loss is the ratio of
    the in-band noise + distortion power, summed over both, to the ideal modulator's, each
    with the design's thermal noise floor added: the loss is that of the design's SNDR, so a
    loop whose quantization noise lies far below its thermal noise is not asked to keep that
    quantization noise within ``loss_db`` of ideal.
    A requirement is the smallest grid value whose loss, and that of every larger value,
    stays within ``loss_db``; the RC tolerance is the largest spread whose loss stays within
    ``rc_loss_db`` for both signs (and every smaller spread).

    Parameters
    ----------
    design : Design or LoopModel
        A finished design, or (during synthesis) its loop model.
    n_samples : int
        Samples per run.
    loss_db : float
        Allowed SNDR loss for the opamp requirements, dB.
    rc_loss_db : float
        Allowed SNDR loss for the RC tolerance, dB.
    peak_amplitude_dbfs : float, optional
        The ideal modulator's peak-SQNR amplitude; default ``design.peak_amplitude_dbfs``
        (required with a loop model).
    noise_floor : float, optional
        In-band thermal noise power in output units squared (toolbox units, full scale
        ``+-(levels - 1)``), added to every run: ``sizing.total_noise_v2 / k_u^2``, the
        sizing's input-referred budget. Default: that of ``design.sizing``; 0 with a loop
        model (the loss against the ideal modulator alone).

    Returns
    -------
    Requirements
    """
    if peak_amplitude_dbfs is None:
        if not isinstance(design, Design):
            raise TypeError("derive_requirements: a loop model needs peak_amplitude_dbfs")
        peak_amplitude_dbfs = design.peak_amplitude_dbfs
    if noise_floor is None:
        noise_floor = thermal_floor(design.sizing) if isinstance(design, Design) else 0.0
    if not (math.isfinite(noise_floor) and noise_floor >= 0):
        raise ValueError(
            f"derive_requirements: noise_floor must be finite and >= 0, got {noise_floor}"
        )
    amps = [float(peak_amplitude_dbfs + a) for a in _REQ_AMPS_DB]
    cases: list[tuple[str, float, dict[str, Any]]] = [("ideal", 0.0, {})]
    cases += [("gbw_ratio", g, {"opamp_gbw_ratio": g}) for g in GBW_GRID]
    cases += [("dc_gain_db", a, {"opamp_dc_gain_db": a}) for a in GAIN_GRID_DB]
    cases += [
        ("rc_spread", sign * rc, {"rc_spread": sign * rc}) for rc in RC_GRID for sign in (1.0, -1.0)
    ]
    runs = [
        {
            "n_samples": n_samples,
            "amplitude_dbfs": a,
            "seed": 1,
            "impairments": dict({"preset": "ideal"}, **imp),
        }
        for _, _, imp in cases
        for a in amps
    ]
    results = simulate_many(design, runs)
    noise = [None if x is None else x + noise_floor for x in map(_noise_of, results)]
    k = len(amps)
    per_case = [noise[i * k : (i + 1) * k] for i in range(len(cases))]
    ref = per_case[0]
    if any(x is None for x in ref):
        raise ValueError("the ideal modulator is unstable at the requirement test amplitudes")
    loss = [_loss_db(nz, ref) for nz in per_case]
    table: dict[str, list[list[float | None]]] = {
        "gbw_ratio": [],
        "dc_gain_db": [],
        "rc_spread": [],
    }
    for (kind, value, _), x in zip(cases, loss, strict=True):
        if kind != "ideal":
            table[kind].append([value, None if x is None else round(x, 3)])
    gbw = [x for (kind, _, _), x in zip(cases, loss, strict=True) if kind == "gbw_ratio"]
    gain = [x for (kind, _, _), x in zip(cases, loss, strict=True) if kind == "dc_gain_db"]
    rc = [x for (kind, _, _), x in zip(cases, loss, strict=True) if kind == "rc_spread"]
    tol = 0.0
    for i, val in enumerate(RC_GRID):
        pair = rc[2 * i : 2 * i + 2]
        if any(x is None or x > rc_loss_db for x in pair):
            break
        tol = val
    # The ideal reference run is results[0]: a run is a function of its arguments and seed.
    ref_sndr = analyze(results[0]).sndr_db
    if ref_sndr is None:
        raise ValueError("the ideal modulator has no SNDR at the requirement test amplitude")
    return Requirements(
        amplitude_dbfs=amps[0],
        reference_sndr_db=float(ref_sndr),
        loss_db=loss_db,
        gbw_ratio_min=_smallest_passing(list(GBW_GRID), gbw, loss_db),
        dc_gain_db_min=_smallest_passing(list(GAIN_GRID_DB), gain, loss_db),
        rc_loss_db=rc_loss_db,
        rc_tolerance=tol,
        table=table,
        noise_floor=float(noise_floor),
    )
