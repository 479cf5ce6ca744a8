"""DAC physics: the differences between DAC types emerge from the circuit parameters."""

from pathlib import Path

import numpy as np
import pytest

import ctdsm
from ctdsm.analysis import analyze
from ctdsm.models.dac import (
    DAC_TYPES,
    dac_model,
    dac_physics,
    draw_mismatch,
    reference_ripple,
)
from tests.physics import physics_spec

ROOT = Path(__file__).resolve().parents[2]
PHYS_ONLY = {"preset": "ideal", "dac_physics": True, "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 4}


def _thd(name, dac_type, amp, seeds=(1, 2), n=1 << 16):
    d = ctdsm.synthesize(ctdsm.load_spec(physics_spec(name), [f"dac.type={dac_type}"]))
    return float(np.mean([analyze(ctdsm.simulate(d, n, amp, PHYS_ONLY, s)).thd_db for s in seeds]))


def test_physics_parameters_are_consistent():
    for t in DAC_TYPES:
        p = dac_physics(t, 7600.0, 1.0)
        assert p.r_on_n_ohm == pytest.approx(7600.0 / 50)
        assert dac_model(t).r_on_fraction == pytest.approx(1 / 50)
        assert p.r_on_p_ohm > p.r_on_n_ohm  # PMOS mobility is lower than the 2.5x width buys
        assert p.i_unit_a == pytest.approx(0.5 / 7600.0)
    rng = np.random.default_rng(0)
    mm = draw_mismatch(dac_physics("r_dac", 7600.0, 1.0), 16, 20e6, rng)
    assert mm["delay_rise"].shape == (16, 2)
    # Rising (PMOS) settles slower than falling (NMOS) on average: R_on,p > R_on,n.
    assert mm["delay_rise"].mean() > mm["delay_fall"].mean()
    ref = reference_ripple(dac_physics("r_dac", 7600.0, 1.0), 20e6, 16)
    assert 0 < ref.packet < 1e-3 and 0 <= ref.decay < 1 and 0 < ref.window <= 1
    assert ref.k_e_per_v > 0 and ref.tau_s < 2.0 * 500e-12  # R_ref || load < R_ref


@pytest.mark.parametrize(("name", "amp"), [("multibit", -3.0)])
def test_vgs_r_is_more_linear_than_r_dac(name, amp):
    assert _thd(name, "r_dac", amp) > _thd(name, "vgs_r", amp) + 6.0


def test_rto_removes_isi_and_zapping_removes_memory():
    r_dac = _thd("singlebit", "r_dac", -6.0)
    rto = _thd("singlebit", "dual_rto", -6.0)
    zapped = _thd("singlebit", "zapped_dual_rto", -6.0)
    assert r_dac > rto + 6.0
    assert rto > zapped + 3.0


def test_dac_physics_off_is_ideal():
    d = ctdsm.synthesize(ctdsm.load_spec(physics_spec("singlebit"), ["dac.type=r_dac"]))
    base = {"preset": "ideal", "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 4}
    a = ctdsm.simulate(d, 1 << 14, -6, base, 1)
    b = ctdsm.simulate(d, 1 << 14, -6, dict(base, dac_physics=False), 1)
    c = ctdsm.simulate(d, 1 << 14, -6, dict(base, dac_physics=True), 1)
    assert np.array_equal(a.v, b.v)
    assert not np.array_equal(a.v, c.v)
