"""Which roads a hazard's road-cut selection names (:class:`~sim.scenario.hazard_schema.
RoadSelection`): by OSM way, name, bridge or tunnel, class, or a box or polygon their shape
reaches into.

On a synthetic or hand-written network a road has no ways or names; its shape is the straight
line between its two end nodes, and it is a bridge when tagged ``bridge``.
"""

from __future__ import annotations

import numpy as np

from ..errors import Problem
from .geography import RoadNetwork, TravelMatrix, node_positions
from .hazard_schema import RoadSelection
from .schema import ScenarioSpec

__all__ = ["RoadFacts", "selected_roads", "selection_problems"]


class RoadFacts:
    """What a selection can ask of each road of a network, worked out once."""

    def __init__(self, network: RoadNetwork, lon: np.ndarray, lat: np.ndarray) -> None:
        first = np.unique(network.arc_road, return_index=True)[1]
        ends = network.road_ends()
        self.n_roads = network.n_roads
        self.classes = [network.road_class[a] for a in first.tolist()]
        tags = [network.tags[a] for a in first.tolist()]
        self.tunnel = np.array(["tunnel" in t for t in tags])
        info = network.roads
        if info is not None:
            self.names = [tuple(n.strip().casefold() for n in name.split(";") if n.strip())
                          for name in info.names]
            self.ways = [set(w) for w in info.ways]
            self.bridge = np.asarray(info.bridge, dtype=bool)
            self.shapes = [np.asarray(g, dtype=float).reshape(-1, 2) for g in info.geometry]
        else:
            self.names = [() for _ in range(self.n_roads)]
            self.ways = [set() for _ in range(self.n_roads)]
            self.bridge = np.array(["bridge" in t for t in tags])
            self.shapes = [np.array([[lon[a], lat[a]], [lon[b], lat[b]]]) for a, b in ends.tolist()]


def _inside(points: np.ndarray, ring: np.ndarray) -> bool:
    """Whether any of ``points`` (lon, lat) lies inside the polygon ``ring`` (ray casting)."""
    x, y = points[:, 0][:, None], points[:, 1][:, None]
    x1, y1 = ring[:, 0][None, :], ring[:, 1][None, :]
    x2, y2 = np.roll(ring[:, 0], -1)[None, :], np.roll(ring[:, 1], -1)[None, :]
    crosses = ((y1 > y) != (y2 > y)) & (x < (x2 - x1) * (y - y1) / np.where(y2 == y1, 1e-300, y2 - y1) + x1)
    return bool((crosses.sum(axis=1) % 2 == 1).any())


def selected_roads(facts: RoadFacts, selection: RoadSelection) -> np.ndarray:
    """Boolean mask of the roads the selection names (every criterion it gives must hold)."""
    keep = np.ones(facts.n_roads, dtype=bool)
    if selection.ways:
        wanted = set(selection.ways)
        keep &= np.array([bool(ways & wanted) for ways in facts.ways])
    if selection.names:
        names = {n.strip().casefold() for n in selection.names}
        keep &= np.array([any(n in names for n in road) for road in facts.names])
    if selection.bridges:
        keep &= facts.bridge
    if selection.tunnels:
        keep &= facts.tunnel
    if selection.classes:
        keep &= np.isin(np.array(facts.classes, dtype=object), list(selection.classes))
    if selection.box is not None:
        west, south, east, north = selection.box
        keep &= np.array([bool(((s[:, 0] >= west) & (s[:, 0] <= east) & (s[:, 1] >= south)
                                & (s[:, 1] <= north)).any()) for s in facts.shapes])
    if selection.polygon is not None:
        ring = np.asarray(selection.polygon, dtype=float)
        keep &= np.array([_inside(s, ring) if k else False for s, k in zip(facts.shapes, keep, strict=True)])
    return keep


def selection_problems(spec: ScenarioSpec, travel: RoadNetwork | TravelMatrix, file: str) -> list[Problem]:
    """A road selection that names no road of the network is a mistake (a way id or a name
    mistyped), never silently without effect."""
    if not isinstance(travel, RoadNetwork):
        return []
    facts: RoadFacts | None = None
    problems = []
    for i, hazard in enumerate(spec.hazards):
        cuts = getattr(hazard, "road_cuts", None)
        for j, selection in enumerate(cuts.roads if cuts is not None else []):
            if facts is None:
                facts = RoadFacts(travel, *node_positions(travel, spec.region))
            if not selected_roads(facts, selection).any():
                problems.append(Problem(file, ("hazards", i, "road_cuts", "roads", j),
                                        "selects no road of the network (check the way ids, names, box or "
                                        "polygon; `sim network FILE` lists what a network holds)"))
    return problems
