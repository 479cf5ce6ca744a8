"""A worker that dies in the middle of a sweep is an environment failure (ResourceError,
exit 1, one line), for local worker processes and for a Dask cluster."""

from __future__ import annotations

import os

import pytest

from ctdsm.errors import ResourceError
from ctdsm.sweeps.backends import DaskBackend, LocalBackend


def die(job):  # a job that takes its worker process down
    os._exit(17)


class _Job:
    index = 0


def test_local_worker_death_is_a_resource_error():
    with pytest.raises(ResourceError, match="worker: a local worker process died"):
        with LocalBackend(1) as be:
            be.run([_Job()], fn=die)


def test_lost_dask_worker_is_a_resource_error(monkeypatch):
    distributed = pytest.importorskip("distributed")
    from distributed.scheduler import KilledWorker

    def as_completed(*_a, **_k):
        raise KilledWorker("ctdsm-sweep-x-0", "tcp://127.0.0.1:1", allowed_failures=3)
        yield  # pragma: no cover - a generator, as distributed's

    class _Client:
        loop = None

        def map(self, fn, jobs, key, pure):
            return [type("F", (), {"key": k})() for k in key]

        def cancel(self, futures):
            self.cancelled = futures

    monkeypatch.setattr(distributed, "as_completed", as_completed)
    be = DaskBackend.__new__(DaskBackend)
    be._scheduler, be._client = "tcp://127.0.0.1:8786", _Client()
    with pytest.raises(ResourceError, match="lost a worker or the scheduler .KilledWorker"):
        be.run([_Job()])
    assert len(be._client.cancelled) == 1


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_dask_worker_killed_by_its_job_is_a_resource_error():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with DaskBackend(cluster.scheduler_address) as be:
            with pytest.raises(ResourceError, match="lost a worker"):
                be.run([_Job()], fn=die)
