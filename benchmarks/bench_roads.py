"""A county on an imported road network, for the suite's section (g) (see run.py): about the
size of Pinghu's forces on the synthetic OSM grid of bench_import.py, and the same county on a
synthetic grid written inline (``region.nodes`` and ``region.roads``) for comparison.

    python benchmarks/bench_roads.py memory SCENARIO.yaml [--replications 3] [--trace]

measures one scenario's peak memory in this fresh process (the suite calls it so that nothing
else it ran counts): the peak resident set (``ru_maxrss``) after loading the scenario and
simulating its replications, and with ``--trace`` the peak of Python's own allocations
(``tracemalloc``, which slows the run and adds its own bookkeeping to the resident set). It
prints the figures as JSON.

The county (:func:`write_county`): 30 villages with people on a jittered lattice over the
network's extent; 60 stations near them (12 fire stations with 2 engines each, 12 township
stations with a rescue team, 32 volunteer teams of 1 or 2 crews, 4 hospitals with 4
ambulances), 100 units in all; building and outdoor fires, medical calls and accidents, about
1,500 a year; and two storms a year, each cutting about one road in 2,000 for some hours. The
places are a CSV file (:mod:`sim.scenario.places`).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import yaml

import sim

__all__ = ["county", "grid_county", "imported_county", "peak_rss_mb", "write_county"]

VILLAGES = 30
FIRE_STATIONS = 12
TOWNSHIP_STATIONS = 12
VOLUNTEER_TEAMS = 32
HOSPITALS = 4
RATES = {"building_fire": 150, "outdoor_fire": 450, "medical": 700, "accident": 200}  # a year

INCIDENT_TYPES = {
    "building_fire": {"priority": 1, "requires": {"fire": 2, "first_attack": 1}, "target": "15 min",
                      "on_scene": {"dist": "lognormal", "mean": "75 min", "sd": "40 min"},
                      "detection_delay": {"dist": "exponential", "mean": "5 min"}},
    "outdoor_fire": {"priority": 2, "requires": {"first_attack": 1}, "target": "15 min",
                     "on_scene": {"dist": "lognormal", "mean": "30 min", "sd": "15 min"}},
    "medical": {"priority": 1, "requires": {"ems": 1}, "target": "12 min", "on_scene": "20 min",
                "hospital": {"probability": 0.6, "by": "ems", "handover": "15 min"}},
    "accident": {"priority": 1, "requires": {"rescue": 1, "ems": 1}, "target": "15 min",
                 "on_scene": {"dist": "gamma", "mean": "60 min", "sd": "30 min"},
                 "hospital": {"probability": 0.5, "by": "ems", "handover": "15 min"}},
}
STORMS = {"kind": "typhoon", "id": "storms", "rate": "2 / y", "lead": "24 h", "duration": "24 h",
          "intensity": {"default": 1.0},
          "road_cuts": {"probability": 0.0005,
                        "repair": {"dist": "lognormal", "mean": "12 h", "sd": "8 h"}}}


def write_county(path: Path, box: tuple[float, float, float, float], seed: int = 1) -> list[dict[str, Any]]:
    """Write the county's places (villages and stations) inside ``box`` (lon0, lat0, lon1,
    lat1) to the CSV file ``path``; return the rows."""
    lon0, lat0, lon1, lat1 = box
    rng = np.random.default_rng(seed)
    cols, rows_ = 6, math.ceil(VILLAGES / 6)
    dx, dy = (lon1 - lon0) / cols, (lat1 - lat0) / rows_
    places: list[dict[str, Any]] = []
    villages = []
    for k in range(VILLAGES):
        lon = lon0 + dx * (k % cols + 0.5 + rng.uniform(-0.3, 0.3))
        lat = lat0 + dy * (k // cols + 0.5 + rng.uniform(-0.3, 0.3))
        villages.append((lon, lat))
        places.append({"id": f"v{k}", "name": f"Village {k}", "kind": "village", "lon": round(lon, 6),
                       "lat": round(lat, 6), "population": int(rng.integers(2_000, 40_000)),
                       "tags": "flood-prone" if k % 4 == 0 else ""})

    def near(k: int, km: float) -> tuple[float, float]:
        lon, lat = villages[k % VILLAGES]
        return (round(lon + rng.uniform(-km, km) / 85.0, 6), round(lat + rng.uniform(-km, km) / 111.0, 6))

    stations = [("fs", "fire_station", FIRE_STATIONS), ("ts", "township_station", TOWNSHIP_STATIONS),
                ("vol", "volunteer_team", VOLUNTEER_TEAMS), ("h", "hospital", HOSPITALS)]
    for prefix, kind, count in stations:
        chosen = rng.choice(VILLAGES, size=count, replace=count > VILLAGES)
        for k, village in enumerate(chosen.tolist()):
            lon, lat = near(village, 1.0)
            places.append({"id": f"{prefix}{k}", "name": "", "kind": kind, "lon": lon, "lat": lat,
                           "population": "", "tags": ""})
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "name", "kind", "lon", "lat", "population", "tags"])
        writer.writeheader()
        writer.writerows(places)
    return places


def county(region: dict[str, Any], days: float = 365.0, seed: int = 1, replications: int = 3,
           storms: bool = True) -> dict[str, Any]:
    """The county's scenario mapping on ``region`` (which lists the places file); without
    ``storms``, everyday incidents only."""
    units = [{"type": "engine", "capabilities": ["fire", "first_attack"], "base": f"fs{k}", "count": 2,
              "turnout": "1 min"} for k in range(FIRE_STATIONS)]
    units += [{"type": "rescue_team", "capabilities": ["rescue"], "base": f"ts{k}", "count": 1,
               "turnout": "3 min"} for k in range(TOWNSHIP_STATIONS)]
    units += [{"type": "volunteer_team", "capabilities": ["first_attack"], "base": f"vol{k}",
               "count": 1 + k % 2, "speed_factor": 0.8,
               "turnout": {"dist": "triangular", "low": "3 min", "mode": "5 min", "high": "12 min"}}
              for k in range(VOLUNTEER_TEAMS)]
    units += [{"type": "ambulance", "capabilities": ["ems"], "base": f"h{k}", "count": 4, "turnout": "1 min"}
              for k in range(HOSPITALS)]
    return {
        "name": "benchmark county on roads",
        "region": region,
        "units": units,
        "incident_types": INCIDENT_TYPES,
        "generators": [{"type": name, "rate": f"{rate} / y", "where": {"weight": "population"}}
                       for name, rate in RATES.items()],
        "hazards": [STORMS] if storms else [],
        "run": {"horizon": f"{days} d", "seed": seed, "replications": replications},
    }


def _box(network: Path, cache_dir: Path | None) -> tuple[float, float, float, float]:
    """The extent of an imported network's junctions, 3 % in from each side."""
    from sim.network import load_network

    net = load_network(network, cache_dir=cache_dir)
    lon0, lon1 = float(net.node_lon.min()), float(net.node_lon.max())
    lat0, lat1 = float(net.node_lat.min()), float(net.node_lat.max())
    mx, my = 0.03 * (lon1 - lon0), 0.03 * (lat1 - lat0)
    return lon0 + mx, lat0 + my, lon1 - mx, lat1 - my


def imported_county(folder: Path, network: Path, cache_dir: Path | None = None, **run: Any) -> Path:
    """Write the county on the road network file ``network`` (its places over the network's
    extent) into ``folder`` as ``places.csv`` and ``county.yaml``; return the scenario file."""
    write_county(folder / "places.csv", _box(network, cache_dir))
    raw = county({"road_network": {"file": str(network.resolve())}, "places": ["places.csv"]}, **run)
    path = folder / "county.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def grid_county(folder: Path, nodes: int, **run: Any) -> sim.Scenario:
    """The county of ``folder/places.csv`` (written by :func:`imported_county`) on a synthetic
    grid of about ``nodes`` junctions over the same extent, written inline: streets of 25 km/h,
    every tenth one 50 km/h, a block about 110 m by 85 m as on bench_import's OSM grid, and each
    place joined to its nearest junction by an access road (1.3 times the straight distance, at
    20 km/h, as an imported network's). Loaded straight from the mapping (no YAML: a mapping of
    10^5 nodes parses slowly)."""
    with open(folder / "places.csv", encoding="utf-8") as handle:
        places = list(csv.DictReader(handle))
    lon = np.array([float(p["lon"]) for p in places])
    lat = np.array([float(p["lat"]) for p in places])
    side = max(2, math.ceil(math.sqrt(nodes)))
    step_lon = (lon.max() - lon.min()) * 1.06 / (side - 1)
    step_lat = (lat.max() - lat.min()) * 1.06 / (side - 1)
    lon0, lat0 = lon.min() - 0.03 * step_lon * (side - 1), lat.min() - 0.03 * step_lat * (side - 1)
    block_x = step_lon * 111.32 * math.cos(math.radians(float(lat.mean())))
    block_y = step_lat * 110.57
    ids = [f"g{i}_{j}" for i in range(side) for j in range(side)]
    region_nodes = [{"id": ids[i * side + j], "kind": "junction", "lon": round(lon0 + j * step_lon, 6),
                     "lat": round(lat0 + i * step_lat, 6)} for i in range(side) for j in range(side)]
    edges = []
    for i in range(side):
        for j in range(side):
            here = ids[i * side + j]
            if j + 1 < side:
                edges.append({"from": here, "to": ids[i * side + j + 1], "km": round(block_x, 4),
                              "class": "main" if i % 10 == 0 else "local"})
            if i + 1 < side:
                edges.append({"from": here, "to": ids[(i + 1) * side + j], "km": round(block_y, 4),
                              "class": "main" if j % 10 == 0 else "local"})
    gi = np.clip(np.rint((lat - lat0) / step_lat), 0, side - 1).astype(int)
    gj = np.clip(np.rint((lon - lon0) / step_lon), 0, side - 1).astype(int)
    for p, i, j in zip(places, gi.tolist(), gj.tolist(), strict=True):
        km = math.hypot((float(p["lon"]) - (lon0 + j * step_lon)) / step_lon * block_x,
                        (float(p["lat"]) - (lat0 + i * step_lat)) / step_lat * block_y)
        edges.append({"from": p["id"], "to": ids[i * side + j], "minutes": max(km * 1.3 / 20.0 * 60.0, 1e-3)})
    region = {"nodes": region_nodes, "places": ["places.csv"],
              "roads": {"speeds": {"main": "50 km/h", "local": "25 km/h"}, "edges": edges}}
    return sim.load_scenario_data(county(region, **run), path=folder / "grid.yaml")


def peak_rss_mb() -> float:
    """This process's peak resident set so far, in MiB: ``VmHWM`` of ``/proc/self/status`` on
    Linux (its own, from its exec: ``ru_maxrss`` keeps the parent's peak across fork and exec,
    so a benchmark run from a big process would report that one's), else ``ru_maxrss`` (KiB
    on Linux, bytes on macOS). The kernel updates the high-water mark lazily, so a later
    reading can be a little lower than an earlier one: keep the larger."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def memory(scenario_file: Path, replications: int, trace: bool) -> dict[str, float]:
    """Load ``scenario_file`` and simulate its first ``replications``: peak memory in MiB."""
    before = peak_rss_mb()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    scenario = sim.load_scenario(scenario_file)
    loaded = time.perf_counter()
    incidents = 0
    for r in range(replications):
        incidents += len(sim.simulate(scenario, r).incidents["incident"])
    out = {"replications": replications, "incidents": incidents, "nodes": scenario.travel.n_nodes,
           "load_seconds": loaded - started, "run_seconds": time.perf_counter() - loaded,
           "rss_before_mb": before, "peak_rss_mb": max(before, peak_rss_mb())}
    if trace:
        out["python_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    mem = sub.add_parser("memory", help="peak memory of loading and running a scenario, as JSON")
    mem.add_argument("scenario", type=Path)
    mem.add_argument("--replications", type=int, default=3)
    mem.add_argument("--trace", action="store_true", help="also the peak of Python's allocations (slower)")
    args = parser.parse_args(argv)
    print(json.dumps(memory(args.scenario, args.replications, args.trace)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
