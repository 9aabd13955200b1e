"""Reading a street graph saved by osmnx (``ox.save_graphml``) with networkx.

Nodes carry ``x`` (longitude) and ``y`` (latitude). Edges are directed (osmnx saves both
directions of a two-way street as two edges); each carries ``length`` (metres), ``highway``,
``oneway``, ``maxspeed``, ``osmid``, ``name``, ``ref``, ``bridge``, ``tunnel``, ``access``, and
optionally ``travel_time`` (seconds) or ``speed_kph`` and ``geometry`` (a WKT ``LINESTRING``).
osmnx writes a list as its Python text (``"['50', '30']"``); a list of classes takes the first
in the speed table, a list of maxspeeds the lowest.

Minutes come from ``travel_time`` where it is given, else from ``speed_kph``, else from
``maxspeed`` or the class speed; km from ``length`` (else from the points). An edge whose
reverse edge has the same ways, length and minutes becomes one two-way road; every other edge
is a one-way road in the direction the file gives. networkx is used here only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import networkx as nx

from ..errors import one_line, shown
from .errors import NetworkError
from .osm_tags import BOTH, FORWARD, is_yes, motor_access_denied
from .ways import ReadCounts, WayTable, WayTableBuilder

__all__ = ["graphml_list", "read_graphml"]

_SHAPE = "\x00shape:"  # ids of geometry points, which no GraphML node id can be (XML has no NUL)


def graphml_list(value: Any) -> list[str]:
    """The items of an osmnx attribute: ``"['50', '30']"`` -> ``['50', '30']``, ``"[1, 2]"``
    -> ``['1', '2']``, a plain value -> ``[value]``, None -> ``[]``."""
    if value is None:
        return []
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        items = re.findall(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"|([^,\s\[\]]+)", text[1:-1])
        return [next(part for part in item if part) if any(item) else "" for item in items]
    return [text] if text else []


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _linestring(value: Any) -> list[tuple[float, float]]:
    """The points of a WKT ``LINESTRING (x y, ...)``, or [] when it is not one."""
    match = re.fullmatch(r"\s*LINESTRING\s*\((.*)\)\s*", str(value or ""), flags=re.S)
    if not match:
        return []
    points = []
    for pair in match.group(1).split(","):
        parts = pair.split()
        if len(parts) < 2:
            return []
        x, y = _number(parts[0]), _number(parts[1])
        if math.isnan(x) or math.isnan(y):
            return []
        points.append((x, y))
    return points


def _read(path: Path, shown_as: str) -> nx.MultiDiGraph:
    try:
        graph = nx.read_graphml(path, force_multigraph=True)
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        detail = one_line(str(exc).partition(": line")[0], 80)
        raise NetworkError(shown_as, f"is not well-formed XML (error at line {line}, column {column}: "
                                     f"{detail}; truncated or not a GraphML file?)", line) from None
    except nx.NetworkXError:
        raise NetworkError(shown_as, "is XML but not a GraphML file (no <graphml> graph found)") from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise NetworkError(shown_as, f"cannot be read as GraphML ({type(exc).__name__}: an attribute or "
                                     "element that networkx cannot read)") from None
    return graph


def read_graphml(path: Path, shown_as: str, speeds: dict[str, float]) -> WayTable:
    """The drivable edges of the osmnx GraphML file ``path`` as ways."""
    graph = _read(path, shown_as)
    coords: dict[str, tuple[float, float]] = {}
    for index, (node, data) in enumerate(graph.nodes(data=True)):
        x, y = _number(data.get("x")), _number(data.get("y"))
        if math.isnan(x) or math.isnan(y):
            what = "no x/y coordinates" if data.get("x") is None or data.get("y") is None \
                else "x/y that are not numbers"
            raise NetworkError(shown_as, f"node {shown(str(node), 40)} (node {index + 1} of the file) has "
                                         f"{what}: a GraphML saved by osmnx gives every node x (longitude) "
                                         "and y (latitude)")
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise NetworkError(shown_as, f"node {shown(str(node), 40)} has x/y outside longitude -180..180 "
                                         "and latitude -90..90")
        coords[str(node)] = (x, y)
    counts = ReadCounts()
    table = WayTableBuilder(counts)
    edges = list(graph.edges(keys=True, data=True))
    counts.ways_read = len(edges)
    kept: list[_Edge] = []
    for u, v, _, data in edges:
        classes = graph_classes(data.get("highway"))
        drivable = [c for c in classes if c in speeds]
        if not drivable:
            counts.drop("highway class not in the speed table", (classes or ["(none)"])[0])
            continue
        if motor_access_denied(_first_value(data)):
            counts.drop("closed to motor vehicles (access no/private)")
            continue
        km = _number(data.get("length")) / 1000.0
        minutes = _number(data.get("travel_time")) / 60.0
        if km < 0 or minutes < 0:
            raise NetworkError(shown_as, f"the edge from node {shown(str(u), 40)} to node "
                                         f"{shown(str(v), 40)} has a negative length or travel_time")
        way_ids = tuple(graphml_list(data.get("osmid"))) or (f"{u}-{v}",)
        kmh = _number(data.get("speed_kph"))
        if math.isnan(kmh) or kmh <= 0:
            maxspeed = ";".join(graphml_list(data.get("maxspeed"))) or None
            kmh = counts.speed(way_ids[0], drivable[0], maxspeed, speeds)
        kept.append(_Edge(str(u), str(v), data, way_ids, drivable[0], km, minutes, kmh))
    partner = _two_way_partners(kept) if graph.is_directed() else {k: k for k in range(len(kept))}
    for k, edge in enumerate(kept):
        if partner.get(k, k) < k:
            continue  # the reverse edge of a two-way road already added
        shape = _linestring(edge.data.get("geometry"))[1:-1]
        ids = [edge.u, *(f"{_SHAPE}{k}:{j}" for j in range(len(shape))), edge.v]
        points = [coords[edge.u], *shape, coords[edge.v]]
        data = edge.data
        table.add(ids, [p[0] for p in points], [p[1] for p in points], way_ids=edge.way_ids,
                  road_class=edge.road_class, direction=BOTH if k in partner else FORWARD, kmh=edge.kmh,
                  names=tuple(graphml_list(data.get("name"))), refs=tuple(graphml_list(data.get("ref"))),
                  km=edge.km, minutes=edge.minutes,
                  bridge=any(is_yes(b) for b in graphml_list(data.get("bridge"))),
                  tunnel=any(is_yes(t) for t in graphml_list(data.get("tunnel"))))
    return table.finish()


def _first_value(data: dict[str, Any]) -> Callable[[str], str | None]:
    """``get(key)``: the first item of an edge attribute, or None."""
    return lambda key: next(iter(graphml_list(data.get(key))), None)


def graph_classes(value: Any) -> list[str]:
    """The ``highway`` classes of an edge (osmnx writes a list where it merged ways)."""
    return [c.strip() for c in graphml_list(value) if c.strip()]


@dataclass(frozen=True)
class _Edge:
    u: str
    v: str
    data: dict[str, Any]
    way_ids: tuple[str, ...]
    road_class: str
    km: float
    minutes: float
    kmh: float

    def same_road(self, other: _Edge) -> bool:
        """Whether ``other`` is this edge driven the other way (same ways, length, minutes)."""
        return (other.way_ids == self.way_ids and other.road_class == self.road_class
                and other.kmh == self.kmh and _same(other.km, self.km) and _same(other.minutes, self.minutes))


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _two_way_partners(edges: list[_Edge]) -> dict[int, int]:
    """Each edge that is half of a two-way road, with its other half."""
    waiting: dict[tuple[str, str], list[int]] = {}
    partner: dict[int, int] = {}
    for k, edge in enumerate(edges):
        candidates = waiting.get((edge.v, edge.u), [])
        match = next((j for j in candidates if edges[j].same_road(edge)), None)
        if match is not None:
            candidates.remove(match)
            partner[k], partner[match] = match, k
        else:
            waiting.setdefault((edge.u, edge.v), []).append(k)
    return partner
