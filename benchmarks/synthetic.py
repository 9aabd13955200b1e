"""Synthetic workloads for the scaling benchmarks: grid road networks of any size, and
scenarios on them with a chosen number of incidents and units."""

from __future__ import annotations

import math

import numpy as np

import sim
from sim.scenario.geography import RoadNetwork

__all__ = ["grid_network", "grid_scenario"]


def _grid(nodes: int) -> tuple[int, int]:
    cols = max(2, int(math.ceil(math.sqrt(nodes))))
    rows = max(2, int(math.ceil(nodes / cols)))
    return rows, cols


def grid_network(nodes: int, seed: int = 1) -> RoadNetwork:
    """About ``nodes`` nodes on a square grid, two-way roads between neighbours, 1-3 minutes
    each (a road network as the oracle sees it, without a scenario)."""
    rows, cols = _grid(nodes)
    n = rows * cols
    index = np.arange(n).reshape(rows, cols)
    pairs = np.concatenate([np.stack([index[:, :-1].ravel(), index[:, 1:].ravel()], 1),
                            np.stack([index[:-1, :].ravel(), index[1:, :].ravel()], 1)])
    minutes = np.random.default_rng(seed).uniform(1, 3, size=len(pairs))
    tail = np.concatenate([pairs[:, 0], pairs[:, 1]])
    head = np.concatenate([pairs[:, 1], pairs[:, 0]])
    road = np.concatenate([np.arange(len(pairs))] * 2)
    arc_minutes = np.concatenate([minutes, minutes])
    return RoadNetwork(node_ids=tuple(f"n{i}" for i in range(n)), tail=tail, head=head, minutes=arc_minutes,
                       km=arc_minutes, road_class=("default",) * len(pairs), tags=((),) * len(pairs),
                       synthetic=True, description=f"{rows} x {cols} grid", arc_road=road)


def grid_scenario(nodes: int = 100, incidents: int = 1000, units: int = 20, stations: int = 10,
                  days: float = 365.0, seed: int = 1) -> sim.Scenario:
    """A scenario on a grid: ``stations`` fire stations spread over it with ``units`` engines in
    all, building fires at a rate giving about ``incidents`` per replication of ``days``."""
    rows, cols = _grid(nodes)
    rng = np.random.default_rng(seed)
    ids = [f"n{r}_{c}" for r in range(rows) for c in range(cols)]
    nodes_raw = [{"id": i, "kind": "village", "lon": 120.0 + 0.01 * (k % cols),
                  "lat": 30.0 + 0.01 * (k // cols),
                  "population": int(rng.integers(100, 1000))} for k, i in enumerate(ids)]
    edges = []
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols:
                edges.append({"from": ids[r * cols + c], "to": ids[r * cols + c + 1],
                              "minutes": float(rng.uniform(1, 3))})
            if r + 1 < rows:
                edges.append({"from": ids[r * cols + c], "to": ids[(r + 1) * cols + c],
                              "minutes": float(rng.uniform(1, 3))})
    where = rng.choice(len(ids), size=min(stations, len(ids)), replace=False)
    facilities = [{"id": f"fs{k}", "kind": "fire_station", "node": ids[i]} for k, i in enumerate(where)]
    share, extra = divmod(units, len(facilities))
    per = [share + (1 if k < extra else 0) for k in range(len(facilities))]
    raw = {
        "name": f"grid {rows}x{cols}",
        "region": {"nodes": nodes_raw, "roads": {"edges": edges}},
        "facilities": facilities,
        "units": [{"type": "engine", "capabilities": ["fire"], "base": f["id"], "count": c}
                  for f, c in zip(facilities, per, strict=True) if c > 0],
        "incident_types": {"fire": {"requires": {"fire": 1}, "target": "15 min",
                                    "on_scene": {"dist": "exponential", "mean": "30 min"}}},
        "generators": [{"type": "fire", "rate": f"{incidents / days * 365:.6g} / y"}],
        "run": {"horizon": f"{days} d", "seed": seed, "replications": 1},
    }
    return sim.load_scenario_data(raw)
