"""The report's runs and numbers: everything :func:`build_report` computes, nothing written.

The data flow of one report::

    Design --> main run (spec impairments) --> Metrics --> metrics.json record
           --> amplitude sweep (short runs) --> DR, peak SNDR, max stable amplitude
           --> DT-equivalent states --> integrator swing
           --> DAC models (ideal vs the design's DAC physics)
           --> chopping_sweep --> in-band noise vs chopping frequency
           --> spice.npz (if a ``ctdsm spice`` run exists) --> ngspice vs behavioral

Each step adds its figures (:mod:`~ctdsm.reporting.figures`) and record keys to a
:class:`ReportData`; the tables (:mod:`~ctdsm.reporting.tables`) are made from the record.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ctdsm.analysis import Metrics, analyze, dynamic_range
from ctdsm.analysis.fom import fom_schreier_db, fom_walden_j
from ctdsm.design.record import Design
from ctdsm.errors import CtdsmError
from ctdsm.flow.chopping import chopping_sweep
from ctdsm.models.chopper import spec_chop_frequency_hz
from ctdsm.models.impairments import Impairments
from ctdsm.progress import ProgressBar
from ctdsm.reporting import figures, survey, tables
from ctdsm.sim.engine import Result, simulate, simulate_many
from ctdsm.toolbox import simulateDSM

__all__ = [
    "ReportData",
    "build_report",
    "metrics_record",
    "load_spice",
    "design_f_chop_hz",
    "SWEEP_SAMPLES",
    "SWEEP_AMPLITUDES_DBFS",
    "DAC_SAMPLES",
    "CHOP_SAMPLES",
    "CHOP_DIVISORS",
    "SPICE_KEYS",
]

#: Samples per point of the report's amplitude sweep (short runs keep the report fast).
SWEEP_SAMPLES = 1 << 14
#: Amplitudes of the report's sweep: -120..-15 dBFS in 5 dB steps, then 1 dB steps to 0 dBFS
#: (the grid of :func:`ctdsm.sim.engine.sweep_amplitude`).
SWEEP_AMPLITUDES_DBFS = tuple(
    float(a) for a in np.concatenate([np.arange(-120.0, -10.0, 5.0), np.arange(-10.0, 0.5, 1.0)])
)
#: Samples per run of the DAC-model comparison and of the chopping sweep.
DAC_SAMPLES = 1 << 15
CHOP_SAMPLES = 1 << 15
#: Arrays and scalars ``ctdsm spice`` writes into ``spice.npz``.
SPICE_KEYS = ("v_spice", "v_behavioral", "fs_hz", "fin_hz", "bw_hz", "levels")
#: Chopping frequencies of the sweep, as divisors of fs (half periods of 4..64 cycles).
CHOP_DIVISORS = (8, 16, 32, 64, 128)
#: The sweep's figures copied to the top level of the record (as ``ctdsm simulate --sweep``).
_SWEEP_HEADLINE = ("peak_sndr_db", "peak_amplitude_dbfs", "dr_db", "max_stable_amplitude_dbfs")


@dataclass
class ReportData:
    """Everything the report shows, computed (see :func:`build_report`).

    Attributes
    ----------
    design : Design
    metrics : dict
        The ``metrics.json`` record.
    figures : dict of str to Figure
        File name (``*.png``) to figure, in report order.
    captions : dict of str to (str, str)
        File name to (title, caption).
    tables : list of dict
        ``{"id", "title", "header", "rows", "note"}``, cells as strings.
    notes : list of str
        How the numbers were obtained (run lengths, impairments).
    """

    design: Any
    metrics: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict)
    captions: dict[str, tuple[str, str]] = field(default_factory=dict)
    tables: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_figure(self, name: str, fig: Any, title: str, caption: str) -> None:
        """Append a figure, saved as ``name``, with its title and caption."""
        self.figures[name] = fig
        self.captions[name] = (title, caption)


@dataclass(frozen=True)
class _Plan:
    """Run lengths and seed of one report.

    Attributes
    ----------
    n : int
        Samples of the main run.
    seed : int
        Seed of every run.
    n_sweep, n_dac, n_chop : int
        Samples per run of the sweep, the DAC comparison and the chopping sweep (at most
        the main run's).
    """

    n: int
    seed: int
    n_sweep: int
    n_dac: int
    n_chop: int

    @classmethod
    def of(cls, design: Design, n_samples: int | None, seed: int | None) -> _Plan:
        sim = design.spec.simulation
        n = int(sim.n_samples if n_samples is None else n_samples)
        return cls(
            n=n,
            seed=int(sim.seed if seed is None else seed),
            n_sweep=min(SWEEP_SAMPLES, n),
            n_dac=min(DAC_SAMPLES, n),
            n_chop=min(CHOP_SAMPLES, n),
        )


class _Steps:
    """The report's steps on a progress bar (a no-op when disabled)."""

    def __init__(self, enabled: bool, total: int, name: str) -> None:
        self._bar: ProgressBar | None = None
        if enabled:
            self._bar = ProgressBar(
                f"report {name}:", total, elapsed=True, remaining=False, described=True,
                stderr=True,
            )  # fmt: skip

    def step(self, description: str, advance: float = 0.0) -> None:
        if self._bar is not None:
            self._bar.advance(advance, description)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


# ----------------------------------------------------------------------------------------------
# numbers


def figures_of_merit(
    design: Design, sndr_db: float | None, dr_db: float | None = None
) -> dict[str, Any]:
    """The modelled power and area with the figures of merit of *measured* SNDR and DR.

    Parameters
    ----------
    design : Design
        Its ``cost`` gives the power (W) and area (mm^2).
    sndr_db, dr_db : float or None
        Measured peak (or test-tone) SNDR and dynamic range, dB; None where not measured
        (an unstable run, no amplitude sweep): the FoMs of a missing value are None.

    Returns
    -------
    dict
        ``power_w``, ``area_mm2``, ``fom_schreier_sndr_db``, ``fom_walden_j`` (and
        ``fom_schreier_dr_db`` when ``dr_db`` is given).
    """
    p, bw = design.cost.power_w, design.bw_hz
    sndr = float(sndr_db) if sndr_db is not None and np.isfinite(sndr_db) else None
    out: dict[str, Any] = {
        "power_w": p,
        "area_mm2": design.cost.area_mm2,
        "fom_schreier_sndr_db": None if sndr is None else fom_schreier_db(sndr, bw, p),
        "fom_walden_j": None if sndr is None else fom_walden_j(sndr, bw, p),
    }
    if dr_db is not None:
        dr = float(dr_db)
        out["fom_schreier_dr_db"] = fom_schreier_db(dr, bw, p) if np.isfinite(dr) else None
    return out


def metrics_record(design: Design, result: Result, metrics: Metrics) -> dict[str, Any]:
    """The ``metrics.json`` record of one run (the keys ``ctdsm simulate`` writes).

    Parameters
    ----------
    design : Design
    result : Result
    metrics : Metrics

    Returns
    -------
    dict
    """
    stable = bool(result.stable and metrics.stable)
    return (
        metrics.to_dict()
        | {
            "name": design.name,
            "amplitude_dbfs": result.amplitude_dbfs,
            "n_samples": result.n_samples,
            "seed": result.seed,
            "stable": stable,
            "measured_amplitude_dbfs": metrics.amplitude_dbfs,
            "impairments": result.impairments.to_dict(),
        }
        | figures_of_merit(design, metrics.sndr_db if stable else None)
    )


def design_f_chop_hz(design: Design) -> float | None:
    """The design's chopping frequency, Hz; None when it is not chopped."""
    d = design
    if not d.spec.chopper.enabled:
        return None
    return spec_chop_frequency_hz(d.spec.chopper.f_chop_hz, d.fs_hz, d.bw_hz, d.f0_hz)


def _sweep(
    design: Design, n_samples: int, seed: int, on_chunk: Callable[[int], None]
) -> dict[str, Any]:
    """SNDR versus amplitude, run in chunks of one run per CPU (progress, prompt Ctrl-C).

    The same grid and bookkeeping as :func:`ctdsm.sim.engine.sweep_amplitude`.
    """
    amps = list(SWEEP_AMPLITUDES_DBFS)
    chunk = max(os.cpu_count() or 1, 1)
    sndr: list[float | None] = []
    stable: list[bool] = []
    for i in range(0, len(amps), chunk):
        runs = [
            {"n_samples": n_samples, "amplitude_dbfs": a, "seed": seed} for a in amps[i : i + chunk]
        ]
        for r in simulate_many(design, runs):
            m = analyze(r)
            ok = bool(r.stable and m.stable)
            stable.append(ok)
            sndr.append(m.sndr_db if ok else None)
        on_chunk(len(runs))
    dr = dynamic_range(amps, [np.nan if x is None else x for x in sndr], stable=np.asarray(stable))
    return {"amplitudes_dbfs": amps, "sndr_db": sndr, "stable": stable, "n_samples": n_samples} | dr


def _dt_states(design: Design, result: Result) -> np.ndarray:
    """Loop-filter states at the sampling instants of the ideal DT-equivalent modulator driven
    by the report's tone (the first ``order`` states are the integrator outputs)."""
    n = result.n_samples
    amp = (design.levels - 1) * 10 ** (result.amplitude_dbfs / 20)
    u = amp * np.sin(2 * np.pi * result.fin_hz / design.fs_hz * np.arange(n))
    _, xn, _, _ = simulateDSM(u, design.loop.abcd, design.levels)
    return np.asarray(xn)[: design.order]


def _dac_runs(design: Design, n_samples: int, amplitude_dbfs: float, seed: int) -> dict[str, Any]:
    """The design's first DAC: ideal, its circuit physics, and physics plus element mismatch.

    Everything else ideal except the opamps (engine default gain and bandwidth: the DAC
    physics acts through the virtual-ground voltage) and the design's chopper.
    """
    d = Impairments()
    base = {
        "preset": "ideal",
        "opamp_dc_gain_db": d.opamp_dc_gain_db,
        "opamp_gbw_ratio": d.opamp_gbw_ratio,
    }
    dac = design.spec.dac.type
    cases = {"ideal DAC": base, f"{dac} physics": dict(base, dac_physics=True)}
    if design.levels > 2 and d.dac_mismatch_sigma:
        cases[f"{dac} physics + {d.dac_mismatch_sigma:g} mismatch ({design.spec.dac.dem})"] = dict(
            base, dac_physics=True, dac_mismatch_sigma=d.dac_mismatch_sigma
        )
    runs = [
        {"n_samples": n_samples, "amplitude_dbfs": amplitude_dbfs, "impairments": imp, "seed": seed}
        for imp in cases.values()
    ]
    return dict(zip(cases, simulate_many(design, runs), strict=True))


def _chop_frequencies(design: Design) -> list[float]:
    """The chopping sweep's frequencies: the divisors of fs, and the design's own."""
    fs = design.fs_hz
    out = {fs / k for k in CHOP_DIVISORS}
    f_design = design_f_chop_hz(design)
    if f_design is not None:
        out.add(f_design)
    return sorted(out)


def load_spice(spice_dir: str | Path) -> dict[str, Any]:
    """Read ``spice.npz`` (and ``metrics.json`` when present) of a ``ctdsm spice`` run.

    Parameters
    ----------
    spice_dir : str or Path
        The ``-o`` directory of ``ctdsm spice``.

    Returns
    -------
    dict
        The arrays and scalars of :data:`SPICE_KEYS` (plus ``f0_hz`` if stored) and
        ``metrics`` (dict or None).

    Raises
    ------
    CtdsmError
        If the file is missing or lacks a key.
    """
    p = Path(spice_dir) / "spice.npz"
    if not p.is_file():
        raise CtdsmError(f"--spice {spice_dir}: no spice.npz there (run `ctdsm spice` first)")
    try:
        with np.load(p) as z:
            data = {k: z[k] for k in z.files}
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one user-facing line
        raise CtdsmError(f"{p}: not a readable .npz file ({exc.__class__.__name__})") from None
    missing = [k for k in SPICE_KEYS if k not in data]
    if missing:
        raise CtdsmError(f"{p}: missing {', '.join(missing)}")
    out: dict[str, Any] = {
        "v_spice": np.asarray(data["v_spice"], dtype=float).ravel(),
        "v_behavioral": np.asarray(data["v_behavioral"], dtype=float).ravel(),
    }
    for k in ("fs_hz", "fin_hz", "bw_hz"):
        out[k] = float(data[k])
    out["levels"] = int(data["levels"])
    out["f0_hz"] = float(data["f0_hz"]) if "f0_hz" in data else 0.0
    for k in ("v_spice", "v_behavioral"):
        if out[k].size < 64 or not np.all(np.isfinite(out[k])):
            raise CtdsmError(f"{p}: {k} must hold at least 64 finite samples")
    mp = Path(spice_dir) / "metrics.json"
    out["metrics"] = json.loads(mp.read_text()) if mp.is_file() else None
    return out


# ----------------------------------------------------------------------------------------------
# the report's steps: each runs what it shows and adds its figures and record keys


def _main_run(design: Design, plan: _Plan) -> tuple[Result, ReportData]:
    """The main run with the spec's impairments, its record, and the design's figures."""
    result = simulate(design, plan.n, None, None, plan.seed)
    m = analyze(result)
    data = ReportData(design=design, metrics=metrics_record(design, result, m))
    data.add_figure(
        "ntf.png",
        figures.plot_ntf(design),
        "NTF and STF",
        "Magnitude of the noise transfer function and of the CT signal transfer function "
        "(linear quantizer model); the grey span is the signal band.",
    )
    data.add_figure(
        "pole_zero.png",
        figures.plot_pole_zero(design),
        "NTF poles and zeros",
        "z-plane; optimized zeros spread over the band.",
    )
    data.add_figure(
        "psd.png",
        figures.plot_psd(result, m),
        "Output PSD",
        f"Behavioral run with the spec's impairments, {plan.n} samples, seed {plan.seed}, "
        "Hann window. Triangles mark HD2 and HD3.",
    )
    return result, data


def _add_sweep(data: ReportData, plan: _Plan, bar: _Steps) -> None:
    """The amplitude sweep: DR, peak SNDR, maximum stable amplitude, and its figure."""
    design = data.design
    sweep = _sweep(design, plan.n_sweep, plan.seed, lambda k: bar.step("amplitude sweep", k))
    for k in _SWEEP_HEADLINE:
        data.metrics[k] = sweep[k]
    # The figures of merit on the peak SNDR and the DR of the sweep (the test tone's
    # SNDR is below the peak).
    data.metrics.update(figures_of_merit(design, sweep["peak_sndr_db"], sweep["dr_db"]))
    data.metrics["sweep"] = sweep
    data.add_figure(
        "sndr_vs_amplitude.png",
        figures.plot_sndr_vs_amplitude(sweep, title=f"{design.name}: SNDR versus amplitude"),
        "SNDR versus input amplitude",
        f"{len(SWEEP_AMPLITUDES_DBFS)} runs of {plan.n_sweep} samples each (short runs: the "
        "SNDR of a point scatters by about a dB), spec impairments, seed "
        f"{plan.seed}. DR is the peak amplitude minus where the slope-1 fit of the "
        "low-amplitude points crosses 0 dB.",
    )


def _add_states(data: ReportData, result: Result, plan: _Plan) -> None:
    """Histograms of the integrator outputs against the scaling limit."""
    design = data.design
    data.add_figure(
        "state_histograms.png",
        figures.plot_state_histograms(
            _dt_states(design, result),
            design.spec.architecture.xlim,
            title=f"{design.name}: integrator outputs at the sampling instants",
        ),
        "Integrator swing",
        f"States of the ideal DT-equivalent loop at the sampling instants, same tone, {plan.n} "
        f"samples; dashed lines are the scaling limit xlim (= {design.spec.sizing.swing_v:g} V "
        "differential opamp swing). Peak of each state with every impairment on (engine): "
        + ", ".join(f"{x:.2f}" for x in result.xmax)
        + ".",
    )


def _add_dac(data: ReportData, aux_dbfs: float, plan: _Plan) -> None:
    """The first DAC: ideal versus its circuit physics (and mismatch)."""
    design = data.design
    dac = design.spec.dac.type
    runs = _dac_runs(design, plan.n_dac, aux_dbfs, plan.seed)
    data.add_figure(
        "dac_error.png",
        figures.plot_dac_error(runs, title=f"{design.name}: first DAC ({dac})"),
        "First-DAC errors",
        f"The same modulator with an ideal first DAC and with the {dac} "
        f"circuit physics (ctdsm.dac), {aux_dbfs:g} dBFS, {plan.n_dac} samples, seed "
        f"{plan.seed}; everything else ideal except the opamps (engine default gain and "
        "bandwidth) and the design's chopper.",
    )


def _add_chopping(data: ReportData, aux_dbfs: float, plan: _Plan) -> None:
    """In-band noise versus chopping frequency, simulated and predicted."""
    design = data.design
    f_design = design_f_chop_hz(design)
    chop = chopping_sweep(design, _chop_frequencies(design), plan.n_chop, aux_dbfs, plan.seed)
    data.add_figure(
        "chopper.png",
        figures.plot_chopper(
            chop,
            design.levels,
            design.bw_hz,
            f_chop_hz=f_design,
            title=f"{design.name}: in-band noise versus chopping frequency",
        ),
        "Chopping",
        f"ctdsm.chopper.chopping_sweep, {plan.n_chop} samples, {aux_dbfs:g} dBFS, seed "
        f"{plan.seed}: ideal except the first opamp (default gain, bandwidth, offset, 1/f "
        "noise). The prediction is from the unchopped virtual-ground voltage."
        + ("" if f_design is not None else " (The design itself is not chopped.)"),
    )
    data.metrics["chopping"] = {
        "f_chop_hz": chop["f_chop_hz"],
        "snr_chopped_db": chop["snr_chopped_db"],
        "snr_unchopped_db": chop["snr_unchopped_db"],
        "n_samples": plan.n_chop,
        "amplitude_dbfs": aux_dbfs,
    }


def _add_survey(data: ReportData) -> None:
    """The design on the published ADC survey, at its measured peak SNDR and modelled power."""
    design, m = data.design, data.metrics
    sndr = m.get("peak_sndr_db") if m.get("peak_sndr_db") is not None else m.get("sndr_db")
    if sndr is None or not np.isfinite(sndr):
        return  # an unstable design has no point to place
    power_w = design.cost.power_w
    point = survey.SurveyPoint.from_power(design.name, design.bw_hz, float(sndr), power_w)
    data.add_figure(
        "survey.png",
        survey.survey_figure([point]),
        "Where the design stands: the ADC survey",
        f"{design.name} (star) on B. Murmann's ADC Performance Survey 1997-2025 (ISSCC and "
        f"VLSI, BSD-3-Clause; continuous-time delta-sigma highlighted): peak SNDR "
        f"{float(sndr):.1f} dB simulated, {power_w * 1e3:.3g} mW modelled "
        f"(docs/power.md), Schreier FoM {point.fom_schreier_sndr_db:.1f} dB.",
    )


def _add_spice(data: ReportData, spice: Mapping[str, Any]) -> None:
    """The ngspice run of a ``ctdsm spice`` directory over the behavioral one."""
    data.add_figure(
        "psd_spice_overlay.png",
        figures.plot_psd_overlay(
            spice["v_spice"],
            spice["v_behavioral"],
            spice["fs_hz"],
            spice["bw_hz"],
            spice["levels"],
            fin_hz=spice["fin_hz"],
            f0_hz=spice["f0_hz"],
        ),
        "ngspice versus behavioral",
        "Output PSD of the ngspice (transistor-level) run and of the behavioral run of "
        "the same stimulus, from spice.npz.",
    )
    data.tables.append(tables.spice_table(spice))
    meta = spice.get("metrics") or {}
    data.metrics["spice"] = {
        k: meta.get(k) for k in ("sndr_db", "behavioral_sndr_db", "engine", "pdk")
    }


def _notes(design: Design, plan: _Plan, with_spice: bool) -> list[str]:
    """How the numbers were obtained."""
    return [
        f"Main run: {plan.n} samples, seed {plan.seed}, impairments preset "
        f"'{design.spec.impairments.preset}' (values in metrics.json).",
        f"Sweep: {plan.n_sweep} samples per amplitude; DAC runs {plan.n_dac}; chopping runs "
        f"{plan.n_chop}.",
        "ngspice overlay: "
        + ("included." if with_spice else "no spice.npz found (run `ctdsm spice`)."),
    ]


def build_report(
    design: Design,
    *,
    n_samples: int | None = None,
    seed: int | None = None,
    spice: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> ReportData:
    """Run the report's simulations and make its figures and tables (nothing is written).

    Parameters
    ----------
    design : Design
    n_samples : int, optional
        Samples of the main run (default ``spec.simulation.n_samples``); the sweep, DAC and
        chopper runs use at most :data:`SWEEP_SAMPLES`, :data:`DAC_SAMPLES` and
        :data:`CHOP_SAMPLES`.
    seed : int, optional
        Seed of every run (default ``spec.simulation.seed``).
    spice : mapping, optional
        A ``ctdsm spice`` run (:func:`load_spice`): adds the overlay.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    ReportData
    """
    plan = _Plan.of(design, n_samples, seed)
    bar = _Steps(progress, 6 + len(SWEEP_AMPLITUDES_DBFS), design.name)
    try:
        bar.step("main simulation", 1)
        result, data = _main_run(design, plan)
        bar.step("amplitude sweep", 1)
        _add_sweep(data, plan, bar)
        bar.step("state histograms", 1)
        _add_states(data, result, plan)
        # The DAC and chopper studies need a stable loop: at most the synthesis's
        # peak-SQNR amplitude, whatever the spec's test amplitude.
        aux_dbfs = float(min(result.amplitude_dbfs, design.peak_amplitude_dbfs))
        bar.step("DAC models", 1)
        _add_dac(data, aux_dbfs, plan)
        bar.step("chopping sweep", 1)
        _add_chopping(data, aux_dbfs, plan)
        bar.step("tables", 1)
        data.tables = tables.report_tables(design, data.metrics, design_f_chop_hz(design))
        _add_survey(data)
        if spice is not None:
            _add_spice(data, spice)
        data.notes = _notes(design, plan, spice is not None)
        bar.step("done", 1)
    finally:
        bar.stop()
    return data
