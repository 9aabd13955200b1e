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

Beyond ``EAGER_NODES`` nodes, minutes are worked out on first use (see :mod:`.road_rows`): a
row from each facility (the sources given), a column toward each place units head for, so a
region of 100,000 nodes costs only the searches the run needs, not one from every scene.
When roads close or reopen, :meth:`TravelTimes.after` derives the new state from the old one
and keeps every row the change cannot affect: closing a road changes a row only if its
shortest-path tree uses one of the road's arcs; reopening one, only if an arc would shorten
a path. The event loop only ever reads plain Python lists and arrays, never networkx or pandas.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Sequence

import numpy as np
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]  # scipy ships no type hints

from ..scenario.geography import RoadNetwork, TravelMatrix, haversine_km
from .road_rows import FINITE, RoadRows, as_array, tree_route

__all__ = ["DirectTravel", "EAGER_NODES", "LazyRows", "NearestNode", "TravelTimes", "straight_line_km"]

EAGER_NODES = 500  # up to this many nodes, all rows are computed at once (one Dijkstra call)


class LazyRows:
    """``rows[i]``: the minutes from node ``i`` to every node (an ``array('d')``: 8 bytes a node,
    or a list), computed on first use."""

    __slots__ = ("_rows", "_compute")

    def __init__(self, n: int, compute: Callable[[int], Sequence[float]]) -> None:
        self._rows: list[Sequence[float] | None] = [None] * n
        self._compute = compute

    def __getitem__(self, origin: int) -> Sequence[float]:
        row = self._rows[origin]
        if row is None:
            row = self._rows[origin] = self._compute(origin)
        return row

    def __len__(self) -> int:
        return len(self._rows)

    def row(self, origin: int) -> Sequence[float]:
        """The full row of ``origin``."""
        return self[origin]


class _Oracle:
    """Shared queries over rows of minutes (``rows[origin][destination]``)."""

    node_ids: tuple[str, ...]
    rows: LazyRows | RoadRows | list[list[float]]
    reversible: bool
    # a lower bound of rows[origin][target] that costs no search, where reading the exact
    # minutes may cost one (rows on demand over a large road network); else None
    lower_bound: Callable[[int, int], float] | None = None
    # where a unit partway between two nodes is taken to be (dispatch.returning_position):
    # None, on its route; or snap(last, next, share done) -> the node it restarts from
    snap: Callable[[int, int, float], int] | None = None

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def minutes(self) -> np.ndarray:
        """The full matrix (every row computed: for small regions and tests)."""
        rows = self.rows
        return np.array([rows[i] if isinstance(rows, list) else rows.row(i) for i in range(self.n_nodes)],
                        dtype=float)

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
    slowed
        (road, factor) of roads open but driven ``factor`` times slower (flooded, damaged);
        the network's own minutes only (not with ``weights``).
    weights
        Arc weights to use instead of the network's minutes (e.g. ``km * 60`` for waterways).
    sources
        On a large network, the nodes that get rows of their own (the facilities); from other
        nodes minutes are read from columns toward the targets. ``None``: a row from every
        origin asked for.
    """

    def __init__(self, source: RoadNetwork | TravelMatrix, closed: frozenset[int] = frozenset(),
                 weights: np.ndarray | None = None, sources: frozenset[int] | None = None,
                 slowed: frozenset[tuple[int, float]] = frozenset(),
                 derived: bool = False) -> None:
        if slowed and weights is not None:
            raise ValueError("slowed roads go with the network's own minutes")
        self.source = source
        self.closed = closed
        self.slowed = slowed
        self.node_ids = source.node_ids
        self._weights = weights
        self._sources = sources
        self._pred: np.ndarray | None = None  # every row's predecessors, when all are computed at once
        self._unreachable: dict[tuple[tuple[int, ...], int | None], frozenset[int]] = {}
        if isinstance(source, RoadNetwork):
            self._graph = (source.closed_graph(closed, slowed) if weights is None
                           else source.csgraph(weights, closed))
            # A unit between two nodes may turn back only where every road is two-way.
            self.reversible = not source.has_one_way
            if source.n_nodes <= EAGER_NODES:  # small: every row in one call, read as plain lists
                if derived:  # a passing road state: each row searched when first read
                    self._pred_rows: dict[int, np.ndarray] = {}
                    self.rows = LazyRows(source.n_nodes, self._tree_row)
                else:
                    dist, pred = dijkstra(self._graph, directed=True, return_predecessors=True, limit=FINITE)
                    self.rows = dist.tolist()
                    self._pred = pred
            else:  # rows from the sources, columns toward the targets, on first use
                self.rows = RoadRows(self._graph, sources)
                self.lower_bound = self.rows.lower_bound
        else:
            self._graph = None
            self.rows = np.array(source.minutes, dtype=float).tolist()
            self.reversible = True

    def _tree_row(self, origin: int) -> list[float]:
        """One origin's minutes (and its shortest-path tree, kept for routes) in this state."""
        dist, pred = dijkstra(self._graph, directed=True, indices=origin, return_predecessors=True,
                              limit=FINITE)
        self._pred_rows[origin] = pred
        return dist.tolist()

    def kept_bytes(self) -> int:
        """About how much memory the minutes kept take (a list of floats: 32 bytes a minute)."""
        if isinstance(self.rows, RoadRows):
            return self.rows.kept_bytes()
        if isinstance(self.rows, LazyRows):
            return 40 * len(self.rows) * len(self._pred_rows)  # the rows searched, and their trees
        return 32 * len(self.rows) ** 2

    def after(self, closed: frozenset[int],
              slowed: frozenset[tuple[int, float]] = frozenset()) -> TravelTimes:
        """The same network with ``closed`` roads cut and ``slowed`` roads slower instead,
        keeping the rows the change cannot affect."""
        new = TravelTimes(self.source, closed, self._weights, self._sources, slowed, derived=True)
        new.snap = self.snap
        if not isinstance(new.rows, RoadRows) or not isinstance(self.rows, RoadRows):
            return new  # a matrix, or small enough to have been computed whole
        network = self.source
        # rows computed on first use come only from a road network (a matrix is read whole)
        assert isinstance(network, RoadNetwork) and network.arc_road is not None
        if self._weights is None:
            # every road state is the full graph with entries changed in place: compare them
            old_g, new_g = self._graph, new._graph
            assert old_g is not None and new_g is not None
            tails = np.repeat(np.arange(old_g.shape[0]), np.diff(old_g.indptr))
            up = np.nonzero(new_g.data > old_g.data)[0]
            down = np.nonzero(new_g.data < old_g.data)[0]
            shut_arcs = list(zip(tails[up].tolist(), old_g.indices[up].tolist(), strict=True))
            open_arcs = list(zip(tails[down].tolist(), old_g.indices[down].tolist(),
                                 new_g.data[down].tolist(), strict=True))
        else:
            weights = self._weights
            shut = np.isin(network.arc_road, np.fromiter(closed - self.closed, dtype=np.int64))
            opened = np.isin(network.arc_road, np.fromiter(self.closed - closed, dtype=np.int64))
            shut_arcs = list(zip(network.tail[shut].tolist(), network.head[shut].tolist(), strict=True))
            open_arcs = list(zip(network.tail[opened].tolist(), network.head[opened].tolist(),
                                 weights[opened].tolist(), strict=True))
        new.rows = self.rows.derive(new.rows.graph, shut_arcs, open_arcs)
        new.lower_bound = new.rows.lower_bound
        return new

    def unreachable_from(self, origins: tuple[int, ...], among: int | None = None) -> frozenset[int]:
        """Nodes (of the first ``among``, default all: the places of an imported network) that
        none of ``origins`` can reach; kept per set of origins, as road states come back when
        roads reopen."""
        key = (origins, among)
        nodes = self._unreachable.get(key)
        if nodes is None:
            if isinstance(self.rows, RoadRows):
                # one search from all the origins at once (the distance to the nearest), rather
                # than computing and keeping a row per origin in every road state
                nodes = self.rows.unreachable(list(origins), among) if origins else frozenset()
            elif isinstance(self.rows, LazyRows) and origins:  # one search from all the origins at once
                nearest = dijkstra(self._graph, directed=True, indices=list(origins), min_only=True,
                                   limit=FINITE)
                nodes = frozenset(np.nonzero(np.isinf(nearest[:among]))[0].tolist())
            else:
                rows = [self.rows[o][:among] for o in origins]  # every row computed at once
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
        if isinstance(self.rows, RoadRows):
            return self.rows.route(origin, destination)
        row = self.rows[origin]
        if isinstance(self.rows, LazyRows):  # searched on first use, with its tree
            return tree_route(row, self._pred_rows[origin], origin, destination)
        assert self._pred is not None  # every row computed at once, with its predecessors
        return tree_route(row, self._pred[origin], origin, destination)


class NearestNode:
    """ELASPY's rule for a unit partway along a trip: it is at the node nearest (in a local
    equirectangular projection) to the point ``share`` of the way along the straight line
    between the two nodes (the first such node on ties)."""

    def __init__(self, lon: np.ndarray, lat: np.ndarray) -> None:
        lat0 = math.radians(float(np.mean(lat))) if len(lat) else 0.0
        self._x = np.asarray(lon, dtype=float) * math.cos(lat0)
        self._y = np.asarray(lat, dtype=float)

    def __call__(self, last: int, nxt: int, share: float) -> int:
        x = self._x[last] + share * (self._x[nxt] - self._x[last])
        y = self._y[last] + share * (self._y[nxt] - self._y[last])
        return int(np.argmin((self._x - x) ** 2 + (self._y - y) ** 2))


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

    def _row(self, origin: int) -> array:
        km = haversine_km(self._lon[origin], self._lat[origin], self._lon, self._lat)
        return as_array(km * self._factor)
