"""Regression guard: fail only when a benchmark ratio's median is worse than the baseline's by
more than the spread of the measurements plus a margin.

    python benchmarks/check.py                     # measure (5 rounds), compare with baseline.json
    python benchmarks/check.py --refresh           # measure (7 rounds), write baseline.json
    python benchmarks/check.py --json FILE         # also write the measurements
    python benchmarks/check.py --results FILE      # compare measurements a --json run wrote
    python benchmarks/check.py --only engine.pinghu,scaling.nodes   # some figures (prefixes)
    python benchmarks/check.py --heavy             # also the road-cut update on a 10^5-node grid
    python benchmarks/check.py --refresh --only oracle --heavy   # refresh some figures, keep the rest

What is measured. Every figure is a ratio measured within one process, so machine speed
cancels out: the cost per incident of one simulated year of each built-in scenario (and of
Pinghu's response core, and of Utrecht's public ambulance workload when
``../shared/peers/elaspy-utrecht`` is there) in SimPy-floor events, and the fitted exponents of
cost against incidents per replication, road-graph size and number of units. A *round*
measures all of them once, interleaved: floor, engine, floor, engine, ... each engine run's
ratio taken against the mean of the floor measured just before and just after it, so that
a machine slowing down or speeding up moves both sides of the ratio. Both are timed in this
process's CPU time, so that a spell in which the shared machine runs something else in our
place is not counted. Each run starts from a cold scenario cache (the same work every round).
These are the figures the engine's work moves and its targets are stated in. The sizes of a
scaling fit are timed in alternating order (small to large, then large to small) so that
drift within a round does not tilt every round's exponent the same way. A check takes five
rounds, a refresh seven (a round takes 15 to 50 s on the 2-core development machine, a check
1.5 to 4 minutes); each figure is the MEDIAN over the rounds, and its spread is the
interquartile range (IQR) over the rounds.

When it fails. A figure fails when its median is worse than the baseline's median by more
than ``SPREADS`` times the baseline's IQR plus a margin: ``MARGIN`` of the baseline median for
a cost ratio, ``EXPONENT_MARGIN`` added for an exponent (an exponent near zero moves by a large fraction of
itself; what matters is how much steeper the cost grows). Figures present in only one of the
two (the Utrecht data missing, ``--only``, ``--heavy``) are not compared.

What is not guarded, and why: the batch's parallel efficiency (section (d) of run.py) measures
how much a task slows beside another on this shared machine more than it measures the code,
and it moved from 75 % to 98 % between runs of an unchanged tree; imported road networks
(section (g): cold imports of a 10^5-junction grid, a county on it, peak memory in fresh
processes) take minutes and mostly measure disk and memory; the road-cut update on the
10^5-node oracle (section (e)) takes a few seconds a round and is guarded only with
``--heavy``. ``run.py`` still measures them all.

``--slow-engine US`` adds US microseconds of busy work to every SimPy event the engine
processes, in this benchmark process only (a patch of ``simpy.Environment.step`` installed
while an engine run is timed, never while the floor is): the guard's own test uses it to show
that a slower engine fails. Refresh the baseline after a deliberate change, and say why in the
commit; timings need a machine without much else running.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import simpy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BASELINE = HERE / "baseline.json"
MARGIN = 0.20           # a cost ratio may be this fraction of the baseline median worse ...
EXPONENT_MARGIN = 0.15  # ... an exponent this much higher ...
SPREADS = 2.0           # ... plus this many IQRs of the baseline
ROUNDS, REFRESH_ROUNDS = 5, 7
FLOOR_EVENTS = 100_000  # per floor measurement (the median of 3 loops of this many timeouts)

# years of each of run.py's section (b) scenarios (ENGINE_RUNS), fewer than there, so that a
# round takes seconds
REPLICATIONS = {"tiny": 20, "pinghu": 10, "pinghu-core": 20, "fenghua": 5, "qinhuangdao": 5}
# scaling fits (exponent of seconds, or seconds per incident, against size); smaller than run.py's
# section (c) (its 10^5 incidents and 10^4-node grid take 5 to 25 s each on this machine)
INCIDENTS = (1_000, 5_000, 25_000)        # per replication, by run length at 20,000 a year
NODES = (100, 1_000, 3_000)               # grid nodes, 2,000 incidents, 40 units at 20 stations
UNITS = (10, 100, 1_000)                  # on a 400-node grid, 5,000 incidents


# ---------------------------------------------------------------- measuring


CLOCK = time.process_time
"""This process's CPU time: a spell in which the shared machine runs something else in our place
is not counted, on either side of a ratio (a wall clock counts it wherever it falls)."""


def floor() -> float:
    """CPU seconds per event of a plain SimPy timeout loop (the median of 3 loops)."""
    from bench_core import floor_per_event

    return floor_per_event(events=FLOOR_EVENTS, repeats=3, clock=CLOCK)


@contextmanager
def slowed(microseconds: float) -> Iterator[None]:
    """Every SimPy event processed inside costs ``microseconds`` more CPU (busy work), when > 0."""
    if microseconds <= 0:
        yield
        return
    original = simpy.Environment.step
    extra = microseconds * 1e-6

    def step(self: simpy.Environment) -> None:
        until = CLOCK() + extra
        while CLOCK() < until:
            pass
        original(self)

    simpy.Environment.step = step  # type: ignore[method-assign]
    try:
        yield
    finally:
        simpy.Environment.step = original  # type: ignore[method-assign]


def engine_seconds(scenario, replications: int, slow: float) -> tuple[float, int]:
    """CPU seconds of the event loop (the draws not counted) over ``replications`` years from a
    cold scenario cache, and the incidents."""
    from sim.engine.response import ResponseEngine
    from sim.engine.streams import Streams
    from sim.model.exogenous import draw_replication

    scenario.cache.clear()
    seconds, incidents = 0.0, 0
    seed = scenario.spec.run.seed
    with slowed(slow):
        for r in range(replications):
            stream, timeline = draw_replication(scenario, Streams(seed, r))
            start = CLOCK()
            ResponseEngine(scenario, stream, r, seed, timeline=timeline).run()
            seconds += CLOCK() - start
            incidents += len(stream)
    return seconds, incidents


class Guard:
    """The guarded figures' scenarios, loaded once; ``round(i)`` measures them all once."""

    def __init__(self, only: list[str] | None, heavy: bool, slow: float) -> None:
        from run import ENGINE_RUNS
        from synthetic import grid_scenario

        import sim

        self.slow = slow
        self.wanted = (lambda name: any(name.startswith(p) for p in only)) if only else (lambda name: True)
        self._folder = tempfile.TemporaryDirectory()  # the Utrecht scenario's travel matrix
        self.engines = [(name, sim.load_scenario(source, overrides), REPLICATIONS[name])
                        for name, source, overrides, _ in ENGINE_RUNS if self.wanted(f"engine.{name}.")]
        self.peer = self._peer() if self.wanted("peer.utrecht.") else None
        self.scaling: dict[str, list[tuple[float, object]]] = {}
        if self.wanted("scaling.incidents."):
            self.scaling["incidents"] = [(n, grid_scenario(nodes=100, incidents=n, units=20,
                                                           days=n / 20_000 * 365)) for n in INCIDENTS]
        if self.wanted("scaling.nodes."):
            self.scaling["nodes"] = [(n, grid_scenario(nodes=n, incidents=2_000, units=40, stations=20,
                                                       days=36)) for n in NODES]
        if self.wanted("scaling.units."):
            self.scaling["units"] = [(n, grid_scenario(nodes=400, incidents=5_000, units=n,
                                                       stations=min(n, 100), days=90)) for n in UNITS]
        self.heavy = heavy and self.wanted("oracle.")
        # lazy imports and first-call costs out of the first round
        if self.engines:
            engine_seconds(self.engines[0][1], 1, 0.0)

    def _peer(self) -> tuple | None:
        from peer_utrecht import DEFAULT_DATA, load_workload, scenario_for

        if not (DEFAULT_DATA / "travel_min.csv").exists():
            return None
        work = load_workload(DEFAULT_DATA)
        return scenario_for(work, Path(self._folder.name)), work["streams"]

    def _peer_seconds(self) -> tuple[float, int]:
        from peer_utrecht import incident_stream

        from sim.engine.response import ResponseEngine

        assert self.peer is not None
        scenario, streams = self.peer
        scenario.cache.clear()
        seconds, calls = 0.0, 0
        with slowed(self.slow):
            for seed, calls_of in streams.items():
                stream = incident_stream(scenario, calls_of)
                start = CLOCK()
                ResponseEngine(scenario, stream, 0, seed).run()
                seconds += CLOCK() - start
                calls += len(stream)
        return seconds, calls

    def _costs(self) -> list[tuple[str, Callable[[], tuple[float, int]]]]:
        out: list[tuple[str, Callable[[], tuple[float, int]]]] = [
            (f"engine.{name}.incident_cost_in_floor_events",
             lambda s=scenario, r=reps: engine_seconds(s, r, self.slow))
            for name, scenario, reps in self.engines]
        if self.peer is not None:
            out.append(("peer.utrecht.incident_cost_in_floor_events", self._peer_seconds))
        return out

    @staticmethod
    def _cut_update() -> float:
        """run.py's section (e), the update after a road cut on a 10^5-node grid, in floor events:
        timed by run.py in wall time, so against wall-time floors just before and after."""
        from bench_core import floor_per_event
        from run import oracle

        before = floor_per_event(events=FLOOR_EVENTS, repeats=3)
        seconds = oracle(100_000)["cut_update_seconds"]
        return seconds / ((before + floor_per_event(events=FLOOR_EVENTS, repeats=3)) / 2)

    def round(self, index: int) -> dict[str, float]:
        """One round: floor, cost, floor, cost, ..., floor; then the scaling fits."""
        from run import exponent

        values: dict[str, float] = {}
        before = floor()
        for name, cost in self._costs():
            seconds, count = cost()
            after = floor()
            values[name] = seconds / max(count, 1) / ((before + after) / 2)
            before = after
        for key, points in self.scaling.items():
            order = points if index % 2 == 0 else points[::-1]
            timed = {size: engine_seconds(scenario, 1, self.slow) for size, scenario in order}
            sizes = [size for size, _ in points]
            costs = [timed[s][0] if key == "incidents" else timed[s][0] / timed[s][1] for s in sizes]
            values[f"scaling.{key}.exponent"] = exponent(sizes, costs)
        if self.heavy:
            values["oracle.cut_update_in_floor_events"] = self._cut_update()
        return values

    def close(self) -> None:
        self._folder.cleanup()


def measure(rounds: int, only: list[str] | None = None, heavy: bool = False, slow: float = 0.0,
            log: Callable[[str], None] = print) -> dict:
    """``rounds`` rounds of the guarded figures: {name: {median, iqr, samples}} and context."""
    started = time.perf_counter()
    guard = Guard(only, heavy, slow)
    samples: dict[str, list[float]] = {}
    try:
        for r in range(rounds):
            for name, value in guard.round(r).items():
                samples.setdefault(name, []).append(value)
            log(f"round {r + 1}/{rounds} done ({time.perf_counter() - started:.0f} s)")
    finally:
        guard.close()
    return {"python": platform.python_version(), "simpy": simpy.__version__, "rounds": rounds,
            "slow_engine_us": slow, "seconds": time.perf_counter() - started,
            "figures": {name: summary(values) for name, values in sorted(samples.items())}}


# ---------------------------------------------------------------- comparing


def summary(values: list[float]) -> dict:
    """The median, the interquartile range and the median absolute deviation, and the samples."""
    median = statistics.median(values)
    q1, q3 = np.percentile(values, [25, 75])
    mad = statistics.median(abs(v - median) for v in values)
    return {"median": median, "iqr": float(q3 - q1), "mad": mad, "samples": list(values)}


def limit(name: str, base: dict) -> float:
    """The worst median a run may have: the baseline's median, plus the margin, plus
    ``SPREADS`` times the baseline's IQR. Every guarded figure is better lower."""
    spread = SPREADS * base["iqr"]
    if name.endswith(".exponent"):
        return base["median"] + EXPONENT_MARGIN + spread
    return base["median"] * (1 + MARGIN) + spread


def compare(current: dict, baseline: dict) -> list[str]:
    """The figures whose median is beyond their limit, described."""
    now, base = current["figures"], baseline["figures"]
    worse = []
    for name in sorted(set(now) & set(base)):
        bound = limit(name, base[name])
        if now[name]["median"] > bound:
            worse.append(f"{name}: median {now[name]['median']:.3g} against a baseline of "
                         f"{base[name]['median']:.3g} (limit {bound:.3g})")
    return worse


def report(current: dict, baseline: dict | None) -> None:
    print(f"\n{'figure (lower is better)':<48} {'median':>9} {'IQR':>8}   {'baseline':>9} {'IQR':>8} "
          f"{'limit':>9}")
    base = baseline["figures"] if baseline else {}
    for name, now in current["figures"].items():
        line = f"{name:<48} {now['median']:>9.3g} {now['iqr']:>8.2g}"
        if name in base:
            line += (f"   {base[name]['median']:>9.3g} {base[name]['iqr']:>8.2g} "
                     f"{limit(name, base[name]):>9.3g}")
        print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path,
                        help="measurements (a --json file) to check instead of measuring")
    parser.add_argument("--refresh", action="store_true", help="make these measurements the new baseline")
    parser.add_argument("--rounds", type=int, help=f"rounds to measure (default {ROUNDS}, {REFRESH_ROUNDS} "
                                                   "with --refresh)")
    parser.add_argument("--baseline", type=Path, default=BASELINE, help="the baseline file")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    parser.add_argument("--only", help="comma-separated figure-name prefixes to measure (e.g. engine.pinghu)")
    parser.add_argument("--heavy", action="store_true", help="also the road-cut update on a 10^5-node grid")
    parser.add_argument("--slow-engine", type=float, default=0.0, metavar="US",
                        help="add US microseconds of busy work per engine event (to test the guard)")
    args = parser.parse_args(argv)
    if args.results is not None:
        current = json.loads(args.results.read_text(encoding="utf-8"))
    else:
        rounds = args.rounds or (REFRESH_ROUNDS if args.refresh else ROUNDS)
        if rounds < 3:
            parser.error("--rounds must be at least 3 (a median and a spread)")
        only = [p.strip() for p in args.only.split(",") if p.strip()] if args.only else None
        current = measure(rounds, only, args.heavy, args.slow_engine)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    if args.refresh:
        if current.get("slow_engine_us"):
            parser.error("a slowed engine is not a baseline")
        report(current, None)
        print(f"\n{len(current['figures'])} figures, {current['rounds']} rounds, "
              f"{current.get('seconds', 0):.0f} s")
        if args.only and args.baseline.exists():  # some figures refreshed: the others kept
            kept = json.loads(args.baseline.read_text(encoding="utf-8"))
            if "figures" in kept:
                current = {**kept, "figures": dict(sorted({**kept["figures"], **current["figures"]}.items()))}
        args.baseline.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
        print(f"baseline written to {args.baseline}")
        return 0
    if not args.baseline.exists():
        print(f"no baseline at {args.baseline}: run with --refresh first", file=sys.stderr)
        return 2
    baseline = json.loads(args.baseline.read_text(encoding="utf-8"))
    if "figures" not in baseline:
        print(f"{args.baseline} is a baseline of the old format: run with --refresh", file=sys.stderr)
        return 2
    report(current, baseline)
    worse = compare(current, baseline)
    took = f" ({current['rounds']} rounds, {current['seconds']:.0f} s)" if "seconds" in current else ""
    if worse:
        print(f"\nWORSE than the baseline{took}, beyond {SPREADS:g} IQRs plus {MARGIN:.0%} (exponents: plus "
              f"{EXPONENT_MARGIN:g}):\n  " + "\n  ".join(worse), file=sys.stderr)
        return 1
    print(f"\nno figure worse than the baseline beyond {SPREADS:g} IQRs plus {MARGIN:.0%} (exponents: plus "
          f"{EXPONENT_MARGIN:g}){took}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
