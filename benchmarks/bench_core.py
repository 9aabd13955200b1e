"""Event-core benchmark: the engine on one simulated Pinghu year, against a plain SimPy floor.

    python benchmarks/bench_core.py [--replications 200] [--core] [--json benchmarks/results/core.json]

Absolute times drift on shared machines, so the figures that matter are ratios measured in
the same process:

* floor: seconds per event of a plain SimPy process yielding timeouts (the least any SimPy
  model can spend per event);
* engine: one simulated year of Pinghu, repeated over replications; incidents per second,
  SimPy events per second, and the cost per incident as a multiple of the floor's cost per
  event ("an incident costs as much as N bare SimPy events"). ``--core`` switches hazards,
  evacuation and pre-positioning off: the response core alone (as ``pinghu-core`` in run.py).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import simpy
from output import print_rows, write_json

import sim
from sim.engine.response import ResponseEngine
from sim.engine.streams import Streams
from sim.model.exogenous import draw_replication


def floor_per_event(events: int = 300_000, repeats: int = 5, clock=time.perf_counter) -> float:
    """Median seconds per event of ``while True: yield env.timeout(1)`` (by ``clock``: wall
    time, or ``time.process_time`` for this process's CPU time)."""

    def loop(env: simpy.Environment, n: int):
        for _ in range(n):
            yield env.timeout(1.0)

    samples = []
    for _ in range(repeats):
        env = simpy.Environment()
        env.process(loop(env, events))
        start = clock()
        env.run()
        samples.append((clock() - start) / events)
    return statistics.median(samples)


def engine_year(scenario: sim.Scenario, replications: int) -> dict[str, float]:
    """Simulate ``replications`` years (hazards included); time the draws and the event loop
    separately."""
    draw_s = engine_s = 0.0
    incidents = events = 0
    for r in range(replications):
        t0 = time.perf_counter()
        stream, timeline = draw_replication(scenario, Streams(scenario.spec.run.seed, r))
        t1 = time.perf_counter()
        engine = ResponseEngine(scenario, stream, r, scenario.spec.run.seed, timeline=timeline)
        engine.run()
        t2 = time.perf_counter()
        draw_s += t1 - t0
        engine_s += t2 - t1
        incidents += len(stream)
        events += engine.events
    return {"replications": replications, "incidents": incidents, "simpy_events": events,
            "draw_seconds": draw_s, "engine_seconds": engine_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="pinghu", help="scenario file or built-in name")
    parser.add_argument("--replications", type=int, default=200, help="simulated years to run")
    parser.add_argument("--core", action="store_true", help="the response core alone (no hazards, "
                        "evacuation or pre-positioning)")
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "core.json",
                        help="where to write the figures")
    args = parser.parse_args(argv)

    core = ["hazards=[]", "prepositioning=[]", "evacuation=null"] if args.core else []
    scenario = sim.load_scenario(args.scenario, ["run.warmup=0 d", "run.horizon=365 d", *core])
    engine_year(scenario, 3)  # warm caches (travel oracle, imports) before timing
    floor = floor_per_event()
    run = engine_year(scenario, args.replications)
    floor_after = floor_per_event()
    floor = (floor + floor_after) / 2

    per_incident = run["engine_seconds"] / run["incidents"]
    per_event = run["engine_seconds"] / run["simpy_events"]
    figures = {
        "scenario": scenario.name,
        "floor_seconds_per_event": floor,
        "engine_incidents_per_second": run["incidents"] / run["engine_seconds"],
        "engine_events_per_second": run["simpy_events"] / run["engine_seconds"],
        "events_per_incident": run["simpy_events"] / run["incidents"],
        "incident_cost_in_floor_events": per_incident / floor,
        "event_cost_in_floor_events": per_event / floor,
        "with_draws_incidents_per_second": run["incidents"] / (run["engine_seconds"] + run["draw_seconds"]),
        **run,
        "python": sys.version.split()[0],
        "simpy": simpy.__version__,
        "machine": platform.machine(),
    }
    rows = [
        ("floor: plain SimPy timeout loop", f"{1e6 * floor:.2f} us/event", f"{1 / floor:,.0f} events/s"),
        (f"engine: {run['replications']} x 1 y of {scenario.name.split()[0]}",
         f"{run['incidents']:,} incidents", f"{run['simpy_events']:,} SimPy events"),
        ("engine throughput", f"{figures['engine_incidents_per_second']:,.0f} incidents/s",
         f"{figures['engine_events_per_second']:,.0f} events/s"),
        ("events per incident", f"{figures['events_per_incident']:.2f}", ""),
        ("cost per incident / floor cost per event", f"{figures['incident_cost_in_floor_events']:.1f}x", ""),
        ("cost per engine event / floor cost per event", f"{figures['event_cost_in_floor_events']:.2f}x", ""),
        ("with exogenous draws", f"{figures['with_draws_incidents_per_second']:,.0f} incidents/s", ""),
    ]
    print_rows(rows, 22)
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
