"""Write docs/cli.md from the ``ctdsm`` command's own ``--help`` texts.

Run after changing a verb or its help (``tests/test_cli_doc.py`` fails while docs/cli.md is
out of date)::

    python docs/scripts/make_cli_doc.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ctdsm.cli import main  # noqa: E402

#: Fixed width, so that the text does not depend on the terminal that ran the script.
WIDTH = 100

INTRO = """# Command-line reference

Generated from `ctdsm --help` and `ctdsm COMMAND --help` by `docs/scripts/make_cli_doc.py`
(a test keeps it in sync; do not edit by hand). Every verb reads a spec file (or the embedded
default design, the multi-bit seed, when SPEC is omitted), takes repeated
`--set dotted.key=value` overrides of the spec and writes into `-o DIR`.

Errors are one line on stderr, `error: <field, option or resource>: <reason>`, with a nonzero
exit status and no output files (the table below); Ctrl-C stops a run with one line and exit
status 130, SIGTERM with exit status 143, also without output files; `CTDSM_DEBUG=1` shows a
traceback instead.

## Output directory

- `-o DIR` is checked before any work: an empty `-o`, a file, a path below a file, a dangling
  symbolic link or a directory that is not writable (or cannot be created) is one line
  `error: -o DIR: <reason>` with exit status 2.
- Nothing is written outside `DIR`. File names taken from the spec (`name`, which names
  `<name>.cir` and its tables) must be 1-100 characters of `A-Z a-z 0-9 . _ -`, not starting
  with `.` or `-`; anything else is `error: name: ...`, exit status 2. `spice` runs ngspice in
  a staging directory inside `DIR` (no temporary directory elsewhere).
- A run's files are rendered first, staged beside their targets
  (`.<file>.<pid>-<random>.tmp`) and moved in together, with `DIR` locked (`flock`) for that
  moment: a failed or interrupted run leaves `DIR` as it was (a `DIR` the run created is
  removed again). Files of the verb's previous run that this run does not write
  (`sweep.json` of an earlier `simulate --sweep`, the figures of an earlier report) are
  removed in the same step; other files are left alone. Staging files a killed run left
  behind are removed by the next run into `DIR`; those of a run still in progress (its
  process is alive) are left to it, so two runs into one `DIR` end with the files of the one
  that finished last, each complete.
- Every verb but `netlist` records its run in `DIR/run.json`:
  `{"runs": {VERB: {"ctdsm_version", "spec_sha256", "seed", ..., "files"}}}`, one entry per
  verb; `spec_sha256` is the SHA-256 of the spec's JSON (sorted keys, compact). A file one
  run overwrites leaves the record of the run that wrote it before (`report` after `spice`
  rewrites `metrics.json`; `spice.npz` and `ngspice/` stay listed under `spice`): every
  listed file exists and was written by the run it is listed under. `netlist` writes no
  manifest (its directory holds exactly the netlist and its tables).
- `--samples` and `--cycles` are checked against the memory available before any work: a
  run that would not fit is `error: --samples: N samples need about X GB of memory; Y GB is
  available`, exit status 2.

## Exit status

| status | meaning |
|---|---|
| 0 | success; also when stdout is a closed pipe (`ctdsm synth ... \\| head -1`): the files \
are written before anything is printed, and the rest of the output is dropped quietly |
| 2 | bad input: spec, option, `-o`, spec `name`, a target the design cannot meet |
| 1 | the environment failed during the run, `error: <resource>: <what happened>; <what to \
do>`: the disk (full, read-only, permissions), memory, ngspice (missing, failed, timed out), \
a Dask scheduler or worker (unreachable, lost); or a bug, `internal error: ...` |
| 130 / 143 | interrupted (Ctrl-C / SIGTERM): nothing written, ngspice and worker processes \
stopped |

numpy's floating-point RuntimeWarnings are not shown on the terminal.
"""


def _help(cmd: click.Command, name: str, parent: click.Context | None) -> str:
    ctx = click.Context(
        cmd,
        info_name=name,
        parent=parent,
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        help_option_names=["-h", "--help"],  # as main's context_settings
    )
    return cmd.get_help(ctx)


def cli_markdown() -> str:
    """The text of docs/cli.md."""
    root = click.Context(main, info_name="ctdsm", terminal_width=WIDTH, max_content_width=WIDTH)
    parts = [INTRO, "## `ctdsm`\n", "```text\n" + _help(main, "ctdsm", None) + "\n```\n"]
    for name in sorted(main.commands):
        parts.append(f"## `ctdsm {name}`\n")
        parts.append("```text\n" + _help(main.commands[name], name, root) + "\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    out = ROOT / "docs" / "cli.md"
    out.write_text(cli_markdown())
    print(f"wrote {out}")
