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

    python benchmarks/bench_batch.py --cpu [--replications 200] [--jobs 2] [--repeats 3]

measures instead the CPU a batch costs per replication on local processes and on a Dask
LocalCluster of as many workers: each batch runs in a fresh process (``sim.run_batch``, the
experiment loaded there, as ``sim batch`` does), and the CPU time is that of the whole process
tree (the batch process, its workers, a Dask cluster's nannies and any helper process; this
process is their subreaper on Linux, so each one is waited for and counted even after its
parent has ended). The batches alternate (processes, dask, dask, processes, ...) so that the
machine's drift hits both; the median of each is kept.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import platform
import resource
import statistics
import subprocess
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


PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> bool:
    """Orphaned descendants (a Dask forkserver, a resource tracker) are re-parented to this
    process, so that waiting for them adds their CPU time to RUSAGE_CHILDREN (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    return False


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def batch_cpu(scenario: str, replications: int, jobs: int, backend: str, folder: Path) -> dict:
    """One batch in a fresh process: its wall time and the CPU seconds of its whole process tree."""
    store = folder / f"{backend}-{time.monotonic_ns()}.sqlite"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", backend, "--store", str(store),
               "--scenario", scenario, "--replications", str(replications), "--jobs", str(jobs)]
    before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    with contextlib.suppress(ChildProcessError):
        while True:  # descendants re-parented to us: wait for each, so that its CPU is counted
            os.waitpid(-1, 0)
    wall = time.perf_counter() - start
    inside = json.loads(done.stdout.strip().splitlines()[-1])
    store.unlink(missing_ok=True)
    return {"backend": backend, "wall_seconds": wall, "cpu_seconds": _children_cpu() - before, **inside}


def measure_cpu(scenario: str, replications: int, jobs: int, repeats: int) -> dict:
    """CPU per replication of batches on local processes and on a Dask LocalCluster, alternated."""
    subreaper = _become_subreaper()
    runs: dict[str, list[dict]] = {"processes": [], "dask": []}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeats):
            for backend in ("processes", "dask") if k % 2 == 0 else ("dask", "processes"):
                runs[backend].append(batch_cpu(scenario, replications, jobs, backend, Path(tmp)))
    out: dict = {"scenario": scenario, "replications": replications, "jobs": jobs, "repeats": repeats,
                 "cpus": os.cpu_count(), "subreaper": subreaper, "runs": runs}
    for backend, entries in runs.items():
        per = [e["cpu_seconds"] / replications for e in entries]
        out[backend] = {"cpu_per_replication": statistics.median(per), "cpu_per_replication_runs": per,
                        "wall_seconds": statistics.median(e["wall_seconds"] for e in entries),
                        "batch_seconds": statistics.median(e["batch_seconds"] for e in entries),
                        "client_cpu_seconds": statistics.median(e["client_cpu_seconds"] for e in entries),
                        "workers_cpu_seconds": statistics.median(e["workers_cpu_seconds"] for e in entries)}
    out["dask_extra_cpu"] = out["dask"]["cpu_per_replication"] / out["processes"]["cpu_per_replication"] - 1
    out["python"], out["platform"] = platform.python_version(), platform.platform()
    return out


def _child(backend: str, store: Path, scenario: str, replications: int, jobs: int) -> int:
    """The batch process of ``batch_cpu``: load the experiment, run it, print the batch's wall time."""
    raw = {"name": "batch benchmark", "scenario": scenario, "replications": replications,
           "seed": 1, "set": {"run.horizon": "365 d"}}
    start = time.perf_counter()
    sim.run_batch(raw, store, jobs=jobs, backend=backend)
    wall = time.perf_counter() - start
    mine = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"batch_seconds": wall, "client_cpu_seconds": mine.ru_utime + mine.ru_stime,
                      "workers_cpu_seconds": _children_cpu()}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="pinghu")
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the figures (default results/batch.json; with --cpu, "
                             "results/cpu.json)")
    parser.add_argument("--cpu", action="store_true",
                        help="CPU per replication: local processes against Dask")
    parser.add_argument("--repeats", type=int, default=3, help="batches of each backend with --cpu")
    parser.add_argument("--child", choices=("processes", "dask"), help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.store, args.scenario, args.replications, args.jobs)
    results = Path(__file__).parent / "results"
    if args.cpu:
        figures = measure_cpu(args.scenario, args.replications, args.jobs, args.repeats)
        print(f"{args.replications} replications of one {args.scenario} year via sim.run_batch on "
              f"{args.jobs} workers, {args.repeats} batches each (median)")
        print_rows([(backend, f"{1000 * figures[backend]['cpu_per_replication']:.0f} ms CPU/replication",
                     f"{figures[backend]['wall_seconds']:.1f} s wall per batch, runs "
                     + ", ".join(f"{1000 * c:.0f}" for c in figures[backend]["cpu_per_replication_runs"]))
                    for backend in ("processes", "dask")], 28)
        print(f"a Dask batch costs {figures['dask_extra_cpu']:+.0%} CPU per replication against local "
              "processes")
        write_json(args.json or results / "cpu.json", figures)
        return 0
    figures = measure_batches(args.scenario, args.replications, args.jobs)
    print(f"{args.replications} replications of one {args.scenario} year via sim.run_batch")
    print_rows([("serial", f"{figures['serial_seconds']:.1f} s",
                 f"{figures['serial_replications_per_s']:.1f} replications/s"),
                (f"{args.jobs} jobs", f"{figures['parallel_seconds']:.1f} s",
                 f"{figures['parallel_replications_per_s']:.1f} replications/s")], 9)
    print(f"speed-up {figures['speed_up']:.2f}, parallel efficiency {figures['parallel_efficiency']:.0%} "
          f"({os.cpu_count()} CPUs)")
    write_json(args.json or results / "batch.json", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
