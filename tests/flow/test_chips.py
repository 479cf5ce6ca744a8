"""Two published chips reproduced from one set of model parameters (issue 16, point 5;
docs/power.md, "Chip comparison").

designs/vlsi2019.yaml (VLSI 2019 19.2: 24 mW, 2.85 mm^2, SNDR 103.5 dB, DR 107.5 dB) and
designs/isscc2016.yaml (ISSCC 2016 15.4: 280 uW, 1.33 mm^2, SNDR 98.5 dB, DR 103.6 dB),
85 times apart in power. The default tier synthesizes both and checks the modelled power
(+-30 %) and area (+-40 %); the slow tier runs `ctdsm report` and checks the behavioral
peak SNDR and DR (VLSI 2019 +-1.5 dB, ISSCC 2016 +-2 dB).

DR is referred to full scale, as the chips publish it (and as ``predicted_dr_db`` is): the
full-scale sine power over the small-signal noise floor, i.e. minus the amplitude where the
sweep's slope-1 line crosses 0 dB SNDR (``sweep.zero_crossing_dbfs``). The report's
``dr_db`` is referred to the peak amplitude instead (a single-bit loop peaks at -4 dBFS).
"""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import ctdsm
from ctdsm.cli import main
from ctdsm.design.bounds import check_bounds, violations
from ctdsm.models.technology import technology

ROOT = Path(__file__).resolve().parents[2]

#: name: (power W, area mm^2, SNDR dB, DR dB, SNDR/DR tolerance dB), as published.
CHIPS = {
    "vlsi2019": (24e-3, 2.85, 103.5, 107.5, 1.5),
    "isscc2016": (280e-6, 1.33, 98.5, 103.6, 2.0),
}
POWER_TOL = 0.30
AREA_TOL = 0.40


@pytest.fixture(scope="module")
def chips():
    return {n: ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / f"{n}.yaml")) for n in CHIPS}


#: Known gaps of the models (docs/power.md, "Chip comparison"): the VLSI 2019 chip models
#: 16.0 mW (-33 %) and 0.50 mm^2 (-83 %), the ISSCC 2016 chip 0.40 mm^2 (-70 %): the published
#: areas hold blocks the models do not derive. Strict: a model change that closes a gap fails
#: here until this list is updated.
GAPS = {("vlsi2019", "power"), ("vlsi2019", "area"), ("isscc2016", "area")}


def _case(name: str, what: str):
    marks = []
    if (name, what) in GAPS:
        marks.append(pytest.mark.xfail(strict=True, reason=f"{name} {what}: known model gap"))
    return pytest.param(name, what, marks=marks, id=f"{name}-{what}")


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("name", "what"), [_case(n, w) for n in CHIPS for w in ("power", "area")])
def test_modelled_power_and_area_match_silicon(chips, name, what):
    power, area, *_ = CHIPS[name]
    cost = chips[name].cost
    if what == "power":
        assert abs(cost.power_w / power - 1) <= POWER_TOL, (name, cost.power_w)
    else:
        assert abs(cost.area_mm2 / area - 1) <= AREA_TOL, (name, cost.area_mm2)


@pytest.mark.timeout(120)
def test_power_ratio_over_two_orders_of_magnitude(chips):
    # one parameter set over two orders of magnitude: the ratio within a factor of 2
    ratio = chips["vlsi2019"].cost.power_w / chips["isscc2016"].cost.power_w
    assert 24e-3 / 280e-6 / 2 < ratio < 24e-3 / 280e-6 * 2


@pytest.mark.timeout(120)
def test_area_ratio_of_the_two_chips(chips):
    # the models' relative area scaling, whatever the blocks they miss: within a factor of 2
    ratio = chips["vlsi2019"].cost.area_mm2 / chips["isscc2016"].cost.area_mm2
    assert 2.85 / 1.33 / 2 < ratio < 2.85 / 1.33 * 2


@pytest.mark.timeout(120)
def test_chips_are_within_the_process_bounds(chips):
    for name, d in chips.items():
        checks = check_bounds(
            d.sizing,
            d.cost,
            technology(d.spec.process.pdk),
            vdd_v=float(d.spec.process.vdd_v),
            swing_v=float(d.spec.sizing.swing_v),
        )
        assert not violations(checks), name


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("name", list(CHIPS))
def test_behavioral_sndr_and_dr_match_silicon(tmp_path, name):
    _, _, sndr, dr, tol = CHIPS[name]
    out = tmp_path / name
    args = ["report", str(ROOT / "designs" / f"{name}.yaml"), "-o", str(out), "-q"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    m = json.loads((out / "metrics.json").read_text())
    dr_fs = -m["sweep"]["zero_crossing_dbfs"]
    assert abs(m["peak_sndr_db"] - sndr) <= tol, (name, m["peak_sndr_db"])
    assert abs(dr_fs - dr) <= tol, (name, dr_fs)
