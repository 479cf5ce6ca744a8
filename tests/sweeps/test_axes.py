"""Sweep axes: value lists, inclusive ranges, aliases, the grid, one-line errors."""

import pytest

from ctdsm.errors import SpecError
from ctdsm.sweeps.axes import SweepAxis, as_axes, grid, parse_axis, parse_values


def test_integer_range_is_inclusive_and_stays_integer():
    ax = parse_axis("amplitude_dbfs=-60:0:6")
    assert ax.key == "amplitude_dbfs"
    assert ax.values == tuple(range(-60, 1, 6))
    assert all(type(v) is int for v in ax.values)


def test_float_range_has_no_rounding_residue():
    assert parse_values("0:0.3:0.1", "x") == [0.0, 0.1, 0.2, 0.3]
    assert parse_values("1:0:-0.25", "x") == [1.0, 0.75, 0.5, 0.25, 0.0]
    # A step that does not land on the stop stops before it.
    assert parse_values("-10:0:4", "x") == [-10, -6, -2]


def test_value_lists_are_yaml_scalars():
    assert parse_axis("process.corner=typical,ss,ff").values == ("typical", "ss", "ff")
    assert parse_axis("chopper.enabled=true,false").values == (True, False)
    assert parse_axis("impairments.jitter_rms_s=0,2e-12").values == (0, 2e-12)
    # Commas inside brackets belong to one value.
    assert parse_axis("architecture.dac_pulse=[0,0.5],[0.5,1]").values == ([0, 0.5], [0.5, 1])


def test_aliases_map_to_run_parameters():
    ax = parse_axis("simulation.amplitude_dbfs=-6,-3")
    assert ax.key == "amplitude_dbfs" and ax.is_run_param
    assert SweepAxis("simulation.seed", (1, 2)).key == "seed"
    assert not parse_axis("process.temp_c=27").is_run_param


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("amplitude_dbfs", "--axis", "not of the form"),
        ("amplitude_dbfs=-6:0:0", "--axis amplitude_dbfs", "step must not be 0"),
        ("amplitude_dbfs=-6:0:-1", "--axis amplitude_dbfs", "never reaches"),
        ("amplitude_dbfs=a:0:1", "--axis amplitude_dbfs", "start 'a' is not a number"),
        ("amplitude_dbfs=0:1:1e-9", "--axis amplitude_dbfs", "at most 100000"),
        ("process.corner=ss,,ff", "--axis process.corner", "empty value"),
        ("process..corner=ss", "--axis process..corner", "not a dotted spec key"),
    ],
)
def test_bad_axes_name_the_axis(text, field, reason):
    with pytest.raises(SpecError) as info:
        parse_axis(text)
    assert info.value.field == field
    assert reason in info.value.reason
    assert "\n" not in str(info.value)


def test_duplicate_axis_rejected_also_through_alias():
    with pytest.raises(SpecError, match="given twice"):
        as_axes(["amplitude_dbfs=-6", "simulation.amplitude_dbfs=-3"])


def test_as_axes_accepts_mapping_objects_and_strings():
    a = as_axes({"amplitude_dbfs": [-6, -3], "process.temp_c": range(0, 3)})
    assert [x.key for x in a] == ["amplitude_dbfs", "process.temp_c"]
    assert a[1].values == (0, 1, 2)
    b = as_axes([SweepAxis("seed", (1,)), "process.corner=ss"])
    assert [x.key for x in b] == ["seed", "process.corner"]
    assert as_axes(None) == []


def test_grid_is_the_product_last_axis_fastest():
    axes = as_axes({"a.x": [1, 2], "b.y": ["p", "q", "r"]})
    g = grid(axes)
    assert len(g) == 6
    assert g[0] == {"a.x": 1, "b.y": "p"}
    assert g[1] == {"a.x": 1, "b.y": "q"}
    assert g[3] == {"a.x": 2, "b.y": "p"}
    assert grid([]) == [{}]
