"""Property tests of the CLI contract (docs/cli.md), in-process through click's CliRunner.

For every generated invocation (tests/cli/strategies.py): the exit status is 0 or 2; on 2,
stderr is exactly one line ``error: ...`` (no traceback, no "internal error"); nothing is
written outside ``-o`` (the sandbox around it is compared before and after); a refused run
leaves ``-o`` as it was, hidden files included; a successful one leaves no staging files and
a ``run.json`` whose files exist.

Most cases are invalid (they fail at validation in milliseconds); a synthesis reached from
an invalid case is itself a failure (the ``no_synthesis`` guard). A few valid cases run a
real synthesis (1-2 s each). The default tier runs about 270 generated cases, the slow tier
about 1250 (``-m slow``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings

from ctdsm.cli import main
from ctdsm.io import spec_sha256

from .strategies import Case, bad_name_case, build, invalid_case, valid_case

#: Settings of the generated tests (the conftest profile derandomizes them).
FAST = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: A real synthesis per example: no shrinking (a failure is reported as generated).
SLOW_EXAMPLES = dict(FAST, phases=[Phase.explicit, Phase.reuse, Phase.generate])
#: Examples per test, default tier and slow tier.
N_INVALID, N_INVALID_SLOW = 200, 1000
N_NAMES, N_NAMES_SLOW = 60, 200
N_VALID, N_VALID_SLOW = 2, 30


class SynthesisReached(Exception):
    """An invalid input got past validation into synthesis."""


@contextlib.contextmanager
def _sandbox(guard_synthesis: bool) -> Iterator[Path]:
    """A fresh directory as cwd, CTDSM_DEBUG unset, optionally synthesis made to fail."""
    fs = importlib.import_module("ctdsm.flow.synthesize")

    def reached(*_a: object, **_k: object) -> None:
        raise SynthesisReached("an invalid input reached synthesis")

    cwd = os.getcwd()
    with (
        tempfile.TemporaryDirectory(prefix="ctdsm-prop-") as tmp,
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.delenv("CTDSM_DEBUG", raising=False)
        if guard_synthesis:
            mp.setattr(fs, "synthesize", reached)
        sandbox = Path(tmp) / "sb"
        sandbox.mkdir()
        os.chdir(sandbox)
        try:
            yield sandbox
        finally:
            os.chdir(cwd)


def snapshot(root: Path, exclude: Path | None = None) -> dict[str, tuple]:
    """Every entry below ``root`` (hidden ones too), without ``exclude``'s subtree.

    Regular files by size and SHA-256, symbolic links by target, others by type; nothing but
    regular files is opened (a FIFO would block).
    """
    out: dict[str, tuple] = {}
    skip = os.path.normpath(exclude) if exclude is not None else None
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if skip is not None and (p == skip or p.startswith(skip + os.sep)):
                continue
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir", st.st_mode & 0o7777)
            elif os.path.isfile(p):
                digest = hashlib.sha256(Path(p).read_bytes()).hexdigest()
                out[rel] = ("file", st.st_size, digest, st.st_mode & 0o7777)
            else:
                out[rel] = ("other", st.st_mode)
        dirnames[:] = [d for d in dirnames if skip is None or os.path.join(dirpath, d) != skip]
    return out


def _ancestors(path: Path, root: Path) -> set[str]:
    """``path``'s directories below ``root`` (created by ``-o a/b/c``), relative to root."""
    rel = Path(os.path.relpath(path, root))
    return {str(Path(*rel.parts[:i])) for i in range(1, len(rel.parts))}


def run_case(
    case: Case, *, guard_synthesis: bool, check: Callable[..., None] | None = None
) -> tuple[int, str]:
    """Run ``case`` in a sandbox; check the invariants common to every outcome.

    ``check(code, stderr, out, out_before, out_after)`` runs inside the sandbox, before it
    is removed.

    Returns
    -------
    tuple
        (exit code, stderr)
    """
    with _sandbox(guard_synthesis) as sandbox:
        argv, out = build(case, sandbox)
        outside_before = snapshot(sandbox, exclude=out)
        out_before = snapshot(out) if out.is_dir() and not out.is_symlink() else {}
        result = CliRunner().invoke(main, argv)
        outside_after = snapshot(sandbox, exclude=out)
        out_after = snapshot(out) if out.is_dir() and not out.is_symlink() else {}
        code, stderr = result.exit_code, result.stderr
        # Nothing outside -o; only the directories -o names may appear (-o a/b/c makes a, b).
        new = set(outside_after) - set(outside_before)
        assert new <= _ancestors(out, sandbox) if code == 0 else not new, (argv, sorted(new))
        changed = {k for k in outside_before if outside_after.get(k) != outside_before[k]}
        assert not changed, (argv, sorted(changed))
        assert "Traceback" not in stderr and "internal error" not in stderr, (argv, stderr)
        assert code in (0, 2), (argv, code, stderr, result.exception)
        if code == 2:
            lines = stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), (argv, stderr)
            assert len(lines[0]) > len("error: "), (argv, stderr)
            assert out_after == out_before, (argv, "-o changed by a refused run")
        if check is not None:
            check(code, stderr, out, out_before, out_after)
        return code, stderr


def _check_invalid(case: Case) -> None:
    code, stderr = run_case(case, guard_synthesis=True)
    assert code == 2, (case, stderr)
    if case.expect_field and not case.overrides and case.out in ("new", "nested", "existing"):
        assert stderr.startswith(f"error: {case.expect_field}"), (case, stderr)


def _committed(code: int, stderr: str, out: Path, before: dict, after: dict) -> None:
    if code == 2:  # a SynthesisError is a clean refusal, already checked
        return
    assert all(line.startswith("warning: ") for line in stderr.splitlines()), stderr
    assert not [name for name in after if Path(name).name.startswith(".") and name.endswith(".tmp")]
    manifest = json.loads((out / "run.json").read_text())
    run = manifest["runs"]["synth"]
    assert run["files"] == ["design.json"]
    assert all((out / f).is_file() for r in manifest["runs"].values() for f in r["files"])
    design = json.loads((out / "design.json").read_text())
    assert run["spec_sha256"] == spec_sha256(design["spec"])
    for other in ("notes.txt", ".hidden"):  # a user's files are left alone
        if other in before:
            assert after[other] == before[other]


def _check_valid(case: Case) -> None:
    run_case(case, guard_synthesis=False, check=_committed)


# ------------------------------------------------------------------------- default tier


@settings(max_examples=N_INVALID, **FAST)
@given(invalid_case())
def test_invalid_input_is_one_line_and_writes_nothing(case):
    _check_invalid(case)


@settings(max_examples=N_NAMES, **FAST)
@given(bad_name_case())
def test_unsafe_names_never_name_a_file(case):
    code, stderr = run_case(case, guard_synthesis=True)
    assert code == 2 and stderr.startswith("error: name"), stderr


@pytest.mark.timeout(300)
@settings(max_examples=N_VALID, **SLOW_EXAMPLES)
@given(valid_case(seeds=("multibit",)))  # the faster seed to synthesize
def test_valid_spec_commits_one_complete_run(case):
    _check_valid(case)


# ------------------------------------------------------------------------- slow tier


@pytest.mark.slow
@pytest.mark.timeout(1800)
@settings(max_examples=N_INVALID_SLOW, **FAST)
@given(invalid_case())
def test_invalid_input_is_one_line_and_writes_nothing_many(case):
    _check_invalid(case)


@pytest.mark.slow
@pytest.mark.timeout(1800)
@settings(max_examples=N_NAMES_SLOW, **FAST)
@given(bad_name_case())
def test_unsafe_names_never_name_a_file_many(case):
    code, stderr = run_case(case, guard_synthesis=True)
    assert code == 2 and stderr.startswith("error: name"), stderr


@pytest.mark.slow
@pytest.mark.timeout(1800)
@settings(max_examples=N_VALID_SLOW, **SLOW_EXAMPLES)
@given(valid_case())
def test_valid_spec_commits_one_complete_run_many(case):
    _check_valid(case)


# ------------------------------------------------------------------------- click usage errors


@pytest.mark.parametrize(
    "args",
    [
        ["synth", "{dir}", "-o", "{out}"],  # SPEC is a directory: click.Path(dir_okay=False)
        ["synth", "-o", "{out}", "--no-such-option"],
        ["synth"],  # -o missing
        ["netlist", "-o", "{out}", "--cycles", "3"],
        ["spice", "-o", "{out}", "--noise", "bogus"],
        ["simulate", "-o", "{out}", "--samples", "many"],
    ],
    ids=["spec-dir", "unknown-option", "missing-o", "cycles-range", "noise-choice", "samples-int"],
)
def test_option_errors_are_one_line(tmp_path, args):
    argv = [a.format(dir=tmp_path, out=tmp_path / "o") for a in args]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert not (tmp_path / "o").exists()
