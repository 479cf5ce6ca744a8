"""Sweep plots: PNG files for the versus, categorical and Monte Carlo histogram cases."""

import pytest

from ctdsm.sweeps.axes import SweepAxis

PNG = b"\x89PNG\r\n\x1a\n"


def _lines(fig):
    return fig.axes[0].get_lines()


def test_versus_first_axis_with_mc_error_bars(mc_table, tmp_path):
    path = tmp_path / "s.png"
    fig = mc_table.plot(path)
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 5000
    ax = fig.axes[0]
    assert ax.get_xlabel() == "amplitude_dbfs" and ax.get_ylabel() == "SNDR (dB)"
    labels = ax.get_legend_handles_labels()[1]
    assert "process.corner=typical" in labels and "process.corner=ss" in labels
    assert "target 100 dB" in labels
    # The error-bar line of corner 'typical' goes through the two means (101, 91.5).
    bars = [c for c in ax.containers if c.get_label() == "process.corner=typical"][0]
    assert list(bars.lines[0].get_xdata()) == [-6, -3]
    assert list(bars.lines[0].get_ydata()) == pytest.approx([101.0, 91.5])


def test_categorical_first_axis(make_result, tmp_path):
    res = make_result([SweepAxis("process.corner", ("typical", "ss", "ff"))], [[100], [98], [None]])
    fig = res.plot(tmp_path / "c.png")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["typical", "ss", "ff"]
    line = [ln for ln in _lines(fig) if ln.get_marker() == "o"][0]
    assert list(line.get_xdata()) == [0, 1] and list(line.get_ydata()) == [100, 98]
    assert (tmp_path / "c.png").stat().st_size > 0


def test_mc_only_histogram(make_result, tmp_path):
    res = make_result([], [[99.0, 100.0, 101.0, 102.0, None]], mc_runs=5)
    fig = res.plot(tmp_path / "h.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "SNDR (dB)"
    assert "4 of 5 runs stable" in ax.get_title()
    assert any(lbl.startswith("mean 100.50") for lbl in ax.get_legend_handles_labels()[1])
    assert (tmp_path / "h.png").read_bytes().startswith(PNG)
