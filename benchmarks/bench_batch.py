"""Batch benchmark: replications per second serially and on local processes, and the parallel
efficiency, on one simulated year of a built-in scenario.

    python benchmarks/bench_batch.py [--scenario pinghu] [--replications 200] [--jobs 2]
                                     [--json benchmarks/results/batch.json]

Both runs go through ``sim.run_batch`` (simulation, KPIs and the SQLite store), so the figures
include everything a batch does but loading the experiment (done once, before, with a short
warm-up batch for lazy imports). Each is timed twice, in the order serial, parallel,
parallel, serial, and the faster of each pair kept, so that a slow spell of a shared machine
does not fall on one side only. Parallel efficiency = serial time / (jobs x parallel time):
1.0 means the workers never wait and the main process never holds them up.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from output import print_rows, write_json

import sim


def timed_batch(experiment: sim.Experiment, store: Path, jobs: int) -> float:
    start = time.perf_counter()
    sim.run_batch(experiment, store, jobs=jobs)
    return time.perf_counter() - start


def measure_batches(scenario: str, replications: int, jobs: int) -> dict:
    """Time one batch of one-year replications serially and on ``jobs`` processes."""
    raw = {"name": "batch benchmark", "scenario": scenario, "replications": replications,
           "seed": 1, "set": {"run.horizon": "365 d"}}
    experiment = sim.load_experiment(raw)   # loaded once: the timings are of running it
    with tempfile.TemporaryDirectory() as folder:
        sim.run_batch({**raw, "replications": 2}, Path(folder) / "warm-up.sqlite")   # lazy imports, caches
        # serial, parallel, parallel, serial: the machine's drift hits both alike; the faster
        # of each pair is kept (the least disturbed)
        times: dict[int, list[float]] = {1: [], jobs: []}
        for k, n in enumerate((1, jobs, jobs, 1)):
            times[n].append(timed_batch(experiment, Path(folder) / f"batch-{k}.sqlite", n))
        serial, parallel = min(times[1]), min(times[jobs])
    return {
        "scenario": scenario, "replications": replications, "jobs": jobs,
        "cpus": os.cpu_count(), "serial_seconds": serial, "parallel_seconds": parallel,
        "serial_replications_per_s": replications / serial,
        "parallel_replications_per_s": replications / parallel,
        "speed_up": serial / parallel, "parallel_efficiency": serial / (jobs * parallel),
        "python": platform.python_version(), "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="pinghu")
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "batch.json")
    args = parser.parse_args(argv)
    figures = measure_batches(args.scenario, args.replications, args.jobs)
    print(f"{args.replications} replications of one {args.scenario} year via sim.run_batch")
    print_rows([("serial", f"{figures['serial_seconds']:.1f} s",
                 f"{figures['serial_replications_per_s']:.1f} replications/s"),
                (f"{args.jobs} jobs", f"{figures['parallel_seconds']:.1f} s",
                 f"{figures['parallel_replications_per_s']:.1f} replications/s")], 9)
    print(f"speed-up {figures['speed_up']:.2f}, parallel efficiency {figures['parallel_efficiency']:.0%} "
          f"({os.cpu_count()} CPUs)")
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
