"""The ``sim network`` command: import a road-network file, print what it holds and write it
as GeoJSON for a map."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .network import ImportedNetwork

__all__ = ["NETWORK_COMMANDS", "add_network_commands"]


def add_network_commands(sub: argparse._SubParsersAction) -> None:
    net = sub.add_parser(
        "network", help="import a road network (OSM, osmnx GraphML, CSV) and write it as GeoJSON",
        description="Import a road-network file as the simulator would (drivable roads, one-way rules, "
                    "the largest strongly connected part, pass-through junctions merged), print what it "
                    "holds and what was left out, and write DIR/network.geojson (one LineString per road) to "
                    "check on a map. The import is cached; a second run on the same file reads the cache.")
    net.add_argument("file", type=Path,
                     help="road network: .osm, .osm.bz2, .osm.pbf, .graphml, or a CSV edge file")
    net.add_argument("--format", choices=("osm", "osm_pbf", "graphml", "csv"),
                     help="the file's format (default: by its name)")
    net.add_argument("--nodes", type=Path, help="the node file (id, lon, lat) of a CSV edge file")
    net.add_argument("--speeds", metavar="CLASS=KMH,...",
                     help="override the speed table, e.g. motorway=90,track=20 (0 leaves a class out)")
    net.add_argument("--out", "-o", type=Path, help="output folder (default: out/network-<file stem>)")
    net.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    net.add_argument("--places", type=Path, action="append", default=[], metavar="PLACES",
                     help="a CSV or GeoJSON place file (as region.places reads it): say how far each place "
                          "is from the roads, and write DIR/access.geojson (repeatable)")
    net.add_argument("--warn-km", type=float, default=1.0,
                     help="list the places farther than this from a road (default 1 km)")


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".osm.pbf", ".osm.bz2", ".osm.gz", ".pbf", ".osm", ".bz2", ".gz", ".graphml", ".csv"):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


def _cmd_network(args: argparse.Namespace) -> int:
    from .network import load_network, parse_speed_overrides, write_network_geojson

    speeds = parse_speed_overrides(args.speeds) if args.speeds else None
    network = load_network(args.file, format=args.format, nodes=args.nodes, speeds=speeds,
                           cache=not args.no_cache)
    out = args.out or Path("out") / f"network-{_stem(args.file)}"
    path = write_network_geojson(network, out)
    print(network.report.summary())
    print(f"Wrote {path} ({network.n_roads:,} roads as LineStrings, WGS84 lon/lat)")
    if args.places:
        _report_places(network, args.places, args.warn_km, out)
    if network.report.format in ("osm", "osm_pbf", "graphml"):
        print("Map data © OpenStreetMap contributors (ODbL)")
    return 0


def _report_places(network: ImportedNetwork, files: list[Path], warn_km: float, out: Path) -> None:
    """How far each place of ``files`` is from the network's nearest junction (its access road
    in a scenario), the farthest listed; the access roads written as GeoJSON."""
    import numpy as np

    from .errors import ScenarioError
    from .report.gis import feature_collection
    from .report.writing import write_text
    from .scenario.places import ExpandedPlaces, read_place_file
    from .scenario.snapping import nearest_nodes

    places = ExpandedPlaces()
    for file in files:
        read_place_file(file, str(file), None, places)
    if places.problems:
        raise ScenarioError(places.problems, "place file")
    if not places.nodes:
        print("The place files hold no places.")
        return
    lon = np.array([p["lon"] for p in places.nodes])
    lat = np.array([p["lat"] for p in places.nodes])
    junction, km = nearest_nodes(lon, lat, network.node_lon, network.node_lat)
    order = np.argsort(-km, kind="stable")
    print(f"{len(places.nodes)} places: the farthest from a road "
          + ", ".join(f"{places.nodes[i]['id']!r} {km[i]:.2f} km" for i in order[:5].tolist()))
    far = [i for i in order.tolist() if km[i] > warn_km]
    if far:
        print(f"WARNING: {len(far)} places more than {warn_km:g} km from a road: "
              + ", ".join(f"{places.nodes[i]['id']!r} {km[i]:.1f} km" for i in far[:20])
              + (" ..." if len(far) > 20 else ""))
    features = [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [
        [float(lon[i]), float(lat[i])], [float(network.node_lon[j]), float(network.node_lat[j])]]},
        "properties": {"place": places.nodes[i]["id"], "kind": places.nodes[i]["kind"],
                       "junction": network.node_ids[j], "km": round(float(km[i]), 4)}}
        for i, j in enumerate(junction.tolist())]
    path = write_text(out / "access.geojson", feature_collection("access", features))
    print(f"Wrote {path} (each place's access road to its nearest junction)")


NETWORK_COMMANDS = {"network": _cmd_network}
