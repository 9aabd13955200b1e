"""Batch-task benchmark: what share of a task of one-year replications goes to the KPI pass and
the store write, against simulating.

    python benchmarks/bench_kpis.py [--scenario pinghu] [--replications 10] [--repeats 5]
                                    [--json benchmarks/results/kpis.json]

One task (``sim.experiments.tasks.run_task``: ``--replications`` one-year replications of the
scenario, their KPIs, response histograms and node response) is timed whole, with its calls of
``simulate`` timed inside it; the rest of the task is the KPI pass. Then its output is written
to a fresh results store (``ResultsStore.write``, one transaction and a WAL checkpoint, as a
batch does). Share = (KPI pass + store write) / (task + store write): the part of a task's
time that is not simulation. Each of ``--repeats`` repetitions runs the same replications;
the median of each figure is reported, with the range of the share. The target of issue 14
is a share of at most 20 %.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from output import print_rows, write_json

import sim
from sim.experiments import tasks
from sim.experiments.store import ResultsStore


def _timing(function: Callable[..., Any], spent: list[float]) -> Callable[..., Any]:
    """``function``, adding the seconds of each call to ``spent``."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    return timed


def one_task(scenario: sim.Scenario, replications: int, folder: Path, k: int) -> dict[str, float]:
    """Seconds of one task: simulating, the KPI pass and writing it to a new store."""
    spent: list[float] = []
    simulate = tasks.simulate
    tasks.simulate = _timing(simulate, spent)   # run_task calls it by this name
    try:
        start = time.perf_counter()
        out = tasks.run_task(scenario, 0, scenario.spec.run.seed, 0, replications)
        task = time.perf_counter() - start
    finally:
        tasks.simulate = simulate
    store = ResultsStore(folder / f"store-{k}.sqlite")
    store.initialise("{}", "benchmark", scenario.spec.run.seed, [(0, "base", scenario.digest, "{}")])
    start = time.perf_counter()
    store.write(out)
    write = time.perf_counter() - start
    store.close()
    simulated = sum(spent)
    return {"task_s": task, "simulate_s": simulated, "kpis_s": task - simulated, "store_s": write,
            "share": (task - simulated + write) / (task + write)}


def measure(scenario_name: str, replications: int, repeats: int) -> dict:
    scenario = sim.load_scenario(scenario_name, {"run.horizon": "365 d"})
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        one_task(scenario, 1, Path(folder), -1)   # lazy imports and the scenario's caches
        for k in range(repeats):
            runs.append(one_task(scenario, replications, Path(folder), k))
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    shares = [r["share"] for r in runs]
    return {"scenario": scenario_name, "replications": replications, "repeats": repeats, **median,
            "share_min": min(shares), "share_max": max(shares), "runs": runs,
            "python": platform.python_version(), "platform": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="pinghu")
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "kpis.json")
    args = parser.parse_args(argv)
    f = measure(args.scenario, args.replications, args.repeats)
    print(f"a task of {args.replications} {args.scenario} years, median of {args.repeats} runs")
    print_rows([("task", f"{f['task_s']:.3f} s", "run_task: simulate and KPIs"),
                ("  simulate", f"{f['simulate_s']:.3f} s", ""),
                ("  KPI pass", f"{f['kpis_s']:.3f} s", "KPI rows, histograms, node response"),
                ("store write", f"{f['store_s']:.3f} s", "one transaction and a WAL checkpoint"),
                ("KPIs + store", f"{f['share']:.1%}", f"of task + store ({f['share_min']:.1%} to "
                                                      f"{f['share_max']:.1%}); target <= 20 %")], 9)
    write_json(args.json, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
