"""estimate_cost on hand-built sizings: the breakdowns sum to the totals, each block is the
model function's value for the sizing's numbers, and two chip-like inputs land in broad bands.

The chip-like sizings are assumptions for a sanity check, not the chips' values (the models
are calibrated against the synthesized chip designs in tests/flow/test_chips.py):

* VLSI 2019 19.2-like: 4th order, 17 levels, fs 32 MHz, full scale 2 V, R_in 3 kohm,
  C = 30/15/8/4 pF per side, DAC unit 48 kohm (16 units), first opamp 2 nV/rtHz, 8-tap FIR
  VGS-R DAC, chopped at fs/8, GBW = fs. Published: 24 mW, 2.85 mm^2.
* ISSCC 2016 15.4-like: 3rd order, single bit, fs 6.144 MHz, full scale 2 V, R_in 50 kohm,
  C = 8/4/2 pF, DAC 50 kohm, first opamp 20 nV/rtHz, 16-tap FIR, chopped, GBW = fs.
  Published: 280 uW, 1.33 mm^2.
"""

import math

import numpy as np
import pytest

from ctdsm.design.cost import (
    C_NODE_F,
    DEFAULT_GBW_RATIO,
    ERROR_UNITS,
    estimate_cost,
    virtual_ground_c_f,
)
from ctdsm.design.sizing import Resistor, Sizing
from ctdsm.models.area import capacitor_area_m2, resistor_area_m2
from ctdsm.models.power import (
    dac_reference_power,
    dwa_gate_count,
    fir_gate_count,
    logic_power,
    opamp_power,
    quantizer_power,
)
from ctdsm.models.technology import GENERIC180, GF180MCU


def _sizing(r_in, caps, r_chain, units, r_unit, en, snr_db, fs_v=2.0, bw=250e3):
    n = len(caps)
    res = [
        Resistor("R1_u", 1, "u", r_in, 1.0),
        Resistor("R1_dac1", 1, "dac1", r_unit / units, -1.0),
    ]
    res += [
        Resistor(f"R{i + 2}_x{i + 1}", i + 2, f"x{i + 1}", r, 1.0) for i, r in enumerate(r_chain)
    ]
    res += [Resistor(f"Rsum_x{j + 1}", 0, f"x{j + 1}", math.nan, 1.0) for j in range(n)]
    p_sig = (fs_v * 10 ** (-1 / 20)) ** 2 / 2
    return Sizing(
        k_u_v=fs_v / max(units, 1), k_x_v=np.ones(n), c_f=np.array(caps), resistors=res,
        dac_units=units, dac_unit_r_ohm=r_unit, opamp_en_v_rthz=np.array(en), noise=[],
        total_noise_v2=p_sig / 10 ** (snr_db / 10), budget_v2=1.0, ref_amplitude_dbfs=-1.0,
        full_scale_v=fs_v, bw_hz=bw, temp_k=300.0,
    )  # fmt: skip


VLSI = _sizing(3e3, [30e-12, 15e-12, 8e-12, 4e-12], [6e3, 12e3, 24e3], 16, 48e3,
               [2e-9, 4e-9, 4e-9, 4e-9], 108.5)  # fmt: skip
ISSCC = _sizing(50e3, [8e-12, 4e-12, 2e-12], [100e3, 200e3], 1, 50e3, [20e-9, 40e-9, 40e-9],
                101.0, bw=24e3)  # fmt: skip


def _vlsi(**kw):
    args = dict(fs_hz=32e6, levels=17, order=4, gbw_ratio=1.0, chopper_f_hz=4e6,
                dac_type="vgs_r", fir_taps=8, tech=GENERIC180)  # fmt: skip
    args.update(kw)
    return estimate_cost(VLSI, **args)


def test_breakdowns_sum_to_totals():
    c = _vlsi()
    assert c.power_w == pytest.approx(sum(c.power_breakdown_w.values()))
    assert c.area_mm2 == pytest.approx(sum(c.area_breakdown_mm2.values()))
    assert all(v >= 0 and math.isfinite(v) for v in c.power_breakdown_w.values())
    assert all(v >= 0 and math.isfinite(v) for v in c.area_breakdown_mm2.values())
    d = c.to_dict()
    assert d["power_w"] == c.power_w and d["area_breakdown_mm2"] == c.area_breakdown_mm2
    assert [o["topology"] for o in d["opamps"]] == ["ff3", "miller", "miller", "miller"]


def _c_load(c_i, en, gbw=32e6):
    c_vg = virtual_ground_c_f(en, gbw, GENERIC180)
    return c_i * c_vg / (c_i + c_vg) + C_NODE_F


def test_virtual_ground_and_load_capacitance():
    # e_n 2 nV, GBW 32 MHz: gm = 1.5 * 16 kT / (3 * 4e-18) = 8.2839 mS; input gm/Id at
    # f_T 320 MHz: s = 2.55548, 16.7376 S/A -> I_D 494.93 uA, IC = (s^2 - 1) / 4 = 1.38263,
    # W = 0.5 um * I_D / (IC * 2 * 1.3 * 70e-6 * U_T^2) = 1471.45 um,
    # C_gs = (2/3) W * 0.5 um * 8.4 fF/um^2 = 4.1201 pF; plus 0.5 pF of wiring
    assert virtual_ground_c_f(2e-9, 32e6, GENERIC180) == pytest.approx(4.6201e-12, rel=1e-4)
    # the opamp's load: C_1 = 30 pF in series with it, plus 0.5 pF at the output: 4.5035 pF
    assert _c_load(30e-12, 2e-9) == pytest.approx(4.5035e-12, rel=1e-4)


def test_blocks_are_the_model_functions():
    c = _vlsi()
    # opamp 1: GBW = 1.0 * 32 MHz, C_L = 30 pF in series with C_vg, plus C_NODE_F (4.50 pF),
    # load = R2 = 6 kohm, swing 1.8 - 2 * 0.3 = 1.2 V, e_n 2 nV; feedback current of the
    # 8-tap FIR DAC: 2 steps * (2 V / 16) / (2 * 48 kohm / 16) / 8 = 5.21 uA
    i_fb = ERROR_UNITS * (2.0 / 16) / (2 * 48e3 / 16) / 8
    assert i_fb == pytest.approx(5.208e-6, rel=1e-3)
    op1 = opamp_power(32e6, _c_load(30e-12, 2e-9), 6e3, 1.2, 2e-9, tech=GENERIC180,
                      topology="ff3", i_feedback_a=i_fb)  # fmt: skip
    assert c.power_breakdown_w["opamp1"] == pytest.approx(op1.power_w)
    # opamp 2: feedback current (1.2 / 2) / 6 kohm = 100 uA; load R3 = 12 kohm
    op2 = opamp_power(32e6, _c_load(15e-12, 4e-9), 12e3, 1.2, 4e-9, tech=GENERIC180,
                      i_feedback_a=0.6 / 6e3)  # fmt: skip
    assert c.power_breakdown_w["opamp2"] == pytest.approx(op2.power_w)
    # last opamp: no finite resistor to drive
    op4 = opamp_power(32e6, _c_load(4e-12, 4e-9), math.inf, 1.2, 4e-9, tech=GENERIC180,
                      i_feedback_a=0.6 / 24e3)  # fmt: skip
    assert c.power_breakdown_w["opamp4"] == pytest.approx(op4.power_w)
    # FF summer: Miller at 32 MHz into 16 comparators * 30 fF + 0.5 pF = 0.98 pF
    summer = opamp_power(32e6, 0.98e-12, math.inf, 1.2, 1e-6, tech=GENERIC180)
    assert c.power_breakdown_w["summing_amp"] == pytest.approx(summer.power_w)
    assert "summing_amp" not in _vlsi(form="FB").power_breakdown_w
    assert c.power_breakdown_w["dac_reference"] == pytest.approx(
        dac_reference_power(16, 48e3, 2.0, 1.8)
    )
    assert c.power_breakdown_w["quantizer"] == pytest.approx(
        quantizer_power(17, 32e6, GENERIC180, 2.0)
    )
    gates = dwa_gate_count(16) + fir_gate_count(16, 8)  # 340 + 672
    assert c.power_breakdown_w["dem_logic"] == pytest.approx(logic_power(gates, GENERIC180, 32e6))
    a = c.area_breakdown_mm2
    caps = sum(capacitor_area_m2(x, GENERIC180) for x in [30e-12, 15e-12, 8e-12, 4e-12])
    assert a["integrating_caps"] == pytest.approx(caps * 1e6)  # 0.114 mm^2
    # loop resistors: the input's at the design width, the states' (6, 12, 24 kohm) at the
    # minimum width; the first DAC's is in dac_resistors
    loop = resistor_area_m2(3e3, GENERIC180) + sum(
        resistor_area_m2(r, GENERIC180, matched=False) for r in (6e3, 12e3, 24e3)
    )
    assert a["loop_resistors"] == pytest.approx(loop * 1e6)
    # FIR: each of 8 taps x 16 units is 8 * 48 kohm
    assert a["dac_resistors"] == pytest.approx(
        16 * 8 * resistor_area_m2(8 * 48e3, GENERIC180) * 1e6
    )
    assert "supply_decoupling" not in a  # not modelled (docs/power.md)
    assert a["routing"] == pytest.approx(0.5 * (c.area_mm2 - a["routing"]))


def test_options():
    base = _vlsi()
    # no chopper, no chopper power; FIR taps grow the DAC area about taps^2
    assert _vlsi(chopper_f_hz=None).power_breakdown_w["chopper"] == 0.0
    plain = _vlsi(fir_taps=1)
    ratio = base.area_breakdown_mm2["dac_resistors"] / plain.area_breakdown_mm2["dac_resistors"]
    assert 30 < ratio < 64
    # the reference current does not depend on the taps
    assert plain.power_breakdown_w["dac_reference"] == base.power_breakdown_w["dac_reference"]
    # topology override, default GBW, gf180mcu at 3.3 V
    m = _vlsi(topologies=["miller"] * 4)
    assert m.opamps[0].topology == "miller"
    d = _vlsi(gbw_ratio=None)
    assert d.power_w > _vlsi(gbw_ratio=1.0).power_w and DEFAULT_GBW_RATIO == 2.0
    assert _vlsi(tech=GF180MCU).tech == "gf180mcu"
    with pytest.raises(ValueError, match="order"):
        _vlsi(order=3)
    with pytest.raises(ValueError, match="dac_type"):
        _vlsi(dac_type="current_steering")
    with pytest.raises(ValueError, match="topologies"):
        _vlsi(topologies=["ff3"])
    # a DC-gain requirement above two stages' 60 dB makes every opamp three-stage
    assert [o.topology for o in _vlsi(dc_gain_db=70.0).opamps] == ["ff3"] * 4
    assert [o.topology for o in _vlsi(dc_gain_db=55.0).opamps][1:] == ["miller"] * 3
    # the spec's supply replaces the process's nominal one: P_ref = V_DD I_ref 1.3
    lo = _vlsi(vdd_v=1.5)
    assert lo.power_breakdown_w["dac_reference"] == pytest.approx(
        dac_reference_power(16, 48e3, 2.0, 1.5)
    )
    assert lo.power_breakdown_w["opamp1"] < base.power_breakdown_w["opamp1"]
    # the FIR DAC divides the first opamp's error current by its taps
    assert plain.opamps[0].stage_currents_a[-1] >= base.opamps[0].stage_currents_a[-1]


def test_chip_like_inputs_in_broad_bands(capsys):
    vlsi = _vlsi()
    isscc = estimate_cost(ISSCC, fs_hz=6.144e6, levels=2, order=3, gbw_ratio=1.0,
                          chopper_f_hz=6.144e6 / 16, dac_type="r_dac", fir_taps=16,
                          tech=GENERIC180)  # fmt: skip
    with capsys.disabled():
        for name, c in (("VLSI2019-like", vlsi), ("ISSCC2016-like", isscc)):
            print(f"\n{name}: {c.power_w * 1e3:.3f} mW, {c.area_mm2:.3f} mm^2")
    assert 5e-3 < vlsi.power_w < 80e-3  # published 24 mW
    assert 0.3 < vlsi.area_mm2 < 8.0  # published 2.85 mm^2
    assert 50e-6 < isscc.power_w < 3e-3  # published 280 uW
    assert 0.05 < isscc.area_mm2 < 5.0  # published 1.33 mm^2
    assert isscc.opamps[0].topology == "ff3"  # thermal SNR 101 dB >= 90 dB
