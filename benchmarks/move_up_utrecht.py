"""Does move-up help where units are busy? Utrecht's public ambulance workload (ELASPY).

    python benchmarks/move_up_utrecht.py [--data DIR] [--radius 12] [--json FILE]

The ten one-week call streams of ``../shared/peers/elaspy-utrecht`` (skipped with a message
when the folder is absent) are replayed through the engine exactly as in
``benchmarks/peer_utrecht.py`` (20 ambulances on 9 bases, the stream's calls), once without
move-up and once with each policy of ``dispatch.move_up`` (:mod:`sim.engine.moveup`): DMEXCLP
and the MEXCLP compliance table, told the busy fraction measured without move-up, covering
the workload's demand shares within ``--radius`` minutes. The same streams make the
differences paired: the table shows each policy's mean response, share within 15 minutes and
moves a week, and its difference from no move-up with a 95 % t interval over the ten streams.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))

from output import print_rows, write_json  # noqa: E402
from peer_utrecht import DEFAULT_DATA, incident_stream, load_workload, scenario_for  # noqa: E402

import sim  # noqa: E402
from sim.engine.response import ResponseEngine  # noqa: E402

POLICIES = ("none", "dmexclp", "compliance_table")


def with_move_up(base: sim.Scenario, folder: Path, policy: str, busy: float, radius: float) -> sim.Scenario:
    """The workload's scenario with ``dispatch.move_up`` (the bases: its ambulance bases)."""
    assert base.path is not None
    raw = yaml.safe_load(Path(base.path).read_text(encoding="utf-8"))
    raw["dispatch"]["move_up"] = {"policy": policy, "units": ["ambulance"], "busy": round(busy, 4),
                                  "radius": f"{radius} min"}
    path = folder / f"utrecht-{policy}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return sim.load_scenario(path)


def replay(scenario: sim.Scenario, calls: list[dict[str, str]], seed: int) -> dict[str, float]:
    records = ResponseEngine(scenario, incident_stream(scenario, calls), 0, seed).run()
    inc = records.incidents
    response = np.asarray(inc["first_arrival"]) - np.asarray(inc["occurrence"])
    a = records.assignments
    week = 7 * 1440.0
    free, sent = np.clip(np.asarray(a["free"]), 0, week), np.clip(np.asarray(a["dispatch"]), 0, week)
    busy = float(np.sum(free - sent))
    moves = records.tables.get("move_ups", {}).get("time", [])
    return {"mean": float(np.nanmean(response)), "within_15": float(np.mean(response <= 15.0)),
            "busy": busy / (len(scenario.spec.units) * week), "moves": float(len(moves))}


def paired(a: list[float], b: list[float]) -> tuple[float, float]:
    d = np.asarray(a) - np.asarray(b)
    half = float(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else np.nan
    return float(d.mean()), half


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--radius", type=float, default=12.0, help="coverage radius, minutes (default 12)")
    parser.add_argument("--json", type=Path,
                        default=Path(__file__).parent / "results" / "move_up_utrecht.json")
    args = parser.parse_args(argv)
    if not (args.data / "travel_min.csv").exists():
        print(f"skipped: no Utrecht reference data at {args.data}")
        return 0
    work = load_workload(args.data)
    results: dict[str, list[dict[str, float]]] = {p: [] for p in POLICIES}
    with tempfile.TemporaryDirectory() as folder:
        base = scenario_for(work, Path(folder))
        for seed, calls in work["streams"].items():
            results["none"].append(replay(base, calls, seed))
        busy = float(np.mean([r["busy"] for r in results["none"]]))
        for policy in POLICIES[1:]:
            scenario = with_move_up(base, Path(folder), policy, busy, args.radius)
            for seed, calls in work["streams"].items():
                results[policy].append(replay(scenario, calls, seed))
    rows = []
    out: dict[str, object] = {"busy_fraction": busy, "radius": args.radius, "streams": len(results["none"])}
    for policy in POLICIES:
        mine = results[policy]
        mean = float(np.mean([r["mean"] for r in mine]))
        within = float(np.mean([r["within_15"] for r in mine]))
        moves = float(np.mean([r["moves"] for r in mine]))
        if policy == "none":
            diff = "baseline"
            entry = {"mean": mean, "within_15": within}
        else:
            d, h = paired([r["mean"] for r in mine], [r["mean"] for r in results["none"]])
            dw, hw = paired([r["within_15"] for r in mine], [r["within_15"] for r in results["none"]])
            diff = f"{d:+.2f} +- {h:.2f} min, {100 * dw:+.1f} +- {100 * hw:.1f} points"
            entry = {"mean": mean, "within_15": within, "moves_per_week": moves, "difference_mean": d,
                     "difference_mean_half_width": h, "difference_within_15": dw,
                     "difference_within_15_half_width": hw}
        out[policy] = entry
        rows.append((policy, f"{mean:.2f} min, {100 * within:.1f} % within 15 min, {moves:.0f} moves a week",
                     diff))
    print(f"Utrecht ambulances (ELASPY workload, 10 one-week streams), busy {100 * busy:.1f} % of the time; "
          f"move-up covering within {args.radius:g} min")
    print_rows(rows, 18)
    write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
