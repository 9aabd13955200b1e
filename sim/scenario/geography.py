"""Road networks and travel matrices built from the region part of a scenario.

Three forms are supported (exactly one per scenario):

* ``roads``: explicit edges, each in km at a speed (its own or its class's) or in minutes;
* ``auto_roads``: synthetic roads joining each node to its nearest neighbours, lengths from
  great-circle distance times a detour factor, plus a spanning tree so nothing is cut off.
  These are *synthetic* and every output says so;
* ``travel_matrix``: a CSV of minutes whose first row and first column are node ids.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from ..errors import Problem, shown
from .files import MAX_DATA_BYTES, InputFileError, read_input_text, resolve_reference
from .schema import AutoRoads, Region, Roads, Waterways

__all__ = [
    "EARTH_RADIUS_KM",
    "RoadInfo",
    "RoadNetwork",
    "TravelMatrix",
    "build_travel_source",
    "haversine_km",
    "node_positions",
    "read_travel_matrix",
    "unreachable_nodes",
    "waterway_network",
]

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasts)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class RoadInfo:
    """Per road (index = ``arc_road``): its name, the OSM ways (or source ids) it is made of,
    whether it is a bridge, and its shape as (lon, lat) points from one end to the other."""

    names: tuple[str, ...]
    ways: tuple[tuple[str, ...], ...]
    bridge: np.ndarray
    geometry: tuple[tuple[tuple[float, float], ...], ...]


@dataclass(frozen=True)
class RoadNetwork:
    """Roads between nodes: each road (one per edge written in the file, or per generated
    pair) is one or two directed arcs, ``arc_road`` giving the road of each arc.

    Arc arrays: ``tail``, ``head``, ``minutes``, ``km``, ``road_class``, ``tags``, ``arc_road``.
    """

    node_ids: tuple[str, ...]
    tail: np.ndarray
    head: np.ndarray
    minutes: np.ndarray
    km: np.ndarray
    road_class: tuple[str, ...]
    tags: tuple[tuple[str, ...], ...]
    synthetic: bool
    description: str
    arc_road: np.ndarray
    has_one_way: bool = False
    lon: np.ndarray | None = None
    """Positions of every node (WGS84); None: the region's nodes are all the network's nodes."""
    lat: np.ndarray | None = None
    roads: RoadInfo | None = None
    """What is known of each road beyond its arcs (imported networks): names, OSM ways, shape."""
    notes: tuple[str, ...] = ()
    """What the import found worth telling (the load report, places far from a road)."""
    place_of: np.ndarray | None = None
    """The place (region node) each node belongs to: itself, or the nearest place for a
    junction of an imported network. None: every node is a place."""

    def places_of(self, nodes: np.ndarray) -> np.ndarray:
        """The place each of ``nodes`` belongs to."""
        return nodes if self.place_of is None else self.place_of[nodes]

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_roads(self) -> int:
        return int(self.arc_road.max()) + 1 if len(self.arc_road) else 0

    def road_ends(self) -> np.ndarray:
        """(n_roads, 2): the two end nodes of each road (from its first arc)."""
        ends = np.zeros((self.n_roads, 2), dtype=np.int64)
        first = np.unique(self.arc_road, return_index=True)[1]
        ends[:, 0], ends[:, 1] = self.tail[first], self.head[first]
        return ends

    def road_tags(self) -> list[tuple[str, ...]]:
        first = np.unique(self.arc_road, return_index=True)[1]
        return [self.tags[i] for i in first]

    def csgraph(self, minutes: np.ndarray | None = None, closed: frozenset[int] = frozenset()) -> csr_matrix:
        """Sparse adjacency of travel minutes; parallel edges keep the fastest; arcs of
        ``closed`` roads are left out. Built straight as CSR from the arcs sorted by (tail,
        head, minutes), a sort kept for the network's own minutes: a road state costs little."""
        if minutes is None:
            weights, order = self.minutes, self._arc_order
        else:
            weights, order = minutes, np.lexsort((minutes, self.head, self.tail))
        if closed:
            order = order[~np.isin(self.arc_road[order], np.fromiter(closed, dtype=np.int64))]
        tail, head, w = self.tail[order], self.head[order], weights[order]
        first = _first_of_each_pair(tail, head)
        n = self.n_nodes
        indptr = np.searchsorted(tail[first], np.arange(n + 1))
        return csr_matrix((w[first], head[first], indptr), shape=(n, n))

    @cached_property
    def _arc_order(self) -> np.ndarray:
        return np.lexsort((self.minutes, self.head, self.tail))

    def closed_graph(self, closed: frozenset[int],
                     slowed: frozenset[tuple[int, float]] = frozenset()) -> csr_matrix:
        """The graph at the network's own minutes with ``closed`` roads cut and ``slowed``
        roads (road, factor) driven ``factor`` times slower, as the full graph whose cut
        entries weigh ``inf`` (a parallel open road's minutes where there is one). Shortest
        paths must then be asked with a finite ``limit`` (see ``TravelTimes``), so no path goes
        over an infinite entry: distances and predecessors are those of the graph without the
        cut arcs, at the cost of a copy of the weights. Every state has the full graph's
        entries, in the same places."""
        graph = self._full_graph
        if not closed and not slowed:
            return graph
        factor = dict(slowed)
        entry_of, arcs_by_entry, entry_starts, arcs_by_road, road_starts = self._arc_entries
        touched = [arc for road in closed | factor.keys()
                   for arc in arcs_by_road[road_starts[road]:road_starts[road + 1]].tolist()]
        data = graph.data.copy()
        for entry in set(entry_of[touched].tolist()):
            arcs = arcs_by_entry[entry_starts[entry]:entry_starts[entry + 1]].tolist()
            roads = self.arc_road[arcs].tolist()
            data[entry] = min((self.minutes[arc] * factor.get(road, 1.0)
                               for arc, road in zip(arcs, roads, strict=True) if road not in closed),
                              default=math.inf)
        return csr_matrix((data, graph.indices, graph.indptr), shape=graph.shape)

    @cached_property
    def _full_graph(self) -> csr_matrix:
        return self.csgraph()

    @cached_property
    def _arc_entries(self) -> tuple[np.ndarray, ...]:
        """Each arc's entry in the full graph's weights; the arcs by entry and by road (with
        where each entry's and each road's arcs start)."""
        order = self._arc_order
        first = _first_of_each_pair(self.tail[order], self.head[order])
        entry_of = np.empty(len(order), dtype=np.int64)
        entry_of[order] = np.cumsum(first) - 1
        arcs_by_entry = np.argsort(entry_of, kind="stable")
        entry_starts = np.searchsorted(entry_of[arcs_by_entry], np.arange(int(first.sum()) + 1))
        arcs_by_road = np.argsort(self.arc_road, kind="stable")
        road_starts = np.searchsorted(self.arc_road[arcs_by_road], np.arange(self.n_roads + 1))
        return entry_of, arcs_by_entry, entry_starts, arcs_by_road, road_starts


def _first_of_each_pair(tail: np.ndarray, head: np.ndarray) -> np.ndarray:
    """Of arcs sorted by (tail, head, minutes): the first, fastest, of each node pair."""
    first = np.ones(len(tail), dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    return first


@dataclass(frozen=True)
class TravelMatrix:
    """A full matrix of travel minutes between nodes (row = from, column = to)."""

    node_ids: tuple[str, ...]
    minutes: np.ndarray
    source: str
    synthetic: bool = False

    @property
    def description(self) -> str:
        return f"travel-time matrix from {self.source} ({len(self.node_ids)} nodes)"


def _explicit_roads(roads: Roads, region: Region, index: dict[str, int]) -> RoadNetwork:
    tail, head, minutes, km, classes, tags, arc_road = [], [], [], [], [], [], []
    for road, edge in enumerate(roads.edges):
        u, v = index[edge.from_], index[edge.to]
        if edge.minutes is not None:
            t, length = edge.minutes, math.nan
        else:
            speed = edge.speed or roads.speeds[edge.road_class or "default"]
            assert edge.km is not None  # an edge has minutes or km (the schema says so)
            t, length = edge.km / speed * 60.0, edge.km
        pairs = [(u, v)] if edge.one_way else [(u, v), (v, u)]
        for a, b in pairs:
            tail.append(a)
            head.append(b)
            minutes.append(t)
            km.append(length)
            classes.append(edge.road_class or "default")
            tags.append(edge.tags)
            arc_road.append(road)
    n_edges = len(roads.edges)
    return RoadNetwork(
        node_ids=tuple(n.id for n in region.nodes), tail=np.array(tail, dtype=np.int64),
        head=np.array(head, dtype=np.int64), minutes=np.array(minutes), km=np.array(km),
        road_class=tuple(classes), tags=tuple(tags), synthetic=False,
        description=f"road network, {len(region.nodes)} nodes, {n_edges} edges",
        has_one_way=any(edge.one_way for edge in roads.edges),
        arc_road=np.array(arc_road, dtype=np.int64))


def waterway_network(waterways: Waterways, region: Region) -> RoadNetwork:
    """The water graph as a network whose arc weights are km (boats divide by their speed)."""
    index = {nd.id: i for i, nd in enumerate(region.nodes)}
    tail, head, km, arc_road = [], [], [], []
    for road, edge in enumerate(waterways.edges):
        u, v = index[edge.from_], index[edge.to]
        for a, b in [(u, v)] if edge.one_way else [(u, v), (v, u)]:
            tail.append(a)
            head.append(b)
            km.append(edge.km)
            arc_road.append(road)
    km_arr = np.array(km)
    return RoadNetwork(
        node_ids=tuple(nd.id for nd in region.nodes), tail=np.array(tail, dtype=np.int64),
        head=np.array(head, dtype=np.int64), minutes=km_arr, km=km_arr,
        road_class=tuple("water" for _ in tail), tags=tuple(() for _ in tail), synthetic=False,
        description=f"waterways, {len(waterways.edges)} edges",
        has_one_way=any(e.one_way for e in waterways.edges), arc_road=np.array(arc_road, dtype=np.int64))


def _auto_roads(auto: AutoRoads, region: Region) -> RoadNetwork:
    nodes = region.nodes
    n = len(nodes)
    lon = np.array([nd.lon for nd in nodes])
    lat = np.array([nd.lat for nd in nodes])
    dist = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    pairs: set[tuple[int, int]] = set()
    planar = auto.method == "planar" and n >= 3
    if planar:
        pairs = gabriel_pairs(lon, lat)
        planar = bool(pairs)
    if n > 1 and not planar:
        k = min(auto.neighbours, n - 1)
        masked = dist + np.diag(np.full(n, np.inf))
        nearest = np.argsort(masked, axis=1, kind="stable")[:, :k]
        for i in range(n):
            for j in nearest[i]:
                pairs.add((min(i, int(j)), max(i, int(j))))
    if n > 1:  # a spanning tree over all straight-line distances joins any separate clusters
        tree = minimum_spanning_tree(csr_matrix(np.maximum(dist, 1e-9) * (1 - np.eye(n)))).tocoo()
        for i, j in zip(tree.row, tree.col, strict=True):
            pairs.add((min(int(i), int(j)), max(int(i), int(j))))
    main = set(auto.main_kinds)
    terrain = set(auto.terrain_tags)
    ordered = sorted(pairs)
    if auto.main_roads == "trunk":
        trunk = trunk_pairs(ordered, dist, [k for k, nd in enumerate(nodes) if nd.kind in main], lon, lat)
        is_main = [pair in trunk for pair in ordered]
    else:
        is_main = [nodes[i].kind in main and nodes[j].kind in main for i, j in ordered]
    tail, head, minutes, km, classes, arc_road, tags = [], [], [], [], [], [], []
    for road, (i, j) in enumerate(ordered):
        length = max(float(dist[i, j]) * auto.detour, 1e-6)
        cls: Literal["main", "local"] = "main" if is_main[road] else "local"
        t = length / auto.speeds[cls] * 60.0
        road_tags = tuple(sorted((set(nodes[i].tags) | set(nodes[j].tags)) & terrain))
        for a, b in ((i, j), (j, i)):
            tail.append(a)
            head.append(b)
            minutes.append(t)
            km.append(length)
            classes.append(cls)
            arc_road.append(road)
            tags.append(road_tags)
    how = "planar (Gabriel graph)" if planar else f"{auto.neighbours} nearest neighbours"
    if auto.main_roads == "trunk":
        how += f", {sum(is_main)} trunk roads between the {len(main)} main kinds"
    return RoadNetwork(
        node_ids=tuple(nd.id for nd in nodes), tail=np.array(tail, dtype=np.int64),
        head=np.array(head, dtype=np.int64), minutes=np.array(minutes), km=np.array(km),
        road_class=tuple(classes), tags=tuple(tags), synthetic=True,
        description=(f"SYNTHETIC roads generated from node positions ({n} nodes, {len(pairs)} "
                     f"edges: {how}, detour x{auto.detour:g}, "
                     f"main {auto.speeds['main']:g} km/h, local {auto.speeds['local']:g} km/h)"),
        arc_road=np.array(arc_road, dtype=np.int64))


def trunk_pairs(pairs: list[tuple[int, int]], dist: np.ndarray, hubs: list[int], lon: np.ndarray,
                lat: np.ndarray) -> set[tuple[int, int]]:
    """The road pairs on the shortest straight-line path through the network between each two
    ``hubs`` that are neighbours in the hubs' own Gabriel graph (all pairs of two hubs)."""
    from scipy.sparse.csgraph import dijkstra

    if len(hubs) < 2:
        return set()
    h = np.array(hubs)
    hub_pairs = gabriel_pairs(lon[h], lat[h]) if len(hubs) >= 3 else set()
    if not hub_pairs:
        hub_pairs = {(a, b) for a in range(len(hubs)) for b in range(a + 1, len(hubs))}
    n = len(dist)
    rows = [i for i, _ in pairs] + [j for _, j in pairs]
    cols = [j for _, j in pairs] + [i for i, _ in pairs]
    graph = csr_matrix((np.maximum(dist[rows, cols], 1e-9), (rows, cols)), shape=(n, n))
    sources = sorted({a for a, _ in hub_pairs})
    _, previous = dijkstra(graph, indices=h[sources], return_predecessors=True)
    row_of = {a: r for r, a in enumerate(sources)}
    out: set[tuple[int, int]] = set()
    for a, b in sorted(hub_pairs):
        node = int(h[b])
        while node != int(h[a]) and previous[row_of[a], node] >= 0:
            before = int(previous[row_of[a], node])
            out.add((min(before, node), max(before, node)))
            node = before
    return out


def gabriel_pairs(lon: np.ndarray, lat: np.ndarray) -> set[tuple[int, int]]:
    """Node pairs of the Gabriel graph (a subgraph of the Delaunay triangulation, so planar) in
    a local equirectangular projection; empty when the nodes span no triangle (all on a line)."""
    from scipy.spatial import Delaunay, QhullError  # type: ignore[import-untyped]

    lat0 = math.radians(float(np.mean(lat)))
    xy = np.column_stack([np.asarray(lon, dtype=float) * math.cos(lat0), np.asarray(lat, dtype=float)])
    try:
        triangles = Delaunay(xy).simplices
    except QhullError:
        return set()
    opposite: dict[tuple[int, int], list[int]] = {}
    for tri in triangles.tolist():
        for a, b, c in ((tri[0], tri[1], tri[2]), (tri[1], tri[2], tri[0]), (tri[2], tri[0], tri[1])):
            opposite.setdefault((min(a, b), max(a, b)), []).append(c)
    pairs = set()
    for (i, j), others in opposite.items():
        # kept when the angle at every opposite vertex is acute: nothing inside the diameter circle
        if all(float(np.dot(xy[i] - xy[k], xy[j] - xy[k])) > 0 for k in others):
            pairs.add((i, j))
    return pairs


def read_travel_matrix(path: Path, node_ids: tuple[str, ...], shown_as: str,
                       scenario_file: str | None = None) -> tuple[TravelMatrix | None, list[Problem]]:
    """Read a CSV matrix of minutes; return it with every problem found. Problems inside the
    matrix name it (``shown_as``, line); a file that cannot be read or is no matrix of this
    region at all is blamed on ``scenario_file``'s ``region.travel_matrix``, without quoting it."""
    problems: list[Problem] = []
    field = ("region", "travel_matrix")

    def problem(message: str, line: int | None = None) -> None:
        problems.append(Problem(shown_as, field, message, line))

    def refused(message: str) -> tuple[None, list[Problem]]:
        problems.append(Problem(scenario_file or shown_as, field, message))
        return None, problems

    try:
        rows = list(csv.reader(io.StringIO(read_input_text(path, "travel matrix", limit=MAX_DATA_BYTES),
                                           newline="")))
    except InputFileError as exc:
        return refused(f"{shown_as} {exc.reason}")
    except csv.Error:
        return refused(f"{shown_as} is not a CSV travel matrix (it cannot be read as CSV)")
    # keep each row's physical line number (1-based) while skipping blank lines
    numbered = [(k + 1, r) for k, r in enumerate(rows) if any(cell.strip() for cell in r)]
    if len(numbered) < 2:
        problem("the matrix needs a header row of node ids and one row per node", 1)
        return None, problems
    header_line, header_row = numbered[0]
    header = [c.strip() for c in header_row[1:]]
    body = numbered[1:]
    row_ids = [r[0].strip() for _, r in body]
    known = set(node_ids)
    if not known & set(header) or not known & set(row_ids):
        # not a matrix of this region at all: say so without quoting what the file holds
        return refused(f"{shown_as} is not a travel matrix of this region: its first row and first column "
                       f"must be the region's node ids (found {len(known & set(header))} of {len(known)} in "
                       "the first row)")
    for label, ids, lines in (("column", header, [header_line] * len(header)),
                              ("row", row_ids, [line for line, _ in body])):
        seen: set[str] = set()
        for node, where in zip(ids, lines, strict=True):
            if node in seen:
                problem(f"{label} node {shown(node)} appears twice", where)
            seen.add(node)
            if node not in known:
                problem(f"{label} node {shown(node)} is not a node of the region", where)
        missing = [n for n in node_ids if n not in seen]
        if missing:
            problem(f"no {label} for node(s) {', '.join(missing[:10])}"
                    + (" ..." if len(missing) > 10 else ""), header_line if label == "column" else None)
    if problems:
        return None, problems
    pos = {node: k for k, node in enumerate(node_ids)}
    n = len(node_ids)
    matrix = np.full((n, n), np.nan)
    for line, row in body:
        if len(row) != len(header) + 1:
            problem(f"row {shown(row[0].strip())} has {len(row) - 1} values, expected {len(header)}", line)
            continue
        i = pos[row[0].strip()]
        for node, cell in zip(header, row[1:], strict=True):
            try:
                value = float(cell)
            except ValueError:
                problem(f"row {shown(row[0].strip())}, column {shown(node)}: not a number ({shown(cell)})",
                        line)
                if len(problems) > 20:
                    return None, problems
                continue
            if not math.isfinite(value) or value < 0:
                problem(f"row {shown(row[0].strip())}, column {shown(node)}: minutes must be a finite number "
                        f">= 0 (got {shown(cell)})", line)
                continue
            matrix[i, pos[node]] = value
    if not problems:
        diag = np.diag(matrix)
        for k in np.nonzero(diag != 0)[0].tolist():
            problem(f"travel time from {shown(node_ids[k])} to itself must be 0 (got {diag[k]:g})",
                    body[row_ids.index(node_ids[k])][0])
    if problems:
        return None, problems
    return TravelMatrix(node_ids, matrix, source=Path(path).name), problems


def build_travel_source(region: Region, base_dir: Path,
                        shown_as: str) -> tuple[RoadNetwork | TravelMatrix | None, list[Problem]]:
    """Build the road network or travel matrix of ``region`` (node ids are already known good)."""
    index = {nd.id: i for i, nd in enumerate(region.nodes)}
    if region.road_network is not None:
        from .road_network import imported_road_network

        return imported_road_network(region, base_dir, shown_as)
    if region.roads is not None:
        return _explicit_roads(region.roads, region, index), []
    if region.auto_roads is not None:
        return _auto_roads(region.auto_roads, region), []
    assert region.travel_matrix is not None
    path = resolve_reference(region.travel_matrix, base_dir / "_")
    shown = region.travel_matrix if Path(region.travel_matrix).is_absolute() \
        else str(Path(shown_as).parent / region.travel_matrix)
    return read_travel_matrix(path, tuple(index), shown, shown_as)


def node_positions(travel: RoadNetwork | TravelMatrix, region: Region) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat of every node of the travel network (the region's places first, then the
    junctions of an imported network)."""
    if isinstance(travel, RoadNetwork) and travel.lon is not None and travel.lat is not None:
        return travel.lon, travel.lat
    return np.array([n.lon for n in region.nodes]), np.array([n.lat for n in region.nodes])


def unreachable_nodes(source: RoadNetwork | TravelMatrix) -> list[list[str]]:
    """Groups of node ids that cannot reach, or be reached from, the largest connected part."""
    if isinstance(source, RoadNetwork):
        graph = source.csgraph()
    else:
        m = source.minutes
        finite = np.isfinite(m) & ~np.eye(len(m), dtype=bool)
        graph = csr_matrix(finite.astype(float))
    count, labels = connected_components(graph, directed=True, connection="strong")
    if count <= 1:
        return []
    sizes = np.bincount(labels)
    main = int(np.argmax(sizes))
    groups = []
    for label in range(count):
        if label != main:
            groups.append([source.node_ids[i] for i in np.nonzero(labels == label)[0]])
    return groups
