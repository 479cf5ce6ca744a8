"""``ctdsm.sweep`` / ``plan``: validation before any work, job layout and seeds, the rows."""

import pytest

import ctdsm
from ctdsm.errors import CtdsmError, SpecError
from ctdsm.sweeps import SweepResult, derive_seeds, plan, sweep


@pytest.fixture
def sb(designs_dir):
    return designs_dir / "singlebit.yaml"


def test_public_api_is_exported_lazily():
    assert ctdsm.sweep is sweep
    assert ctdsm.SweepResult is SweepResult


@pytest.mark.parametrize(
    ("axes", "kw", "field", "reason"),
    [
        ({"foo.bar": [1]}, {}, "--axis foo.bar=1", "foo: unknown key"),
        ({"dac.type": ["vgs_r", "nope"]}, {}, "--axis dac.type=nope", "dac.type: should be"),
        ({"amplitude_dbfs": [-6, 7]}, {}, "--axis amplitude_dbfs=7", "simulation.amplitude_dbfs"),
        (
            {"seed": [-1]},
            {"mc_runs": 0},
            "--axis seed=-1",
            "simulation.seed: must be an integer in [0,",
        ),
        ({}, {"n_samples": 10}, "--samples 10", "simulation.n_samples"),
        ({}, {"seed": -3}, "--seed -3", "simulation.seed"),
    ],
)
def test_bad_points_fail_before_any_work(sb, axes, kw, field, reason, monkeypatch):
    import ctdsm.sweeps.jobs as jobs

    monkeypatch.setattr(jobs, "run_job", None)  # any attempt to run would fail differently
    with pytest.raises(SpecError) as info:
        sweep(sb, axes, workers=0, **({"mc_runs": 1} | kw))
    assert info.value.field == field
    assert reason in info.value.reason
    assert "\n" not in str(info.value)


def test_combinations_are_validated_too(sb):
    # Each value is fine alone; together osr and fs_hz disagree (a spec consistency check).
    axes = {"architecture.osr": [32, 64], "architecture.fs_hz": ["16MHz"]}
    with pytest.raises(SpecError) as info:
        plan(sb, axes, overrides=["architecture.osr=32"])
    assert "architecture.osr" in str(info.value) and "disagrees" in str(info.value)


def test_option_errors(sb):
    with pytest.raises(CtdsmError, match="--engine: 'hspice'"):
        plan(sb, {}, engine="hspice")
    with pytest.raises(CtdsmError, match="--mc: not with a seed axis"):
        plan(sb, {"seed": [1, 2]}, mc_runs=4)
    with pytest.raises(CtdsmError, match="--mc: -1"):
        plan(sb, {}, mc_runs=-1)


def test_job_layout_and_seeds(sb):
    spec, axes, jobs = plan(
        sb,
        ["process.corner=typical,ss", "amplitude_dbfs=-12:-6:6", "impairments.preset=ideal"],
        mc_runs=3,
        seed=9,
        n_samples=2048,
    )
    assert [a.key for a in axes] == ["process.corner", "amplitude_dbfs", "impairments.preset"]
    assert len(jobs) == 2 * 2 * 1 * 3
    assert [j.index for j in jobs] == list(range(12))
    assert [j.point for j in jobs] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert [j.mc for j in jobs[:3]] == [0, 1, 2]
    seeds = derive_seeds(9, 3)
    # Common random numbers: run i has the same seed at every point.
    assert all(j.seed == seeds[j.mc] for j in jobs)
    assert jobs[3].design_overrides == (("process.corner", "typical"),)
    assert jobs[6].design_overrides == (("process.corner", "ss"),)
    assert jobs[0].impairment_overrides == (("impairments.preset", "ideal"),)
    assert [j.amplitude_dbfs for j in jobs[::3]] == [-12.0, -6.0, -12.0, -6.0]
    assert all(j.n_samples == 2048 and j.engine == "behavioral" for j in jobs)
    assert jobs[0].spec_data == spec.to_dict()


def test_without_mc_the_base_seed_and_a_seed_axis_are_used_as_given(sb):
    spec, _, jobs = plan(sb, {"amplitude_dbfs": [-6]})
    assert [j.seed for j in jobs] == [spec.simulation.seed] and jobs[0].mc is None
    _, _, jobs = plan(sb, {"seed": [3, 4]}, overrides=["simulation.seed=99"])
    assert [j.seed for j in jobs] == [3, 4]


def test_serial_sweep_rows(sb):
    res = sweep(sb, {"amplitude_dbfs": [-20, -10]}, mc_runs=2, n_samples=16384, workers=0)
    assert res.columns[:5] == ["index", "point", "mc", "amplitude_dbfs", "seed"]
    assert [r["amplitude_dbfs"] for r in res.rows] == [-20.0, -20.0, -10.0, -10.0]
    assert [r["seed"] for r in res.rows] == derive_seeds(ctdsm.load_spec(sb).simulation.seed, 2) * 2
    for r in res.rows:
        assert r["n_samples"] == 16384
        if r["stable"]:
            assert abs(r["measured_amplitude_dbfs"] - r["amplitude_dbfs"]) < 0.5
    # 10 dB more signal at the same noise: SNDR rises by about 10 dB.
    s = res.summary()
    assert 5 < s[1]["sndr_mean_db"] - s[0]["sndr_mean_db"] < 12
    assert res.meta["target_sndr_db"] == ctdsm.load_spec(sb).target.sndr_db
    assert res.meta["mc_runs"] == 2 and res.meta["engine"] == "behavioral"


def test_spice_engine_without_runner_fails_before_work(sb, monkeypatch):
    import ctdsm.spice

    monkeypatch.delattr(ctdsm.spice, "run_spice", raising=False)
    with pytest.raises(CtdsmError, match="--engine spice: ctdsm.spice.run_spice is not"):
        plan(sb, {"process.corner": ["ss"]}, engine="spice")


def test_spice_sweep_rows_with_a_fake_runner(sb, monkeypatch):
    import ctdsm.spice

    seen = []

    def fake(
        design, *, n_cycles, amplitude_dbfs, seed, pdk_root, corner, temp_c, noise_source, **_kw
    ):
        assert noise_source == "table"
        seen.append((corner, temp_c, seed, n_cycles))
        return ctdsm.simulate(design, n_cycles, amplitude_dbfs, "ideal", seed)

    monkeypatch.setattr(ctdsm.spice, "run_spice", fake, raising=False)
    axes = {"process.corner": ["typical", "ff"], "process.temp_c": [125], "seed": [4, 8]}
    res = sweep(sb, axes, engine="spice", n_samples=4096, workers=0)
    assert seen == [
        ("typical", 125.0, 4, 4096),
        ("typical", 125.0, 8, 4096),
        ("ff", 125.0, 4, 4096),
        ("ff", 125.0, 8, 4096),
    ]
    got = [(r["process.corner"], r["process.temp_c"], r["seed"]) for r in res.rows]
    assert got == [("typical", 125, 4), ("typical", 125, 8), ("ff", 125, 4), ("ff", 125, 8)]
    assert res.meta["engine"] == "spice"


@pytest.mark.spice
def test_spice_sweep_with_ngspice(sb):
    import shutil

    import ctdsm.spice

    if not hasattr(ctdsm.spice, "run_spice"):
        pytest.skip("ctdsm.spice.run_spice is not on this branch yet")
    if shutil.which("ngspice") is None:
        pytest.skip("ngspice is not installed")
    axes = {"process.corner": ["typical", "ss"]}
    res = sweep(sb, axes, engine="spice", n_samples=4096, workers=2)
    assert [r["process.corner"] for r in res.rows] == ["typical", "ss"]
    for r in res.rows:
        assert isinstance(r["stable"], bool)
        if r["stable"]:
            assert r["sndr_db"] is not None and r["sndr_db"] > 20
    assert any(r["stable"] for r in res.rows)
    # ngspice rows repeat (the noise table): in this process, the same to the last bit.
    again = sweep(sb, axes, engine="spice", n_samples=4096, workers=0)
    assert [r["sndr_db"] for r in again.rows] == [r["sndr_db"] for r in res.rows]
