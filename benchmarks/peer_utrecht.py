"""The engine on a workload nobody here wrote: Utrecht's public ambulance data (ELASPY).

    python benchmarks/peer_utrecht.py [--data DIR] [--json benchmarks/results/utrecht.json]

Reads the reference folder ``../shared/peers/elaspy-utrecht`` next to the repository (or
``--data``); when it is absent, says so and exits 0 (the data is never copied into the
repository). It holds a 231 x 231 siren travel-time matrix, 20 ambulances on 9 bases, 5
hospitals and ten one-week call streams sampled by ELASPY (arrival, node, on-scene time,
transport, handover).

Each stream is replayed through the engine exactly (no draws: the calls are the stream's), with
the workload's rules expressed as a scenario: no turnout or call handling, nearest available
ambulance including those driving back to base (5 % slower than siren), a FIFO queue when none
is free, the patient to the hospital nearest by siren. The same streams also go through a
small independent implementation of ELASPY's rules as its parameters describe them
(``reference_run``), which places an ambulance driving back at the node nearest its
interpolated position; the engine by default lets it drive on to its base or turn back to
where it came from (a travel matrix has no roads in between), and with
``dispatch.returning_position: nearest_node`` follows ELASPY's rule. The table shows the
engine (default rule) and both references, per stream, then the engine under ELASPY's rule
against the reference with it, call by call, with the engine's speed as incidents per second
and as a multiple of the SimPy floor.
"""

from __future__ import annotations

import argparse
import csv
import heapq
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import floor_per_event  # noqa: E402
from output import print_rows, write_json  # noqa: E402

import sim  # noqa: E402
from sim.engine.response import ResponseEngine  # noqa: E402
from sim.model.incidents import IncidentStream  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "peers" / "elaspy-utrecht"
WEEK = 7 * 1440.0
BUSY_WINDOW = (60.0, WEEK)  # as ELASPY's [60, horizon]: the first hour is a warm-up
RETURN_PACE = 0.95          # driving back without siren


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_workload(data: Path) -> dict:
    """The reference folder as plain Python: node ids (file order), matrix, bases, hospitals,
    RD coordinates and the call streams."""
    nodes = _rows(data / "nodes.csv")
    ids = [n["node"] for n in nodes]
    with (data / "travel_min.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)[1:]
        matrix = {row[0]: dict(zip(header, map(float, row[1:]), strict=True)) for row in reader}
    minutes = np.array([[matrix[a][b] for b in ids] for a in ids])
    streams = {}
    for path in sorted((data / "call_streams_week10080").glob("calls_seed*.csv")):
        streams[int(path.stem.removeprefix("calls_seed"))] = _rows(path)
    return {
        "ids": ids, "minutes": minutes,
        "xy": np.array([[float(n["x_rd"]), float(n["y_rd"])] for n in nodes]),
        "lonlat": [(float(n["lon"]), float(n["lat"])) for n in nodes],
        "share": [float(n["demand_share"]) for n in nodes],
        "ambulance_base": [r["base_node"] for r in _rows(data / "ambulances.csv")],
        "hospitals": [r["node"] for r in _rows(data / "hospitals.csv")],
        "streams": streams,
    }


# ---------------------------------------------------------------- the workload as a scenario

def scenario_for(work: dict, folder: Path, returning: str = "route") -> sim.Scenario:
    """A scenario with the workload's places, matrix, ambulances, hospitals and rules
    (``returning``: the engine's ``dispatch.returning_position``)."""
    ids = work["ids"]
    name = {i: f"n{i}" for i in ids}
    matrix_path = folder / "travel_min.csv"
    with matrix_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["node", *(name[i] for i in ids)])
        for i, row in zip(ids, work["minutes"].tolist(), strict=True):
            writer.writerow([name[i], *(repr(v) for v in row)])
    bases = sorted(set(work["ambulance_base"]), key=work["ambulance_base"].index)
    raw = {
        "name": "Utrecht ambulances (ELASPY workload)",
        "region": {
            "nodes": [{"id": name[i], "kind": "community", "lon": lon, "lat": lat,
                       "population": max(1, round(share * 1_000_000))}
                      for i, (lon, lat), share in zip(ids, work["lonlat"], work["share"], strict=True)],
            "travel_matrix": matrix_path.name,
        },
        "facilities": [{"id": f"base-{b}", "kind": "team_base", "node": name[b]} for b in bases]
        + [{"id": f"hospital-{h}", "kind": "hospital", "node": name[h]} for h in work["hospitals"]],
        # one group per ambulance, in ambulance order: unit numbers break ties as ELASPY's ids do
        "units": [{"id": f"amb{k}", "type": "ambulance", "capabilities": ["ems"], "base": f"base-{b}",
                   "count": 1, "turnout": "0 min"} for k, b in enumerate(work["ambulance_base"])],
        "incident_types": {"call": {
            "priority": 1, "requires": {"ems": 1}, "target": "15 min",
            "on_scene": {"dist": "lognormal", "mean": "30 min", "sd": "11 min"},   # replaced by the stream's
            "hospital": {"probability": 0.63, "handover": "30 min", "by": "ems"}}},
        "generators": [{"type": "call", "rate": "186 / d", "where": {"weight": "population"}}],
        "dispatch": {"policy": "nearest_available", "when_no_unit": "queue", "redispatch_returning": True,
                     "return_speed_factor": RETURN_PACE, "returning_position": returning},
        "run": {"horizon": "7 d", "warmup": "0 min", "drain": True, "seed": 110, "replications": 10},
    }
    path = folder / f"utrecht-{returning}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return sim.load_scenario(path)


def incident_stream(scenario: sim.Scenario, calls: list[dict[str, str]]) -> IncidentStream:
    """The calls of one stream as the engine's incidents (no delays, no draws)."""
    n = len(calls)
    zeros = np.zeros(n)
    index = scenario.node_index
    return IncidentStream(
        time=np.array([float(c["arrival_min"]) for c in calls]),
        node=np.array([index[f"n{c['node']}"] for c in calls], dtype=np.int64),
        type_index=np.zeros(n, dtype=np.int64), generator_index=np.zeros(n, dtype=np.int64),
        detection_delay=zeros, report_delay=zeros, handling_time=zeros,
        on_scene=np.array([float(c["onscene_min"]) for c in calls]),
        transport=np.array([c["to_hospital"] == "1" for c in calls]),
        handover=np.array([float(c["handover_min"]) for c in calls]),
        turnout_u=np.zeros((n, 1)), type_names=("call",), generator_names=("elaspy",))


def engine_run(scenario: sim.Scenario, calls: list[dict[str, str]], seed: int) -> tuple[dict, float, int]:
    """Figures of one stream through the engine, the seconds its event loop took, its events."""
    stream = incident_stream(scenario, calls)
    start = time.perf_counter()
    engine = ResponseEngine(scenario, stream, 0, seed)
    records = engine.run()
    seconds = time.perf_counter() - start
    inc = records.incidents
    response = np.asarray(inc["first_arrival"]) - np.asarray(inc["occurrence"])
    a = records.assignments
    busy = _overlap(np.asarray(a["dispatch"]), np.asarray(a["free"]))
    return figures(response, busy, len(scenario.spec.units)), seconds, engine.events


# ---------------------------------------------------------------- ELASPY's rules, independently

def reference_run(work: dict, calls: list[dict[str, str]], returns: str = "snap") -> dict:
    """The stream under ELASPY's rules as its parameters state them, in plain Python: at a call
    the nearest ambulance not busy goes; when none is free the call waits, and the next
    ambulance to finish takes the oldest waiting call from where it finished. An ambulance
    driving back to base is, with ``returns="snap"`` (ELASPY), at the node nearest its
    interpolated RD position; with ``returns="drive"`` (the engine's rule on a travel matrix) it
    drives on to its base or turns back to where it came from, whichever is faster."""
    ids = work["ids"]
    at = {i: k for k, i in enumerate(ids)}
    t_min = work["minutes"]
    xy = work["xy"]
    bases = [at[b] for b in work["ambulance_base"]]
    hospitals = [at[h] for h in work["hospitals"]]
    free_from: list[tuple[int, float] | None] = [(b, -math.inf) for b in bases]  # (node, since)
    finishing: list[tuple[float, int, int]] = []  # heap of (time, ambulance, node)
    waiting: list[int] = []  # FIFO of the calls no ambulance was free for
    response = np.full(len(calls), math.nan)
    busy_from, busy_to = [], []

    def minutes_to(k: int, patient: int, now: float) -> float:
        node, since = free_from[k]
        base = bases[k]
        if node == base:
            return t_min[base, patient]
        total = t_min[node, base] / RETURN_PACE
        if now - since >= total:
            free_from[k] = (base, now)
            return t_min[base, patient]
        if returns == "drive":
            done = (now - since) * RETURN_PACE   # siren minutes of the way driven
            forward = t_min[node, base] - done + t_min[base, patient]
            back = done + t_min[node, patient]
            return back if back < forward else forward
        point = xy[node] + (now - since) / total * (xy[base] - xy[node])
        return t_min[int(np.argmin(((xy - point) ** 2).sum(axis=1))), patient]  # first node on ties

    def serve(k: int, travel: float, now: float, c: int) -> None:
        call, patient = calls[c], at[calls[c]["node"]]
        response[c] = now - float(call["arrival_min"]) + travel
        end = now + travel + float(call["onscene_min"])
        node = patient
        if call["to_hospital"] == "1":
            hospital = min(hospitals, key=lambda h: t_min[patient, h])
            end += t_min[patient, hospital] + float(call["handover_min"])
            node = hospital
        busy_from.append(now)
        busy_to.append(end)
        free_from[k] = None
        heapq.heappush(finishing, (end, k, node))

    def finish_until(now: float) -> None:
        while finishing and finishing[0][0] <= now:
            end, k, node = heapq.heappop(finishing)
            if waiting:
                c = waiting.pop(0)
                serve(k, t_min[node, at[calls[c]["node"]]], end, c)
            else:
                free_from[k] = (node, end)

    for c, call in enumerate(calls):
        now = float(call["arrival_min"])
        finish_until(now)
        patient = at[call["node"]]
        free = [k for k in range(len(bases)) if free_from[k] is not None]
        if not free:
            waiting.append(c)
            continue
        travel = {k: minutes_to(k, patient, now) for k in free}
        k = min(free, key=lambda j: (travel[j], j))
        serve(k, travel[k], now, c)
    finish_until(math.inf)
    busy = _overlap(np.array(busy_from), np.array(busy_to))
    return figures(response, busy, len(bases))


# ---------------------------------------------------------------- figures

def _overlap(start: np.ndarray, end: np.ndarray) -> float:
    low, high = BUSY_WINDOW
    return float(np.clip(np.minimum(end, high) - np.maximum(start, low), 0.0, None).sum())


def figures(response: np.ndarray, busy_minutes: float, units: int) -> dict:
    """Mean and P95 response (ELASPY's inverted-CDF quantile), the busy fraction, and the
    response of every call in call order (``responses``, left out of the JSON)."""
    return {"responses": response, "calls": int(len(response)), "mean_response": float(response.mean()),
            "p95_response": float(np.quantile(response, 0.95, method="inverted_cdf")),
            "busy_fraction": busy_minutes / ((BUSY_WINDOW[1] - BUSY_WINDOW[0]) * units)}


def _row(label: str, *sides: dict) -> tuple[str, str, str]:
    return (label, "mean " + " / ".join(f"{s['mean_response']:.2f}" for s in sides),
            "P95 " + " / ".join(f"{s['p95_response']:.1f}" for s in sides) + ", busy "
            + " / ".join(f"{s['busy_fraction']:.1%}" for s in sides))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the reference folder")
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "utrecht.json")
    args = parser.parse_args(argv)
    if not (args.data / "travel_min.csv").exists():
        print(f"skipped: no Utrecht reference data at {args.data}")
        return 0
    out, rows = measure(args.data)
    print("Utrecht ambulance workload (ELASPY, 231 nodes, 20 ambulances), engine / reference with\n"
          "ELASPY's rule for ambulances driving back / reference with the engine's rule for them")
    print_rows(rows, 20)
    write_json(args.json, out)
    return 0


def measure(data: Path) -> tuple[dict, list[tuple[str, str, str]]]:
    """Every stream through the engine and both references: the figures and the table rows."""
    work = load_workload(data)
    rows, out = [], {"streams": {}}
    engine_seconds = events = calls = 0
    snapped: list[dict] = []
    snap_largest = 0.0
    with tempfile.TemporaryDirectory() as folder:
        scenario = scenario_for(work, Path(folder))
        elaspy_rule = scenario_for(work, Path(folder), "nearest_node")
        floor = floor_per_event()
        for seed, stream in work["streams"].items():
            ours, seconds, n_events = engine_run(scenario, stream, seed)
            ref = reference_run(work, stream)
            same_rule = reference_run(work, stream, returns="drive")
            theirs = engine_run(elaspy_rule, stream, seed)[0]
            snapped.append(theirs)
            snap_largest = max(snap_largest, float(np.abs(theirs["responses"] - ref["responses"]).max()))
            engine_seconds += seconds
            events += n_events
            calls += len(stream)
            out["streams"][seed] = {
                **{side: {k: v for k, v in f.items() if k != "responses"}
                   for side, f in (("engine", ours), ("reference", ref), ("reference_drive", same_rule))},
                "engine_seconds": seconds,
                "largest_difference_from_reference_drive":
                    float(np.abs(ours["responses"] - same_rule["responses"]).max())}
            rows.append(_row(f"seed {seed}: {len(stream)} calls", ours, ref, same_rule))
        floor = min(floor, floor_per_event())
    mean = {side: {key: float(np.mean([s[side][key] for s in out["streams"].values()]))
                   for key in ("mean_response", "p95_response", "busy_fraction")}
            for side in ("engine", "reference", "reference_drive")}
    out.update(mean=mean, calls=calls, engine_seconds=engine_seconds, engine_events=events,
               floor_seconds_per_event=floor, incidents_per_s=calls / engine_seconds,
               incident_cost_in_floor_events=engine_seconds / calls / floor)
    rows.append(_row("mean of the streams", mean["engine"], mean["reference"], mean["reference_drive"]))
    largest = max(s["largest_difference_from_reference_drive"] for s in out["streams"].values())
    out["largest_difference_from_reference_drive"] = largest
    rows.append(("engine vs reference, same rule", f"{largest:.1e} min",
                 f"the largest difference in any call's response time, over {calls:,} calls"))
    mean["engine_nearest_node"] = {key: float(np.mean([s[key] for s in snapped]))
                                   for key in ("mean_response", "p95_response", "busy_fraction")}
    out["largest_difference_nearest_node_from_reference"] = snap_largest
    rows.append(_row("engine, ELASPY's rule / reference", mean["engine_nearest_node"], mean["reference"]))
    rows.append(("engine vs reference, ELASPY's rule", f"{snap_largest:.1e} min",
                 "the largest difference in any call's response time (dispatch.returning_position: "
                 "nearest_node)"))
    rows.append(("engine speed", f"{out['incidents_per_s']:,.0f} calls/s",
                 f"{out['incident_cost_in_floor_events']:.0f}x floor per call, "
                 f"{events / calls:.1f} SimPy events per call"))
    return out, rows


if __name__ == "__main__":
    sys.exit(main())
