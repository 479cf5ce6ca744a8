"""What the ``ctdsm`` verbs share: the spec options, loading, memory checks, run records and
the one-line summaries they print (kept apart so that ``cli.py`` holds just the verbs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ctdsm._version import __version__

__all__ = [
    "SIMULATE_FILES",
    "SPICE_FILES",
    "SWEEP_FILES",
    "SYNTH_FILES",
    "amplitude_option",
    "fits",
    "load",
    "metrics_line",
    "noise_option",
    "quiet_option",
    "run_record",
    "seed_option",
    "spec_options",
    "sweep_lines",
    "warned",
]


def spec_options(fn: Callable[..., Any]) -> Callable[..., Any]:
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
        type=str,
        help="Output directory (created if needed; checked before any work).",
    )(fn)
    fn = click.argument("spec", required=False, type=click.Path(dir_okay=False))(fn)
    return fn


# Options several verbs share (one definition: one help text).
seed_option = click.option(
    "--seed", type=click.IntRange(min=0), help="Random seed (default from the spec)."
)
amplitude_option = click.option(
    "--amplitude", "amplitude_dbfs", type=float, help="Input amplitude, dBFS (default: spec)."
)
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")


def axis_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--axis KEY=V1,V2,...|KEY=START:STOP:STEP`` (repeatable, grid product) of ``sweep``
    and ``explore``; ``what`` says what an axis may name."""
    return click.option(
        "--axis",
        "axes",
        multiple=True,
        metavar="KEY=V1,V2,...|KEY=START:STOP:STEP",
        help=f"{what} (repeatable; grid product).",
    )


noise_option = click.option(
    "--noise",
    "noise_source",
    type=click.Choice(["trnoise", "table"]),
    default="trnoise",
    show_default=True,
    help="Thermal and 1/f noise as ngspice trnoise sources (new draws every run) or as a "
    "table drawn from the seed (repeatable runs).",
)


def load(spec_path: str | None, overrides: tuple[str, ...]):
    from ctdsm.design.spec import load_spec

    return load_spec(spec_path, overrides)


def fits(option: str, count: int | None, spice: bool = False) -> None:
    """Refuse ``--samples``/``--cycles`` whose run would not fit in the free memory."""
    if count is not None:
        from ctdsm.validate import BYTES_PER_SAMPLE, BYTES_PER_SPICE_CYCLE, check_memory

        what = "cycles" if spice else "samples"
        check_memory(option, count, BYTES_PER_SPICE_CYCLE if spice else BYTES_PER_SAMPLE, what)


def warned(design: Any) -> Any:
    """Print a design's warnings on stderr: each missed target (allowed by the spec) on
    its line, the process bounds it exceeds (``sizing.bounds: warn``) as one line naming
    the first (``design.json`` lists them all, ``ctdsm check`` with their margins)."""
    bounds = [w for w in design.warnings if w.startswith("sizing.bounds:")]
    for warning in design.warnings:
        if warning not in bounds:
            click.echo(f"warning: {warning}", err=True)
    if bounds:
        first = bounds[0].removeprefix("sizing.bounds: ").split(";")[0]
        more = f" and {len(bounds) - 1} more" if len(bounds) > 1 else ""
        click.echo(
            f"warning: sizing.bounds: {first}{more}; `ctdsm check` lists every bound",
            err=True,
        )
    return design


#: Files each verb may write (a rerun removes those it does not write this time).
SYNTH_FILES = ("design.json",)
SIMULATE_FILES = ("metrics.json", "output.npz", "sweep.json")
SWEEP_FILES = ("sweep.csv", "sweep.png", "sweep.json")
SPICE_FILES = ("metrics.json", "spice.npz", "psd_overlay.png", "ngspice")


def run_record(spec: Any, seed: int) -> dict[str, Any]:
    """The ``run.json`` entry of a run: version, spec hash and seed."""
    from ctdsm.io import spec_sha256

    return {
        "ctdsm_version": __version__,
        "spec_sha256": spec_sha256(spec.to_dict()),
        "seed": int(seed),
    }


def metrics_line(m: dict) -> str:
    def fmt(key: str) -> str:
        val = m.get(key)
        return "n/a" if val is None else f"{val:.1f} dB"

    state = "stable" if m.get("stable") else "UNSTABLE"
    return (
        f"{m.get('name')}: SNDR {fmt('sndr_db')}, SNR {fmt('snr_db')}, THD {fmt('thd_db')}, "
        f"SFDR {fmt('sfdr_db')} at {m['amplitude_dbfs']:g} dBFS, fin {m['fin_hz'] / 1e3:.2f} kHz,"
        f" bw {m['bw_hz'] / 1e3:g} kHz, {m['n_samples']} samples ({state})"
    )


def sweep_lines(res: Any) -> list[str]:
    def db(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.1f} dB"

    lines = []
    for s in res.summary():
        point = ", ".join(f"{a.key}={s[a.key]}" for a in res.axes) or res.meta["name"]
        text = f"{point}: SNDR {db(s['sndr_mean_db'])}"
        if s["n"] > 1:
            text += (
                f" (mean of {s['n']}, std {db(s['sndr_std_db'])}, min {db(s['sndr_min_db'])}, "
                f"yield {s['yield']:.0%} at {s['target_sndr_db']:g} dB)"
            )
        if s["n_stable"] < s["n"]:
            text += f", {s['n'] - s['n_stable']} unstable"
        lines.append(text)
    return lines
