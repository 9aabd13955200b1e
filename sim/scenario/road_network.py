"""A scenario on a real road network: the imported roads (:mod:`sim.network`) with the region's
places joined to them.

The nodes the engine drives between are the region's places first (indices ``0 .. P-1``, as
everywhere else in a scenario) and then the network's junctions (``osm:<id>``). Each place is
joined to its nearest junction (:func:`~sim.scenario.snapping.nearest_nodes`) by an *access
road* in both directions: the straight distance times ``snap.detour``, at ``snap.speed``. So
two places near the same junction are still apart, and every trip to or from a place includes
its access leg. Roads written under ``region.roads`` (between places) join too.

Each node also belongs to a place (:attr:`RoadNetwork.place_of`): a place to itself, a
junction to the nearest place. Hazards read a junction's intensity from its place, and a road
carries the terrain tags (``flood-prone``, ``mountain`` ...) of the places its ends belong to
when those ends lie within the place's area (or 1 km of a point place), besides its own
``bridge`` / ``tunnel`` tags, so that typhoon road cuts by tag act on imported roads as on
synthetic ones.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from ..errors import Problem, shown
from ..network import ImportedNetwork, NetworkSource, load_network, road_tags
from .files import resolve_reference
from .geography import RoadInfo, RoadNetwork
from .schema import Region
from .snapping import nearest_nodes

__all__ = ["TERRAIN_TAGS", "imported_road_network"]

TERRAIN_TAGS = ("mountain", "flood-prone", "low-lying", "coast", "bridge")
POINT_REACH_KM = 1.0  # a junction this close to a point place (a facility site) takes its tags


def _source(region: Region, base_dir: Path, shown_as: str) -> tuple[NetworkSource, str, str | None]:
    spec = region.road_network
    assert spec is not None
    file = resolve_reference(spec.file, base_dir / "_")
    nodes = resolve_reference(spec.nodes, base_dir / "_") if spec.nodes else None
    label = spec.file if Path(spec.file).is_absolute() else str(Path(shown_as).parent / spec.file)
    nodes_label = None if spec.nodes is None else (
        spec.nodes if Path(spec.nodes).is_absolute() else str(Path(shown_as).parent / spec.nodes))
    return NetworkSource(file, spec.format, nodes, dict(spec.speeds) or None), label, nodes_label


def imported_road_network(region: Region, base_dir: Path, shown_as: str
                          ) -> tuple[RoadNetwork | None, list[Problem]]:
    """The region's road network file with its places joined (its ``notes`` are the load
    report: what was imported and dropped, the places far from any road), or the problems."""
    from ..network import NetworkError

    spec = region.road_network
    assert spec is not None
    source, label, nodes_label = _source(region, base_dir, shown_as)
    field = ("region", "road_network")
    try:
        net = load_network(source, shown_as=label, nodes_shown_as=nodes_label)
    except NetworkError as exc:
        return None, [Problem(shown_as, (*field, "file"), str(exc))]
    places = region.nodes
    lon = np.array([n.lon for n in places])
    lat = np.array([n.lat for n in places])
    junction, km = nearest_nodes(lon, lat, net.node_lon, net.node_lat)
    problems = [Problem(shown_as, ("region", "nodes", i),
                        f"place {shown(places[i].id)} is {km[i]:.1f} km from the nearest road of {label} "
                        f"(at most {spec.snap.max:g} km, region.road_network.snap.max): is it on the map of "
                        "the network, and are lon and lat right?")
                for i in np.nonzero(km > spec.snap.max)[0].tolist()]
    if problems:
        return None, problems
    notes = [net.report.summary()]
    far = np.argsort(-km, kind="stable")
    farthest = int(far[0])
    notes.append(f"{len(places)} places joined to the roads by access roads (at {spec.snap.speed:g} km/h, "
                 f"x{spec.snap.detour:g}); the farthest {shown(places[farthest].id)} at "
                 f"{km[farthest]:.2f} km")
    warned = [int(i) for i in far if km[i] > spec.snap.warn]
    if warned:
        listed = ", ".join(f"{shown(places[i].id)} {km[i]:.1f} km" for i in warned[:10])
        notes.append(f"WARNING: {len(warned)} places more than {spec.snap.warn:g} km from a road: {listed}"
                     + (" ..." if len(warned) > 10 else ""))
    return dataclasses.replace(_joined(region, net, junction, km), notes=tuple(notes)), []


def _place_of_junctions(region: Region, net: ImportedNetwork) -> tuple[np.ndarray, np.ndarray]:
    """For each junction, its nearest place and whether it lies inside that place's reach."""
    from ..model.areas import radius_km

    places = region.nodes
    lon = np.array([n.lon for n in places])
    lat = np.array([n.lat for n in places])
    place, km = nearest_nodes(net.node_lon, net.node_lat, lon, lat)
    reach = np.maximum(radius_km(region), POINT_REACH_KM)
    return place, km <= reach[place]


def _joined(region: Region, net: ImportedNetwork, junction: np.ndarray, km: np.ndarray) -> RoadNetwork:
    snap = region.road_network.snap if region.road_network else None
    assert snap is not None
    places = region.nodes
    n_places = len(places)
    offset = n_places
    # the network's roads, junctions renumbered after the places
    tail = [net.tail + offset]
    head = [net.head + offset]
    arc_km = [net.km]
    minutes = [net.minutes]
    arc_road = [net.road]
    place_of_junction, inside = _place_of_junctions(region, net)
    terrain = [tuple(t for t in n.tags if t in TERRAIN_TAGS) for n in places]
    own = road_tags(net)
    first = net.road_arcs()
    end_a, end_b = net.tail[first], net.head[first]
    tags_of_road = []
    for r in range(net.n_roads):
        tags = set(own[r])
        for end in (int(end_a[r]), int(end_b[r])):
            if inside[end]:
                tags.update(terrain[int(place_of_junction[end])])
        tags_of_road.append(tuple(sorted(tags)))
    classes = list(net.road_class)
    names = [name for name in net.road_name]
    ways = [tuple(w) for w in net.road_way_ids]
    bridge = [bool(b) for b in net.road_bridge.tolist()]
    geometry = [tuple((float(x), float(y)) for x, y in net.road_geometry(r)) for r in range(net.n_roads)]
    # an access road for each place, both ways
    road = net.n_roads
    access_km = km * snap.detour
    access_minutes = access_km / snap.speed * 60.0
    j_tail, j_head, j_km, j_min, j_road = [], [], [], [], []
    for i in range(n_places):
        j = int(junction[i]) + offset
        j_tail += [i, j]
        j_head += [j, i]
        j_km += [access_km[i]] * 2
        j_min += [access_minutes[i]] * 2
        j_road += [road, road]
        classes.append("access")
        names.append(f"access to {places[i].id}")
        ways.append(())
        bridge.append(False)
        tags_of_road.append(terrain[i])
        geometry.append(((places[i].lon, places[i].lat),
                         (float(net.node_lon[junction[i]]), float(net.node_lat[junction[i]]))))
        road += 1
    tail.append(np.array(j_tail, dtype=np.int64))
    head.append(np.array(j_head, dtype=np.int64))
    arc_km.append(np.array(j_km))
    minutes.append(np.array(j_min))
    arc_road.append(np.array(j_road, dtype=np.int64))
    index = {n.id: k for k, n in enumerate(places)}
    for edge in (region.roads.edges if region.roads is not None else []):
        u, v = index[edge.from_], index[edge.to]
        if edge.minutes is not None:
            t, length = edge.minutes, math.nan
        else:
            assert edge.km is not None  # an edge has minutes or km (the schema says so)
            speed = edge.speed or region.roads.speeds[edge.road_class or "default"]  # type: ignore[union-attr]
            t, length = edge.km / speed * 60.0, edge.km
        pairs = [(u, v)] if edge.one_way else [(u, v), (v, u)]
        tail.append(np.array([a for a, _ in pairs], dtype=np.int64))
        head.append(np.array([b for _, b in pairs], dtype=np.int64))
        arc_km.append(np.full(len(pairs), length))
        minutes.append(np.full(len(pairs), t))
        arc_road.append(np.full(len(pairs), road, dtype=np.int64))
        classes.append(edge.road_class or "added")
        names.append(f"{edge.from_}-{edge.to}")
        ways.append(())
        bridge.append("bridge" in edge.tags)
        tags_of_road.append(tuple(edge.tags))
        geometry.append(((places[u].lon, places[u].lat), (places[v].lon, places[v].lat)))
        road += 1
    all_road = np.concatenate(arc_road)
    all_lon = np.concatenate([[n.lon for n in places], net.node_lon])
    all_lat = np.concatenate([[n.lat for n in places], net.node_lat])
    place_of = np.concatenate([np.arange(n_places), place_of_junction]).astype(np.int64)
    report = net.report
    return RoadNetwork(
        node_ids=tuple(n.id for n in places) + net.node_ids,
        tail=np.concatenate(tail), head=np.concatenate(head), minutes=np.concatenate(minutes),
        km=np.concatenate(arc_km), road_class=tuple(classes[r] for r in all_road.tolist()),
        tags=tuple(tags_of_road[r] for r in all_road.tolist()), synthetic=False,
        description=(f"road network imported from {report.file} ({report.format}): {net.n_nodes:,} "
                     f"junctions, {net.n_roads:,} roads, {report.km:,.1f} km; {n_places} places joined by "
                     "access roads"),
        arc_road=all_road, has_one_way=bool(net.road_one_way.any()) or any(e.one_way for e in (
            region.roads.edges if region.roads is not None else [])),
        lon=all_lon, lat=all_lat, place_of=place_of,
        roads=RoadInfo(names=tuple(names), ways=tuple(ways), bridge=np.array(bridge),
                       geometry=tuple(geometry)))

