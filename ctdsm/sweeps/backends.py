"""Where sweep jobs run: this process, a local process pool, or a Dask cluster.

Every backend runs :func:`ctdsm.sweeps.jobs.run_job` (or another job function: ``ctdsm explore``
runs :func:`ctdsm.sweeps.explore.run_point`) on each job and hands the rows back in
job order, whatever order they finish in; a job is a pure function of its data, so the rows
do not depend on the backend or the number of workers. A Ctrl-C cancels what has not run,
stops the workers and re-raises :class:`KeyboardInterrupt`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ctdsm import _version
from ctdsm.errors import CtdsmError, ResourceError
from ctdsm.sweeps.jobs import run_job, single_thread_env, warm, worker_info

__all__ = ["Backend", "SerialBackend", "LocalBackend", "DaskBackend", "make_backend"]

Done = Callable[[int], None]
#: What a backend runs on each job: a picklable top-level function of one job, returning its
#: row (:func:`ctdsm.sweeps.jobs.run_job` for sweeps).
JobFn = Callable[[Any], dict[str, Any]]


class Backend:
    """Common interface: a context manager with :meth:`run`, :meth:`warm` and :meth:`info`."""

    name = "backend"
    workers = 1

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers."""

    def run(
        self, jobs: Sequence[Any], done: Done | None = None, fn: JobFn = run_job
    ) -> list[dict[str, Any]]:
        """Run ``fn`` on each job (which has an ``index``); return the rows in job order.

        ``done(k)`` after each job.
        """
        raise NotImplementedError

    def warm(self, spec_data: dict[str, Any], overrides_list: list) -> list[int]:
        """Synthesize ``overrides_list``'s designs and compile the kernels on every worker."""
        raise NotImplementedError

    def info(self) -> list[dict[str, Any]]:
        """:func:`ctdsm.sweeps.jobs.worker_info` of every worker."""
        raise NotImplementedError


class SerialBackend(Backend):
    """Run the jobs one after the other in this process (``workers=0``: debugging, tests)."""

    name = "serial"
    workers = 1

    def run(
        self, jobs: Sequence[Any], done: Done | None = None, fn: JobFn = run_job
    ) -> list[dict[str, Any]]:
        rows = []
        for job in jobs:
            rows.append(fn(job))
            if done:
                done(1)
        return rows

    def warm(self, spec_data: dict[str, Any], overrides_list: list) -> list[int]:
        return [warm(spec_data, overrides_list)]

    def info(self) -> list[dict[str, Any]]:
        return [worker_info()]


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# Worker-process state, set by the pool initializer.
_barrier: Any = None


def _init_worker(barrier: Any) -> None:
    import signal

    global _barrier
    _barrier = barrier
    # Ctrl-C is the parent's to handle: it cancels the sweep and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _meet(timeout_s: float) -> dict[str, Any]:
    # Every worker waits here until all have arrived: n calls reach n distinct workers.
    _barrier.wait(timeout_s)
    return worker_info()


def _warm_and_meet(spec_data: dict[str, Any], overrides_list: list, timeout_s: float) -> int:
    pid = warm(spec_data, overrides_list)
    _barrier.wait(timeout_s)
    return pid


class LocalBackend(Backend):
    """A pool of ``workers`` spawned processes (``concurrent.futures.ProcessPoolExecutor``).

    The workers are started when the backend is entered, each with one thread per
    numerical library (:data:`ctdsm.sweeps.jobs.SINGLE_THREAD_ENV`, set before they import
    numpy or numba), and they ignore SIGINT: a Ctrl-C reaches the parent, which cancels.

    Parameters
    ----------
    workers : int, optional
        Processes (default: ``os.cpu_count()``).
    start_timeout_s : float
        How long starting the workers may take, s.
    """

    name = "local"

    def __init__(self, workers: int | None = None, start_timeout_s: float = 120.0) -> None:
        self.workers = int(workers or os.cpu_count() or 1)
        if self.workers < 1:
            raise CtdsmError(f"--workers: {workers} must be >= 1")
        self._timeout = start_timeout_s
        self._pool: Any = None
        self._children_before: set[Any] = set()

    def __enter__(self) -> LocalBackend:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("spawn")
        # Children that exist before the pool are not ours to stop on a Ctrl-C.
        self._children_before = set(mp.active_children())
        self._barrier = ctx.Barrier(self.workers)
        # Spawned children copy os.environ when they start: set the single-thread
        # variables for exactly that moment (the pool starts them all below).
        with _environ(single_thread_env()):
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=ctx,
                initializer=_init_worker,
                initargs=(self._barrier,),
            )
            try:
                self._infos = self._on_each(_meet, self._timeout)
            except BaseException:
                self.close(cancel=True)
                raise
        return self

    def _on_each(self, fn: Callable[..., Any], *args: Any) -> list[Any]:
        futures = [self._pool.submit(fn, *args) for _ in range(self.workers)]
        return [f.result() for f in futures]

    def close(self, cancel: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if cancel:
            import multiprocessing as mp

            # The pool's own list misses a worker that a Ctrl-C caught between its start and
            # its registration (it would wait at the start barrier and hold the exit): stop
            # every child started since the pool was made.
            procs = set(getattr(pool, "_processes", {}).values())
            procs |= set(mp.active_children()) - self._children_before
            pool.shutdown(wait=False, cancel_futures=True)
            # The pool's feeder thread may be blocked writing queued jobs into a pipe whose
            # reader is about to die; at exit, Python would wait for it to flush (seen once
            # in CI: `interrupted` printed, then no exit within 60 s). Drop the queued data.
            call_queue = getattr(pool, "_call_queue", None)
            if call_queue is not None:
                call_queue.cancel_join_thread()
            for p in procs:  # running jobs are abandoned, not awaited
                p.terminate()
            for p in procs:
                p.join(5)
                if p.is_alive():
                    p.kill()
                    p.join(1)
        else:
            pool.shutdown(wait=True)

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)

    def run(
        self, jobs: Sequence[Any], done: Done | None = None, fn: JobFn = run_job
    ) -> list[dict[str, Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        rows: list[Any] = [None] * len(jobs)
        futures = {self._pool.submit(fn, job): i for i, job in enumerate(jobs)}
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    rows[futures[f]] = f.result()
                    if done:
                        done(1)
        except BrokenProcessPool:
            raise ResourceError(
                "worker",
                "a local worker process died (out of memory or killed); use fewer "
                "--workers or fewer --samples",
            ) from None
        except BaseException:
            for f in pending:
                f.cancel()
            raise
        return rows

    def warm(self, spec_data: dict[str, Any], overrides_list: list) -> list[int]:
        return self._on_each(_warm_and_meet, spec_data, overrides_list, self._timeout)

    def info(self) -> list[dict[str, Any]]:
        return list(self._infos)


class DaskBackend(Backend):
    """A Dask cluster: ``distributed.Client(address)``; or a ``Client`` given directly.

    The workers must import the same ctdsm version (checked on connection). Start them
    with one thread each (``dask worker ADDRESS --nthreads 1 --nworkers N``) for the
    throughput to scale with processes; results are the same either way.

    Parameters
    ----------
    scheduler : str or distributed.Client
        Scheduler address (``tcp://host:8786``) or a connected client.
    timeout_s : float
        Connection timeout, s.
    """

    name = "dask"
    #: Connection timeout when none is given, s.
    DEFAULT_TIMEOUT_S = 10.0

    def __init__(self, scheduler: Any, timeout_s: float | None = None) -> None:
        self._scheduler = scheduler
        self._timeout = self.DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
        self._client: Any = None
        self._own = False

    def __enter__(self) -> DaskBackend:
        try:
            from distributed import Client
        except ImportError:
            raise CtdsmError(
                "--scheduler: Dask is not installed (pip install 'dask[distributed]')"
            ) from None
        if isinstance(self._scheduler, Client):
            self._client = self._scheduler
        else:
            # Vetted before a Client exists: a Client that failed to connect still tries to
            # close at exit and prints a traceback after 20 s.
            check_scheduler_address(str(self._scheduler), self._timeout)
            try:
                self._client = Client(
                    str(self._scheduler), timeout=self._timeout, set_as_default=False
                )
            except (OSError, TimeoutError, ValueError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
                raise ResourceError(
                    f"--scheduler {self._scheduler}", f"cannot connect ({reason})"
                ) from None
            self._own = True
        try:
            # Workers may still be joining a scheduler that was just started.
            self._client.wait_for_workers(1, timeout=self._timeout)
            infos = self._client.run(worker_info)
        except TimeoutError:
            self.close()
            raise ResourceError(
                f"--scheduler {self._scheduler}",
                f"no worker joined within {self._timeout:g} s; start workers with "
                "`dask worker ADDRESS`",
            ) from None
        except BaseException:
            self.close()
            raise
        self._infos = [infos[k] for k in sorted(infos)]
        other = {i["ctdsm_version"] for i in self._infos} - {_version.__version__}
        if other:
            self.close()
            raise ResourceError(
                f"--scheduler {self._scheduler}",
                f"workers run ctdsm {sorted(other)}, this is {_version.__version__}; "
                "install the same version on the workers",
            )
        self.workers = len(self._infos)
        return self

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._own:
            client.close()

    def run(
        self, jobs: Sequence[Any], done: Done | None = None, fn: JobFn = run_job
    ) -> list[dict[str, Any]]:
        from distributed import as_completed
        from distributed.comm import CommClosedError
        from distributed.scheduler import KilledWorker

        tag = uuid.uuid4().hex[:12]
        keys = [f"ctdsm-sweep-{tag}-{job.index}" for job in jobs]
        futures = self._client.map(fn, list(jobs), key=keys, pure=False)
        where = {f.key: i for i, f in enumerate(futures)}
        rows: list[Any] = [None] * len(jobs)
        try:
            # Results come with the completion events: no round trip per future.
            done_iter = as_completed(futures, loop=self._client.loop, with_results=True)
            for f, row in done_iter:
                rows[where[f.key]] = row
                if done:
                    done(1)
        except (KilledWorker, CommClosedError, OSError) as exc:
            self._client.cancel(futures)
            raise ResourceError(
                f"--scheduler {self._scheduler}",
                f"lost a worker or the scheduler ({exc.__class__.__name__}); check the "
                "cluster and run again",
            ) from None
        except BaseException:
            self._client.cancel(futures)
            raise
        return rows

    def warm(self, spec_data: dict[str, Any], overrides_list: list) -> list[int]:
        out = self._client.run(warm, spec_data, overrides_list)
        return [out[k] for k in sorted(out)]

    def info(self) -> list[dict[str, Any]]:
        return list(self._infos)


#: Address schemes whose host:port is probed before connecting, and others Dask knows,
#: passed on as they are (inproc: a scheduler in this process).
_PROBED = ("tcp", "tls")
_OTHER = ("inproc", "ucx", "ws", "wss")


def check_scheduler_address(address: str, timeout_s: float = 5.0) -> tuple[str, int]:
    """``(host, port)`` of a scheduler address (``host:port``, ``tcp://host:port`` or
    ``tls://host:port``), after checking that something listens there (other Dask schemes,
    such as ``inproc://``, pass unchecked with port 0).

    Raises
    ------
    CtdsmError
        Naming ``--scheduler`` and the reason: an empty or malformed address (bad input), or
        no answer at it within ``timeout_s`` (the cluster is not reachable).
    """
    text = address.strip()
    if not text:
        raise CtdsmError("--scheduler: empty address (give host:port, e.g. tcp://host:8786)")
    scheme, _, rest = text.rpartition("://")
    if scheme in _OTHER:
        return rest, 0
    if scheme and scheme not in _PROBED:
        raise CtdsmError(f"--scheduler {address}: unknown scheme {scheme!r} (tcp:// or tls://)")
    host, sep, port_s = rest.rpartition(":")
    host = host.strip("[]")  # an IPv6 literal is written [::1]:8786
    if not sep or not host or not port_s.isdigit() or not 0 < int(port_s) < 65536:
        raise CtdsmError(
            f"--scheduler {address}: expected host:port with a port 1-65535 (e.g. tcp://host:8786)"
        )
    port = int(port_s)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ResourceError(
            f"--scheduler {address}",
            f"no Dask scheduler reachable ({reason}); start one with `dask scheduler` or "
            "check the address",
        ) from None
    return host, port


def make_backend(workers: int | None = None, scheduler: Any = None) -> Backend:
    """The backend for ``workers`` / ``scheduler`` (see :func:`ctdsm.sweeps.sweep`)."""
    if scheduler is not None:
        if workers is not None:
            raise CtdsmError("--workers: not with --scheduler (the cluster has its workers)")
        return DaskBackend(scheduler)
    if workers is not None and workers < 0:
        raise CtdsmError(f"--workers: {workers} must be >= 0")
    if workers == 0:
        return SerialBackend()
    return LocalBackend(workers)
