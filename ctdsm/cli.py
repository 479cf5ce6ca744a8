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


if __name__ == "__main__":  # pragma: no cover
    main()
