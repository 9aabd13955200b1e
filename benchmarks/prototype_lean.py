"""The next lever for the response core, as a prototype: one routine per call, SimPy in the loop.

    python benchmarks/prototype_lean.py [--data DIR] [--rounds 3] [--json benchmarks/results/lean.json]

The engine spends 45x to 68x the SimPy floor on a Utrecht call (README, "lean core"), against a
target of 12x. This prototype tests the belief that the target is reachable *with SimPy in the
loop*: it runs the Utrecht workload (``../shared/peers/elaspy-utrecht``; skipped with a message
when absent) under the engine's own rules (nearest available ambulance, those driving back
included, which drive on to base or turn back, whichever is faster; 5 % slower without siren;
a FIFO queue; the patient to the nearest hospital) as a fused path:

* a call is one SimPy event whose callback scans the free ambulances in a flat loop, picks one
  and works out its whole timeline (travel, scene, hospital, handover) at once;
* the ambulance's end is one more event; the drive home is never an event: where it is, is
  computed only when a later call asks;
* no call, task or record objects: response times go into a preallocated array.

It checks that every call's response time equals the engine's (largest difference printed) and
times both in the same process, interleaved, against the floor. What the prototype leaves out
and the engine must keep (policies, capabilities, several units per call, records of every
stage) is the cost the fused path has to fit in; the figure says how much room there is.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import floor_per_event  # noqa: E402
from output import print_rows, write_json  # noqa: E402
from peer_utrecht import DEFAULT_DATA, RETURN_PACE, engine_run, load_workload, scenario_for  # noqa: E402


def lean_run(work: dict, calls: list[dict[str, str]]) -> tuple[np.ndarray, float, int]:
    """Response times of every call (call order), seconds of the event loop, SimPy events."""
    at = {i: k for k, i in enumerate(work["ids"])}
    rows = work["minutes"].tolist()
    bases = [at[b] for b in work["ambulance_base"]]
    hospitals = [at[h] for h in work["hospitals"]]
    nearest_hospital = [min(hospitals, key=lambda h: rows[p][h]) for p in range(len(rows))]
    arrival = [float(c["arrival_min"]) for c in calls]
    where = [at[c["node"]] for c in calls]
    scene = [float(c["onscene_min"]) for c in calls]
    carry = [c["to_hospital"] == "1" for c in calls]
    handover = [float(c["handover_min"]) for c in calls]
    n_amb = len(bases)
    node = list(bases)            # where each ambulance last stopped
    since = [-math.inf] * n_amb   # when it left there (towards its base), or -inf at base
    free = [True] * n_amb
    waiting: list[int] = []
    response = np.full(len(calls), math.nan)
    env = simpy.Environment()
    events = 0

    def serve(k: int, travel: float, now: float, c: int) -> None:
        nonlocal events
        response[c] = now - arrival[c] + travel
        patient = where[c]
        end = now + travel + scene[c]
        stop = patient
        if carry[c]:
            stop = nearest_hospital[patient]
            end += rows[patient][stop] + handover[c]
        free[k] = False
        done = env.timeout(end - now)
        done.callbacks.append(lambda _e, k=k, stop=stop: finished(k, stop))
        events += 1

    def finished(k: int, stop: int) -> None:
        now = env.now
        if waiting:
            c = waiting.pop(0)
            serve(k, rows[stop][where[c]], now, c)
        else:
            free[k], node[k], since[k] = True, stop, now

    def called(c: int) -> None:
        nonlocal events
        now = env.now
        patient = where[c]
        best_k, best = -1, math.inf
        for k in range(n_amb):
            if not free[k]:
                continue
            at_node, base = node[k], bases[k]
            if at_node == base:
                t = rows[base][patient]
            else:
                home = rows[at_node][base]
                driven = (now - since[k]) * RETURN_PACE
                if driven >= home:
                    node[k] = base
                    t = rows[base][patient]
                else:
                    forward = home - driven + rows[base][patient]
                    back = driven + rows[at_node][patient]
                    t = back if back < forward else forward
            if t < best:
                best_k, best = k, t
        if best_k < 0:
            waiting.append(c)
        else:
            serve(best_k, best, now, c)
        if c + 1 < len(arrival):
            nxt = env.timeout(arrival[c + 1] - now)
            nxt.callbacks.append(lambda _e, c=c + 1: called(c))
            events += 1

    start = time.perf_counter()
    first = env.timeout(arrival[0])
    first.callbacks.append(lambda _e: called(0))
    events += 1
    env.run()
    return response, time.perf_counter() - start, events


def measure(data: Path, rounds: int) -> tuple[dict, list[tuple[str, str, str]]]:
    work = load_workload(data)
    streams = list(work["streams"].items())
    calls = sum(len(s) for _, s in streams)
    lean_s: list[float] = []
    engine_s: list[float] = []
    floors: list[float] = []
    largest = 0.0
    lean_events = engine_events = 0
    with tempfile.TemporaryDirectory() as folder:
        scenario = scenario_for(work, Path(folder))
        for _ in range(rounds):
            floors.append(floor_per_event())
            lean_total = engine_total = 0.0
            lean_events = engine_events = 0
            for seed, stream in streams:
                ours, seconds, n_events = engine_run(scenario, stream, seed)
                engine_total += seconds
                engine_events += n_events
                response, lean_seconds, n_lean = lean_run(work, stream)
                lean_total += lean_seconds
                lean_events += n_lean
                largest = max(largest, float(np.abs(response - ours["responses"]).max()))
            lean_s.append(lean_total)
            engine_s.append(engine_total)
    floor = statistics.median(floors)
    lean_x = [s / calls / floor for s in lean_s]
    engine_x = [s / calls / floor for s in engine_s]
    out = {"calls": calls, "rounds": rounds, "floor_seconds_per_event": floor,
           "lean_cost_in_floor_events": lean_x, "engine_cost_in_floor_events": engine_x,
           "lean_events_per_call": lean_events / calls, "engine_events_per_call": engine_events / calls,
           "largest_difference_min": largest}
    rows = [
        ("calls, rounds", f"{calls:,}", f"{rounds} interleaved rounds of the ten streams"),
        ("lean prototype", f"{statistics.median(lean_x):.1f}x floor per call",
         f"{min(lean_x):.1f}x to {max(lean_x):.1f}x, {lean_events / calls:.2f} SimPy events per call"),
        ("engine", f"{statistics.median(engine_x):.1f}x floor per call",
         f"{min(engine_x):.1f}x to {max(engine_x):.1f}x, {engine_events / calls:.2f} SimPy events per call"),
        ("same response times", f"{largest:.1e} min", "largest difference of any call, prototype vs engine"),
    ]
    return out, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the reference folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "lean.json")
    args = parser.parse_args(argv)
    if not (args.data / "travel_min.csv").exists():
        print(f"skipped: no Utrecht reference data at {args.data}")
        return 0
    out, rows = measure(args.data, args.rounds)
    print("Utrecht workload: the fused one-routine prototype against the engine (same process)")
    print_rows(rows, 20)
    write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
