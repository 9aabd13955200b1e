"""An imported network as the engine's :class:`sim.scenario.geography.RoadNetwork`, with room
for nodes and arcs added afterwards (places joined to the roads by access arcs).

Junction ``k`` keeps index ``k`` and is named ``osm:<id>`` (``n<id>`` for CSV); extra nodes
follow, in the order given. Arcs keep their order and their road; extra arcs follow, their
roads numbered after the network's. Per arc, ``road_class`` is its road's class and ``tags``
are ``("bridge",)``, ``("tunnel",)`` or both where its road has a bridge or a tunnel part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.geography import RoadNetwork
from .imported import ImportedNetwork

__all__ = ["ExtraArcs", "road_tags", "to_road_network"]


@dataclass(frozen=True)
class ExtraArcs:
    """Nodes and arcs to append: ``node_ids`` get indices ``n_nodes, n_nodes + 1, ...`` of the
    network; ``tail`` / ``head`` index the combined nodes; ``road`` numbers the extra roads from
    0 (they become ``n_roads + road``; a two-way extra road is two arcs with one number)."""

    node_ids: tuple[str, ...]
    tail: np.ndarray
    head: np.ndarray
    km: np.ndarray
    minutes: np.ndarray
    road: np.ndarray
    road_class: tuple[str, ...]
    tags: tuple[tuple[str, ...], ...]


def road_tags(network: ImportedNetwork) -> list[tuple[str, ...]]:
    """The tags of each road: ``bridge`` and ``tunnel`` where some part is one."""
    return [("bridge", "tunnel") if b and t else ("bridge",) if b else ("tunnel",) if t else ()
            for b, t in zip(network.road_bridge.tolist(), network.road_tunnel.tolist(), strict=True)]


def to_road_network(network: ImportedNetwork, extra: ExtraArcs | None = None,
                    description: str | None = None) -> RoadNetwork:
    """``network`` (and ``extra``) as a :class:`RoadNetwork` the engine drives on."""
    tags_of_road = road_tags(network)
    road = network.road.tolist()
    classes = [network.road_class[r] for r in road]
    tags = [tags_of_road[r] for r in road]
    node_ids = network.node_ids
    tail, head, km, minutes, arc_road = network.tail, network.head, network.km, network.minutes, network.road
    if extra is not None:
        sizes = {len(extra.tail), len(extra.head), len(extra.km), len(extra.minutes), len(extra.road),
                 len(extra.road_class), len(extra.tags)}
        if len(sizes) != 1:
            raise ValueError("the extra arc arrays differ in length")
        node_ids = node_ids + tuple(extra.node_ids)
        n = len(node_ids)
        if len(extra.tail) and (min(extra.tail.min(), extra.head.min()) < 0 or max(extra.tail.max(),
                                                                                  extra.head.max()) >= n):
            raise ValueError("an extra arc names a node that is not there")
        tail = np.concatenate([tail, np.asarray(extra.tail, dtype=np.int64)])
        head = np.concatenate([head, np.asarray(extra.head, dtype=np.int64)])
        km = np.concatenate([km, np.asarray(extra.km, dtype=float)])
        minutes = np.concatenate([minutes, np.asarray(extra.minutes, dtype=float)])
        arc_road = np.concatenate([arc_road, network.n_roads + np.asarray(extra.road, dtype=np.int64)])
        classes += list(extra.road_class)
        tags += list(extra.tags)
    report = network.report
    text = description or (f"road network imported from {report.file} ({report.format}): {network.n_nodes:,} "
                           f"junctions, {network.n_roads:,} roads, {report.km:,.1f} km")
    one_way = bool(network.road_one_way.any()) or (extra is not None and _one_way(extra))
    return RoadNetwork(node_ids=node_ids, tail=tail, head=head, minutes=minutes, km=km,
                       road_class=tuple(classes), tags=tuple(tags), synthetic=False, description=text,
                       arc_road=arc_road, has_one_way=one_way)


def _one_way(extra: ExtraArcs) -> bool:
    """Whether some extra road has an arc in one direction only."""
    pairs = {(int(r), int(t), int(h)) for r, t, h in zip(extra.road, extra.tail, extra.head, strict=True)}
    return any((r, h, t) not in pairs for r, t, h in pairs)
