"""What the calibration scripts share: the figures table, integer splits, YAML flow maps."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SOCIAL_TEAM_HOURS", "VOLUNTEER_HOURS", "Figure", "flow", "hours", "largest_remainder", "node_line",
           "read_figures", "write_or_check"]

# Shares of calls answered by hour of the day (ASSUMPTIONS, no document gives them): village
# volunteers are mostly at work away from the village by day, at home in the evening, asleep
# (slower to gather) at night; social rescue teams are volunteers too, fewer of them free at once.
VOLUNTEER_HOURS = [0.6] * 7 + [0.5] + [0.35] * 10 + [0.85] * 5 + [0.7]
SOCIAL_TEAM_HOURS = [0.4] * 7 + [0.5] * 11 + [0.7] * 5 + [0.5]


def hours(shares: list[float]) -> str:
    """24 shares as a YAML flow list."""
    assert len(shares) == 24
    return "[" + ", ".join(f"{s:g}" for s in shares) + "]"


@dataclass(frozen=True)
class Figure:
    """One number with its provenance: a *document* figure (quoted), *external*, or an assumption."""

    key: str
    value: float
    unit: str
    kind: str  # document | external | assumption
    source: str
    quote: str
    note: str

    def cite(self) -> str:
        if self.kind == "document":
            return f"doc {self.source}: {self.quote}"
        if self.kind == "external":
            return f"external: {self.source}"
        return f"ASSUMPTION: {self.note}" if self.note else "ASSUMPTION"


def read_figures(path: Path) -> dict[str, Figure]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["key"]: Figure(row["key"], float(row["value"]), row["unit"], row["kind"],
                                   row["source"], row["quote"], row["note"])
                for row in csv.DictReader(handle)}


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (Hamilton's method)."""
    s = sum(weights)
    exact = [total * w / s for w in weights]
    out = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def flow(item: dict) -> str:
    """A one-line YAML mapping; strings with spaces or colons are quoted."""
    parts = []
    for key, value in item.items():
        if isinstance(value, list):
            value = "[" + ", ".join(str(v) for v in value) + "]"
        elif isinstance(value, dict):
            value = flow(value)
        elif isinstance(value, str) and (" " in value or ":" in value or "'" in value):
            value = '"' + value + '"'
        parts.append(f"{key}: {value}")
    return "{" + ", ".join(parts) + "}"


def write_or_check(target: Path, render: Callable[[], str], argv: list[str] | None, doc: str) -> int:
    """The calibration scripts' command line: write ``target``, or ``--check`` it."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help=f"do not write; exit 1 if {target.name} is not what the figures give")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} differs from the derivation; run the script without --check", file=sys.stderr)
            return 1
        print(f"{target} matches the derivation")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def node_line(node: dict, keys: tuple[str, ...]) -> str:
    """One ``nodes:`` list entry: ``keys`` always, then forest, tags and area when they say something."""
    item = {k: node[k] for k in keys}
    if node.get("forest_ha") and "forest_ha" not in keys:
        item["forest_ha"] = node["forest_ha"]
    if node.get("tags"):
        item["tags"] = node["tags"]
    if node.get("area") and node["area"] != node["id"]:
        item["area"] = node["area"]
    return f"    - {flow(item)}"
