"""``report(design, out_dir)``: a self-contained HTML report of a design, and its metrics.

The report simulates the design with the sampled-data engine and collects what a designer
judges a modulator by::

    Design --> spec summary, NTF/STF and poles/zeros, CT coefficients, components,
               noise budget, opamp/RC requirements
           --> simulate (spec impairments) --> PSD with SNDR/SNR/THD/SFDR
           --> amplitude sweep (short runs) --> DR, peak SNDR, max stable amplitude
           --> DT-equivalent states --> integrator swing histograms
           --> DAC models (ideal vs the design's DAC physics) --> DAC-error PSDs
           --> chopping_sweep --> in-band noise vs chopping frequency
           --> spice.npz (if a ``ctdsm spice`` run exists) --> ngspice vs behavioral PSD

into ``report.html`` (PNG figures beside it) and ``metrics.json`` (the keys of
``ctdsm simulate``'s plus the sweep's). Everything is built in a temporary directory and
moved into place only when all of it succeeded, so an error or Ctrl-C leaves no partial
report.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ctdsm._version import __version__
from ctdsm.errors import CtdsmError

if TYPE_CHECKING:
    from ctdsm.design.record import Design
    from ctdsm.design.spec import Spec

__all__ = [
    "report",
    "metrics_record",
    "build_report",
    "write_index",
    "index_markdown",
    "SWEEP_SAMPLES",
    "SWEEP_AMPLITUDES_DBFS",
    "DAC_SAMPLES",
    "CHOP_SAMPLES",
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
        self.figures[name] = fig
        self.captions[name] = (title, caption)


# ----------------------------------------------------------------------------------------------
# progress


class _Steps:
    """The report's steps on a progress bar (a no-op when disabled)."""

    def __init__(self, enabled: bool, total: int, name: str) -> None:
        self._bar = None
        if enabled:
            from ctdsm.progress import ProgressBar

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


def metrics_record(design: Design, result: Any, metrics: Any) -> dict[str, Any]:
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
    return metrics.to_dict() | {
        "name": design.name,
        "amplitude_dbfs": result.amplitude_dbfs,
        "n_samples": result.n_samples,
        "seed": result.seed,
        "stable": bool(result.stable and metrics.stable),
        "measured_amplitude_dbfs": metrics.amplitude_dbfs,
        "impairments": result.impairments.to_dict(),
    }


def _sweep(
    design: Design, n_samples: int, seed: int, on_chunk: Callable[[int], None]
) -> dict[str, Any]:
    """SNDR versus amplitude, run in chunks of one run per CPU (progress, prompt Ctrl-C).

    The same grid and bookkeeping as :func:`ctdsm.sim.engine.sweep_amplitude`.
    """
    from ctdsm.analysis import analyze, dynamic_range
    from ctdsm.sim.engine import simulate_many

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


def _dt_states(design: Design, result: Any) -> np.ndarray:
    """Loop-filter states at the sampling instants of the ideal DT-equivalent modulator driven
    by the report's tone (the first ``order`` states are the integrator outputs)."""
    from ctdsm.toolbox import simulateDSM

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
    from ctdsm.models.impairments import Impairments
    from ctdsm.sim.engine import simulate_many

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
    fs = design.fs_hz
    out = {fs / k for k in CHOP_DIVISORS}
    if design.spec.chopper.enabled:
        out.add(_design_f_chop(design))
    return sorted(out)


def _design_f_chop(design: Design) -> float:
    from ctdsm.models.chopper import spec_chop_frequency_hz

    d = design
    return spec_chop_frequency_hz(d.spec.chopper.f_chop_hz, d.fs_hz, d.bw_hz, d.f0_hz)


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
# tables


def _g(x: Any, fmt: str = ".4g", unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:{fmt}}{unit}"


def _spec_table(design: Design) -> dict[str, Any]:
    s = design.spec
    rows = [
        ["description", s.description or ""],
        ["bandwidth", _g(design.bw_hz / 1e3, "g", " kHz")],
        ["band centre", "low-pass" if not design.f0_hz else _g(design.f0_hz / 1e3, "g", " kHz")],
        ["target SNDR (sizing)", _g(s.target.sndr_db, "g", " dB")],
        ["full scale", _g(s.target.full_scale_v, "g", " V differential peak")],
        ["clock fs", _g(design.fs_hz / 1e6, "g", " MHz")],
        ["OSR", _g(design.osr, "g")],
        ["order / form", f"{design.order} / {design.form}"],
        ["quantizer levels", str(design.levels)],
        ["H_inf", _g(design.h_inf, "g")],
        ["excess loop delay", _g(design.eld, "g", " Ts")],
        ["DAC", f"{s.dac.type}, DEM {s.dac.dem}, pulse {s.architecture.dac_pulse}"],
        [
            "chopper",
            (f"on, f_chop {_design_f_chop(design) / 1e3:g} kHz" if s.chopper.enabled else "off"),
        ],
        ["process", f"{s.process.pdk}, VDD {s.process.vdd_v:g} V, {s.process.temp_c:g} C"],
        ["peak SQNR (ideal, synthesis)", _g(design.peak_sqnr_db, ".1f", " dB")],
        ["max stable input (synthesis)", _g(design.max_stable_dbfs, ".1f", " dBFS")],
    ]
    return {"id": "spec", "title": "Spec summary", "header": ["item", "value"], "rows": rows}


def _headline_table(m: Mapping[str, Any]) -> dict[str, Any]:
    rows = [
        ["SNDR", _g(m["sndr_db"], ".1f", " dB")],
        ["SNR", _g(m["snr_db"], ".1f", " dB")],
        ["THD", _g(m["thd_db"], ".1f", " dB")],
        ["SFDR", _g(m["sfdr_db"], ".1f", " dB")],
        ["HD2 / HD3", f"{_g(m['hd2_db'], '.1f', ' dBc')} / {_g(m['hd3_db'], '.1f', ' dBc')}"],
        ["in-band noise", _g(m.get("inband_noise_nv_rthz"), ".3g", " nV/rtHz")],
        ["tone", f"{m['amplitude_dbfs']:g} dBFS at {m['fin_hz'] / 1e3:.4g} kHz"],
        ["record", f"{m['n_samples']} samples, seed {m['seed']}"],
        ["stable", "yes" if m["stable"] else "NO"],
        ["peak SNDR (sweep)", _g(m.get("peak_sndr_db"), ".1f", " dB")],
        ["dynamic range (sweep)", _g(m.get("dr_db"), ".1f", " dB")],
        ["max stable amplitude (sweep)", _g(m.get("max_stable_amplitude_dbfs"), "g", " dBFS")],
    ]
    return {
        "id": "headline",
        "title": "Headline numbers",
        "header": ["metric", "value"],
        "rows": rows,
        "note": "Behavioral (sampled-data engine) with the spec's impairments.",
    }


def _abcd_table(design: Design) -> dict[str, Any]:
    n = design.order
    a = np.asarray(design.abcdc)
    n_dac = a.shape[1] - n - 1
    header = [""] + [f"x{j + 1}" for j in range(n)] + ["u"] + [f"dac{k + 1}" for k in range(n_dac)]
    rows = []
    for i, row in enumerate(a):
        label = f"dx{i + 1}/dt" if i < n else "y"
        rows.append([label] + [("0" if v == 0 else f"{v:.5g}") for v in row])
    tdac = "; ".join(
        f"{'u' if i == 0 else f'dac{i}'} [{r[0]:g}, {r[1]:g}]" for i, r in enumerate(design.tdac)
    )
    return {
        "id": "abcdc",
        "title": "CT loop filter (toolbox ABCDc)",
        "header": header,
        "rows": rows,
        "note": f"Time normalized to 1/fs, states scaled to xlim. DAC timing (tdac): {tdac}. "
        f"Verified: CT pulse response = 1 - 1/NTF to {design.loop.verify_error:.2g} (relative).",
    }


def _component_tables(design: Design) -> list[dict[str, Any]]:
    sz = design.sizing
    res = [
        [r.name, str(r.stage), r.source, _g(r.r_ohm / 1e3, ".4g"), _g(r.coefficient, ".5g")]
        for r in sz.resistors
    ]
    caps = [
        [
            f"C{i + 1}",
            _g(c * 1e12, ".4g"),
            _g(sz.k_x_v[i], ".3g"),
            _g(sz.opamp_en_v_rthz[i] * 1e9, ".3g"),
        ]
        for i, c in enumerate(sz.c_f)
    ]
    return [
        {
            "id": "resistors",
            "title": "Resistors (per side)",
            "header": ["name", "stage", "from", "R (kOhm)", "coefficient"],
            "rows": res,
            "note": f"First DAC: {sz.dac_units} unit element(s) of "
            f"{_g(sz.dac_unit_r_ohm / 1e3, '.4g')} kOhm per side.",
        },
        {
            "id": "capacitors",
            "title": "Integrators",
            "header": [
                "capacitor",
                "C (pF per side)",
                "volts per state unit (V)",
                "opamp e_n (nV/rtHz)",
            ],
            "rows": caps,
        },
    ]


def _noise_table(design: Design) -> dict[str, Any]:
    sz = design.sizing
    rows = [
        [
            s.name,
            s.kind,
            str(s.stage),
            _g(math.sqrt(s.inband_v2) * 1e6, ".3g"),
            _g(100 * s.inband_v2 / sz.total_noise_v2, ".1f"),
        ]
        for s in sz.noise
    ]
    rows.append(["total", "", "", _g(math.sqrt(sz.total_noise_v2) * 1e6, ".3g"), "100"])
    rows.append(["allowed (budget)", "", "", _g(math.sqrt(sz.budget_v2) * 1e6, ".3g"), ""])
    return {
        "id": "noise",
        "title": "Thermal noise budget (input-referred, in band)",
        "header": ["source", "kind", "stage", "noise (uVrms)", "share (%)"],
        "rows": rows,
        "note": f"Thermal-limited SNR {sz.snr_thermal_db:.1f} dB at "
        f"{sz.ref_amplitude_dbfs:.1f} dBFS, {sz.temp_k:.0f} K.",
    }


def _requirements_table(design: Design) -> dict[str, Any]:
    rq = design.requirements
    gbw = rq.gbw_ratio_min
    rows = [
        [
            "opamp GBW",
            "not met on the grid"
            if gbw is None
            else f"{gbw:g} fs ({gbw * design.fs_hz / 1e6:.3g} MHz)",
        ],
        ["opamp DC gain", _g(rq.dc_gain_db_min, "g", " dB")],
        ["RC spread tolerated", f"+-{rq.rc_tolerance * 100:.0f} % (<= {rq.rc_loss_db:g} dB loss)"],
    ]
    return {
        "id": "requirements",
        "title": "Requirements (simulated)",
        "header": ["item", "minimum"],
        "rows": rows,
        "note": f"Smallest value with <= {rq.loss_db:g} dB SNDR loss, each swept alone "
        f"(ctdsm.sizing.derive_requirements).",
    }


def _spice_table(sp: Mapping[str, Any]) -> dict[str, Any]:
    from ctdsm.analysis import spectrum_metrics

    rows = []
    for key, label in (("v_spice", "ngspice"), ("v_behavioral", "behavioral")):
        m = spectrum_metrics(
            sp[key], sp["fs_hz"], sp["fin_hz"], sp["bw_hz"], f0_hz=sp["f0_hz"],
            full_scale=sp["levels"] - 1,
        )  # fmt: skip
        rows.append(
            [
                label,
                str(len(sp[key])),
                _g(m.sndr_db, ".1f"),
                _g(m.snr_db, ".1f"),
                _g(m.thd_db, ".1f"),
            ]
        )
    meta = sp.get("metrics") or {}
    note = "Recomputed from spice.npz."
    if meta:
        note += f" ctdsm spice: engine {meta.get('engine', '?')}, pdk {meta.get('pdk', '?')}, "
        note += f"{_g(meta.get('elapsed_s'), '.0f', ' s')}."
    return {
        "id": "spice",
        "title": "ngspice versus behavioral",
        "header": ["run", "samples", "SNDR (dB)", "SNR (dB)", "THD (dB)"],
        "rows": rows,
        "note": note,
    }


# ----------------------------------------------------------------------------------------------
# assembly


def _as_design(design_or_spec: Design | Spec | str | Path) -> Design:
    from ctdsm.design.record import Design
    from ctdsm.design.spec import Spec, load_spec
    from ctdsm.flow.synthesize import synthesize

    if isinstance(design_or_spec, Design):
        return design_or_spec
    if isinstance(design_or_spec, Spec):
        return synthesize(design_or_spec)
    if isinstance(design_or_spec, str | Path):
        return synthesize(load_spec(design_or_spec))
    raise TypeError("report() takes a Design, a Spec or the path of a spec file")


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
    from ctdsm import plots
    from ctdsm.analysis import analyze
    from ctdsm.flow.chopping import chopping_sweep
    from ctdsm.sim.engine import simulate

    sim = design.spec.simulation
    n = int(sim.n_samples if n_samples is None else n_samples)
    seed = int(sim.seed if seed is None else seed)
    n_sweep = min(SWEEP_SAMPLES, n)
    n_dac = min(DAC_SAMPLES, n)
    n_chop = min(CHOP_SAMPLES, n)
    n_amps = len(SWEEP_AMPLITUDES_DBFS)
    bar = _Steps(progress, 6 + n_amps, design.name)
    try:
        bar.step("main simulation", 1)
        result = simulate(design, n, None, None, seed)
        m = analyze(result)
        record = metrics_record(design, result, m)
        bar.step("amplitude sweep", 1)
        sweep = _sweep(design, n_sweep, seed, lambda k: bar.step("amplitude sweep", k))
        for k in ("peak_sndr_db", "peak_amplitude_dbfs", "dr_db", "max_stable_amplitude_dbfs"):
            record[k] = sweep[k]
        record["sweep"] = sweep
        data = ReportData(design=design, metrics=record)
        data.add_figure(
            "ntf.png",
            plots.plot_ntf(design),
            "NTF and STF",
            "Magnitude of the noise transfer function and of the CT signal transfer function "
            "(linear quantizer model); the grey span is the signal band.",
        )
        data.add_figure(
            "pole_zero.png",
            plots.plot_pole_zero(design),
            "NTF poles and zeros",
            "z-plane; optimized zeros spread over the band.",
        )
        data.add_figure(
            "psd.png",
            plots.plot_psd(result, m),
            "Output PSD",
            f"Behavioral run with the spec's impairments, {n} samples, seed {seed}, Hann window. "
            "Triangles mark HD2 and HD3.",
        )
        data.add_figure(
            "sndr_vs_amplitude.png",
            plots.plot_sndr_vs_amplitude(sweep, title=f"{design.name}: SNDR versus amplitude"),
            "SNDR versus input amplitude",
            f"{n_amps} runs of {n_sweep} samples each (short runs: the SNDR of a point scatters "
            "by about a dB), spec impairments, seed "
            f"{seed}. DR is the peak amplitude minus where the slope-1 fit of the low-amplitude "
            "points crosses 0 dB.",
        )
        bar.step("state histograms", 1)
        states = _dt_states(design, result)
        data.add_figure(
            "state_histograms.png",
            plots.plot_state_histograms(
                states,
                design.spec.architecture.xlim,
                title=f"{design.name}: integrator outputs at the sampling instants",
            ),
            "Integrator swing",
            f"States of the ideal DT-equivalent loop at the sampling instants, same tone, {n} "
            f"samples; dashed lines are the scaling limit xlim (= {design.spec.sizing.swing_v:g} V "
            "differential opamp swing). Peak of each state with every impairment on (engine): "
            + ", ".join(f"{x:.2f}" for x in result.xmax)
            + ".",
        )
        bar.step("DAC models", 1)
        # The DAC and chopper studies need a stable loop: at most the synthesis's
        # peak-SQNR amplitude, whatever the spec's test amplitude.
        aux_dbfs = float(min(result.amplitude_dbfs, design.peak_amplitude_dbfs))
        dac_runs = _dac_runs(design, n_dac, aux_dbfs, seed)
        data.add_figure(
            "dac_error.png",
            plots.plot_dac_error(
                dac_runs, title=f"{design.name}: first DAC ({design.spec.dac.type})"
            ),
            "First-DAC errors",
            f"The same modulator with an ideal first DAC and with the {design.spec.dac.type} "
            f"circuit physics (ctdsm.dac), {aux_dbfs:g} dBFS, {n_dac} samples, seed {seed}; "
            "everything else ideal "
            "except the opamps (engine default gain and bandwidth) and the design's chopper.",
        )
        bar.step("chopping sweep", 1)
        f_chops = _chop_frequencies(design)
        chop = chopping_sweep(design, f_chops, n_chop, aux_dbfs, seed)
        data.add_figure(
            "chopper.png",
            plots.plot_chopper(
                chop,
                design.levels,
                design.bw_hz,
                f_chop_hz=_design_f_chop(design) if design.spec.chopper.enabled else None,
                title=f"{design.name}: in-band noise versus chopping frequency",
            ),
            "Chopping",
            f"ctdsm.chopper.chopping_sweep, {n_chop} samples, {aux_dbfs:g} dBFS, "
            "seed "
            f"{seed}: ideal except the first opamp (default gain, bandwidth, offset, 1/f "
            "noise). The prediction is from the unchopped virtual-ground voltage."
            + ("" if design.spec.chopper.enabled else " (The design itself is not chopped.)"),
        )
        record["chopping"] = {
            "f_chop_hz": chop["f_chop_hz"],
            "snr_chopped_db": chop["snr_chopped_db"],
            "snr_unchopped_db": chop["snr_unchopped_db"],
            "n_samples": n_chop,
            "amplitude_dbfs": aux_dbfs,
        }
        bar.step("tables", 1)
        data.tables = [
            _headline_table(record),
            _spec_table(design),
            _abcd_table(design),
            *_component_tables(design),
            _noise_table(design),
            _requirements_table(design),
        ]
        if spice is not None:
            data.add_figure(
                "psd_spice_overlay.png",
                plots.plot_psd_overlay(
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
            data.tables.append(_spice_table(spice))
            meta = spice.get("metrics") or {}
            record["spice"] = {
                k: meta.get(k) for k in ("sndr_db", "behavioral_sndr_db", "engine", "pdk")
            }
        data.notes = [
            f"Main run: {n} samples, seed {seed}, impairments preset "
            f"'{design.spec.impairments.preset}' (values in metrics.json).",
            f"Sweep: {n_sweep} samples per amplitude; DAC runs {n_dac}; chopping runs {n_chop}.",
            "ngspice overlay: "
            + ("included." if spice is not None else "no spice.npz found (run `ctdsm spice`)."),
        ]
        bar.step("done", 1)
    finally:
        bar.stop()
    return data


def render_html(data: ReportData) -> str:
    """The report's HTML (figures referenced by file name, beside it)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ctdsm", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    d = data.design
    figures = [{"file": name, "title": t, "caption": c} for name, (t, c) in data.captions.items()]
    return env.get_template("report.html.j2").render(
        name=d.name,
        version=__version__,
        summary=(
            f"order {d.order} {d.form}, {d.levels} levels, OSR {d.osr:g}, fs "
            f"{d.fs_hz / 1e6:g} MHz, bw {d.bw_hz / 1e3:g} kHz, DAC {d.spec.dac.type}"
        ),
        tables={t["id"]: t for t in data.tables},
        figures={f["file"]: f for f in figures},
        notes=data.notes,
    )


@contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A temporary directory beside ``out``, removed whatever happens."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(
    design_or_spec: Design | Spec | str | Path,
    out_dir: str | Path,
    *,
    n_samples: int | None = None,
    seed: int | None = None,
    spice_dir: str | Path | None = None,
    progress: bool = False,
) -> Path:
    """Simulate a design and write ``report.html``, its figures and ``metrics.json``.

    Parameters
    ----------
    design_or_spec : Design, Spec, str or Path
        A design, a spec, or the path of a spec file.
    out_dir : str or Path
        Output directory (created if needed; existing report files are replaced).
    n_samples : int, optional
        Samples of the main run (default from the spec); see :func:`build_report`.
    seed : int, optional
        Seed of every run (default from the spec).
    spice_dir : str or Path, optional
        Output directory of a ``ctdsm spice`` run; default ``out_dir`` if it holds a
        ``spice.npz``. Adds the ngspice versus behavioral overlay.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    Path
        The written ``report.html``.

    Raises
    ------
    CtdsmError
        On a bad spec, a bad ``spice.npz``, or an output path that is not a directory.
    """
    from ctdsm import plots

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CtdsmError(f"-o {out_dir}: exists and is not a directory")
    design = _as_design(design_or_spec)
    if spice_dir is None and (out / "spice.npz").is_file():
        spice_dir = out
    spice = load_spice(spice_dir) if spice_dir is not None else None
    data = build_report(design, n_samples=n_samples, seed=seed, spice=spice, progress=progress)
    html = render_html(data)
    with _staging(out) as tmp:
        for name, fig in data.figures.items():
            plots.save_png(fig, tmp / name)
        (tmp / "report.html").write_text(html, encoding="utf-8")
        (tmp / "metrics.json").write_text(
            json.dumps(data.metrics, indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        out.mkdir(parents=True, exist_ok=True)
        # Figures first, the HTML and the metrics last: a reader that sees report.html
        # finds its images.
        names = [*data.figures, "report.html", "metrics.json"]
        for name in names:
            os.replace(tmp / name, out / name)
    return out / "report.html"


# ----------------------------------------------------------------------------------------------
# index of several reports


def index_markdown(reports_dir: str | Path) -> str:
    """A Markdown table of the headline numbers of every ``<dir>/*/metrics.json``.

    Parameters
    ----------
    reports_dir : str or Path

    Returns
    -------
    str
    """
    root = Path(reports_dir)
    rows = []
    for mp in sorted(root.glob("*/metrics.json")):
        m = json.loads(mp.read_text())
        name = mp.parent.name
        rows.append(
            f"| [{name}]({name}/report.html) | {_g(m.get('sndr_db'), '.1f')} | "
            f"{_g(m.get('snr_db'), '.1f')} | {_g(m.get('thd_db'), '.1f')} | "
            f"{_g(m.get('sfdr_db'), '.1f')} | {_g(m.get('amplitude_dbfs'), 'g')} | "
            f"{_g(m.get('peak_sndr_db'), '.1f')} | {_g(m.get('dr_db'), '.1f')} | "
            f"{_g(m.get('max_stable_amplitude_dbfs'), 'g')} | {m.get('n_samples')} | "
            f"{(m.get('sweep') or {}).get('n_samples', 'n/a')} | "
            f"{'yes' if m.get('stable') else 'NO'} |"
        )
    if not rows:
        raise CtdsmError(f"{reports_dir}: no */metrics.json to index")
    head = [
        "# reports/",
        "",
        "Generated by `make reports` (`ctdsm report designs/<design>.yaml -o reports/<design>`):",
        "each folder holds `report.html` (open it in a browser), its PNG figures and",
        "`metrics.json`. This table is generated from the metrics files; do not edit it by hand.",
        "",
        "Behavioral (sampled-data engine) with each spec's impairments; SNDR/SNR/THD/SFDR at the",
        "spec's test amplitude; peak SNDR, dynamic range (DR) and maximum stable amplitude from",
        "the report's short-run amplitude sweep.",
        "",
        "| design | SNDR (dB) | SNR (dB) | THD (dB) | SFDR (dB) | amplitude (dBFS) | "
        "peak SNDR (dB) | DR (dB) | max stable (dBFS) | samples | sweep samples | stable |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    return "\n".join(head + rows) + "\n"


def write_index(reports_dir: str | Path) -> Path:
    """Write ``<reports_dir>/README.md`` (:func:`index_markdown`) and return its path."""
    from ctdsm.io import atomic_write_text

    return atomic_write_text(Path(reports_dir) / "README.md", index_markdown(reports_dir))


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`report`.

    ``ctdsm.report`` is both the lazily exported function and the name of this submodule;
    the import system rebinds the package attribute to the module when it is first imported
    directly (``from ctdsm.report import ...``), so ``ctdsm.report(design, out)`` must work
    whichever object the attribute ends up being.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Path:
        return report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
