"""The circuit tier (ctdsm.sim.circuit) against analytic results, against the sampled-data
kernel's per-period DAC charge formulas, and closed loop against ctdsm.simulate.

Per-period comparisons use ``unit_error`` (the circuit's charge minus its settled DC charge,
latency removed, over its own unit charge) and ``sampled_data_charge - data`` (the kernel's
own DAC block run on a dummy plant). Where the kernel's physics is cruder than the circuit,
the 2 % requirement is kept as a strict xfail that states the measured discrepancy, and a
separate test pins the measured numbers.
"""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

import ctdsm
from ctdsm.analysis import analyze
from ctdsm.errors import CtdsmError
from ctdsm.models.dac import (
    MU_N_COX,
    MU_P_COX,
    VT_V,
    dac_physics,
    draw_mismatch,
    reference_ripple,
    settling_delays_s,
    switch_node_share,
)
from ctdsm.models.impairments import resolve_impairments
from ctdsm.sim import circuit as ck
from tests.physics import physics_spec

ROOT = Path(__file__).resolve().parents[2]
TYPES = ["r_dac", "vgs_r", "dual_rto", "zapped_dual_rto"]
# The brief's data pattern: isolated pulses, runs of both signs, every transition type.
PATTERN = np.array([1, 1, -1, 1, -1, -1, 1, -1, -1, -1, 1, 1, 1, -1, 1, 1] * 2, dtype=float)
SKIP = 2  # start-up periods left out of comparisons (the kernel's empty history)
IMP = {"preset": "ideal", "dac_physics": True, "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 4}


@pytest.fixture(scope="module")
def designs():
    out = {}
    for name in ("multibit", "singlebit"):
        spec = ctdsm.load_spec(physics_spec(name), ["dac.type=r_dac"])
        out[name] = ctdsm.synthesize(spec)
    return out


def _physics(design, dac_type):
    return dac_physics(
        dac_type,
        design.sizing.dac_unit_r_ohm,
        design.spec.target.full_scale_v,
        design.spec.process.vdd_v,
    )


def _stiff(phys):
    """The same DAC with an ideal reference (no ripple, no reference-impedance terms)."""
    return replace(phys, ref_r_ohm=1e-3, ref_c_f=1e-6)


def _errors(phys, fs, mm, e=0.0, data=PATTERN):
    """(circuit, kernel) per-period charge errors, unit x period, start-up dropped."""
    c = ck.unit_error(phys, data, e, fs_hz=fs, mismatch=mm)
    k = ck.sampled_data_charge(phys, data, mm, e, fs_hz=fs) - data
    return c[SKIP:], k[SKIP:]


# ------------------------------------------------------------------------------------------
# devices and DC


def test_switches_are_sized_from_dac_physics(designs):
    phys = _physics(designs["multibit"], "r_dac")
    vdd = 1.8
    kn, kp = ck.switch_k(phys, vdd)
    # Full gate drive (source at 0, gate at vdd): deep-triode resistance is r_on.
    assert 1.0 / (kn * (vdd - VT_V)) == pytest.approx(phys.r_on_n_ohm, rel=1e-12)
    assert 1.0 / (kp * (vdd - VT_V)) == pytest.approx(phys.r_on_p_ohm, rel=1e-12)
    assert kn / MU_N_COX == pytest.approx(1.0 / (MU_N_COX * (vdd - VT_V) * phys.r_on_n_ohm))
    assert kp / MU_P_COX > 0
    # At the operating point the overdrive is smaller: VREFN = 0.4 V -> 0.95 V, V_cm -> 0.45 V.
    r = ck.switch_resistances(phys, vdd)
    assert r["nmos_at_vrefn"] == pytest.approx(phys.r_on_n_ohm * 1.35 / 0.95, rel=1e-12)
    assert r["pmos_at_vrefp"] == pytest.approx(phys.r_on_p_ohm * 1.35 / 0.95, rel=1e-12)
    assert r["nmos_at_vcm"] == pytest.approx(phys.r_on_n_ohm * 1.35 / 0.45, rel=1e-12)


def test_square_law_switch():
    k, vt = 2e-3, VT_V
    # NMOS, gate 1.8 V, source 0.4 V (overdrive 0.95 V): triode, then saturation.
    i, da, db = ck._mos(False, k, 1.8, 0.5, 0.4, vt)
    assert i == pytest.approx(k * (0.95 * 0.1 - 0.1**2 / 2) + ck._G_OFF * 0.1, rel=1e-12)
    i_sat, _, _ = ck._mos(False, k, 1.8, 1.6, 0.4, vt)
    assert i_sat == pytest.approx(k * 0.95**2 / 2 + ck._G_OFF * 1.2, rel=1e-12)
    # Symmetric device: swapping the terminals reverses the current.
    assert ck._mos(False, k, 1.8, 0.4, 0.5, vt)[0] == pytest.approx(-i, rel=1e-12)
    # PMOS from 1.4 V, gate 0: overdrive 0.95 V.
    ip, _, _ = ck._mos(True, k, 0.0, 1.4, 1.3, vt)
    assert ip == pytest.approx(k * (0.95 * 0.1 - 0.1**2 / 2) + ck._G_OFF * 0.1, rel=1e-12)
    # Off: only the leakage.
    assert ck._mos(False, k, 0.0, 1.0, 0.9, vt)[0] == pytest.approx(ck._G_OFF * 0.1)
    # Partial derivatives against finite differences.
    h = 1e-7
    for pm, vg, va, vb in [(False, 1.8, 0.5, 0.4), (False, 1.8, 0.4, 0.55), (True, 0.0, 1.3, 1.4)]:
        _, da, db = ck._mos(pm, k, vg, va, vb, vt)
        fa = (ck._mos(pm, k, vg, va + h, vb, vt)[0] - ck._mos(pm, k, vg, va - h, vb, vt)[0]) / 2 / h
        fb = (ck._mos(pm, k, vg, va, vb + h, vt)[0] - ck._mos(pm, k, vg, va, vb - h, vt)[0]) / 2 / h
        assert da == pytest.approx(fa, rel=1e-6)
        assert db == pytest.approx(fb, rel=1e-6)


def test_static_gain_is_the_resistive_divider(designs):
    """vgs_r at DC: rail behind R_ref, R_u, an NMOS at the virtual ground (square law)."""
    phys = _physics(designs["singlebit"], "vgs_r")
    vdd = 1.8
    hc = ck.half_circuits(phys, ck.nominal_mismatch(phys, 1, 32e6), 32e6)
    kn, _ = ck.switch_k(phys, vdd)
    vcm = vdd / 2
    vov = vdd - vcm - VT_V

    def mismatch_of_current(i):  # P half: rail -> R_u -> switch node -> NMOS -> g_P at V_cm
        vds = vcm + phys.v_ref_v / 2 - i * phys.ref_r_ohm - i * phys.r_unit_ohm - vcm
        # switch current plus the leakage of the switch that is off (to g_N, also at V_cm)
        return kn * (vov * vds - vds**2 / 2) + 2 * ck._G_OFF * vds - i

    i_p = brentq(mismatch_of_current, 0.0, phys.i_unit_a)
    g0 = i_p / phys.i_unit_a  # the N half mirrors the P half except for its switch's Vgs
    assert ck.static_gain(hc) == pytest.approx(g0, rel=5e-3)
    # Exactly, the N half's switch has its source at the switch node (below V_cm): more
    # overdrive, a little more current, so the mean is above the P half's value.
    assert ck.static_gain(hc) > g0
    q = ck.static_charge(phys, [1.0, -1.0], 0.0, fs_hz=32e6)
    assert q[0] == pytest.approx(-q[1], rel=1e-12)
    assert q[0] == pytest.approx(ck.static_gain(hc), rel=1e-12)


# ------------------------------------------------------------------------------------------
# structural properties of the circuit simulation


@settings(max_examples=20, deadline=None)
@given(
    dac_type=st.sampled_from(TYPES),
    data=st.lists(st.sampled_from([-1.0, 1.0]), min_size=3, max_size=9),
    e=st.floats(-5e-3, 5e-3),
    cut=st.integers(1, 8),
)
def test_unit_charge_is_antisymmetric_and_causal(designs, dac_type, data, e, cut):
    """Nominal (symmetric) halves: flipping data and virtual grounds negates the charge
    exactly; and the charge of period n does not depend on later data."""
    phys = _physics(designs["multibit"], dac_type)
    fs = designs["multibit"].fs_hz
    data = np.array(data)
    q = ck.unit_charge(phys, data, e, fs_hz=fs, s_init=-1.0)
    q_neg = ck.unit_charge(phys, -data, -e, fs_hz=fs, s_init=1.0)
    assert np.max(np.abs(q + q_neg)) < 1e-9
    cut = min(cut, data.size)
    q_cut = ck.unit_charge(phys, data[:cut], e, fs_hz=fs, s_init=-1.0)
    assert np.max(np.abs(q_cut - q[:cut])) < 1e-12


@pytest.mark.parametrize("dac_type", ["r_dac", "zapped_dual_rto"])
def test_integration_grid_is_converged(designs, dac_type):
    """BDF2 on the event-refined grid: the default grid agrees with a 5x finer one to well
    under 1 % of the dynamic error charge."""
    d = designs["multibit"]
    phys = _physics(d, dac_type)
    mm = draw_mismatch(phys, 1, d.fs_hz, np.random.default_rng(3))
    hc = ck.half_circuits(phys, mm, d.fs_hz)
    q = ck.unit_charge(phys, PATTERN, 2e-3, fs_hz=d.fs_hz, mismatch=mm)
    fine = ck.unit_charge(
        phys, PATTERN, 2e-3, fs_hz=d.fs_hz, mismatch=mm, h0_s=hc.h0_s / 8, growth=1.01,
        steps_per_period=256,
    )  # fmt: skip
    err = ck.unit_error(phys, PATTERN, 2e-3, fs_hz=d.fs_hz, mismatch=mm)
    assert np.max(np.abs(q - fine)[SKIP:]) < 0.005 * np.max(np.abs(err[SKIP:]))


# ------------------------------------------------------------------------------------------
# the kernel side: same parameters, same formulas


@pytest.mark.parametrize("dac_type", TYPES)
def test_kernel_dac_args_match_the_engine(dac_type):
    from ctdsm.sim.model import loop_model
    from ctdsm.sim.setup import _dac_kernel_params

    # The single-bit seed accepts every DAC type (the RTO types are single-bit only).
    spec = ctdsm.load_spec(physics_spec("singlebit"), [f"dac.type={dac_type}"])
    d = ctdsm.synthesize(spec)
    imp = resolve_impairments(IMP)
    eng = _dac_kernel_params(loop_model(d), imp, 16, np.random.default_rng(7), True)
    phys = _physics(d, dac_type)
    assert eng["physics"] == phys
    mine = ck.kernel_dac_args(
        phys, draw_mismatch(phys, 16, d.fs_hz, np.random.default_rng(7)), d.fs_hz
    )
    for key, val in mine.items():
        np.testing.assert_array_equal(eng[key], val, err_msg=key)


def test_sampled_data_charge_is_the_kernel_formula(designs):
    """vgs_r by hand: a rising transition loses (P rise + N fall) delays and 2 C_sw s e / Q_u,
    a falling one gains (P fall + N rise) and loses the same switch-node charge; every period
    loses d times the rails' mean droop, which relaxes toward -k_e e d with e at the period's
    end (here the next period's e)."""
    d = designs["multibit"]
    phys = _physics(d, "vgs_r")
    mm = draw_mismatch(phys, 1, d.fs_hz, np.random.default_rng(11))
    e = 1e-3 * np.cos(np.arange(PATTERN.size))
    q = ck.sampled_data_charge(phys, PATTERN, mm, e, fs_hz=d.fs_hz)
    c_vg = 2 * phys.c_sw_f * switch_node_share(phys) * phys.r_unit_ohm * d.fs_hz / phys.v_ref_v
    ref = reference_ripple(phys, d.fs_hz, 1)
    prev = np.concatenate([[-1.0], PATTERN[:-1]])
    r, f = mm["delay_rise"][0], mm["delay_fall"][0]
    want = PATTERN.copy()
    up = PATTERN > prev
    down = PATTERN < prev
    want[up] -= r[0] + f[1] + c_vg * e[up]
    want[down] += f[0] + r[1] - c_vg * e[down]
    e_end = np.append(e[1:], e[-1])
    droop = 0.0
    for n, dn in enumerate(PATTERN):
        target = -ref.k_e_per_v * e_end[n] * dn
        want[n] -= dn * (target + (droop - target) * ref.window)
        droop = target + (droop - target) * ref.decay
    assert np.max(np.abs(want - PATTERN)) > 1e-5
    np.testing.assert_allclose(q, want, rtol=0, atol=1e-15)


# ------------------------------------------------------------------------------------------
# per-transition charge: circuit vs kernel


@pytest.mark.parametrize("name", ["multibit", "singlebit"])
def test_vgs_r_steering_skew(designs, name):
    """Per-period error within 2 % of the gross error charge, |skew_P| + |skew_N| per
    transition: in a draw where the halves' skews nearly cancel, the net is small, and the
    halves' 0.4 % different currents (the N half's switch has its source at the switch
    node: more overdrive) show up as up to 1.6 % of the net."""
    d = designs[name]
    phys = _physics(d, "vgs_r")
    mm = draw_mismatch(phys, 1, d.fs_hz, np.random.default_rng(3))
    c, k = _errors(phys, d.fs_hz, mm)
    assert np.max(np.abs(k)) > 5e-6  # the effect is there
    assert np.max(np.abs(c - k)) <= 0.02 * np.abs(mm["delay_rise"][0]).sum()


def _switch_node_term(designs, name):
    """vgs_r error per period due to e = 2 mV (minus e = 0), stiff reference."""
    d = designs[name]
    phys = _stiff(_physics(d, "vgs_r"))
    mm = draw_mismatch(phys, 1, d.fs_hz, np.random.default_rng(3))
    c1, k1 = _errors(phys, d.fs_hz, mm, 2e-3)
    c0, k0 = _errors(phys, d.fs_hz, mm, 0.0)
    return c1 - c0, k1 - k0


@pytest.mark.parametrize("name", ["multibit", "singlebit"])
def test_vgs_r_switch_node_charge(designs, name):
    """Each transition moves both switch nodes between the virtual grounds: the part of
    their charge 2 C_sw e that flows through the steering switches, R_u / (R_u + r_sw) with
    r_sw at its real overdrive (ctdsm.dac.switch_node_share), within 2 %, only at
    transitions, the same for every transition."""
    c, k = _switch_node_term(designs, name)
    tr = np.diff(PATTERN, prepend=-1.0)[SKIP:] != 0
    assert np.max(np.abs(k)) > 2e-6
    assert np.max(np.abs(c[~tr])) < 1e-3 * np.max(np.abs(k))  # only at transitions
    ratio = c[tr] / k[tr]
    assert np.ptp(ratio) < 0.002
    assert np.max(np.abs(c - k)) <= 0.02 * np.max(np.abs(k))


@pytest.mark.parametrize("name", ["multibit", "singlebit"])
@pytest.mark.parametrize("e", [0.0, 2e-3])
def test_r_dac_inter_symbol_interference(designs, name, e):
    """The data-dependent part of the r_dac edge error (rise/fall delay mismatch of the
    halves, i.e. ISI) agrees within 2 %; the common settling delay is removed from both.
    With e != 0 the reference is stiff: its impedance adds an e-dependent transition term
    the kernel does not have (test_vgs_r_reference_term; 3 % here at the single-bit sizing)."""
    d = designs[name]
    phys = _physics(d, "r_dac") if e == 0 else _stiff(_physics(d, "r_dac"))
    mm = draw_mismatch(phys, 1, d.fs_hz, np.random.default_rng(3))
    c, k = _errors(phys, d.fs_hz, mm, e)
    step = np.diff(PATTERN, prepend=-1.0)[SKIP:] / 2
    tr = step != 0
    # Common delay (same loss on rising and falling edges): a pure delay, linear.
    c_isi = c + step * np.mean(-c[tr] * step[tr])
    k_isi = k + step * np.mean(-k[tr] * step[tr])
    assert np.max(np.abs(k_isi)) > 1e-5
    assert np.max(np.abs(c_isi - k_isi)) <= 0.02 * np.max(np.abs(k_isi))


def _settling(designs, name):
    d = designs[name]
    phys = _stiff(_physics(d, "r_dac"))
    mm = ck.nominal_mismatch(phys, 1, d.fs_hz)
    c, k = _errors(phys, d.fs_hz, mm)
    step = np.diff(PATTERN, prepend=-1.0)[SKIP:] / 2
    tr = step != 0
    return phys, d.fs_hz, np.mean(-c[tr] * step[tr]), np.mean(-k[tr] * step[tr])


@pytest.mark.parametrize("name", ["multibit", "singlebit"])
def test_r_dac_settling_delay(designs, name):
    """The circuit's common edge delay (stiff reference) against the kernel's, which
    integrates the square-law inverter's settling (ctdsm.dac.settling_delays_s): within
    2 %. It is about twice R_on C_node with R_on at full gate drive: the inverter works at
    0.95 V of overdrive, not 1.35 V, and saturates during the swing."""
    phys, fs, d_c, d_k = _settling(designs, name)
    assert d_c == pytest.approx(d_k, rel=0.02)
    at_full_drive = (phys.r_on_p_ohm + phys.r_on_n_ohm) * phys.c_node_f * fs
    assert 1.6 < d_k / at_full_drive < 2.2
    tau_r, tau_f = settling_delays_s(phys)
    assert tau_r > tau_f  # the PMOS is the weaker device


def _ripple(designs, name):
    """Reference-ripple part of the r_dac error: amplified reference (R_ref 20 ohm, C_dec
    100 pF) minus a stiff one, circuit and kernel."""
    d = designs[name]
    phys = replace(_physics(d, "r_dac"), ref_r_ohm=20.0, ref_c_f=100e-12)
    stiff = _stiff(phys)
    mm = ck.nominal_mismatch(phys, 1, d.fs_hz)
    c1, k1 = _errors(phys, d.fs_hz, mm)
    c0, k0 = _errors(stiff, d.fs_hz, mm)
    return c1 - c0, k1 - k0


@pytest.mark.parametrize("name", ["multibit", "singlebit"])
def test_r_dac_reference_ripple(designs, name):
    """Same mechanism, same pattern: every transition draws its node's swing charge from
    the rails (less what R_u does not draw while the node settles) and the droop recovers
    through R_ref in parallel with the DAC's own load (ctdsm.dac.reference_ripple).
    Measured: the circuit's ripple charge is 1.033x (multibit) / 1.019x (single-bit) the
    kernel's, the same for every transition."""
    c, k = _ripple(designs, name)
    tr = np.diff(PATTERN, prepend=-1.0)[SKIP:] != 0
    assert np.max(np.abs(k)) > 1e-5
    assert np.max(np.abs(c[~tr])) < 0.01 * np.max(np.abs(k))  # only at transitions
    ratio = c[tr] / k[tr]
    assert np.ptp(ratio) < 0.01  # the same for every transition
    assert 1.0 < np.mean(ratio) < 1.04


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            "multibit",
            marks=pytest.mark.xfail(
                strict=True,
                reason="r_dac reference ripple: circuit 1.033x the kernel's formula at the "
                "multibit sizing (1.019x single-bit); the residual is not explained yet",
            ),
        ),
        "singlebit",
    ],
)
def test_r_dac_reference_ripple_within_2_percent(designs, name):
    c, k = _ripple(designs, name)
    assert np.max(np.abs(c - k)) <= 0.02 * np.max(np.abs(k))


@pytest.mark.parametrize("name", ["multibit", "singlebit"])
@pytest.mark.parametrize("dac_type", ["dual_rto", "zapped_dual_rto"])
def test_rto_floating_node_memory(designs, name, dac_type):
    """The virtual-ground-dependent floating-node charge (memory of the opening voltage,
    -C_f e_r at reconnection, zapping) within 2 %: the difference between e = 3 mV and
    e = 0, with a stiff reference (the reference term is the next test's)."""
    d = designs[name]
    phys = _stiff(_physics(d, dac_type))
    mm = draw_mismatch(phys, 1, d.fs_hz, np.random.default_rng(3))
    c1, k1 = _errors(phys, d.fs_hz, mm, 3e-3)
    c0, k0 = _errors(phys, d.fs_hz, mm, 0.0)
    dc, dk = c1 - c0, k1 - k0
    assert np.max(np.abs(dk)) > 3e-6
    assert np.max(np.abs(dc - dk)) <= 0.02 * np.max(np.abs(dk))


@pytest.mark.parametrize("name", ["multibit", "singlebit"])
def test_rto_data_linear_term(designs, name):
    """At e = 0 the unzapped node returns to the same v_g + I R_sw it held: no charge. A
    zapped node must be recharged from V_cm to v_g + I R_sw at every reconnection: the
    kernel's rto_lin (ctdsm.dac.rto_recharge, square-law nodes integrated) within 2 %,
    against the small-signal estimate -2 (C_fP + C_fN) I R_sw' R_u / (R_u + R_sw') within
    15 % (R_sw' the switch at V_cm). Both are linear in the data (a DAC gain change)."""
    d = designs[name]
    fs = d.fs_hz
    mm = ck.nominal_mismatch(_physics(d, "dual_rto"), 1, fs)
    zap = _physics(d, "zapped_dual_rto")
    cz, kz = _errors(zap, fs, mm)
    data = PATTERN[SKIP:]
    dac = ck.kernel_dac_args(zap, mm, fs)
    assert dac["rto_lin"] < 0.0
    np.testing.assert_allclose(kz, dac["rto_lin"] * data, rtol=1e-9)
    assert np.all(np.sign(cz) == -data)
    assert np.max(np.abs(cz - kz)) <= 0.02 * np.max(np.abs(kz))
    r_sw = ck.switch_resistances(zap)["nmos_at_vcm"]
    q_u = zap.v_ref_v / (zap.r_unit_ohm * fs)
    c_f = 2 * zap.c_float_f
    want = -2 * c_f * zap.i_unit_a * r_sw * zap.r_unit_ohm / (zap.r_unit_ohm + r_sw) / q_u
    assert np.mean(kz * data) == pytest.approx(want, rel=0.15)
    phys = _physics(d, "dual_rto")
    c, k = _errors(phys, fs, mm)
    assert np.max(np.abs(k)) == 0.0
    assert np.max(np.abs(c)) < 1e-3 * np.max(np.abs(kz))


@pytest.mark.parametrize("name", ["multibit", "singlebit"])
@pytest.mark.parametrize(
    ("dac_type", "tol"),
    [("r_dac", 0.08), ("vgs_r", 0.08), ("dual_rto", 0.16), ("zapped_dual_rto", 0.16)],
)
def test_reference_load_term(designs, name, dac_type, tol):
    """The reference impedance makes every DAC's charge depend on e: a half steered to the
    side at V_cm +- e/2 draws -+e/(2 R_path) more, the rails follow with R_eff C_dec
    (ctdsm.dac.reference_ripple). Statically the element's charge changes by k_e e d^2
    (measured within 3 % vgs_r, 5 % r_dac, 7 % RTO); the dynamic part at transitions (a
    sizeable fraction of the vgs_r switch-node term at the single-bit sizing, about 1 % at the
    multibit one) within 8 % (r_dac 4 %, vgs_r 7 % measured) and 16 % (RTO, 9-15 %: the
    sub-DACs' handover and their floating nodes also load the rails, not modelled)."""
    d = designs[name]
    fs = d.fs_hz
    e = 2e-3
    phys = _physics(d, dac_type)
    stiff = _stiff(phys)
    mm = ck.nominal_mismatch(phys, 1, fs)
    data = PATTERN[SKIP:]

    def e_term(p, which):
        return _errors(p, fs, mm, e)[which] - _errors(p, fs, mm, 0.0)[which]

    k_e = ck.kernel_dac_args(phys, mm, fs)["k_e"] - ck.kernel_dac_args(stiff, mm, fs)["k_e"]
    dyn_c = e_term(phys, 0) - e_term(stiff, 0)  # the circuit's static part is removed
    dyn_k = e_term(phys, 1) - e_term(stiff, 1) - k_e * e * data**2
    assert np.max(np.abs(dyn_c)) > 1e-8
    assert np.max(np.abs(dyn_c - dyn_k)) <= tol * np.max(np.abs(dyn_c))

    def static(p):  # in units of Q_u: the element's own unit is g0 Q_u
        q = ck.static_charge(p, data, e, fs_hz=fs, mismatch=mm)
        return q - ck.static_charge(p, data, 0.0, fs_hz=fs, mismatch=mm)

    st_c = static(phys) - static(stiff)
    g0 = ck.static_gain(ck.half_circuits(phys, mm, fs))
    assert np.ptp(st_c) < 0.05 * np.max(np.abs(st_c))  # the same for either data sign
    assert np.mean(st_c) == pytest.approx(k_e * e * g0, rel=0.08)


# ------------------------------------------------------------------------------------------
# closed loop


def test_ideal_circuit_reproduces_the_engine(designs):
    """With a near-ideal circuit (tiny switches and parasitics, stiff reference, no
    latency) the circuit tier's loop (plant sub-steps, chopped plant variants, quantizer,
    DWA, ELD, virtual-ground loading) gives the engine's codes bit for bit."""
    imp = {"preset": "ideal", "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 4}
    for name, amp, n in (("multibit", -3.0, 1024), ("singlebit", -6.0, 4096)):
        d = designs[name]
        p = _physics(d, "r_dac")
        near = replace(
            p, r_on_n_ohm=p.r_on_n_ohm * 1e-3, r_on_p_ohm=p.r_on_p_ohm * 1e-3, c_node_f=1e-18,
            edge_sigma_s=0.0, gate_asym_s=0.0, ref_r_ohm=1e-4, ref_c_f=1e-9,
        )  # fmt: skip
        r = ctdsm.simulate(d, n, amp, imp, 1)
        rc = ck.simulate_circuit(
            d, n, amp, 1, impairments=imp | {"dac_physics": True}, physics=near, latency_s=0.0
        )
        assert rc.stable and rc.info["tier"] == "circuit"
        assert rc.info["chopped"] == d.spec.chopper.enabled
        np.testing.assert_array_equal(rc.v, r.v)


def _compare_distortion(d, n, amp, seed):
    m = analyze(ctdsm.simulate(d, n, amp, IMP, seed))
    rc = ck.simulate_circuit(d, n, amp, seed, impairments=IMP)
    mc = analyze(rc)
    assert rc.stable and mc.stable and m.stable
    assert abs(mc.thd_db - m.thd_db) <= 3.0
    floor = -118.0  # single-bit HD3 is buried in noise: both below the floor is agreement
    h, hc = m.hd3_db, mc.hd3_db
    if (h is None or h < floor) and (hc is None or hc < floor):
        return m, mc
    assert h is not None and hc is not None
    assert abs(hc - h) <= 3.0
    return m, mc


@pytest.mark.parametrize(("name", "amp"), [("multibit", -3.0), ("singlebit", -6.0)])
def test_closed_loop_distortion_matches_engine_short(designs, name, amp):
    """r_dac physics with a 60 dB / 4 fs opamp, 2^14 periods (measured: HD3 within 0.5 dB,
    THD within 0.8 dB on the multibit design; THD within 0.1 dB on the single-bit)."""
    _compare_distortion(designs[name], 1 << 14, amp, 1)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(("name", "amp"), [("multibit", -3.0), ("singlebit", -6.0)])
def test_closed_loop_distortion_matches_engine(designs, name, amp, seed):
    """2^16 periods (about 30 s for the multibit design)."""
    m, mc = _compare_distortion(designs[name], 1 << 16, amp, seed)
    assert abs(mc.sndr_db - m.sndr_db) <= 2.0


def _compare_type(name, dac_type, amp, seed, n=1 << 14):
    d = ctdsm.synthesize(ctdsm.load_spec(physics_spec(name), [f"dac.type={dac_type}"]))
    m = analyze(ctdsm.simulate(d, n, amp, IMP, seed))
    mc = analyze(ck.simulate_circuit(d, n, amp, seed, impairments=IMP))
    assert m.stable and mc.stable
    return m, mc


def test_closed_loop_rto_memory_matches_engine():
    """The unzapped RTO memory closed loop, single-bit seed, 2^14 periods: the engine's THD
    within 1.5 dB of the circuit's, which takes the virtual ground at the real opening and
    reconnection instants and the reference rails' real dynamics (measured: -112.5 vs
    -112.8 dB, seed 1)."""
    m, mc = _compare_type("singlebit", "dual_rto", -6.0, 1)
    assert abs(mc.thd_db - m.thd_db) <= 1.5


def test_closed_loop_zapping_removes_the_memory():
    """Both tiers: the unzapped dual RTO is at least 6 dB more distorted than the zapped one
    (measured: engine -112.5 vs -120.6 dB, circuit -112.8 vs -122.2 dB THD, seed 1). What
    the zapped DAC keeps (the reference rails' memory, within 2^14 periods' resolution) the
    engine puts 1.6-4.9 dB above the circuit (seeds 1, 2)."""
    rto, rto_c = _compare_type("singlebit", "dual_rto", -6.0, 1)
    zap, zap_c = _compare_type("singlebit", "zapped_dual_rto", -6.0, 1)
    assert rto.thd_db > zap.thd_db + 6.0
    assert rto_c.thd_db > zap_c.thd_db + 6.0
    assert abs(zap_c.thd_db - zap.thd_db) <= 3.0


def _thd_agrees(m, mc, tol_db: float) -> None:
    """THD within ``tol_db``; where a tier's harmonics are buried (an upper bound), the other
    tier's THD must not exceed that bound by more than ``tol_db``."""
    assert m.thd_db is not None and mc.thd_db is not None
    if m.thd_upper_bound and mc.thd_upper_bound:
        return
    if m.thd_upper_bound:
        assert mc.thd_db <= m.thd_db + tol_db
    elif mc.thd_upper_bound:
        assert m.thd_db <= mc.thd_db + tol_db
    else:
        assert abs(mc.thd_db - m.thd_db) <= tol_db


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(
    ("name", "dac_type", "amp", "n"),
    [
        ("multibit", "vgs_r", -3.0, 1 << 16),
        ("singlebit", "vgs_r", -6.0, 1 << 14),
        ("singlebit", "dual_rto", -6.0, 1 << 14),
    ],
)
def test_closed_loop_distortion_matches_engine_other_types(name, dac_type, amp, n, seed):
    """THD within 3 dB. The multibit vgs_r distortion (about -118 dB) is at the noise floor of
    2^14 periods, so it runs 2^16 (about 90 s). Known discrepancy: multibit vgs_r seed 2,
    engine -116.1 dB vs circuit -123.5 dB; each of the switch-node and reference-load terms
    alone gives about -122 dB in the engine, together they add in the engine but partly
    cancel in the circuit (stiff reference: -121.0 dB); not resolved."""
    if (name, dac_type, seed) == ("multibit", "vgs_r", 2):
        pytest.xfail("multibit vgs_r seed 2: engine 7 dB above the circuit (see docstring)")
    m, mc = _compare_type(name, dac_type, amp, seed, n)
    _thd_agrees(m, mc, 3.0)


def test_unsupported_impairments_are_named(designs):
    d = designs["singlebit"]
    with pytest.raises(CtdsmError, match="impairments.thermal_noise"):
        ck.simulate_circuit(d, 1024, -6, 1, impairments="default")
    with pytest.raises(CtdsmError, match="impairments.dac_physics"):
        ck.simulate_circuit(d, 1024, -6, 1, impairments={"preset": "ideal"})
    with pytest.raises(CtdsmError, match="steps_per_period"):
        ck.simulate_circuit(d, 1024, -6, 1, steps_per_period=2)


def test_latency_must_cover_early_edges(designs):
    d = designs["multibit"]
    phys = _physics(d, "r_dac")  # falling gate offset is -gate_asym / 2 = -5 ps
    mm = ck.nominal_mismatch(phys, 1, d.fs_hz)
    with pytest.raises(CtdsmError, match="latency_s"):
        ck.half_circuits(phys, mm, d.fs_hz, latency_s=1e-12)
    with pytest.raises(CtdsmError, match="data"):
        ck.unit_charge(phys, [1.0, 0.0], fs_hz=d.fs_hz)
