"""Simulation speed against PyDSM, measured side by side in one process.

1. ``ctdsm.toolbox.simulateDSM`` vs ``pydsm.delsig.simulateDSM``: 5th-order single-bit
   NTF (``synthesizeNTF(5, 64, 1)``), 2**20 samples, same input; outputs compared.
2. ``ctdsm.simulate`` of the single-bit seed design (CT loop filter, all default
   impairments) vs PyDSM's ideal DT simulation of the same length.

Each timing is the best of ``--repeat`` runs, the two contenders alternated so that the
machine's load hits both alike. Results are merged into benchmarks/results.json.

    python benchmarks/bench_engine.py [--samples 1048576] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"


def best_of(fns, repeat):
    best = [float("inf")] * len(fns)
    out = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            out[i] = fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=1 << 20)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n = args.samples

    try:
        from pydsm.delsig import simulateDSM as pydsm_simulate
    except ImportError as exc:  # pragma: no cover - bench extra missing
        raise SystemExit(f"PyDSM is not installed ({exc}); pip install '.[bench]'") from None

    import ctdsm
    from ctdsm import toolbox as ds

    ntf = ds.synthesizeNTF(5, 64, 1)
    ntf_tuple = (np.asarray(ntf.zeros), np.asarray(ntf.poles), 1.0)
    u = 0.5 * np.sin(2 * np.pi * 13 / 8192 * np.arange(n))
    ds.simulateDSM(u[:1000], ntf)  # compile / load the numba cache
    (t_pydsm, t_ctdsm), (v_pydsm, v_ctdsm) = best_of(
        [lambda: pydsm_simulate(u, ntf_tuple)[0], lambda: ds.simulateDSM(u, ntf)[0]],
        args.repeat,
    )
    same = np.asarray(v_pydsm).ravel() == np.asarray(v_ctdsm).ravel()
    first_diff = int(np.argmin(same)) if not same.all() else None

    # The 5th-order single-bit seed design; chopping is a design choice (the switched plant
    # of the chopped first opamp has no reduced form), measured separately.
    spec = ctdsm.load_spec(ROOT / "designs" / "singlebit.yaml", ["chopper.enabled=false"])
    design = ctdsm.synthesize(spec)
    chopped = ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / "singlebit.yaml"))
    ctdsm.simulate(design, 4096, -6, "default", 1)
    ctdsm.simulate(chopped, 4096, -6, "default", 1)
    (t_dt, t_ct, t_ct_ideal, t_chop), _ = best_of(
        [
            lambda: pydsm_simulate(u, ntf_tuple)[0],
            lambda: ctdsm.simulate(design, n, -6, "default", 1),
            lambda: ctdsm.simulate(design, n, -6, "ideal", 1),
            lambda: ctdsm.simulate(chopped, n, -6, "default", 1),
        ],
        args.repeat,
    )
    result = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "samples": n,
        "repeat": args.repeat,
        "simulateDSM": {
            "pydsm_s": round(t_pydsm, 4),
            "ctdsm_s": round(t_ctdsm, 4),
            "speedup": round(t_pydsm / t_ctdsm, 2),
            "pydsm_msps": round(n / t_pydsm / 1e6, 2),
            "ctdsm_msps": round(n / t_ctdsm / 1e6, 2),
            "identical_fraction": float(same.mean()),
            "first_difference": first_diff,
            "goal": ">= 5x (10x)",
        },
        "ct_default_vs_pydsm_ideal_dt": {
            "pydsm_ideal_dt_s": round(t_dt, 4),
            "ctdsm_ct_default_s": round(t_ct, 4),
            "ctdsm_ct_ideal_s": round(t_ct_ideal, 4),
            "ratio": round(t_dt / t_ct, 2),
            "ctdsm_ct_default_chopped_s": round(t_chop, 4),
            "ratio_chopped": round(t_dt / t_chop, 2),
            "goal": ">= 1 (CT with all default impairments at least as fast)",
        },
    }
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data["engine"] = result
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    s, c = result["simulateDSM"], result["ct_default_vs_pydsm_ideal_dt"]
    print(
        f"simulateDSM, {n} samples, 5th-order 1-bit: PyDSM {s['pydsm_s']} s, ctdsm {s['ctdsm_s']} s"
        f" -> {s['speedup']}x; identical outputs: {s['identical_fraction']:.6f}"
    )
    print(
        f"CT engine, all default impairments: {c['ctdsm_ct_default_s']} s vs PyDSM ideal DT "
        f"{c['pydsm_ideal_dt_s']} s -> {c['ratio']}x (ideal CT {c['ctdsm_ct_ideal_s']} s; "
        f"with the chopped first opamp {c['ctdsm_ct_default_chopped_s']} s -> "
        f"{c['ratio_chopped']}x)"
    )


if __name__ == "__main__":
    main()
