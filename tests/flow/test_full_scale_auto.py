"""target.full_scale_v: auto through synthesis: resolved before anything reads it, recorded
in design.json, a float for the engines; the process bounds warn or refuse."""

import json

import pytest

import ctdsm
from ctdsm.design.spec import spec_from_dict
from ctdsm.errors import SynthesisError
from ctdsm.sim.model import loop_model

pytestmark = pytest.mark.timeout(120)

#: A small design that synthesizes in seconds and sits inside every bound.
QUICK = {
    "name": "quick",
    "target": {"bw_hz": 250e3, "sndr_db": 85},
    "architecture": {"order": 3, "osr": 64, "levels": 9},
    "dac": {"type": "r_dac", "dem": "none"},
}


@pytest.fixture(scope="module")
def auto_design():
    return ctdsm.synthesize(spec_from_dict(QUICK))


def test_auto_resolves_to_the_supply_limit(auto_design):
    d = auto_design
    # generic180 at 1.8 V: V_DD - 2 h = 1.8 - 0.6 = 1.2 V.
    assert d.spec.target.full_scale_v == 1.2
    assert d.sizing.full_scale_v == 1.2
    assert d.sizing.k_u_v == pytest.approx(1.2 / 8)
    assert d.full_scale is not None and d.full_scale.value_v == 1.2
    assert d.warnings == ()  # inside every bound


def test_design_json_records_the_resolved_full_scale(auto_design):
    data = json.loads(auto_design.to_json())
    assert data["full_scale"]["requested"] == "auto"
    assert data["full_scale"]["value_v"] == 1.2
    assert data["full_scale"]["limits_v"] == {"reference": pytest.approx(1.2),
                                              "input": pytest.approx(1.2)}  # fmt: skip
    assert data["spec"]["target"]["full_scale_v"] == 1.2
    assert "warnings" not in data


def test_the_engines_get_a_float(auto_design):
    model = loop_model(auto_design)
    assert isinstance(model.full_scale_v, float) and model.full_scale_v == 1.2
    r = ctdsm.simulate(auto_design, 2048, -6.0, "default", 1)
    assert r.full_scale_v == 1.2
    assert ctdsm.analyze(r).sndr_db is not None


def test_a_number_is_kept():
    spec = spec_from_dict({**QUICK, "target": {**QUICK["target"], "full_scale_v": 1.0}})
    d = ctdsm.synthesize(spec)
    assert d.sizing.full_scale_v == 1.0 and d.full_scale is None
    assert "full_scale" not in d.to_dict()


def test_bounds_refuse_by_default_and_warn_when_asked():
    over = {**QUICK, "target": {**QUICK["target"], "full_scale_v": 1.5}}
    with pytest.raises(SynthesisError, match=r"sizing.bounds: full_scale = 1.5 V .*1.2 V"):
        ctdsm.synthesize(spec_from_dict(over))
    warn = {**over, "sizing": {"bounds": "warn"}}
    d = ctdsm.synthesize(spec_from_dict(warn))
    assert len(d.warnings) == 1
    assert d.warnings[0].startswith("sizing.bounds: full_scale = 1.5 V is above")
    assert d.to_dict()["warnings"] == list(d.warnings)
