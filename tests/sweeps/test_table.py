"""The sweep table: Monte Carlo statistics, CSV and JSON contents, DataFrame."""

import csv
import importlib.util
import io
import json
import math

import pytest

from ctdsm.errors import CtdsmError
from ctdsm.sweeps.axes import SweepAxis


def test_summary_statistics_per_point(mc_table):
    s = mc_table.summary()
    assert [e["point"] for e in s] == [0, 1, 2, 3]
    first = s[0]
    assert first["amplitude_dbfs"] == -6 and first["process.corner"] == "typical"
    assert first["n"] == 3 and first["n_stable"] == 3
    assert first["sndr_mean_db"] == pytest.approx(101.0)
    assert first["sndr_std_db"] == pytest.approx(2.0)  # sample std of 99, 101, 103
    assert (first["sndr_min_db"], first["sndr_max_db"]) == (99.0, 103.0)
    assert first["yield"] == pytest.approx(2 / 3)  # 101 and 103 reach 100 dB
    # An unstable run counts against the yield, not in the statistics.
    second = s[1]
    assert second["n_stable"] == 2 and second["sndr_std_db"] == 0.0
    assert second["yield"] == pytest.approx(2 / 3)
    assert s[2]["yield"] == 0.0
    assert mc_table.summary(target_sndr_db=90.0)[2]["yield"] == 1.0


def test_summary_of_single_runs_has_no_std(make_result):
    res = make_result([SweepAxis("seed", (1, 2))], [[95.0], [None]])
    s = res.summary()
    assert s[0]["sndr_std_db"] is None and s[0]["sndr_mean_db"] == 95.0
    assert s[1]["sndr_mean_db"] is None and s[1]["n_stable"] == 0 and s[1]["yield"] == 0.0


def test_csv_round_trips_the_rows(mc_table, tmp_path):
    path = tmp_path / "s.csv"
    text = mc_table.to_csv(path)
    assert path.read_text() == text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(mc_table.rows) == 12
    assert list(rows[0]) == mc_table.columns
    assert mc_table.columns[:5] == ["index", "point", "mc", "amplitude_dbfs", "process.corner"]
    for got, want in zip(rows, mc_table.rows, strict=True):
        assert got["process.corner"] == want["process.corner"]
        if want["sndr_db"] is None:
            assert got["sndr_db"] == "" and got["stable"] == "False"
        else:
            assert float(got["sndr_db"]) == want["sndr_db"]  # exact: shortest repr


def test_csv_writes_lists_as_json(make_result):
    res = make_result([SweepAxis("architecture.dac_pulse", ([0, 0.5], [0.5, 1]))], [[1.0], [2.0]])
    rows = list(csv.DictReader(io.StringIO(res.to_csv())))
    assert json.loads(rows[1]["architecture.dac_pulse"]) == [0.5, 1]


def test_json_has_meta_axes_rows_summary(mc_table, tmp_path):
    path = tmp_path / "s.json"
    mc_table.to_json(path)
    data = json.loads(path.read_text())
    assert set(data) == {"meta", "axes", "rows", "summary"}
    assert data["axes"][1] == {"key": "process.corner", "values": ["typical", "ss"]}
    assert data["rows"] == mc_table.rows
    assert data["summary"][0]["sndr_mean_db"] == pytest.approx(101.0)
    assert data["meta"]["target_sndr_db"] == 100.0


def test_results_drop_only_the_timing(mc_table):
    res = mc_table.results()
    assert all("elapsed_s" not in r and "cpu_s" not in r for r in res)
    assert all(set(r) == set(mc_table.rows[0]) - {"elapsed_s", "cpu_s"} for r in res)


@pytest.mark.skipif(importlib.util.find_spec("pandas") is not None, reason="pandas installed")
def test_dataframe_without_pandas_is_a_one_line_error(mc_table):
    with pytest.raises(CtdsmError, match="pandas is not installed"):
        mc_table.to_dataframe()


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="needs pandas")
def test_dataframe(mc_table):
    df = mc_table.to_dataframe()
    assert list(df.columns) == mc_table.columns and len(df) == 12
    assert math.isnan(df["sndr_db"][5])
