"""Monte Carlo throughput of ``ctdsm.sweep`` with 1 vs 2 workers, local processes and Dask.

A Monte Carlo of ``--runs`` seeds of the multi-bit seed design (``designs/multibit.yaml``,
all default impairments, ``--samples`` clock cycles per run) is timed on:

* local process pools (:class:`ctdsm.sweeps.LocalBackend`) of 1 and 2 workers;
* Dask ``LocalCluster`` s of 1 and 2 single-threaded worker processes.

Synthesis is **outside** the timed region: every worker synthesizes the design and loads the
numba kernels in a warm-up before the first timing (``Backend.warm``), as it would once at
the start of a long sweep. Each timed sweep still pays everything else: validating the
spec, sending the jobs, simulating, analysing, gathering the rows. The 1- and 2-worker
backends are alternated ``--repeat`` times and the best time of each is kept, so that the
load of a shared machine hits both alike. The rows of all four backends are compared (they
must be identical). Results are merged into benchmarks/results.json under ``"sweep"``.

    python benchmarks/bench_sweep.py [--runs 16] [--samples 65536] [--repeat 10] [--no-dask]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
SPEC = ROOT / "designs" / "multibit.yaml"


def _time_pair(backends, run, repeat):
    """Best-of-``repeat`` wall time of ``run(backend)`` for each backend, alternated.

    Returns the best times and the sweep result of each backend's best repetition.
    """
    best = [float("inf")] * len(backends)
    results = [None] * len(backends)
    for _ in range(repeat):
        for i, be in enumerate(backends):
            t0 = time.perf_counter()
            res = run(be)
            dt = time.perf_counter() - t0
            if dt < best[i]:
                best[i], results[i] = dt, res
    return best, results


def _median(x):
    x = sorted(x)
    return x[len(x) // 2] if len(x) % 2 else 0.5 * (x[len(x) // 2 - 1] + x[len(x) // 2])


def _entry(times, results, runs):
    (t1, t2), (r1, r2) = times, results
    out = {
        "t_1_worker_s": round(t1, 3),
        "t_2_workers_s": round(t2, 3),
        "speedup": round(t1 / t2, 3),
        "runs_per_s_1": round(runs / t1, 2),
        "runs_per_s_2": round(runs / t2, 2),
    }
    # Per run, wall over CPU time inside the worker: about 1 when the worker had a core to
    # itself, about 2 when it shared one (a loaded machine), whatever the sweep code does.
    for tag, res in (("1", r1), ("2", r2)):
        cpu = _median(res.values("cpu_s"))
        wall = _median(res.values("elapsed_s"))
        out[f"run_cpu_s_{tag}"] = round(cpu, 4)
        out[f"run_wall_over_cpu_{tag}"] = round(wall / cpu, 2)
    return out


def _line(label, e):
    return (
        f"{label}: 1 worker {e['t_1_worker_s']:.2f} s, 2 workers {e['t_2_workers_s']:.2f} s: "
        f"{e['speedup']:.2f}x (per run wall/CPU {e['run_wall_over_cpu_1']:.2f} with 1 worker, "
        f"{e['run_wall_over_cpu_2']:.2f} with 2)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("--samples", type=int, default=1 << 16)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--no-dask", action="store_true", help="Local process pools only.")
    args = ap.parse_args()

    from ctdsm.design.spec import load_spec
    from ctdsm.sweeps import LocalBackend, sweep

    spec = load_spec(SPEC)
    data = spec.to_dict()

    def run(be):
        return sweep(spec, None, mc_runs=args.runs, n_samples=args.samples, backend=be)

    load_before = os.getloadavg()
    out = {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "spec": "designs/multibit.yaml",
        "mc_runs": args.runs,
        "samples": args.samples,
        "repeat": args.repeat,
        "synthesis": "outside the timed region (warm-up on every worker)",
        "goal": ">= 1.7x with 2 workers",
    }
    with LocalBackend(1) as one, LocalBackend(2) as two:
        one.warm(data, [()])
        two.warm(data, [()])
        times, (r1, r2) = _time_pair([one, two], run, args.repeat)
    out["local"] = _entry(times, (r1, r2), args.runs)
    print(_line(f"local processes, {args.runs} runs of {args.samples} samples", out["local"]))
    identical = r1.results() == r2.results()
    if not args.no_dask:
        from distributed import Client, LocalCluster

        from ctdsm.sweeps import DaskBackend

        def cluster(n):
            return LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            )

        with (
            cluster(1) as c1,
            cluster(2) as c2,
            Client(c1) as k1,
            Client(c2) as k2,
            DaskBackend(k1) as d1,
            DaskBackend(k2) as d2,
        ):
            d1.warm(data, [()])
            d2.warm(data, [()])
            times, (q1, q2) = _time_pair([d1, d2], run, args.repeat)
        out["dask_local_cluster"] = _entry(times, (q1, q2), args.runs)
        print(_line("dask LocalCluster", out["dask_local_cluster"]))
        identical = identical and q1.results() == r1.results() == q2.results()
    out["identical_rows"] = identical
    out["loadavg_1min_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    print(f"rows identical across backends: {identical}; load {out['loadavg_1min_before_after']}")

    data_all = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data_all["sweep"] = out
    RESULTS.write_text(json.dumps(data_all, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
