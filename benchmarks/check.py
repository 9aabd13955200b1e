"""Regression guard: fail when a benchmark ratio is more than 25 % worse than the baseline,
or a scaling exponent more than 0.25 higher.

    python benchmarks/check.py                    # run the suite, compare with baseline.json
    python benchmarks/check.py --results FILE     # compare a suite.json already written
    python benchmarks/check.py --refresh          # run the suite and make it the new baseline

Only figures measured within one run are compared (costs in floor events, parallel
efficiency, the road-cut update in floor events, scaling exponents, the speed-up of a cached
network import over a cold one), so the check holds across machines of different speeds; and
the peak memory of the county on imported roads, which no machine's speed enters. A figure is
compared only when both runs have it (a run of some sections: ``run.py --section``). An
exponent is compared by difference, not by ratio: one near zero (cost against units) moves by
a large fraction of itself between runs, and what matters is how much steeper the cost grows.
Refresh the baseline after a deliberate change (and say why in the
commit); it is kept out of the test run because timings need a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.json"
TOLERANCE = 0.25           # a ratio may be this fraction worse
EXPONENT_TOLERANCE = 0.25  # an exponent may be this much higher


def ratios(figures: dict) -> dict[str, tuple[float, bool]]:
    """Name -> (value, higher is better), of the sections the run had (``run.py --section``)."""
    floor = figures["floor_seconds_per_event"]
    out = {f"engine.{name}.incident_cost_in_floor_events": (e["incident_cost_in_floor_events"], False)
           for name, e in figures.get("engine", {}).items()}
    out.update({f"scaling.{key}.exponent": (v["exponent"], False)
                for key, v in figures.get("scaling", {}).items()})
    if "batches" in figures:
        out["batches.efficiency"] = (figures["batches"]["efficiency"], True)
    if "oracle" in figures:
        out["oracle.cut_update_in_floor_events"] = (figures["oracle"]["cut_update_seconds"] / floor, False)
    for name, peer in figures.get("peer", {}).items():  # only when the peer data was there
        out[f"peer.{name}.incident_cost_in_floor_events"] = (peer["incident_cost_in_floor_events"], False)
    roads = figures.get("roads", {})
    for name, entry in roads.get("import", {}).items():  # Helsinki only when the extract was there
        out[f"roads.import.{name}.speed_up"] = (entry["speed_up"], True)
    for name, entry in roads.get("engine", {}).items():
        out[f"roads.engine.{name}.incident_cost_in_floor_events"] = (entry["incident_cost_in_floor_events"],
                                                                     False)
    for name, entry in roads.get("memory", {}).items():  # MB, not a ratio, but no machine's speed in it
        out[f"roads.memory.{name}.peak_rss_mb"] = (entry["peak_rss_mb"], False)
    return out


def compare(current: dict, baseline: dict) -> list[str]:
    """The ratios that got worse by more than the tolerance, described."""
    now, base = ratios(current), ratios(baseline)
    worse = []
    for name, (value, higher) in sorted(base.items()):
        if name not in now:
            continue
        got = now[name][0]
        if name.endswith(".exponent"):
            limit = value + EXPONENT_TOLERANCE
        else:
            limit = value / (1 + TOLERANCE) if higher else value * (1 + TOLERANCE)
        if (got < limit) if higher else (got > limit):
            worse.append(f"{name}: {got:.3g} against a baseline of {value:.3g} (limit {limit:.3g})")
    return worse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, help="a suite.json to check instead of running the suite")
    parser.add_argument("--refresh", action="store_true", help="make these results the new baseline")
    args = parser.parse_args(argv)
    results = args.results
    if results is None:
        results = Path(tempfile.mkdtemp()) / "suite.json"
        subprocess.run([sys.executable, str(HERE / "run.py"), "--json", str(results)], check=True)
    current = json.loads(results.read_text(encoding="utf-8"))
    if args.refresh:
        shutil.copyfile(results, BASELINE)
        print(f"baseline refreshed from {results}")
        return 0
    if not BASELINE.exists():
        print(f"no baseline at {BASELINE}: run with --refresh first", file=sys.stderr)
        return 2
    worse = compare(current, json.loads(BASELINE.read_text(encoding="utf-8")))
    for name, (value, higher) in sorted(ratios(current).items()):
        print(f"{name:<55} {value:>10.3g}  ({'higher' if higher else 'lower'} is better)")
    if worse:
        print("\nWORSE than the baseline (ratios by more than 25 %, exponents by more than 0.25):\n  "
              + "\n  ".join(worse), file=sys.stderr)
        return 1
    print("\nno ratio is more than 25 % worse than the baseline, no exponent more than 0.25 higher")
    return 0


if __name__ == "__main__":
    sys.exit(main())
