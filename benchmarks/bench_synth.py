"""Cold-start wall time of `ctdsm synth` on the 5th-order single-bit seed design.

Each run is a fresh Python process (imports, spec, NTF, CT realization, scaling,
verification, SQNR simulation, design.json). The numba cache is warmed once first, as it is
after installation. Results are merged into benchmarks/results.json.

    python benchmarks/bench_synth.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"


def run_once(spec: Path, out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ctdsm", "synth", str(spec), "-o", str(out), "-q"],
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--spec", default=str(ROOT / "designs" / "singlebit.yaml"))
    args = ap.parse_args()
    spec = Path(args.spec)
    with tempfile.TemporaryDirectory() as tmp:
        run_once(spec, Path(tmp))  # warm the numba cache
        times = [run_once(spec, Path(tmp)) for _ in range(args.runs)]
    result = {
        "spec": str(spec.relative_to(ROOT)) if spec.is_relative_to(ROOT) else str(spec),
        "runs": args.runs,
        "min_s": round(min(times), 3),
        "median_s": round(statistics.median(times), 3),
        "goal_s": 2.0,
    }
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data["synth_cold_start"] = result
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(
        f"ctdsm synth {result['spec']}: median {result['median_s']} s, min {result['min_s']} s "
        f"over {args.runs} fresh processes (goal < 2 s)"
    )


if __name__ == "__main__":
    main()
