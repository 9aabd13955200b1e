"""Ways as a reader finds them, before they are split at junctions: the common form every
reader (OSM, GraphML, CSV) produces and :mod:`sim.network.build` turns into a graph.

A way is a run of points (nodes with their coordinates) with one class, one direction and one
speed. Its length comes from its points (the great-circle distances between them) unless the
file gives it (``km``), and its minutes from that length at its speed unless the file gives
them (``minutes``). A way with a given length is never split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import shown
from .speeds import parse_maxspeed

__all__ = ["ReadCounts", "WayTable", "WayTableBuilder"]

_EXAMPLES = 5


@dataclass
class ReadCounts:
    """What a reader saw: ways read, kept and left out (by reason and by class), and the
    ``maxspeed`` values it could not read (counted, with a few examples)."""

    ways_read: int = 0
    ways_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    classes_dropped: dict[str, int] = field(default_factory=dict)
    maxspeed_problems: int = 0
    maxspeed_examples: list[str] = field(default_factory=list)
    points_missing: int = 0

    def drop(self, reason: str, road_class: str | None = None, count: int = 1) -> None:
        if count <= 0:
            return
        self.dropped[reason] = self.dropped.get(reason, 0) + count
        if road_class is not None:
            self.classes_dropped[road_class] = self.classes_dropped.get(road_class, 0) + count

    def speed(self, way_id: str, road_class: str, maxspeed: str | None, speeds: dict[str, float]) -> float:
        """The km/h of a way of ``road_class`` with this ``maxspeed`` (the class speed where it
        sets none or cannot be read; the latter is counted)."""
        class_kmh = speeds[road_class]
        if maxspeed is None or not maxspeed.strip():
            return class_kmh
        try:
            kmh = parse_maxspeed(maxspeed)
        except ValueError as exc:
            self.maxspeed_problems += 1
            if len(self.maxspeed_examples) < _EXAMPLES:
                self.maxspeed_examples.append(f"way {way_id}: {shown(maxspeed, 40)} ({exc})")
            return class_kmh
        return class_kmh if kmh is None else kmh


@dataclass(frozen=True)
class WayTable:
    """Ways as read: points of all ways concatenated (``point_node``, way ``k`` holding
    ``point_node[way_start[k]:way_start[k + 1]]``), and per way its attributes."""

    node_source: np.ndarray
    node_lon: np.ndarray
    node_lat: np.ndarray
    point_node: np.ndarray
    way_start: np.ndarray
    way_ids: tuple[tuple[str, ...], ...]
    way_class: tuple[str, ...]
    way_names: tuple[tuple[str, ...], ...]
    way_refs: tuple[tuple[str, ...], ...]
    way_direction: np.ndarray
    way_kmh: np.ndarray
    way_km: np.ndarray
    way_minutes: np.ndarray
    way_bridge: np.ndarray
    way_tunnel: np.ndarray
    counts: ReadCounts

    @property
    def n_ways(self) -> int:
        return len(self.way_class)


class WayTableBuilder:
    """Collects ways point by point; :meth:`finish` makes the :class:`WayTable`. A point is
    named by its source id (an int for OSM, a string otherwise); its first coordinates win, divided
    by ``coordinate_divisor`` (OSM's fixed-point coordinates are 10^7 to the degree)."""

    def __init__(self, counts: ReadCounts | None = None, coordinate_divisor: float = 1.0) -> None:
        self.counts = counts or ReadCounts()
        self._divisor = coordinate_divisor
        self._ids: list[Any] = []
        self._lon: list[float] = []
        self._lat: list[float] = []
        self._start: list[int] = [0]
        self._way_ids: list[tuple[str, ...]] = []
        self._class: list[str] = []
        self._names: list[tuple[str, ...]] = []
        self._refs: list[tuple[str, ...]] = []
        self._direction: list[int] = []
        self._kmh: list[float] = []
        self._km: list[float] = []
        self._minutes: list[float] = []
        self._bridge: list[bool] = []
        self._tunnel: list[bool] = []

    def add(self, ids: list[Any], lon: list[float], lat: list[float], *, way_ids: tuple[str, ...],
            road_class: str, direction: int, kmh: float, names: tuple[str, ...] = (),
            refs: tuple[str, ...] = (), km: float = math.nan, minutes: float = math.nan,
            bridge: bool = False, tunnel: bool = False) -> None:
        """Add one way of at least two points (consecutive repeats of a point are dropped)."""
        self._ids.extend(ids)
        self._lon.extend(lon)
        self._lat.extend(lat)
        self._start.append(len(self._ids))
        self._way_ids.append(way_ids)
        self._class.append(road_class)
        self._names.append(names)
        self._refs.append(refs)
        self._direction.append(direction)
        self._kmh.append(kmh)
        self._km.append(km)
        self._minutes.append(minutes)
        self._bridge.append(bridge)
        self._tunnel.append(tunnel)

    def finish(self) -> WayTable:
        ids = np.asarray(self._ids) if self._ids else np.zeros(0, dtype=np.int64)
        start = np.asarray(self._start, dtype=np.int64)
        source, first, point_node = np.unique(ids, return_index=True, return_inverse=True)
        point_node = point_node.reshape(-1).astype(np.int64)
        lon = np.asarray(self._lon, dtype=float)[first] / self._divisor if len(first) else np.zeros(0)
        lat = np.asarray(self._lat, dtype=float)[first] / self._divisor if len(first) else np.zeros(0)
        # drop a point that repeats the one before it in its way, then ways left with one point
        way_of = np.repeat(np.arange(len(start) - 1), np.diff(start))
        keep = np.ones(len(point_node), dtype=bool)
        keep[1:] = (point_node[1:] != point_node[:-1]) | (way_of[1:] != way_of[:-1])
        point_node, way_of = point_node[keep], way_of[keep]
        sizes = np.bincount(way_of, minlength=len(start) - 1)
        good = sizes >= 2
        point_node = point_node[good[way_of]]
        kept = np.flatnonzero(good)
        if not good.all():  # a way counts as dropped when none of its runs is left
            lost = {self._way_ids[k] for k in np.flatnonzero(~good).tolist()}
            lost -= {self._way_ids[k] for k in kept.tolist()}
            self.counts.drop("fewer than two distinct points", count=len(lost))
        self.counts.ways_kept = self.counts.ways_read - sum(self.counts.dropped.values())
        way_start = np.concatenate([[0], np.cumsum(sizes[good])]).astype(np.int64)

        def pick(values: list[Any]) -> tuple[Any, ...]:
            return tuple(values[k] for k in kept.tolist())

        return WayTable(
            node_source=source, node_lon=lon, node_lat=lat, point_node=point_node, way_start=way_start,
            way_ids=pick(self._way_ids), way_class=pick(self._class), way_names=pick(self._names),
            way_refs=pick(self._refs), way_direction=np.asarray(self._direction, dtype=np.int8)[kept],
            way_kmh=np.asarray(self._kmh, dtype=float)[kept], way_km=np.asarray(self._km, dtype=float)[kept],
            way_minutes=np.asarray(self._minutes, dtype=float)[kept],
            way_bridge=np.asarray(self._bridge, dtype=bool)[kept],
            way_tunnel=np.asarray(self._tunnel, dtype=bool)[kept], counts=self.counts)
