"""The ``ctdsm`` command line.

Every verb reads a spec (or the embedded default design when SPEC is omitted), applies
repeated ``--set dotted.key=value`` overrides and writes its results into ``-o DIR``.
Errors are one line on stderr with a nonzero exit status; nothing is written on failure.
"""

from __future__ import annotations

from typing import Any

import click

from ctdsm._version import __version__
from ctdsm.cli_support import (
    SIMULATE_FILES,
    SPICE_FILES,
    SWEEP_FILES,
    SYNTH_FILES,
    amplitude_option,
    axis_option,
    fits,
    load,
    metrics_line,
    noise_option,
    quiet_option,
    run_record,
    seed_option,
    spec_options,
    sweep_lines,
    warned,
)
from ctdsm.errors import CtdsmError
from ctdsm.exits import OneLineGroup, guarded


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ctdsm")
def main() -> None:
    """ctdsm: continuous-time delta-sigma modulator design and verification.

    \b
    Examples:
      ctdsm synth designs/multibit.yaml -o out/multibit
      ctdsm synth -o out/default                 # the embedded default design
      ctdsm synth designs/singlebit.yaml -o out/sb --set architecture.eld=0.1
      ctdsm simulate designs/multibit.yaml -o out/multibit --samples 262144 --sweep
      ctdsm report designs/multibit.yaml -o reports/multibit
      ctdsm COMMAND --help                       # options and examples of one verb
    """


@main.command()
@spec_options
@click.option("-q", "--quiet", is_flag=True, help="Do not print the design summary.")
@guarded
def synth(spec: str | None, out_dir: str, overrides: tuple[str, ...], quiet: bool) -> None:
    """Synthesize the NTF and the CT loop filter of SPEC; write DIR/design.json.

    \b
    Picks order/OSR/levels/H_inf where the spec says 'auto', realizes the CT loop filter
    with excess-loop-delay compensation, scales its states, verifies the realization
    (CT sampled pulse response == 1 - 1/NTF) and prints a summary.

    \b
    Examples:
      ctdsm synth designs/multibit.yaml -o out/multibit
      ctdsm synth designs/singlebit.yaml -o out/sb --set architecture.form=FF
    """
    from ctdsm.flow.synthesize import synthesize
    from ctdsm.io import commit_run, json_bytes

    design = warned(synthesize(load(spec, overrides)))
    files = {"design.json": json_bytes(design.to_dict())}
    record = run_record(design.spec, design.spec.simulation.seed)
    paths = commit_run(out_dir, files, verb="synth", owned=SYNTH_FILES, manifest=record)
    if not quiet:
        for line in design.summary_lines():
            click.echo(line)
        click.echo(f"wrote {paths[0]}")


@main.command()
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a spec field, e.g. --set target.full_scale_v=auto (repeatable).",
)
@click.option("-o", "--out", "out", type=str, help="Also write DIR/check.json (and run.json).")
@click.option("--strict", is_flag=True, help="Exit 2 when any bound is violated.")
@guarded
def check(spec: str | None, overrides: tuple[str, ...], out: str | None, strict: bool) -> None:
    """Synthesize SPEC and list every process bound with its value, limit and margin.

    \b
    The bounds (docs/power.md, "Process bounds"): full scale and opamp swing within the
    supply's headroom, each integrating capacitor and their total, the smallest resistor,
    the first DAC's unit and total current, the modelled area. The spec's sizing.bounds is
    taken as 'warn' here, so a design outside its bounds is listed, not refused.
    Exit status: 0, also when bounds are violated (the last line says how many); with
    --strict, 2 when any is.

    \b
    Examples:
      ctdsm check designs/multibit.yaml
      ctdsm check designs/multibit.yaml --set target.full_scale_v=auto -o out/mb --strict
    """
    from ctdsm.design.bounds import check_bounds, violations
    from ctdsm.errors import SpecError
    from ctdsm.flow.synthesize import synthesize
    from ctdsm.io import check_output_dir, commit_run, json_bytes
    from ctdsm.models.technology import technology

    if out is not None:
        check_output_dir(out)
    spec_obj = load(spec, (*overrides, "sizing.bounds=warn"))
    design = synthesize(spec_obj)
    s, tech = design.spec, technology(design.spec.process.pdk)
    checks = check_bounds(design.sizing, design.cost, tech, vdd_v=float(s.process.vdd_v),
                          swing_v=float(s.sizing.swing_v))  # fmt: skip
    bad = violations(checks)
    summary = f"{len(bad)} of {len(checks)} bounds violated ({tech.name}, {s.name})"
    if out is not None:
        auto = design.full_scale.to_dict() if design.full_scale else None
        data = {"process": tech.name, "full_scale_v": design.sizing.full_scale_v,
                "full_scale": auto, "checks": [c.to_dict() for c in checks],
                "violated": len(bad)}  # fmt: skip
        commit_run(out, {"check.json": json_bytes(data)}, verb="check", owned=("check.json",),
                   manifest=run_record(s, s.simulation.seed))  # fmt: skip
    click.echo(f"{'bound':<20} {'value':>12} {'limit':>14} {'margin':>8}")
    for c in checks:
        limit = ("<= " if c.kind == "max" else ">= ") + c.shown(c.limit)
        flag = "" if c.ok else "  VIOLATED"
        margin = f"{c.margin:.0%}" if abs(c.margin) < 10 else (">999%" if c.ok else "<-999%")
        click.echo(f"{c.name:<20} {c.shown(c.value):>12} {limit:>14} {margin:>8}{flag}")
    click.echo(summary)
    if strict and bad:
        first = bad[0].message(tech.name).removeprefix("sizing.bounds: ")
        raise SpecError("sizing.bounds", f"{summary}; the first: {first}")


@main.command()
@spec_options
@click.option("--samples", "n_samples", type=click.IntRange(min=256), help="Clock cycles.")
@seed_option
@amplitude_option
@click.option(
    "--sweep",
    is_flag=True,
    help="Also sweep the input amplitude (-120..0 dBFS): DR, peak SNDR -> DIR/sweep.json.",
)
@quiet_option
@guarded
def simulate(
    spec: str | None,
    out_dir: str,
    overrides: tuple[str, ...],
    n_samples: int | None,
    seed: int | None,
    amplitude_dbfs: float | None,
    sweep: bool,
    quiet: bool,
) -> None:
    """Simulate SPEC with the behavioral engine; write DIR/metrics.json and DIR/output.npz.

    \b
    The impairments are the spec's (section `impairments`, preset `default`); the
    output sequence is in toolbox units (full scale +-(levels-1)).

    \b
    Examples:
      ctdsm simulate designs/multibit.yaml -o out/mb --samples 262144
      ctdsm simulate designs/multibit.yaml -o out/mb --set impairments.preset=ideal
      ctdsm simulate designs/singlebit.yaml -o out/sb --set impairments.jitter_rms_s=2e-12
    """
    import io

    import numpy as np

    from ctdsm.flow.synthesize import synthesize
    from ctdsm.io import commit_run, json_bytes
    from ctdsm.reporting import metrics_record
    from ctdsm.reporting.compute import figures_of_merit
    from ctdsm.sim import simulate as run

    fits("--samples", n_samples)
    design = warned(synthesize(load(spec, overrides)))
    result = run(design, n_samples, amplitude_dbfs, None, seed, progress=not quiet)
    data = metrics_record(design, result, result.metrics())
    sweep_data = None
    if sweep:
        from ctdsm.sim import sweep_amplitude

        sweep_data = sweep_amplitude(design, None, None, n_samples, seed)
        data.update(figures_of_merit(design, sweep_data["peak_sndr_db"], sweep_data["dr_db"]))
    # Every file is rendered, then all are committed together (with run.json).
    buf = io.BytesIO()
    np.savez_compressed(buf, v=result.v.astype(np.int16), fs_hz=result.fs_hz, fin_hz=result.fin_hz)
    files = {"output.npz": buf.getvalue()}
    if sweep_data is not None:
        files["sweep.json"] = json_bytes(sweep_data)
    files["metrics.json"] = json_bytes(data)
    record = {**run_record(design.spec, result.seed), "n_samples": int(result.v.size)}
    paths = commit_run(out_dir, files, verb="simulate", owned=SIMULATE_FILES, manifest=record)
    path, out = paths[len(files) - 1], paths[0].parent
    if not quiet:
        click.echo(metrics_line(data))
        if sweep_data is not None:
            dr = sweep_data["dr_db"]
            click.echo(
                f"sweep: peak SNDR {sweep_data['peak_sndr_db']:.1f} dB at "
                f"{sweep_data['peak_amplitude_dbfs']:g} dBFS, DR "
                + ("n/a" if dr is None else f"{dr:.1f} dB")
                + f", max stable {sweep_data['max_stable_amplitude_dbfs']} dBFS"
            )
        click.echo(f"wrote {path} and {out / 'output.npz'}")


@main.command()
@spec_options
@click.option(
    "--samples", "n_samples", type=click.IntRange(min=1024), help="Clock cycles of the main run."
)
@click.option("--seed", type=click.IntRange(min=0), help="Random seed (default from the spec).")
@click.option(
    "--spice",
    "spice_dir",
    type=click.Path(file_okay=False, exists=True),
    help="Output directory of a `ctdsm spice` run: adds the ngspice vs behavioral PSD "
    "(default: DIR itself when it holds spice.npz).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print nothing but errors.")
@guarded
def report(
    spec: str | None,
    out_dir: str,
    overrides: tuple[str, ...],
    n_samples: int | None,
    seed: int | None,
    spice_dir: str | None,
    quiet: bool,
) -> None:
    """Simulate SPEC and write DIR/report.html (PNG figures beside it) and DIR/metrics.json.

    \b
    The report: spec summary, NTF/STF and poles/zeros, CT coefficients, components, noise
    budget, PSD with SNDR/SNR/THD/SFDR, SNDR versus amplitude (DR, peak, max stable;
    2^14-sample runs), integrator swing histograms, the first DAC's errors, chopping versus
    frequency, and the ngspice overlay when a spice run exists. metrics.json has the keys
    of `ctdsm simulate`'s plus the sweep's. Nothing is written unless everything succeeded.

    \b
    Examples:
      ctdsm report designs/multibit.yaml -o reports/multibit
      ctdsm report designs/singlebit.yaml -o out/sb --samples 16384 --seed 2
      ctdsm spice designs/multibit.yaml -o out/mb && ctdsm report designs/multibit.yaml -o out/mb
      ctdsm report designs/multibit.yaml -o out/r --spice out/mb --set dac.type=r_dac
    """
    from ctdsm.flow.synthesize import synthesize
    from ctdsm.reporting import report as make_report

    fits("--samples", n_samples)
    design = warned(synthesize(load(spec, overrides)))
    path = make_report(
        design, out_dir, n_samples=n_samples, seed=seed, spice_dir=spice_dir, progress=not quiet
    )
    if not quiet:
        import json

        data = json.loads((path.parent / "metrics.json").read_text())
        click.echo(metrics_line(data))

        def db(key: str) -> str:
            return "n/a" if data.get(key) is None else f"{data[key]:.1f} dB"

        click.echo(
            f"sweep: peak SNDR {db('peak_sndr_db')}, DR {db('dr_db')}, max stable "
            f"{data.get('max_stable_amplitude_dbfs')} dBFS"
        )
        click.echo(f"wrote {path} and {path.parent / 'metrics.json'}")


@main.command()
@spec_options
@axis_option("A sweep axis: a dotted spec key or amplitude_dbfs/seed")
@click.option("--mc", "mc_runs", type=click.IntRange(min=0), default=0, help="Monte Carlo runs.")
@click.option(
    "--engine",
    type=click.Choice(["behavioral", "spice"]),
    default="behavioral",
    show_default=True,
    help="Sampled-data engine or ngspice.",
)
@click.option("--samples", "n_samples", type=click.IntRange(min=256), help="Clock cycles per run.")
@click.option("--seed", type=click.IntRange(min=0), help="Base seed (default from the spec).")
@click.option(
    "--workers", type=click.IntRange(min=0), help="Local processes (default: CPUs; 0: serial)."
)
@click.option("--scheduler", metavar="ADDRESS", help="Run on this Dask scheduler instead.")
@click.option("--target", "target_sndr_db", type=float, help="Yield target SNDR, dB.")
@click.option("--pdk-root", help="PDK_ROOT for --engine spice (default: $PDK_ROOT).")
@quiet_option
@guarded
def sweep(
    spec: str | None,
    out_dir: str,
    overrides: tuple[str, ...],
    axes: tuple[str, ...],
    mc_runs: int,
    engine: str,
    n_samples: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    target_sndr_db: float | None,
    pdk_root: str | None,
    quiet: bool,
) -> None:
    """Sweep spec keys and Monte Carlo seeds; write DIR/sweep.csv, sweep.json, sweep.png.

    \b
    Every combination of the --axis values is a grid point; --mc N runs N seeds at each
    (derived from --seed, the same at every point). Local worker processes by default,
    a Dask cluster with --scheduler; the table is identical either way.

    \b
    Examples:
      ctdsm sweep designs/multibit.yaml -o out/amp --axis amplitude_dbfs=-60:0:6
      ctdsm sweep designs/multibit.yaml -o out/mc --mc 64 --samples 65536
      ctdsm sweep designs/singlebit.yaml -o out/t --axis process.temp_c=-40,27,125 --mc 8
      ctdsm sweep designs/multibit.yaml -o out/d --mc 256 --scheduler tcp://host:8786
    """
    from ctdsm.sweeps import BEHAVIORAL_NOTES, make_backend, plan
    from ctdsm.sweeps import sweep as run_sweep

    fits("--samples", n_samples)

    if not axes and not mc_runs:
        raise CtdsmError("--axis: give at least one --axis or --mc N")
    make_backend(workers, scheduler)  # option errors now; nothing is started yet
    options: dict[str, Any] = dict(
        engine=engine, n_samples=n_samples, mc_runs=mc_runs, seed=seed, overrides=overrides
    )
    base, axes_l, jobs = plan(spec, axes, **options)  # validates every point before any work
    if not quiet:
        for a in axes_l:
            if engine == "behavioral" and a.key in BEHAVIORAL_NOTES:
                click.echo(f"note: {a.key} {BEHAVIORAL_NOTES[a.key]}")
        click.echo(f"{len(jobs)} runs")
    res = run_sweep(
        spec,
        axes_l,
        **options,
        workers=workers,
        scheduler=scheduler,
        target_sndr_db=target_sndr_db,
        pdk_root=pdk_root,
        progress=not quiet,
    )
    # Everything is rendered before the first file is written: no partial output.
    import io

    from ctdsm.io import commit_run

    buf = io.BytesIO()
    res.plot().savefig(buf, format="png", dpi=120)
    files = {
        "sweep.csv": res.to_csv().encode("utf-8"),
        "sweep.png": buf.getvalue(),
        "sweep.json": res.to_json().encode("utf-8"),
    }
    record = {
        **run_record(base, base.simulation.seed if seed is None else seed),
        "engine": engine,
        "runs": len(jobs),
    }
    paths = commit_run(out_dir, files, verb="sweep", owned=SWEEP_FILES, manifest=record)
    if not quiet:
        for line in sweep_lines(res):
            click.echo(line)
        click.echo(f"wrote {paths[2]}, sweep.csv and sweep.png ({res.meta['wall_s']:.1f} s)")


@main.command()
@spec_options
@axis_option("A design axis: a dotted spec key")
@click.option(
    "--samples", "n_samples", type=click.IntRange(min=256), help="Clock cycles per amplitude."
)
@click.option(
    "--amplitudes",
    metavar="A1,A2,...|START:STOP:STEP",
    help="Amplitudes of each point's SNDR sweep, dBFS (default -120..0, 33 runs).",
)
@seed_option
@click.option(
    "--workers", type=click.IntRange(min=0), help="Local processes (default: CPUs; 0: serial)."
)
@click.option("--scheduler", metavar="ADDRESS", help="Run on this Dask scheduler instead.")
@quiet_option
@guarded
def explore(
    spec: str | None,
    out_dir: str,
    overrides: tuple[str, ...],
    axes: tuple[str, ...],
    n_samples: int | None,
    amplitudes: str | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Explore the design space of SPEC; write DIR/explore.csv, pareto.png and best.yaml.

    \b
    Every combination of the --axis values is a design point: synthesized, sized, costed
    (power, area) and simulated versus input amplitude (peak SNDR, DR, Schreier FoM).
    An infeasible point is a row with feasible=false. pareto marks the power-SNDR front;
    best.yaml is the full spec of the minimum-power point whose peak SNDR meets
    target.sndr_db (not written when none does: the run says so and exits 0).

    \b
    Examples:
      ctdsm explore designs/singlebit.yaml -o out/x --axis architecture.osr=64,128 \\
          --axis sizing.thermal_fraction=0.3,0.5,0.7 --samples 16384 --amplitudes=-80:0:10
      ctdsm explore designs/multibit.yaml -o out/x --axis architecture.levels=9,17 \\
          --axis architecture.order=3,4 --scheduler tcp://host:8786
    """
    from ctdsm.io import commit_run
    from ctdsm.sweeps.backends import make_backend
    from ctdsm.sweeps.explore import EXPLORE_FILES, parse_amplitudes, plan_explore
    from ctdsm.sweeps.explore import explore as run_explore

    fits("--samples", n_samples)
    make_backend(workers, scheduler)  # option errors now; nothing is started yet
    amps = None if amplitudes is None else parse_amplitudes(amplitudes)
    options: dict[str, Any] = dict(
        n_samples=n_samples, seed=seed, overrides=overrides, amplitudes_dbfs=amps
    )
    base, _, jobs = plan_explore(spec, axes, **options)  # every point validated first
    if not quiet:
        click.echo(f"{len(jobs)} design points")
    res = run_explore(
        spec, axes, **options, workers=workers, scheduler=scheduler, progress=not quiet
    )
    files = res.files()  # all rendered before the first is written: no partial output
    best = res.best()
    record = {
        **run_record(base, res.meta["seed"]),
        "points": len(jobs),
        "best_point": None if best is None else best["index"],
    }
    commit_run(out_dir, files, verb="explore", owned=EXPLORE_FILES, manifest=record)
    if not quiet:
        for line in res.summary_lines():
            click.echo(line)
        click.echo(f"wrote {', '.join(files)} in {out_dir} ({res.meta['wall_s']:.1f} s)")


@main.command("netlist")
@spec_options
@click.option(
    "--cycles",
    "n_cycles",
    type=click.IntRange(min=16),
    default=16384,
    show_default=True,
    help="Clock cycles the netlist simulates.",
)
@seed_option
@amplitude_option
@noise_option
@quiet_option
@guarded
def netlist_cmd(
    spec: str | None,
    out_dir: str,
    overrides: tuple[str, ...],
    n_cycles: int,
    seed: int | None,
    amplitude_dbfs: float | None,
    noise_source: str,
    quiet: bool,
) -> None:
    """Write the ngspice netlist of SPEC to DIR/<design>.cir (runnable with ngspice -b).

    \b
    Examples:
      ctdsm netlist designs/multibit.yaml -o netlists/multibit
      PDK_ROOT=../shared/pdk ctdsm netlist designs/singlebit.yaml -o out/gf \\
          --set process.pdk=gf180mcu
    """
    from ctdsm.flow.synthesize import synthesize
    from ctdsm.io import safe_name
    from ctdsm.spice.netlist import build_netlist, write_netlist

    fits("--cycles", n_cycles, spice=True)
    spec_obj = load(spec, overrides)
    safe_name(spec_obj.name)  # it names DIR/<name>.cir and its tables: vet before any work
    design = warned(synthesize(spec_obj))
    nl = build_netlist(
        design,
        n_cycles=n_cycles,
        amplitude_dbfs=amplitude_dbfs,
        seed=seed,
        corner=design.spec.process.corner,
        noise_source=noise_source,
    )
    path = write_netlist(nl, out_dir)
    if not quiet:
        click.echo(f"wrote {path} ({nl.n_cycles} cycles, {nl.pdk} {nl.corner})")


@main.command("spice")
@spec_options
@click.option(
    "--cycles",
    "n_cycles",
    type=click.IntRange(min=16),
    default=16384,
    show_default=True,
    help="Clock cycles.",
)
@seed_option
@amplitude_option
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=1),
    default=3600.0,
    show_default=True,
    help="Wall-clock limit of the ngspice run, s.",
)
@noise_option
@quiet_option
@guarded
def spice(
    spec: str | None,
    out_dir: str,
    overrides: tuple[str, ...],
    n_cycles: int,
    seed: int | None,
    amplitude_dbfs: float | None,
    timeout_s: float,
    noise_source: str,
    quiet: bool,
) -> None:
    """Run SPEC's netlist closed-loop in ngspice and the behavioral engine on the same stimulus.

    \b
    Writes DIR/metrics.json (the keys of `simulate` plus behavioral_sndr_db, ...),
    DIR/spice.npz (v_spice, v_behavioral), DIR/psd_overlay.png, and keeps the netlist
    and ngspice.log in DIR/ngspice/.

    \b
    Examples:
      ctdsm spice designs/singlebit.yaml -o out/sb-spice --cycles 16384
      ctdsm spice designs/multibit.yaml -o out/mb-spice --noise table   # repeatable
      PDK_ROOT=../shared/pdk ctdsm spice designs/singlebit.yaml -o out/gf \\
          --set process.pdk=gf180mcu
    """
    from ctdsm.flow.synthesize import synthesize
    from ctdsm.io import (
        commit_run,
        discard,
        json_bytes,
        missing_dirs,
        remove_empty_dirs,
        safe_name,
        stage_dir,
    )
    from ctdsm.spice.closed_loop import run_spice
    from ctdsm.spice.report import spice_outputs
    from ctdsm.spice.runner import NgspiceError

    fits("--cycles", n_cycles, spice=True)
    spec_obj = load(spec, overrides)
    safe_name(spec_obj.name)  # it names the netlist and its tables: vet before any work
    design = warned(synthesize(spec_obj))
    # ngspice runs in a staging directory inside DIR: it becomes DIR/ngspice/ with the
    # run's files, and is removed on failure or interruption (see docs/cli.md).
    created = missing_dirs(out_dir)
    work = stage_dir(out_dir, "ngspice")
    try:
        result = run_spice(
            design,
            n_cycles=n_cycles,
            amplitude_dbfs=amplitude_dbfs,
            seed=seed,
            corner=design.spec.process.corner,
            timeout_s=timeout_s,
            progress=not quiet,
            keep_dir=work,
            noise_source=noise_source,
        )
        outputs = spice_outputs(design, result)
    except BaseException as exc:
        discard(work)
        remove_empty_dirs(created)
        if isinstance(exc, NgspiceError):  # its log was in the discarded directory
            raise NgspiceError(exc.reason, None, None) from None
        raise
    files = {
        "metrics.json": json_bytes(outputs["metrics"]),
        "spice.npz": outputs["npz"],
        "psd_overlay.png": outputs["png"],
    }
    record = {**run_record(spec_obj, result.seed), "engine": "ngspice", "cycles": n_cycles}
    paths = commit_run(
        out_dir, files, verb="spice", owned=SPICE_FILES, manifest=record, dirs={"ngspice": work}
    )
    path = paths[1]
    if not quiet:
        data = outputs["metrics"]
        click.echo(metrics_line(data))
        b = data["behavioral_sndr_db"]
        click.echo(
            "behavioral (same stimulus): SNDR "
            + ("n/a" if b is None else f"{b:.1f} dB")
            + f"; ngspice {data['elapsed_s']:.1f} s"
        )
        click.echo(f"wrote {path}, spice.npz, psd_overlay.png")


if __name__ == "__main__":  # pragma: no cover
    main()
