"""ctdsm.reporting.tables: cells formatted once, tables in report order."""

import math

import pytest

from ctdsm.reporting import compute, tables


@pytest.mark.parametrize(
    ("args", "cell"),
    [
        ((None,), "n/a"),
        ((math.nan, ".1f", " dB"), "n/a"),
        ((math.inf,), "n/a"),
        ((81.234, ".1f", " dB"), "81.2 dB"),
        ((250e3 / 1e3, "g", " kHz"), "250 kHz"),
        ((12345.678,), "1.235e+04"),
        ((3,), "3"),
    ],
)
def test_fmt(args, cell):
    assert tables.fmt(*args) == cell


def test_tables_in_report_order(short_report):
    design, data, _ = short_report
    ids = [t["id"] for t in data.tables]
    assert ids == [
        "headline", "spec", "abcdc", "resistors", "capacitors", "noise", "requirements", "fom",
        "cost", "spice",
    ]  # fmt: skip
    for t in data.tables:
        assert all(len(row) == len(t["header"]) for row in t["rows"]), t["id"]
        assert all(isinstance(cell, str) for row in t["rows"] for cell in row), t["id"]
    spec = dict(data.tables[1]["rows"])
    f_chop = compute.design_f_chop_hz(design)
    assert spec["chopper"] == ("off" if f_chop is None else f"on, f_chop {f_chop / 1e3:g} kHz")
    assert tables.report_tables(design, data.metrics, f_chop) == data.tables[:-1]


def test_cost_table_sums_to_the_totals(short_report):
    design, data, _ = short_report
    cost = next(t for t in data.tables if t["id"] == "cost")
    c = design.cost
    assert len(cost["rows"]) == len(c.power_breakdown_w) + len(c.area_breakdown_mm2)
    shares = [float(r[2].split()[0]) for r in cost["rows"]]
    n_p = len(c.power_breakdown_w)
    assert abs(sum(shares[:n_p]) - 100) < 0.5 and abs(sum(shares[n_p:]) - 100) < 0.5
    fom = dict(next(t for t in data.tables if t["id"] == "fom")["rows"])
    assert fom["power (modelled)"] == f"{c.power_w * 1e3:.3g} mW"
