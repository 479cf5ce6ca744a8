"""CLI polish: every verb's --help has examples, docs/cli.md is the help text, --version."""

import importlib.util
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ctdsm import __version__
from ctdsm.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _cli_doc_module():
    spec = importlib.util.spec_from_file_location(
        "make_cli_doc", ROOT / "docs" / "scripts" / "make_cli_doc.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("verb", sorted(main.commands))
def test_every_verb_help_has_runnable_looking_examples(verb):
    result = CliRunner().invoke(main, [verb, "--help"])
    assert result.exit_code == 0
    text = result.output
    assert "Examples:" in text, verb
    examples = text.split("Examples:", 1)[1]
    assert re.search(rf"^\s+ctdsm {verb} \S+", examples, re.M), verb
    assert "-o" in examples and "--set" in text


def test_main_help_lists_examples_of_the_verbs():
    result = CliRunner().invoke(main, ["-h"])
    assert result.exit_code == 0
    for verb in ("synth", "simulate", "report"):
        assert f"ctdsm {verb} " in result.output.split("Options:")[0], verb


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_docs_cli_md_is_in_sync_with_the_help():
    expected = _cli_doc_module().cli_markdown()
    actual = (ROOT / "docs" / "cli.md").read_text()
    assert actual == expected, "docs/cli.md is stale: run python docs/scripts/make_cli_doc.py"
    for verb in main.commands:
        assert f"## `ctdsm {verb}`" in actual
