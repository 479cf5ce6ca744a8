"""Outputs of `ctdsm spice` (ctdsm/spice/report.py), from a stand-in run (no ngspice)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

import ctdsm
from ctdsm.spice.closed_loop import SpiceResult
from ctdsm.spice.report import spice_outputs, write_spice_outputs

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def _design():
    return ctdsm.synthesize(ctdsm.load_spec(ROOT / "designs" / "singlebit.yaml"))


def _stand_in(n: int = 4096) -> SpiceResult:
    """A SpiceResult carrying an ideal behavioral run's codes."""
    d = _design()
    r = ctdsm.simulate(d, n, None, "ideal", 1)
    return SpiceResult(
        v=r.v, fs_hz=r.fs_hz, bw_hz=r.bw_hz, f0_hz=r.f0_hz, fin_hz=r.fin_hz,
        amplitude_dbfs=r.amplitude_dbfs, levels=r.levels, n_samples=n, seed=1, stable=True,
        full_scale_v=r.full_scale_v, xmax=np.array([0.5] * d.order), name=d.name,
        elapsed_s=1.5, log_path=None, workdir=None, pdk="generic180",
    )  # fmt: skip


def test_outputs_have_the_contract_keys(tmp_path):
    res = _stand_in()
    outputs = spice_outputs(_design(), res)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "netlist.cir").write_text("* n\n")
    (run_dir / "ngspice.log").write_text("log\n")
    path = write_spice_outputs(tmp_path / "out", outputs, run_dir)
    m = json.loads(path.read_text())
    for key in ("sndr_db", "snr_db", "thd_db", "sfdr_db", "hd2_db", "hd3_db", "fin_hz",
                "amplitude_dbfs", "bw_hz", "fs_hz", "n_samples", "stable",
                "behavioral_sndr_db", "behavioral_snr_db", "behavioral_thd_db", "elapsed_s",
                "pdk"):  # fmt: skip
        assert key in m, key
    assert m["engine"] == "ngspice" and m["elapsed_s"] == 1.5 and m["pdk"] == "generic180"
    # The stand-in is an ideal run; the behavioral twin has the default impairments.
    assert m["sndr_db"] > m["behavioral_sndr_db"] > 90
    z = np.load(tmp_path / "out" / "spice.npz")
    assert set(z.files) >= {"v_spice", "v_behavioral", "fs_hz", "fin_hz", "bw_hz", "levels"}
    assert np.array_equal(z["v_spice"], res.v) and z["v_behavioral"].shape == res.v.shape
    assert (tmp_path / "out" / "psd_overlay.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "out" / "ngspice" / "ngspice.log").is_file()
    assert not run_dir.exists()
