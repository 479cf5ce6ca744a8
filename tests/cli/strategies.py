"""Hypothesis strategies for the CLI contract: spec files, ``--set`` overrides, ``-o`` paths.

A generated case is a :class:`Case`: a spec *source* (YAML text, raw bytes or a special path
such as a FIFO or ``/dev/zero``), ``--set`` items and an ``-o`` *kind*; :func:`build` lays it
out in a sandbox directory and returns the command line. Valid specs are drawn from small
physical ranges around the seed designs (``designs/singlebit.yaml``, ``designs/multibit.yaml``);
invalid ones change one field to a value the spec schema must refuse, add unknown keys,
repeat keys, or are not a spec file at all.
"""

from __future__ import annotations

import copy
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SEEDS: dict[str, dict[str, Any]] = {
    name: yaml.safe_load((ROOT / "designs" / f"{name}.yaml").read_text())
    for name in ("singlebit", "multibit")
}

# ------------------------------------------------------------------------- numeric fields

#: Numeric fields: (section, key) -> (low, low inclusive, high, high inclusive, integer).
#: None is an open end. The seed designs set, or default, every one of them.
NUMERIC: dict[tuple[str, str], tuple[float | None, bool, float | None, bool, bool]] = {
    ("target", "bw_hz"): (0.0, False, None, False, False),
    ("target", "sndr_db"): (0.0, False, 200.0, False, False),
    ("target", "full_scale_v"): (0.0, False, None, False, False),
    ("architecture", "order"): (1, True, 8, True, True),
    ("architecture", "osr"): (4.0, True, 4096.0, True, False),
    ("architecture", "levels"): (2, True, 257, True, True),
    ("architecture", "eld"): (0.0, True, 1.0, False, False),
    ("architecture", "sqnr_margin_db"): (0.0, True, 60.0, True, False),
    ("chopper", "phase"): (0.0, True, 1.0, False, False),
    ("process", "vdd_v"): (0.5, False, 5.0, True, False),
    ("process", "temp_c"): (-55.0, True, 175.0, True, False),
    ("sizing", "swing_v"): (0.0, False, 5.0, True, False),
    ("sizing", "c_min_f"): (0.0, False, None, False, False),
    ("simulation", "n_samples"): (256, True, 1 << 26, True, True),
    ("simulation", "amplitude_dbfs"): (None, False, 6.0, True, False),
    ("simulation", "seed"): (0, True, (1 << 63) - 1, True, True),
}

#: Every dotted key and section of the spec (a ``--set`` key drawn at random avoids them).
SECTIONS = ("target", "architecture", "dac", "chopper", "process", "sizing", "impairments")
KNOWN_KEYS = {"name", "description", "simulation", *SECTIONS} | {f"{s}.{k}" for s, k in NUMERIC}
_SAFE_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")

#: Values no numeric field accepts, whatever its range.
NOT_A_NUMBER: list[Any] = [
    True, False, math.nan, math.inf, -math.inf, "abc", "", " ", "1.5 parsecs", "12 furlongs",
    "nan", "--1", [1.0], [], {"a": 1}, {}, "\u00e9t\u00e9", "\x00",
]  # fmt: skip

_garbage_text = st.text(max_size=40).map(lambda s: "x" + s)  # never parses as a number


def out_of_range(key: tuple[str, str]) -> st.SearchStrategy[Any]:
    """A value of the right type for ``key`` but outside its range (or not an integer)."""
    lo, lo_inc, hi, hi_inc, integer = NUMERIC[key]
    options: list[st.SearchStrategy[Any]] = []
    if lo is not None:
        below = (lo - 1) if (lo_inc and integer) else lo
        if integer:
            options.append(st.integers(max_value=int(below), min_value=-(1 << 70)))
        else:
            strat = st.floats(max_value=float(lo), allow_nan=False, allow_infinity=False)
            options.append(strat.filter(lambda x: x < lo or (x == lo and not lo_inc)))
    if hi is not None:
        if integer:
            options.append(st.integers(min_value=int(hi) + 1, max_value=1 << 70))
        else:
            strat = st.floats(min_value=float(hi), allow_nan=False, allow_infinity=False)
            options.append(strat.filter(lambda x: x > hi or (x == hi and not hi_inc)))
    if integer:  # a non-integral float
        options.append(st.floats(min_value=1.01, max_value=7.99).filter(lambda x: x % 1 != 0))
    return st.one_of(options)


def bad_value(key: tuple[str, str]) -> st.SearchStrategy[Any]:
    """Any value the schema must refuse for the numeric field ``key``."""
    return st.one_of(st.sampled_from(NOT_A_NUMBER), _garbage_text, out_of_range(key))


# ------------------------------------------------------------------------- valid specs


@st.composite
def valid_spec(
    draw: st.DrawFn, seeds: tuple[str, ...] = ("multibit", "singlebit")
) -> dict[str, Any]:
    """A spec near a seed design: fixed architecture, a few physical knobs moved a little."""
    seed = draw(st.sampled_from(seeds))
    spec = copy.deepcopy(SEEDS[seed])
    spec["target"]["bw_hz"] = draw(st.sampled_from(["200 kHz", "250k", 250000, "300kHz"]))
    spec["target"]["sndr_db"] = draw(st.integers(min_value=90, max_value=104))
    spec["target"]["allow_infeasible"] = True  # a weaker corner warns instead of failing
    spec["process"]["temp_c"] = draw(st.sampled_from([-40, 27, 85]))
    spec["process"]["corner"] = draw(st.sampled_from(["typical", "ff", "ss"]))
    spec["simulation"]["seed"] = draw(st.integers(min_value=0, max_value=1 << 32))
    spec["simulation"]["amplitude_dbfs"] = draw(st.sampled_from([-12, -6]))
    spec["chopper"]["enabled"] = draw(st.booleans())
    if draw(st.booleans()):
        spec["name"] = draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True))
    return spec


# ------------------------------------------------------------------------- invalid specs


@st.composite
def spec_with_bad_number(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A seed spec with one numeric field refused by the schema; (spec, dotted field)."""
    spec = copy.deepcopy(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    key = draw(st.sampled_from(sorted(NUMERIC)))
    spec.setdefault(key[0], {})[key[1]] = draw(bad_value(key))
    return spec, ".".join(key)


_odd_key = st.one_of(
    st.sampled_from(["bogus", "bw", "BW_HZ", "Target", "", " ", "a.b", "\u00e9", "a\nb", "0"]),
    st.text(min_size=1, max_size=30),
)


@st.composite
def spec_with_unknown_key(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A seed spec with a key no section has (top level or in a section)."""
    spec = copy.deepcopy(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    where = draw(st.sampled_from(["", *SECTIONS]))
    node = spec if not where else spec.setdefault(where, {})
    key = draw(_odd_key.filter(lambda k: k not in node and k.strip() not in KNOWN_KEYS))
    known = {k for s, k in NUMERIC} | {"type", "dem", "enabled", "form", "levels", "preset"}
    if where and key in known | {"node", "pdk", "corner", "f_chop_hz", "fs_hz", "h_inf"}:
        key = "zz" + key
    node[key] = draw(st.one_of(st.integers(), st.text(max_size=10), st.none()))
    return spec, where or "spec"


@st.composite
def spec_with_bad_section(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A seed spec whose section is not a mapping, or whose name/description is not text."""
    spec = copy.deepcopy(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    where = draw(st.sampled_from([*SECTIONS, "simulation", "name", "description"]))
    if where in ("name", "description"):
        spec[where] = draw(st.one_of(st.integers(), st.lists(st.text(), max_size=2), st.just({})))
    else:
        spec[where] = draw(st.one_of(st.integers(), st.text(max_size=10), st.lists(st.integers())))
    if where == "target" and spec["target"] == []:
        spec["target"] = [1]
    return spec, where


def dump(spec: dict[str, Any]) -> str:
    """YAML text of a spec dict (keys in order)."""
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)


@st.composite
def duplicate_key_yaml(draw: st.DrawFn) -> str:
    """A seed spec's YAML with one key repeated, in a section or at the top level."""
    spec = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
    text = dump(spec)
    section = draw(st.sampled_from([s for s in spec if isinstance(spec[s], dict)]))
    key = draw(st.sampled_from(sorted(spec[section])))
    value = yaml.safe_dump(spec[section][key], default_flow_style=True).splitlines()[0]
    if value == "...":
        value = "null"
    if draw(st.booleans()):  # inside the section
        head = f"{section}:\n"
        at = text.index(head) + len(head)
        return text[:at] + f"  {key}: {value}\n" + text[at:]
    return text + f"{section}:\n  {key}: {value}\n"


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + f"\ntarget:\n  bw_hz: *a{levels - 1}\n"


#: YAML texts that are not a spec: not a mapping, not YAML, or hostile.
NOT_A_SPEC_TEXT = [
    "", "~", "null", "42", "'x'", "- a\n- b\n", "[1, 2]", "target: [", "target:\n\tbw_hz: 1",
    "{", "target: {bw_hz: 1k}\n---\ntarget: {bw_hz: 2k}\n", "? [a]\n: 1\n",
    "target: !!python/object:os.system\n  bw_hz: 1k\n", "target:\n  bw_hz: &a [*a]\n",
    "target: " + "[" * 200 + "]" * 200 + "\n", _bomb(9),
    "target:\n  bw_hz: 1k\narchitecture:\n  order: " + "9" * 5000 + "\n",
    "target: &t\n  bw_hz: 1k\n  x: *t\n", "\ufefftarget: 5\n",
]  # fmt: skip


@st.composite
def not_a_spec_bytes(draw: st.DrawFn) -> bytes:
    """Bytes that are not a valid spec: hostile YAML, non-UTF-8 text, binary garbage."""
    kind = draw(st.sampled_from(["text", "latin1", "binary", "nul"]))
    if kind == "text":
        return draw(st.sampled_from(NOT_A_SPEC_TEXT)).encode()
    if kind == "latin1":
        return "target:\n  bw_hz: 1k\nname: caf\u00e9\n".encode("latin-1")
    if kind == "nul":
        return b"target:\n  bw_hz: 1k\x00\n"
    return draw(st.binary(min_size=1, max_size=200))


# ------------------------------------------------------------------------- --set overrides


@st.composite
def bad_override(draw: st.DrawFn) -> str:
    """A ``--set`` item the spec must refuse: malformed, unknown key, or a refused value."""
    kind = draw(st.sampled_from(["malformed", "unknown", "value", "yaml", "section"]))
    if kind == "malformed":
        return draw(
            st.one_of(
                st.sampled_from(["", "=", "=1", "noequals", ".a=1", "a.=1", "a..b=1", " =1"]),
                st.text(max_size=20).filter(lambda s: "=" not in s),
            )
        )
    if kind == "unknown":
        key = draw(
            st.text(min_size=1, max_size=20).filter(
                lambda s: "=" not in s and s.strip() and s.strip() not in KNOWN_KEYS
                and all(p for p in s.strip().split("."))
                and s.strip().split(".")[0] not in ("name", "description")
            )
        )  # fmt: skip
        if key.strip().split(".")[0] in KNOWN_KEYS:  # a known section: make the key unknown
            key = key.strip() + ".zz_unknown"
        return f"{key}={draw(st.text(max_size=10))}"
    key = draw(st.sampled_from(sorted(NUMERIC)))
    dotted = ".".join(key)
    if kind == "section":
        return f"{draw(st.sampled_from(SECTIONS))}={draw(st.sampled_from(['5', 'x', '[1]']))}"
    if kind == "yaml":
        raw = draw(
            st.sampled_from(
                ["yes", "no", "true", ".nan", ".inf", "-.inf", "[1, 2]", "{a: 1}", "~", "null",
                 "!!binary aGk=", "&a [*a]", "[" * 100, "1e999", "-1e999", "9" * 5000, '"1"x',
                 "!!python/name:os.system", "2001-12-14"]
            )
        )  # fmt: skip
        if raw in ("~", "null") and key[0] != "target":
            raw = "[null]"  # None is "the default" outside target
        return f"{dotted}={raw}"
    value = draw(out_of_range(key))
    text = repr(value) if isinstance(value, float) else str(value)
    return f"{dotted}={text}"


# ------------------------------------------------------------------------- -o and SPEC paths

#: ``-o`` kinds the CLI must refuse before any work.
BAD_OUT = ["empty", "blank", "file", "below_file", "dangling", "below_dangling", "devnull"]
#: ``-o`` kinds that are fine (the directory is created, or exists with other files in it).
GOOD_OUT = ["new", "nested", "existing", "dotdot"]
#: SPEC paths that are not a readable spec file (the click-level directory case aside).
BAD_SPEC_PATHS = [
    "missing", "empty_arg", "below_file", "dangling", "loop", "fifo", "devnull", "devzero",
    "huge",
]  # fmt: skip


@dataclass
class Case:
    """One CLI invocation, described; :func:`build` makes it real in a sandbox."""

    verb: str = "synth"
    spec_text: bytes | None = None  # written to sandbox/spec.yaml
    spec_path: str | None = None  # one of BAD_SPEC_PATHS (when spec_text is None)
    overrides: list[str] = field(default_factory=list)
    out: str = "new"
    expect_field: str | None = None  # the field the error must name, when known
    extra: list[str] = field(default_factory=list)


def build(case: Case, sandbox: Path) -> tuple[list[str], Path]:
    """Lay out ``case`` in ``sandbox``; return (argv, the -o directory as given, resolved)."""
    (sandbox / "afile").write_text("a file\n")
    os.symlink(sandbox / "nowhere", sandbox / "dangling")
    spec: str
    if case.spec_text is not None:
        (sandbox / "spec.yaml").write_bytes(case.spec_text)
        spec = str(sandbox / "spec.yaml")
    else:
        kind = case.spec_path or "missing"
        spec = {
            "missing": str(sandbox / "missing.yaml"),
            "empty_arg": "",
            "below_file": str(sandbox / "afile" / "spec.yaml"),
            "dangling": str(sandbox / "dangling"),
            "loop": str(sandbox / "loop1"),
            "fifo": str(sandbox / "fifo"),
            "devnull": os.devnull,
            "devzero": "/dev/zero",
            "huge": str(sandbox / "huge.yaml"),
        }[kind]
        if kind == "loop":
            os.symlink(sandbox / "loop2", sandbox / "loop1")
            os.symlink(sandbox / "loop1", sandbox / "loop2")
        elif kind == "fifo":
            os.mkfifo(sandbox / "fifo")
        elif kind == "huge":
            with open(sandbox / "huge.yaml", "wb") as fh:
                fh.write(b"target:\n  bw_hz: 1k\n")
                fh.write(b"#" * (2 << 20) + b"\n")
    out_text = {
        "empty": "",
        "blank": "  ",
        "file": str(sandbox / "afile"),
        "below_file": str(sandbox / "afile" / "o"),
        "dangling": str(sandbox / "dangling"),
        "below_dangling": str(sandbox / "dangling" / "o"),
        "devnull": os.devnull,
        "new": str(sandbox / "o"),
        "nested": str(sandbox / "n1" / "n2" / "o"),
        "existing": str(sandbox / "prev"),
        "dotdot": str(sandbox / "x" / ".." / "o"),
    }[case.out]
    if case.out == "existing":
        prev = sandbox / "prev"
        prev.mkdir()
        (prev / "notes.txt").write_text("mine\n")
        (prev / ".hidden").write_text("mine too\n")
        (prev / "design.json").write_text('{"previous": true}\n')
        (prev / "run.json").write_text('{"runs": {"synth": {"files": ["design.json"]}}}\n')
    if case.out == "dotdot":
        (sandbox / "x").mkdir()
    argv = [case.verb, spec, "-o", out_text, "-q", *case.extra]
    for item in case.overrides:
        argv += ["--set", item]
    return argv, Path(os.path.normpath(out_text)) if out_text.strip() else sandbox / "<none>"


# ------------------------------------------------------------------------- whole cases


@st.composite
def invalid_case(draw: st.DrawFn, verb: str = "synth") -> Case:
    """A case the CLI must refuse with exit 2: at least one part is definitely bad."""
    what = draw(
        st.sampled_from(
            ["number", "number", "number", "unknown", "section", "duplicate", "bytes", "path",
             "override", "override", "out"]
        )
    )  # fmt: skip
    case = Case(verb=verb, out=draw(st.sampled_from(GOOD_OUT)))
    spec: dict[str, Any] = copy.deepcopy(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    if what == "number":
        spec, case.expect_field = draw(spec_with_bad_number())
    elif what == "unknown":
        spec, _ = draw(spec_with_unknown_key())
    elif what == "section":
        spec, case.expect_field = draw(spec_with_bad_section())
    if what == "duplicate":
        case.spec_text = draw(duplicate_key_yaml()).encode()
    elif what == "bytes":
        case.spec_text = draw(not_a_spec_bytes())
    elif what == "path":
        case.spec_path = draw(st.sampled_from(BAD_SPEC_PATHS))
    else:
        case.spec_text = dump(spec).encode()
    if what == "override":
        case.overrides = draw(st.lists(bad_override(), min_size=1, max_size=3))
    elif draw(st.integers(0, 3)) == 0:  # garbage --set on top of another fault
        case.overrides = draw(st.lists(bad_override(), min_size=1, max_size=2))
    if what == "out" or draw(st.integers(0, 4)) == 0:
        case.out = draw(st.sampled_from(BAD_OUT))
    return case


#: Spec names that must never name a file (netlist writes DIR/<name>.cir).
BAD_NAMES = [
    "../x", "/abs/x", "a/b", "..", ".", "", "n" * 101, "n" * 300, "r\u00e9sum\u00e9", "-x",
    ".hidden", "a\\b", "a b", "a\nb", "a\x00b", "~", "$HOME", "*", "con:", "\u202eevil",
]  # fmt: skip


@st.composite
def bad_name(draw: st.DrawFn) -> str:
    """A spec ``name`` that is not a safe file name."""
    name = draw(st.one_of(st.sampled_from(BAD_NAMES), st.text(max_size=120)))
    if _SAFE_NAME.fullmatch(name) and name[0] not in ".-":
        name = "../" + name
    return name


@st.composite
def bad_name_case(draw: st.DrawFn) -> Case:
    """``ctdsm netlist`` of a seed spec renamed to an unsafe name (in the file or by --set)."""
    spec = copy.deepcopy(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    name = draw(bad_name())
    case = Case(verb="netlist", out=draw(st.sampled_from(GOOD_OUT)), expect_field="name")
    if draw(st.booleans()) or "\x00" in name:
        spec["name"] = name
    else:
        case.overrides = [f"name={yaml.safe_dump(name, default_flow_style=True).splitlines()[0]}"]
        if "\n" in name or case.overrides[0] == "name=...":
            spec["name"] = name
            case.overrides = []
    case.spec_text = dump(spec).encode()
    return case


@st.composite
def valid_case(draw: st.DrawFn, seeds: tuple[str, ...] = ("multibit", "singlebit")) -> Case:
    """A valid spec and a good ``-o`` (a real synthesis: keep these few)."""
    return Case(verb="synth", spec_text=dump(draw(valid_spec(seeds))).encode(),
                out=draw(st.sampled_from(GOOD_OUT)))  # fmt: skip
