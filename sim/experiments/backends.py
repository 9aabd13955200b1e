"""Where a batch's tasks run: in this process, on local worker processes, or on a Dask cluster.

A backend is opened before the results store is created, so that a backend that cannot run
(a Dask scheduler that cannot be reached, workers without ``sim`` or with other code) is one
clear error and leaves nothing behind. It reports how many tasks can run at once
(:attr:`Backend.workers`), which sizes the tasks: on a cluster, its workers, not the client's
``--jobs``. Every backend gives identical results (tasks are independent).

Local worker processes end when the batch process does, even when it is killed with SIGKILL
(Linux: ``PR_SET_PDEATHSIG``; elsewhere a watchdog thread that notices the parent is gone).

Dask workers start ready to work: a local cluster's workers are forked from the batch process
(on Linux), which has already imported ``sim``, its engine, its KPIs and their numpy, pandas
and scipy, so a worker imports nothing (a spawned worker would take about 2.5 s of CPU to
import them again), and they run without Dask's task profiler and with slower monitors
(:data:`LOCAL_CLUSTER_CONFIG`). The workers of a scheduler given by address import them once
each, when the batch registers its worker plugin (:class:`~.dask_preload.Preload`), not inside
the first task. Each variant's scenario is sent to every worker once per batch and kept there
for all its tasks, with the caches it builds (travel rows, station orders).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import SimError
from ..scenario.loader import Scenario
from .store import TaskOutput, code_version
from .tasks import Task, run_task

__all__ = ["BACKENDS", "PRELOAD", "Backend", "BackendError", "die_with_parent", "open_backend",
           "worker_identity"]

BACKENDS = ("processes", "dask")
CONNECT_TIMEOUT = 20.0  # seconds to reach a Dask scheduler and find a worker
PR_SET_PDEATHSIG = 1
PRELOAD = ("sim.experiments.tasks", "sim.experiments.store")
"""What a task needs, imported in a Dask worker before its first task: the engine, the KPIs,
the store's task output, and with them numpy, pandas and scipy."""


class BackendError(SimError):
    """A backend that cannot run the batch."""


class Backend(Protocol):
    """Runs tasks and yields their outputs as they finish (in any order)."""

    workers: int

    def run(self, tasks: list[Task]) -> Iterator[TaskOutput]: ...

    def close(self) -> None: ...


# ---------------------------------------------------------------- workers die with the batch

def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def die_with_parent(parent: int) -> None:
    """End this (worker) process as soon as process ``parent`` ends: at once on Linux, within
    a second elsewhere. Called first thing in every local worker."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before the request took effect
                    os._exit(1)
                return
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="sim-parent-watch", daemon=True).start()


# ---------------------------------------------------------------- this process

@dataclass
class _Serial:
    scenarios: list[Scenario]
    seed: int
    keep: bool
    workers: int = 1

    def run(self, tasks: list[Task]) -> Iterator[TaskOutput]:
        for t in tasks:
            yield run_task(self.scenarios[t.variant], t.variant, self.seed, t.first, t.count, self.keep)

    def close(self) -> None:
        pass


# ---------------------------------------------------------------- local processes

_WORKER_SCENARIOS: list[Scenario] = []


def _init_worker(scenarios: list[Scenario], parent: int) -> None:
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the batch process, which ends us
    _WORKER_SCENARIOS[:] = scenarios


def _task_in_worker(variant: int, seed: int, first: int, count: int, keep: bool) -> TaskOutput:
    return run_task(_WORKER_SCENARIOS[variant], variant, seed, first, count, keep)


class _Processes:
    """A pool of local worker processes, started on first use and kept for every round."""

    def __init__(self, scenarios: list[Scenario], seed: int, keep: bool, jobs: int) -> None:
        self.scenarios, self.seed, self.keep = scenarios, seed, keep
        self.workers = jobs
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                             initializer=_init_worker, initargs=(self.scenarios, os.getpid()))
        return self._pool

    def run(self, tasks: list[Task]) -> Iterator[TaskOutput]:
        if len(tasks) == 1:  # not worth a process
            yield from _Serial(self.scenarios, self.seed, self.keep).run(tasks)
            return
        pool = self._started()
        futures = [pool.submit(_task_in_worker, t.variant, self.seed, t.first, t.count, self.keep)
                   for t in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# ---------------------------------------------------------------- Dask

def worker_identity() -> str:
    """What a Dask worker runs: the code version of its ``sim`` (called on each worker)."""
    return code_version()


LOCAL_CLUSTER_CONFIG = {
    # statistical profiling of every task, 100 stack samples a second, for a dashboard the
    # batch's own cluster does not have
    "distributed.worker.profile.enabled": False,
    # the event loops' health checks, system and memory monitors wake every 20 to 500 ms, each
    # time taking the GIL from the task (a worker has one task thread beside its loop)
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings of the local cluster a batch starts (``--backend dask`` without ``--scheduler``):
its workers do the batch's tasks and nothing else."""


@contextlib.contextmanager
def _forked_workers() -> Iterator[None]:
    """Inside, a local Dask cluster starts with :data:`LOCAL_CLUSTER_CONFIG` and its worker
    processes forked from this process (Linux), so that they inherit its imports; elsewhere
    spawned (the default)."""
    import dask

    config: dict[str, object] = dict(LOCAL_CLUSTER_CONFIG)
    if sys.platform.startswith("linux"):
        config["distributed.worker.multiprocessing-method"] = "fork"
    with dask.config.set(config):
        yield


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


class _Dask:
    """A Dask cluster: a scheduler at ``address``, or a local cluster of ``jobs`` workers."""

    def __init__(self, scenarios: list[Scenario], seed: int, keep: bool, jobs: int,
                 address: str | None, timeout: float) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BackendError("the dask backend needs the optional extra: "
                               "pip install 'sim[cluster]'") from None
        self.seed, self.keep = seed, keep
        self._cluster: Any = None
        self._client: Any = None
        try:
            if address is None:
                for module in PRELOAD:  # in this process first: the forked workers inherit them
                    importlib.import_module(module)
                with _forked_workers():
                    self._cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                                 dashboard_address=None)
            self._client = self._connect(Client, address, timeout)
            self._check_workers(timeout)
            from .dask_preload import Preload

            self._client.register_plugin(Preload(PRELOAD), name=Preload.name)
            info = self._client.scheduler_info()
            self.workers = max(1, sum(int(w.get("nthreads", 1)) for w in info["workers"].values()))
            self._scenarios = self._client.scatter(scenarios, broadcast=True)
        except BaseException:
            self.close()
            raise

    def _connect(self, client_class: Any, address: str | None, timeout: float) -> Any:
        target = address if address is not None else self._cluster
        try:
            return client_class(target, timeout=timeout)
        except Exception as exc:
            raise BackendError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                               f"({_first_line(exc)}): check the address (e.g. tcp://host:8786) and that "
                               "the scheduler is running") from None

    def _check_workers(self, timeout: float) -> None:
        """At least one worker, and every worker runs this very ``sim`` code."""
        client = self._client
        try:
            client.wait_for_workers(1, timeout=timeout)
        except Exception:
            raise BackendError(f"the Dask scheduler at {client.scheduler.address} has no worker "
                               f"(waited {timeout:g} s): start workers with `dask worker ADDRESS`") from None
        answers = client.run(worker_identity, on_error="return")
        mine = code_version()
        for worker, answer in sorted(answers.items()):
            if isinstance(answer, BaseException):
                raise BackendError(f"Dask worker {worker} cannot run sim tasks ({_first_line(answer)}): "
                                   "install the same sim on every worker (pip install sim, or the same "
                                   "checkout with pip install -e .)")
            if answer != mine:
                raise BackendError(f"Dask worker {worker} runs other sim code ({answer}; this one {mine}): "
                                   "results of different code are not mixed; install the same version "
                                   "on every worker")

    def run(self, tasks: list[Task]) -> Iterator[TaskOutput]:
        from distributed import as_completed as dask_completed

        futures = [self._client.submit(run_task, self._scenarios[t.variant], t.variant, self.seed, t.first,
                                       t.count, self.keep, pure=False) for t in tasks]
        try:
            for future in dask_completed(futures):
                try:
                    yield future.result()
                except (ImportError, AttributeError) as exc:
                    raise BackendError(f"a Dask worker failed to run a task ({_first_line(exc)}): install "
                                       "the same sim on every worker") from None
        finally:
            self._client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        for part in (self._client, self._cluster):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()
        self._client = self._cluster = None


def open_backend(name: str, scenarios: list[Scenario], seed: int, keep: bool, *, jobs: int = 1,
                 scheduler: str | None = None, timeout: float = CONNECT_TIMEOUT) -> Backend:
    """The backend ``name`` (``processes`` or ``dask``), ready to run tasks; one process when
    ``jobs`` is 1 (or the machine has one CPU)."""
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r} (one of: {', '.join(BACKENDS)})")
    if jobs < 1:
        raise BackendError("--jobs must be at least 1")
    if scheduler is not None and name != "dask":
        raise BackendError("--scheduler is a Dask scheduler address: use it with --backend dask")
    if name == "dask":
        return _Dask(scenarios, seed, keep, jobs, scheduler, timeout)
    jobs = min(jobs, os.cpu_count() or jobs)
    return _Serial(scenarios, seed, keep) if jobs == 1 else _Processes(scenarios, seed, keep, jobs)
