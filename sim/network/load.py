"""Importing a road-network file: the format, the cache, the reader and the build in one call.

Formats (told by the file name unless given): ``osm`` (``.osm``, ``.osm.bz2``, ``.osm.gz``,
``.xml``), ``osm_pbf`` (``.pbf``), ``graphml`` (``.graphml``, as saved by osmnx) and ``csv``
(``.csv``: the edge file, with its node file given as ``nodes``). A scenario names a network as
``{file: roads.osm.pbf}`` or, for CSV, ``{file: edges.csv, nodes: nodes.csv, format: csv}``
(:class:`NetworkSource`), both relative to the scenario's folder.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import SimError
from ..scenario.files import MAX_DATA_BYTES, input_file_problem
from .build import build_network
from .bulk import collector_paused
from .cache import cache_folder, cache_key, cache_path, file_digest, load_cached, store_cached
from .errors import NetworkError
from .imported import ImportedNetwork
from .read_csv import read_csv_network
from .read_graphml import read_graphml
from .read_osm import read_osm
from .speeds import speed_table
from .ways import WayTable

__all__ = ["FORMATS", "NetworkSource", "detect_format", "load_network"]

FORMATS = ("osm", "osm_pbf", "graphml", "csv")


@dataclass(frozen=True)
class NetworkSource:
    """Where a scenario's road network comes from: ``file``, its ``format`` (None: by its
    name), the ``nodes`` file of a CSV network and ``speeds`` (km/h per class) overriding the
    default speed table."""

    file: Path
    format: str | None = None
    nodes: Path | None = None
    speeds: Mapping[str, float] | None = None


def detect_format(path: Path) -> str | None:
    """The format a file's name says, or None."""
    name = path.name.lower()
    if name.endswith(".pbf"):
        return "osm_pbf"
    if name.endswith((".osm", ".osm.bz2", ".osm.gz", ".xml", ".xml.bz2", ".xml.gz")):
        return "osm"
    if name.endswith(".graphml"):
        return "graphml"
    if name.endswith(".csv"):
        return "csv"
    return None


def _check(path: Path, shown_as: str, what: str) -> None:
    problem = input_file_problem(path, what, MAX_DATA_BYTES)
    if problem is not None:
        raise NetworkError(shown_as, problem)
    if os.stat(path).st_size == 0:
        raise NetworkError(shown_as, f"is empty: no {what}")


def load_network(file: str | Path | NetworkSource, *, format: str | None = None,
                 nodes: str | Path | None = None, speeds: Mapping[str, float] | None = None,
                 cache: bool = True, cache_dir: Path | None = None, shown_as: str | None = None,
                 nodes_shown_as: str | None = None) -> ImportedNetwork:
    """Import the road network in ``file`` (a path or a :class:`NetworkSource`).

    ``speeds`` overrides entries of the default speed table (see :mod:`sim.network.speeds`);
    ``cache`` reads and writes the cache (in ``cache_dir``, default :func:`cache_folder`);
    ``shown_as`` / ``nodes_shown_as`` name the files in messages (default: as given). Raises
    :class:`NetworkError` (a :class:`SimError`) for a file that cannot be imported."""
    started = time.perf_counter()
    if isinstance(file, NetworkSource):
        format, nodes, speeds = file.format or format, file.nodes or nodes, file.speeds or speeds
        file = file.file
    path = Path(file)
    shown = shown_as or str(file)
    fmt = format or detect_format(path)
    if fmt is None:
        raise NetworkError(shown, "cannot tell the format from the file name (give the format: "
                                  + ", ".join(FORMATS) + ")")
    if fmt not in FORMATS:
        raise SimError(f"unknown road network format {fmt!r} (use one of: {', '.join(FORMATS)})")
    _check(path, shown, "road network file")
    nodes_path = Path(nodes) if nodes is not None else None
    nodes_shown = nodes_shown_as or (str(nodes) if nodes is not None else None)
    if fmt == "csv":
        if nodes_path is None or nodes_shown is None:
            raise NetworkError(shown, "a CSV road network needs its node file too (id, lon, lat): give nodes")
        _check(nodes_path, nodes_shown, "node file")
    elif nodes_path is not None:
        raise SimError(f"a node file only goes with a CSV road network, not with {fmt}")
    table = speed_table(speeds)
    files = [path] if nodes_path is None else [path, nodes_path]
    key = cache_key(fmt, [file_digest(p) for p in files], table)
    folder = cache_dir or cache_folder()
    if cache:
        cached = load_cached(folder, key)
        if cached is not None:
            report = replace(cached.report, file=shown, nodes_file=nodes_shown, from_cache=True,
                             seconds=time.perf_counter() - started, cache_file=str(cache_path(folder, key)),
                             cache_note=None)
            return replace(cached, report=report)
    with collector_paused():
        ways = _read(fmt, path, shown, nodes_path, nodes_shown, table)
        network = build_network(ways, shown, fmt, "n" if fmt == "csv" else "osm:", nodes_shown)
    note, cache_file = None, None
    if cache:
        try:
            cache_file = str(store_cached(folder, key, network))
        except SimError as exc:
            note = f"not cached: {exc}"
    else:
        note = "cache not used"
    report = replace(network.report, seconds=time.perf_counter() - started, cache_file=cache_file,
                     cache_note=note)
    return replace(network, report=report)


def _read(fmt: str, path: Path, shown: str, nodes: Path | None, nodes_shown: str | None,
          speeds: dict[str, float]) -> WayTable:
    if fmt in ("osm", "osm_pbf"):
        return read_osm(path, shown, speeds, pbf=fmt == "osm_pbf")
    if fmt == "graphml":
        return read_graphml(path, shown, speeds)
    assert nodes is not None and nodes_shown is not None
    return read_csv_network(path, nodes, shown, nodes_shown, speeds)
