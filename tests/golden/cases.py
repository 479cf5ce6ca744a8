"""The golden cases: the exact calls whose results pin the behaviour of ctdsm.

Each case returns a SHA-256 of its output (codes as float64 bytes, or a canonical JSON).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = ("multibit", "singlebit")
#: Seed designs and variants that exercise every DAC type and the unchopped loop.
VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "multibit": ("multibit", ()),
    "multibit_r_dac": ("multibit", ("dac.type=r_dac",)),
    "singlebit": ("singlebit", ()),
    "singlebit_dual_rto": ("singlebit", ("dac.type=dual_rto",)),
    "singlebit_unchopped": ("singlebit", ("chopper.enabled=false",)),
}
SEED = 7
N_SAMPLES = 4096
#: Every impairment on, including the ones the default preset leaves off.
FULL = {
    "preset": "default",
    "rc_spread": 0.1,
    "eld_extra": 0.05,
    "dac_edge_asymmetry_s": 5e-12,
}
PRESETS: dict[str, Any] = {"ideal": "ideal", "default": "default", "full": FULL}


#: Significant digits kept of a float in the JSON-form cases: the last digits of a linear
#: solve differ between CPUs (BLAS kernels); the output codes are compared exactly.
DIGITS = 10


def canonical(x: Any) -> Any:
    """``x`` with every float rounded to :data:`DIGITS` significant digits (recursively)."""
    if isinstance(x, dict):
        return {k: canonical(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [canonical(v) for v in x]
    if isinstance(x, float | np.floating) and np.isfinite(x) and x != 0:
        return float(f"{float(x):.{DIGITS - 1}e}")
    return x


def sha(x: Any) -> str:
    if isinstance(x, np.ndarray):
        data = np.ascontiguousarray(x, dtype=np.float64).tobytes()
    else:
        data = json.dumps(x, sort_keys=True, default=float).encode()
    return hashlib.sha256(data).hexdigest()


def design_of(variant: str) -> Any:
    import ctdsm

    name, overrides = VARIANTS[variant]
    return ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / f"{name}.yaml", overrides))


def engine_cases(design: Any) -> dict[str, str]:
    import ctdsm

    out = {}
    for key, imp in PRESETS.items():
        r = ctdsm.simulate(design, N_SAMPLES, -6.0, imp, SEED)
        out[f"simulate_{key}"] = sha(r.v)
        out[f"metrics_{key}"] = sha(canonical(ctdsm.analyze(r).to_dict()))
        out[f"simulate_{key}_meta"] = sha(canonical(
            {"stable": bool(r.stable), "n_run": int(r.n_run), "fin_hz": r.fin_hz,
             "xmax": np.asarray(r.xmax).tolist()}
        ))  # fmt: skip
    return out


def circuit_case(design: Any) -> str:
    from ctdsm.sim import circuit

    r = circuit.simulate_circuit(design, 4096, -6.0, SEED)  # 4096: OSR 128 needs it
    return sha(r.v)


def netlist_case(design: Any) -> str:
    import ctdsm

    nl = ctdsm.netlist(design, n_cycles=4096, seed=SEED, noise_source="table")
    return sha({"text": nl.text, "inputs": [list(i) for i in nl.inputs],
                "spiceinit": list(nl.spiceinit), "vectors": [nl.code_vector, *nl.state_vectors],
                "times": [nl.t_first_sample_s, nl.read_delay_s, nl.t_stop_s]})  # fmt: skip


def toolbox_case() -> str:
    from ctdsm import toolbox

    ntf = toolbox.synthesizeNTF(5, 32, 1, 1.5)
    n = np.arange(8192)
    u = 0.5 * np.sin(2 * np.pi * 37 / 8192 * n)
    v, xn, xmax, y = toolbox.simulateDSM(u, ntf)
    return sha(np.concatenate([v, y, np.asarray(xmax).ravel()]))


def design_json(design: Any) -> str:
    return json.dumps(design.to_dict(), indent=1, sort_keys=True) + "\n"


def compute(variant: str) -> dict[str, str]:
    design = design_of(variant)
    out = engine_cases(design)
    out["design_json"] = sha(canonical(json.loads(design_json(design))))
    out["circuit"] = circuit_case(design)
    out["netlist_table"] = netlist_case(design)
    return out


def compute_all() -> dict[str, dict[str, str]]:
    out = {variant: compute(variant) for variant in VARIANTS}
    out["toolbox"] = {"simulateDSM": toolbox_case()}
    return out
