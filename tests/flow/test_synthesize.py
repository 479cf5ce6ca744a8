"""synthesize(): every example design synthesizes, verifies and meets its SQNR target."""

from pathlib import Path

import numpy as np
import pytest

import ctdsm
from ctdsm import toolbox as ds
from ctdsm.design.loop_filter import verify_realization
from ctdsm.errors import SynthesisError

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = sorted((ROOT / "designs").glob("*.yaml"))


@pytest.fixture(scope="module", params=DESIGNS, ids=lambda p: p.stem)
def design(request):
    return ctdsm.synthesize(ctdsm.load_spec(request.param))


def test_design_is_verified_and_meets_target(design):
    assert design.loop.verify_error < 1e-6
    # An independent re-check of the stored, scaled filter against the stored NTF.
    assert verify_realization(design.ntf, design.abcdc, design.tdac) < 1e-6
    target = design.spec.target.sndr_db + design.spec.architecture.sqnr_margin_db
    assert design.peak_sqnr_db >= target - 1.0
    assert design.osr == pytest.approx(design.fs_hz / (2 * design.bw_hz))


def test_states_are_scaled(design):
    # Simulate the DT equivalent at the max stable amplitude less 1 dB: states within xlim.
    n = design.order
    amp = 10 ** (-1 / 20) * design.loop.umax
    N = 20000
    u = amp * np.sin(2 * np.pi * (design.f0 + 0.3 / design.osr / 2) * np.arange(N))
    if design.f0:
        u = amp * np.sin(2 * np.pi * design.f0 * np.arange(N))
    _, xn, xmax, _ = ds.simulateDSM(u, design.loop.abcd, design.levels)
    assert np.all(np.asarray(xmax)[:n] <= 1.05 * design.spec.architecture.xlim)


def test_ntf_matches_toolbox_for_lp5():
    d = ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / "lp5_singlebit.yaml"))
    ref = ds.synthesizeNTF(5, 32, 1, 1.5)
    np.testing.assert_allclose(np.sort_complex(d.ntf.poles), np.sort_complex(ref.poles), atol=1e-10)
    # Published predictSNR peak for this NTF is 79.2 dB; simulation gives about 85 dB.
    assert d.peak_sqnr_db > 82


def test_auto_picks_cheapest_that_meets_target():
    spec = ctdsm.load_spec(ROOT / "designs" / "auto.yaml")
    d = ctdsm.synthesize(spec)
    required = spec.target.sndr_db + spec.architecture.sqnr_margin_db
    assert d.peak_sqnr_db >= required
    accepted = [c for c in d.selection if c.get("simulated_peak_sqnr_db", -1) >= required]
    assert accepted and accepted[-1]["order"] == d.order and accepted[-1]["osr"] == d.osr


def test_eld_compensation_keeps_ntf():
    spec = ctdsm.load_spec(ROOT / "designs" / "singlebit.yaml", ["architecture.eld=0.2"])
    d = ctdsm.synthesize(spec)
    n = d.order
    # The delayed pulse spans the sampling instant: a direct feedback term into the
    # quantizer input (D of a feedback column) restores the NTF.
    assert np.any(d.abcdc[n, n + 1 :] != 0)
    assert d.loop.verify_error < 1e-6


@pytest.mark.parametrize("form", ["FB", "FF"])
@pytest.mark.parametrize("pulse", ["nrz", "rz", "hrz"])
def test_forms_and_pulses(form, pulse):
    spec = ctdsm.load_spec(
        ROOT / "designs" / "lp3_multibit.yaml",
        [f"architecture.form={form}", f"architecture.dac_pulse={pulse}"],
    )
    d = ctdsm.synthesize(spec)
    assert d.loop.verify_error < 1e-6


def test_unreachable_target_is_reported():
    spec = ctdsm.load_spec(
        ROOT / "designs" / "auto.yaml", ["target.sndr_db=190", "architecture.levels=2"]
    )
    with pytest.raises(SynthesisError, match="^target.sndr_db: no order"):
        ctdsm.synthesize(spec)
