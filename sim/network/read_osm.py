"""Reading OpenStreetMap files (``.osm`` XML, ``.osm.bz2``/``.osm.gz``, ``.osm.pbf``) with
pyosmium: the ways a vehicle may drive, each with its nodes and their coordinates.

A way is kept when its ``highway`` class is in the speed table, it is not an area
(``area=yes``: a square or a car park drawn as a ring) and cars may use it (see
:mod:`sim.network.osm_tags`). A way whose nodes are partly missing from the file (cut at the
edge of an extract) keeps its runs of at least two nodes that are there.
"""

from __future__ import annotations

import re
from pathlib import Path

import osmium

from ..errors import one_line
from .errors import NetworkError
from .osm_tags import is_yes, motor_access_denied, way_direction
from .ways import ReadCounts, WayTable, WayTableBuilder

__all__ = ["osmium_format", "read_osm"]

_UNDEFINED = 2147483647  # libosmium's coordinate of a node that is not in the file
_PRECISION = 10_000_000.0  # libosmium's fixed-point coordinates per degree
_QUOTED = re.compile(r"'[^']*'")


def osmium_format(path: Path, pbf: bool) -> str:
    """The pyosmium format string for ``path``: PBF, or XML with the compression its name says."""
    if pbf:
        return "pbf"
    name = path.name.lower()
    return "osm.bz2" if name.endswith(".bz2") else "osm.gz" if name.endswith(".gz") else "osm"


def _reason(message: str, pbf: bool) -> tuple[str, int | None]:
    """A library error as a reason (never quoting the file) and the line it names, if any."""
    xml = re.match(r"XML parsing error at line (\d+), column (\d+): (.*)", message)
    if xml:
        return (f"is not a well-formed OSM XML file (XML error at line {xml.group(1)}, column "
                f"{xml.group(2)}: {one_line(xml.group(3), 80)}; truncated or not XML?)", int(xml.group(1)))
    if message.startswith("Unknown top-level element"):
        return "is XML but not an OpenStreetMap file (its top element is not <osm>)", None
    if message.startswith("PBF error"):
        detail = one_line(_QUOTED.sub("...", message.partition(":")[2].strip()), 80)
        return f"is not a readable OSM PBF file ({detail}: truncated, damaged or not PBF)", None
    for kind in ("bzip2", "gzip"):
        if message.startswith(kind):
            return f"is not a readable {kind}-compressed file (damaged or not {kind})", None
    return (f"cannot be read as an OSM {'PBF' if pbf else 'XML'} file "
            f"({one_line(_QUOTED.sub('...', message), 100)})", None)


def read_osm(path: Path, shown_as: str, speeds: dict[str, float], pbf: bool) -> WayTable:
    """The drivable ways of the OSM file ``path`` (named ``shown_as`` in errors)."""
    counts = ReadCounts()
    table = WayTableBuilder(counts, coordinate_divisor=_PRECISION)
    source = osmium.io.File(str(path), osmium_format(path, pbf))
    processor = osmium.FileProcessor(source, osmium.osm.NODE | osmium.osm.WAY).with_locations() \
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
    try:
        for way in processor:
            counts.ways_read += 1
            tags = way.tags
            highway = tags.get("highway")
            if highway is None:
                counts.drop("not a road (no highway tag)")
                continue
            if highway not in speeds:
                counts.drop("highway class not in the speed table", highway)
                continue
            get = tags.get
            if get("area") == "yes":
                counts.drop("an area (area=yes), not a road")
                continue
            if motor_access_denied(get):
                counts.drop("closed to motor vehicles (access, vehicle or motor_vehicle no/private)")
                continue
            points = [(node.ref, node.x, node.y) for node in way.nodes]  # type: ignore[union-attr]
            way_id = str(way.id)
            name, ref = get("name"), get("ref")
            direction = way_direction(get("oneway"), get("junction"))
            kmh = counts.speed(way_id, highway, get("maxspeed"), speeds)
            bridge, tunnel = is_yes(get("bridge")), is_yes(get("tunnel"))
            runs = _located_runs(points, counts)
            if not runs:
                counts.drop("fewer than two of its nodes in the file")
            for run in runs:
                table.add([p[0] for p in run], [p[1] for p in run], [p[2] for p in run], way_ids=(way_id,),
                          road_class=highway, direction=direction, kmh=kmh, names=(name,) if name else (),
                          refs=(ref,) if ref else (), bridge=bridge, tunnel=tunnel)
    except (RuntimeError, ValueError, OSError) as exc:
        reason, line = _reason(str(exc), pbf)
        raise NetworkError(shown_as, reason, line) from None
    return table.finish()


def _located_runs(points: list[tuple[int, int, int]],
                  counts: ReadCounts) -> list[list[tuple[int, int, int]]]:
    """The runs of at least two consecutive points whose node is in the file."""
    if all(p[1] != _UNDEFINED for p in points):
        return [points] if len(points) >= 2 else []
    counts.points_missing += sum(1 for p in points if p[1] == _UNDEFINED)
    runs: list[list[tuple[int, int, int]]] = [[]]
    for point in points:
        if point[1] == _UNDEFINED:
            runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if len(run) >= 2]
