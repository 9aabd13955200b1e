"""Run an experiment's replications across its variants, on local processes or a Dask cluster,
into a resumable results store.

Work is cut into *tasks* (:mod:`sim.experiments.tasks`): runs of consecutive replications of
one variant, about four per worker of the backend. Each task is independent, so serial,
process and Dask runs give identical results whatever the task size. The backend is opened
first, and the store is created only when the first task has finished, so a batch that cannot
run leaves no store behind. The main process writes each finished task to the store in one
transaction; a resumed batch runs the replications the store does not have yet, and nothing
twice. When everything asked for has run, the store is marked complete.

With ``stop`` in the experiment, replications are added in rounds of ``step`` to the variants
whose KPI's confidence interval is still too wide, up to ``max_replications``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ..errors import SimError
from ..results.stats import estimate
from .backends import BACKENDS, CONNECT_TIMEOUT, Backend, open_backend
from .experiment import Experiment, Variant
from .store import ResultsStore, TaskOutput
from .tasks import Task, plan_tasks, run_task

__all__ = ["BACKENDS", "Task", "plan_tasks", "run_experiment", "run_task"]


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


def _stored_replications(store: ResultsStore | None, variants: int) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {v: set() for v in range(variants)}
    if store is None:
        return out
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


class _LazyStore:
    """The results store, created (and initialised for ``experiment``) with the first task."""

    def __init__(self, path: Path, experiment: Experiment, resume: bool) -> None:
        self.path, self.experiment = path, experiment
        self.store: ResultsStore | None = None
        existed = path.exists() and (not path.is_file() or path.stat().st_size > 0)
        if existed and not path.is_file():
            raise SimError(f"{path} is not a file: choose another --store")
        if existed and not resume:
            raise SimError(f"{path} already exists: pass --resume to finish it, or choose another --store")
        if existed:
            self.store = ResultsStore(path)
            if self.store.is_new:   # an empty database left by someone else: ours to initialise
                self._initialise(self.store)
            else:
                self.store.check_matches(experiment.digest)

    def _initialise(self, store: ResultsStore) -> None:
        spec = self.experiment.spec
        variants = [(v.index, v.name, v.scenario.digest, json.dumps(_layout(v), ensure_ascii=False))
                    for v in self.experiment.variants]
        store.initialise(json.dumps(spec.model_dump(mode="json"), ensure_ascii=False), self.experiment.digest,
                         spec.seed, variants)

    def write(self, out: TaskOutput) -> None:
        if self.store is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            store = ResultsStore(self.path)
            self._initialise(store)
            self.store = store
        self.store.write(out)


def run_experiment(experiment: Experiment, store_path: str | Path, *, jobs: int = 1,
                   backend: str = "processes", scheduler: str | None = None, resume: bool = False,
                   keep_records: bool = False, chunk: int | None = None,
                   progress: Callable[[int, int], None] | bool = True,
                   connect_timeout: float = CONNECT_TIMEOUT,
                   more: Callable[[ResultsStore, dict[int, int]], dict[int, int]] | None = None
                   ) -> ResultsStore:
    """Run (or finish) ``experiment`` into the store at ``store_path`` and return the store.

    Tasks are sized from the backend's workers (a Dask cluster's, not ``jobs``) unless
    ``chunk`` is given; the numbers are the same either way. ``connect_timeout``: seconds to
    reach a Dask scheduler and find a worker there. ``more`` (instead of the experiment's
    ``stop``) is a sequential rule: after each round it gets the store and the replications
    asked of each variant so far, and returns how many each should have; the batch ends when
    it asks for nothing new (a selection procedure, :mod:`sim.optimize.selection`)."""
    if chunk is not None and chunk < 1:
        raise SimError("--chunk must be at least 1")
    if more is not None and experiment.spec.stop is not None:
        raise SimError("a batch takes either the experiment's stop rule or a sequential rule, not both")
    lazy = _LazyStore(Path(store_path), experiment, resume)
    spec = experiment.spec
    scenarios = [v.scenario for v in experiment.variants]
    target = {v.index: spec.replications for v in experiment.variants}
    runner = open_backend(backend, scenarios, spec.seed, keep_records, jobs=jobs, scheduler=scheduler,
                          timeout=connect_timeout)
    try:
        while True:
            have = _stored_replications(lazy.store, len(scenarios))
            missing = {v: [r for r in range(target[v]) if r not in have[v]] for v in target}
            missing = {v: reps for v, reps in missing.items() if reps}
            if missing:
                _run_tasks(lazy, runner, plan_tasks(missing, runner.workers, chunk), progress)
            if more is not None:
                assert lazy.store is not None
                wanted = more(lazy.store, dict(target))
                if all(wanted.get(v, 0) <= target[v] for v in target):
                    break
                target = {v: max(target[v], wanted.get(v, 0)) for v in target}
                continue
            if spec.stop is None:
                break
            assert lazy.store is not None
            narrow = _wide_enough(lazy.store, experiment)
            grow = [v for v in target if not narrow[v] and target[v] < spec.stop.max_replications]
            if not grow:
                break
            for v in grow:
                target[v] = min(spec.stop.max_replications, target[v] + spec.stop.step)
    finally:
        runner.close()
    assert lazy.store is not None
    lazy.store.mark_complete()
    return lazy.store


def _run_tasks(store: _LazyStore, runner: Backend, tasks: list[Task],
               progress: Callable[[int, int], None] | bool) -> None:
    total = sum(t.count for t in tasks)
    bar = Progress(total) if progress is True else None
    done = 0
    for out in runner.run(tasks):
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
