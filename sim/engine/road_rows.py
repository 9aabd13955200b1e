"""Road minutes on a large network, worked out on demand: rows from the few places units start
from, columns toward the places they head for.

On a network of 10^5 junctions a full row (the minutes from one node to every node) costs a
shortest-path search over the whole graph and 0.8 MB to keep. The engine asks for
``rows[origin][target]`` from every node a unit stands at or drives through (a scene, the
junction it has reached when it is sent elsewhere), but it heads for few targets: its
station, a hospital, a depot, a shelter, a call's place. So:

* a *source* (a facility: station, hospital, depot, staging post) gets its own row, from one
  search over the graph, kept;
* from any other node, ``rows[node]`` is a view that reads the *column* toward the target:
  the minutes from every node to it, from one search over the reversed graph, kept for the
  facilities and for the last :data:`KEEP` other targets (a column dropped is worked out
  again, the same, when next needed).

So a unit leaving a scene for its station reads the station's column, which serves every
scene, instead of a search from each new scene. Both kinds are kept as ``array('d')`` (8
bytes a node, against 32 for a list of floats) with their shortest-path trees (a row's
predecessors, a column's successors), from which :meth:`RoadRows.route` lists the nodes a
unit drives through, and :meth:`RoadRows.derive` keeps the trees a change of roads cannot
affect.

A column's minutes add up the same roads as a row's, from the other end: they may differ from
a row's in the last bit of a float, never in the route's roads where the fastest is unique.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]  # scipy ships no type hints

__all__ = ["FINITE", "KEEP", "RoadRows", "Toward", "as_array", "tree_route"]

KEEP = 64  # columns kept toward targets that are not sources
FINITE = float(np.finfo(float).max)  # shortest paths never go over an infinite (cut) entry


def as_array(values: np.ndarray) -> array:
    """``values`` as an ``array('d')`` (8 bytes a value; reading one gives a Python float)."""
    out = array("d")
    out.frombytes(np.ascontiguousarray(values, dtype=float).tobytes())
    return out


def _search(graph: csr_matrix, node: int) -> tuple[array, np.ndarray]:
    dist, pred = dijkstra(graph, directed=True, indices=node, return_predecessors=True, limit=FINITE)
    return as_array(dist), pred


def tree_route(row: Sequence[float], pred: np.ndarray, origin: int,
               target: int) -> tuple[list[int], list[float]]:
    """The route from ``origin`` to ``target`` in the shortest-path tree ``pred`` of ``row``
    (the nodes, and the cumulative minutes at each)."""
    path = [target]
    while path[-1] != origin:
        path.append(int(pred[path[-1]]))
    path.reverse()
    return path, [row[node] for node in path]


class Toward:
    """``rows[origin]`` of a node that is not a source: ``view[target]`` reads the column
    toward ``target``."""

    __slots__ = ("_owner", "_origin")

    def __init__(self, owner: RoadRows, origin: int) -> None:
        self._owner = owner
        self._origin = origin

    def __getitem__(self, target: int) -> float:
        return self._owner.column(target)[self._origin]

    def __len__(self) -> int:
        return len(self._owner)


class RoadRows:
    """``rows[origin][target]``: minutes over ``graph`` (see the module's docstring).

    ``sources`` are the nodes that get rows of their own; ``None`` gives every origin its own
    row (no columns at all)."""

    def __init__(self, graph: csr_matrix, sources: Iterable[int] | None) -> None:
        self._graph = graph
        self._reverse: csr_matrix | None = None
        n = graph.shape[0]
        self._every = sources is None
        self._sources = frozenset(() if sources is None else sources)
        self._slots: list[array | Toward | None] = [None] * n
        self.preds: dict[int, np.ndarray] = {}  # a row's predecessors, by origin
        self._columns: dict[int, array] = {}
        self._successors: dict[int, np.ndarray] = {}  # a column's next node toward its target
        self._others: list[int] = []  # targets with a column that are not sources, oldest first
        self._from: list[array] = []  # the sources' rows (landmarks for lower bounds)
        self._to: list[array] = []  # the columns toward sources (landmarks too)

    def __len__(self) -> int:
        return len(self._slots)

    @property
    def graph(self) -> csr_matrix:
        """The graph the minutes are over."""
        return self._graph

    def __getitem__(self, origin: int) -> array | Toward:
        slot = self._slots[origin]
        if slot is None:
            if self._every or origin in self._sources:
                slot, self.preds[origin] = _search(self._graph, origin)
                if not self._every:  # a row from every origin: too many landmarks to scan
                    self._from.append(slot)
            else:
                slot = Toward(self, origin)
            self._slots[origin] = slot
        return slot

    def kept_bytes(self) -> int:
        """About how much memory the rows and columns kept take (8 bytes a minute, 4 a tree
        entry; shared with the road states they came from or went to, counted in each), with
        the graph and the reversed graph."""
        graphs = [g for g in (self._graph, self._reverse) if g is not None]
        return (len(self.preds) + len(self._columns)) * len(self._slots) * 12 \
            + sum(g.data.nbytes + g.indices.nbytes + g.indptr.nbytes for g in graphs)

    def row(self, origin: int) -> array:
        """The full row of ``origin`` (computed and not kept if it is not a source)."""
        slot = self[origin]
        return slot if isinstance(slot, array) else _search(self._graph, origin)[0]

    def known(self) -> list[int]:
        """Origins with a row of their own, in increasing order."""
        return sorted(self.preds)

    def targets(self) -> list[int]:
        """Targets with a column, in increasing order."""
        return sorted(self._columns)

    def column(self, target: int) -> array:
        """Minutes from every node to ``target``, worked out on first use."""
        col = self._columns.get(target)
        if col is None:
            if self._reverse is None:
                self._reverse = self._graph.T.tocsr()
            col, succ = _search(self._reverse, target)
            self._keep_column(target, col, succ)
        return col

    def _keep_column(self, target: int, col: array, succ: np.ndarray) -> None:
        self._columns[target] = col
        self._successors[target] = succ
        if target in self._sources:
            self._to.append(col)
        else:
            self._others.append(target)
            if len(self._others) > KEEP:
                dropped = self._others.pop(0)
                del self._columns[dropped], self._successors[dropped]

    def lower_bound(self, origin: int, target: int) -> float:
        """A number never above ``self[origin][target]``, read from the rows and columns already
        kept (no search): by the triangle inequality, the way from ``origin`` to ``target`` is at
        least ``row[target] - row[origin]`` for a source's row and ``col[origin] - col[target]``
        for a column toward a source (or, when the column toward ``target`` is kept, its own
        minutes: exact and as cheap). A margin covers the last bits of the floats."""
        kept = self._columns.get(target)
        if kept is not None:
            best = kept[origin]
            return best * (1.0 - 1e-12) - 1e-9 if best < math.inf else best
        best = 0.0
        for row in self._from:
            gap = row[target] - row[origin]
            if gap > best:
                best = gap
        for col in self._to:
            gap = col[origin] - col[target]
            if gap > best:
                best = gap
        return best * (1.0 - 1e-12) - 1e-9 if best < math.inf else best

    def route(self, origin: int, target: int) -> tuple[list[int], list[float]]:
        """Nodes of the fastest route and the cumulative minutes at each of them."""
        slot = self[origin]
        if isinstance(slot, array):
            return tree_route(slot, self.preds[origin], origin, target)
        col = self.column(target)
        succ = self._successors[target]
        path = [origin]
        while path[-1] != target:
            path.append(int(succ[path[-1]]))
        total = col[origin]
        return path, [total - col[node] for node in path]

    def derive(self, graph: csr_matrix, shut: list[tuple[int, int]],
               opened: list[tuple[int, int, float]]) -> RoadRows:
        """The rows over ``graph``: this network with the arcs ``shut`` (tail, head) cut and the
        arcs ``opened`` (tail, head, minutes) open again, keeping every row and column whose
        tree the change cannot affect. Closing an arc changes a tree only if the tree uses it;
        opening one, only if it would shorten a path."""
        new = RoadRows(graph, None if self._every else self._sources)
        for origin in self.known():
            row, pred = self._slots[origin], self.preds[origin]
            assert isinstance(row, array)
            if any(pred[h] == t for t, h in shut) or any(row[t] + w < row[h] - 1e-12 for t, h, w in opened):
                continue
            new._slots[origin] = row
            new.preds[origin] = pred
            if not self._every:
                new._from.append(row)
        for target in [*self._columns]:  # oldest first, as kept
            col, succ = self._columns[target], self._successors[target]
            if any(succ[t] == h for t, h in shut) or any(col[h] + w < col[t] - 1e-12 for t, h, w in opened):
                continue
            new._keep_column(target, col, succ)
        return new

    def unreachable(self, origins: list[int], among: int | None) -> frozenset[int]:
        """Nodes (of the first ``among``) that none of ``origins`` reaches: one search from all
        of them at once."""
        nearest = dijkstra(self._graph, directed=True, indices=origins, min_only=True, limit=FINITE)[:among]
        return frozenset(np.nonzero(nearest == math.inf)[0].tolist())
