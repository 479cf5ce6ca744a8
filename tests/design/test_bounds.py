"""Process bounds (ctdsm.design.bounds) on hand-built sizings, and the auto full scale
(ctdsm.design.full_scale) against the formula computed by hand."""

import math
from dataclasses import replace

import numpy as np
import pytest

from ctdsm.design.bounds import check_bounds, violations
from ctdsm.design.cost import Cost
from ctdsm.design.full_scale import full_scale_limits, resolve_full_scale
from ctdsm.design.sizing import Resistor, Sizing
from ctdsm.design.spec import full_scale_value, spec_from_dict
from ctdsm.errors import SpecError
from ctdsm.models.technology import GENERIC180, GF180MCU

pytestmark = pytest.mark.timeout(120)


def _sizing(caps, resistors, units=16, r_unit=8e3, fs_v=1.2):
    res = [Resistor(name, stage, src, r, 1.0) for name, stage, src, r in resistors]
    return Sizing(
        k_u_v=fs_v / units, k_x_v=np.ones(len(caps)), c_f=np.array(caps), resistors=res,
        dac_units=units, dac_unit_r_ohm=r_unit, opamp_en_v_rthz=np.ones(len(caps)) * 1e-8,
        noise=[], total_noise_v2=1e-12, budget_v2=1e-12, ref_amplitude_dbfs=-1.0,
        full_scale_v=fs_v, bw_hz=250e3, temp_k=300.0,
    )  # fmt: skip


def _cost(area_mm2=1.0):
    return Cost(1e-3, {"x": 1e-3}, area_mm2, {"x": area_mm2}, (), "generic180")


RES = [("R1_u", 1, "u", 1e3), ("R1_dac1", 1, "dac1", 500.0), ("R2_x1", 2, "x1", 20e3),
       ("Rsum_x1", 0, "x1", math.nan)]  # fmt: skip
GOOD = _sizing([100e-12, 25e-12], RES)


def _by_name(checks):
    return {c.name: c for c in checks}


def _checks(sizing=GOOD, cost=None, vdd=1.8, swing=0.8, tech=GENERIC180):
    return _by_name(check_bounds(sizing, cost or _cost(), tech, vdd_v=vdd, swing_v=swing))


def test_a_design_inside_every_bound():
    checks = _checks()
    assert all(c.ok and c.margin >= 0 for c in checks.values())
    # The first DAC's combined resistor is not a component; the unit resistor is. The FF
    # summing weight (no value) is left out.
    assert "R1_dac1" not in checks and "Rsum_x1" not in checks
    assert {"R1_u", "R2_x1", "DAC unit resistor"} <= set(checks)
    order = ["full_scale", "opamp_swing", "C1", "C2", "C_total"]
    assert list(checks)[:5] == order
    assert list(checks)[-1] == "area"


def test_capacitor_bounds_by_hand():
    big = _sizing([300e-12, 60e-12, 400e-12], RES)
    checks = _checks(big)
    c1 = checks["C1"]
    assert c1.limit == 250e-12 and c1.kind == "max" and not c1.ok
    assert c1.margin == pytest.approx((250 - 300) / 250)
    assert checks["C2"].ok and checks["C2"].margin == pytest.approx((250 - 60) / 250)
    total = checks["C_total"]  # both sides: 2 (300 + 60 + 400) pF = 1.52 nF > 1.5 nF
    assert total.value == pytest.approx(1.52e-9) and not total.ok
    assert total.margin == pytest.approx((1.5 - 1.52) / 1.5)
    msg = c1.message("generic180")
    assert msg.startswith("sizing.bounds: C1 = 300 pF") and "250 pF" in msg
    assert "generic180" in msg and "target.full_scale_v" in msg and "\n" not in msg
    assert "c_stage_ratio" in checks["C3"].message("generic180")


def test_resistor_bound_by_hand():
    small = _sizing([10e-12], [("R1_u", 1, "u", 239.0), ("R2_dac1", 2, "dac1", 250.0)],
                    units=1, r_unit=120.0)  # fmt: skip
    checks = _checks(small)
    r = checks["R1_u"]
    assert r.kind == "min" and r.limit == 300.0 and not r.ok
    assert r.margin == pytest.approx((239 - 300) / 300)
    # A DAC into a later integrator is a real resistor (only stage 1's is the unit array).
    assert not checks["R2_dac1"].ok
    assert not checks["DAC unit resistor"].ok
    msg = r.message("generic180")
    assert "R1_u = 239 ohm" in msg and "300 ohm" in msg and "below" in msg
    assert "sizing.thermal_fraction" in msg


def test_dac_current_bounds_by_hand():
    # 16 units of 4 kohm at 1.2 V: 1.2 / (2 * 4k) = 150 uA per unit, 2.4 mA in all.
    s = _sizing([10e-12], RES, units=16, r_unit=4e3, fs_v=1.2)
    checks = _checks(s)
    unit, total = checks["dac_unit_current"], checks["dac_total_current"]
    assert unit.value == pytest.approx(150e-6) and unit.ok
    assert unit.margin == pytest.approx(1 - 0.15)
    assert total.value == pytest.approx(2.4e-3) and not total.ok
    assert total.margin == pytest.approx((2.0 - 2.4) / 2.0)
    assert "dac_total_current = 2.4 mA" in total.message("generic180")
    # Single bit: one unit carries it all.
    sb = _checks(_sizing([10e-12], RES, units=1, r_unit=120.0, fs_v=1.0))
    assert sb["dac_unit_current"].value == pytest.approx(1.0 / 240.0)
    assert not sb["dac_unit_current"].ok


def test_area_full_scale_and_swing_bounds_by_hand():
    checks = _checks(cost=_cost(5.0))
    assert not checks["area"].ok and checks["area"].margin == pytest.approx(-0.25)
    assert "area = 5 mm^2" in checks["area"].message("generic180")
    # V_DD - 2 h: 1.8 - 0.6 = 1.2 V (generic180); 3.3 - 0.8 = 2.5 V (gf180mcu).
    fs = _checks(_sizing([10e-12], RES, fs_v=1.5), swing=1.3)
    assert fs["full_scale"].limit == pytest.approx(1.2) and not fs["full_scale"].ok
    assert not fs["opamp_swing"].ok
    assert "sizing.swing_v" in fs["opamp_swing"].message("generic180")
    gf = _checks(_sizing([10e-12], RES, fs_v=1.5), vdd=3.3, swing=1.3, tech=GF180MCU)
    assert gf["full_scale"].limit == pytest.approx(2.5) and gf["full_scale"].ok
    assert gf["opamp_swing"].margin == pytest.approx((2.5 - 1.3) / 2.5)


def test_violations_lists_the_failed():
    checks = check_bounds(_sizing([300e-12], RES), _cost(5.0), GENERIC180, vdd_v=1.8,
                          swing_v=0.8)  # fmt: skip
    assert {c.name for c in violations(checks)} == {"C1", "area"}
    d = checks[0].to_dict()
    assert set(d) == {"name", "value", "limit", "unit", "kind", "margin", "ok"}


# -- the auto full scale ---------------------------------------------------------------------


def test_auto_full_scale_generic180_by_hand():
    # V_fs = V_DD - 2 h = 1.8 - 2 * 0.3 = 1.2 V (references and input pins alike).
    fs = full_scale_limits(GENERIC180, 1.8)
    assert fs.value_v == 1.2
    assert fs.reference_v == pytest.approx(1.2) and fs.input_v == pytest.approx(1.2)
    assert fs.binding == "reference"
    assert fs.to_dict()["requested"] == "auto"


def test_auto_full_scale_gf180mcu_by_hand():
    # V_fs = 3.3 - 2 * 0.4 = 2.5 V.
    assert full_scale_limits(GF180MCU, 3.3).value_v == 2.5
    # The supply is the spec's: gf180mcu at 1.8 V gives 1.8 - 0.8 = 1.0 V.
    assert full_scale_limits(GF180MCU, 1.8).value_v == 1.0
    with pytest.raises(ValueError, match="no full scale"):
        full_scale_limits(GF180MCU, 0.8)


def test_resolve_full_scale():
    auto = spec_from_dict({"target": {"bw_hz": 250e3}})
    assert auto.target.full_scale_v == "auto"  # the default
    with pytest.raises(ValueError, match="auto"):
        full_scale_value(auto)
    resolved, fs = resolve_full_scale(auto)
    assert fs is not None and resolved.target.full_scale_v == 1.2
    assert full_scale_value(resolved) == 1.2
    gf = spec_from_dict({"target": {"bw_hz": 250e3}, "process": {"pdk": "gf180mcu",
                                                                   "vdd_v": 3.3}})  # fmt: skip
    assert resolve_full_scale(gf)[0].target.full_scale_v == 2.5
    fixed = spec_from_dict({"target": {"bw_hz": 250e3, "full_scale_v": 1.0}})
    assert resolve_full_scale(fixed) == (fixed, None)
    low = spec_from_dict({"target": {"bw_hz": 250e3}, "process": {"pdk": "gf180mcu",
                                                                    "vdd_v": 0.7}})  # fmt: skip
    with pytest.raises(SpecError, match="process.vdd_v"):
        resolve_full_scale(low)


def test_spec_bounds_mode():
    spec = spec_from_dict({"target": {"bw_hz": 250e3}})
    assert spec.sizing.bounds == "strict" and "bounds" not in spec.to_dict()["sizing"]
    warn = spec_from_dict({"target": {"bw_hz": 250e3}, "sizing": {"bounds": "warn"}})
    assert warn.to_dict()["sizing"]["bounds"] == "warn"
    with pytest.raises(SpecError):
        spec_from_dict({"target": {"bw_hz": 250e3}, "sizing": {"bounds": "maybe"}})
    assert replace(GENERIC180).c_int_max_f == 250e-12
