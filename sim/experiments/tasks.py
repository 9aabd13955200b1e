"""Tasks of a batch: runs of consecutive replications of one variant, and how one is computed.

A task's numbers depend only on the variant's scenario, the root seed and the replication
indices (every KPI of a replication is computed from that replication's records alone), so
the results never depend on how replications are cut into tasks or where the tasks run.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from ..engine.runner import simulate
from ..results.kpi_rows import task_kpis
from ..scenario.loader import Scenario
from .store import TaskOutput, code_version

__all__ = ["MAX_CHUNK", "Task", "plan_tasks", "run_task"]

MAX_CHUNK = 25


@dataclass(frozen=True)
class Task:
    variant: int
    first: int
    count: int


def run_task(scenario: Scenario, variant: int, seed: int, first: int, count: int,
             keep_records: bool = False) -> TaskOutput:
    """Simulate replications ``first .. first+count-1`` of one variant and compute their KPIs;
    the output carries the code version it was computed with."""
    started = time.perf_counter()
    records = [simulate(scenario, rep, seed) for rep in range(first, first + count)]
    tables: dict[int, dict[str, dict[str, list]]] = {}
    if keep_records:
        for rec in records:
            frames = {"incidents": rec.incident_frame(), "assignments": rec.assignment_frame(),
                      "units": rec.unit_frame(), **{name: rec.table_frame(name) for name in rec.tables}}
            tables[rec.replication] = {name: {str(k): v for k, v in frame.to_dict("list").items()}
                                       for name, frame in frames.items()}
    kpis = task_kpis(scenario, records)
    return TaskOutput(variant, first, count, time.perf_counter() - started, kpis.kpis, kpis.histograms,
                      kpis.nodes, tables, code=code_version())


def plan_tasks(missing: dict[int, list[int]], workers: int, chunk: int | None = None) -> list[Task]:
    """Cut each variant's missing replications into runs of consecutive indices: about four
    tasks per worker overall, at most ``MAX_CHUNK`` replications each (or ``chunk``)."""
    total = sum(len(r) for r in missing.values())
    size = chunk or max(1, min(MAX_CHUNK, math.ceil(total / (4 * max(workers, 1)))))
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
