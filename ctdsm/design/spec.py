"""The design spec: what a designer writes in ``spec.yaml``.

A spec is validated with pydantic; every field is documented (units, default, meaning)
in ``docs/spec.md``. Numbers may be written plainly (``250000``, ``2.5e5``) or with an SI
prefix and unit (``250k``, ``250 kHz``, ``16MHz``, ``1.8 V``).

Example
-------
>>> from ctdsm import load_spec
>>> spec = load_spec("designs/multibit.yaml", overrides=["architecture.h_inf=2"])
>>> spec.target.bw_hz
250000.0
"""

from __future__ import annotations

import importlib.resources
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ctdsm.design.spec_file import _flat, _yaml_load, read_spec_file
from ctdsm.errors import SpecError
from ctdsm.models.impairments import resolve_impairments

__all__ = [
    "Spec",
    "TargetSpec",
    "ArchitectureSpec",
    "DacSpec",
    "ChopperSpec",
    "ProcessSpec",
    "SizingSpec",
    "ImpairmentsSpec",
    "SimulationSpec",
    "load_spec",
    "spec_from_dict",
    "read_spec_file",
    "default_spec_path",
    "apply_overrides",
    "full_scale_value",
]

_PREFIX = {
    "T": 1e12,
    "G": 1e9,
    "M": 1e6,
    "k": 1e3,
    "": 1.0,
    "m": 1e-3,
    "u": 1e-6,
    "µ": 1e-6,
    "n": 1e-9,
    "p": 1e-12,
    "f": 1e-15,
}
_UNITS = ("Hz", "V", "s", "A", "F", "ohm", "Ohm", "Ω", "")
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S*)\s*$")


def _not_bool(value: Any) -> Any:
    """Refuse a boolean where a number is meant (YAML reads ``yes``/``no`` as booleans)."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


def _si_number(value: Any) -> Any:
    """Parse ``"250k"``, ``"16 MHz"``, ``"1.8V"`` into floats; pass other values through."""
    if not isinstance(value, str):
        return _not_bool(value)
    m = _NUMBER.match(value)
    if not m:
        return value  # let pydantic report "should be a valid number"
    number, suffix = float(m.group(1)), m.group(2)
    for unit in _UNITS:
        if suffix.endswith(unit):
            prefix = suffix[: len(suffix) - len(unit)] if unit else suffix
            if prefix in _PREFIX:
                return number * _PREFIX[prefix]
    raise ValueError(f"unknown unit or prefix {suffix!r}")


Num = Annotated[float, BeforeValidator(_si_number)]
#: An integer field: booleans (``yes``, ``true``) are refused, not read as 1.
Int = Annotated[int, BeforeValidator(_not_bool)]
Auto = Literal["auto"]


class _Model(BaseModel):
    # Frozen: a spec, like the design made from it, is a value; variants are new specs.
    # allow_inf_nan=False: every number is finite (inf and NaN are refused with the field).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TargetSpec(_Model):
    """What the converter must achieve."""

    bw_hz: Num = Field(
        gt=0, description="Signal bandwidth, Hz (low-pass: 0..bw; band-pass: width)."
    )
    sndr_db: Num = Field(100.0, gt=0, lt=200, description="Required peak SNDR, dB.")
    full_scale_v: Auto | Annotated[Num, Field(gt=0)] = Field(
        "auto",
        description="Differential peak input amplitude at 0 dBFS (DAC full scale), V; 'auto' "
        "is the largest the supply allows (ctdsm.design.full_scale), resolved by synthesis.",
    )
    f0_hz: Num = Field(0.0, ge=0, description="Band centre, Hz; 0 for a low-pass modulator.")
    allow_infeasible: bool = Field(
        False,
        description="Keep a fixed-architecture design whose simulated peak SQNR is below "
        "sndr_db, with a warning, instead of refusing it.",
    )


class ArchitectureSpec(_Model):
    """Loop-filter architecture; ``auto`` fields are chosen by :func:`ctdsm.synthesize`."""

    order: Auto | Annotated[Int, Field(ge=1, le=8)] = "auto"
    osr: Auto | Annotated[Num, Field(ge=4, le=4096)] = "auto"
    fs_hz: Auto | Annotated[Num, Field(gt=0)] = "auto"
    levels: Auto | Annotated[Int, Field(ge=2, le=257)] = "auto"
    form: Literal["FB", "FF"] = "FB"
    h_inf: Auto | Annotated[Num, Field(gt=1.0, le=8.0)] = "auto"
    optimized_zeros: bool = True
    eld: Annotated[Num, Field(ge=0.0, lt=1.0)] = 0.0
    dac_pulse: Literal["nrz", "rz", "hrz"] | list[Num] = "nrz"
    sqnr_margin_db: Annotated[Num, Field(ge=0.0, le=60.0)] = 10.0
    xlim: Annotated[Num, Field(gt=0.0)] = 1.0

    @field_validator("dac_pulse")
    @classmethod
    def _pulse(cls, v: Any) -> Any:
        if isinstance(v, list):
            if len(v) != 2 or not (0.0 <= v[0] < v[1] <= 1.0):
                raise ValueError(
                    "a custom pulse is [t_start, t_stop] with 0 <= t_start < t_stop <= 1"
                )
        return v

    def pulse_interval(self) -> tuple[float, float]:
        """DAC pulse ``[t0, t1]`` in clock periods, before excess loop delay."""
        if isinstance(self.dac_pulse, list):
            return float(self.dac_pulse[0]), float(self.dac_pulse[1])
        return {"nrz": (0.0, 1.0), "rz": (0.0, 0.5), "hrz": (0.5, 1.0)}[self.dac_pulse]


class DacSpec(_Model):
    """Feedback DAC of the first integrator (physics in ``ctdsm.dac``)."""

    type: Literal["r_dac", "vgs_r", "dual_rto", "zapped_dual_rto"] = "r_dac"
    dem: Literal["none", "dwa"] = "dwa"
    fir_taps: Annotated[Int, Field(ge=1, le=64)] = 1


class ChopperSpec(_Model):
    """Chopping of the first integrator's opamp."""

    enabled: bool = False
    f_chop_hz: Auto | Annotated[Num, Field(gt=0)] = "auto"
    phase: Annotated[Num, Field(ge=0.0, lt=1.0)] = 0.0


class ProcessSpec(_Model):
    """Fabrication process and operating point."""

    node: Literal["180nm"] = "180nm"
    pdk: Literal["generic180", "gf180mcu"] = "generic180"
    corner: Literal["typical", "ff", "ss", "fs", "sf"] = "typical"
    vdd_v: Annotated[Num, Field(gt=0.5, le=5.0)] = 1.8
    temp_c: Annotated[Num, Field(ge=-55.0, le=175.0)] = 27.0


class SizingSpec(_Model):
    """How the active-RC components are sized (see ``docs/sizing.md``)."""

    swing_v: Annotated[Num, Field(gt=0.0, le=5.0)] = 0.8
    thermal_fraction: Annotated[Num, Field(gt=0.0, lt=1.0)] = 0.5
    opamp_fraction: Annotated[Num, Field(gt=0.0, lt=1.0)] = 0.2
    c_stage_ratio: Annotated[Num, Field(gt=0.0, le=1.0)] = 0.25
    c_min_f: Annotated[Num, Field(gt=0.0)] = 0.2e-12
    #: What synthesis does with a component outside the process bounds
    #: (ctdsm.design.bounds): refuse (strict) or keep it with a warning (warn).
    bounds: Literal["strict", "warn"] = "strict"

    @model_validator(mode="after")
    def _fractions(self) -> SizingSpec:
        if self.thermal_fraction + self.opamp_fraction >= 1.0:
            raise ValueError(
                "sizing.opamp_fraction: thermal_fraction + opamp_fraction must stay below 1"
            )
        return self


Off = Literal["off"]


def _off(value: Any) -> Any:
    # YAML reads a bare `off`/`no` as False; both mean "this impairment is disabled".
    if value is False or (isinstance(value, str) and value.strip().lower() in ("off", "none")):
        return "off"
    return value


_Imp = Annotated[Off | Num | None, BeforeValidator(_off)]


class ImpairmentsSpec(_Model):
    """Non-idealities of the behavioral simulation: a preset plus per-field overrides.

    Fields left out (``None``) take the preset's value; ``off`` disables one. Meanings,
    units and default values: :class:`ctdsm.impairments.Impairments`, ``docs/impairments.md``.
    """

    preset: Literal["ideal", "default"] = "default"
    thermal_noise: bool | None = None
    flicker_corner_hz: _Imp = None
    opamp_offset_v: _Imp = None
    chopper_skew_s: _Imp = None
    chopper_charge_c: Annotated[
        Off | Annotated[Num, Field(ge=-1e-9, le=1e-9)] | None, BeforeValidator(_off)
    ] = None
    opamp_dc_gain_db: _Imp = None
    opamp_gbw_ratio: _Imp = None
    saturation_ratio: _Imp = None
    rc_spread: _Imp = None
    eld_extra: _Imp = None
    jitter_rms_s: _Imp = None
    dac_mismatch_sigma: _Imp = None
    dac_physics: bool | None = None
    dac_edge_asymmetry_s: _Imp = None
    comparator_offset_lsb: _Imp = None
    comparator_hysteresis_lsb: _Imp = None
    comparator_noise_lsb: _Imp = None

    @model_validator(mode="after")
    def _resolvable(self) -> ImpairmentsSpec:
        # The engine's own checks (signs, ranges), at load time: one error naming the field.
        resolve_impairments(self.to_engine())
        return self

    def to_engine(self) -> dict[str, Any]:
        """Mapping for :func:`ctdsm.impairments.resolve_impairments`."""
        out: dict[str, Any] = {"preset": self.preset}
        for key, val in self.model_dump().items():
            if key == "preset" or val is None:
                continue
            out[key] = None if val == "off" else val
        return out


class SimulationSpec(_Model):
    """Defaults of ``ctdsm simulate`` and ``ctdsm spice``."""

    n_samples: Annotated[Int, Field(ge=256, le=1 << 26)] = 1 << 16
    amplitude_dbfs: Annotated[Num, Field(le=6.0)] = -3.0
    fin_hz: Auto | Annotated[Num, Field(gt=0)] = "auto"
    seed: Annotated[Int, Field(ge=0, le=(1 << 63) - 1)] = 1


class Spec(_Model):
    """A complete CTDSM design spec. See ``docs/spec.md``."""

    name: str = "design"
    description: str = ""
    target: TargetSpec
    architecture: ArchitectureSpec = ArchitectureSpec()
    dac: DacSpec = DacSpec()
    chopper: ChopperSpec = ChopperSpec()
    process: ProcessSpec = ProcessSpec()
    sizing: SizingSpec = SizingSpec()
    impairments: ImpairmentsSpec = ImpairmentsSpec()
    simulation: SimulationSpec = SimulationSpec()

    @model_validator(mode="after")
    def _consistent(self) -> Spec:
        a, t = self.architecture, self.target
        if a.fs_hz != "auto" and a.osr != "auto":
            osr = a.fs_hz / (2.0 * t.bw_hz)
            if not math.isclose(osr, a.osr, rel_tol=1e-6):
                raise ValueError(
                    f"architecture.osr: {a.osr:g} disagrees with fs_hz/(2 bw_hz) = {osr:g}"
                )
        if t.f0_hz > 0:
            if a.order != "auto" and a.order % 2:
                raise ValueError("architecture.order: a band-pass modulator needs an even order")
            if t.f0_hz <= t.bw_hz / 2:
                raise ValueError("target.f0_hz: must exceed bw_hz/2 (or be 0 for low-pass)")
            if a.fs_hz != "auto" and t.f0_hz + t.bw_hz / 2 >= a.fs_hz / 2:
                raise ValueError("target.f0_hz: the band must lie below fs_hz/2")
        if a.fs_hz != "auto" and a.fs_hz / (2 * t.bw_hz) < 4:
            raise ValueError("architecture.fs_hz: gives OSR below 4")
        if self.simulation.fin_hz != "auto" and self.simulation.fin_hz >= t.f0_hz + t.bw_hz:
            raise ValueError("simulation.fin_hz: must lie inside the signal band")
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON/YAML serializable).

        ``target.allow_infeasible`` appears only when true, ``dac.fir_taps`` only when
        above 1 and ``sizing.bounds`` only when ``warn``, so the form of a spec that does
        not use them is unchanged.
        """
        out = self.model_dump(mode="json")
        if self.sizing.bounds == "strict":
            del out["sizing"]["bounds"]
        if not self.target.allow_infeasible:
            del out["target"]["allow_infeasible"]
        if self.dac.fir_taps == 1:
            del out["dac"]["fir_taps"]
        return out


def full_scale_value(spec: Spec) -> float:
    """``spec.target.full_scale_v`` as a number, V.

    Raises
    ------
    ValueError
        When it is still ``auto``: :func:`ctdsm.synthesize` resolves it
        (:func:`ctdsm.design.full_scale.resolve_full_scale`) before anything reads it, so an
        engine never sees the word.
    """
    value = spec.target.full_scale_v
    if value == "auto":
        raise ValueError(
            "target.full_scale_v is 'auto': resolve it first "
            "(ctdsm.design.full_scale.resolve_full_scale; ctdsm.synthesize does)"
        )
    return float(value)


# ---------------------------------------------------------------------------------------------
# loading, overrides, error messages


def _field_names(model: type[BaseModel], out: set[str]) -> set[str]:
    for name, info in model.model_fields.items():
        out.add(name)
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            _field_names(ann, out)
    return out


_FIELDS = _field_names(Spec, set())

#: What a numeric field measures, by the end of its name: (quantity, unit).
_QUANTITY = (
    ("_hz", "frequency", "Hz"),
    ("_dbfs", "level", "dBFS"),
    ("_db", "level", "dB"),
    ("_lsb", "value", "LSB"),
    ("_v", "voltage", "V"),
    ("_s", "time", "s"),
    ("_f", "capacitance", "F"),
)
_QUANTITY_OF = {
    "process.temp_c": ("temperature", "°C"),
    "impairments.chopper_charge_c": ("charge", "C"),
}
_BOUND = (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))


def _range_text(bounds: Iterable[Any]) -> str:
    """``"> 0"``, ``"in [1, 8]"``, ``"in (0, 5]"`` from annotated-types bounds."""
    lo: tuple[str, Any] | None = None
    hi: tuple[str, Any] | None = None
    for b in bounds:
        for key in ("gt", "ge"):
            if hasattr(b, key):
                lo = (key, getattr(b, key))
        for key in ("lt", "le"):
            if hasattr(b, key):
                hi = (key, getattr(b, key))

    def num(v: Any) -> str:
        return str(v) if isinstance(v, int) else f"{v:g}"

    if lo and hi:
        left, right = "(" if lo[0] == "gt" else "[", ")" if hi[0] == "lt" else "]"
        return f"in {left}{num(lo[1])}, {num(hi[1])}{right}"
    sym = dict(_BOUND)
    return " ".join(f"{sym[b[0]]} {num(b[1])}" for b in (lo, hi) if b is not None)


def _walk_type(tp: Any, kinds: set[type], words: list[str], bounds: list[Any]) -> None:
    """Collect a field type's numeric kinds, literal words and bounds (through unions)."""
    if get_origin(tp) in (list, tuple, dict):
        return  # a sequence of numbers (dac_pulse) has its own messages
    if get_origin(tp) is Annotated:
        base, *meta = get_args(tp)
        for m in meta:
            bounds.extend(getattr(m, "metadata", None) or [m])
        _walk_type(base, kinds, words, bounds)
    elif get_origin(tp) is Literal:
        words.extend(repr(a) for a in get_args(tp))
    elif get_args(tp):
        for arg in get_args(tp):
            _walk_type(arg, kinds, words, bounds)
    elif tp in (int, float):
        kinds.add(tp)


def _numeric_fields(model: type[BaseModel], prefix: str, out: dict[str, str]) -> dict[str, str]:
    """Map each numeric field's dotted path to the phrase its errors use.

    The phrase says what a valid value is: ``"a finite frequency > 0 Hz"``,
    ``"an integer in [1, 8], or 'auto'"``.
    """
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            _numeric_fields(ann, f"{path}.", out)
            continue
        kinds: set[type] = set()
        words: list[str] = []
        bounds: list[Any] = list(info.metadata)

        _walk_type(ann, kinds, words, bounds)
        if not kinds:
            continue
        rel = _range_text(bounds)
        if int in kinds:
            phrase = f"an integer{' ' + rel if rel else ''}"
        else:
            quantity, unit = _QUANTITY_OF.get(path) or next(
                ((q, u) for end, q, u in _QUANTITY if name.endswith(end)), ("number", "")
            )
            unit_text = (f" {unit}" if rel else f" in {unit}") if unit else ""
            phrase = f"a finite {quantity}{' ' + rel if rel else ''}{unit_text}"
        out[path] = phrase + (f", or {' or '.join(words)}" if words else "")
    return out


_NUMERIC = _numeric_fields(Spec, "", {})
#: pydantic error types that mean "not a valid value of this numeric field".
_NUMERIC_ERRORS = {
    "greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number",
    "float_parsing", "float_type", "int_parsing", "int_type", "int_from_float",
    "literal_error", "value_error", "int_parsing_size",
}  # fmt: skip


def _numeric_reason(field: str, err: Any) -> str | None:
    """The one message of a numeric field's error, with its range and unit, or None."""
    if field not in _NUMERIC or err["type"] not in _NUMERIC_ERRORS:
        return None
    if "unknown unit" in err["msg"]:
        return None
    value = err.get("input")
    shown = f"{value:g}" if isinstance(value, float) else _shown(value)
    return f"must be {_NUMERIC[field]}, got {shown}"


#: Longest value or key quoted in an error message (the rest is elided).
_SHOWN_MAX = 60


def _shown(value: Any) -> str:
    """``repr(value)``, shortened to :data:`_SHOWN_MAX` characters (one line, any size)."""
    try:
        text = repr(value)
    except ValueError:  # an int too long for str(): Python refuses > 4300 digits
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 3] + "..."


def _key_text(key: Any) -> str:
    """A spec key as an error names it: plain keys as they are, others quoted."""
    plain = isinstance(key, str) and 0 < len(key) <= _SHOWN_MAX and key.isprintable()
    if plain and not any(c.isspace() or c in "'\".:" for c in key):
        return key
    return _shown(key)


def _one_line(err: ValidationError) -> SpecError:
    """Condense a pydantic error into ``SpecError(field, reason)`` for the first bad field."""
    grouped: dict[str, list[str]] = {}
    numeric_fields: set[str] = set()
    for e in err.errors():
        loc = e["loc"]
        parts = [str(p) for p in loc if isinstance(p, int) or p in _FIELDS]
        if e["type"] == "extra_forbidden" and loc:
            parts = [str(p) for p in loc[:-1] if p in _FIELDS] + [_key_text(loc[-1])]
        field = ".".join(parts) or "spec"
        msg = e["msg"]
        numeric = _numeric_reason(field, e)
        if numeric is not None or field in numeric_fields:
            # One message per numeric field: what a valid value is, with range and unit.
            if field not in numeric_fields:
                numeric_fields.add(field)
                grouped[field] = [numeric or msg]
            continue
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "required field is missing"
        elif msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
            head, sep, rest = msg.partition(": ")
            if sep and re.fullmatch(r"[a-z_]+(\.[a-z_0-9]+)+", head):
                field, msg = head, rest
        grouped.setdefault(field, [])
        if msg not in grouped[field]:
            grouped[field].append(msg)
    field, msgs = next(iter(grouped.items()))
    if len(msgs) > 1:
        cleaned = [m.removeprefix("Input should be ") for m in msgs]
        reason = "should be " + " or ".join(cleaned)
    else:
        reason = msgs[0].replace("Input should be", "should be", 1)
    return SpecError(_flat(field), _flat(reason))


def _parse_override(item: str) -> tuple[list[str], Any]:
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not p for p in key.split(".")):
        raise SpecError("--set", f"{item!r} is not of the form dotted.key=value")
    try:
        value = _yaml_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.split("."), value


def apply_overrides(data: dict[str, Any], overrides: Iterable[str] | Mapping[str, Any]) -> dict:
    """Return a copy of the raw spec mapping with ``dotted.key=value`` overrides applied.

    Parameters
    ----------
    data : dict
        Raw spec mapping (as loaded from YAML).
    overrides : iterable of str or mapping
        ``["dac.type=r_dac", "architecture.h_inf=4"]`` or ``{"dac.type": "r_dac"}``. Values
        are parsed as YAML scalars (``true``, ``1e6``, ``[0, 0.5]``).

    Returns
    -------
    dict
        The updated mapping; validation happens in :class:`Spec`.
    """
    import copy

    out = copy.deepcopy(data)
    items = (
        [(k.split("."), v) for k, v in overrides.items()]
        if isinstance(overrides, Mapping)
        else [_parse_override(s) for s in overrides]
    )
    for path, value in items:
        node = out
        for i, part in enumerate(path[:-1]):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                raise SpecError(_flat(".".join(path[: i + 1])), "is a value, not a section")
            node = nxt
        node[path[-1]] = value
    return out


def default_spec_path() -> Path:
    """Path of the embedded default design (the multi-bit seed design)."""
    return Path(str(importlib.resources.files("ctdsm") / "data" / "default.yaml"))


def load_spec(
    path: str | Path | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
) -> Spec:
    """Load and validate a spec file.

    Parameters
    ----------
    path : str or Path, optional
        A ``spec.yaml``. ``None`` loads the embedded default design.
    overrides : iterable of str or mapping, optional
        ``dotted.key=value`` overrides applied before validation (see :func:`apply_overrides`).

    Returns
    -------
    Spec

    Raises
    ------
    SpecError
        With the offending field and the reason.
    """
    if isinstance(path, Mapping):
        raise SpecError("path", "load_spec takes a path; use spec_from_dict(mapping) for a dict")
    if path is not None and not isinstance(path, (str, Path)):
        raise SpecError("path", f"load_spec takes a str or Path, got {type(path).__name__}")
    data = read_spec_file(default_spec_path() if path is None else path)
    return spec_from_dict(data, overrides)


def spec_from_dict(
    data: Mapping[str, Any], overrides: Iterable[str] | Mapping[str, Any] = ()
) -> Spec:
    """Validate a raw mapping (plus overrides) into a :class:`Spec`.

    Parameters
    ----------
    data : mapping
        Raw spec sections, as read from YAML.
    overrides : iterable of str or mapping, optional
        As for :func:`load_spec`.

    Returns
    -------
    Spec

    Raises
    ------
    SpecError
        With the offending field and the reason.
    """
    if not isinstance(data, Mapping):
        raise SpecError("spec", f"spec_from_dict takes a mapping, got {type(data).__name__}")
    data = apply_overrides(dict(data), overrides)
    try:
        return Spec.model_validate(data)
    except ValidationError as exc:
        raise _one_line(exc) from None
