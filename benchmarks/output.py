"""What every benchmark does last: print its table and write its figures as JSON."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["print_rows", "write_json"]


def print_rows(rows: list[tuple[str, str, str]], width: int = 24) -> None:
    """Rows of (what, figure, detail), the figures right-aligned in a column of ``width``."""
    name_width = max(len(r[0]) for r in rows)
    for name, figure, detail in rows:
        print(f"{name:<{name_width}}  {figure:>{width}}  {detail}")


def write_json(path: Path, figures: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")
