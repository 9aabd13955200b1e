"""Travel-time oracles: minutes between any two nodes, and the route a unit drives.

Three modes share one interface (``rows[i][j]``, :meth:`route`, :meth:`nearest`,
``reversible``), so the engine moves every unit the same way:

* road: shortest paths over the road network (all-pairs Dijkstra with
  :func:`scipy.sparse.csgraph.dijkstra`), rebuilt without the roads that are closed; or the
  scenario's travel matrix as is. Rows are minutes at the network's own speeds; a unit's
  ``speed_factor`` divides them;
* air: straight lines. Rows are ``km * 60`` (minutes at 1 km/h); a helicopter's cruise speed
  in km/h divides them;
* water: shortest paths over ``region.waterways`` (in km), or straight lines times
  ``region.water_detour``; again ``km * 60`` divided by the boat's speed.

The event loop only ever reads plain Python lists, never networkx or pandas.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..scenario.geography import RoadNetwork, TravelMatrix, haversine_km

__all__ = ["DirectTravel", "TravelTimes", "straight_line_km"]


class _Oracle:
    """Shared queries over a full matrix of minutes (``rows``)."""

    node_ids: tuple[str, ...]
    minutes: np.ndarray
    rows: list[list[float]]
    reversible: bool

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    def time(self, origin: int, destination: int) -> float:
        """Minutes from ``origin`` to ``destination`` at speed 1 (``inf`` if unreachable)."""
        return self.rows[origin][destination]

    def route(self, origin: int, destination: int) -> tuple[list[int], list[float]]:
        """Nodes of the fastest route and the cumulative minutes at each of them."""
        if origin == destination:
            return [origin], [0.0]
        return [origin, destination], [0.0, self.rows[origin][destination]]

    def nearest(self, origin: int, candidates: list[int]) -> int:
        """The candidate reached fastest from ``origin`` (first one on ties)."""
        row = self.rows[origin]
        return min(candidates, key=lambda node: row[node])


class TravelTimes(_Oracle):
    """Road travel: shortest paths over the network without the ``closed`` roads, or a matrix.

    Parameters
    ----------
    source
        A road network (shortest paths are computed) or a full travel matrix (used as is; a
        route is then the direct link between its two ends).
    closed
        Indices of roads that are cut.
    weights
        Arc weights to use instead of the network's minutes (e.g. ``km * 60`` for waterways).
    """

    def __init__(self, source: RoadNetwork | TravelMatrix, closed: frozenset[int] = frozenset(),
                 weights: np.ndarray | None = None) -> None:
        self.source = source
        self.closed = closed
        self.node_ids = source.node_ids
        self._pred: np.ndarray | None = None
        if isinstance(source, RoadNetwork):
            graph = source.csgraph(weights, closed)
            self.minutes, self._pred = dijkstra(graph, directed=True, return_predecessors=True)
            # A unit between two nodes may turn back only where every road is two-way.
            self.reversible = not source.has_one_way
        else:
            self.minutes = np.array(source.minutes, dtype=float)
            self.reversible = True
        self.rows = self.minutes.tolist()

    def route(self, origin: int, destination: int) -> tuple[list[int], list[float]]:
        if origin == destination or self._pred is None:
            return super().route(origin, destination)
        path = [destination]
        pred = self._pred[origin]
        while path[-1] != origin:
            path.append(int(pred[path[-1]]))
        path.reverse()
        row = self.rows[origin]
        return path, [row[node] for node in path]


def straight_line_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle km between every pair of points."""
    return haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])


class DirectTravel(_Oracle):
    """Straight-line travel (air, or water without a waterway graph): ``km * 60`` per row."""

    reversible = True

    def __init__(self, node_ids: tuple[str, ...], km: np.ndarray) -> None:
        self.node_ids = node_ids
        self.minutes = np.asarray(km, dtype=float) * 60.0
        self.rows = self.minutes.tolist()
