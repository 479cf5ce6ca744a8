"""The ``ctdsm`` command line.

Every verb reads a spec (or the embedded default design when SPEC is omitted), applies
repeated ``--set dotted.key=value`` overrides and writes its results into ``-o DIR``.
Errors are one line on stderr with a nonzero exit status; nothing is written on failure.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from ctdsm._version import __version__
from ctdsm.errors import CtdsmError

EXIT_USER_ERROR = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn ctdsm errors into one-line messages and exit codes (tracebacks with CTDSM_DEBUG=1)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CtdsmError as exc:
            if os.environ.get("CTDSM_DEBUG"):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_USER_ERROR)
        except KeyboardInterrupt:
            click.echo("interrupted; no output was written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # noqa: BLE001 - last line of defence: one line, no traceback
            if os.environ.get("CTDSM_DEBUG"):
                raise
            click.echo(
                f"internal error: {exc.__class__.__name__}: {exc} "
                "(CTDSM_DEBUG=1 shows a traceback)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper


def _spec_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a spec field, e.g. --set dac.type=r_dac (repeatable).",
    )(fn)
    fn = click.option(
        "-o",
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False),
        help="Output directory (created if needed).",
    )(fn)
    fn = click.argument("spec", required=False, type=click.Path(dir_okay=False))(fn)
    return fn


def _load(spec_path: str | None, overrides: tuple[str, ...]):
    from ctdsm.spec import load_spec

    return load_spec(spec_path, overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ctdsm")
def main() -> None:
    """ctdsm: continuous-time delta-sigma modulator design and verification.

    \b
    Examples:
      ctdsm synth designs/multibit.yaml -o out/multibit
      ctdsm synth -o out/default                 # the embedded default design
      ctdsm synth designs/singlebit.yaml -o out/sb --set architecture.eld=0.1
    """


@main.command()
@_spec_options
@click.option("-q", "--quiet", is_flag=True, help="Do not print the design summary.")
@_guarded
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
    from ctdsm.design import synthesize
    from ctdsm.io import atomic_write_json, prepare_output_dir

    design = synthesize(_load(spec, overrides))
    out = prepare_output_dir(out_dir)
    path = atomic_write_json(out / "design.json", design.to_dict())
    if not quiet:
        for line in design.summary_lines():
            click.echo(line)
        click.echo(f"wrote {path}")


@main.command()
@_spec_options
@click.option("--samples", "n_samples", type=click.IntRange(min=256), help="Clock cycles.")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed (default from the spec).")
@click.option(
    "--amplitude", "amplitude_dbfs", type=float, help="Input amplitude, dBFS (default: spec)."
)
@click.option(
    "--sweep",
    is_flag=True,
    help="Also sweep the input amplitude (-120..0 dBFS): DR, peak SNDR -> DIR/sweep.json.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_guarded
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
    import numpy as np

    from ctdsm.design import synthesize
    from ctdsm.io import atomic_write_bytes, atomic_write_json, prepare_output_dir
    from ctdsm.sim import simulate as run

    design = synthesize(_load(spec, overrides))
    result = run(design, n_samples, amplitude_dbfs, None, seed, progress=not quiet)
    metrics = result.metrics()
    data = metrics.to_dict() | {
        "name": design.name,
        "amplitude_dbfs": result.amplitude_dbfs,
        "n_samples": result.n_samples,
        "seed": result.seed,
        "stable": bool(result.stable and metrics.stable),
        "measured_amplitude_dbfs": metrics.amplitude_dbfs,
        "impairments": result.impairments.to_dict(),
    }
    sweep_data = None
    if sweep:
        from ctdsm.sim import sweep_amplitude

        sweep_data = sweep_amplitude(design, None, None, n_samples, seed)
    out = prepare_output_dir(out_dir)
    import io

    buf = io.BytesIO()
    np.savez_compressed(buf, v=result.v.astype(np.int16), fs_hz=result.fs_hz, fin_hz=result.fin_hz)
    atomic_write_bytes(out / "output.npz", buf.getvalue())
    if sweep_data is not None:
        atomic_write_json(out / "sweep.json", sweep_data)
    path = atomic_write_json(out / "metrics.json", data)
    if not quiet:
        click.echo(_metrics_line(data))
        if sweep_data is not None:
            dr = sweep_data["dr_db"]
            click.echo(
                f"sweep: peak SNDR {sweep_data['peak_sndr_db']:.1f} dB at "
                f"{sweep_data['peak_amplitude_dbfs']:g} dBFS, DR "
                + ("n/a" if dr is None else f"{dr:.1f} dB")
                + f", max stable {sweep_data['max_stable_amplitude_dbfs']} dBFS"
            )
        click.echo(f"wrote {path} and {out / 'output.npz'}")


def _metrics_line(m: dict) -> str:
    def fmt(key: str) -> str:
        val = m.get(key)
        return "n/a" if val is None else f"{val:.1f} dB"

    state = "stable" if m.get("stable") else "UNSTABLE"
    return (
        f"{m.get('name')}: SNDR {fmt('sndr_db')}, SNR {fmt('snr_db')}, THD {fmt('thd_db')}, "
        f"SFDR {fmt('sfdr_db')} at {m['amplitude_dbfs']:g} dBFS, fin {m['fin_hz'] / 1e3:.2f} kHz,"
        f" bw {m['bw_hz'] / 1e3:g} kHz, {m['n_samples']} samples ({state})"
    )


@main.command("netlist")
@_spec_options
@click.option(
    "--cycles",
    "n_cycles",
    type=click.IntRange(min=16),
    default=16384,
    show_default=True,
    help="Clock cycles the netlist simulates.",
)
@click.option("--seed", type=click.IntRange(min=0), help="Random seed (default from the spec).")
@click.option(
    "--amplitude", "amplitude_dbfs", type=float, help="Input amplitude, dBFS (default: spec)."
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_guarded
def netlist_cmd(
    spec: str | None,
    out_dir: str,
    overrides: tuple[str, ...],
    n_cycles: int,
    seed: int | None,
    amplitude_dbfs: float | None,
    quiet: bool,
) -> None:
    """Write the ngspice netlist of SPEC to DIR/<design>.cir (runnable with ngspice -b).

    \b
    Examples:
      ctdsm netlist designs/multibit.yaml -o netlists/multibit
      PDK_ROOT=../shared/pdk ctdsm netlist designs/singlebit.yaml -o out/gf \\
          --set process.pdk=gf180mcu
    """
    from ctdsm.design import synthesize
    from ctdsm.spice.netlist import build_netlist, write_netlist

    design = synthesize(_load(spec, overrides))
    nl = build_netlist(
        design,
        n_cycles=n_cycles,
        amplitude_dbfs=amplitude_dbfs,
        seed=seed,
        corner=design.spec.process.corner,
    )
    path = write_netlist(nl, out_dir)
    if not quiet:
        click.echo(f"wrote {path} ({nl.n_cycles} cycles, {nl.pdk} {nl.corner})")


@main.command("spice")
@_spec_options
@click.option(
    "--cycles",
    "n_cycles",
    type=click.IntRange(min=16),
    default=16384,
    show_default=True,
    help="Clock cycles.",
)
@click.option("--seed", type=click.IntRange(min=0), help="Random seed (default from the spec).")
@click.option(
    "--amplitude", "amplitude_dbfs", type=float, help="Input amplitude, dBFS (default: spec)."
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=1),
    default=3600.0,
    show_default=True,
    help="Wall-clock limit of the ngspice run, s.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_guarded
def spice(
    spec: str | None,
    out_dir: str,
    overrides: tuple[str, ...],
    n_cycles: int,
    seed: int | None,
    amplitude_dbfs: float | None,
    timeout_s: float,
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
      PDK_ROOT=../shared/pdk ctdsm spice designs/singlebit.yaml -o out/gf \\
          --set process.pdk=gf180mcu
    """
    import tempfile
    from pathlib import Path

    from ctdsm.design import synthesize
    from ctdsm.spice.report import spice_outputs, write_spice_outputs
    from ctdsm.spice.run import run_spice

    design = synthesize(_load(spec, overrides))
    work = Path(tempfile.mkdtemp(prefix="ctdsm-spice-"))
    result = run_spice(
        design,
        n_cycles=n_cycles,
        amplitude_dbfs=amplitude_dbfs,
        seed=seed,
        corner=design.spec.process.corner,
        timeout_s=timeout_s,
        progress=not quiet,
        keep_dir=work,
    )
    outputs = spice_outputs(design, result)
    path = write_spice_outputs(out_dir, outputs, work)
    if not quiet:
        data = outputs["metrics"]
        click.echo(_metrics_line(data))
        b = data["behavioral_sndr_db"]
        click.echo(
            "behavioral (same stimulus): SNDR "
            + ("n/a" if b is None else f"{b:.1f} dB")
            + f"; ngspice {data['elapsed_s']:.1f} s"
        )
        click.echo(f"wrote {path}, spice.npz, psd_overlay.png")


if __name__ == "__main__":  # pragma: no cover
    main()
