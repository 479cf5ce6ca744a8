"""Backends: the same rows bit for bit in this process, on 1 or 2 local worker processes and
on a loopback Dask LocalCluster; single-threaded workers; one-line connection errors."""

import os
from pathlib import Path

import pytest

from ctdsm.errors import CtdsmError, ResourceError
from ctdsm.sweeps import sweep
from ctdsm.sweeps.backends import DaskBackend, LocalBackend, SerialBackend, make_backend
from ctdsm.sweeps.jobs import SINGLE_THREAD_ENV

# One design (synthesis dominates the cost; several designs per worker: tests/sweeps/test_jobs.py),
# two amplitudes and two impairment settings, two Monte Carlo seeds each.
AXES = {"amplitude_dbfs": [-20, -10], "impairments.jitter_rms_s": [0, 2e-12]}


@pytest.fixture(scope="module")
def spec_path():
    return Path(__file__).resolve().parents[2] / "designs" / "singlebit.yaml"


@pytest.fixture(scope="module")
def reference(spec_path):
    return sweep(spec_path, AXES, n_samples=4096, mc_runs=2, seed=5, workers=0)


def test_reference_is_a_real_sweep(reference):
    assert len(reference.rows) == 2 * 2 * 2
    stable = [r for r in reference.rows if r["stable"]]
    assert stable, "no stable run at -20/-10 dBFS"
    assert all(40 < r["sndr_db"] < 140 for r in stable)
    assert all(r["sndr_db"] is None for r in reference.rows if not r["stable"])
    sndr = [r["sndr_db"] for r in stable]
    assert len(set(sndr)) == len(sndr)  # every run is a different simulation
    assert reference.meta["backend"] == "serial"


def test_one_local_process_gives_identical_rows(spec_path, reference):
    res = sweep(spec_path, AXES, n_samples=4096, mc_runs=2, seed=5, workers=1)
    assert res.meta["backend"] == "local" and res.meta["workers"] == 1
    assert res.results() == reference.results()


def test_dask_local_cluster_gives_identical_rows(spec_path, reference, monkeypatch):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        # By address, as the CLI's --scheduler does, with no default client in this process.
        addr = cluster.scheduler_address
        res = sweep(spec_path, AXES, n_samples=4096, mc_runs=2, seed=5, scheduler=addr)
        assert res.meta["backend"] == "dask" and res.meta["workers"] == 2
        assert res.results() == reference.results()
        # A connected client, reused for a second sweep: same rows again.
        with distributed.Client(cluster) as client:
            with DaskBackend(client) as be:
                again = sweep(spec_path, AXES, n_samples=4096, mc_runs=2, seed=5, backend=be)
                assert len({i["pid"] for i in be.info()}) == 2
            assert again.results() == reference.results()
            assert client.status == "running"  # a given client is not closed
        # Workers running another ctdsm version are refused (results could differ).
        import ctdsm._version

        monkeypatch.setattr(ctdsm._version, "__version__", "0.0.other")
        with pytest.raises(CtdsmError) as info, DaskBackend(addr):
            pass
        assert str(info.value).startswith(f"--scheduler {addr}: workers run ctdsm [")
        assert str(info.value).endswith(
            "this is 0.0.other; install the same version on the workers"
        )
        assert isinstance(info.value, ResourceError)


@pytest.fixture(scope="module")
def local2():
    before = {k: os.environ.get(k) for k in SINGLE_THREAD_ENV}
    with LocalBackend(2) as be:
        # The parent's environment is untouched by the workers' single-thread settings.
        assert {k: os.environ.get(k) for k in SINGLE_THREAD_ENV} == before
        yield be


def test_two_single_threaded_local_processes_give_identical_rows(spec_path, reference, local2):
    infos = local2.info()
    assert len({i["pid"] for i in infos}) == 2
    assert all(i["numba_threads"] == 1 for i in infos)
    assert all(i["NUMBA_NUM_THREADS"] == "1" and i["OMP_NUM_THREADS"] == "1" for i in infos)
    from ctdsm.design.spec import load_spec

    pids = local2.warm(load_spec(spec_path).to_dict(), [()])
    assert sorted(pids) == sorted(i["pid"] for i in infos)  # every worker warmed
    res = sweep(spec_path, AXES, n_samples=4096, mc_runs=2, seed=5, backend=local2)
    assert res.meta["backend"] == "local" and res.meta["workers"] == 2
    assert res.results() == reference.results()


def test_a_failing_point_in_a_worker_is_one_line(spec_path, local2):
    # Valid spec, but the engine refuses a chopper period that is not whole clock periods.
    axes = {"chopper.f_chop_hz": [3.3e6]}
    with pytest.raises(CtdsmError) as info:
        sweep(spec_path, axes, overrides=["chopper.enabled=true"], n_samples=4096, backend=local2)
    msg = str(info.value)
    assert msg.startswith("sweep point chopper.f_chop_hz=3300000.0, seed=")
    assert "whole number of clock periods" in msg and "\n" not in msg
    # The pool survives a failed sweep.
    assert len(sweep(spec_path, None, mc_runs=2, n_samples=4096, backend=local2).rows) == 2


def test_unreachable_scheduler_is_one_line():
    pytest.importorskip("distributed")
    with pytest.raises(CtdsmError) as info, DaskBackend("tcp://127.0.0.1:1", timeout_s=1):
        pass
    msg = str(info.value)
    assert msg.startswith("--scheduler tcp://127.0.0.1:1: no Dask scheduler reachable")
    assert "\n" not in msg


def test_backend_choice():
    assert isinstance(make_backend(0), SerialBackend)
    assert isinstance(make_backend(3), LocalBackend) and make_backend(3).workers == 3
    assert make_backend(None).workers == (os.cpu_count() or 1)
    assert isinstance(make_backend(None, "tcp://x:1"), DaskBackend)
    with pytest.raises(CtdsmError, match="--workers: not with --scheduler"):
        make_backend(2, "tcp://x:1")
    with pytest.raises(CtdsmError, match="--workers: -1 must be >= 0"):
        make_backend(-1)


def test_scheduler_without_workers_is_one_line():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        addr = cluster.scheduler_address
        with pytest.raises(CtdsmError) as info, DaskBackend(addr, timeout_s=1):
            pass
    assert str(info.value) == (
        f"--scheduler {addr}: no worker joined within 1 s; start workers with `dask worker ADDRESS`"
    )
    assert isinstance(info.value, ResourceError)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "empty address"),
        ("   ", "empty address"),
        ("foo:bar", "expected host:port"),
        ("localhost", "expected host:port"),
        ("tcp://host:0", "expected host:port"),
        ("tcp://host:70000", "expected host:port"),
        ("http://host:8786", "unknown scheme 'http'"),
    ],
)
def test_malformed_scheduler_is_a_one_line_error_before_any_client(address, reason):
    from ctdsm.sweeps.backends import check_scheduler_address

    with pytest.raises(CtdsmError, match=reason):
        check_scheduler_address(address, timeout_s=1.0)


def test_unreachable_scheduler_is_one_line_and_fast(tmp_path, spec_path):
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:  # a port nobody listens on (bound, then released)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "ctdsm", "sweep", str(spec_path),
         "-o", str(tmp_path / "o"), "--axis", "amplitude_dbfs=-6", "-q",
         "--scheduler", f"tcp://127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1  # the environment: a well-formed address nobody serves
    assert done.stderr.strip().splitlines() == [
        f"error: --scheduler tcp://127.0.0.1:{port}: no Dask scheduler reachable (Connection "
        "refused); start one with `dask scheduler` or check the address"
    ]
    assert time.monotonic() - t0 < 30  # no 20 s wait for a half-made client to close
    assert not (tmp_path / "o").exists()
