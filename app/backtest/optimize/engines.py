"""Where optimizer jobs run: a pool of processes on this machine, or a Ray cluster.

Both take the same jobs and yield the same :class:`JobResult` rows as they
finish (in no particular order; the caller ranks them), so the final table is
the same whichever ran it. Each worker receives the bars and base settings
once, then runs jobs one after another (:class:`~app.backtest.optimize.runner.Worker`).
Setting ``stop`` (a :class:`threading.Event`) or closing the iterator ends the
run: the pool's processes are terminated, Ray's tasks cancelled; rows already
yielded stay with the caller.

* :class:`ProcessEngine`: ``multiprocessing``, ``workers`` processes (default:
  every core). The start method is the caller's choice: ``fork`` from the
  command line (a single-threaded process: workers start in milliseconds
  with the backtest already imported), the default *forkserver* from the
  terminal (a server process imports the backtest once and forks the
  workers from itself, never from the caller's Qt threads; *spawn* where
  there is no forkserver). Workers ignore SIGINT: Ctrl+C reaches the caller
  only; SIGTERM (how the pool ends them) has its default action in a worker,
  whatever handler a forking caller had.
* :class:`RayEngine`: ``ray`` (the optional ``cluster`` extra) with one actor
  per CPU of the cluster (or ``workers``), jobs handed out by
  ``ray.util.ActorPool``. ``address="local"`` starts a private local instance;
  any other address joins that cluster and ships Sherwood's code with the job.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

from app.backtest.optimize.runner import Job, JobResult, Worker, full_run
from app.backtest.result import BacktestResult
from app.config import Settings
from app.core.models import Bar

POLL_SECONDS = 0.2  # how often a waiting engine looks at ``stop``


class Engine(Protocol):
    name: str

    def run(
        self,
        stretches: Sequence[Sequence[Bar]],
        base: Settings,
        jobs: Sequence[Job],
        stop: threading.Event | None = None,
    ) -> Iterator[JobResult]: ...


_worker: Worker | None = None  # this pool process's worker (set by its initializer)


def _start_worker(stretches: Sequence[Sequence[Bar]], base: Settings) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the pool ends its workers: not the caller's
    _worker = Worker(stretches, base)


def _run_job(job: Job) -> JobResult:
    assert _worker is not None, "the pool initializer did not run"
    return _worker.run(job)


class ProcessEngine:
    name = "processes"

    def __init__(self, workers: int | None = None, start_method: str | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        methods = multiprocessing.get_all_start_methods()
        if start_method is None or start_method not in methods:
            start_method = "forkserver" if "forkserver" in methods else "spawn"
        self.start_method = start_method

    def run(
        self,
        stretches: Sequence[Sequence[Bar]],
        base: Settings,
        jobs: Sequence[Job],
        stop: threading.Event | None = None,
    ) -> Iterator[JobResult]:
        if not jobs:
            return
        context = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            context.set_forkserver_preload([__name__])  # the workers start with it imported
        size = min(self.workers, len(jobs))
        pool = context.Pool(size, initializer=_start_worker, initargs=(stretches, base))
        try:
            results = pool.imap_unordered(_run_job, jobs, chunksize=1)
            for _ in range(len(jobs)):
                while True:
                    if stop is not None and stop.is_set():
                        return
                    try:
                        yield results.next(timeout=POLL_SECONDS)
                        break
                    except multiprocessing.TimeoutError:
                        continue
            pool.close()
        finally:
            pool.terminate()
            pool.join()


class RayEngine:
    name = "ray"

    def __init__(self, address: str = "local", workers: int | None = None) -> None:
        self.address = address
        self.workers = workers

    def _connect(self) -> Any:
        try:
            import ray
        except ImportError:
            raise RuntimeError(
                'ray is not installed: pip install -e ".[cluster]" (or pip install "ray>=2.40")'
            ) from None
        if ray.is_initialized():
            return ray
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "logging_level": "ERROR"}  # fmt: skip
        if self.address == "local":
            if self.workers:
                options["num_cpus"] = self.workers
            ray.init(**options)
        else:
            import app

            package = os.path.dirname(app.__file__)
            ray.init(address=self.address, runtime_env={"py_modules": [package]}, **options)
        return ray

    def run(
        self,
        stretches: Sequence[Sequence[Bar]],
        base: Settings,
        jobs: Sequence[Job],
        stop: threading.Event | None = None,
    ) -> Iterator[JobResult]:
        if not jobs:
            return
        ray = self._connect()
        from ray.util import ActorPool

        owned = self.address == "local"
        try:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            count = max(1, min(self.workers or cpus, cpus, len(jobs)))
            remote_worker = ray.remote(num_cpus=1)(Worker)
            shared = ray.put(list(stretches))
            actors = [remote_worker.remote(shared, base) for _ in range(count)]
            pool = ActorPool(actors)
            for job in jobs:
                pool.submit(lambda actor, j: actor.run.remote(j), job)
            while pool.has_next():
                if stop is not None and stop.is_set():
                    return
                try:
                    yield pool.get_next_unordered(timeout=POLL_SECONDS)
                except TimeoutError:
                    continue
            for actor in actors:
                ray.kill(actor)
        finally:
            if owned:
                ray.shutdown()


def run_alone(
    bars: Sequence[Bar], settings: Settings, start_method: str | None = None
) -> BacktestResult:
    """:func:`~app.backtest.optimize.runner.full_run` in a child process of its own."""
    context = multiprocessing.get_context(ProcessEngine(1, start_method).start_method)
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(full_run, bars, settings).result()


def engine_for(
    ray_address: str | None, workers: int | None, start_method: str | None = None
) -> Engine:
    """The Ray engine when an address (or ``local``) is given, else the process pool."""
    if ray_address:
        return RayEngine(ray_address, workers)
    return ProcessEngine(workers, start_method)
