"""Spec validation: good specs load, bad ones give one-line errors naming the field."""

from pathlib import Path

import pytest

from ctdsm.design.spec import Spec, apply_overrides, default_spec_path, load_spec, spec_from_dict
from ctdsm.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = {"target": {"bw_hz": 250e3}}


@pytest.mark.parametrize("path", sorted((ROOT / "designs").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_design_loads(path):
    spec = load_spec(path)
    assert isinstance(spec, Spec)
    assert spec.target.bw_hz > 0


def test_default_is_the_multibit_seed():
    assert default_spec_path().read_text() == (ROOT / "designs" / "multibit.yaml").read_text()
    assert load_spec(None).name == "multibit"


@pytest.mark.parametrize(
    ("text", "value"),
    [("250k", 250e3), ("250 kHz", 250e3), ("16MHz", 16e6), ("2.5e5", 2.5e5), ("250e3", 250e3)],
)
def test_si_numbers(text, value):
    spec = spec_from_dict({"target": {"bw_hz": text}})
    assert spec.target.bw_hz == pytest.approx(value)


def test_overrides_parse_yaml_values():
    spec = spec_from_dict(
        MINIMAL,
        [
            "dac.type=vgs_r",
            "chopper.enabled=false",
            "architecture.h_inf=4",
            "architecture.dac_pulse=[0, 0.5]",
            "architecture.order=3",
        ],
    )
    assert spec.dac.type == "vgs_r"
    assert spec.chopper.enabled is False
    assert spec.architecture.h_inf == 4.0
    assert spec.architecture.pulse_interval() == (0.0, 0.5)
    assert spec.architecture.order == 3


def test_overrides_do_not_mutate_input():
    data = {"target": {"bw_hz": 1e3}}
    out = apply_overrides(data, {"target.sndr_db": 90})
    assert data == {"target": {"bw_hz": 1e3}}
    assert out["target"]["sndr_db"] == 90


@pytest.mark.parametrize(
    ("data", "overrides", "field", "words"),
    [
        ({"target": {"bw_hz": -1}}, [], "target.bw_hz", "finite frequency > 0 Hz, got -1"),
        ({"target": {"bw_hz": 1e3, "foo": 1}}, [], "target.foo", "unknown key"),
        (MINIMAL, ["bogus.key=1"], "bogus", "unknown key"),
        (MINIMAL, ["architecture.order=three"], "architecture.order", "integer"),
        (MINIMAL, ["architecture.order=0"], "architecture.order", "integer in [1, 8]"),
        ({}, [], "target", "missing"),
        (MINIMAL, ["dac.type=foo"], "dac.type", "vgs_r"),
        (
            MINIMAL,
            ["architecture.fs_hz=1e6", "architecture.osr=64"],
            "architecture.osr",
            "disagrees",
        ),
        ({"target": {"bw_hz": "3 parsecs"}}, [], "target.bw_hz", "unit"),
        (MINIMAL, ["target=3"], "target", "dictionary"),
        (MINIMAL, ["architecture.dac_pulse=[0.5, 0.2]"], "architecture.dac_pulse", "t_start"),
        (MINIMAL, ["target.f0_hz=1e6", "architecture.order=3"], "architecture.order", "even"),
        (MINIMAL, ["target.bw_hz.x=3"], "target.bw_hz", "not a section"),
        (MINIMAL, ["noequals"], "--set", "dotted.key=value"),
    ],
)
def test_bad_specs_name_the_field(data, overrides, field, words):
    with pytest.raises(SpecError) as info:
        spec_from_dict(data, overrides)
    assert info.value.field == field
    assert words in info.value.reason
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("target: {bw_hz: 1e3\n", "invalid YAML"),
        ("", "empty"),
        ("- a\n- b\n", "mapping"),
        ("target:\n  bw_hz: 1e3\n bad: indent\n", "invalid YAML at line"),
    ],
)
def test_bad_files(tmp_path, content, words):
    p = tmp_path / "s.yaml"
    p.write_text(content)
    with pytest.raises(SpecError) as info:
        load_spec(p)
    assert info.value.field == str(p)
    assert words in info.value.reason


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ("impairments.jitter_rms_s=-1e-12", "impairments.jitter_rms_s", "negative"),
        ("impairments.rc_spread=-2", "impairments.rc_spread", "above -1"),
        ("impairments.opamp_gbw_ratio=0", "impairments.opamp_gbw_ratio", "positive"),
        ("impairments.thermal_noise=3", "impairments.thermal_noise", "bool"),
    ],
)
def test_bad_impairments_name_the_field(override, field, words):
    with pytest.raises(SpecError) as info:
        spec_from_dict(MINIMAL, [override])
    assert info.value.field == field
    assert words in info.value.reason


def test_impairments_off_and_values():
    spec = spec_from_dict(
        MINIMAL, ["impairments.jitter_rms_s=off", "impairments.chopper_charge_c=-2e-15"]
    )
    eng = spec.impairments.to_engine()
    assert eng["jitter_rms_s"] is None and eng["chopper_charge_c"] == -2e-15


def test_bounded_impairment_accepts_off_like_the_others():
    # `--set KEY=off` reaches the spec as YAML false: the bounded charge field takes it too
    for value in ("off", "false", "none"):
        eng = spec_from_dict(MINIMAL, [f"impairments.chopper_charge_c={value}"]).impairments
        assert eng.chopper_charge_c == "off", value
        assert eng.to_engine()["chopper_charge_c"] is None
    with pytest.raises(SpecError, match="charge"):
        spec_from_dict(MINIMAL, ["impairments.chopper_charge_c=2e-9"])
