"""The logic clocks of the netlists (ctdsm/spice/digital.py: clock_source, jittered_clock):
the edge table's statistics, several clocks and complements in one table, and that ngspice's
d_source puts the events where the table says."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from ctdsm.spice.digital import Clock, clock_source, jittered_clock

needs_ngspice = pytest.mark.skipif(
    shutil.which("ngspice") is None, reason="ngspice not installed (apt-get install ngspice)"
)

T = 1 / 32e6


def _table(text: str) -> tuple[np.ndarray, list[str]]:
    rows = [ln.split() for ln in text.splitlines()]
    return np.array([float(r[0]) for r in rows]), [r[1] for r in rows]


def test_edges_alternate_and_cover_the_run():
    lines, text = jittered_clock(
        "ck", "ck.txt", 0.3 * T, 0.5 * T, 100 * T, 0.0, np.random.default_rng(0)
    )
    t, st = _table(text)
    assert lines == ['.model src_ck d_source(input_file="ck.txt")', "asrc_ck [ck] src_ck"]
    assert t[0] == 0 and st[0] == "0s"  # low before the first rising edge at 0.3 T
    assert np.allclose(t[1:], 0.3 * T + 0.5 * T * np.arange(len(t) - 1), rtol=0, atol=1e-18)
    assert st[1:] == ["1s", "0s"] * ((len(st) - 1) // 2) + ["1s"] * ((len(st) - 1) % 2)
    assert t[-1] > 100 * T


def test_a_window_over_t0_starts_high():
    # High on [-0.2 T, 0.3 T) modulo T: the first edge after t = 0 is a falling one.
    _, text = jittered_clock(
        "ck", "ck.txt", 0.8 * T, 0.5 * T, 10 * T, 0.0, np.random.default_rng(0)
    )
    t, st = _table(text)
    assert st[:3] == ["1s", "0s", "1s"]
    assert t[1] == pytest.approx(0.3 * T, abs=1e-18)


def test_jitter_is_white_per_edge_with_the_given_sigma():
    sigma = 0.3e-12
    _, text = jittered_clock(
        "ck", "ck.txt", 0.5 * T, 0.5 * T, 16384 * T, sigma, np.random.default_rng(1)
    )
    t, _ = _table(text)
    dt = t[1:] - (0.5 * T + 0.5 * T * np.arange(len(t) - 1))
    n = dt.size
    assert n > 32768
    assert abs(np.mean(dt)) < 4 * sigma / np.sqrt(n)
    assert np.std(dt) == pytest.approx(sigma, rel=0.03)  # 3 % at n = 32768 is > 5 sigma
    # Not accumulated: neighbouring edges are uncorrelated.
    assert abs(np.corrcoef(dt[:-1], dt[1:])[0, 1]) < 0.03
    # Reproducible from the generator's seed, different for another seed.
    _, again = jittered_clock(
        "ck", "ck.txt", 0.5 * T, 0.5 * T, 16384 * T, sigma, np.random.default_rng(1)
    )
    _, other = jittered_clock(
        "ck", "ck.txt", 0.5 * T, 0.5 * T, 16384 * T, sigma, np.random.default_rng(2)
    )
    assert again == text and other != text


def test_clocks_and_complements_share_one_table():
    """Rows at the union of the edges, each with every output's state; a complement is the
    exact inverse (same rows); only the jittered clock moves, with the same draws as alone."""
    sigma = 0.3e-12
    clocks = [
        Clock("clk", 2e-12 + T, 0.5 * T),
        Clock("clk_r", 50e-12 + T, 0.5 * T, sigma, complement="clk_rn"),
    ]
    lines, text = clock_source(clocks, "c.txt", 64 * T, np.random.default_rng(5))
    assert lines[1] == "asrc_clk [clk clk_r clk_rn] src_clk"
    rows = [ln.split() for ln in text.splitlines()]
    t = np.array([float(r[0]) for r in rows])
    assert np.all(np.diff(t) > 0)
    st = np.array([[c == "1s" for c in r[1:]] for r in rows])
    assert np.all(st[:, 1] != st[:, 2])  # the complement
    for j, first in ((0, 2e-12), (1, 50e-12)):
        change = np.flatnonzero(st[1:, j] != st[:-1, j]) + 1
        edges = t[change]
        nominal = first + 0.5 * T * np.round((edges - first) / (0.5 * T))
        err = edges - nominal
        if j == 0:
            assert np.allclose(err, 0, atol=1e-18)
        else:
            assert 0.3 * sigma < np.std(err) < 3 * sigma
            _, alone = jittered_clock(
                "clk_r", "c.txt", 50e-12 + T, 0.5 * T, 64 * T, sigma, np.random.default_rng(5)
            )
            t_alone = np.array([float(ln.split()[0]) for ln in alone.splitlines()[1:]])
            assert np.allclose(edges, t_alone, rtol=0, atol=1e-20)
        # Edges in the first nanosecond are left out, the state they leave is the start (the
        # rising edges at 2 ps and 50 ps: both clocks start high).
        assert edges[0] > 1e-9 and st[0, j]
        # Rising edges at first + k T.
        assert st[change[0], j] == (abs(((edges[0] - first) / T) % 1) < 0.25)


def test_rejects_jitter_comparable_to_the_period():
    with pytest.raises(ValueError, match="jitter_rms_s"):
        jittered_clock("ck", "ck.txt", 0.0, 0.5 * T, 10 * T, 0.1 * T, np.random.default_rng(0))


@needs_ngspice
def test_ngspice_switches_on_the_table_times(tmp_path):
    """A dac_bridge driven by the d_source crosses mid-swing half its ramp after each table
    time (the events are exact, no detection on the analog time grid)."""
    from ctdsm.spice.runner import run_ngspice

    sigma = 20e-12  # large, so that a wrong reading of the table would show
    lines, text = jittered_clock(
        "ck", "ck.txt", 0.25 * T, 0.5 * T, 20 * T, sigma, np.random.default_rng(3)
    )
    netlist = "\n".join(
        [
            "* d_source clock",
            *lines,
            ".model drv dac_bridge(out_low=0 out_high=1 out_undef=0.5 t_rise=1e-11 t_fall=1e-11)",
            "adrv [ck] [g] drv",
            "rg g 0 1k",
            f".tran 1e-10 {20 * T:.6g}",
            ".control",
            "run",
            "wrdata g.txt v(g)",
            "quit",
            ".endc",
            ".end",
        ]
    )
    run = run_ngspice(netlist, timeout_s=60, inputs={"ck.txt": text})
    tab = run.tables["g.txt"]
    tg, v = tab[next(iter(tab))], tab["v(g)"]
    s = np.sign(v - 0.5)
    i = np.nonzero(s[:-1] * s[1:] < 0)[0]
    cross = tg[i] + (0.5 - v[i]) * (tg[i + 1] - tg[i]) / (v[i + 1] - v[i])
    t_edges, _ = _table(text)
    t_edges = t_edges[1:][t_edges[1:] + 5e-12 < 20 * T]
    assert len(cross) == len(t_edges)
    assert np.max(np.abs(cross - (t_edges + 5e-12))) < 0.1e-12


@needs_ngspice
def test_a_missing_table_fails_with_the_reason():
    from ctdsm.spice import NgspiceError
    from ctdsm.spice.runner import run_ngspice

    lines, _ = jittered_clock(
        "ck", "ck.txt", 0.25 * T, 0.5 * T, 4 * T, 0.0, np.random.default_rng(0)
    )
    netlist = "\n".join(
        ["* x", *lines, "vg g 0 dc 1", "rg g 0 1k", f".tran 1e-9 {4 * T:.6g}"]
        + [".control", "run", "wrdata g.txt v(g)", "quit", ".endc", ".end"]
    )
    with pytest.raises(NgspiceError, match="D_SOURCE"):
        run_ngspice(netlist, timeout_s=60, keep_logs_on_failure=False)
