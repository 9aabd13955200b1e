"""The cache of imported networks: one ``.npz`` file per network, so a second import of the
same file is a read of arrays instead of a parse and a build.

* Where: ``$SIM_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/sim/networks``, else
  ``~/.cache/sim/networks``. Clear it by deleting the folder (or its ``network-*.npz`` files).
* Key: the SHA-256 of the file's bytes (of both files for CSV), the format, the speed table,
  :data:`CACHE_FORMAT` (the layout of a cache file) and a digest of the importer's own source
  (the modules of this package), so a changed file, table or importer is never served from an
  old entry.
* A cache file that cannot be read, fails its checksums (zip CRC), belongs to another key or
  does not hold a consistent network is ignored (and rebuilt and replaced). Writing is atomic
  (a temporary file renamed into place); a cache that cannot be written is reported, not an
  error.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SimError
from ..report.writing import replacing
from .bulk import collector_paused
from .imported import ImportedNetwork
from .report import LoadReport

__all__ = ["CACHE_FORMAT", "cache_folder", "cache_key", "cache_path", "file_digest", "importer_digest",
           "load_cached", "store_cached"]

CACHE_FORMAT = 1
"""The layout of a cache file (raised when it changes)."""

_ARRAYS = ("node_lon", "node_lat", "tail", "head", "km", "minutes", "road", "road_one_way", "road_bridge",
           "road_tunnel", "geometry_lon", "geometry_lat", "geometry_start")
_LABELS = ("road_class", "road_name", "road_ref", "road_way_ids")


def _distinct(values: tuple[Any, ...]) -> tuple[list[Any], np.ndarray]:
    """The distinct values in order of first use, and the index of each value among them."""
    position: dict[Any, int] = {}
    index = np.fromiter((position.setdefault(v, len(position)) for v in values), dtype=np.int64,
                        count=len(values))
    return list(position), index


def cache_folder() -> Path:
    """The folder imported networks are cached in (see the module's rules)."""
    if os.environ.get("SIM_CACHE_DIR"):
        return Path(os.environ["SIM_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "sim" / "networks"


def file_digest(path: Path) -> str:
    """The SHA-256 of the file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def importer_digest() -> str:
    """The SHA-256 of the source of this package's modules: any change to the importer changes
    every key."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_key(format: str, digests: Sequence[str], speeds: Mapping[str, float],
              options: Mapping[str, Any] | None = None) -> str:
    """The key of a network read in ``format`` from files with these ``digests``."""
    text = json.dumps({"cache_format": CACHE_FORMAT, "importer": importer_digest(), "format": format,
                       "files": list(digests), "speeds": sorted(speeds.items()),
                       "options": dict(options or {})}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_path(folder: Path, key: str) -> Path:
    return folder / f"network-{key}.npz"


def store_cached(folder: Path, key: str, network: ImportedNetwork) -> Path:
    """Write ``network`` under ``key``; raises :class:`SimError` (the reason) when it cannot."""
    path = cache_path(folder, key)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SimError(f"cannot create the cache folder {folder}: {reason}") from None
    meta: dict[str, Any] = {"cache_format": CACHE_FORMAT, "key": key, "id_prefix": network.id_prefix,
                            "report": network.report.as_dict()}
    arrays = {name: getattr(network, name) for name in _ARRAYS}
    for name in _LABELS:  # each distinct label once, and its index per road
        distinct, index = _distinct(getattr(network, name))
        meta[name] = [list(v) for v in distinct] if name == "road_way_ids" else distinct
        arrays[name] = index
    arrays["node_source"] = np.array(network.node_source, dtype=str)
    arrays["meta"] = np.frombuffer(json.dumps(meta, allow_nan=False).encode(), dtype=np.uint8)
    with replacing(path) as temp, open(temp, "wb") as handle:
        np.savez(handle, **arrays)
    return path


def load_cached(folder: Path, key: str) -> ImportedNetwork | None:
    """The network cached under ``key``, or None when there is none or it cannot be trusted."""
    path = cache_path(folder, key)
    if not path.is_file():
        return None
    with collector_paused():
        return _load(path, key)


def _load(path: Path, key: str) -> ImportedNetwork | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in (*_ARRAYS, *_LABELS, "node_source", "meta")}
        meta = json.loads(arrays.pop("meta").tobytes().decode())
        if meta["cache_format"] != CACHE_FORMAT or meta["key"] != key:
            return None
        network = _network(arrays, meta)
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile):
        return None
    return network if _consistent(network) else None


def _network(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> ImportedNetwork:
    labels: dict[str, tuple[Any, ...]] = {}
    for name in _LABELS:
        distinct = [tuple(v) for v in meta[name]] if name == "road_way_ids" else [str(v) for v in meta[name]]
        index = arrays.pop(name)
        if len(index) and (index.min() < 0 or index.max() >= len(distinct)):
            raise ValueError(f"{name}: an index out of range")
        labels[name] = tuple(map(distinct.__getitem__, index.tolist()))
    node_source = tuple(arrays.pop("node_source").tolist())
    return ImportedNetwork(
        node_source=node_source, id_prefix=str(meta["id_prefix"]), road_class=labels["road_class"],
        road_name=labels["road_name"], road_ref=labels["road_ref"], road_way_ids=labels["road_way_ids"],
        report=LoadReport.from_dict(meta["report"]), **arrays)


def _consistent(net: ImportedNetwork) -> bool:
    """Whether the arrays fit together (sizes, indices in range), as a built network's do."""
    n, arcs, roads = net.n_nodes, net.n_arcs, net.n_roads
    sizes_ok = (len(net.node_lon) == len(net.node_lat) == n
                and len(net.head) == len(net.km) == len(net.minutes) == len(net.road) == arcs
                and len(net.road_name) == len(net.road_ref) == len(net.road_way_ids)
                == len(net.road_one_way) == len(net.road_bridge) == len(net.road_tunnel) == roads
                and len(net.geometry_start) == roads + 1
                and len(net.geometry_lon) == len(net.geometry_lat))
    if not sizes_ok or arcs == 0:
        return False
    ends = np.concatenate([net.tail, net.head])
    return bool(ends.min() >= 0 and ends.max() < n and net.road.min() >= 0 and net.road.max() < roads
                and (np.diff(net.geometry_start) >= 1).all() and net.geometry_start[0] == 0
                and net.geometry_start[-1] == len(net.geometry_lon)
                and np.isfinite(net.km).all() and np.isfinite(net.minutes).all())
