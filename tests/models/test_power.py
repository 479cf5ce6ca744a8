"""Each power term against a hand calculation (numbers written out; T = 300 K,
kT = 1.380649e-23 * 300 = 4.141947e-21 J; generic180: V_DD 1.8 V, gm/Id 15 and 10 S/A)."""

import math

import pytest

from ctdsm.errors import SpecError
from ctdsm.models import dac
from ctdsm.models.power import (
    clock_power,
    dac_reference_power,
    dwa_gate_count,
    fir_gate_count,
    gm_for_noise_s,
    input_gm_id_s_per_a,
    logic_power,
    opamp_power,
    quantizer_power,
    switch_gate_c_f,
    switching_power,
)
from ctdsm.models.technology import GENERIC180, GF180MCU, technology

G = GENERIC180
KT = 1.380649e-23 * 300.0
# Input-pair gm/Id at GBW 10 MHz (test_input_gm_id): U_T = 25.852 mV, mu_p = 70e-6 / 8.4e-3,
# s = 1 + 4 pi (0.5 um)^2 * 10 * 10 MHz / (3 mu_p U_T) = 1.48609, 2 / (1.3 U_T (1 + s))
GMID_10M = 23.937337


def test_technology_lookup_and_shared_constants():
    assert technology("generic180") is GENERIC180 and technology("gf180mcu") is GF180MCU
    with pytest.raises(SpecError, match="process.pdk"):
        technology("sky130")
    # generic180 reuses the DAC models' square-law constants (one definition).
    assert G.mu_n_cox_a_per_v2 == dac.MU_N_COX and G.mu_p_cox_a_per_v2 == dac.MU_P_COX
    assert G.vt_n_v == dac.VT_V
    assert GF180MCU.vdd_v == 3.3 and GF180MCU.l_min_m == 0.28e-6
    # 2 (1.8 - 2 * 0.3) = 2.4 V differential peak
    assert G.max_swing_diff_v == pytest.approx(1.8 - 2 * 0.3)  # 0.6 V peak per output


def test_input_gm_id():
    # f_T = 10 GBW = 100 MHz: s = 1 + 3.14159e-4 / 6.46300e-4 = 1.48609 -> 23.937 S/A
    assert input_gm_id_s_per_a(10e6, G) == pytest.approx(GMID_10M, rel=1e-6)
    # audio-slow: clipped at the edge of weak inversion, IC = 0.1: s = sqrt(1.4) -> 27.258 S/A
    assert input_gm_id_s_per_a(1e3, G) == pytest.approx(27.2581, rel=1e-5)
    # 1 GHz: s = 49.6 -> 1.18 S/A, clipped at the strong-inversion value of the process
    assert input_gm_id_s_per_a(1e9, G) == G.gm_id_strong_s_per_a == 10.0
    # the round trip: at 23.94 S/A the EKV f_T = 3 mu U_T (s - 1) / (4 pi L^2) is 100 MHz
    ut = KT / 1.602176634e-19
    s = 2 / (1.3 * ut * GMID_10M) - 1
    assert 3 * (70e-6 / 8.4e-3) * ut * (s - 1) / (4 * math.pi * 0.25e-12) == pytest.approx(
        100e6, rel=1e-4
    )


def test_gm_for_noise():
    # e_n = 3 nV/rtHz: gm = 1.5 * 16 kT / (3 e_n^2) = 1.5 * 6.62712e-20 / 2.7e-17 = 3.6817 mS
    assert gm_for_noise_s(3e-9, 300.0) == pytest.approx(1.5 * 16 * KT / (3 * 9e-18))
    assert gm_for_noise_s(3e-9, 300.0) == pytest.approx(3.6817e-3, rel=1e-4)


def test_miller_bandwidth_limited():
    # GBW 10 MHz, C_L 10 pF, e_n 20 nV/rtHz: gm_noise = 1.5*16kT/(3*4e-16) = 82.8 uS;
    # gm_bw = 2 pi 10e6 * 0.22 * 10e-12 = 138.2 uS  -> bandwidth-limited
    op = opamp_power(10e6, 10e-12, 100e3, 1.0, 20e-9, tech=G, topology="miller")
    gm1 = 2 * math.pi * 10e6 * 0.22 * 10e-12
    assert op.gm1_limit == "bandwidth" and op.gm1_s == pytest.approx(gm1)
    assert op.c_comp_f == pytest.approx(2.2e-12)
    i1 = 2 * gm1 / GMID_10M  # 11.55 uA tail (input pair at 23.94 S/A for 10 MHz)
    gm2 = 2.2 * 2 * math.pi * 10e6 * 10e-12  # 1.382 mS, non-dominant pole at 2.2 GBW
    i2 = 2 * gm2 / 10  # 276.5 uA (load 0.5 V / 100 kohm = 5 uA is smaller)
    assert op.stage_currents_a == pytest.approx((i1, i2))
    assert op.bias_current_a == pytest.approx(0.2 * (i1 + i2))
    assert op.power_w == pytest.approx(1.8 * 1.2 * (i1 + i2))  # 0.637 mW
    assert op.power_w == pytest.approx(6.2213e-4, rel=1e-4)
    assert op.total_current_a == pytest.approx(1.2 * (i1 + i2))


def test_miller_noise_limited():
    # e_n = 1 nV/rtHz: gm = 1.5 * 16 kT / (3e-18) = 33.14 mS, > gm_bw 138 uS
    op = opamp_power(10e6, 10e-12, math.inf, 1.0, 1e-9, tech=G)
    assert op.gm1_limit == "noise"
    assert op.gm1_s == pytest.approx(1.5 * 16 * KT / 3e-18)
    assert op.stage_currents_a[0] == pytest.approx(2 * op.gm1_s / GMID_10M)  # 2.77 mA
    assert op.c_comp_f == pytest.approx(op.gm1_s / (2 * math.pi * 10e6))


def test_miller_resistive_load_and_slew():
    # R_load 1 kohm, swing 2 V: I_half = (2/2)/1e3 = 1 mA > gm2/(gm/Id) = 138 uA
    op = opamp_power(10e6, 10e-12, 1e3, 2.0, 20e-9, tech=G)
    assert op.stage_currents_a[1] == pytest.approx(2 * 1e-3)
    # slew 1e8 V/s into C_L + C_c = 10 pF + 2.2 pF: 1.22 mA per half
    op = opamp_power(10e6, 10e-12, math.inf, 1.0, 20e-9, tech=G, slew_v_per_s=1e8)
    assert op.stage_currents_a[1] == pytest.approx(2 * 12.2e-12 * 1e8)
    # the feedback current adds to the load: 1 mA + 0.5 mA per half
    op = opamp_power(10e6, 10e-12, 1e3, 2.0, 20e-9, tech=G, i_feedback_a=0.5e-3)
    assert op.stage_currents_a[1] == pytest.approx(2 * 1.5e-3)


def test_ff3():
    # GBW 10 MHz, C_L 10 pF, e_n 20 nV: gm_bw = 2 pi 1e7 * 0.1 * 1e-11 = 62.8 uS < 82.8 uS noise
    op = opamp_power(10e6, 10e-12, math.inf, 1.0, 20e-9, tech=G, topology="ff3")
    gm1 = 1.5 * 16 * KT / (3 * 4e-16)
    assert op.gm1_limit == "noise" and op.gm1_s == pytest.approx(gm1)
    i1 = 2 * gm1 / GMID_10M  # 6.92 uA
    i2 = 0.5 * i1  # 3.46 uA
    gm3 = 1.5 * 2 * math.pi * 10e6 * 10e-12  # 942.5 uS
    i3 = 2 * gm3 / 10  # 188.5 uA
    assert op.stage_currents_a == pytest.approx((i1, i2, i3))
    assert op.power_w == pytest.approx(1.8 * 1.2 * (i1 + i2 + i3))
    assert op.gm_out_s == pytest.approx(gm3)
    assert [d.role for d in op.devices] == ["input", "stage2", "output"]
    with pytest.raises(ValueError, match="topology"):
        opamp_power(1e6, 1e-12, 1e3, 1.0, 1e-9, tech=G, topology="folded")


def test_dac_reference():
    # 16 units of 48 kohm per side, V_ref 2 V: I = 16 * 2 / (2 * 48e3) = 333.3 uA from VREFP;
    # P = 1.8 * 333.3e-6 * 1.3 (buffer) = 0.780 mW
    p = dac_reference_power(16, 48e3, 2.0, 1.8)
    assert p == pytest.approx(1.8 * (16 * 2.0 / (2 * 48e3)) * 1.3)
    assert p == pytest.approx(7.8e-4)
    assert dac_reference_power(16, 48e3, 2.0, 1.8, duty=0.5, buffer_overhead=0.0) == pytest.approx(
        0.5 * 1.8 * 16 * 2.0 / (2 * 48e3)
    )


def test_switch_gate_capacitance():
    # R_on 100 ohm, generic NMOS: W = 0.18e-6 / (300e-6 * 1.35 * 100) = 4.444 um
    # C = W L Cox + 2 W C_ov = 4.444e-6*0.18e-6*8.4e-3 + 2*4.444e-6*3.5e-10 = 6.72 fF + 3.11 fF
    w = 0.18e-6 / (300e-6 * (1.8 - 0.45) * 100)
    c = switch_gate_c_f(100.0, G, "n")
    assert c == pytest.approx(w * 0.18e-6 * 8.4e-3 + 2 * w * 3.5e-10)
    assert c == pytest.approx(9.831e-15, rel=1e-3)
    # PMOS: mu_p Cox = 70 uA/V^2, 4.3x wider
    assert switch_gate_c_f(100.0, G, "p") == pytest.approx(c * 300 / 70)
    # a large R_on is held at the minimum width
    w_min = 0.36e-6
    assert switch_gate_c_f(1e9, G, "n", w_min) == pytest.approx(
        w_min * 0.18e-6 * 8.4e-3 + 2 * w_min * 3.5e-10
    )


def test_switching_power():
    # chopper: 8 switches of 10 fF at 1.8 V, 4 MHz: 8 * 1e-14 * 3.24 * 4e6 = 1.037 uW
    assert switching_power(8, 10e-15, 1.8, 4e6) == pytest.approx(1.0368e-6)
    assert switching_power(8, 10e-15, 1.8, 4e6, 0.25) == pytest.approx(0.25 * 1.0368e-6)


def test_quantizer():
    # 17 levels, 32 MS/s: 16 * 0.3 pJ * 32e6 = 153.6 uW; 1.8 * (16 * 10 uA + 2 V / 16 kohm)
    # = 1.8 * 285 uA = 513 uW
    p = quantizer_power(17, 32e6, G, 2.0)
    assert p == pytest.approx(16 * 0.3e-12 * 32e6 + 1.8 * (16 * 10e-6 + 2.0 / 16e3))
    assert p == pytest.approx(6.666e-4)
    # single-bit: one comparator, no ladder
    assert quantizer_power(2, 6.144e6, G, 2.0) == pytest.approx(0.3e-12 * 6.144e6 + 1.8 * 10e-6)


def test_gate_counts():
    # 16 elements, b = 4: barrel 16*4*3 = 192, pointer 4*(7+6) = 52, register 16*6 = 96
    assert dwa_gate_count(16) == 192 + 52 + 96 == 340
    # 8 elements, b = 3: 72 + 39 + 48
    assert dwa_gate_count(8) == 159
    assert dwa_gate_count(1) == 0
    # FIR: (8 - 1) * 16 flip-flops * 6
    assert fir_gate_count(16, 8) == 672
    assert fir_gate_count(16, 1) == 0


def test_logic_and_clock_power():
    # 340 gates * 5 fF * 0.25 * 1.8^2 * 32e6 = 44.06 uW
    assert logic_power(340, G, 32e6) == pytest.approx(0.25 * 340 * 5e-15 * 3.24 * 32e6)
    assert logic_power(340, G, 32e6) == pytest.approx(4.4064e-5)
    # 100 clocked loads * 2 gate loads * 5 fF * 1.5 (tree) * 3.24 * 32e6 = 155.5 uW
    assert clock_power(100, G, 32e6) == pytest.approx(1.5552e-4)
