"""Run an experiment's replications across its variants, on local processes or a Dask cluster,
into a resumable results store.

Work is cut into *tasks*: a run of consecutive replications of one variant, large enough to
amortise the cost of shipping the scenario and computing KPIs. Each task is independent: its
numbers depend only on the variant's scenario, the root seed and the replication indices, so
serial, process and Dask runs give identical results, whatever the task size. The main process
writes each finished task to the store in one transaction; a resumed batch runs the
replications the store does not have yet, and nothing twice.

With ``stop`` in the experiment, replications are added in rounds of ``step`` to the variants
whose KPI's confidence interval is still too wide, up to ``max_replications``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..engine.runner import simulate
from ..errors import SimError
from ..results.kpi_rows import kpi_rows, node_response, response_histograms
from ..results.outcome import RunResult
from ..results.stats import estimate
from ..scenario.loader import Scenario
from .experiment import Experiment, Variant
from .store import ResultsStore, TaskOutput

__all__ = ["BACKENDS", "Task", "plan_tasks", "run_experiment", "run_task"]

BACKENDS = ("processes", "dask")
MAX_CHUNK = 25


@dataclass(frozen=True)
class Task:
    variant: int
    first: int
    count: int


def run_task(scenario: Scenario, variant: int, seed: int, first: int, count: int,
             keep_records: bool = False) -> TaskOutput:
    """Simulate replications ``first .. first+count-1`` of one variant and compute their KPIs."""
    started = time.perf_counter()
    records = [simulate(scenario, rep, seed) for rep in range(first, first + count)]
    result = RunResult(scenario, seed, records)
    tables = {}
    if keep_records:
        for rec in records:
            frames = {"incidents": rec.incident_frame(), "assignments": rec.assignment_frame(),
                      "units": rec.unit_frame(), **{name: rec.table_frame(name) for name in rec.tables}}
            tables[rec.replication] = {name: frame.to_dict("list") for name, frame in frames.items()}
    kpis, histograms, nodes = kpi_rows(result), response_histograms(result), node_response(result)
    return TaskOutput(variant, first, count, time.perf_counter() - started, kpis, histograms, nodes, tables)


def plan_tasks(missing: dict[int, list[int]], jobs: int, chunk: int | None = None) -> list[Task]:
    """Cut each variant's missing replications into runs of consecutive indices: about four
    tasks per worker overall, at most ``MAX_CHUNK`` replications each (or ``chunk``)."""
    total = sum(len(r) for r in missing.values())
    size = chunk or max(1, min(MAX_CHUNK, math.ceil(total / (4 * max(jobs, 1)))))
    tasks = []
    for variant, reps in missing.items():
        run: list[int] = []
        for rep in sorted(reps):
            if run and (rep != run[-1] + 1 or len(run) == size):
                tasks.append(Task(variant, run[0], len(run)))
                run = []
            run.append(rep)
        if run:
            tasks.append(Task(variant, run[0], len(run)))
    return tasks


# ---------------------------------------------------------------- backends

_WORKER_SCENARIOS: list[Scenario] = []


def _init_worker(scenarios: list[Scenario]) -> None:
    _WORKER_SCENARIOS[:] = scenarios


def _task_in_worker(variant: int, seed: int, first: int, count: int, keep: bool) -> TaskOutput:
    return run_task(_WORKER_SCENARIOS[variant], variant, seed, first, count, keep)


def _serial(scenarios: list[Scenario], seed: int, tasks: list[Task], keep: bool) -> Iterator[TaskOutput]:
    for t in tasks:
        yield run_task(scenarios[t.variant], t.variant, seed, t.first, t.count, keep)


def _processes(scenarios: list[Scenario], seed: int, tasks: list[Task], keep: bool, jobs: int
               ) -> Iterator[TaskOutput]:
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(scenarios,)) as pool:
        futures = [pool.submit(_task_in_worker, t.variant, seed, t.first, t.count, keep) for t in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _dask(scenarios: list[Scenario], seed: int, tasks: list[Task], keep: bool, jobs: int,
          scheduler: str | None) -> Iterator[TaskOutput]:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise SimError("the dask backend needs the optional extra: pip install 'sim[cluster]'") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        shared = client.scatter(scenarios, broadcast=True)
        futures = [client.submit(run_task, shared[t.variant], t.variant, seed, t.first, t.count, keep,
                                 pure=False) for t in tasks]
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------- progress


class Progress:
    """A one-line progress bar with replications done and the time to go, on standard error."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_line = -1.0

    def add(self, count: int) -> None:
        self.done += count
        elapsed = time.perf_counter() - self.started
        share = self.done / self.total if self.total else 1.0
        eta = elapsed / share - elapsed if share > 0 else math.nan
        filled = int(self.width * share)
        line = (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} replications, "
                f"{elapsed:.0f} s, ETA {eta:.0f} s")
        if self.tty:
            self.stream.write("\r" + line + ("\n" if self.done >= self.total else ""))
        elif elapsed - self._last_line >= 5 or self.done >= self.total:
            self.stream.write(line + "\n")
            self._last_line = elapsed
        self.stream.flush()


# ---------------------------------------------------------------- the batch


def _stored_replications(store: ResultsStore, variants: int) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {v: set() for v in range(variants)}
    tasks = store.tasks()
    for v, first, count in tasks[["variant", "first", "count"]].itertuples(index=False):
        out[int(v)].update(range(int(first), int(first) + int(count)))
    return out


def _wide_enough(store: ResultsStore, experiment: Experiment) -> dict[int, bool]:
    """Per variant, whether the stop KPI's 95 % CI half-width is at most the target."""
    stop = experiment.spec.stop
    assert stop is not None
    section, group, metric = stop.kpi.split(".")
    kpis = store.kpis()
    mine = kpis[(kpis["section"] == section) & (kpis["group"] == group) & (kpis["metric"] == metric)]
    if not len(mine):
        raise SimError(f"stop.kpi {stop.kpi!r}: no such KPI in the results (KPIs are section.group.metric, "
                       "e.g. response.all.response_mean)")
    out = {}
    for v in range(len(experiment.variants)):
        est = estimate(mine.loc[mine["variant"] == v, "value"].to_numpy())
        out[v] = math.isfinite(est.half_width) and est.half_width <= stop.half_width
    return out


def run_experiment(experiment: Experiment, store_path: str | Path, *, jobs: int = 1,
                   backend: str = "processes", scheduler: str | None = None, resume: bool = False,
                   keep_records: bool = False, chunk: int | None = None,
                   progress: Callable[[int, int], None] | bool = True) -> ResultsStore:
    """Run (or finish) ``experiment`` into the store at ``store_path`` and return the store."""
    if backend not in BACKENDS:
        raise SimError(f"unknown backend {backend!r} (one of: {', '.join(BACKENDS)})")
    if jobs < 1:
        raise SimError("--jobs must be at least 1")
    store_path = Path(store_path)
    existed = store_path.exists() and store_path.stat().st_size > 0
    if existed and not resume:
        raise SimError(f"{store_path} already exists: pass --resume to finish it, or choose another --store")
    store_path.parent.mkdir(parents=True, exist_ok=True)
    store = ResultsStore(store_path)
    spec = experiment.spec
    if store.is_new:
        variants = [(v.index, v.name, v.scenario.digest, json.dumps(_layout(v), ensure_ascii=False))
                    for v in experiment.variants]
        store.initialise(json.dumps(spec.model_dump(mode="json"), ensure_ascii=False), experiment.digest,
                         spec.seed, variants)
    else:
        store.check_matches(experiment.digest)
    scenarios = [v.scenario for v in experiment.variants]
    target = {v.index: spec.replications for v in experiment.variants}
    while True:
        have = _stored_replications(store, len(scenarios))
        missing = {v: [r for r in range(target[v]) if r not in have[v]] for v in target}
        missing = {v: reps for v, reps in missing.items() if reps}
        if missing:
            tasks = plan_tasks(missing, jobs, chunk)
            _run_tasks(store, scenarios, spec.seed, tasks, jobs, backend, scheduler, keep_records, progress)
        if spec.stop is None:
            break
        narrow = _wide_enough(store, experiment)
        grow = [v for v in target if not narrow[v] and target[v] < spec.stop.max_replications]
        if not grow:
            break
        for v in grow:
            target[v] = min(spec.stop.max_replications, target[v] + spec.stop.step)
    return store


def _run_tasks(store: ResultsStore, scenarios: list[Scenario], seed: int, tasks: list[Task], jobs: int,
               backend: str, scheduler: str | None, keep: bool,
               progress: Callable[[int, int], None] | bool) -> None:
    total = sum(t.count for t in tasks)
    bar = Progress(total) if progress is True else None
    done = 0
    if backend == "dask":
        outputs = _dask(scenarios, seed, tasks, keep, jobs, scheduler)
    elif jobs == 1 or len(tasks) == 1:
        outputs = _serial(scenarios, seed, tasks, keep)
    else:
        outputs = _processes(scenarios, seed, tasks, keep, min(jobs, len(tasks), os.cpu_count() or jobs))
    for out in outputs:
        store.write(out)
        done += out.count
        if bar is not None:
            bar.add(out.count)
        elif callable(progress):
            progress(done, total)


def _layout(variant: Variant) -> dict:
    """What a map of the variant needs: node positions and where the facilities and units are."""
    spec = variant.scenario.spec
    units: dict[str, int] = {}
    for group in spec.units:
        units[group.base] = units.get(group.base, 0) + group.count
    return {"changes": variant.changes,
            "nodes": {n.id: [n.lon, n.lat] for n in spec.region.nodes},
            "facilities": [[f.id, f.kind, f.node, units.get(f.id, 0)] for f in spec.facilities]}
