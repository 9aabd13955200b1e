"""Places from files: villages and communities, shelters, stations, depots, helicopter bases and
landing points, hospitals, given as a CSV table or a GeoJSON layer instead of inline YAML.

A scenario lists its place files under ``region.places`` (paths relative to the scenario
file); each row (CSV) or feature (GeoJSON) is one place:

=============  ===============================================================================
``id``         required, unique across the scenario
``name``       optional; any language (UTF-8)
``kind``       required (or the file entry's ``kind``): a node kind (township, subdistrict,
               village, community, facility_site, junction), a facility kind (fire_station,
               township_station, volunteer_team, micro_station, team_base, hospital, helibase,
               landing_point, water_source, staging_post, external_base, bus_depot),
               ``shelter`` or ``depot``
``lon, lat``   WGS84 degrees (a GeoJSON Point, or the centroid of a Polygon / MultiPolygon,
               whose area gives ``area_km2`` when none is given)
``population`` people (settlements), default 0
``area_km2``   the land a settlement covers (default: population / ``region.areas.density``)
``capacity``   people a shelter holds (required for shelters)
``area``       the disaster area it belongs to (e.g. its township), for relief supplies
``tags``       ``;``-separated (CSV) or a list (GeoJSON), e.g. ``flood-prone;mountain``
``forest_ha``  forest hectares around it
``helipad``    for a hospital: true when helicopters can land
=============  ===============================================================================

Every place becomes a node of the region (a facility, shelter or depot as a ``facility_site``
node of the same id); a facility kind also becomes a facility at that node, a shelter a
shelter, so units, depots, hazards and generators refer to them by id as to inline ones. A
depot's stock and vehicles stay in the YAML (``depots: [{id, node: <place id>, ...}]``).
Problems name the file, the line (CSV) or feature number (GeoJSON) and the column.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem, shown
from .files import MAX_DATA_BYTES, InputFileError, read_input_text, resolve_reference
from .schema import FACILITY_KINDS, NODE_KINDS

__all__ = ["PLACE_KINDS", "ExpandedPlaces", "expand_places", "read_place_file"]

PLACE_KINDS = (*NODE_KINDS, *FACILITY_KINDS, "shelter", "depot")
_NUMBERS = {"population": int, "area_km2": float, "capacity": int, "forest_ha": float}
_KNOWN = {"id", "name", "kind", "lon", "lat", "population", "area_km2", "capacity", "area", "tags",
          "forest_ha", "helipad"}
EARTH_RADIUS_KM = 6371.0088


@dataclass
class ExpandedPlaces:
    """The places of a scenario's files as raw scenario items, and where each came from."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    facilities: list[dict[str, Any]] = field(default_factory=list)
    shelters: list[dict[str, Any]] = field(default_factory=list)
    origin: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    """(section, id) -> (file, line or feature number) of the place behind the item."""
    problems: list[Problem] = field(default_factory=list)


def _geometry_point(geometry: object) -> tuple[float, float, float | None] | None:
    """lon, lat and area (km^2, for polygons) of a GeoJSON geometry."""
    if not isinstance(geometry, dict):
        return None
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point" and isinstance(coords, list) and len(coords) >= 2:
        return float(coords[0]), float(coords[1]), None
    rings: list[list[list[float]]] = []
    if kind == "Polygon" and isinstance(coords, list) and coords:
        rings = [coords[0]]
    elif kind == "MultiPolygon" and isinstance(coords, list):
        rings = [poly[0] for poly in coords if isinstance(poly, list) and poly]
    if not rings:
        return None
    total, cx, cy = 0.0, 0.0, 0.0
    for ring in rings:
        area, x, y = _ring(ring)
        total, cx, cy = total + area, cx + x * area, cy + y * area
    if total <= 0:
        return None
    return cx / total, cy / total, total


def _ring(ring: list[list[float]]) -> tuple[float, float, float]:
    """Area (km^2) and centroid (lon, lat) of a lon/lat ring, on a local equirectangular plane."""
    lat0 = math.radians(sum(p[1] for p in ring) / len(ring))
    kx, ky = math.cos(lat0) * math.pi / 180 * EARTH_RADIUS_KM, math.pi / 180 * EARTH_RADIUS_KM
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(((p[0], p[1]) for p in ring), ((p[0], p[1]) for p in ring[1:] + ring[:1]),
                                  strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return abs(area) / 2 * kx * ky, cx / (3 * area), cy / (3 * area)


def _rows(path: Path, label: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """(line or feature number, fields) of each place in a CSV or GeoJSON file."""
    try:
        text = read_input_text(path, "place file", limit=MAX_DATA_BYTES)
    except InputFileError as exc:
        return [], [Problem(label, (), exc.reason)]
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return [], [Problem(label, (), f"not valid JSON (line {exc.lineno}, column {exc.colno})")]
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            return [], [Problem(label, (), "not a GeoJSON FeatureCollection (no 'features' list)")]
        rows, problems = [], []
        for k, feature in enumerate(features, start=1):
            props = feature.get("properties") if isinstance(feature, dict) else None
            point = _geometry_point(feature.get("geometry")) if isinstance(feature, dict) else None
            if not isinstance(props, dict) or point is None:
                problems.append(Problem(label, ("features", k),
                                        "needs properties and a Point or Polygon geometry"))
                continue
            lon, lat, area = point
            props = {**props, "lon": lon, "lat": lat}
            if area is not None and props.get("area_km2") in (None, ""):
                props["area_km2"] = area
            rows.append((k, props))
        return rows, problems
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "id" not in header or not ({"lon", "lat"} <= set(header)):
        has = shown(", ".join(header[:12]))
        return [], [Problem(label, (), "a place table needs the columns id, lon and lat (and kind, unless "
                                       f"the file entry gives one); it has {has}", 1)]
    unknown = [h for h in header if h and h not in _KNOWN]
    if unknown:
        columns = ", ".join(sorted(_KNOWN))
        return [], [Problem(label, (unknown[0],), f"unknown column (columns: {columns})", 1)]
    rows = []
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        rows.append((line, {(k or "").strip(): (v or "").strip() if isinstance(v, str) else v
                            for k, v in row.items()}))
    return rows, []


def _value(name: str, raw: object) -> object:
    """A column's value as the scenario expects it (numbers, lists of tags, booleans)."""
    if raw is None or raw == "":
        return None
    if name in _NUMBERS:
        number = math.nan if isinstance(raw, bool) else \
            float(raw if isinstance(raw, int | float) else str(raw))
        if not math.isfinite(number):
            raise ValueError(f"not a finite number ({shown(raw)})")
        if _NUMBERS[name] is int:
            if number != int(number):
                raise ValueError(f"a whole number is needed ({shown(raw)})")
            return int(number)
        return number
    if name in ("lon", "lat"):
        number = float(raw if isinstance(raw, int | float) else str(raw))
        limit = 180 if name == "lon" else 90
        if not -limit <= number <= limit:
            raise ValueError(f"{name} must be between -{limit} and {limit} degrees ({shown(raw)})")
        return number
    if name == "tags":
        items = raw if isinstance(raw, list) else str(raw).split(";")
        return [str(t).strip() for t in items if str(t).strip()]
    if name == "helipad":
        text = str(raw).strip().lower()
        if text not in ("true", "false", "yes", "no", "1", "0"):
            raise ValueError(f"true or false ({shown(raw)})")
        return text in ("true", "yes", "1")
    return str(raw)


def read_place_file(path: Path, label: str, default_kind: str | None, into: ExpandedPlaces) -> None:
    """Add the places of one file to ``into`` (problems too: file, line, column)."""
    rows, problems = _rows(path, label)
    into.problems.extend(problems)
    for where, row in rows:
        line = where if path.suffix.lower() not in (".geojson", ".json") else None
        at = ("features", where) if line is None else ()

        def problem(column: str, message: str, at: tuple = at, line: int | None = line) -> None:
            into.problems.append(Problem(label, (*at, column), message, line))

        values: dict[str, Any] = dict.fromkeys(_KNOWN)
        failed: set[str] = set()
        for name in sorted(_KNOWN):
            try:
                values[name] = _value(name, row.get(name))
            except (TypeError, ValueError) as exc:
                problem(name, str(exc) if "(" in str(exc) else f"not a number ({shown(row.get(name))})")
                failed.add(name)
        bad = bool(failed)
        kind = values["kind"] or default_kind
        if values["id"] is None:
            problem("id", "every place needs an id")
            bad = True
        for name in ("lon", "lat"):
            if values[name] is None and name not in failed:
                problem(name, "every place needs lon and lat")
                bad = True
        if kind not in PLACE_KINDS:
            problem("kind", f"unknown kind {shown(kind)} (one of: {', '.join(PLACE_KINDS)})")
            bad = True
        elif kind == "shelter" and values["capacity"] is None:
            problem("capacity", "a shelter needs a capacity (people)")
            bad = True
        if bad:
            continue
        _add(into, values, str(kind), label, where)


def _add(into: ExpandedPlaces, values: dict[str, Any], kind: str, label: str, where: int) -> None:
    pid = values["id"]
    node: dict[str, Any] = {"id": pid, "kind": kind if kind in NODE_KINDS else "facility_site",
                            "lon": values["lon"], "lat": values["lat"]}
    for key in ("name", "population", "area_km2", "area", "forest_ha"):
        if values[key] is not None:
            node[key] = values[key]
    if values["tags"]:
        node["tags"] = values["tags"]
    into.nodes.append(node)
    into.origin[("nodes", pid)] = (label, where)
    if kind in FACILITY_KINDS:
        facility: dict[str, Any] = {"id": pid, "kind": kind, "node": pid}
        if values["name"] is not None:
            facility["name"] = values["name"]
        if values["helipad"] is not None:
            facility["helipad"] = values["helipad"]
        into.facilities.append(facility)
        into.origin[("facilities", pid)] = (label, where)
    elif kind == "shelter":
        shelter: dict[str, Any] = {"id": pid, "node": pid, "capacity": values["capacity"]}
        if values["name"] is not None:
            shelter["name"] = values["name"]
        into.shelters.append(shelter)
        into.origin[("shelters", pid)] = (label, where)


def expand_places(raw: dict, naming_file: Path | None, shown_file: str) -> tuple[dict, ExpandedPlaces]:
    """``raw`` with the places of its ``region.places`` files added to ``region.nodes``,
    ``facilities`` and ``shelters`` (after the inline ones), and what was read."""
    region = raw.get("region")
    expanded = ExpandedPlaces()
    if not isinstance(region, dict) or not region.get("places"):
        return raw, expanded
    entries = region["places"]
    if not isinstance(entries, list):
        entries = [entries]
    for k, entry in enumerate(entries):
        spec = {"file": entry} if isinstance(entry, str) else entry
        if not isinstance(spec, dict) or not isinstance(spec.get("file"), str) or not spec["file"]:
            expanded.problems.append(Problem(shown_file, ("region", "places", k),
                                             "a place file is a path, or {file: PATH, kind: KIND}"))
            continue
        path = resolve_reference(spec["file"], naming_file)
        label = spec["file"] if Path(spec["file"]).is_absolute() or naming_file is None \
            else str(Path(shown_file).parent / spec["file"])
        kind = spec.get("kind")
        read_place_file(path, label, kind if isinstance(kind, str) else None, expanded)
    if expanded.problems:
        return raw, expanded
    def joined(items: object, more: list[dict[str, Any]]) -> object:
        if not more:
            return items
        return [*items, *more] if isinstance(items, list) else more if items is None else items

    out = dict(raw)
    out["region"] = {**{k: v for k, v in region.items() if k != "places"},
                     "nodes": joined(region.get("nodes"), expanded.nodes)}
    out["facilities"] = joined(raw.get("facilities"), expanded.facilities)
    if expanded.shelters:
        out["shelters"] = joined(raw.get("shelters"), expanded.shelters)
    return out, expanded
