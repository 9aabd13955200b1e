"""The load report: what an imported road network holds, what was left out and why, and how
it was loaded."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LoadReport"]


@dataclass(frozen=True)
class LoadReport:
    """What :func:`sim.network.load_network` found.

    ``ways_*`` count the ways (OSM ways, GraphML or CSV edges) read, kept and left out by reason
    (``classes_dropped``: the ``highway`` classes not in the speed table, by ways); ``nodes``,
    ``arcs``, ``roads``, ``km`` (each road once) and ``km_by_class`` describe the network kept;
    ``nodes_dropped`` and ``km_dropped`` what the largest strongly connected part left out, by
    reason; ``nodes_merged`` the pass-through junctions contracted away; ``points_missing`` node
    references to nodes not in the file (cut at the edge of an extract); ``maxspeed_problems``
    the ways whose ``maxspeed`` could not be read (they go at their class speed), with examples.
    """

    file: str
    format: str
    nodes_file: str | None = None
    ways_read: int = 0
    ways_kept: int = 0
    ways_dropped: Mapping[str, int] = field(default_factory=dict)
    classes_dropped: Mapping[str, int] = field(default_factory=dict)
    nodes: int = 0
    arcs: int = 0
    roads: int = 0
    one_way_roads: int = 0
    km: float = 0.0
    km_by_class: Mapping[str, float] = field(default_factory=dict)
    nodes_dropped: Mapping[str, int] = field(default_factory=dict)
    km_dropped: Mapping[str, float] = field(default_factory=dict)
    nodes_merged: int = 0
    points_missing: int = 0
    maxspeed_problems: int = 0
    maxspeed_examples: tuple[str, ...] = ()
    seconds: float = 0.0
    from_cache: bool = False
    cache_file: str | None = None
    cache_note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready values."""
        out = dataclasses.asdict(self)
        out["maxspeed_examples"] = list(self.maxspeed_examples)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LoadReport:
        """The report :meth:`as_dict` gave (unknown keys are an error)."""
        values = dict(data)
        values["maxspeed_examples"] = tuple(values.get("maxspeed_examples", ()))
        return cls(**values)

    def summary(self) -> str:
        """The report as lines of text for a person."""
        source = self.file + (f" + {self.nodes_file}" if self.nodes_file else "")
        lines = [f"{source} ({self.format}): {self.nodes:,} junctions, {self.arcs:,} arcs, "
                 f"{self.roads:,} roads ({self.one_way_roads:,} one-way), {self.km:,.1f} km"]
        lines.append("  km by class: " + ", ".join(
            f"{name} {km:,.1f}" for name, km in sorted(self.km_by_class.items(), key=lambda kv: -kv[1])))
        lines.append(f"  ways: {self.ways_read:,} read, {self.ways_kept:,} kept"
                     + "".join(f"; {count:,} {reason}" for reason, count in self.ways_dropped.items()))
        if self.classes_dropped:
            top = sorted(self.classes_dropped.items(), key=lambda kv: (-kv[1], kv[0]))
            lines.append("  classes left out (ways): " + ", ".join(f"{name} {n:,}" for name, n in top[:12])
                         + (f", {len(top) - 12} more" if len(top) > 12 else ""))
        if self.points_missing:
            lines.append(f"  {self.points_missing:,} node references to nodes not in the file (ways cut at "
                         "the edge of the extract)")
        if self.nodes_dropped:
            lines.append("  left out, not in the largest strongly connected part: " + "; ".join(
                f"{reason}: {count:,} junctions, {self.km_dropped.get(reason, 0.0):,.2f} km"
                for reason, count in self.nodes_dropped.items()))
        else:
            lines.append("  left out, not in the largest strongly connected part: nothing")
        lines.append(f"  {self.nodes_merged:,} pass-through junctions merged into their roads")
        if self.maxspeed_problems:
            lines.append(f"  maxspeed unreadable on {self.maxspeed_problems:,} ways (class speed used), e.g. "
                         + "; ".join(self.maxspeed_examples[:3]))
        else:
            lines.append("  maxspeed: every value read")
        where = "from the cache" if self.from_cache else "built"
        lines.append(f"  {where} in {self.seconds:.2f} s"
                     + (f" ({self.cache_file})" if self.cache_file else "")
                     + (f"; {self.cache_note}" if self.cache_note else ""))
        return "\n".join(lines)
