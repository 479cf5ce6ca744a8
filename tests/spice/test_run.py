"""run_spice and its helpers (ctdsm/spice/closed_loop.py, parse.py, runner.py): reading the
codes, failures as one line, progress."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ctdsm.errors import CtdsmError
from ctdsm.spice.parse import codes_from_table
from tests.lines import error_lines

ROOT = Path(__file__).resolve().parents[2]

needs_ngspice = pytest.mark.skipif(
    shutil.which("ngspice") is None, reason="ngspice not installed (apt-get install ngspice)"
)


class _Nl:
    fs_hz = 1e6
    n_cycles = 4
    code_vector = "v(vcode)"
    t_first_sample_s = 0.5e-6
    read_delay_s = 0.5e-6


def test_codes_from_table_reads_one_code_per_clock():
    T = 1e-6
    t = np.arange(10) * 0.5 * T  # rows every T/2; codes read at t_0 + (n + 1/2) T = (n + 1) T
    code = np.array([0, 0, -1.0, 9, 0.98, 9, -1.01, 9, 1.0, 9])
    v = codes_from_table({"scale": t, "v(vcode)": code}, _Nl())
    assert v.tolist() == [-1.0, 1.0, -1.0, 1.0]
    late = _Nl()
    late.t_first_sample_s = T  # read at (n + 3/2) T
    v = codes_from_table({"scale": np.arange(12) * 0.5 * T, "v(vcode)": np.arange(12.0)}, late)
    assert v.tolist() == [3.0, 5.0, 7.0, 9.0]
    eld = _Nl()
    # A DAC half a period late holds the code from (n + 1/2) T: read at (n + 1) T.
    eld.read_delay_s = T
    v = codes_from_table({"scale": np.arange(12) * 0.5 * T, "v(vcode)": np.arange(12.0)}, eld)
    assert v.tolist() == [3.0, 5.0, 7.0, 9.0]
    with pytest.raises(CtdsmError, match="expected 4 clock samples"):
        codes_from_table({"scale": t[:5], "v(vcode)": code[:5]}, _Nl())


@needs_ngspice
def test_cli_spice_timeout_is_one_line_with_the_log(tmp_path):
    out = tmp_path / "sb"
    proc = subprocess.run(
        [sys.executable, "-m", "ctdsm", "spice", str(ROOT / "designs" / "singlebit.yaml"),
         "-o", str(out), "--cycles", "4096", "--timeout", "1", "-q"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 1  # ngspice is the environment
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and "timed out after 1 s" in lines[0] and "log not kept" in lines[0]
    assert "ctdsm netlist" in lines[0]  # how to get the log without writing outside -o
    assert not out.exists()  # no partial output, and the -o it made is gone again


@needs_ngspice
def test_progress_reports_the_simulated_time():
    import ctdsm
    from ctdsm.spice.netlist import build_netlist
    from ctdsm.spice.runner import run_ngspice

    d = ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / "singlebit.yaml"))
    # Long enough (a few seconds) that ngspice reports its progress more than once; 64
    # cycles could finish between two reports.
    nl = build_netlist(d, n_cycles=512, fin_hz=1e5)
    seen: list[float] = []
    run_ngspice(nl.text, timeout_s=120, inputs=dict(nl.inputs), on_progress=seen.append)
    t_stop = nl.t_stop_s
    assert len(seen) >= 2 and all(b >= a for a, b in zip(seen, seen[1:], strict=False))
    assert 0 < seen[-1] <= t_stop * (1 + 1e-6)
