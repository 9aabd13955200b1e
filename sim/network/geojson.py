"""An imported network as GeoJSON (RFC 7946) for a map: one LineString per road, WGS84
longitude/latitude, so a planner can check the import in QGIS or any web map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..report.writing import output_folder, write_text
from .bulk import collector_paused
from .imported import ImportedNetwork

__all__ = ["network_geojson", "write_network_geojson"]

_DIGITS = 7  # about 1 cm, OSM's own precision


def network_geojson(network: ImportedNetwork) -> dict[str, Any]:
    """A FeatureCollection of the roads: properties ``road`` (index), ``class``, ``name``,
    ``ref``, ``km``, ``minutes`` (from start to end), ``one_way``, ``way_ids``, ``bridge``,
    ``tunnel``; coordinates from the road's start to its end."""
    with collector_paused():
        return _collection(network)


def _collection(network: ImportedNetwork) -> dict[str, Any]:
    lon = network.geometry_lon.round(_DIGITS).tolist()
    lat = network.geometry_lat.round(_DIGITS).tolist()
    starts = network.geometry_start.tolist()
    km, minutes = network.road_km.tolist(), network.road_minutes.tolist()
    one_way, bridge, tunnel = (flags.tolist() for flags in
                               (network.road_one_way, network.road_bridge, network.road_tunnel))
    features = []
    for r in range(network.n_roads):
        a, b = starts[r], starts[r + 1]
        coordinates = [[x, y] for x, y in zip(lon[a:b], lat[a:b], strict=True)]
        if len(coordinates) < 2:
            coordinates = coordinates * 2
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coordinates},
            "properties": {"road": r, "class": network.road_class[r], "name": network.road_name[r],
                           "ref": network.road_ref[r], "km": round(km[r], 6), "minutes": round(minutes[r], 6),
                           "one_way": one_way[r], "way_ids": list(network.road_way_ids[r]),
                           "bridge": bridge[r], "tunnel": tunnel[r]},
        })
    return {"type": "FeatureCollection", "features": features}


def write_network_geojson(network: ImportedNetwork, folder: str | Path,
                          name: str = "network.geojson") -> Path:
    """Write :func:`network_geojson` to ``folder/name`` whole (the folder is created)."""
    text = json.dumps(network_geojson(network), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return write_text(output_folder(folder) / name, text + "\n")
