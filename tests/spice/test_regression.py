"""ngspice-in-the-loop regression of the seed designs (ctdsm/spice/closed_loop.py).

``pytest -m spice``: both seed designs at 2^14 cycles (> 100 dB SNDR in 250 kHz, within 3 dB
of the behavioral model on the same stimulus), the directions the behavioral model predicts
(more distortion from r_dac than vgs_r, and from an unzapped than a zapped dual RTO with a
40 dB first opamp, with the noise off so that distortion is measurable; better SNDR with
chopping than without), and
the single-bit design on GF180MCU (``PDK_ROOT=../shared/pdk``). Each ngspice run takes
minutes (docs/spice.md). The default tier has a reduced version: both seeds at 2^12 cycles,
stable and within the behavioral model's seed-to-seed spread, with the noise drawn from the
seed (``noise_source="table"``) so that it repeats; the full-length runs use the default
``trnoise`` sources.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import ctdsm

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = ROOT / "designs"
PDK_ROOT = os.environ.get("PDK_ROOT", str(ROOT.parent / "shared" / "pdk"))
GF_MODELS = Path(PDK_ROOT) / "gf180mcuD" / "libs.tech" / "ngspice" / "sm141064.ngspice"
N_FULL = 1 << 14

needs_ngspice = pytest.mark.skipif(
    shutil.which("ngspice") is None, reason="ngspice not installed (apt-get install ngspice)"
)
needs_gf180 = pytest.mark.skipif(
    not GF_MODELS.is_file(), reason=f"GF180MCU models not found under PDK_ROOT={PDK_ROOT}"
)


@functools.cache
def design(name: str, *overrides: str) -> ctdsm.Design:
    return ctdsm.synthesize(ctdsm.load_spec(DESIGNS / f"{name}.yaml", list(overrides)))


@functools.cache
def both(name: str, n: int, *overrides: str, pdk_root: str | None = None, noise: str = "trnoise"):
    """(ngspice metrics, behavioral metrics) of one design on the same stimulus."""
    d = design(name, *overrides)
    r = ctdsm.run_spice(d, n_cycles=n, pdk_root=pdk_root, timeout_s=1800, noise_source=noise)
    m = ctdsm.analyze(r)
    b = ctdsm.analyze(ctdsm.simulate(d, n, r.amplitude_dbfs, None, r.seed, fin_hz=r.fin_hz))
    # Shown by `pytest -rA`: the numbers behind a pass.
    print(
        f"{name} {n} {overrides}: ngspice SNDR {m.sndr_db:.1f} dB THD {m.thd_db} "
        f"({r.elapsed_s:.0f} s), behavioral SNDR {b.sndr_db:.1f} dB THD {b.thd_db}"
    )
    return m, b, r


#: Reduced length of the default tier: 2^12 cycles (32 band bins).
N_REDUCED = 1 << 12
#: Behavioral seeds whose spread sets the reduced tier's tolerance.
SPREAD_SEEDS = range(1, 13)


def behavioral_spread(name: str, n: int, r) -> tuple[float, float]:
    """(mean, standard deviation) in dB of the behavioral SNDR over SPREAD_SEEDS, on the
    stimulus of the ngspice run ``r``."""
    d = design(name)
    s = [
        ctdsm.analyze(ctdsm.simulate(d, n, r.amplitude_dbfs, None, k, fin_hz=r.fin_hz)).sndr_db
        for k in SPREAD_SEEDS
    ]
    return float(np.mean(s)), float(np.std(s))


@needs_ngspice
@pytest.mark.parametrize(("name", "floor_db"), [("singlebit", 96.0), ("multibit", 96.0)])
def test_seed_design_reduced_length(name, floor_db):
    """Default tier: 2^12 cycles of each seed: stable, above the floor, and within the spread
    of the behavioral model.

    A record this short is one draw of a noisy statistic (the SNDR of 32 band bins):
    behavioral SNDR over 24 seeds measured 101.4 +- 1.3 dB (single-bit) and 101.2 +- 0.7 dB
    (multi-bit), min to max 98.0-103.5 and 100.1-102.7 dB. So the ngspice draw is held to
    the mean of 12 behavioral seeds within 3.5 of their standard deviations (3 dB at least).
    The netlist's noise is the seeded table (``noise_source="table"``), so the ngspice draw
    is fixed and the test gives the same answer every run; with ngspice's unseedable trnoise
    it failed CI twice on unlucky draws (106.5 dB against 102.1, 98.4 against 101.8 +- 0.9).
    """
    m, _, r = both(name, N_REDUCED, noise="table")
    assert r.stable and m.stable
    assert m.sndr_db is not None
    mean_db, std_db = behavioral_spread(name, N_REDUCED, r)
    tol_db = max(3.0, 3.5 * std_db)
    assert abs(m.sndr_db - mean_db) < tol_db, (
        f"{name}: ngspice {m.sndr_db:.1f} dB vs behavioral {mean_db:.1f} +- {std_db:.1f} dB"
    )
    assert m.sndr_db > floor_db


@pytest.mark.spice
@pytest.mark.timeout(1800)  # one or two 2^14-cycle ngspice runs, 1-5 min each
@needs_ngspice
@pytest.mark.parametrize("name", ["multibit", "singlebit"])
def test_seed_design_meets_target(name):
    m, b, r = both(name, N_FULL)
    assert r.stable and m.stable
    assert m.sndr_db > 100.0, f"{name}: ngspice SNDR {m.sndr_db:.1f} dB"
    assert abs(m.sndr_db - b.sndr_db) <= 3.0, (
        f"{name}: ngspice {m.sndr_db:.1f} dB vs behavioral {b.sndr_db:.1f} dB"
    )


#: Thermal and 1/f noise off: the DAC's distortion is then above the floor in both tiers.
QUIET = ("impairments.thermal_noise=false", "impairments.flicker_corner_hz=null")
#: The zap check's operating point: a 40 dB first opamp (60 dB by default). The unzapped
#: half's memory is a charge proportional to the virtual-ground swing; at 60 dB the engine
#: puts it at -113.9 vs -116.6 dB THD (zapped), below what the netlist resolves (its quiet
#: THD near -110 dB moves by +-5 dB with the simulator tolerance, docs/spice.md: at 2^14
#: ngspice read -115.5 unzapped vs -114.2 dB zapped). At 40 dB both tiers show it.
LOW_GAIN = ("impairments.opamp_dc_gain_db=40",)


def _thd(m) -> float:
    """THD in dB; harmonics below the noise floor count as -200 dB."""
    return -200.0 if m.thd_db is None else float(m.thd_db)


@pytest.mark.spice
@pytest.mark.timeout(1800)  # one or two 2^14-cycle ngspice runs, 1-5 min each
@needs_ngspice
@pytest.mark.parametrize(
    ("name", "worse", "better"),
    [
        # Behavioral, seed 1, 2^14 cycles, quiet: THD -108.7 (r_dac) vs -116.9 dB (vgs_r);
        # ngspice (docs/spice.md) -89.6 vs -122.0 dB.
        ("multibit", ("dac.type=r_dac", *QUIET), ("dac.type=vgs_r", *QUIET)),
        # Behavioral, seed 1: -104.2 (dual_rto) vs -113.9 dB (zapped); ngspice -95.7 vs
        # -107.8 dB.
        (
            "singlebit",
            ("dac.type=dual_rto", *QUIET, *LOW_GAIN),
            ("dac.type=zapped_dual_rto", *QUIET, *LOW_GAIN),
        ),
    ],
)
def test_dac_distortion_same_direction_as_behavioral(name, worse, better):
    """ngspice and the engine agree that the one DAC distorts more than the other, each by
    more than 2-3 dB (beyond either tier's run-to-run and numerical wobble)."""
    mw, bw, _ = both(name, N_FULL, *worse)
    mb, bb, _ = both(name, N_FULL, *better)
    assert _thd(bw) > _thd(bb) + 2.0, "behavioral model: no difference to check"
    assert _thd(mw) > _thd(mb) + 3.0, (
        f"ngspice THD: {worse[0]} {_thd(mw):.1f} dB vs {better[0]} {_thd(mb):.1f} dB "
        f"(behavioral {_thd(bw):.1f} vs {_thd(bb):.1f} dB)"
    )


@pytest.mark.spice
@pytest.mark.timeout(1800)  # one or two 2^14-cycle ngspice runs, 1-5 min each
@needs_ngspice
def test_chopping_same_direction_as_behavioral():
    """Behavioral, seed 1, 2^14 cycles: 97.0 dB unchopped vs 102.7 dB chopped (1/f noise)."""
    mw, bw, _ = both("singlebit", N_FULL, "chopper.enabled=false")
    mb, bb, _ = both("singlebit", N_FULL)
    assert bw.sndr_db < bb.sndr_db - 2.0, "behavioral model: no difference to check"
    assert mw.sndr_db < mb.sndr_db, (
        f"ngspice: unchopped {mw.sndr_db:.1f} dB vs chopped {mb.sndr_db:.1f} dB "
        f"(behavioral {bw.sndr_db:.1f} vs {bb.sndr_db:.1f} dB)"
    )


@pytest.mark.spice
@pytest.mark.timeout(1800)  # one or two 2^14-cycle ngspice runs, 1-5 min each
@needs_ngspice
@needs_gf180
@pytest.mark.xfail(
    strict=True,
    reason="the single-bit seed on gf180mcu at 1.8 V reads 97.9 dB (seeded noise table, "
    "THD -101.0 dB, HD3 -101.5 dB), behavioral 102.9 dB: the netlist's HD3 with the 4 fs "
    "first opamp (docs/spice.md, issue 16 note)",
)
def test_singlebit_on_gf180mcu():
    # On gf180mcu (h = 0.4 V: full scale 1.0 V at 1.8 V) the seed draws 1.11 mA per half,
    # above the 1 mA DAC bound: kept with a warning, the netlist is what is under test. The
    # seeded noise table makes the run repeatable (the expected failure is a fixed number).
    m, b, r = both(
        "singlebit",
        N_FULL,
        "process.pdk=gf180mcu",
        "sizing.bounds=warn",
        pdk_root=PDK_ROOT,
        noise="table",
    )
    assert r.pdk == "gf180mcu"
    assert r.stable and m.stable
    assert m.sndr_db > 100.0, f"GF180MCU: ngspice SNDR {m.sndr_db:.1f} dB"
