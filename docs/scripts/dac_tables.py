"""Measured tables of docs/models.md (sections 2, 5.1-5.3, 5.6) and docs/designs.md.

Run from anywhere, one or more sections (``all`` for every one)::

    python docs/scripts/dac_tables.py physics            # models.md section 2 (instant)
    python docs/scripts/dac_tables.py seeds isolation mechanisms --jobs 2
    python docs/scripts/dac_tables.py designs --jobs 2   # designs.md "What limits it"
    python docs/scripts/dac_tables.py impairments        # impairments.md, the dac_physics rows
    python docs/scripts/dac_tables.py phase              # models.md 5.4, chopper.phase
    python docs/scripts/dac_tables.py circuit --jobs 2   # models.md 5.6 (circuit tier, slow)

Every simulation uses the seed designs as they are in ``designs/`` and fixed seeds (1 and 2),
so the numbers are reproducible. Each case prints one line as it finishes: the section, the
case, the seed, then SNDR / SNR / THD in dB (THD prefixed with ``<`` when it is only an upper
bound, ``thd_upper_bound``). The circuit section prints the engine's and the circuit tier's
THD side by side.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import ctdsm
import ctdsm.sim.setup as engine_setup
from ctdsm.analysis import analyze

ROOT = Path(__file__).resolve().parents[2]

#: The DAC physics alone: ideal modulator, DAC circuit physics on, first opamp 60 dB / 4 fs.
PHYS_ONLY = {"preset": "ideal", "dac_physics": True, "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 4}
AMP = {"multibit": -3.0, "singlebit": -6.0}
N = 1 << 16
SEEDS = (1, 2)

#: Physics variants of section 5.3: a field of DacPhysics and what to do with it.
VARIANTS = {
    "edge_sigma_s=0": ("edge_sigma_s", lambda v: 0.0),
    "ref_r_ohm->0": ("ref_r_ohm", lambda v: 1e-6),
    "gate_asym_s=0": ("gate_asym_s", lambda v: 0.0),
    "skew_sigma_s=0": ("skew_sigma_s", lambda v: 0.0),
    "c_sw_f=0": ("c_sw_f", lambda v: 0.0),
    "c_float_sigma=0": ("c_float_sigma", lambda v: 0.0),
    "c_float_f x4": ("c_float_f", lambda v: 4.0 * v),
    "c_float_f=0": ("c_float_f", lambda v: 0.0),
}


def _design(name: str, *overrides: str) -> ctdsm.Design:
    return ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / f"{name}.yaml", list(overrides)))


def _fmt_thd(m) -> str:
    if m.thd_db is None:
        return "none"
    return ("<" if m.thd_upper_bound else "") + f"{m.thd_db:.1f}"


def _line(tag: str, m) -> str:
    return f"{tag} | {m.sndr_db:.1f} | {m.snr_db:.1f} | {_fmt_thd(m)}"


# ------------------------------------------------------------------------------------------
# section 2: device parameters


def physics_table() -> None:
    """Print every quantity of models.md section 2's seed-design table."""
    from ctdsm.models.dac import (
        dac_physics,
        rail_path_ohm,
        reference_ripple,
        rto_recharge,
        settling_delays_s,
        switch_node_share,
    )

    for name, types in (
        ("multibit", ("r_dac", "vgs_r")),
        ("singlebit", ("r_dac", "vgs_r", "dual_rto", "zapped_dual_rto")),
    ):
        d = _design(name)
        sz, spec = d.sizing, d.spec
        fs = d.fs_hz
        units = spec.architecture.levels - 1
        r_u, v_ref = sz.dac_unit_r_ohm, spec.target.full_scale_v
        print(f"== {name}: {units} elements, fs {fs / 1e6:g} MHz")
        for t in types:
            p = dac_physics(t, r_u, v_ref, spec.process.vdd_v)
            ref = reference_ripple(p, fs, units)
            q_u = v_ref / (r_u * fs)
            w_n_um = (p.c_sw_f - 5e-15) / 2e-15
            tr, tf = settling_delays_s(p)
            s = switch_node_share(p)
            print(
                f"  {t}: R_u {r_u:.4g} ohm, I_u {p.i_unit_a * 1e3:.4g} mA, Q_u {q_u * 1e12:.4g} pC,"
                f" R_on n/p {p.r_on_n_ohm:.4g}/{p.r_on_p_ohm:.4g} ohm, W_n {w_n_um:.4g} um,"
                f" C_node {p.c_node_f * 1e15:.4g} fF, C_sw {p.c_sw_f * 1e15:.4g} fF"
            )
            print(
                f"     R_on,p C_node {p.r_on_p_ohm * p.c_node_f * 1e12:.3g} ps,"
                f" R_on,n C_node {p.r_on_n_ohm * p.c_node_f * 1e12:.3g} ps,"
                f" settling rise/fall {tr * 1e12:.3g}/{tf * 1e12:.3g} ps"
            )
            rel = rto_recharge(p) * fs if t == "zapped_dual_rto" else float("nan")
            print(
                f"     R_path {rail_path_ohm(p):.5g} ohm, tau {ref.tau_s * 1e12:.4g} ps,"
                f" packet {ref.packet:.3g}, decay {ref.decay:.3g}, window {ref.window:.3g},"
                f" 2 packet tau/T {2 * ref.packet * ref.tau_s * fs:.3g},"
                f" k_e {ref.k_e_per_v:.3g} /V, k_e tau/T {ref.k_e_per_v * ref.tau_s * fs:.3g} /V"
            )
            print(
                f"     share {s:.4g}, 2 C_sw s / Q_u {2 * p.c_sw_f * s / q_u:.3g} /V,"
                f" C_f/Q_u {2 * p.c_float_f / q_u:.3g} /V, rto_recharge rel {rel:.3g},"
                f" log10 decay {math.log10(ref.decay) if ref.decay > 0 else -math.inf:.1f}"
            )


# ------------------------------------------------------------------------------------------
# simulation cases


def _run(case: tuple) -> str:
    section, name, overrides, imp, variant, seed, tag = case
    orig = engine_setup.dac_physics
    if variant is not None:
        field, fn = VARIANTS[variant]

        def patched(*a, **k):
            p = orig(*a, **k)
            return dataclasses.replace(p, **{field: fn(getattr(p, field))})

        engine_setup.dac_physics = patched  # read by the engine at call time
    try:
        d = _design(name, *overrides)
        m = analyze(ctdsm.simulate(d, N, AMP[name], imp, seed))
    finally:
        engine_setup.dac_physics = orig
    return _line(f"{section} | {tag} | seed {seed}", m)


def _seeds_cases() -> list[tuple]:
    rows = [
        ("multibit", ()),
        ("multibit", ("dac.type=r_dac",)),
        ("multibit", ("chopper.enabled=false",)),
        ("singlebit", ()),
        ("singlebit", ("dac.type=r_dac",)),
        ("singlebit", ("dac.type=dual_rto",)),
        ("singlebit", ("dac.type=vgs_r",)),
        ("singlebit", ("chopper.enabled=false",)),
    ]
    return [
        ("5.1", n, o, "default", None, s, f"{n} {' '.join(o) or 'as specified'}")
        for n, o in rows
        for s in SEEDS
    ]


def _isolation_cases() -> list[tuple]:
    out = []
    for name, types in (
        ("multibit", ("r_dac", "vgs_r")),
        ("singlebit", ("r_dac", "vgs_r", "dual_rto", "zapped_dual_rto")),
    ):
        for chop in ("true", "false"):
            o = (f"chopper.enabled={chop}",)
            for t in types:
                for s in SEEDS:
                    out.append(("5.2", name, (f"dac.type={t}", *o), PHYS_ONLY, None, s,
                                f"{name} chop={chop} {t}"))  # fmt: skip
            off = PHYS_ONLY | {"dac_physics": False}
            out.append(("5.2", name, o, off, None, 1, f"{name} chop={chop} physics off"))
    return out


def _mechanism_cases() -> list[tuple]:
    rows = [
        ("multibit", "r_dac", [None, "edge_sigma_s=0", "ref_r_ohm->0", "gate_asym_s=0"]),
        ("singlebit", "r_dac", [None, "edge_sigma_s=0", "ref_r_ohm->0"]),
        ("multibit", "vgs_r", [None, "skew_sigma_s=0", "c_sw_f=0", "ref_r_ohm->0"]),
        ("singlebit", "vgs_r", [None, "c_sw_f=0", "ref_r_ohm->0"]),
        ("singlebit", "dual_rto", [None, "c_float_sigma=0", "c_float_f x4", "ref_r_ohm->0"]),
        ("singlebit", "zapped_dual_rto", [None, "c_float_f x4", "ref_r_ohm->0"]),
    ]
    out = []
    for name, t, variants in rows:
        o = (f"dac.type={t}", "chopper.enabled=false")
        for v in variants:
            for s in SEEDS:
                out.append(("5.3", name, o, PHYS_ONLY, v, s, f"{name} {t} {v or 'all'}"))
    return out


def _designs_cases() -> list[tuple]:
    d = "default"
    multibit = [
        ("all defaults", {}),
        ("thermal_noise off", {"thermal_noise": False}),
        ("flicker off", {"flicker_corner_hz": None}),
        ("flicker and offset off", {"flicker_corner_hz": None, "opamp_offset_v": None}),
        ("opamp_gbw_ratio off", {"opamp_gbw_ratio": None}),
        ("chopper_skew_s off", {"chopper_skew_s": None}),
        ("chopper_charge_c off", {"chopper_charge_c": None}),
        ("jitter off", {"jitter_rms_s": None}),
        ("dac_physics off", {"dac_physics": False}),
        ("dac_mismatch off", {"dac_mismatch_sigma": None}),
        ("gbw 8", {"opamp_gbw_ratio": 8}),
        ("gbw 16", {"opamp_gbw_ratio": 16}),
        ("flicker 200k", {"flicker_corner_hz": 200e3}),
    ]
    singlebit = [
        ("all defaults", {}),
        ("jitter off", {"jitter_rms_s": None}),
        ("thermal_noise off", {"thermal_noise": False}),
        ("opamp_gbw_ratio off", {"opamp_gbw_ratio": None}),
        ("flicker off", {"flicker_corner_hz": None}),
        ("dac_physics off", {"dac_physics": False}),
        ("jitter 1 ps", {"jitter_rms_s": 1e-12}),
    ]
    out = []
    for name, rows in (("multibit", multibit), ("singlebit", singlebit)):
        for chop in ("true", "false"):
            for tag, ch in rows:
                for s in SEEDS:
                    o = (f"chopper.enabled={chop}",)
                    imp = {"preset": d} | ch
                    out.append(("designs", name, o, imp, None, s, f"{name} chop={chop} {tag}"))
    return out


def _impairments_cases() -> list[tuple]:
    rows = [
        ("dac_physics (ideal opamps)", {"preset": "ideal", "dac_physics": True}),
        ("dac_physics, 60 dB, 4 fs", PHYS_ONLY),
    ]
    out = []
    for name in ("multibit", "singlebit"):
        for chop in ("true", "false"):
            for tag, imp in rows:
                for s in SEEDS:
                    o = (f"chopper.enabled={chop}",)
                    out.append(("impairments", name, o, imp, None, s, f"{name} chop={chop} {tag}"))
    return out


def _phase_cases() -> list[tuple]:
    return [
        ("5.4", name, (f"chopper.phase={ph}",), "default", None, s, f"{name} phase={ph}")
        for name in ("multibit", "singlebit")
        for ph in (0, 0.25, 0.5, 0.75)
        for s in SEEDS
    ]


def _circuit_case(case: tuple) -> str:
    from ctdsm.sim.circuit import simulate_circuit

    name, t, seed, n = case
    d = _design(name, f"dac.type={t}")
    m = analyze(ctdsm.simulate(d, n, AMP[name], PHYS_ONLY, seed))
    mc = analyze(simulate_circuit(d, n, AMP[name], seed, impairments=PHYS_ONLY))
    return (
        f"5.6 | {name} {t} | seed {seed} | n {n} | engine THD {_fmt_thd(m)} HD3 {m.hd3_db}"
        f" SNDR {m.sndr_db:.1f} | circuit THD {_fmt_thd(mc)} HD3 {mc.hd3_db}"
        f" SNDR {mc.sndr_db:.1f} | stable {m.stable} {mc.stable}"
    )


def _circuit_cases() -> list[tuple]:
    rows = [
        ("multibit", "vgs_r"),
        ("multibit", "r_dac"),
        ("singlebit", "dual_rto"),
        ("singlebit", "zapped_dual_rto"),
        ("singlebit", "vgs_r"),
    ]
    return [(n, t, s, 1 << 14) for n, t in rows for s in SEEDS]


SECTIONS = {
    "seeds": _seeds_cases,
    "isolation": _isolation_cases,
    "mechanisms": _mechanism_cases,
    "designs": _designs_cases,
    "impairments": _impairments_cases,
    "phase": _phase_cases,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sections", nargs="+", choices=["physics", "circuit", "all", *SECTIONS])
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    args = ap.parse_args()
    names = set(args.sections)
    if "all" in names:
        names = {"physics", "circuit", *SECTIONS}
    if "physics" in names:
        physics_table()
    cases = [c for s in SECTIONS if s in names for c in SECTIONS[s]()]
    with ProcessPoolExecutor(args.jobs) as pool:
        for line in pool.map(_run, cases):
            print(line, flush=True)
        if "circuit" in names:
            for line in pool.map(_circuit_case, _circuit_cases()):
                print(line, flush=True)


if __name__ == "__main__":
    main()
