"""Reading a road network from two CSV files, as GIS tools export them.

* The node file: columns ``id``, ``lon``, ``lat`` (WGS84 degrees); ids are unique.
* The edge file: ``from`` and ``to`` (node ids); the length as ``km`` or ``length`` (metres);
  the time as ``minutes``, or ``speed`` (km/h), or else the speed of its ``class`` in the speed
  table; optional ``one_way`` (yes/no, true/false, 1/0; default no), ``name``, ``ref``,
  ``class`` (default ``default``), ``bridge``, ``tunnel`` (yes/no) and ``id`` (default: the
  line number). Every edge is kept, whatever its class. Other columns are ignored.

A bad value is an error naming the file, the line and the column (the value is not quoted);
up to 10 problems are listed at once.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from pathlib import Path

from ..scenario.files import MAX_DATA_BYTES, InputFileError, read_input_text
from .errors import NetworkError
from .osm_tags import BOTH, FORWARD
from .ways import ReadCounts, WayTable, WayTableBuilder

__all__ = ["read_csv_network"]

_LISTED = 10
_YES = {"yes", "true", "1"}
_NO = {"no", "false", "0", ""}


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[tuple[int | None, str]] = []
        self.more = 0

    def add(self, line: int | None, reason: str) -> None:
        if len(self.found) < _LISTED:
            self.found.append((line, reason))
        else:
            self.more += 1

    def check(self) -> None:
        if self.found:
            raise NetworkError.listing(self.file, self.found, self.more)


def _rows(path: Path, shown_as: str, what: str) -> tuple[dict[str, int], Iterator[tuple[int, list[str]]]]:
    """The header (column -> position, names lower-cased) and the non-blank rows with their lines."""
    try:
        text = read_input_text(path, what, limit=MAX_DATA_BYTES)
    except InputFileError as exc:
        raise NetworkError(shown_as, exc.reason) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    except csv.Error:
        raise NetworkError(shown_as, "is not a CSV file (it cannot be read as CSV)",
                           reader.line_num) from None
    if header is None:
        raise NetworkError(shown_as, f"is empty: {what} needs a header row and one row per line")
    columns: dict[str, int] = {}
    for k, name in enumerate(header):
        key = name.strip().lower()
        if key and key not in columns:
            columns[key] = k
    header_line = reader.line_num

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield reader.line_num, row
        except csv.Error:
            raise NetworkError(shown_as, "is not valid CSV here (an unclosed quote or a bad field)",
                               reader.line_num) from None

    if not columns:
        raise NetworkError(shown_as, "has an empty header row", header_line)
    return columns, rows()


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    k = columns.get(name)
    return row[k].strip() if k is not None and k < len(row) else ""


def _read_nodes(path: Path, shown_as: str) -> dict[str, tuple[float, float]]:
    columns, rows = _rows(path, shown_as, "a CSV node file")
    missing = [c for c in ("id", "lon", "lat") if c not in columns]
    if missing:
        raise NetworkError(shown_as, "the node file needs columns id, lon and lat (missing: "
                           f"{', '.join(missing)})", 1)
    problems = _Problems(shown_as)
    nodes: dict[str, tuple[float, float]] = {}
    for line, row in rows:
        node = _cell(row, columns, "id")
        if not node:
            problems.add(line, "column id: empty")
            continue
        if node in nodes:
            problems.add(line, "column id: the same id as an earlier node")
        values = []
        for name, low, high in (("lon", -180.0, 180.0), ("lat", -90.0, 90.0)):
            number = _float(_cell(row, columns, name))
            if math.isnan(number) or not low <= number <= high:
                problems.add(line, f"column {name}: not a number from {low:g} to {high:g}")
            values.append(number)
        nodes[node] = (values[0], values[1])
    problems.check()
    if not nodes:
        raise NetworkError(shown_as, "has no nodes (only a header row)")
    return nodes


def _float(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan


def _flag(text: str) -> bool | None:
    low = text.lower()
    return True if low in _YES else False if low in _NO else None


def read_csv_network(edges: Path, nodes: Path, shown_as: str, nodes_shown_as: str,
                     speeds: dict[str, float]) -> WayTable:
    """The roads of the CSV edge file ``edges`` between the nodes of ``nodes``."""
    coords = _read_nodes(nodes, nodes_shown_as)
    columns, rows = _rows(edges, shown_as, "a CSV edge file")
    need = [c for c in ("from", "to") if c not in columns]
    if "km" not in columns and "length" not in columns:
        need.append("km or length")
    if need:
        raise NetworkError(shown_as, "the edge file needs columns from, to, and km or length (metres); "
                           "missing: " + ", ".join(need), 1)
    if not {"minutes", "speed", "class"} & set(columns):
        raise NetworkError(shown_as, "the edge file needs a column minutes, speed (km/h) or class (for "
                                     "the speed table)", 1)
    length_column = "km" if "km" in columns else "length"
    problems = _Problems(shown_as)
    counts = ReadCounts()
    table = WayTableBuilder(counts)
    for line, row in rows:
        counts.ways_read += 1
        ends = [_cell(row, columns, "from"), _cell(row, columns, "to")]
        bad = False
        for name, node in zip(("from", "to"), ends, strict=True):
            if node not in coords:
                problems.add(line, f"column {name}: {'empty' if not node else 'not a node of the node file'}")
                bad = True
        if not bad and ends[0] == ends[1]:
            problems.add(line, "columns from and to: the same node (a road must join two nodes)")
            bad = True
        length = _float(_cell(row, columns, length_column))
        if math.isnan(length) or length < 0:
            problems.add(line, f"column {length_column}: not a number >= 0")
            bad = True
        km = length if length_column == "km" else length / 1000.0
        road_class = _cell(row, columns, "class") or "default"
        minutes, kmh = math.nan, math.nan
        if _cell(row, columns, "minutes"):
            minutes = _float(_cell(row, columns, "minutes"))
            if math.isnan(minutes) or minutes < 0:
                problems.add(line, "column minutes: not a number >= 0")
                bad = True
        elif _cell(row, columns, "speed"):
            kmh = _float(_cell(row, columns, "speed").removesuffix("km/h").strip())
            if math.isnan(kmh) or not 0 < kmh <= 300:
                problems.add(line, "column speed: not a number of km/h from 0 to 300")
                bad = True
        elif road_class in speeds:
            kmh = speeds[road_class]
        else:
            problems.add(line, "no minutes or speed, and column class: "
                               + ("empty" if "class" not in columns or not _cell(row, columns, "class")
                                  else "a class with no speed in the speed table"))
            bad = True
        flags = {}
        for name in ("one_way", "bridge", "tunnel"):
            flags[name] = _flag(_cell(row, columns, name))
            if flags[name] is None:
                problems.add(line, f"column {name}: not yes/no, true/false or 1/0")
                bad = True
        if bad:
            continue
        name, ref = _cell(row, columns, "name"), _cell(row, columns, "ref")
        points = [coords[ends[0]], coords[ends[1]]]
        table.add(ends, [p[0] for p in points], [p[1] for p in points],
                  way_ids=(_cell(row, columns, "id") or str(line),), road_class=road_class,
                  direction=FORWARD if flags["one_way"] else BOTH, kmh=kmh,
                  names=(name,) if name else (), refs=(ref,) if ref else (), km=km, minutes=minutes,
                  bridge=bool(flags["bridge"]), tunnel=bool(flags["tunnel"]))
    problems.check()
    return table.finish()
