"""The sampled-data engine against independent references: the DT toolbox loop, an ODE
integration of the same CT plant, the sizing's noise budget and analytic jitter noise."""

from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import ctdsm
from ctdsm import toolbox as ds
from ctdsm.analysis import analyze, spectrum_metrics
from ctdsm.design.ntf_choice import linear_sqnr_db
from ctdsm.models.impairments import Impairments, resolve_impairments
from ctdsm.sim import build_plant, simulate
from tests.physics import physics_spec

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["multibit", "singlebit", "lp3_multibit", "lp5_singlebit", "bp4_singlebit"]


@pytest.fixture(scope="module")
def designs():
    out = {n: ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / f"{n}.yaml")) for n in NAMES}
    # Chop edges inside the clock period: the variants that switch mid-period.
    spec = ctdsm.load_spec(ROOT / "designs" / "multibit.yaml", ["chopper.phase=0.3"])
    out["multibit_phase"] = ctdsm.synthesize(spec)
    # The first single-bit seed (5th-order FB, a DAC into every integrator, 32 MHz): the
    # fine-step comparison needs few samples at OSR 64.
    out["singlebit_fb5"] = ctdsm.synthesize(ctdsm.load_spec(physics_spec("singlebit")))
    return out


def _amp(d):
    return min(-3.0, round(d.max_stable_dbfs) - 2.0)


@pytest.mark.parametrize("name", NAMES)
def test_ideal_ct_agrees_with_dt_ntf_and_prediction(designs, name):
    d = designs[name]
    amp = _amp(d)
    n = 1 << 16
    r = simulate(d, n, amp, "ideal", 3)
    m_ct = analyze(r)
    u = (d.levels - 1) * 10 ** (amp / 20) * np.sin(2 * np.pi * r.fin_hz / d.fs_hz * np.arange(n))
    v_dt = ds.simulateDSM(u, d.ntf, d.levels)[0]
    m_dt = spectrum_metrics(
        v_dt, d.fs_hz, r.fin_hz, d.bw_hz, f0_hz=d.f0_hz, full_scale=d.levels - 1
    )
    assert r.stable and m_ct.stable
    assert abs(m_ct.sndr_db - m_dt.sndr_db) < 2.0
    if d.levels > 2:
        # Multi-bit: the linear model is accurate.
        assert abs(m_ct.sndr_db - linear_sqnr_db(d.ntf, d.osr, d.levels, amp, d.f0)) < 2
    at_peak = analyze(simulate(d, n, d.peak_amplitude_dbfs, "ideal", 4))
    assert abs(at_peak.sndr_db - d.peak_sqnr_db) < 3.0


def _ode_loop(plant, levels, amp, w, n_samples, chop=None):
    """Reference: integrate the plant's ODE period by period (DOP853, tight tolerances).

    ``chop = (sign(t), plant_minus)`` switches to ``plant_minus`` wherever the chopper sign is
    -1 (``t`` in clock periods)."""
    n = plant.n
    plants = {1: plant, -1: chop[1] if chop else plant}
    sign = chop[0] if chop else (lambda t: 1)
    L = max(int(np.ceil(p.t1)) - 1 for p in plant.ports)
    hist = np.zeros((len(plant.ports), L + 1))
    x = np.zeros(n)
    v = np.zeros(n_samples)
    for k in range(n_samples):
        hist[:, 1:] = hist[:, :-1].copy()
        y = plants[sign(k - 1e-9)].C @ x + plant.d_u * amp * np.sin(w * k)
        for j, p in enumerate(plant.ports):
            for lag in range(1, L + 1):
                if p.t0 < lag <= p.t1:
                    y += p.d * hist[j, lag]
        cnt = np.sum(y > -(levels - 2.0) + 2.0 * np.arange(levels - 1))
        v[k] = -(levels - 1) + 2.0 * cnt
        hist[:, 0] = v[k]
        edges = {0.0, 1.0}
        for p in plant.ports:
            for lag in range(L + 1):
                for t in (p.t0 - lag, p.t1 - lag):
                    if 0 < t < 1:
                        edges.add(t)
        if chop:
            edges |= {t for t in np.linspace(0, 1, 65)[1:-1] if sign(k + t) != sign(k + t - 1e-3)}
            edges |= set(chop[2](k))
        edges = sorted(edges)
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            mid = 0.5 * (a + b)
            drive = np.zeros(n)
            for j, p in enumerate(plant.ports):
                for lag in range(L + 1):
                    if p.t0 <= mid + lag < p.t1:
                        drive += p.b * hist[j, lag]

            pl = plants[sign(k + mid)]

            def f(t, xx, drive=drive, k=k, pl=pl):
                return pl.A @ xx + drive + pl.b_u * amp * np.sin(w * (k + t))

            sol = solve_ivp(f, (a, b), x, method="DOP853", rtol=1e-11, atol=1e-13)
            x = sol.y[:, -1]
    return v


@pytest.mark.parametrize(
    ("name", "imp"),
    [
        ("multibit", "ideal"),
        ("lp3_multibit", "ideal"),  # with excess loop delay
        ("singlebit_fb5", {"preset": "ideal", "opamp_dc_gain_db": 50, "opamp_gbw_ratio": 2}),
        # GBW = 4 fs: the opamp poles settle within a period and are reduced away.
        ("lp3_multibit", {"preset": "ideal", "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 4}),
        # Chopped first opamp (multibit seed): the switched plant, four period variants.
        ("multibit", {"preset": "ideal", "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 3}),
        ("multibit_phase", {"preset": "ideal", "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 3}),
    ],
)
def test_matches_fine_step_ode(designs, name, imp):
    d = designs[name]
    n = 1200
    amp_dbfs = _amp(d)
    r = simulate(d, n, amp_dbfs, imp, 1)
    if isinstance(imp, dict) and not d.spec.chopper.enabled and imp["opamp_gbw_ratio"] >= 4:
        assert r.info["kernel_states"] == d.order + 2  # slow states, y and e carriers
    elif isinstance(imp, dict):
        assert r.info["kernel_states"] == 2 * d.order + 1  # two-stage first opamp
    plant, info = build_plant(d, resolve_impairments(imp))
    amp = (d.levels - 1) * 10 ** (amp_dbfs / 20)
    chop = None
    if d.spec.chopper.enabled and info["finite_opamp"]:
        from ctdsm.models.chopper import chop_frequency, half_period_cycles
        from ctdsm.sim.plant import chopped_plant

        h = half_period_cycles(d.fs_hz, chop_frequency(d.fs_hz, d.bw_hz))
        ph = d.spec.chopper.phase

        def sign(t, h=h, ph=ph):
            return 1 if np.floor((t - ph) / h) % 2 == 0 else -1

        def chop_edges(k, h=h, ph=ph):
            return [ph] if ph > 0 and sign(k + ph + 1e-9) != sign(k + ph - 1e-9) else []

        chop = (sign, chopped_plant(plant, -1.0), chop_edges)
    v_ref = _ode_loop(plant, d.levels, amp, 2 * np.pi * r.fin_hz / d.fs_hz, n, chop)
    assert np.array_equal(r.v, v_ref)


@pytest.mark.parametrize("name", ["multibit", "singlebit"])
def test_thermal_noise_matches_budget(designs, name):
    d = designs[name]
    amp = _amp(d)
    n = 1 << 16
    noisy = np.mean(
        [analyze(simulate(d, n, amp, {"preset": "ideal", "thermal_noise": True}, s)).noise_power
         for s in (1, 2)]
    )  # fmt: skip
    quiet = analyze(simulate(d, n, amp, "ideal", 1)).noise_power
    thermal_v2 = (noisy - quiet) * d.sizing.k_u_v**2
    assert abs(10 * np.log10(thermal_v2 / d.sizing.total_noise_v2)) < 1.0


def test_jitter_noise_matches_analytic(designs):
    d = designs["singlebit"]
    n = 1 << 16
    sigma_s = 3e-12
    amp = _amp(d)
    r = simulate(d, n, amp, {"preset": "ideal", "jitter_rms_s": sigma_s}, 5)
    quiet = analyze(simulate(d, n, amp, "ideal", 5)).noise_power
    measured = analyze(r).noise_power - quiet
    # A late NRZ edge by dt loses (v[n] - v[n-1]) dt of charge: white error, in-band share 2bw/fs.
    dv2 = np.mean(np.diff(r.v) ** 2)
    predicted = (sigma_s * d.fs_hz) ** 2 * dv2 * 2 * d.bw_hz / d.fs_hz
    assert abs(10 * np.log10(measured / predicted)) < 1.0


def test_dwa_shapes_element_mismatch(designs):
    d = designs["multibit"]
    imp = {"preset": "ideal", "dac_mismatch_sigma": 0.01}
    spec_none = ctdsm.load_spec(ROOT / "designs" / "multibit.yaml", ["dac.dem=none"])
    d_none = ctdsm.synthesize(spec_none)
    dwa = analyze(simulate(d, 1 << 16, -3, imp, 7))
    none = analyze(simulate(d_none, 1 << 16, -3, imp, 7))
    assert dwa.sndr_db > none.sndr_db + 10


def test_edge_asymmetry_is_isi_of_nrz_only(designs):
    d = designs["multibit"]
    imp = {"preset": "ideal", "dac_edge_asymmetry_s": 20e-12}
    nrz = analyze(simulate(d, 1 << 16, -3, imp, 1))
    clean = analyze(simulate(d, 1 << 16, -3, "ideal", 1))
    assert nrz.thd_db > clean.thd_db + 20
    d_rz = ctdsm.synthesize(
        # RZ halves the DAC resistors (R1_u below the process bound): kept with a warning
        ctdsm.load_spec(
            ROOT / "designs" / "multibit.yaml", ["architecture.dac_pulse=rz", "sizing.bounds=warn"]
        )
    )
    rz = analyze(simulate(d_rz, 1 << 16, -3, imp, 1))
    rz_clean = analyze(simulate(d_rz, 1 << 16, -3, "ideal", 1))
    assert abs(rz.sndr_db - rz_clean.sndr_db) < 1.0


def test_reproducible_from_seed(designs):
    d = designs["multibit"]
    a = simulate(d, 4096, -3, "default", 11)
    b = simulate(d, 4096, -3, "default", 11)
    c = simulate(d, 4096, -3, "default", 12)
    assert np.array_equal(a.v, b.v)
    assert not np.array_equal(a.v, c.v)


def test_overload_is_reported_unstable(designs):
    d = designs["singlebit"]
    r = simulate(d, 1 << 14, 0.0, "ideal", 1)
    m = analyze(r)
    assert not (r.stable and m.stable)
    assert all(v is None or np.isfinite(v) for v in m.to_dict().values() if isinstance(v, float))


def test_default_impairments_resolve_and_degrade(designs):
    d = designs["multibit"]
    assert Impairments().thermal_noise
    ideal = analyze(simulate(d, 1 << 15, -3, "ideal", 1))
    real = analyze(simulate(d, 1 << 15, -3, "default", 1))
    assert real.sndr_db < ideal.sndr_db


@pytest.mark.timeout(300)
@pytest.mark.parametrize("half_period", [4, 3])
def test_chopped_run_does_not_depend_on_the_block_length(half_period, monkeypatch):
    # The kernel runs in blocks of engine.BLOCK periods; a chopped run must give the same
    # codes whatever the block length, also when the chop period does not divide it (the
    # schedule is the block's own) and when a chop edge falls on a block boundary (the sign
    # at the next block's first sample is known).
    from ctdsm.sim import engine

    d = ctdsm.synthesize(
        ctdsm.load_spec(
            physics_spec("singlebit"),  # fs 32 MHz
            ["chopper.enabled=true", f"chopper.f_chop_hz={32e6 / (2 * half_period)}"],
        )
    )
    imp = {"preset": "ideal", "opamp_dc_gain_db": 60, "opamp_gbw_ratio": 4, "dac_physics": True}
    n = 3 * 4096 + 37
    monkeypatch.setattr(engine, "BLOCK", 1 << 20)
    one = ctdsm.simulate(d, n, -6.0, imp, 2)
    monkeypatch.setattr(engine, "BLOCK", 4096)
    blocks = ctdsm.simulate(d, n, -6.0, imp, 2)
    assert one.stable and np.array_equal(one.v, blocks.v)
