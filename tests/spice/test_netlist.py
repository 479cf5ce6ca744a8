"""Netlists of the seed designs (ctdsm/spice/netlist/): structure, values, determinism,
errors, the committed copies, and short closed-loop ngspice runs.

The generation tests take well under a second each (one synthesis per design, cached); the
closed-loop runs (64-256 cycles) a few seconds each and skip without ngspice.
"""

from __future__ import annotations

import functools
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ctdsm
from ctdsm.errors import CtdsmError, SpecError
from ctdsm.spice.netlist import build_netlist
from tests.lines import error_lines
from tests.physics import physics_spec

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = ROOT / "designs"
NETLISTS = ROOT / "netlists"

needs_ngspice = pytest.mark.skipif(
    shutil.which("ngspice") is None, reason="ngspice not installed (apt-get install ngspice)"
)


@functools.cache
def design(name: str, *overrides: str) -> ctdsm.Design:
    """A seed design, or ``singlebit_fb5``, the first single-bit seed (5th-order FB, a DAC
    into every integrator: the structure tests were written on it). Netlist generation is
    under test, not the process bounds, which the gf180mcu variants exceed."""
    path = physics_spec("singlebit") if name == "singlebit_fb5" else DESIGNS / f"{name}.yaml"
    return ctdsm.synthesize(ctdsm.load_spec(path, [*overrides, "sizing.bounds=warn"]))


def _lines(text: str, prefix: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.lower().startswith(prefix)]


def _value(text: str, name: str) -> float:
    line = next(ln for ln in text.splitlines() if ln.split() and ln.split()[0] == name)
    return float(line.split()[3])


# ----------------------------------------------------------------------------- structure


def test_multibit_structure():
    d = design("multibit")
    text = build_netlist(d, n_cycles=4096).text
    units = d.sizing.dac_units
    assert units == d.levels - 1
    # VGS-R: four NMOS steering switches per element, resistors to both references.
    for k in range(units):
        names = {f"mu{k}{x}" for x in "abcd"}
        assert (
            len([ln for ln in text.splitlines() if ln.split()[:1] and ln.split()[0] in names]) == 4
        )
        assert _lines(text, f"ru{k}p refp ")
        assert _lines(text, f"ru{k}n refn ")
    # One opamp per integrator, the first chopped (eight switches inside its subcircuit).
    assert len(_lines(text, ".subckt opamp")) == d.order
    assert len(_lines(text, "mci")) == 4 and len(_lines(text, "mco")) == 4
    # Comparators and latches, DWA pointer register (log2 16 = 4 bits), 16 gate drivers.
    assert len(_lines(text, "acmp")) == units
    assert len(_lines(text, "adwa_reg")) == 4
    assert "trnoise(" in text and "filesource" not in text  # by default; see the noise tests
    assert re.search(r"^\.tran \S+ \S+ uic$", text, re.M)
    assert "wrdata code.txt v(vcode)" in text
    # Sampling: a clock of its own in the clock table, and a noise-free trnoise source that
    # puts a breakpoint at every sampling instant (no PULSE clock).
    assert _lines(text, "asrc_clk [clk clk_r] ")
    logic = text.split("---- clocks, quantizer")[1]
    assert "clk_r" in logic and not re.search(r"^v\S+ \S+ 0 pulse\(", logic, re.M)
    assert _lines(text, f"vsmp smp 0 dc 0 trnoise(0 {1 / d.fs_hz:.6g} 0 0)")
    # The comparators' and the DAC's latches start on the code of a zero input.
    m0 = len([ln for ln in _lines(text, "alat") if ln.endswith("d_latch_set")])
    assert 0 < m0 < units
    assert len([ln for ln in _lines(text, "agl") if ln.endswith("d_latch_set")]) == m0
    # Deterministic and machine-independent: no absolute paths, no dates.
    assert "/" not in "".join(ln for ln in text.splitlines() if not ln.startswith("*"))


def test_singlebit_structure_and_variants():
    d = design("singlebit_fb5")
    text = build_netlist(d, n_cycles=4096).text
    # Zapped dual RTO: halves a and b, each with reference switches, steering and zap.
    for h, other in (("a", "b"), ("b", "a")):
        assert _lines(text, f"mu0{h}rpn refp ") and _lines(text, f"mu0{h}rpp refp ")
        assert len(_lines(text, f"mu0{h}z")) == 2
        # The zap closes with the other half's reference switches (no edges of its own).
        assert all(ln.split()[2] == f"ph{other}" for ln in _lines(text, f"mu0{h}z"))
    assert "vzap" not in text
    # Early DAC clock and its complement from one source; the DAC's code (read out, direct
    # path, later DACs) from the steering enables, on the gate drivers' edges.
    assert _lines(text, "asrc_dclke [dclke dclke_n] ")
    assert _lines(text, "avc [e0a e0b] [da0 da1] code_drv")
    # Its wide switches get the looser charge tolerance (netlist.CHGTOL_C); vgs_r does not.
    assert _lines(text, ".options interp bypass=1 chgtol=1e-13 ")
    assert "chgtol" not in build_netlist(design("multibit"), n_cycles=4096).text
    assert "wrdata code.txt v(vcode)" in text
    # The later DACs of the FB form are ideal sources through the sized resistors.
    later = [r for r in d.sizing.resistors if r.stage > 1 and r.source == "dac1"]
    assert later and all(_lines(text, f"r{r.name.lower()}p ") for r in later)
    unzapped = build_netlist(design("singlebit_fb5", "dac.type=dual_rto"), n_cycles=4096).text
    assert not _lines(unzapped, "mu0az") and _lines(unzapped, "mu0arpn")
    plain = build_netlist(design("singlebit_fb5", "chopper.enabled=false"), n_cycles=4096).text
    assert not _lines(plain, "mci") and not _lines(plain, "vchi")


def test_r_dac_has_inverters():
    text = build_netlist(design("multibit", "dac.type=r_dac"), n_cycles=4096).text
    assert len(_lines(text, "mu0p")) == 2 and len(_lines(text, "mu0n")) == 2
    assert _lines(text, "mu0pp u0op ") and "pch_g180" in _lines(text, "mu0pp")[0]


def test_values_come_from_the_design():
    d = design("multibit")
    text = build_netlist(d, n_cycles=4096).text
    sz = d.sizing
    for r in sz.resistors:
        if r.stage >= 1 and not r.source.startswith("dac"):
            assert _value(text, f"r{r.name.lower()}p") == pytest.approx(r.r_ohm, rel=1e-8)
    for i, c in enumerate(sz.c_f):
        assert _value(text, f"cf{i + 1}p") == pytest.approx(c, rel=1e-8)
    # Unit element: R_u minus the steering switch's resistance at the 0.5 V common mode
    # (1.5-3x the deep-triode R_on = R_u / 50 with the body effect), mismatch ~1e-3.
    r_u = sz.dac_unit_r_ohm
    vals = np.array([_value(text, f"ru{k}p") for k in range(sz.dac_units)])
    assert np.all((vals > r_u * (1 - 3 / 50)) & (vals < r_u * (1 - 1.5 / 50)))
    assert np.std(vals / vals.mean()) > 1e-5  # the mismatch is there


def test_deterministic_and_seeded():
    d = design("multibit")
    a = build_netlist(d, n_cycles=2048, seed=3).text
    assert build_netlist(d, n_cycles=2048, seed=3).text == a
    b = build_netlist(d, n_cycles=2048, seed=4).text
    assert a != b
    nl = build_netlist(d, n_cycles=2048, amplitude_dbfs=-10)
    assert nl.amplitude_dbfs == -10 and nl.n_cycles == 2048 and nl.pdk == "generic180"
    assert f".tran {0.5 / d.fs_hz:.9g} {nl.t_first_sample_s + 2048 / d.fs_hz:.9g} uic" in nl.text


def test_errors():
    d = design("singlebit")
    with pytest.raises(CtdsmError, match="n_cycles"):
        build_netlist(d, n_cycles=8)
    with pytest.raises(SpecError, match="process.corner"):
        build_netlist(d, n_cycles=4096, corner="tt")
    gf = design("singlebit", "process.pdk=gf180mcu")
    with pytest.raises(SpecError, match="process.pdk"):
        build_netlist(gf, n_cycles=4096, pdk_root="/nonexistent/pdk")


def test_cli_netlist_writes_file_and_one_line_errors(tmp_path):
    env_py = [sys.executable, "-m", "ctdsm", "netlist"]
    ok = subprocess.run(
        [*env_py, str(DESIGNS / "singlebit.yaml"), "-o", str(tmp_path / "n"), "--cycles", "4096"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "n" / "singlebit.cir").read_text().startswith("* ctdsm singlebit")
    table = subprocess.run(
        [*env_py, str(DESIGNS / "singlebit.yaml"), "-o", str(tmp_path / "t"), "--cycles", "4096",
         "--noise", "table", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert "filesource" in (tmp_path / "t" / "singlebit.cir").read_text()
    assert len((tmp_path / "t" / "singlebit_noise.txt").read_text().splitlines()) > 4096
    bad = subprocess.run(
        [*env_py, str(DESIGNS / "singlebit.yaml"), "-o", str(tmp_path / "b"), "--set",
         "process.pdk=gf180mcu", "--set", "sizing.bounds=warn"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert bad.returncode == 2
    assert len(error_lines(bad.stderr)) == 1 and "process.pdk" in bad.stderr
    assert not (tmp_path / "b").exists()


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _same_text(a: str, b: str, rel: float = 1e-7) -> bool:
    """Equal but for the last printed digits of numbers (a linear solve's last digits
    follow the CPU's BLAS kernels; a 9-digit value may round either way)."""
    if _NUMBER.split(a) != _NUMBER.split(b):
        return False
    na, nb = _NUMBER.findall(a), _NUMBER.findall(b)
    return len(na) == len(nb) and all(
        x == y or math.isclose(float(x), float(y), rel_tol=rel, abs_tol=1e-300)
        for x, y in zip(na, nb, strict=True)
    )


@pytest.mark.parametrize("name", ["multibit", "singlebit"])
def test_committed_netlists_are_current(name):
    committed = NETLISTS / name / f"{name}.cir"
    assert committed.is_file(), "netlists missing: run `make netlists`"
    d = design(name)
    fresh = build_netlist(d, n_cycles=16384, corner=d.spec.process.corner)
    assert _same_text(committed.read_text(), fresh.text), (
        f"netlists/{name}/{name}.cir is stale: run `make netlists` and commit it"
    )
    # The jittered clock's edge table is part of the netlist.
    assert fresh.inputs, "the seed designs have clock jitter: expected an edge table"
    for fname, text in fresh.inputs:
        assert _same_text((NETLISTS / name / fname).read_text(), text), (
            f"netlists/{name}/{fname} is stale: run `make netlists` and commit it"
        )
    expected = {f"{name}.cir", *(f for f, _ in fresh.inputs)}
    assert {p.name for p in (NETLISTS / name).iterdir()} == expected


# ----------------------------------------------------------------- short closed-loop runs


@needs_ngspice
def test_singlebit_closed_loop_short():
    """64 cycles: the loop is closed (alternating +-1 codes, states well inside xlim)."""
    from ctdsm.spice import run_spice

    d = design("singlebit")
    r = run_spice(d, n_cycles=64, fin_hz=1e5, timeout_s=120)
    assert r.stable
    assert set(np.unique(r.v)) <= {-1.0, 1.0}
    assert 10 < np.count_nonzero(np.diff(r.v)) < 63  # toggling, not stuck
    assert np.all(r.xmax < d.spec.architecture.xlim)


@needs_ngspice
def test_multibit_closed_loop_follows_the_behavioral_model():
    """128 cycles: the code is on the 17 levels and, filtered, follows the behavioral one."""
    from ctdsm.spice import run_spice

    d = design("multibit")
    r = run_spice(d, n_cycles=128, fin_hz=2e5, timeout_s=180)
    assert r.stable
    assert np.all(np.abs(r.v) <= 16) and np.all(r.v % 2 == 0)
    beh = ctdsm.simulate(d, 128, r.amplitude_dbfs, None, r.seed, fin_hz=2e5)
    k = np.ones(8) / 8
    a = np.convolve(r.v, k, "valid")[8:]
    b = np.convolve(beh.v, k, "valid")[8:]
    assert np.corrcoef(a, b)[0, 1] > 0.95
    assert np.max(np.abs(a - b)) < 2.0


GF_MODELS = (
    Path(__import__("os").environ.get("PDK_ROOT", str(ROOT.parent / "shared" / "pdk")))
    / "gf180mcuD"
    / "libs.tech"
    / "ngspice"
    / "sm141064.ngspice"
)


@pytest.mark.skipif(not GF_MODELS.is_file(), reason="GF180MCU models not found under PDK_ROOT")
def test_gf180mcu_netlist_uses_the_pdk():
    pdk_root = GF_MODELS.parents[3]
    nl = build_netlist(
        design("singlebit", "process.pdk=gf180mcu"), n_cycles=4096, pdk_root=pdk_root
    )
    assert nl.pdk == "gf180mcu" and nl.spiceinit == ("set ngbehavior=hsa",)
    assert " chgtol=1e-13 " in nl.text  # netlist.CHGTOL_C: 1e-12 cost 1 dB on GF180MCU
    assert f".lib {GF_MODELS.resolve()} typical" in nl.text
    assert str(GF_MODELS.resolve()) in nl.files
    switches = [ln for ln in nl.text.splitlines() if " nfet_03v3 " in ln]
    assert switches and all(ln.startswith("x") for ln in switches)
    # Wide switches are split into fingers within the models' bins (W <= 100 um).
    widths = [float(re.search(r" w=(\S+)", ln).group(1)) for ln in switches]
    assert max(widths) <= 50e-6 and any(" m=" in ln for ln in switches)
    assert "nch_g180" not in nl.text
    # At 3.3 V the full gate drive sizes the zap switches below the models' narrowest bin
    # (0.022 um): drawn at 0.22 um, or ngspice finds no model for them.
    hv = build_netlist(
        design("singlebit", "process.pdk=gf180mcu", "process.vdd_v=3.3"),
        n_cycles=4096,
        pdk_root=pdk_root,
    )
    hv_widths = [float(re.search(r" w=(\S+)", ln).group(1)) for ln in hv.text.splitlines()
                 if " nfet_03v3 " in ln or " pfet_03v3 " in ln]  # fmt: skip
    assert min(hv_widths) == pytest.approx(0.22e-6)
    # An r_dac at 1.8 V references: the PMOS (bulk at 3.3 V) barely conducts at a 1.2 V
    # VREFP, its estimate exceeds R_u, and the trimmed resistor would be negative: refused
    # with the field, not written (it was a math domain error in the noise source).
    rdac = design("singlebit", "process.pdk=gf180mcu", "dac.type=r_dac", "architecture.eld=0")
    with pytest.raises(SpecError, match="process: netlist resistor ru0p"):
        build_netlist(rdac, n_cycles=4096, pdk_root=pdk_root)


# ------------------------------------------------------------------- digital timing


def test_jitter_moves_the_dac_clock_edges():
    """The logic clocks are one d_source reading a table; with impairments.jitter_rms_s the
    DAC's clock edges in it are drawn from the seed, without it they are nominal."""
    for name, node in (("singlebit", "dclke"), ("multibit", "clk_r")):
        d = design(name)
        T = 1 / d.fs_hz
        nl = build_netlist(d, n_cycles=256, fin_hz=1e5)
        assert [f for f, _ in nl.inputs] == [f"{name}_clocks.txt"]
        assert re.search(rf"^asrc_\S+ \[[^]]*\b{node}\b[^]]*\] src_\S+$", nl.text, re.M)
        outputs = re.search(r"^asrc_\S+ \[([^]]*)\]", nl.text, re.M).group(1).split()
        col = 1 + outputs.index(node)
        rows = [ln.split() for ln in dict(nl.inputs)[f"{name}_clocks.txt"].splitlines()]
        t = np.array([float(r[0]) for r in rows])
        st = np.array([r[col] for r in rows])
        edges = t[1:][st[1:] != st[:-1]]  # this clock's edges
        dev = np.diff(edges) - 0.5 * T
        assert edges.size > 500
        assert 0.5 * 0.3e-12 < np.std(dev) < 2 * 0.3e-12 * np.sqrt(2)
        again = build_netlist(d, n_cycles=256, fin_hz=1e5, seed=2).inputs
        assert again != nl.inputs  # drawn from the seed
        off = build_netlist(design(name, "impairments.jitter_rms_s=off"), n_cycles=256, fin_hz=1e5)
        rows = [ln.split() for ln in dict(off.inputs)[f"{name}_clocks.txt"].splitlines()]
        t = np.array([float(r[0]) for r in rows])
        st = np.array([r[col] for r in rows])
        edges = t[1:][st[1:] != st[:-1]]
        assert np.allclose(np.diff(edges), 0.5 * T, rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------- noise


def _noise_table(nl) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray, float]:
    """(source node pairs, scales, samples in volts (rows x sources), dt) of a netlist."""
    block = nl.text.split("anoise %vd([")[1]
    ports, model = block.split("]) noisetab")
    pairs = [tuple(ln[1:].split()) for ln in ports.strip().splitlines() if ln.strip("+ ")]
    scales = np.array(
        [float(ln[1:]) for ln in model.split("amplscale=[")[1].split("]")[0].splitlines()
         if ln.strip("+ ")]
    )  # fmt: skip
    dt = float(re.search(r"timescale=(\S+)", model).group(1))
    name = re.search(r'file="([^"]+)"', model).group(1)
    rows = np.loadtxt(dict(nl.inputs)[name].splitlines(), comments="#", dtype=np.int64)
    assert np.array_equal(rows[:, 0], np.arange(len(rows)))  # row k at k dt
    return pairs, scales, rows[:, 1:] * scales, dt


def test_noise_table_has_the_sized_densities_and_comes_from_the_seed():
    """One column per noise source: each resistor's 4 k T R and each opamp's e_n^2 as the
    white density 2 dt sigma^2 of samples linearly interpolated every dt, the first opamp's
    1/f noise with the spec's corner; drawn from the seed (the same table twice, another
    with another seed); the table covers the whole transient."""
    from ctdsm.constants import K_BOLTZMANN
    from ctdsm.models.impairments import resolve_impairments

    d = design("singlebit_fb5")
    n = 16384
    nl = build_netlist(d, n_cycles=n, noise_source="table")
    assert "trnoise" not in nl.text and _lines(nl.text, ".model noisetab filesource(")
    pairs, _, x, dt = _noise_table(nl)
    assert dt == pytest.approx(1 / d.fs_hz)
    assert x.shape == (len(x), len(pairs)) and (len(x) - 1) * dt > nl.t_stop_s
    rlines = [ln.split() for ln in nl.text.splitlines() if re.match(r"r\S+ \S+ \S+ \S+$", ln)]
    resistors = {f[2]: float(f[3]) for f in rlines}
    kt = K_BOLTZMANN * (d.spec.process.temp_c + 273.15)
    n_res = 0
    for j, (a, b) in enumerate(pairs):
        if a.startswith("nzop"):
            i = int(a[4:-1]) - 1
            density = d.sizing.opamp_en_v_rthz[i] ** 2
        else:
            density = 4 * kt * resistors[a]  # the resistor ends on this source's node a
            n_res += 1
        sigma = np.sqrt(density / (2 * dt))
        if a == "nzop1a":  # white + 1/f: the flicker part adds low-frequency power
            f, p = __import__("scipy.signal", fromlist=["welch"]).welch(
                x[:, j], fs=1 / dt, nperseg=2048
            )
            corner = resolve_impairments(d.spec.impairments.to_engine()).flicker_corner_hz
            band = (f > 2 * f[1]) & (f < 0.25 * corner)
            ratio = np.mean(p[band] / (density * (1 + corner / f[band])))
            assert 0.75 < ratio < 1.33, ratio  # 14 bins of 15 segments: +-8 %
            continue
        # 16384 samples: the sample standard deviation is within 5 % (9 sigma).
        assert np.std(x[:, j]) == pytest.approx(sigma, rel=0.05), (a, b)
    # Every resistor has its source (``r<x> a n<x> R`` with a column at ``n<x>``).
    noisy = {f[0] for f in rlines if f[2] == "n" + f[0][1:]}
    assert n_res == len(noisy) > 20 and {"n" + r[1:] for r in noisy} <= {a for a, _ in pairs}
    again = build_netlist(d, n_cycles=n, noise_source="table").inputs
    assert again == nl.inputs
    other = dict(build_netlist(d, n_cycles=n, seed=2, noise_source="table").inputs)
    assert other["singlebit_fb5_noise.txt"] != dict(nl.inputs)["singlebit_fb5_noise.txt"]
    quiet = build_netlist(
        design("singlebit_fb5", "impairments.thermal_noise=false"), n_cycles=n, noise_source="table"
    )
    assert "anoise" not in quiet.text and len(quiet.inputs) == 1
    with pytest.raises(CtdsmError, match="noise_source"):
        build_netlist(d, n_cycles=n, noise_source="thermal")


@needs_ngspice
def test_noise_source_drives_the_table_and_runs_repeat():
    """In ngspice each noise source's voltage is its column, linearly interpolated between
    rows (checked at every time step of a 24-cycle run); and two runs of one netlist give
    the same codes and states to the last bit (ngspice's own trnoise cannot be seeded)."""
    from ctdsm.spice import run_spice

    d = design("singlebit")
    pairs = [("nr1_up", "vgp1"), ("nzop2a", "nzop2b"), ("nu0ap", "u0asp")]
    nl, t, tab = _gate_waveforms(d, [f"v({a},{b})" for a, b in pairs], noise_source="table")
    all_pairs, _, x, dt = _noise_table(nl)
    for a, b in pairs:
        j = all_pairs.index((a, b))
        want = np.interp(t, np.arange(len(x)) * dt, x[:, j])
        got = tab[f"v({a},{b})"]
        assert np.max(np.abs(got - want)) < 1e-6 * np.max(np.abs(x[:, j])), (a, b)
    r1 = run_spice(d, n_cycles=64, fin_hz=1e5, timeout_s=120, noise_source="table")
    r2 = run_spice(d, n_cycles=64, fin_hz=1e5, timeout_s=120, noise_source="table")
    assert np.array_equal(r1.v, r2.v) and np.array_equal(r1.xmax, r2.xmax)


def test_jitter_too_large_for_the_clock_names_the_field():
    with pytest.raises(SpecError, match="impairments.jitter_rms_s"):
        build_netlist(design("singlebit_fb5", "impairments.jitter_rms_s=1e-8"), n_cycles=2048)


def test_every_digital_delay_is_set():
    """XSPICE's delays default to 1 ns: a bridge or latch without explicit delays would make
    the DAC data lag the analog phases by nanoseconds (it once did, by 2 ns)."""
    for name in ("multibit", "singlebit"):
        text = build_netlist(design(name), n_cycles=4096).text
        # The XSPICE digital and bridge cards: ".model NAME d_xxx(...)" / "..._bridge(...)".
        models = [
            ln
            for ln in text.splitlines()
            if re.match(r"\.model \S+ (d_\w+|adc_bridge|dac_bridge)\(", ln)
            and "d_source(" not in ln  # a source: its events are the table's times
        ]
        assert len(models) >= 8
        for ln in models:
            if "dac_bridge" in ln:
                assert "t_rise=" in ln and "t_fall=" in ln, ln
            else:
                assert "rise_delay=" in ln and "fall_delay=" in ln, ln
                delays = [float(v) for v in re.findall(r"(?:rise|fall|clk)_delay=([0-9.e+-]+)", ln)]
                assert max(delays) <= 60e-12, ln


def _crossings(t: np.ndarray, v: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Times at which ``v`` crosses ``level`` (linear interpolation) and their directions."""
    s = np.sign(v - level)
    i = np.nonzero(s[:-1] * s[1:] < 0)[0]
    tc = t[i] + (level - v[i]) * (t[i + 1] - t[i]) / (v[i + 1] - v[i])
    return tc, s[i + 1]


def _gate_waveforms(d: ctdsm.Design, vectors: list[str], n_cycles: int = 24, **kwargs):
    """Run the netlist without output interpolation, writing ``vectors`` at every step:
    ``(netlist, time, table)``."""
    from ctdsm.spice.runner import run_ngspice

    nl = build_netlist(d, n_cycles=n_cycles, fin_hz=1e5, **kwargs)
    text = nl.text.replace(".options interp", ".options")
    text = re.sub(r"^wrdata .*$", "wrdata gates.txt " + " ".join(vectors), text, flags=re.M)
    table = run_ngspice(text, timeout_s=120, inputs=dict(nl.inputs)).tables["gates.txt"]
    t = table["scale"] if "scale" in table else table[next(iter(table))]
    return nl, t, table


@needs_ngspice
def test_rto_gates_switch_once_per_edge_at_the_dac_instants():
    """Single-bit zapped dual RTO: each half's steering gates cross mid-supply only at the DAC
    clock edges t_n + t0 T and t_n + (t0 + 1/2) T (+- 2 ps), never in between (no logic
    glitch); the reference switches close after them and open before them, one edge time
    apart."""
    d = design("singlebit")
    t0 = float(np.asarray(d.tdac)[1, 0])
    nl, t, tab = _gate_waveforms(d, ["v(g0a)", "v(gb0a)", "v(g0b)", "v(gb0b)", "v(pha)", "v(phb)"])
    T = 1 / d.fs_hz
    half = 0.5 * 1.8
    edges = nl.t_first_sample_s + (np.arange(nl.n_cycles) + t0) * T
    edges = np.sort(np.concatenate([edges, edges + 0.5 * T]))
    for h in "ab":
        on, _ = _crossings(t, tab[f"v(g0{h})"], half)
        off, _ = _crossings(t, tab[f"v(gb0{h})"], half)
        cross = np.sort(np.concatenate([on, off]))
        # The start from .ic is not an edge, nor are those after the last code's.
        cross = cross[(cross > edges[0] - 0.25 * T) & (cross < edges[-1] + 0.25 * T)]
        assert len(cross) > nl.n_cycles  # the gates do switch
        dist = np.min(np.abs(cross[:, None] - edges[None, :]), axis=1)
        assert np.max(dist) < 2e-12, f"half {h}: a gate edge {np.max(dist):.3g} s off the DAC edges"
    # Each half's reference switch is on inside its steering window: it closes one edge
    # (50 ps) after the steering closes and opens one edge before the steering opens, the
    # same for both halves (equal logic depth: the ramps meet at shared breakpoints).
    for ph in ("v(pha)", "v(phb)"):
        ref, rising = _crossings(t, tab[ph], half)
        keep = (ref > edges[0] - 0.25 * T) & (ref < edges[-1] + 0.25 * T)
        ref, rising = ref[keep], rising[keep]
        nearest = edges[np.argmin(np.abs(ref[:, None] - edges[None, :]), axis=1)]
        lag = ref - nearest
        assert np.all(np.abs(lag[rising > 0] - 50e-12) < 2e-12), ph
        assert np.all(np.abs(lag[rising < 0] + 50e-12) < 2e-12), ph
        assert np.count_nonzero(rising > 0) >= nl.n_cycles - 2


@needs_ngspice
def test_vgs_r_steering_pairs_are_complementary_and_glitch_free():
    """Multi-bit vgs_r with DWA: every element's two gates cross together (within 1 ps), at
    most once per clock, right after the sampling instant (the retimed DWA output)."""
    d = design("multibit")
    vecs = [f"v(g{k})" for k in range(4)] + [f"v(gb{k})" for k in range(4)]
    nl, t, tab = _gate_waveforms(d, vecs)
    T = 1 / d.fs_hz
    samples = nl.t_first_sample_s + np.arange(nl.n_cycles) * T
    n_edges = 0
    for k in range(4):
        a, sa = _crossings(t, tab[f"v(g{k})"], 0.9)
        b, sb = _crossings(t, tab[f"v(gb{k})"], 0.9)
        # From the second clock on (the drivers start from their initial state).
        sa, a = sa[a > samples[1]], a[a > samples[1]]
        sb, b = sb[b > samples[1]], b[b > samples[1]]
        assert len(a) == len(b)
        assert np.max(np.abs(a - b)) < 1e-12 and np.all(sa == -sb)
        # One transition at most per clock, 50-150 ps after the sampling instant.
        k_clock = np.floor((a - samples[0]) / T)
        assert len(np.unique(k_clock)) == len(a)
        delay = a - samples[0] - k_clock * T
        assert np.all((delay > 50e-12) & (delay < 150e-12))
        n_edges += len(a)
    assert n_edges > 8  # DWA rotates the elements
