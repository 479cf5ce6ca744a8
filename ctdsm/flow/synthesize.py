"""``synthesize``: spec in, verified CT modulator out.

Data flow::

    Spec --> choose (order, OSR, levels, H_inf) --> NTF --> CT loop filter (ELD, scaling,
         verification) --> Design --> design.json / summary
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ctdsm.analysis import is_unstable, spectrum_metrics
from ctdsm.design import ntf_choice as ntf_mod
from ctdsm.design.bounds import check_bounds, violations
from ctdsm.design.cost import Cost, estimate_cost
from ctdsm.design.full_scale import resolve_full_scale
from ctdsm.design.loop_filter import realize_loop_filter
from ctdsm.design.record import Design
from ctdsm.design.requirements import Requirements
from ctdsm.design.sizing import Sizing, size_design
from ctdsm.design.spec import Spec
from ctdsm.errors import SpecError, SynthesisError
from ctdsm.flow.requirements import derive_requirements, thermal_floor
from ctdsm.models.chopper import spec_chop_frequency_hz
from ctdsm.models.dac import SINGLE_BIT_DACS
from ctdsm.models.technology import technology
from ctdsm.sim.engine import simulate
from ctdsm.sim.model import LoopModel, model_from_parts
from ctdsm.toolbox.simulate import simulateSNR

__all__ = ["synthesize"]

#: Amplitudes (dBFS) at which the SQNR of a candidate is simulated.
_SIM_AMPS_DB = np.arange(-15.0, 0.5, 1.0)
#: Simulation length (2**k samples) for SQNR checks during synthesis.
_SIM_K = 14
#: Most candidates confirmed by simulation before giving up.
_MAX_SIMULATED = 12


def _simulated_peak(abcd_or_ntf: Any, osr: float, levels: int, f0: float) -> tuple[float, float]:
    """Peak SQNR (dB) and its amplitude (dBFS) from simulations over ``_SIM_AMPS_DB``."""
    snr, amp = simulateSNR(abcd_or_ntf, osr, _SIM_AMPS_DB, f0, levels, None, _SIM_K)
    snr = np.where(np.isfinite(snr), np.asarray(snr, dtype=float), -np.inf)
    # A short run's SQNR scatters by a dB or two, and a single quiet (tonal) run can read
    # 10 dB high; the median of each amplitude and its neighbours is a robust peak.
    padded = np.concatenate([[snr[0]], snr, [snr[-1]]])
    smooth = np.median(np.lib.stride_tricks.sliding_window_view(padded, 3), axis=1)
    i = int(np.argmax(smooth))
    return float(smooth[i]), float(np.asarray(amp)[i])


def _choose(spec: Spec) -> tuple[int, float, int, float, list[dict[str, Any]], tuple[str, ...]]:
    """Pick (order, osr, levels, h_inf) meeting the target SNDR plus the SQNR margin.

    Returns
    -------
    tuple
        ``(order, osr, levels, h_inf, log, warnings)``: ``log`` lists the candidates tried;
        ``warnings`` is empty unless no candidate reaches the target and
        ``target.allow_infeasible`` is set, in which case the candidate with the highest
        predicted SQNR (simulated peak where it was simulated, else the linear model's) is
        returned with a warning saying so.

    Raises
    ------
    SynthesisError
        Naming ``target.sndr_db``, when no candidate of the search space reaches the target
        plus margin (and ``target.allow_infeasible`` is not set), or when no candidate gives
        an NTF at all.
    """
    t, a = spec.target, spec.architecture
    single_bit = spec.dac.type in SINGLE_BIT_DACS
    if single_bit and a.levels not in ("auto", 2):
        raise SpecError("architecture.levels", f"dac.type {spec.dac.type} is single-bit (levels 2)")
    levels = 2 if single_bit and a.levels == "auto" else a.levels
    osr = a.osr
    if a.fs_hz != "auto":
        osr = a.fs_hz / (2.0 * t.bw_hz)
    required = t.sndr_db + a.sqnr_margin_db
    fixed = a.order != "auto" and osr != "auto" and levels != "auto"
    log: list[dict[str, Any]] = []
    simulated = 0
    # The candidate with the highest predicted SQNR so far: (dB, order, osr, levels, h_inf).
    best: tuple[float, int, float, int, float] | None = None
    for cand in ntf_mod.candidates(a.order, osr, levels, bandpass=t.f0_hz > 0):
        f0 = t.f0_hz / (2.0 * t.bw_hz * cand.osr)
        if f0 >= 0.5:
            continue
        h_inf = (
            ntf_mod.auto_h_inf(cand.order, cand.osr, cand.levels, a.optimized_zeros, f0)
            if a.h_inf == "auto"
            else float(a.h_inf)
        )
        try:
            ntf = ntf_mod.design_ntf(cand.order, cand.osr, h_inf, a.optimized_zeros, f0)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            continue
        guess_db = -3.0 if cand.levels > 2 else -6.0
        lin = ntf_mod.linear_sqnr_db(ntf, cand.osr, cand.levels, guess_db, f0)
        entry = {
            "order": cand.order,
            "osr": cand.osr,
            "levels": cand.levels,
            "h_inf": h_inf,
            "linear_sqnr_db": round(lin, 2),
        }
        log.append(entry)
        if fixed:
            return cand.order, cand.osr, cand.levels, h_inf, log, ()
        predicted = lin
        if lin >= required:
            peak, _ = _simulated_peak(ntf, cand.osr, cand.levels, f0)
            entry["simulated_peak_sqnr_db"] = round(peak, 2)
            simulated += 1
            if peak >= required:
                return cand.order, cand.osr, cand.levels, h_inf, log, ()
            predicted = peak
        if math.isfinite(predicted) and (best is None or predicted > best[0]):
            best = (predicted, cand.order, cand.osr, cand.levels, h_inf)
        if simulated >= _MAX_SIMULATED:
            break
    miss = (
        f"target.sndr_db: no order/OSR/levels in the search space reaches {required:g} dB SQNR "
        f"(target.sndr_db + architecture.sqnr_margin_db)"
    )
    if best is None:
        raise SynthesisError(f"{miss}: no candidate gives an NTF; fix some of them")
    sqnr, order, osr_b, levels_b, h_inf_b = best
    kept = f"order {order}, OSR {osr_b:g}, {levels_b} levels (predicted SQNR {sqnr:.1f} dB)"
    if spec.target.allow_infeasible:
        return order, osr_b, levels_b, h_inf_b, log, (f"{miss}; kept the best, {kept}",)
    raise SynthesisError(
        f"{miss}; the best is {kept}: fix some of them, relax the target, or set "
        "target.allow_infeasible: true to keep the best design with a warning"
    )


def synthesize(spec: Spec) -> Design:
    """Synthesize and verify a CT delta-sigma modulator from a spec.

    Parameters
    ----------
    spec : Spec
        Validated spec (see :func:`ctdsm.load_spec`).

    Returns
    -------
    Design

    Raises
    ------
    SynthesisError
        If no architecture meets the target, the realization check fails, a component is
        outside physical reason, or (``sizing.bounds: strict``) outside the process bounds.

    ``target.full_scale_v: auto`` is resolved first (:mod:`ctdsm.design.full_scale`): the
    design's ``spec`` holds the number, ``design.full_scale`` its limits.
    """
    if not isinstance(spec, Spec):
        raise TypeError("synthesize() takes a Spec; use ctdsm.load_spec(path) first")
    spec, full_scale = resolve_full_scale(spec)
    t, a = spec.target, spec.architecture
    order, osr, levels, h_inf, log, search_warnings = _choose(spec)
    fs_hz = 2.0 * t.bw_hz * osr if a.fs_hz == "auto" else float(a.fs_hz)
    f0 = t.f0_hz / fs_hz
    ntf = ntf_mod.design_ntf(order, osr, h_inf, a.optimized_zeros, f0)
    loop = realize_loop_filter(ntf, a.form, a.pulse_interval(), a.eld, levels, a.xlim, f0)
    # Peak SQNR and the largest stable input from the exact CT engine (ideal), not from
    # the DT equivalent, whose sampled input path is an approximation.
    model = model_from_parts(spec, loop.abcdc, loop.tdac, levels, fs_hz)
    peak, peak_amp, max_stable = _ct_sweep(model)
    warnings = search_warnings + _feasibility(spec, peak, (order, osr, levels))
    sizing = size_design(spec, loop.abcdc, levels, fs_hz, max_stable)
    _check_components(sizing)
    requirements = derive_requirements(
        model, peak_amplitude_dbfs=peak_amp, noise_floor=thermal_floor(sizing)
    )
    cost = _cost(spec, sizing, requirements, fs_hz, order, levels, f0 * fs_hz)
    warnings += _bounds(spec, sizing, cost)
    return Design(
        spec=spec,
        fs_hz=fs_hz,
        bw_hz=float(t.bw_hz),
        f0_hz=float(t.f0_hz),
        osr=float(osr),
        order=order,
        levels=levels,
        form=a.form,
        h_inf=h_inf,
        eld=float(a.eld),
        ntf=ntf,
        loop=loop,
        peak_sqnr_db=peak,
        peak_amplitude_dbfs=peak_amp,
        max_stable_dbfs=max_stable,
        linear_sqnr_db=ntf_mod.linear_sqnr_db(ntf, osr, levels, peak_amp, f0),
        sizing=sizing,
        requirements=requirements,
        cost=cost,
        selection=tuple(log),
        warnings=warnings,
        full_scale=full_scale,
    )


def _bounds(spec: Spec, sizing: Sizing, cost: Cost) -> tuple[str, ...]:
    """The process bounds the design exceeds: warnings (``sizing.bounds: warn``, the
    default while the seed designs still exceed them) or, with ``strict``, a
    :class:`SynthesisError` naming the first (``ctdsm check`` lists them all)."""
    tech = technology(spec.process.pdk)
    checks = check_bounds(
        sizing, cost, tech, vdd_v=float(spec.process.vdd_v), swing_v=float(spec.sizing.swing_v)
    )
    bad = [c.message(tech.name) for c in violations(checks)]
    if bad and spec.sizing.bounds == "strict":
        more = f" (and {len(bad) - 1} more: ctdsm check lists them)" if len(bad) > 1 else ""
        raise SynthesisError(
            f"{bad[0]}{more}; or set sizing.bounds: warn to keep the design with warnings"
        )
    return tuple(bad)


def _cost(
    spec: Spec,
    sizing: Sizing,
    requirements: Requirements,
    fs_hz: float,
    order: int,
    levels: int,
    f0_hz: float,
) -> Cost:
    """Power and area of the sized design, with the simulated opamp bandwidth requirement."""
    ch = spec.chopper
    f_chop = (
        spec_chop_frequency_hz(ch.f_chop_hz, fs_hz, float(spec.target.bw_hz), f0_hz)
        if ch.enabled
        else None
    )
    return estimate_cost(
        sizing,
        fs_hz=fs_hz,
        levels=levels,
        order=order,
        form=spec.architecture.form,
        gbw_ratio=requirements.gbw_ratio_min,
        chopper_f_hz=f_chop,
        dac_type=spec.dac.type,
        fir_taps=spec.dac.fir_taps,
        tech=technology(spec.process.pdk),
        # the swing the states are scaled to, not the process's largest
        swing_v=float(spec.sizing.swing_v),
        vdd_v=float(spec.process.vdd_v),
        dc_gain_db=requirements.dc_gain_db_min,
    )


def _feasibility(spec: Spec, peak_db: float, arch: tuple[int, float, int]) -> tuple[str, ...]:
    """Refuse a design whose simulated peak SQNR misses ``target.sndr_db``.

    The automatic search already refuses every candidate below the target plus margin
    (:func:`_choose`, which with ``target.allow_infeasible`` keeps its best candidate, so
    that is checked here too); a fixed architecture is taken as written, so its CT peak
    SQNR is checked here. With ``target.allow_infeasible`` the miss is returned as a
    warning.

    Parameters
    ----------
    spec : Spec
    peak_db : float
        Peak SQNR of the ideal CT simulations, dB.
    arch : tuple
        ``(order, osr, levels)`` of the design.

    Returns
    -------
    tuple of str
        The warnings (empty when the target is met).

    Raises
    ------
    SynthesisError
        Naming ``target.sndr_db``, when the target is missed and not allowed to be.
    """
    target = float(spec.target.sndr_db)
    if peak_db >= target:
        return ()
    miss = f"target.sndr_db: peak SQNR {peak_db:.1f} dB is below the {target:g} dB target"
    if spec.target.allow_infeasible:
        return (miss,)
    order, osr, levels = arch
    raise SynthesisError(
        f"{miss} (order {order}, OSR {osr:g}, {levels} levels); raise architecture.order, "
        "osr or levels (or set them to auto), lower target.sndr_db, or set "
        "target.allow_infeasible: true to keep the design with a warning"
    )


#: Limits of the sized components (per side of the differential circuit). The seed designs
#: reach 19 nF (designs/auto.yaml, C2; designs/singlebit.yaml has 8.3 nF) and 287 Mohm
#: (designs/lp5_singlebit.yaml, the resonator's R2_x3) and must keep synthesizing, so the
#: limits sit a decade above them: what they refuse is beyond any integrated circuit.
_C_MAX_F = 100e-9
_R_MIN_OHM, _R_MAX_OHM = 1.0, 1e9
_SET_BY = "set by target.sndr_db, target.bw_hz, target.full_scale_v and sizing"


def _si(value: float, unit: str) -> str:
    """``2.3e-09, "F"`` -> ``"2.3 nF"``."""
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "u"),
                          (1e-9, "n"), (1e-12, "p")):  # fmt: skip
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value / 1e-15:.3g} f{unit}"


def _check_components(sizing: Sizing) -> None:
    """Refuse components outside physical reason: C above 100 nF, R outside 1 ohm..1 Gohm.

    Parameters
    ----------
    sizing : Sizing

    Raises
    ------
    SynthesisError
        Naming the component, its value and the spec fields that set it.
    """
    for i, c in enumerate(np.asarray(sizing.c_f, dtype=float), start=1):
        if not (0.0 < c <= _C_MAX_F):
            raise SynthesisError(
                f"sizing: integrating capacitor C{i} = {_si(c, 'F')} per side is above "
                f"{_si(_C_MAX_F, 'F')} ({_SET_BY}.thermal_fraction / c_min_f / c_stage_ratio);"
                " lower target.sndr_db or raise sizing.thermal_fraction"
            )
    checks = [(r.name, r.r_ohm) for r in sizing.resistors]
    checks.append(("DAC unit resistor", sizing.dac_unit_r_ohm))
    for name, r in checks:
        if math.isinf(r) or math.isnan(r):
            continue  # no such path (a zero coefficient) or no DAC resistor
        if not (_R_MIN_OHM <= r <= _R_MAX_OHM):
            raise SynthesisError(
                f"sizing: resistor {name} = {_si(r, 'ohm')} per side is outside "
                f"{_si(_R_MIN_OHM, 'ohm')} .. {_si(_R_MAX_OHM, 'ohm')} "
                f"({_SET_BY}.thermal_fraction / c_min_f / c_stage_ratio); "
                "change target.sndr_db, target.bw_hz or the sizing fractions"
            )


def _ct_sweep(model: LoopModel) -> tuple[float, float, float]:
    """Ideal CT simulations over ``_SIM_AMPS_DB``: (peak SQNR, its amplitude, max stable).

    A run is unstable when the analysis flags it or a state exceeds 3 ``xlim``; the maximum
    stable amplitude is the largest one below which every run is stable.
    """
    n = 1 << _SIM_K
    xlim = model.xlim
    snr = np.full(len(_SIM_AMPS_DB), -np.inf)
    max_stable = -math.inf
    for i, amp in enumerate(_SIM_AMPS_DB):
        r = simulate(model, n, float(amp), "ideal", 1)
        ok = r.stable and np.max(r.xmax) < 3 * xlim and not is_unstable(r.v, model.levels)
        if not ok:
            break
        max_stable = float(amp)
        m = spectrum_metrics(
            r.v, r.fs_hz, r.fin_hz, r.bw_hz, f0_hz=r.f0_hz, full_scale=model.levels - 1
        )
        snr[i] = m.sndr_db if m.sndr_db is not None else -np.inf
    if not np.isfinite(max_stable):
        raise SynthesisError("the modulator is unstable even at the smallest test amplitude")
    padded = np.concatenate([[snr[0]], snr, [snr[-1]]])
    smooth = np.median(np.lib.stride_tricks.sliding_window_view(padded, 3), axis=1)
    i = int(np.argmax(smooth))
    return float(smooth[i]), float(_SIM_AMPS_DB[i]), max_stable
