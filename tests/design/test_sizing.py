"""Sizing: components reproduce the coefficients, the noise budget adds up, requirements
found by simulation are consistent with the engine."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

import ctdsm
from ctdsm.constants import K_BOLTZMANN

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=["multibit", "singlebit", "lp5_singlebit"])
def design(request):
    return ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / f"{request.param}.yaml"))


def test_resistors_reproduce_coefficients(design):
    sz = design.sizing
    n = design.order
    scale = {f"x{j + 1}": sz.k_x_v[j] for j in range(n)}
    scale |= {"u": sz.k_u_v} | {f"dac{p}": sz.k_u_v for p in range(1, 8)}
    for r in sz.resistors:
        if r.stage == 0:
            continue
        i = r.stage - 1
        coef = (scale[r.source] / sz.k_x_v[i]) / (r.r_ohm * sz.c_f[i] * design.fs_hz)
        assert coef == pytest.approx(abs(r.coefficient), rel=1e-12)


def test_first_stage_noise_takes_its_share(design):
    sz = design.sizing
    spec = design.spec.sizing
    first_r = sum(s.inband_v2 for s in sz.noise if s.kind == "resistor" and s.stage == 1)
    opamp1 = next(s.inband_v2 for s in sz.noise if s.name == "opamp1")
    # Low-frequency approximations set R_in and e_n; the exact CT budget is within 15 %.
    assert first_r == pytest.approx(spec.thermal_fraction * sz.budget_v2, rel=0.15)
    assert opamp1 == pytest.approx(spec.opamp_fraction * sz.budget_v2, rel=0.15)
    # The input resistor pair alone: 8 k T R bw, input-referred, at low frequency.
    r_in = next(s for s in sz.noise if s.name == "R1_u")
    kT = K_BOLTZMANN * sz.temp_k
    assert r_in.inband_v2 == pytest.approx(8 * kT * sz.r_in_ohm * design.bw_hz, rel=0.05)


def test_budget_is_json_and_consistent(design):
    data = design.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert "noise_budget" in data and "components" in data and "requirements" in data
    nb = data["noise_budget"]
    assert nb["total_v2"] == pytest.approx(sum(s["inband_v2"] for s in nb["sources"]))
    assert math.isfinite(nb["snr_thermal_db"])
    assert len(text) > 1000


def test_requirements_are_consistent_with_the_engine(design):
    rq = design.requirements
    assert rq.gbw_ratio_min is not None and 0.5 <= rq.gbw_ratio_min <= 16
    assert rq.dc_gain_db_min is not None and 20 <= rq.dc_gain_db_min <= 80
    losses = dict((v, x) for v, x in rq.table["dc_gain_db"])
    # Physics: a 20 dB opamp leaks every integrator; the NTF zeros leave the unit circle.
    assert losses[20.0] is None or losses[20.0] > 3.0
    gbw = dict((v, x) for v, x in rq.table["gbw_ratio"])
    # Nearly ideal bandwidth: no loss beyond the single-bit SQNR scatter (about +-2 dB).
    assert gbw[16.0] is not None and abs(gbw[16.0]) < 2.5


def test_infinite_bandwidth_finite_gain_leak():
    from ctdsm.sim.plant import node_conductance, physical_plant, plant_from_abcdc

    d = ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / "lp3_multibit.yaml"))
    ideal = plant_from_abcdc(d.abcdc, d.tdac)
    a0 = 100.0
    p = physical_plant(ideal, a0, None)
    G = node_conductance(ideal, np.ones(d.order), 1.0)
    kappa = a0 / (1 + a0)
    np.testing.assert_allclose(p.A, ideal.A * kappa - np.diag(G / (1 + a0)), rtol=1e-12)
    # The finite-bandwidth models at DC: o = A0/(1+A0) q for the one-pole opamps; the
    # first opamp's two stages multiply to A0.
    q = physical_plant(ideal, a0, 50.0)
    o_rows = q.ideal_states
    for i, o in enumerate(o_rows[1:], start=1):
        assert -q.A[o, o - 1] / q.A[o, o] == pytest.approx(kappa, rel=1e-12), i
    o1 = o_rows[0]
    stage1 = -q.A[o1 - 1, o1 - 2] / q.A[o1 - 1, o1 - 1]
    stage2 = -q.A[o1, o1 - 1] / q.A[o1, o1]
    assert stage1 * stage2 == pytest.approx(a0, rel=1e-12)
    assert q.A[o1, o1 - 1] == pytest.approx(50.0)  # GBW
    assert q.n == 2 * d.order + 1
