"""Read YAML while remembering the line of every field, and refuse duplicate keys.

PyYAML silently keeps the last of two equal keys; a scenario file must never lose a value
that way, so duplicates are reported as problems. The line map lets every error message
point at ``file:line``.

A file is refused, before anything is built from it, when it is larger than
:data:`~.limits.MAX_FILE_BYTES`, nests deeper than :data:`~.limits.MAX_YAML_DEPTH`, uses more
than :data:`~.limits.MAX_ALIASES` aliases, or would grow by more than
:data:`~.limits.MAX_ALIAS_VALUES` values once its aliases are expanded (a "billion laughs"
file of nested ``&anchors`` and ``*aliases`` is a few hundred bytes and a billion values).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .limits import MAX_ALIAS_VALUES, MAX_ALIASES, MAX_FILE_BYTES, MAX_YAML_DEPTH, count_text

__all__ = ["YamlDocument", "YamlLimitError", "YamlSyntaxError", "parse_yaml", "read_yaml_mapping"]

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
    """A file that cannot be read as YAML; ``line`` is 1-based, or None when unknown."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class YamlLimitError(YamlSyntaxError):
    """A file refused for its size, depth or aliases (see :mod:`sim.scenario.limits`)."""


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a composed document that aliases would blow up, that refers to itself, or that
    nests too deep, without expanding anything.

    PyYAML composes ``*alias`` as the very node its ``&anchor`` names, so the document is a
    graph; the values under each node are counted once per node (memoised by id) and added up
    wherever the node is used again."""
    sizes: dict[int, int] = {}       # values under a finished node, aliases expanded
    running = {id(root): 1}          # values counted so far under each node being walked
    stack = [(root, _children(root))]
    aliases = 0
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            sizes[id(node)] = running.pop(id(node))
            if stack:
                running[id(stack[-1][0])] += sizes[id(node)]
            continue
        key = id(child)
        if key in running:
            raise YamlLimitError("a YAML alias (*) refers to a mapping or list that contains it: "
                                 "the value would be infinite", _line(node))
        if key in sizes:  # met before: this use is an alias
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlLimitError(f"the file uses more than {count_text(MAX_ALIASES)} YAML "
                                     "aliases (*)", _line(node))
            running[id(node)] += sizes[key]
        elif isinstance(child, yaml.ScalarNode):
            sizes[key] = 1
            running[id(node)] += 1
        elif len(stack) >= MAX_YAML_DEPTH:
            raise YamlLimitError(f"mappings and lists nested more than {MAX_YAML_DEPTH} levels "
                                 "deep", _line(child))
        else:
            running[key] = 1
            stack.append((child, _children(child)))
    if sizes[id(root)] - len(sizes) > MAX_ALIAS_VALUES:
        raise YamlLimitError(f"the file expands to more than {count_text(MAX_ALIAS_VALUES)} values "
                             "through YAML aliases (&/*)", None)


def _bad_scalar_line(root: yaml.Node | None) -> int | None:
    """Line of the first scalar PyYAML cannot build (a date such as 2025-13-45)."""
    if root is None:
        return None
    constructor = yaml.SafeLoader("")
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node)
            except (ValueError, OverflowError):
                return _line(node)
        todo.extend(reversed(list(_children(node))))
    return None


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
    """Parse YAML text; raises :class:`YamlSyntaxError` with the line of the fault, and its
    subclass :class:`YamlLimitError` for a text over the limits of :mod:`sim.scenario.limits`."""
    if len(text) > MAX_FILE_BYTES:
        raise YamlLimitError(f"the text is too large: {count_text(len(text))} characters (at most "
                             f"{count_text(MAX_FILE_BYTES)})", None)
    loader = _LOADER(text)
    root: yaml.Node | None = None
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_expansion(root)
        data = loader.construct_document(root) if root is not None else None
    except YamlSyntaxError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{exc.context}, {problem}"
        raise YamlSyntaxError(f"YAML syntax error: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML syntax error: {exc}", None) from None
    except RecursionError:  # the pure-Python composer, on nesting far beyond MAX_YAML_DEPTH
        raise YamlLimitError(f"mappings and lists nested more than {MAX_YAML_DEPTH} levels deep",
                             None) from None
    except (ValueError, OverflowError) as exc:  # a scalar PyYAML matched but cannot build
        reason = str(exc).partition(";")[0]
        raise YamlSyntaxError(f"cannot read a value: {reason}", _bad_scalar_line(root)) from None
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
    from .files import InputFileError, read_input_text

    shown = str(path)
    try:
        doc = parse_yaml(read_input_text(path, f"{what} file"))
    except InputFileError as exc:
        raise ScenarioError([Problem(shown, (), exc.reason)], what) from None
    except YamlSyntaxError as exc:
        raise ScenarioError([Problem(shown, (), str(exc), exc.line)], what) from None
    if doc.duplicates:
        raise ScenarioError([Problem(shown, p, "this key appears twice in the same mapping", line)
                             for p, line in doc.duplicates], what)
    if not isinstance(doc.data, dict):
        raise ScenarioError([Problem(shown, (), f"a {what} file holds a mapping (name, scenario, ...)")],
                            what)
    return doc
