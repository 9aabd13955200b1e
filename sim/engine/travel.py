"""Travel-time oracles: minutes between any two nodes, and the route a unit drives.

Three modes share one interface (``rows[i][j]``, :meth:`route`, :meth:`nearest`,
``reversible``), so the engine moves every unit the same way:

* road: shortest paths over the road network without the roads that are closed, one origin
  at a time (:func:`scipy.sparse.csgraph.dijkstra`), computed when first asked for and kept;
  or the scenario's travel matrix as is. Rows are minutes at the network's own speeds; a
  unit's ``speed_factor`` divides them;
* air: straight lines. Rows are ``km * 60`` (minutes at 1 km/h); a helicopter's cruise speed
  in km/h divides them;
* water: shortest paths over ``region.waterways`` (in km), or straight lines times
  ``region.water_detour``; again ``km * 60`` divided by the boat's speed.

Beyond ``EAGER_NODES`` nodes, rows are computed on first use, so a region of 100,000 nodes
costs only the rows the run reads (its stations, depots and the places units pass through).
When roads close or reopen, :meth:`TravelTimes.after` derives the new state from the old one
and keeps every row the change cannot affect: closing a road changes a row only if its
shortest-path tree uses one of the road's arcs; reopening one, only if an arc would shorten
a path. The event loop only ever reads plain Python lists, never networkx or pandas.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]  # scipy ships no type hints

from ..scenario.geography import RoadNetwork, TravelMatrix, haversine_km

__all__ = ["DirectTravel", "EAGER_NODES", "LazyRows", "TravelTimes", "straight_line_km"]

EAGER_NODES = 500  # up to this many nodes, all rows are computed at once (one Dijkstra call)
_FINITE = float(np.finfo(float).max)  # shortest paths never go over an infinite (cut) entry


class LazyRows:
    """``rows[i]``: the list of minutes from node ``i`` to every node, computed on first use."""

    __slots__ = ("_rows", "_compute", "_known")

    def __init__(self, n: int, compute: Callable[[int], list[float]]) -> None:
        self._rows: list[list[float] | None] = [None] * n
        self._compute = compute
        self._known: list[int] = []  # origins with a row, so listing them scans no empty slots

    def __getitem__(self, origin: int) -> list[float]:
        row = self._rows[origin]
        if row is None:
            row = self._rows[origin] = self._compute(origin)
            self._known.append(origin)
        return row

    def __len__(self) -> int:
        return len(self._rows)

    def known(self) -> list[int]:
        """Origins whose row has been computed, in increasing order."""
        return sorted(self._known)

    def put(self, origin: int, row: list[float]) -> None:
        if self._rows[origin] is None:
            self._known.append(origin)
        self._rows[origin] = row


class _Oracle:
    """Shared queries over rows of minutes (``rows[origin][destination]``)."""

    node_ids: tuple[str, ...]
    rows: LazyRows | list[list[float]]
    reversible: bool

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def minutes(self) -> np.ndarray:
        """The full matrix (every row computed: for small regions and tests)."""
        return np.array([self.rows[i] for i in range(self.n_nodes)], dtype=float)

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
        self._weights = weights
        self._pred: dict[int, np.ndarray] | np.ndarray = {}  # per origin (all rows: one array)
        self._unreachable: dict[tuple[tuple[int, ...], int | None], frozenset[int]] = {}
        if isinstance(source, RoadNetwork):
            self._graph = source.closed_graph(closed) if weights is None else source.csgraph(weights, closed)
            # A unit between two nodes may turn back only where every road is two-way.
            self.reversible = not source.has_one_way
            if source.n_nodes <= EAGER_NODES:  # small: every row in one call, read as plain lists
                dist, pred = dijkstra(self._graph, directed=True, return_predecessors=True, limit=_FINITE)
                self.rows = dist.tolist()
                self._pred = pred
            else:
                # the search holds the graph and the predecessors, not this oracle: a road state
                # dropped from the scenario's cache is freed at once (its rows too), instead of
                # waiting, a cycle with its rows, for a full garbage collection
                preds: dict[int, np.ndarray] = {}
                self._pred = preds
                self.rows = LazyRows(source.n_nodes, functools.partial(_shortest_paths, self._graph, preds))
        else:
            self._graph = None
            self.rows = np.array(source.minutes, dtype=float).tolist()
            self.reversible = True

    def after(self, closed: frozenset[int]) -> TravelTimes:
        """The same network with ``closed`` roads cut instead, keeping the rows the change
        cannot affect."""
        new = TravelTimes(self.source, closed, self._weights)
        if not isinstance(new.rows, LazyRows) or not isinstance(self.rows, LazyRows):
            return new  # a matrix, or small enough to have been computed whole
        network = self.source
        # rows computed on first use come only from a road network (a matrix is read whole)
        assert isinstance(network, RoadNetwork) and network.arc_road is not None
        weights = network.minutes if self._weights is None else self._weights
        shut = np.isin(network.arc_road, np.fromiter(closed - self.closed, dtype=np.int64))
        opened = np.isin(network.arc_road, np.fromiter(self.closed - closed, dtype=np.int64))
        shut_arcs = list(zip(network.tail[shut].tolist(), network.head[shut].tolist(), strict=True))
        open_arcs = list(zip(network.tail[opened].tolist(), network.head[opened].tolist(),
                             weights[opened].tolist(), strict=True))
        for origin in self.rows.known():
            row, pred = self.rows[origin], self._pred[origin]
            if any(pred[h] == t for t, h in shut_arcs):
                continue  # its shortest-path tree used a road now cut
            if any(row[t] + w < row[h] - 1e-12 for t, h, w in open_arcs):
                continue  # a reopened road would shorten some of its paths
            new.rows.put(origin, row)
            new._pred[origin] = pred
        return new

    def unreachable_from(self, origins: tuple[int, ...], among: int | None = None) -> frozenset[int]:
        """Nodes (of the first ``among``, default all: the places of an imported network) that
        none of ``origins`` can reach; kept per set of origins, as road states come back when
        roads reopen."""
        key = (origins, among)
        nodes = self._unreachable.get(key)
        if nodes is None:
            if isinstance(self.rows, LazyRows) and origins:
                # one search from all the origins at once (the distance to the nearest), rather
                # than computing and keeping a row per origin in every road state
                nearest = dijkstra(self._graph, directed=True, indices=list(origins), min_only=True,
                                   limit=_FINITE)[:among]
                nodes = frozenset(np.nonzero(nearest == math.inf)[0].tolist())
            else:
                rows = [self.rows[o][:among] for o in origins]
                nodes = frozenset(j for j, column in enumerate(zip(*rows, strict=True))
                                  if min(column) == math.inf) if rows else frozenset()
            self._unreachable[key] = nodes
        return nodes

    def arc_minutes(self, tail: int, head: int) -> float:
        """Minutes of the fastest open road straight from ``tail`` to ``head`` (``inf`` if none,
        or for a matrix): never less than ``rows[tail][head]``, and read without a row."""
        graph = self._graph
        if graph is None:
            return math.inf
        start, end = graph.indptr[tail], graph.indptr[tail + 1]
        hit = np.nonzero(graph.indices[start:end] == head)[0]
        return float(graph.data[start + hit[0]]) if len(hit) else math.inf

    def route(self, origin: int, destination: int) -> tuple[list[int], list[float]]:
        if origin == destination or self._graph is None:
            return super().route(origin, destination)
        row = self.rows[origin]
        pred = self._pred[origin]
        path = [destination]
        while path[-1] != origin:
            path.append(int(pred[path[-1]]))
        path.reverse()
        return path, [row[node] for node in path]


def _shortest_paths(graph: csr_matrix, preds: dict[int, np.ndarray], origin: int) -> list[float]:
    """The row of ``origin`` (its predecessors put in ``preds``)."""
    dist, pred = dijkstra(graph, directed=True, indices=origin, return_predecessors=True, limit=_FINITE)
    preds[origin] = pred
    return dist.tolist()


def straight_line_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle km between every pair of points."""
    return haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])


class DirectTravel(_Oracle):
    """Straight-line travel (air, or water without a waterway graph): ``km * 60 * factor`` per
    row; beyond ``EAGER_NODES`` nodes each row is computed on first use."""

    reversible = True

    def __init__(self, node_ids: tuple[str, ...], lon: np.ndarray, lat: np.ndarray,
                 factor: float = 1.0) -> None:
        self.node_ids = node_ids
        self._lon = np.asarray(lon, dtype=float)
        self._lat = np.asarray(lat, dtype=float)
        self._factor = factor * 60.0
        if len(node_ids) <= EAGER_NODES:
            self.rows = (straight_line_km(self._lon, self._lat) * self._factor).tolist()
        else:
            self.rows = LazyRows(len(node_ids), self._row)

    def _row(self, origin: int) -> list[float]:
        km = haversine_km(self._lon[origin], self._lat[origin], self._lon, self._lat)
        return (km * self._factor).tolist()
