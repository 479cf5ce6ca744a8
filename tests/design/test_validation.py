"""Validation that knows the physics: bad input and infeasible targets are refused, one line.

CLI cases run ``ctdsm`` through click's CliRunner (exit 2, one line on stderr); API cases
raise :class:`ctdsm.errors.CtdsmError` subclasses naming the field or argument.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import ctdsm
from ctdsm.cli import main
from ctdsm.errors import ArgumentError, CtdsmError, SpecError, SynthesisError

ROOT = Path(__file__).resolve().parents[2]
SINGLEBIT = str(ROOT / "designs" / "singlebit.yaml")
MINIMAL = {"target": {"bw_hz": 1e3}}
#: A fixed architecture that cannot reach 60 dB: 2nd order, OSR 16, single bit.
WEAK = [
    "--set", "architecture.order=2", "--set", "architecture.osr=16",
    "--set", "architecture.levels=2", "--set", "architecture.h_inf=auto",
    "--set", "target.sndr_db=60",
]  # fmt: skip


def _cli(*args: str) -> tuple[int, str, str]:
    """Run ``ctdsm`` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    # The single-bit seed design exceeds process bounds (sizing.bounds: warn): its warnings
    # precede the one error line.
    lines = [line for line in err.strip().splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


@cache
def _design() -> ctdsm.Design:
    return ctdsm.synthesize(ctdsm.load_spec(SINGLEBIT))


# -- spec: strict types, duplicate keys, finite numbers in range ------------------------------


def test_boolean_is_not_an_integer(tmp_path):
    code, _, err = _cli("synth", SINGLEBIT, "-o", str(tmp_path), "--set", "architecture.order=yes")
    _one_line_error(code, err, "architecture.order", "integer", "True")
    assert not (tmp_path / "design.json").exists()


def test_duplicate_yaml_keys_are_refused(tmp_path):
    spec = tmp_path / "dup.yaml"
    spec.write_text("target:\n  bw_hz: 250k\n  sndr_db: 60\ntarget:\n  bw_hz: 100k\n")
    code, _, err = _cli("synth", str(spec), "-o", str(tmp_path / "out"))
    _one_line_error(code, err, "duplicate key 'target'", "line 4")
    nested = tmp_path / "nested.yaml"
    nested.write_text("target:\n  bw_hz: 250k\n  bw_hz: 100k\n")
    with pytest.raises(SpecError, match="duplicate key 'bw_hz'"):
        ctdsm.load_spec(nested)


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ("architecture.fs_hz=0", "architecture.fs_hz", "finite frequency > 0 Hz"),
        ("target.bw_hz=.inf", "target.bw_hz", "must be a finite frequency > 0 Hz, got inf"),
        ("target.bw_hz=.nan", "target.bw_hz", "got nan"),
        ("simulation.amplitude_dbfs=.inf", "simulation.amplitude_dbfs", "<= 6 dBFS"),
    ],
)
def test_numbers_are_finite_and_physical(tmp_path, override, field, words):
    code, _, err = _cli("synth", SINGLEBIT, "-o", str(tmp_path), "--set", override)
    _one_line_error(code, err, f"{field}: ", words)


# -- Python API arguments -------------------------------------------------------------------


def test_load_spec_of_a_dict_points_to_spec_from_dict():
    with pytest.raises(SpecError, match="use spec_from_dict"):
        ctdsm.load_spec({"target": {"bw_hz": 1e3}})  # type: ignore[arg-type]
    assert ctdsm.spec_from_dict(MINIMAL).target.bw_hz == 1e3


@pytest.mark.parametrize("amplitude", [math.nan, math.inf, -math.inf, 7.0, True, "x"])
def test_simulate_refuses_a_bad_amplitude(amplitude):
    with pytest.raises(ArgumentError, match="^amplitude_dbfs: ") as info:
        ctdsm.simulate(_design(), 1024, amplitude, "ideal", 1)
    assert info.value.field == "amplitude_dbfs"


@pytest.mark.parametrize("seed", [-1, 1.5, True, 1 << 64, "3"])
def test_simulate_refuses_a_bad_seed(seed):
    with pytest.raises(ArgumentError, match="^seed: "):
        ctdsm.simulate(_design(), 1024, -6.0, "ideal", seed)


@pytest.mark.parametrize("n", [True, 1024.0, -5, 8])
def test_simulate_refuses_a_bad_length(n):
    with pytest.raises(ArgumentError, match="^n_samples: "):
        ctdsm.simulate(_design(), n, -6.0, "ideal", 1)


def test_circuit_tier_checks_the_same_arguments():
    from ctdsm.sim.circuit import simulate_circuit

    with pytest.raises(ArgumentError, match="^amplitude_dbfs: "):
        simulate_circuit(_design(), 1024, math.nan, 1)
    with pytest.raises(ArgumentError, match="^seed: "):
        simulate_circuit(_design(), 1024, -6.0, -1)
    with pytest.raises(ArgumentError, match="^n_samples: "):
        simulate_circuit(_design(), 1024.5, -6.0, 1)  # type: ignore[arg-type]


def test_too_few_bins_blames_the_record_length(tmp_path):
    with pytest.raises(CtdsmError, match="^n_samples: 256 samples") as info:
        ctdsm.simulate(_design(), 256, -6.0, "ideal", 1)
    match = re.search(r"use at least (\d+) samples", str(info.value))
    assert match, str(info.value)
    n_min = int(match.group(1))
    ctdsm.simulate(_design(), n_min, -6.0, "ideal", 1)  # the length it names works
    with pytest.raises(CtdsmError, match="^n_samples: "):
        ctdsm.simulate(_design(), n_min // 2, -6.0, "ideal", 1)
    code, _, err = _cli("simulate", SINGLEBIT, "-o", str(tmp_path), "--samples", "256")
    _one_line_error(code, err, "n_samples: 256", f"use at least {n_min}", "--samples")


# -- infeasible targets and components ----------------------------------------------------------


def test_infeasible_fixed_architecture_is_refused(tmp_path):
    code, _, err = _cli("synth", SINGLEBIT, "-o", str(tmp_path), *WEAK)
    _one_line_error(code, err, "target.sndr_db: peak SQNR", "below the 60 dB target")
    assert "allow_infeasible" in err
    with pytest.raises(SynthesisError, match="^target.sndr_db: "):
        ctdsm.synthesize(ctdsm.load_spec(SINGLEBIT, [w for w in WEAK if w != "--set"]))


def test_allowed_infeasible_target_warns(tmp_path):
    code, _, err = _cli(
        "synth", SINGLEBIT, "-o", str(tmp_path), "-q", *WEAK,
        "--set", "target.allow_infeasible=true",
    )  # fmt: skip
    assert code == 0, err
    assert err.startswith("warning: target.sndr_db: peak SQNR ")
    data = json.loads((tmp_path / "design.json").read_text())
    assert len(data["warnings"]) == 1
    assert data["warnings"][0].endswith("dB is below the 60 dB target")
    assert data["spec"]["target"]["allow_infeasible"] is True


def test_a_feasible_design_has_no_target_warning():
    data = _design().to_dict()
    # The seed design is inside every process bound too: no warnings key at all.
    assert "warnings" not in data
    assert "allow_infeasible" not in data["spec"]["target"]


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        (["sizing.thermal_fraction=0.0002"], "integrating capacitor C"),
        (["target.sndr_db=30"], "resistor "),
    ],
)
def test_unphysical_components_are_refused(tmp_path, overrides, words):
    # past the process bounds (warn), to the physical limits that no setting waives
    args = [a for o in [*overrides, "sizing.bounds=warn"] for a in ("--set", o)]
    code, _, err = _cli("synth", SINGLEBIT, "-o", str(tmp_path), *args)
    _one_line_error(code, err, "sizing: ", words, "per side", "target.sndr_db")


# -- property: any bad number names its field, as a SpecError -----------------------------------

#: Numeric fields and whether a negative value is out of their range.
NUMERIC = {
    "target.bw_hz": True, "target.sndr_db": True, "target.full_scale_v": True,
    "target.f0_hz": True, "architecture.order": True, "architecture.osr": True,
    "architecture.fs_hz": True, "architecture.levels": True, "architecture.h_inf": True,
    "architecture.eld": True, "architecture.sqnr_margin_db": True, "architecture.xlim": True,
    "chopper.f_chop_hz": True, "chopper.phase": True, "process.vdd_v": True,
    "sizing.swing_v": True, "sizing.thermal_fraction": True, "sizing.opamp_fraction": True,
    "sizing.c_stage_ratio": True, "sizing.c_min_f": True, "simulation.n_samples": True,
    "simulation.fin_hz": True, "simulation.seed": True, "process.temp_c": False,
    "simulation.amplitude_dbfs": False, "impairments.flicker_corner_hz": False,
    "impairments.jitter_rms_s": False, "impairments.chopper_charge_c": False,
}  # fmt: skip
BAD = [math.nan, math.inf, -math.inf, True, "abc", "1.5 parsecs", [1.0], {"a": 1}]


@st.composite
def _bad_field(draw: st.DrawFn) -> tuple[str, object]:
    field = draw(st.sampled_from(sorted(NUMERIC)))
    bad = list(BAD)
    if NUMERIC[field]:
        bad.append(draw(st.floats(max_value=-1e-3, allow_nan=False, allow_infinity=False)))
        bad.append(draw(st.integers(max_value=-1)))
    return field, draw(st.sampled_from(bad))


@settings(max_examples=100, deadline=None)
@given(_bad_field())
def test_any_bad_number_is_a_spec_error_naming_the_field(case):
    field, value = case
    with pytest.raises(SpecError) as info:
        ctdsm.spec_from_dict(MINIMAL, {field: value})
    assert info.value.field == field, str(info.value)
    assert "\n" not in str(info.value)


# -- spec files that are not spec files: one line naming the file, never a hang -----------------


def _bomb_yaml(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + f"\ntarget:\n  bw_hz: *a{levels - 1}\n"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe\x00garbage\x80", "is not UTF-8 text (byte 0xff at offset 0)"),
        ("target:\n  bw_hz: 1k\nname: caf\u00e9\n".encode("latin-1"), "is not UTF-8 text"),
        (b"target:\x00\n", "invalid YAML: character #x0000 at offset 7"),
        (b"- a\n- b\n", "the top level must be a mapping of sections, not a list"),
        (b"42\n", "the top level must be a mapping of sections, not a number"),
        (b"'x'\n", "not a string"),
        (_bomb_yaml().encode(), "expands to more than 100000 values"),
        (b"target:\n  bw_hz: &a [*a]\n", "an alias refers to its own anchor"),
        (b"target: &t\n  bw_hz: 1k\n  x: *t\n", "an alias refers to its own anchor"),
        (b"target: " + b"[" * 60 + b"]" * 60 + b"\n", "nested more than 50 levels deep"),
        (b"target: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested more than 50 levels deep"),
        (b"architecture:\n  order: " + b"9" * 5000 + b"\n", "an integer of 5000 digits"),
    ],
    ids=["binary", "latin-1", "nul", "list", "scalar", "string", "billion-laughs",
         "recursive-list", "recursive-map", "deep", "very-deep", "long-int"],
)  # fmt: skip
def test_a_file_that_is_not_a_spec_is_one_line(tmp_path, content, words):
    spec = tmp_path / "s.yaml"
    spec.write_bytes(content)
    with pytest.raises(SpecError) as info:
        ctdsm.load_spec(spec)
    assert info.value.field == str(spec) and words in info.value.reason, str(info.value)
    code, _, err = _cli("synth", str(spec), "-o", str(tmp_path / "o"))
    _one_line_error(code, err, f"{spec}: ", words)
    assert not (tmp_path / "o").exists()


def test_special_files_are_refused_without_reading_them(tmp_path):
    import os

    os.mkfifo(tmp_path / "fifo")  # no writer: must not block
    os.symlink(tmp_path / "loop2", tmp_path / "loop1")
    os.symlink(tmp_path / "loop1", tmp_path / "loop2")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    (tmp_path / "afile").write_text("x")
    cases = {
        "/dev/zero": "is a character device, not a spec file",
        str(tmp_path / "fifo"): "is a pipe with nothing to read",
        str(tmp_path / "loop1"): "cannot read (Too many levels of symbolic links)",
        str(tmp_path / "dangling"): "no such file (a dangling symbolic link)",
        str(tmp_path / "afile" / "s.yaml"): "no such file (a path component is a file)",
        str(tmp_path): "is a directory, not a spec file",
    }
    for path, words in cases.items():
        with pytest.raises(SpecError) as info:
            ctdsm.load_spec(path)
        assert info.value.field == path and info.value.reason == words, str(info.value)
    with pytest.raises(SpecError, match="^SPEC: must not be empty"):
        ctdsm.load_spec("")
    code, _, err = _cli("synth", "", "-o", str(tmp_path / "o"))
    _one_line_error(code, err, "SPEC: must not be empty")


def test_a_huge_spec_file_is_refused_by_size(tmp_path):
    from ctdsm.design.spec_file import MAX_SPEC_BYTES

    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.write(b"target:\n  bw_hz: 1k\n")
        fh.truncate(MAX_SPEC_BYTES + 1)  # sparse: a large file costs no disk
    with pytest.raises(SpecError, match=f"is {MAX_SPEC_BYTES + 1} bytes; a spec file is at most"):
        ctdsm.load_spec(big)


def test_a_spec_read_through_a_pipe_works(tmp_path):
    import os
    import threading

    fifo = tmp_path / "spec.fifo"
    os.mkfifo(fifo)
    text = (ROOT / "designs" / "singlebit.yaml").read_bytes()

    def write() -> None:
        with open(fifo, "wb") as fh:
            fh.write(text)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        import time

        time.sleep(0.2)  # the writer opens first, as a shell's <(...) does
        assert ctdsm.load_spec(fifo).name == "singlebit"
    finally:
        writer.join(timeout=10)


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("a\nb=1", "'a\\nb': unknown key"),
        ("target.\u00e9=1", "target.\u00e9: unknown key"),
        ("target.\u00e9\tx=1", "target.'\u00e9\\tx': unknown key"),
        ("target.bw_hz=&a [*a]", "target.bw_hz: must be a finite frequency > 0 Hz, got '&a"),
        ("architecture.order=" + "9" * 5000, "architecture.order: must be an integer in [1, 8]"),
        ("target.bw_hz=" + "x" * 10000, "..."),
    ],
    ids=["newline-key", "non-ascii-key", "tab-key", "recursive-value", "long-int", "long-value"],
)
def test_override_errors_stay_on_one_short_line(override, words):
    with pytest.raises(SpecError) as info:
        ctdsm.load_spec(SINGLEBIT, [override])
    text = str(info.value)
    assert "\n" not in text and words in text and len(text) < 200, text
