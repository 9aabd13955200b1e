"""Batch benchmark: replications per second serially and on local processes, and the parallel
efficiency, on one simulated year of a built-in scenario.

    python benchmarks/bench_batch.py [--scenario pinghu] [--replications 200] [--jobs 2]
                                     [--json benchmarks/results/batch.json]

Both runs go through ``sim.run_batch`` (simulation, KPIs and the SQLite store), so the figures
include everything a batch does but loading the experiment (done once, before, with a short
warm-up batch for lazy imports). Parallel efficiency = serial time / (jobs x parallel time):
1.0 means the workers never wait and the main process never holds them up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import sim


def timed_batch(experiment: sim.Experiment, store: Path, jobs: int) -> float:
    start = time.perf_counter()
    sim.run_batch(experiment, store, jobs=jobs)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="pinghu")
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "batch.json")
    args = parser.parse_args(argv)
    raw = {"name": "batch benchmark", "scenario": args.scenario, "replications": args.replications,
           "seed": 1, "set": {"run.horizon": "365 d"}}
    experiment = sim.load_experiment(raw)   # loaded once: the timings are of running it
    with tempfile.TemporaryDirectory() as folder:
        sim.run_batch({**raw, "replications": 2}, Path(folder) / "warm-up.sqlite")   # lazy imports, caches
        serial = timed_batch(experiment, Path(folder) / "serial.sqlite", 1)
        parallel = timed_batch(experiment, Path(folder) / "parallel.sqlite", args.jobs)
    figures = {
        "scenario": args.scenario, "replications": args.replications, "jobs": args.jobs,
        "cpus": os.cpu_count(), "serial_seconds": serial, "parallel_seconds": parallel,
        "serial_replications_per_s": args.replications / serial,
        "parallel_replications_per_s": args.replications / parallel,
        "speed_up": serial / parallel, "parallel_efficiency": serial / (args.jobs * parallel),
        "python": platform.python_version(), "platform": platform.platform(),
    }
    print(f"{args.replications} replications of one {args.scenario} year via sim.run_batch")
    print(f"{'':<10} {'seconds':>9} {'replications/s':>15}")
    print(f"{'serial':<10} {serial:>9.1f} {figures['serial_replications_per_s']:>15.1f}")
    print(f"{f'{args.jobs} jobs':<10} {parallel:>9.1f} {figures['parallel_replications_per_s']:>15.1f}")
    print(f"speed-up {figures['speed_up']:.2f}, parallel efficiency {figures['parallel_efficiency']:.0%} "
          f"({os.cpu_count()} CPUs)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
