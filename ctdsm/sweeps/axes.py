"""Sweep axes: what varies in a sweep, parsed from ``KEY=V1,V2,...`` or ``KEY=START:STOP:STEP``.

An axis is a dotted spec key (as in ``--set``, e.g. ``process.temp_c``) or one of the run
parameters :data:`RUN_KEYS` (``amplitude_dbfs``, ``seed``), which change the stimulus but not
the design. The grid of a sweep is the Cartesian product of its axes, the last axis varying
fastest.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ctdsm.design.spec import Spec, load_spec, spec_from_dict
from ctdsm.errors import SpecError

__all__ = [
    "RUN_KEYS", "ALIASES", "SweepAxis", "parse_axis", "parse_values", "as_axes", "grid",
    "base_spec", "validate_point",
]  # fmt: skip

#: Axis keys that are run parameters of one simulation rather than spec fields.
RUN_KEYS = ("amplitude_dbfs", "seed")
#: Spec keys that mean the same as a run parameter (no new design is synthesized for them).
ALIASES = {"simulation.amplitude_dbfs": "amplitude_dbfs", "simulation.seed": "seed"}

_KEY = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$")
_RANGE = re.compile(r"^\s*([^:]+):([^:]+):([^:]+)\s*$")
# Significant digits kept for range values, so that -60:0:0.1 gives -59.9, not -59.900000000001.
_DIGITS = 12


@dataclass(frozen=True)
class SweepAxis:
    """One axis of a sweep.

    Attributes
    ----------
    key : str
        Dotted spec key (``"process.corner"``) or a run parameter (:data:`RUN_KEYS`).
    values : tuple
        The values, in sweep order (YAML scalars: numbers, strings, booleans, lists).
    """

    key: str
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        key = ALIASES.get(self.key, self.key)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "values", tuple(self.values))
        if not _KEY.match(key):
            raise SpecError(f"--axis {key}", "is not a dotted spec key")
        if not self.values:
            raise SpecError(f"--axis {key}", "needs at least one value")

    @property
    def is_run_param(self) -> bool:
        """True for ``amplitude_dbfs`` and ``seed`` (no re-synthesis)."""
        return self.key in RUN_KEYS


def _scalar(text: str) -> Any:
    text = text.strip()
    try:
        value = yaml.safe_load(text) if text else ""
    except yaml.YAMLError:
        return text
    if isinstance(value, str):
        # YAML 1.1 reads "2e-12" (no dot) as a string; an axis value is a number there.
        try:
            number = float(value)
        except ValueError:
            return value
        return number if math.isfinite(number) else value
    return value


def _number(text: str, key: str, what: str) -> float | int:
    value = _scalar(text)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(f"--axis {key}", f"range {what} {text.strip()!r} is not a number")
    return value


def _range(start_s: str, stop_s: str, step_s: str, key: str) -> list[float | int]:
    """Inclusive ``start:stop:step`` (the stop is included when a step lands on it)."""
    start = _number(start_s, key, "start")
    stop = _number(stop_s, key, "stop")
    step = _number(step_s, key, "step")
    if step == 0:
        raise SpecError(f"--axis {key}", "range step must not be 0")
    if (stop - start) * step < 0:
        raise SpecError(f"--axis {key}", f"range step {step:g} never reaches {stop:g}")
    n = math.floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1
    if n > 100_000:
        raise SpecError(f"--axis {key}", f"range has {n} values (at most 100000)")
    if all(isinstance(x, int) for x in (start, stop, step)):
        return [start + k * step for k in range(n)]
    return [float(f"{start + k * step:.{_DIGITS}g}") for k in range(n)]


def _split(text: str) -> list[str]:
    """Split on commas outside brackets, so ``dac_pulse=[0,0.5],[0.5,1]`` gives two values."""
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def parse_values(text: str, key: str = "axis") -> list[Any]:
    """Parse the value part of an axis: ``"a,b,c"`` or ``"start:stop:step"`` (inclusive).

    Parameters
    ----------
    text : str
        Comma-separated YAML scalars, or one ``start:stop:step`` range.
    key : str
        The axis key, for error messages.

    Returns
    -------
    list
        The values.

    Raises
    ------
    SpecError
        On an empty value, a bad range or a range with more than 100000 values.
    """
    m = _RANGE.match(text)
    if m and "[" not in text:
        start_s, stop_s, step_s = m.groups()
        return _range(start_s, stop_s, step_s, key=key)
    parts = _split(text)
    if any(not p.strip() for p in parts):
        raise SpecError(f"--axis {key}", f"{text!r} has an empty value")
    return [_scalar(p) for p in parts]


def parse_axis(text: str) -> SweepAxis:
    """Parse ``KEY=V1,V2,...`` or ``KEY=START:STOP:STEP`` into a :class:`SweepAxis`.

    Examples
    --------
    >>> parse_axis("amplitude_dbfs=-12:0:6").values
    (-12, -6, 0)
    >>> parse_axis("process.corner=typical,ss,ff").values
    ('typical', 'ss', 'ff')
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SpecError("--axis", f"{text!r} is not of the form KEY=V1,V2,... or KEY=A:B:STEP")
    return SweepAxis(key, tuple(parse_values(raw, ALIASES.get(key, key))))


def as_axes(
    axes: Mapping[str, Iterable[Any]] | Iterable[SweepAxis | str] | None,
) -> list[SweepAxis]:
    """Normalize ``{"key": values}``, :class:`SweepAxis` objects or ``"KEY=..."`` strings.

    Raises
    ------
    SpecError
        When a key appears twice (also through an alias).
    """
    if axes is None:
        out: list[SweepAxis] = []
    elif isinstance(axes, Mapping):
        out = [SweepAxis(k, tuple(v)) for k, v in axes.items()]
    else:
        out = [a if isinstance(a, SweepAxis) else parse_axis(a) for a in axes]
    seen: set[str] = set()
    for a in out:
        if a.key in seen:
            raise SpecError(f"--axis {a.key}", "is given twice")
        seen.add(a.key)
    return out


def grid(axes: Sequence[SweepAxis]) -> list[dict[str, Any]]:
    """Cartesian product of the axes, in order (the last axis varies fastest).

    Returns
    -------
    list of dict
        One ``{key: value}`` per grid point; ``[{}]`` for no axes.
    """
    keys = [a.key for a in axes]
    return [
        dict(zip(keys, combo, strict=True))
        for combo in itertools.product(*(a.values for a in axes))
    ]


def base_spec(spec: Spec | str | Path | None, overrides: Iterable[str] | Mapping[str, Any]) -> Spec:
    """The spec a sweep or an exploration starts from: ``spec`` (a :class:`Spec`, a path,
    or None for the embedded default) with ``overrides`` applied."""
    if isinstance(spec, Spec):
        return spec_from_dict(spec.to_dict(), overrides) if overrides else spec
    return load_spec(spec, overrides)


def validate_point(data: dict[str, Any], point: dict[str, Any], where: str) -> None:
    """Check ``data`` with ``point``'s overrides through the spec's own validation; a failure
    is one :class:`SpecError` naming ``where`` (the option that asked for it)."""
    try:
        spec_from_dict(data, point)
    except SpecError as exc:
        raise SpecError(where, f"{exc.field}: {exc.reason}") from None
