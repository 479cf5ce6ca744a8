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

Errors are one line on stderr naming the field and the reason, with exit status 2 and no
output files; Ctrl-C stops a run with one line and exit status 130, also without output files;
`CTDSM_DEBUG=1` shows a traceback instead.
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
