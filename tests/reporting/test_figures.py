"""ctdsm.reporting.figures: labelled axes with units, correct scaling of the PSD, STF of
the seed designs."""

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import ctdsm
from ctdsm.flow.chopping import chopping_sweep
from ctdsm.reporting import figures

DESIGNS = Path(__file__).resolve().parents[2] / "designs"


@pytest.fixture(scope="module")
def design():
    return ctdsm.synthesize(ctdsm.load_spec(DESIGNS / "singlebit.yaml"))


@pytest.fixture(scope="module")
def result(design):
    return ctdsm.simulate(design, 4096, None, "ideal", 1)


def _assert_labelled(fig: Figure) -> None:
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert axes
    for ax in axes:
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            # Every axis names its quantity and its unit in parentheses.
            assert label and "(" in label and label.endswith(")"), label


def test_psd_dbfs_reads_a_sine_at_its_amplitude():
    n, fs, levels = 4096, 1e6, 17
    k = 101  # coherent bin
    amp_dbfs = -6.0
    v = (levels - 1) * 10 ** (amp_dbfs / 20) * np.sin(2 * np.pi * k * np.arange(n) / n)
    f, db = figures.psd_dbfs(v, fs, levels)
    assert f[np.argmax(db)] == pytest.approx(k * fs / n)
    # Hann: the peak bin holds 1/1.5 of the tone's power and the NBW is 1.5 bins, so the
    # peak per NBW is the tone's power: A dBFS exactly.
    assert db.max() == pytest.approx(amp_dbfs, abs=0.05)


def test_stf_is_flat_in_band_and_ntf_reaches_h_inf(designs_dir):
    for name in ("multibit", "singlebit"):
        d = ctdsm.synthesize(ctdsm.load_spec(designs_dir / f"{name}.yaml"))
        f_band = np.linspace(d.bw_hz / 100, d.bw_hz, 50)
        stf_db = 20 * np.log10(np.abs(figures.stf_response(d, f_band)))
        assert np.max(np.abs(stf_db)) < 0.5, name
        f_all = np.linspace(d.fs_hz / 4, d.fs_hz / 2, 200)
        ntf_max = np.max(np.abs(d.ntf_response(f_all)))
        assert ntf_max == pytest.approx(d.h_inf, rel=0.05), name


def test_every_figure_is_labelled(design, result):
    from ctdsm.sim.engine import sweep_amplitude

    sweep = sweep_amplitude(design, [-60.0, -20.0, -6.0, 0.0], "ideal", 4096, 1)
    states = np.random.default_rng(0).uniform(-0.8, 0.8, (design.order, 500))
    chop = chopping_sweep(design, [design.fs_hz / 32, design.fs_hz / 64], 4096, -6.0, 1)
    figs = [
        figures.plot_ntf(design),
        figures.plot_pole_zero(design),
        figures.plot_psd(result),
        figures.plot_sndr_vs_amplitude(sweep),
        figures.plot_state_histograms(states, 1.0),
        figures.plot_dac_error({"a": result, "b": result}),
        figures.plot_chopper(chop, design.levels, design.bw_hz, f_chop_hz=design.fs_hz / 32),
        figures.plot_psd_overlay(
            result.v, result.v, result.fs_hz, result.bw_hz, result.levels, fin_hz=result.fin_hz
        ),
    ]
    for fig in figs:
        assert isinstance(fig, Figure)
        _assert_labelled(fig)


def test_psd_annotation_shows_the_metrics(result):
    m = ctdsm.analyze(result)
    fig = figures.plot_psd(result, m)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert f"SNDR {m.sndr_db:.1f} dB" in texts
    assert "SNR" in texts and "THD" in texts and "SFDR" in texts


def test_state_histogram_counts_every_sample():
    x = np.vstack([np.linspace(-0.5, 0.5, 301), np.linspace(-0.9, 0.9, 301)])
    fig = figures.plot_state_histograms(x, 1.0, names=["a", "b"])
    for ax in fig.axes[:2]:
        assert sum(p.get_height() for p in ax.patches) == 301
    assert "peak 0.90" in fig.axes[1].get_title()


def test_save_png_is_reproducible(tmp_path, design):
    a = figures.save_png(figures.plot_pole_zero(design), tmp_path / "a.png")
    b = figures.save_png(figures.plot_pole_zero(design), tmp_path / "b.png")
    assert a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert a.read_bytes() == b.read_bytes()
