"""Sweep jobs: seed derivation, the per-process design cache, the behavioral and
(fake) ngspice engines, errors naming the point."""

import math

import numpy as np
import pytest

import ctdsm
import ctdsm.spice
from ctdsm.errors import CtdsmError, SynthesisError
from ctdsm.sweeps import jobs
from ctdsm.sweeps.jobs import Job, derive_seeds, design_for, run_job


@pytest.fixture
def spec_data(designs_dir):
    return ctdsm.load_spec(designs_dir / "singlebit.yaml").to_dict()


def _job(spec_data, **kw):
    base = dict(
        index=0,
        point=0,
        mc=None,
        spec_data=spec_data,
        design_overrides=(),
        impairment_overrides=(),
        engine="behavioral",
        n_samples=4096,
        amplitude_dbfs=-6.0,
        seed=7,
    )
    return Job(**(base | kw))


def test_derived_seeds_are_fixed_distinct_and_prefix_stable():
    a = derive_seeds(1, 64)
    assert a == derive_seeds(1, 64)
    assert len(set(a)) == 64
    assert all(isinstance(s, int) and 0 <= s < 2**32 for s in a)
    # Run i's seed does not depend on how many runs there are.
    assert derive_seeds(1, 8) == a[:8]
    assert derive_seeds(2, 8) != a[:8]
    # The documented derivation.
    assert a[3] == int(np.random.SeedSequence(1, spawn_key=(3,)).generate_state(1)[0])


def test_design_cache_synthesizes_once_per_override_set(spec_data):
    # (re-sized at 85 degC the single-bit seed draws more than 1 mA: a sweep keeps it)
    d1 = design_for(spec_data, (), warn_bounds=True)
    assert design_for(spec_data, (), warn_bounds=True) is d1
    d2 = design_for(spec_data, (("process.temp_c", 85),), warn_bounds=True)
    assert d2 is not d1 and d2.spec.process.temp_c == 85
    assert design_for(spec_data, (("process.temp_c", 85),), warn_bounds=True) is d2
    with pytest.raises(SynthesisError, match="sizing.bounds: dac_unit_current"):
        design_for(spec_data, (("process.temp_c", 85),))


def test_behavioral_job_matches_a_direct_simulation(spec_data):
    row = run_job(_job(spec_data))
    design = design_for(spec_data, ())
    direct = ctdsm.analyze(ctdsm.simulate(design, 4096, -6.0, None, 7))
    assert row["sndr_db"] == direct.sndr_db  # bit for bit
    assert row["fin_hz"] == direct.fin_hz
    assert row["stable"] is True and row["n_samples"] == 4096
    assert row["amplitude_dbfs"] == -6.0
    assert math.isclose(row["measured_amplitude_dbfs"], -6.0, abs_tol=0.1)
    assert row["elapsed_s"] > 0 and 0 < row["cpu_s"] <= row["elapsed_s"] * 1.05 + 1e-3


def test_impairment_overrides_reuse_the_design(spec_data):
    n_before = len(jobs._designs)
    job = _job(spec_data, impairment_overrides=(("impairments.preset", "ideal"),))
    row = run_job(job)
    assert len(jobs._designs) <= max(n_before, 1) + 1
    design = design_for(spec_data, ())
    ideal = ctdsm.analyze(ctdsm.simulate(design, 4096, -6.0, "ideal", 7))
    assert row["sndr_db"] == ideal.sndr_db
    assert row["sndr_db"] != run_job(_job(spec_data))["sndr_db"]


def test_unsynthesizable_point_error_names_the_point(spec_data, monkeypatch):
    from ctdsm.errors import SynthesisError
    from ctdsm.sweeps import jobs

    def refuse(spec):
        raise SynthesisError("architecture: nothing reaches 190 dB")

    monkeypatch.setattr(jobs, "synthesize", refuse)
    job = _job(spec_data, design_overrides=(("target.sndr_db", 190),), seed=3)
    with pytest.raises(CtdsmError) as info:
        run_job(job)
    assert str(info.value) == (
        "sweep point target.sndr_db=190, amplitude_dbfs=-6.0, seed=3: "
        "architecture: nothing reaches 190 dB"
    )


def test_spice_engine_wires_spec_seed_corner_and_temperature(spec_data, monkeypatch):
    calls = []

    def fake_run_spice(
        design,
        *,
        n_cycles,
        amplitude_dbfs,
        seed,
        pdk_root,
        corner,
        temp_c,
        noise_source,
        keep_logs_on_failure,
    ):
        assert keep_logs_on_failure is False  # a sweep leaves no ngspice log in /tmp
        calls.append(
            dict(n=n_cycles, a=amplitude_dbfs, seed=seed, pdk=pdk_root, corner=corner, t=temp_c)
        )
        calls[-1]["noise"] = noise_source
        calls[-1]["dac"] = design.spec.dac.type
        return ctdsm.simulate(design, n_cycles, amplitude_dbfs, "ideal", seed)

    monkeypatch.setattr(ctdsm.spice, "run_spice", fake_run_spice, raising=False)
    ov = (("process.corner", "ss"), ("process.temp_c", 125))
    row = run_job(_job(spec_data, engine="spice", design_overrides=ov, pdk_root="/pdk", seed=11))
    assert calls == [
        dict(
            n=4096,
            a=-6.0,
            seed=11,
            pdk="/pdk",
            corner="ss",
            t=125.0,
            noise="table",  # repeatable rows
            dac=spec_data["dac"]["type"],
        )
    ]
    assert row["stable"] is True and row["sndr_db"] is not None


def test_spice_engine_missing_runner_is_one_line(spec_data, monkeypatch):
    monkeypatch.delattr(ctdsm.spice, "run_spice", raising=False)
    with pytest.raises(CtdsmError, match="run_spice is not available"):
        run_job(_job(spec_data, engine="spice"))
