"""Set fields of a raw scenario by dotted path: ``--set run.horizon="30 d"``.

A path walks mappings by key and lists by index, by an item's ``id``, or by an item's ``type``
(which selects *every* item of that type, so ``units.engine.count=2`` gives every engine group
two units). Values are read as YAML scalars, so ``3`` is a number, ``"45 min"`` a string and
``[1, 2]`` a list.
"""

from __future__ import annotations

import copy
from typing import Any

from ..errors import FieldProblem
from .yamlio import YamlSyntaxError, parse_yaml

__all__ = ["apply_overrides", "parse_assignment", "set_path"]


def parse_assignment(text: str) -> tuple[str, object]:
    """Split ``"a.b=value"`` into the path and the YAML-parsed value."""
    if "=" not in text:
        raise FieldProblem(f"expected PATH=VALUE, got {text!r}")
    path, _, value = text.partition("=")
    path = path.strip()
    if not path:
        raise FieldProblem(f"expected PATH=VALUE, got {text!r}")
    try:
        parsed = parse_yaml(value).data if value.strip() else ""
    except YamlSyntaxError:  # not YAML (or refused by its limits): the text as it is
        parsed = value
    return path, parsed


def _select(container: Any, key: str, walked: tuple[str | int, ...]) -> list[tuple[Any, str | int]]:
    """The (parent, key) slots that ``key`` names inside ``container``."""
    if isinstance(container, dict):
        return [(container, key)]
    if isinstance(container, list):
        if key.lstrip("-").isdigit():
            index = int(key)
            if not -len(container) <= index < len(container):
                raise FieldProblem(f"index {index} is out of range ({len(container)} items)", walked)
            return [(container, index % len(container))]
        by_id = [i for i, item in enumerate(container) if isinstance(item, dict)
                 and "id" in item and str(item["id"]) == key]
        if by_id:
            return [(container, i) for i in by_id]
        by_type = [i for i, item in enumerate(container) if isinstance(item, dict)
                   and "type" in item and str(item["type"]) == key]
        if by_type:
            return [(container, i) for i in by_type]
        raise FieldProblem(f"no item with id or type {key!r}", walked)
    raise FieldProblem(f"cannot go into a {type(container).__name__} with {key!r}", walked)


def set_path(raw: dict, path: str, value: object) -> None:
    """Set ``value`` at dotted ``path`` inside ``raw`` (in place)."""
    parts = path.split(".")
    slots: list[tuple[Any, str | int]] = [(None, "")]
    current: list[Any] = [raw]
    walked: tuple[str | int, ...] = ()
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        slots = [slot for node in current for slot in _select(node, part, walked)]
        walked = walked + (part,)
        if last:
            break
        nxt = []
        for parent, key in slots:
            if isinstance(parent, dict) and key not in parent:
                parent[key] = {}
            nxt.append(parent[key])
        current = nxt
    for parent, key in slots:
        parent[key] = copy.deepcopy(value)


def apply_overrides(raw: dict, assignments: list[str] | dict[str, object]) -> dict:
    """Return a deep copy of ``raw`` with each ``PATH=VALUE`` (or mapping item) applied."""
    out = copy.deepcopy(raw)
    items = assignments.items() if isinstance(assignments, dict) else map(parse_assignment, assignments)
    for path, value in items:
        try:
            set_path(out, path, value)
        except FieldProblem as exc:
            raise FieldProblem(f"--set {path}: {exc}", exc.subpath) from None
    return out
