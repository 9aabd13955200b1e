"""The ``sim network`` command: import a road-network file, print what it holds and write it
as GeoJSON for a map."""

from __future__ import annotations

import argparse
from pathlib import Path

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
    if network.report.format in ("osm", "osm_pbf", "graphml"):
        print("Map data © OpenStreetMap contributors (ODbL)")
    return 0


NETWORK_COMMANDS = {"network": _cmd_network}
