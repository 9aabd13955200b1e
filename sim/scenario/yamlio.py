"""Read YAML while remembering the line of every field, and refuse duplicate keys.

PyYAML silently keeps the last of two equal keys; a scenario file must never lose a value
that way, so duplicates are reported as problems. The line map lets every error message
point at ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = ["YamlDocument", "YamlSyntaxError", "parse_yaml", "read_yaml_mapping"]

Path_ = tuple[str | int, ...]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: much faster


@dataclass
class YamlDocument:
    """Parsed YAML data plus the 1-based line of each field path."""

    data: object
    lines: dict[Path_, int] = field(default_factory=dict)
    duplicates: list[tuple[Path_, int]] = field(default_factory=list)

    def line_of(self, path: Path_) -> int | None:
        """Line of ``path`` or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _walk(node: yaml.Node, path: Path_, doc: YamlDocument) -> None:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key == "<<":
                continue
            if key in seen:
                doc.duplicates.append((path + (key,), key_node.start_mark.line + 1))
            seen.add(key)
            doc.lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), doc)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), doc)


def parse_yaml(text: str) -> YamlDocument:
    """Parse YAML text; raises :class:`YamlSyntaxError` with the line of the fault."""
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{exc.context}, {problem}"
        raise YamlSyntaxError(f"YAML syntax error: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML syntax error: {exc}", None) from None
    finally:
        loader.dispose()
    doc = YamlDocument(data)
    if root is not None:
        _walk(root, (), doc)
    return doc


def read_yaml_mapping(path: str | Path, what: str) -> YamlDocument:
    """Read a UTF-8 YAML file that must hold a mapping (an experiment or drill file).

    A missing or unreadable file, a syntax error, a key given twice or a top level that is not
    a mapping raise ``ScenarioError`` naming the file (and the line where there is one)."""
    from ..errors import Problem, ScenarioError

    shown = str(path)
    try:
        doc = parse_yaml(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([Problem(shown, (), f"no such {what} file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(shown, (), f"cannot read the file: {exc}")]) from None
    except YamlSyntaxError as exc:
        raise ScenarioError([Problem(shown, (), str(exc), exc.line)]) from None
    if doc.duplicates:
        raise ScenarioError([Problem(shown, p, "this key appears twice in the same mapping", line)
                             for p, line in doc.duplicates])
    if not isinstance(doc.data, dict):
        raise ScenarioError([Problem(shown, (), f"a {what} file holds a mapping (name, scenario, ...)")])
    return doc
