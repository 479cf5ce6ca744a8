"""The report's tables: plain dicts of strings that the HTML template lays out.

Each builder returns ``{"id", "title", "header", "rows"[, "note"]}`` with every cell already
formatted, so the template does no arithmetic and the same numbers reach every output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ctdsm.analysis import spectrum_metrics

if TYPE_CHECKING:
    from ctdsm.design.record import Design

__all__ = [
    "fmt",
    "report_tables",
    "headline_table",
    "spec_table",
    "abcd_table",
    "component_tables",
    "noise_table",
    "requirements_table",
    "spice_table",
    "fom_table",
    "cost_table",
]

Table = dict[str, Any]


def fmt(x: Any, spec: str = ".4g", unit: str = "") -> str:
    """One table cell.

    Parameters
    ----------
    x : float or None
        The value.
    spec : str
        Format spec of the number.
    unit : str
        Appended to the number (with its leading space).

    Returns
    -------
    str
        ``"n/a"`` for None or a non-finite float.
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:{spec}}{unit}"


def report_tables(
    design: Design, record: Mapping[str, Any], f_chop_hz: float | None
) -> list[Table]:
    """The design's tables in report order (the spice table is added with its run).

    Parameters
    ----------
    design : Design
    record : mapping
        The ``metrics.json`` record, sweep keys included.
    f_chop_hz : float or None
        The design's chopping frequency, Hz; None when it is not chopped.

    Returns
    -------
    list of dict
    """
    return [
        headline_table(record),
        spec_table(design, f_chop_hz),
        abcd_table(design),
        *component_tables(design),
        noise_table(design),
        requirements_table(design),
        fom_table(design, record),
        cost_table(design),
    ]


def headline_table(m: Mapping[str, Any]) -> Table:
    """SNDR, SNR, THD, SFDR and the sweep's figures of a ``metrics.json`` record."""
    rows = [
        ["SNDR", fmt(m["sndr_db"], ".1f", " dB")],
        ["SNR", fmt(m["snr_db"], ".1f", " dB")],
        ["THD", fmt(m["thd_db"], ".1f", " dB")],
        ["SFDR", fmt(m["sfdr_db"], ".1f", " dB")],
        ["HD2 / HD3", f"{fmt(m['hd2_db'], '.1f', ' dBc')} / {fmt(m['hd3_db'], '.1f', ' dBc')}"],
        ["in-band noise", fmt(m.get("inband_noise_nv_rthz"), ".3g", " nV/rtHz")],
        ["tone", f"{m['amplitude_dbfs']:g} dBFS at {m['fin_hz'] / 1e3:.4g} kHz"],
        ["record", f"{m['n_samples']} samples, seed {m['seed']}"],
        ["stable", "yes" if m["stable"] else "NO"],
        ["peak SNDR (sweep)", fmt(m.get("peak_sndr_db"), ".1f", " dB")],
        ["dynamic range (sweep)", fmt(m.get("dr_db"), ".1f", " dB")],
        ["max stable amplitude (sweep)", fmt(m.get("max_stable_amplitude_dbfs"), "g", " dBFS")],
    ]
    return {
        "id": "headline",
        "title": "Headline numbers",
        "header": ["metric", "value"],
        "rows": rows,
        "note": "Behavioral (sampled-data engine) with the spec's impairments.",
    }


def fom_table(design: Design, m: Mapping[str, Any]) -> Table:
    """Modelled power and area with the figures of merit, measured and as designed."""
    d = design.to_dict()
    rows = [
        ["power (modelled)", fmt(design.cost.power_w * 1e3, ".3g", " mW")],
        ["area (modelled)", fmt(design.cost.area_mm2, ".3g", " mm^2")],
        ["Schreier FoM, SNDR (peak, simulated)", fmt(m.get("fom_schreier_sndr_db"), ".1f", " dB")],
        ["Schreier FoM, DR (simulated)", fmt(m.get("fom_schreier_dr_db"), ".1f", " dB")],
        ["Walden FoM (simulated)", fmt(_fj(m.get("fom_walden_j")), ".3g", " fJ/step")],
        ["SNDR / DR as designed", f"{fmt(d['predicted_sndr_db'], '.1f', ' dB')} / "
                                  f"{fmt(d['predicted_dr_db'], '.1f', ' dB')}"],
        ["Schreier FoM, SNDR / DR as designed",
         f"{fmt(d['fom_schreier_sndr_db'], '.1f', ' dB')} / "
         f"{fmt(d['fom_schreier_dr_db'], '.1f', ' dB')}"],
    ]  # fmt: skip
    return {
        "id": "fom",
        "title": "Power, area and figures of merit",
        "header": ["item", "value"],
        "rows": rows,
        "note": "Power and area from the process models of docs/power.md ("
        f"{design.cost.tech}); FoM_S = X + 10 log10(BW/P), Walden P / (2^ENOB 2 BW). "
        "'As designed': peak SQNR with the sizing's thermal noise budget.",
    }


def _fj(x: float | None) -> float | None:
    return None if x is None else x * 1e15


def cost_table(design: Design) -> Table:
    """Power and area block by block (each breakdown sums to its total)."""
    c = design.cost
    p_tot, a_tot = c.power_w, c.area_mm2
    rows = [
        [name, fmt(w * 1e3, ".3g", " mW"), fmt(100 * w / p_tot, ".1f", " %")]
        for name, w in c.power_breakdown_w.items()
    ]
    rows += [
        [name, fmt(a, ".3g", " mm^2"), fmt(100 * a / a_tot, ".1f", " %")]
        for name, a in c.area_breakdown_mm2.items()
    ]
    return {
        "id": "cost",
        "title": "Power and area by block",
        "header": ["block", "power or area", "share"],
        "rows": rows,
    }


def spec_table(design: Design, f_chop_hz: float | None) -> Table:
    """The spec's key items and the synthesis's headline numbers."""
    s = design.spec
    rows = [
        ["description", s.description or ""],
        ["bandwidth", fmt(design.bw_hz / 1e3, "g", " kHz")],
        ["band centre", "low-pass" if not design.f0_hz else fmt(design.f0_hz / 1e3, "g", " kHz")],
        ["target SNDR (sizing)", fmt(s.target.sndr_db, "g", " dB")],
        [
            "full scale",
            fmt(design.sizing.full_scale_v, "g", " V differential peak")
            + (" (auto: supply limit)" if design.full_scale else ""),
        ],
        ["clock fs", fmt(design.fs_hz / 1e6, "g", " MHz")],
        ["OSR", fmt(design.osr, "g")],
        ["order / form", f"{design.order} / {design.form}"],
        ["quantizer levels", str(design.levels)],
        ["H_inf", fmt(design.h_inf, "g")],
        ["excess loop delay", fmt(design.eld, "g", " Ts")],
        ["DAC", f"{s.dac.type}, DEM {s.dac.dem}, pulse {s.architecture.dac_pulse}"],
        ["chopper", "off" if f_chop_hz is None else f"on, f_chop {f_chop_hz / 1e3:g} kHz"],
        ["process", f"{s.process.pdk}, VDD {s.process.vdd_v:g} V, {s.process.temp_c:g} C"],
        ["peak SQNR (ideal, synthesis)", fmt(design.peak_sqnr_db, ".1f", " dB")],
        ["max stable input (synthesis)", fmt(design.max_stable_dbfs, ".1f", " dBFS")],
    ]
    return {"id": "spec", "title": "Spec summary", "header": ["item", "value"], "rows": rows}


def abcd_table(design: Design) -> Table:
    """The CT loop filter's ABCDc matrix and DAC timing."""
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


def component_tables(design: Design) -> list[Table]:
    """The resistors and the integrators (capacitors, volt scales, opamp noise)."""
    sz = design.sizing
    res = [
        [r.name, str(r.stage), r.source, fmt(r.r_ohm / 1e3, ".4g"), fmt(r.coefficient, ".5g")]
        for r in sz.resistors
    ]
    caps = [
        [
            f"C{i + 1}",
            fmt(c * 1e12, ".4g"),
            fmt(sz.k_x_v[i], ".3g"),
            fmt(sz.opamp_en_v_rthz[i] * 1e9, ".3g"),
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
            f"{fmt(sz.dac_unit_r_ohm / 1e3, '.4g')} kOhm per side.",
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


def noise_table(design: Design) -> Table:
    """The thermal noise budget, source by source."""
    sz = design.sizing
    rows = [
        [
            s.name,
            s.kind,
            str(s.stage),
            fmt(math.sqrt(s.inband_v2) * 1e6, ".3g"),
            fmt(100 * s.inband_v2 / sz.total_noise_v2, ".1f"),
        ]
        for s in sz.noise
    ]
    rows.append(["total", "", "", fmt(math.sqrt(sz.total_noise_v2) * 1e6, ".3g"), "100"])
    rows.append(["allowed (budget)", "", "", fmt(math.sqrt(sz.budget_v2) * 1e6, ".3g"), ""])
    return {
        "id": "noise",
        "title": "Thermal noise budget (input-referred, in band)",
        "header": ["source", "kind", "stage", "noise (uVrms)", "share (%)"],
        "rows": rows,
        "note": f"Thermal-limited SNR {sz.snr_thermal_db:.1f} dB at "
        f"{sz.ref_amplitude_dbfs:.1f} dBFS, {sz.temp_k:.0f} K.",
    }


def requirements_table(design: Design) -> Table:
    """The simulated opamp and RC requirements."""
    rq = design.requirements
    gbw = rq.gbw_ratio_min
    rows = [
        [
            "opamp GBW",
            "not met on the grid"
            if gbw is None
            else f"{gbw:g} fs ({gbw * design.fs_hz / 1e6:.3g} MHz)",
        ],
        ["opamp DC gain", fmt(rq.dc_gain_db_min, "g", " dB")],
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


def spice_table(sp: Mapping[str, Any]) -> Table:
    """SNDR, SNR and THD of the ngspice and behavioral records of a ``ctdsm spice`` run.

    Parameters
    ----------
    sp : mapping
        A ``ctdsm spice`` run (:func:`~ctdsm.reporting.compute.load_spice`).

    Returns
    -------
    dict
    """
    rows = []
    for key, label in (("v_spice", "ngspice"), ("v_behavioral", "behavioral")):
        m = spectrum_metrics(
            sp[key], sp["fs_hz"], sp["fin_hz"], sp["bw_hz"], f0_hz=sp["f0_hz"],
            full_scale=sp["levels"] - 1,
        )  # fmt: skip
        rows.append(
            [label, str(len(sp[key])), fmt(m.sndr_db, ".1f"), fmt(m.snr_db, ".1f"),
             fmt(m.thd_db, ".1f")]
        )  # fmt: skip
    meta = sp.get("metrics") or {}
    note = "Recomputed from spice.npz."
    if meta:
        note += f" ctdsm spice: engine {meta.get('engine', '?')}, pdk {meta.get('pdk', '?')}, "
        note += f"{fmt(meta.get('elapsed_s'), '.0f', ' s')}."
    return {
        "id": "spice",
        "title": "ngspice versus behavioral",
        "header": ["run", "samples", "SNDR (dB)", "SNR (dB)", "THD (dB)"],
        "rows": rows,
        "note": note,
    }
