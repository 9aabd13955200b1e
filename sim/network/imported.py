"""The imported road network: junctions, directed arcs and the roads they belong to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .report import LoadReport

__all__ = ["ImportedNetwork"]


@dataclass(frozen=True)
class ImportedNetwork:
    """A clean directed road graph: the largest strongly connected part of the file's drivable
    roads, pass-through junctions contracted.

    * Junctions ``0 .. n_nodes-1``: ``node_lon``, ``node_lat`` (WGS84 degrees) and
      ``node_source`` (the file's node id as a string: an OSM node id, a CSV ``id``);
      :attr:`node_ids` adds ``id_prefix`` (``osm:`` or ``n``).
    * Arcs: ``tail``, ``head`` (junction indices), ``km``, ``minutes`` and ``road`` (the road
      of the arc). A two-way road is two arcs, its forward arc first (from the road's start).
    * Roads ``0 .. n_roads-1``: ``road_class`` (the highest class of its parts),
      ``road_name`` and ``road_ref`` (the distinct names and refs of its parts, joined by
      ``"; "``), ``road_way_ids`` (the ways it came from), ``road_one_way``, ``road_bridge``
      and ``road_tunnel`` (any part is one), and its geometry from start to end: points
      ``geometry_start[r]:geometry_start[r + 1]`` of ``geometry_lon`` / ``geometry_lat``.
    """

    node_source: tuple[str, ...]
    id_prefix: str
    node_lon: np.ndarray
    node_lat: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    km: np.ndarray
    minutes: np.ndarray
    road: np.ndarray
    road_class: tuple[str, ...]
    road_name: tuple[str, ...]
    road_ref: tuple[str, ...]
    road_way_ids: tuple[tuple[str, ...], ...]
    road_one_way: np.ndarray
    road_bridge: np.ndarray
    road_tunnel: np.ndarray
    geometry_lon: np.ndarray
    geometry_lat: np.ndarray
    geometry_start: np.ndarray
    report: LoadReport

    @property
    def n_nodes(self) -> int:
        return len(self.node_source)

    @property
    def n_arcs(self) -> int:
        return len(self.tail)

    @property
    def n_roads(self) -> int:
        return len(self.road_class)

    @property
    def node_ids(self) -> tuple[str, ...]:
        """The junctions' ids as a scenario names them: ``osm:<id>`` or ``n<id>``."""
        return tuple(self.id_prefix + s for s in self.node_source)

    def road_arcs(self) -> np.ndarray:
        """The first (forward) arc of each road."""
        return np.searchsorted(self.road, np.arange(self.n_roads))

    @property
    def road_km(self) -> np.ndarray:
        return self.km[self.road_arcs()]

    @property
    def road_minutes(self) -> np.ndarray:
        """Minutes of each road from its start to its end."""
        return self.minutes[self.road_arcs()]

    def road_geometry(self, road: int) -> np.ndarray:
        """``(k, 2)`` lon/lat points of ``road`` from its start to its end."""
        a, b = self.geometry_start[road], self.geometry_start[road + 1]
        return np.column_stack([self.geometry_lon[a:b], self.geometry_lat[a:b]])
