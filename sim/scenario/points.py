"""Incident spots from a file (``where: {points: FILE}``): where incidents of a generator happen,
given as points rather than drawn inside the places' areas.

The file is a CSV (``lon``, ``lat`` and an optional ``weight``, default 1) or a GeoJSON layer of
Point features (an optional ``weight`` property). Each point is served at its nearest place of
the region (by straight line); the stretch between the place and the point is its real
distance times ``region.areas.detour`` at ``region.areas.speed``, in network minutes, instead
of a stretch drawn in the place's area (:mod:`sim.model.areas`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import Problem, shown
from .files import MAX_DATA_BYTES, InputFileError, read_input_text, resolve_reference
from .schema import Region, ScenarioSpec
from .snapping import nearest_nodes

__all__ = ["PointSet", "read_points", "scenario_points"]


@dataclass(frozen=True)
class PointSet:
    """Incident spots: the place serving each, the stretch to it (network minutes), weights."""

    node: np.ndarray
    leg: np.ndarray
    weight: np.ndarray


def read_points(path: Path, label: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | Problem:
    """lon, lat and weight of the points in a CSV or GeoJSON file, or the problem."""
    try:
        text = read_input_text(path, "points file", limit=MAX_DATA_BYTES)
    except InputFileError as exc:
        return Problem(label, (), exc.reason)
    rows: list[tuple[int, object, object, object]] = []
    geojson = path.suffix.lower() in (".geojson", ".json")
    if geojson:
        try:
            features = json.loads(text).get("features")
        except (json.JSONDecodeError, AttributeError):
            return Problem(label, (), "not a GeoJSON FeatureCollection")
        if not isinstance(features, list):
            return Problem(label, (), "not a GeoJSON FeatureCollection (no 'features' list)")
        for k, f in enumerate(features, start=1):
            geometry = f.get("geometry") if isinstance(f, dict) else None
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            point = isinstance(geometry, dict) and geometry.get("type") == "Point"
            if not point or not isinstance(coords, list) or len(coords) < 2:
                return Problem(label, ("features", k), "every feature must be a Point")
            props = f.get("properties") if isinstance(f.get("properties"), dict) else {}
            rows.append((k, coords[0], coords[1], props.get("weight", 1)))
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not {"lon", "lat"} <= {h.strip() for h in reader.fieldnames or []}:
            return Problem(label, (), "a points table needs the columns lon and lat (and optionally "
                                      "weight)", 1)
        for line, row in enumerate(reader, start=2):
            clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            rows.append((line, clean.get("lon"), clean.get("lat"), clean.get("weight") or 1))
    if not rows:
        return Problem(label, (), "holds no points")
    out = np.zeros((3, len(rows)))
    for k, (where, lon, lat, weight) in enumerate(rows):
        for j, (name, value, low, high) in enumerate((("lon", lon, -180, 180), ("lat", lat, -90, 90),
                                                       ("weight", weight, 0, 1e12))):
            try:
                number = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                number = math.nan
            if not (math.isfinite(number) and low <= number <= high):
                at: tuple[str | int, ...] = ("features", where, name) if geojson else (name,)
                return Problem(label, at, f"{name} must be a number from {low:g} to {high:g} (got "
                                          f"{shown(value)})", None if geojson else where)
            out[j, k] = number
    if out[2].sum() <= 0:
        return Problem(label, ("weight",), "the weights must not all be zero")
    return out[0], out[1], out[2]


def scenario_points(spec: ScenarioSpec, base_dir: Path, shown_as: str
                    ) -> tuple[dict[str, PointSet], list[Problem]]:
    """Every points file the generators name, read and joined to its nearest places."""
    region: Region = spec.region
    lon = np.array([n.lon for n in region.nodes])
    lat = np.array([n.lat for n in region.nodes])
    out: dict[str, PointSet] = {}
    problems: list[Problem] = []
    for i, generator in enumerate(spec.generators):
        name = generator.where.points
        if name is None or name in out:
            continue
        path = resolve_reference(name, base_dir / "_")
        label = name if Path(name).is_absolute() else str(Path(shown_as).parent / name)
        read = read_points(path, label)
        if isinstance(read, Problem):
            problems.append(read)
            continue
        p_lon, p_lat, weight = read
        node, km = nearest_nodes(p_lon, p_lat, lon, lat)
        leg = km * region.areas.detour / region.areas.speed * 60.0
        out[name] = PointSet(node, leg, weight)
        far = int(np.argmax(km))
        if km[far] > 50:
            problems.append(Problem(shown_as, ("generators", i, "where", "points"),
                                    f"a point of {label} is {km[far]:.0f} km from the nearest place: is "
                                    "the file for this region?"))
    return out, problems
