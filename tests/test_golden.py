"""Golden behaviour: the seed designs and their variants give, bit for bit, what they gave
when ``tests/golden/golden.json`` was recorded (``tests/golden/make_golden.py``): output codes
exactly, floats of the JSON-form results to 10 significant digits (their last digits depend
on the CPU's BLAS kernels).

A refactor must leave every hash unchanged; a change of behaviour regenerates the file and
says so in its commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden import cases

GOLDEN = Path(__file__).resolve().parent / "golden"
EXPECTED = json.loads((GOLDEN / "golden.json").read_text())


@pytest.mark.timeout(300)
@pytest.mark.parametrize("variant", list(cases.VARIANTS))
def test_variant_is_unchanged(variant: str) -> None:
    got = cases.compute(variant)
    want = EXPECTED[variant]
    assert set(got) == set(want)
    changed = sorted(k for k in want if got[k] != want[k])
    assert not changed, f"{variant}: changed {changed}"


@pytest.mark.parametrize("name", cases.DESIGNS)
def test_design_json_is_unchanged(name: str) -> None:
    text = cases.design_json(cases.design_of(name))
    want = json.loads((GOLDEN / f"{name}.design.json").read_text())
    assert cases.canonical(json.loads(text)) == cases.canonical(want)


def test_toolbox_is_unchanged() -> None:
    assert cases.toolbox_case() == EXPECTED["toolbox"]["simulateDSM"]
