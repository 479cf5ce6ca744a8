"""The simulated requirements take the SNDR loss of the design with its thermal noise floor."""

import math
from pathlib import Path

import pytest

import ctdsm
from ctdsm.flow.requirements import derive_requirements, thermal_floor

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def design():
    return ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / "lp3_multibit.yaml"))


def _losses(rq, kind):
    return {v: x for v, x in rq.table[kind]}


@pytest.mark.timeout(300)
def test_floor_is_the_sizing_budget_and_only_lowers_the_loss(design):
    floor = thermal_floor(design.sizing)
    # input-referred volts squared over (volts per unit) squared
    assert floor == pytest.approx(design.sizing.total_noise_v2 / design.sizing.k_u_v**2)
    assert design.requirements.noise_floor == pytest.approx(floor)
    bare = derive_requirements(design, n_samples=4096, noise_floor=0.0)
    floored = derive_requirements(design, n_samples=4096, noise_floor=floor)
    assert floored.noise_floor == floor and bare.noise_floor == 0.0
    for kind in ("gbw_ratio", "dc_gain_db"):
        a, b = _losses(bare, kind), _losses(floored, kind)
        for value, loss in a.items():
            if loss is not None and b[value] is not None and loss > 0.5:
                # a fixed extra noise power dilutes every excess: (q + T) / (q0 + T) < q / q0
                assert b[value] < loss, (kind, value)
    # a lower loss never needs a faster or higher-gain opamp
    # (None: not met anywhere on the grid)
    for name in ("gbw_ratio_min", "dc_gain_db_min"):
        lo, hi = getattr(floored, name), getattr(bare, name)
        assert lo is not None, name
        assert hi is None or lo <= hi, name


@pytest.mark.timeout(300)
def test_a_floor_far_above_the_quantization_noise_hides_every_finite_opamp(design):
    huge = 1e6 * thermal_floor(design.sizing)
    rq = derive_requirements(design, n_samples=4096, noise_floor=huge)
    for value, loss in rq.table["gbw_ratio"]:
        if loss is not None:
            assert abs(loss) < 0.01, value
    assert rq.gbw_ratio_min is not None and rq.gbw_ratio_min <= 1.5


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_bad_floor_is_refused(design, bad):
    with pytest.raises(ValueError, match="noise_floor"):
        derive_requirements(design, n_samples=1024, noise_floor=bad)
