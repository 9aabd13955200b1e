"""Where the time of a simulated year goes: seconds per kind of event (the callback it runs).

    python benchmarks/where.py [--scenario pinghu] [--replications 20] [--core]

Runs one-year replications of a built-in scenario (or a scenario file) with every scheduled
callback timed, and prints, per kind of event, its share of the engine's time, microseconds
per incident and events per incident; what no callback accounts for is SimPy's own scheduling,
setting up the replication and building its records. ``--core`` switches hazards, evacuation
and pre-positioning off (the response core alone, as ``pinghu-core`` in run.py). Timing every
callback adds its own cost, so the shares matter more than the totals. For a function-level
profile run this under a sampling profiler, e.g. ``py-spy record -o year.svg -- python
benchmarks/where.py`` or ``pyinstrument benchmarks/where.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from output import print_rows  # noqa: E402

import sim  # noqa: E402
from sim.engine.response import ResponseEngine  # noqa: E402
from sim.engine.streams import Streams  # noqa: E402
from sim.model.exogenous import draw_replication  # noqa: E402

CORE_ONLY = ["hazards=[]", "prepositioning=[]", "evacuation=null"]


class TimedEngine(ResponseEngine):
    """The engine with every scheduled callback timed into ``seconds`` and ``calls`` (per
    callback name)."""

    def __init__(self, *args, seconds: Counter, calls: Counter, **kwargs) -> None:
        self.seconds, self.calls = seconds, calls
        super().__init__(*args, **kwargs)

    def _timed(self, callback):
        name = callback.__qualname__

        def timed(event, callback=callback, name=name):
            start = time.perf_counter()
            callback(event)
            self.seconds[name] += time.perf_counter() - start
            self.calls[name] += 1

        return timed

    def at(self, delay, callback, value=None):
        super().at(delay, self._timed(callback), value)

    def at_time(self, when, callback, value):
        super().at_time(when, self._timed(callback), value)


def time_callbacks(scenario: sim.Scenario, replications: int) -> dict:
    """Seconds and calls per callback over ``replications`` years, the engine's total seconds,
    incidents and SimPy events."""
    seed = scenario.spec.run.seed
    out = {"seconds": Counter(), "calls": Counter(), "total": 0.0, "incidents": 0, "events": 0}
    for r in range(replications):
        stream, timeline = draw_replication(scenario, Streams(seed, r))
        start = time.perf_counter()
        engine = TimedEngine(scenario, stream, r, seed, timeline=timeline,
                             seconds=out["seconds"], calls=out["calls"])
        engine.run()
        out["total"] += time.perf_counter() - start
        out["incidents"] += len(stream)
        out["events"] += engine.events
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="pinghu", help="scenario file or built-in name")
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--core", action="store_true", help="hazards, evacuation and pre-positioning off")
    args = parser.parse_args(argv)
    overrides = ["run.warmup=0 d", "run.horizon=365 d"] + (CORE_ONLY if args.core else [])
    scenario = sim.load_scenario(args.scenario, overrides)
    m = time_callbacks(scenario, args.replications)
    total, incidents = m["total"], max(m["incidents"], 1)
    rows = [(name, f"{seconds / total:.1%}", f"{seconds * 1e6 / incidents:6.1f} us and "
             f"{m['calls'][name] / incidents:.2f} events per incident")
            for name, seconds in m["seconds"].most_common()]
    rest = total - sum(m["seconds"].values())
    rows.append(("(SimPy scheduling, setup, records)", f"{rest / total:.1%}",
                 f"{rest * 1e6 / incidents:6.1f} us per incident"))
    print(f"{scenario.name}: {args.replications} years, {m['incidents']:,} incidents, {total:.2f} s in the "
          f"engine ({total * 1e6 / incidents:.0f} us per incident, callbacks timed)")
    print_rows(rows, 6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
