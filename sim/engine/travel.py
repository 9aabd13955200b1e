"""The travel-time oracle: minutes between any two nodes, and the route a unit drives.

Built once per scenario from the road network (all-pairs Dijkstra with
:func:`scipy.sparse.csgraph.dijkstra`) or taken from the scenario's travel matrix. The event
loop only ever reads plain Python lists, never networkx or pandas.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..scenario.geography import RoadNetwork, TravelMatrix

__all__ = ["TravelTimes"]


class TravelTimes:
    """Shortest travel minutes between nodes, and the node sequence of each route.

    Parameters
    ----------
    source
        A road network (shortest paths are computed) or a full travel matrix (used as is; a
        route is then the direct link between its two ends).
    """

    def __init__(self, source: RoadNetwork | TravelMatrix) -> None:
        self.source = source
        self.node_ids = source.node_ids
        if isinstance(source, RoadNetwork):
            minutes, predecessors = dijkstra(source.csgraph(), directed=True, return_predecessors=True)
            self._pred: np.ndarray | None = predecessors
            # A unit between two nodes may turn back only where every road is two-way.
            self.reversible = not source.has_one_way
        else:
            minutes, self._pred = np.array(source.minutes, dtype=float), None
            self.reversible = True
        self.minutes: np.ndarray = minutes
        self.rows: list[list[float]] = minutes.tolist()

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    def time(self, origin: int, destination: int) -> float:
        """Shortest travel minutes at the network's own speeds."""
        return self.rows[origin][destination]

    def route(self, origin: int, destination: int) -> tuple[list[int], list[float]]:
        """Nodes of the fastest route and the cumulative minutes at each of them."""
        if origin == destination:
            return [origin], [0.0]
        if self._pred is None:
            return [origin, destination], [0.0, self.rows[origin][destination]]
        path = [destination]
        pred = self._pred[origin]
        while path[-1] != origin:
            path.append(int(pred[path[-1]]))
        path.reverse()
        row = self.rows[origin]
        return path, [row[node] for node in path]

    def nearest(self, origin: int, candidates: list[int]) -> int:
        """The candidate node reached fastest from ``origin`` (first one on ties)."""
        row = self.rows[origin]
        return min(candidates, key=lambda node: row[node])
