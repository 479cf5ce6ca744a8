"""ctdsm report: the HTML and its figures, metrics.json, the ngspice overlay, atomic output.

One short report is built per session (``short_report`` in conftest.py); the tests write it
with :func:`ctdsm.reporting.report` and the CLI, with ``compute.build_report`` patched to
return it.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import ctdsm
from ctdsm.cli import main
from ctdsm.errors import CtdsmError
from ctdsm.reporting import compute, figures, index_markdown, load_spice, report, write_index
from tests.lines import error_lines

ROOT = Path(__file__).resolve().parents[2]
N = 4096
SIMULATE_KEYS = {
    "sndr_db", "snr_db", "thd_db", "sfdr_db", "hd2_db", "hd3_db", "fin_hz", "amplitude_dbfs",
    "bw_hz", "fs_hz", "n_samples", "stable",
}  # fmt: skip


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CTDSM_DEBUG", None)
    return env


@pytest.fixture
def cached(short_report, monkeypatch):
    """``report()`` writes the session's short report instead of simulating again."""
    design, data, sp = short_report
    seen: dict = {}

    def build(design_, **kwargs):
        seen.update(kwargs)
        return data

    monkeypatch.setattr(compute, "build_report", build)
    return design, data, sp, seen


@pytest.fixture(scope="module")
def written(short_report, tmp_path_factory):
    """The short report written once by ``report()`` (with the synthetic spice run)."""
    design, data, sp = short_report
    out = tmp_path_factory.mktemp("written") / "rep"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(compute, "build_report", lambda *a, **k: data)
        path = report(design, out, spice_dir=sp)
    return out, path, data, sp


def test_report_html_has_its_figures_and_sections(written):
    out, path, _, _ = written
    assert path == out / "report.html"
    html = path.read_text()
    srcs = re.findall(r'<img src="([^"]+)"', html)
    assert len(srcs) >= 4
    assert len(set(srcs)) == len(srcs)
    for src in srcs:
        png = out / src
        assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG", src
    for word in ("SNDR", "PSD", "NTF", "STF", "SFDR", "THD", "noise budget", "DR"):
        assert word in html, word
    # Nothing but the report's own files, no staging directory left behind.
    assert {p.name for p in out.iterdir()} == set(srcs) | {
        "report.html",
        "metrics.json",
        "run.json",
    }
    assert [p.name for p in out.parent.iterdir()] == ["rep"]


def test_report_tables_show_the_design(written, short_report):
    design = short_report[0]
    html = written[0].joinpath("report.html").read_text()
    sz = design.sizing
    assert f"{sz.r_in_ohm / 1e3:.4g}" in html  # input resistor, kOhm
    assert f"{design.abcdc[0, 0]:.5g}" in html or design.abcdc[0, 0] == 0
    for src in sz.noise:
        assert f"<td>{src.name}</td>" in html
    assert f"{design.fs_hz / 1e6:g} MHz" in html


def test_metrics_json_is_the_simulation_it_reports(written, short_report):
    design = short_report[0]
    m = json.loads((written[0] / "metrics.json").read_text())
    assert SIMULATE_KEYS <= set(m)
    assert m["n_samples"] == N and m["seed"] == 3 and m["name"] == "singlebit"
    # The same run done independently gives the same numbers (reproducible from the seed).
    again = ctdsm.analyze(ctdsm.simulate(design, N, None, None, 3))
    assert m["sndr_db"] == pytest.approx(again.sndr_db, abs=1e-9)
    assert m["fin_hz"] == again.fin_hz
    sw = m["sweep"]
    assert len(sw["amplitudes_dbfs"]) == len(sw["sndr_db"]) == len(sw["stable"])
    assert m["peak_sndr_db"] == max(x for x in sw["sndr_db"] if x is not None)
    assert m["max_stable_amplitude_dbfs"] <= 0
    assert m["dr_db"] > 60  # a working modulator, even from 4096-sample runs
    assert len(m["chopping"]["f_chop_hz"]) >= 5
    assert m["spice"]["engine"] == "ngspice"


def test_report_metrics_have_the_keys_of_simulate(written, tmp_path):
    result = CliRunner().invoke(
        main, ["simulate", "designs/singlebit.yaml", "-o", str(tmp_path / "s"), "-q",
               "--samples", "4096"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sim_keys = set(json.loads((tmp_path / "s" / "metrics.json").read_text()))
    assert sim_keys <= set(json.loads((written[0] / "metrics.json").read_text()))


def test_spice_overlay_from_a_spice_run(written):
    from ctdsm.analysis import spectrum_metrics

    out, _, _, sp = written
    html = (out / "report.html").read_text()
    assert '<img src="psd_spice_overlay.png"' in html and (out / "psd_spice_overlay.png").is_file()
    data = load_spice(sp)
    for key in ("v_spice", "v_behavioral"):
        m = spectrum_metrics(data[key], data["fs_hz"], data["fin_hz"], data["bw_hz"])
        assert f"<td>{m.sndr_db:.1f}</td>" in html
    assert "engine ngspice, pdk generic180" in html


def test_spice_dir_defaults_to_the_output_dir(cached, tmp_path):
    design, _, sp, seen = cached
    report(design, sp)
    assert seen["spice"]["v_spice"].shape == load_spice(sp)["v_spice"].shape
    report(design, tmp_path / "plain")
    assert seen["spice"] is None


def test_bad_spice_npz_is_one_line_and_writes_nothing(tmp_path):
    sp = tmp_path / "sp"
    sp.mkdir()
    np.savez(sp / "spice.npz", v_spice=np.zeros(100), fs_hz=1.0)
    with pytest.raises(CtdsmError, match="missing v_behavioral, fin_hz, bw_hz, levels"):
        load_spice(sp)
    with pytest.raises(CtdsmError, match="no spice.npz"):
        load_spice(tmp_path)
    (sp / "spice.npz").write_text("not a zip")
    with pytest.raises(CtdsmError, match="not a readable .npz"):
        load_spice(sp)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["report", "designs/singlebit.yaml", "-o", str(out), "--spice", str(sp), "-q"]
    )
    assert result.exit_code == 2
    lines = error_lines(result.output)
    assert len(lines) == 1 and "spice.npz: not a readable" in lines[0], result.output
    assert not out.exists()


def test_a_failing_write_leaves_no_partial_report(cached, tmp_path, monkeypatch):
    design = cached[0]
    real_save = figures.save_png
    calls = []

    def save_then_fail(fig, path, dpi=100):
        calls.append(path)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_save(fig, path, dpi)

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    monkeypatch.setattr(figures, "save_png", save_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        report(design, out)
    assert len(calls) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # the staging directory is gone
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_report_rejects_a_file_as_output(short_report, tmp_path):
    f = tmp_path / "file"
    f.write_text("")
    with pytest.raises(CtdsmError, match="not a directory"):
        report(short_report[0], f)


def test_index_table_is_generated_from_the_metrics(written, tmp_path):
    out = written[0]
    m = json.loads((out / "metrics.json").read_text())
    idx = tmp_path / "idx"
    idx.mkdir()
    with pytest.raises(CtdsmError, match="no \\*/metrics.json"):
        index_markdown(idx)
    (idx / "sb").mkdir()
    (idx / "sb" / "metrics.json").write_text((out / "metrics.json").read_text())
    text = write_index(idx).read_text()
    row = next(line for line in text.splitlines() if line.startswith("| [sb]"))
    assert f"| {m['sndr_db']:.1f} |" in row and f"| {m['dr_db']:.1f} |" in row
    assert "(sb/report.html)" in row


def test_cli_report_prints_the_headline(cached, tmp_path):
    out = tmp_path / "r"
    result = CliRunner().invoke(
        main, ["report", "designs/singlebit.yaml", "-o", str(out), "--samples", "4096",
               "--seed", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert cached[3]["n_samples"] == 4096 and cached[3]["seed"] == 3
    m = json.loads((out / "metrics.json").read_text())
    assert f"SNDR {m['sndr_db']:.1f} dB" in result.output
    assert f"DR {m['dr_db']:.1f} dB" in result.output and "wrote" in result.output


def test_ctdsm_report_is_the_function_in_any_import_order():
    """``ctdsm.report`` is the lazily exported function; importing the deprecated module
    ``ctdsm.report`` rebinds the attribute to that module, which is callable too."""
    new = "import ctdsm, ctdsm.reporting as r; assert ctdsm.report is r.report; print('ok')"
    old = (
        "import ctdsm, ctdsm.reporting as r, ctdsm.report as m; from ctdsm.report import report; "
        "assert callable(ctdsm.report) and callable(m) and m.report is report is r.report; "
        "print('ok')"
    )
    for code in (new, old, "from ctdsm.report import SWEEP_SAMPLES; " + old):
        proc = subprocess.run(
            [sys.executable, "-W", "ignore::DeprecationWarning", "-c", code],
            capture_output=True, text=True, env=_env(),
        )  # fmt: skip
        assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_old_modules_warn_and_re_export():
    code = """
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import ctdsm.plots as old_plots
    import ctdsm.report as old_report
import ctdsm.reporting as new
msgs = [str(w.message) for w in caught if w.category is DeprecationWarning]
assert any(m.startswith("ctdsm.report is deprecated: import from ctdsm.reporting") for m in msgs)
assert any(m.startswith("ctdsm.plots is deprecated: import from ctdsm.reporting.figures")
           for m in msgs)
for name in old_report.__all__:
    assert getattr(old_report, name) is getattr(new, name), name
for name in new.figures.__all__ + ["HANN_NBW_BINS"]:
    assert getattr(old_plots, name) is getattr(new.figures, name), name
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def _wait_cpu_seconds(pid: int, cpu_s: float, timeout_s: float) -> None:
    """Wait until process ``pid`` has used ``cpu_s`` of CPU (Linux /proc; else 8 s of wall)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        time.sleep(8.0)
        return
    tick = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            return
        if (int(fields[11]) + int(fields[12])) / tick >= cpu_s:  # utime + stime
            return
        time.sleep(0.2)


def test_ctrl_c_exits_130_without_output(tmp_path):
    out = tmp_path / "r"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctdsm", "report", "designs/multibit.yaml", "-o", str(out),
         "--samples", str(1 << 22), "-q"],
        cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # SIGINT at its default, as at a terminal (a background test run inherits it ignored)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        # Past the imports and the synthesis (about 3 s of CPU), inside the 4M-sample runs:
        # wait on the process's own CPU time, which a loaded machine does not distort.
        _wait_cpu_seconds(proc.pid, 5.0, timeout_s=120.0)
        assert proc.poll() is None, "the report finished before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert error_lines(err) == ["interrupted; no output was written"]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_unstable_test_amplitude_is_reported_unstable(tmp_path):
    spec = ctdsm.load_spec(ROOT / "designs" / "singlebit.yaml", ["simulation.amplitude_dbfs=0"])
    design = ctdsm.synthesize(spec)
    path = report(design, tmp_path / "r", n_samples=N)
    m = json.loads((path.parent / "metrics.json").read_text())
    assert m["stable"] is False and m["amplitude_dbfs"] == 0
    # The DAC and chopping studies ran at a stable amplitude instead.
    assert m["chopping"]["amplitude_dbfs"] == design.peak_amplitude_dbfs < 0
    assert all(x is not None and x > 60 for x in m["chopping"]["snr_chopped_db"][1:])
    assert "<td>stable</td><td>NO</td>" in path.read_text()


def test_atomic_write_gives_files_the_umask_mode(tmp_path):
    """Written files get 0666 & ~umask like open() (mkstemp alone leaves them 0600)."""
    import os

    from ctdsm.io import _UMASK, atomic_write_text

    p = atomic_write_text(tmp_path / "a.txt", "x")
    assert p.read_text() == "x"
    assert (os.stat(p).st_mode & 0o777) == (0o666 & ~_UMASK)
    assert (os.stat(p).st_mode & 0o044) == (0o044 & ~_UMASK)
