"""Results as GIS layers: GeoJSON (RFC 7946: WGS84 lon/lat, no CRS member) that QGIS, ArcGIS
or a web map open as they are, and tables with lon/lat columns.

Layers written by ``sim run`` (:func:`write_gis`), properties named plainly:

=========================  ================================================================
``places.geojson``         every place (node of the region): id, name, kind, population,
                           area_km2, disaster area, tags; on an imported road network also
                           the road node it is joined to and the access distance
``roads.geojson``          every road as imported (or as generated, straight, for synthetic
                           roads): class, name, km, minutes, one_way, bridge, OSM ways, and
                           how often and how long hazards cut it (per replication)
``facilities.geojson``     stations, bases, hospitals...: kind, node, units by type
``incidents.geojson``      every counted incident (after the warm-up): type, replication,
                           times, response_time, status (at its place: the spot inside the
                           place's area is not drawn as a point); at most ``MAX_INCIDENTS``
``response_by_place.geojson``  per place: incidents per replication, mean response time,
                           share within target
``coverage.geojson``       per place and incident type with a target: minutes for the first
                           unit with the type's first capability from its station (mean
                           turnout, roads all open, plus the mean stretch inside the place's
                           area), and whether that is within the target
=========================  ================================================================
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.areas import area_km2, mean_leg_minutes
from ..results.outcome import RunResult
from ..scenario.geography import RoadNetwork
from ..scenario.geography import node_positions as positions_of
from ..scenario.loader import Scenario
from .writing import write_text

__all__ = ["MAX_INCIDENTS", "batch_layers", "coverage_table", "feature_collection", "node_positions",
           "places_table", "write_gis"]

MAX_INCIDENTS = 100_000


def _plain(value: object) -> object:
    """A JSON value: numpy scalars as Python ones, NaN and infinities as null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _point(lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(float(lon), 7),
                                                                             round(float(lat), 7)]},
            "properties": {k: _plain(v) for k, v in properties.items()}}


def _line(points: Iterable[tuple[float, float]], properties: dict[str, Any]) -> dict[str, Any]:
    coords = [[round(float(x), 7), round(float(y), 7)] for x, y in points]
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {k: _plain(v) for k, v in properties.items()}}


def feature_collection(name: str, features: list[dict[str, Any]]) -> str:
    """A GeoJSON FeatureCollection as text (``name`` is the layer name QGIS shows)."""
    return json.dumps({"type": "FeatureCollection", "name": name, "features": features},
                      ensure_ascii=False, allow_nan=False) + "\n"


def node_positions(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat of every node of the travel network (the region's places first)."""
    return positions_of(scenario.travel, scenario.spec.region)


def places_table(scenario: Scenario) -> pd.DataFrame:
    """One row per place: id, name, kind, lon, lat, population, area_km2, area, tags."""
    region = scenario.spec.region
    return pd.DataFrame({
        "id": [n.id for n in region.nodes], "name": [n.name or "" for n in region.nodes],
        "kind": [n.kind for n in region.nodes], "lon": [n.lon for n in region.nodes],
        "lat": [n.lat for n in region.nodes], "population": [n.population for n in region.nodes],
        "area_km2": area_km2(region).round(4), "area": [n.area_id for n in region.nodes],
        "tags": [";".join(n.tags) for n in region.nodes]})


def _units_by_facility(scenario: Scenario) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for group in scenario.spec.units:
        by_type = out.setdefault(group.base, {})
        by_type[group.type] = by_type.get(group.type, 0) + group.count
    return out


def coverage_table(result: RunResult) -> pd.DataFrame:
    """Per place and incident type with a target: minutes for the first capable unit (see the
    module docstring) and whether it is within the target."""
    from ..engine.calls import build_units, travel_modes

    scenario = result.scenario
    spec = scenario.spec
    modes = travel_modes(scenario)
    units = build_units(scenario)
    legs = mean_leg_minutes(spec.region)
    rows: list[dict[str, Any]] = []
    n_places = len(spec.region.nodes)
    for name, itype in spec.incident_types.items():
        if itype.target is None:
            continue
        capability = next(iter(itype.requires))
        able = [u for u in units if capability in u.capabilities and u.mutual_aid is None
                and (itype.modes is None or ("road", "air", "water")[u.mode] in itype.modes)]
        best = np.full(n_places, math.inf)
        for unit in able:
            row = np.asarray(modes[unit.mode].rows[unit.base_node][:n_places], dtype=float)
            leg = legs if unit.mode == 0 else 0.0
            best = np.minimum(best, unit.turnout.mean + (row + leg) / unit.speed_factor)
        for i, node in enumerate(spec.region.nodes):
            rows.append({"place": node.id, "type": name, "capability": capability,
                         "minutes": float(best[i]), "target": float(itype.target),
                         "covered": bool(best[i] <= itype.target)})
    return pd.DataFrame(rows, columns=["place", "type", "capability", "minutes", "target", "covered"])


def _road_features(result: RunResult, lon: np.ndarray, lat: np.ndarray) -> list[dict[str, Any]]:
    scenario = result.scenario
    network = scenario.travel
    if not isinstance(network, RoadNetwork):
        return []
    ends = network.road_ends()
    first_arc = np.unique(network.arc_road, return_index=True)[1]
    arcs_per_road = np.bincount(network.arc_road, minlength=network.n_roads)
    closures = result.table("road_closures") if result.has_hazards else pd.DataFrame()
    cut_count: dict[int, int] = {}
    cut_hours: dict[int, float] = {}
    if len(closures):
        for road, start, end in zip(closures["road"], closures["start"], closures["end"], strict=True):
            cut_count[int(road)] = cut_count.get(int(road), 0) + 1
            cut_hours[int(road)] = cut_hours.get(int(road), 0.0) + (float(end) - float(start)) / 60
    reps = max(result.replications, 1)
    info = network.roads
    features = []
    for road in range(network.n_roads):
        arc = int(first_arc[road])
        a, b = int(ends[road, 0]), int(ends[road, 1])
        shape = info.geometry[road] if info is not None and info.geometry[road] else \
            ((lon[a], lat[a]), (lon[b], lat[b]))
        km = float(network.km[arc])
        features.append(_line(shape, {
            "road": road, "from_node": network.node_ids[a], "to_node": network.node_ids[b],
            "class": network.road_class[arc], "name": info.names[road] if info is not None else "",
            "km": round(km, 4) if math.isfinite(km) else None,
            "minutes": round(float(network.minutes[arc]), 4),
            "one_way": bool(arcs_per_road[road] == 1), "bridge": bool(info.bridge[road]) if info else
            "bridge" in network.tags[arc], "tags": ";".join(network.tags[arc]),
            "osm_ways": ";".join(str(w) for w in info.ways[road]) if info is not None else "",
            "synthetic": bool(network.synthetic),
            "cuts_per_replication": cut_count.get(road, 0) / reps,
            "hours_cut_per_replication": round(cut_hours.get(road, 0.0) / reps, 3)}))
    return features


def _response_by_place(result: RunResult) -> pd.DataFrame:
    incidents = result.incidents
    counted = incidents[incidents["occurrence"] >= result.scenario.spec.run.warmup]
    targets = {name: t.target for name, t in result.scenario.spec.incident_types.items()}
    target = counted["type"].map(targets).astype(float)
    met = (counted["response_time"].astype(float) <= target).where(target.notna())
    frame = pd.DataFrame({"node": counted["node"], "response_time": counted["response_time"].astype(float),
                          "met": met.astype(float)})
    grouped = frame.groupby("node").agg(incidents=("response_time", "size"),
                                        response_mean=("response_time", "mean"),
                                        within_target=("met", "mean"))
    grouped["incidents"] = grouped["incidents"] / max(result.replications, 1)
    return grouped


def write_gis(result: RunResult, out: Path) -> list[Path]:
    """Write ``nodes.csv``, ``facilities.csv`` and the GeoJSON layers into ``out``."""
    from .writing import write_csv

    scenario = result.scenario
    spec = scenario.spec
    lon, lat = node_positions(scenario)
    index = scenario.node_index
    places_frame = places_table(scenario)
    places: list[dict[str, Any]] = [{str(k): v for k, v in row.items()}
                                    for row in places_frame.to_dict("records")]
    paths = [write_csv(out / "nodes.csv", places_frame)]
    units = _units_by_facility(scenario)
    facilities: list[dict[str, Any]] = [{
        "id": f.id, "name": f.name or "", "kind": f.kind, "node": f.node, "lon": float(lon[index[f.node]]),
        "lat": float(lat[index[f.node]]), "helipad": f.helipad,
        "units": ";".join(f"{t}={n}" for t, n in units.get(f.id, {}).items())} for f in spec.facilities]
    paths.append(write_csv(out / "facilities.csv", pd.DataFrame(facilities)))

    def layer(name: str, features: list[dict[str, Any]]) -> None:
        paths.append(write_text(out / f"{name}.geojson", feature_collection(name, features)))

    place_keys = ("id", "name", "kind", "population", "area_km2", "area", "tags")
    layer("places", [_point(p["lon"], p["lat"], {k: p[k] for k in place_keys}) for p in places])
    layer("roads", _road_features(result, lon, lat))
    facility_keys = ("id", "name", "kind", "node", "units")
    layer("facilities", [_point(f["lon"], f["lat"], {k: f[k] for k in facility_keys}) for f in facilities])
    incidents = result.incidents
    counted = incidents[incidents["occurrence"] >= spec.run.warmup].head(MAX_INCIDENTS)
    keys = ("replication", "incident", "type", "node", "occurrence", "first_arrival", "response_time",
            "status")
    features = []
    for row in counted[list(keys)].to_dict("records"):
        k = index.get(str(row["node"]), -1)
        if k >= 0:
            features.append(_point(lon[k], lat[k], {str(key): value for key, value in row.items()}))
    layer("incidents", features)
    by_place = _response_by_place(result)
    empty = {"incidents": 0.0, "response_mean": None, "within_target": None}
    def kpis(place: str) -> dict[str, Any]:
        return {str(k): by_place.at[place, k] for k in by_place.columns} if place in by_place.index else empty

    layer("response_by_place", [_point(p["lon"], p["lat"], {"id": p["id"], "name": p["name"],
                                                            **kpis(p["id"])}) for p in places])
    wide: dict[str, dict[str, Any]] = {}
    for row in coverage_table(result).to_dict("records"):
        props = wide.setdefault(str(row["place"]), {})
        minutes = float(row["minutes"])
        props[f"{row['type']}_minutes"] = round(minutes, 2) if math.isfinite(minutes) else None
        props[f"{row['type']}_covered"] = bool(row["covered"])
    layer("coverage", [_point(p["lon"], p["lat"], {"id": p["id"], "name": p["name"], "population":
                                                   p["population"], **wide.get(str(p["id"]), {})})
                       for p in places])
    return paths


def batch_layers(layouts: dict[str, dict[str, Any]], node_response: pd.DataFrame,
                 baseline: str) -> dict[str, str]:
    """GeoJSON layers of a batch, one feature per variant and place or facility (filter on
    ``variant`` in a GIS): ``variant_facilities`` (kind, node, units, changed from the
    baseline, removed) and ``variant_response`` (incidents and mean response time per place).
    ``layouts`` and ``node_response`` are what :class:`~sim.experiments.batch_result.BatchResult`
    gives."""
    base = {f[0]: f for f in layouts.get(baseline, next(iter(layouts.values())))["facilities"]}
    facilities, response = [], []
    for name, layout in layouts.items():
        positions = layout["nodes"]
        mine = {f[0]: f for f in layout["facilities"]}
        for fid, kind, node, units in mine.values():
            if node in positions:
                lon, lat = positions[node]
                facilities.append(_point(lon, lat, {
                    "variant": name, "id": fid, "kind": kind, "node": node, "units": units,
                    "changed": base.get(fid) != [fid, kind, node, units], "removed": False}))
        for fid, kind, node, _ in base.values():
            if fid not in mine and node in positions:
                lon, lat = positions[node]
                facilities.append(_point(lon, lat, {"variant": name, "id": fid, "kind": kind, "node": node,
                                                    "units": 0, "changed": True, "removed": True}))
        rows = node_response[node_response["variant_name"] == name]
        for node, incidents, mean in zip(rows["node"], rows["incidents"], rows["response_mean"], strict=True):
            if node in positions:
                lon, lat = positions[node]
                response.append(_point(lon, lat, {"variant": name, "node": node, "incidents": incidents,
                                                  "response_mean": mean}))
    return {"variant_facilities": feature_collection("variant_facilities", facilities),
            "variant_response": feature_collection("variant_response", response)}
