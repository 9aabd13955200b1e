"""Load a scenario file: parse, apply overrides, validate, cross-check, build travel data.

Nothing runs on an invalid scenario: :func:`load_scenario` either returns a :class:`Scenario`
or raises :class:`~sim.errors.ScenarioError` listing *every* problem found, each with the file,
the line, the field path and what is wrong.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import json
import types
import typing
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from ..errors import FieldProblem, Problem, ScenarioError
from .geography import RoadNetwork, TravelMatrix, build_travel_source, unreachable_nodes
from .overrides import apply_overrides
from .schema import NODE_KINDS, ScenarioSpec, _text_id
from .yamlio import YamlDocument, YamlSyntaxError, parse_yaml

__all__ = ["BUILTIN_DIRS", "Scenario", "builtin_scenarios", "known_policies", "load_scenario",
           "load_scenario_data", "policy_problem", "resolve_scenario_path"]

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
BUILTIN_DIRS = (_PACKAGE_DIR / "_scenarios", _PACKAGE_DIR.parent / "scenarios")


@dataclass(frozen=True)
class Scenario:
    """A validated, immutable scenario ready to simulate."""

    spec: ScenarioSpec
    raw: dict[str, Any]
    travel: RoadNetwork | TravelMatrix
    path: Path | None = None
    digest: str = ""
    node_index: dict[str, int] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Derived objects that are costly to build (the travel-time oracle), kept per scenario."""

    @property
    def name(self) -> str:
        return self.spec.name

    def with_overrides(self, assignments: list[str] | dict[str, object]) -> Scenario:
        """A new scenario with ``PATH=VALUE`` assignments applied (validated again)."""
        return load_scenario_data(apply_overrides(self.raw, assignments), path=self.path)


def builtin_scenarios() -> dict[str, Path]:
    """Built-in scenario names (file stems) and their paths."""
    found: dict[str, Path] = {}
    for folder in BUILTIN_DIRS:
        if folder.is_dir():
            for path in sorted(folder.glob("*.yaml")):
                found.setdefault(path.stem, path)
    return found


def resolve_scenario_path(name: str | Path) -> Path:
    """A scenario file path, or the built-in scenario of that name (``pinghu``)."""
    path = Path(name)
    if path.is_file():
        return path
    builtin = builtin_scenarios().get(path.stem if path.suffix == ".yaml" else str(name))
    return builtin if builtin is not None else path


# ---------------------------------------------------------------- pydantic errors -> problems

def _unwrap(annotation: Any) -> list[Any]:
    """Model classes reachable one level down an annotation (through Optional, list, dict)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (list, tuple, typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _unwrap(arg)]
    if origin is dict:
        return _unwrap(typing.get_args(annotation)[1])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class whose fields live at ``loc`` (for 'did you mean' suggestions)."""
    model: type[BaseModel] | None = ScenarioSpec
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        fields = {(f.alias or name): f for name, f in model.model_fields.items()}
        if part in fields:
            models = _unwrap(fields[part].annotation)
            model = models[0] if models else None
        # otherwise a dict key (an incident type name): stay on the value model
    return model


def _allowed_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _problems_from_validation(exc: ValidationError, file: str, doc: YamlDocument | None,
                              prefix: tuple[Any, ...] = ()) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = prefix + tuple(p for p in err["loc"] if p != "[key]")
        ctx = err.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, FieldProblem):
            loc = loc + tuple(cause.subpath)
            message = str(cause)
        elif err["type"] == "extra_forbidden":
            model = _model_at(loc[:-1])
            message = "unknown key"
            if model is not None:
                allowed = _allowed_keys(model)
                close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
                message += f" (did you mean {close[0]!r}?)" if close else ""
                message += f"; allowed keys: {', '.join(allowed)}"
        elif err["type"] == "missing":
            message = "required field is missing"
        else:
            message = err["msg"].removeprefix("Value error, ")
            value = err.get("input")
            if isinstance(value, (str, int, float, bool)) and err["type"] != "value_error":
                message += f" (got {value!r})"
        line = doc.line_of(loc) if doc is not None else None
        problems.append(Problem(file, loc, message, line))
    return problems


# ---------------------------------------------------------------- cross-reference checks
# These read the raw mapping with light guards, so that references are checked even in
# sections that also have structural problems: every problem is reported in one go.

def _items(raw: object, *keys: str) -> list[tuple[int, dict]]:
    """``(index, item)`` for the mapping items of the list at ``raw[keys...]``."""
    for key in keys:
        raw = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(raw, list):
        return []
    return [(i, item) for i, item in enumerate(raw) if isinstance(item, dict)]


def _mapping(raw: object, *keys: str) -> dict:
    for key in keys:
        raw = raw.get(key) if isinstance(raw, dict) else None
    return raw if isinstance(raw, dict) else {}


def _id(value: object) -> str | None:
    value = _text_id(value)
    return value if isinstance(value, str) and value else None


def _count(value: object, default: int = 1) -> int | None:
    """A valid count, the default when absent, or None when it is malformed."""
    if value is None:
        return default
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _duplicates(ids: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Second and later uses of an id, with their positions."""
    seen: set[str] = set()
    repeats = []
    for pos, value in ids:
        if value in seen:
            repeats.append((pos, value))
        seen.add(value)
    return repeats


def known_policies() -> dict[str, Any]:
    from ..model.dispatch import POLICIES  # local import: the model depends on the scenario

    return POLICIES


def policy_problem(name: str) -> str | None:
    """None when ``name`` is a built-in policy or an importable ``module:Class``."""
    if name in known_policies():
        return None
    if ":" not in name:
        return (f"unknown dispatch policy {name!r}; built-in: {', '.join(known_policies())}, "
                "or give 'package.module:ClassName'")
    module, _, cls = name.partition(":")
    try:
        obj = getattr(importlib.import_module(module), cls)
    except (ImportError, AttributeError) as exc:
        return f"cannot import dispatch policy {name!r}: {exc}"
    if not callable(obj):
        return f"{name!r} is not a class"
    return None


def _format_need(requires: dict) -> str:
    return ", ".join(f"{cap}: {n}" for cap, n in requires.items())


def max_simultaneous(requires: dict[str, int], groups: list[tuple[frozenset[str], int]]) -> int:
    """How many of the required slots distinct units can fill at once (a maximum flow from
    capabilities, each needing its count, to unit groups, each offering its count)."""
    caps = list(requires)
    n = 2 + len(caps) + len(groups)
    source, sink = 0, n - 1
    capacity = np.zeros((n, n), dtype=np.int64)
    for i, cap in enumerate(caps):
        capacity[source, 1 + i] = requires[cap]
        for j, (offered, _) in enumerate(groups):
            if cap in offered:
                capacity[1 + i, 1 + len(caps) + j] = requires[cap]
    for j, (_, count) in enumerate(groups):
        capacity[1 + len(caps) + j, sink] = count
    return int(maximum_flow(csr_matrix(capacity), source, sink).flow_value)


def _unknown(what: str, value: str, known: Any) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {what} {value!r}{hint}"


def _cross_checks(raw: dict) -> list[tuple[tuple[Any, ...], str]]:
    """Problems between sections: unknown references, impossible requirements."""
    out: list[tuple[tuple[Any, ...], str]] = []
    node_items = _items(raw, "region", "nodes")
    nodes = {nid: item for _, item in node_items if (nid := _id(item.get("id")))}
    for i, nid in _duplicates([(i, _id(n.get("id"))) for i, n in node_items if _id(n.get("id"))]):
        out.append((("region", "nodes", i, "id"), f"node id {nid!r} is used twice"))
    for i, edge in _items(raw, "region", "roads", "edges"):
        ends = {key: _id(edge.get(key)) for key in ("from", "to")}
        for key, node in ends.items():
            if node is not None and nodes and node not in nodes:
                out.append((("region", "roads", "edges", i, key), _unknown("node", node, nodes)))
        if ends["from"] is not None and ends["from"] == ends["to"]:
            out.append((("region", "roads", "edges", i), "an edge must join two different nodes"))

    facility_items = _items(raw, "facilities")
    facilities = {fid: item for _, item in facility_items if (fid := _id(item.get("id")))}
    for i, fid in _duplicates([(i, _id(f.get("id"))) for i, f in facility_items if _id(f.get("id"))]):
        out.append((("facilities", i, "id"), f"facility id {fid!r} is used twice"))
    for i, f in facility_items:
        node = _id(f.get("node"))
        if node is not None and nodes and node not in nodes:
            out.append((("facilities", i, "node"), _unknown("node", node, nodes)))

    supply: Counter[str] = Counter()
    groups: list[tuple[frozenset[str], int]] = []
    total_units = 0
    counts_known = True  # a malformed count (reported already) makes supply checks meaningless
    unit_items = _items(raw, "units")
    group_ids = [(i, _id(u.get("id")) or f"{u.get('type')}@{u.get('base')}") for i, u in unit_items]
    for i, gid in _duplicates(group_ids):
        out.append((("units", i), f"unit group {gid!r} appears twice (give each an 'id')"))
    for i, u in unit_items:
        base = _id(u.get("base"))
        if base is not None and facilities and base not in facilities:
            out.append((("units", i, "base"), _unknown("facility", base, facilities)))
        count = _count(u.get("count"))
        if count is None:
            counts_known = False
            continue
        total_units += count
        caps = u.get("capabilities")
        caps = frozenset(c for c in caps if isinstance(c, str)) if isinstance(caps, list) else frozenset()
        groups.append((caps, count))
        for cap in caps:
            supply[cap] += count

    types = _mapping(raw, "incident_types")
    has_hospital = any(f.get("kind") == "hospital" for f in facilities.values())
    for name, itype in types.items():
        if not isinstance(itype, dict):
            continue
        requires = itype.get("requires")
        if isinstance(requires, dict) and unit_items and counts_known:
            reported = len(out)
            for cap, n in requires.items():
                have = supply.get(str(cap), 0)
                if have == 0:
                    known = ", ".join(sorted(supply)) or "none"
                    out.append((("incident_types", name, "requires", cap),
                                f"no unit has capability {cap!r} (units have: {known})"))
                elif isinstance(n, int) and have < n:
                    out.append((("incident_types", name, "requires", cap),
                                f"needs {n} units with {cap!r} but the scenario has only {have}"))
            needed = sum(n for n in requires.values() if isinstance(n, int))
            if needed > total_units and len(out) == reported:
                out.append((("incident_types", name, "requires"),
                            f"needs {needed} units but the scenario has {total_units}"))
            elif len(out) == reported and all(isinstance(n, int) for n in requires.values()):
                most = max_simultaneous(requires, groups)
                if most < needed:
                    out.append((("incident_types", name, "requires"),
                                f"needs {needed} distinct units ({_format_need(requires)}) but at most "
                                f"{most} can be sent together: a unit with several of these "
                                "capabilities counts once"))
        hospital = itype.get("hospital")
        if isinstance(hospital, dict) and facilities and not has_hospital \
                and isinstance(hospital.get("probability"), (int, float)) and hospital["probability"] > 0:
            out.append((("incident_types", name, "hospital"),
                        "transports patients but no facility is a hospital"))

    generator_items = _items(raw, "generators")
    streams = [(i, _id(g.get("id")) or _id(g.get("type"))) for i, g in generator_items]
    for i, sid in _duplicates([(i, s) for i, s in streams if s]):
        out.append((("generators", i), f"two generators named {sid!r} (give each an 'id')"))
    for i, g in generator_items:
        gtype = _id(g.get("type"))
        if gtype is not None and types and gtype not in types:
            out.append((("generators", i, "type"), _unknown("incident type", gtype, types)))
        where = g.get("where", {})
        if isinstance(where, dict) and nodes:
            out.extend((("generators", i, "where", *loc), msg) for loc, msg in _where_problems(where, nodes))

    policy = _mapping(raw, "dispatch").get("policy")
    if isinstance(policy, str):
        message = policy_problem(policy)
        if message:
            out.append((("dispatch", "policy"), message))
    return out


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _where_problems(where: dict, nodes: dict[str, dict]) -> list[tuple[tuple[Any, ...], str]]:
    out: list[tuple[tuple[Any, ...], str]] = []
    explicit = where.get("nodes")
    if isinstance(explicit, dict):
        for node in explicit:
            if _id(node) not in nodes:
                out.append((("nodes", node), _unknown("node", str(node), nodes)))
        return out
    tags = [t for t in _list(where.get("tags")) if isinstance(t, str)]
    kinds = [k for k in _list(where.get("kinds")) if isinstance(k, str)]
    for kind in kinds:
        if kind not in NODE_KINDS:
            out.append((("kinds",), f"unknown node kind {kind!r} (use one of: {', '.join(NODE_KINDS)})"))
    node_tags = {nid: set(n.get("tags") or ()) if isinstance(n.get("tags"), list) else set()
                 for nid, n in nodes.items()}
    for tag in tags:
        if not any(tag in t for t in node_tags.values()):
            out.append((("tags",), f"no node has the tag {tag!r}"))
    if out:
        return out
    eligible = [nid for nid, n in nodes.items()
                if (not tags or set(tags) & node_tags[nid]) and (not kinds or n.get("kind") in kinds)]
    if not eligible:
        out.append(((), "no node matches both the tags and the kinds"))
    elif where.get("weight", "population") == "population" \
            and sum(_count(nodes[nid].get("population"), 0) or 0 for nid in eligible) == 0:
        out.append(((), "weighted by population but the matching nodes have no population "
                        "(use weight: uniform)"))
    return out


# ---------------------------------------------------------------- entry points

def _digest(raw: dict, travel: RoadNetwork | TravelMatrix | None) -> str:
    h = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False).encode())
    if isinstance(travel, TravelMatrix):
        h.update(travel.minutes.tobytes())
    return h.hexdigest()[:16]


def load_scenario_data(raw: object, *, path: Path | None = None, doc: YamlDocument | None = None,
                       overrides: list[str] | dict[str, object] | None = None) -> Scenario:
    """Validate an already-parsed scenario mapping (e.g. built in Python) and build it."""
    file = str(path) if path is not None else "<scenario>"
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        raise ScenarioError([Problem(file, (), "the file must hold a mapping of sections "
                                     "(name, region, facilities, units, incident_types, generators)",
                                     1)])
    if overrides:
        try:
            raw = apply_overrides(raw, overrides)
        except FieldProblem as exc:
            raise ScenarioError([Problem("--set", tuple(exc.subpath), str(exc))]) from None
    spec: ScenarioSpec | None = None
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_problems_from_validation(exc, file, doc))
    for loc, message in _cross_checks(raw):
        problems.append(Problem(file, loc, message, doc.line_of(loc) if doc else None))
    travel = None
    if spec is not None and not problems:
        base_dir = path.parent if path is not None else Path.cwd()
        travel, travel_problems = build_travel_source(spec.region, base_dir, file)
        problems.extend(travel_problems)
        if travel is not None:
            for group in unreachable_nodes(travel):
                shown = ", ".join(repr(n) for n in group[:8]) + (" ..." if len(group) > 8 else "")
                loc = ("region", "nodes", next(i for i, n in enumerate(spec.region.nodes)
                                               if n.id == group[0]))
                problems.append(Problem(file, loc,
                                        f"unreachable: node(s) {shown} cannot reach or be reached "
                                        "from the rest of the network", doc.line_of(loc) if doc else None))
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: p.line or 0))
    assert spec is not None and travel is not None
    return Scenario(spec=spec, raw=raw, travel=travel, path=path, digest=_digest(raw, travel),
                    node_index={n.id: i for i, n in enumerate(spec.region.nodes)})


def load_scenario(path: str | Path, overrides: list[str] | dict[str, object] | None = None) -> Scenario:
    """Load, validate and build a scenario file (or a built-in scenario by name).

    Parameters
    ----------
    path
        A YAML file, or the name of a built-in scenario such as ``"pinghu"``.
    overrides
        ``PATH=VALUE`` strings (or a mapping) applied before validation, as ``--set`` does.

    Raises
    ------
    ScenarioError
        Listing every problem with file, line, field path and message.
    """
    resolved = resolve_scenario_path(path)
    shown = str(resolved)
    try:
        text = resolved.read_text(encoding="utf-8")
    except FileNotFoundError:
        names = ", ".join(builtin_scenarios()) or "none"
        raise ScenarioError([Problem(str(path), (), f"no such file (built-in scenarios: {names})")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(shown, (), f"cannot read the file: {exc}")]) from None
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise ScenarioError([Problem(shown, (), str(exc), exc.line)]) from None
    duplicate_problems = [Problem(shown, p, "this key appears twice in the same mapping", line)
                          for p, line in doc.duplicates]
    try:
        scenario = load_scenario_data(doc.data, path=resolved, doc=doc, overrides=overrides)
    except ScenarioError as exc:
        raise ScenarioError(sorted(duplicate_problems + exc.problems, key=lambda p: p.line or 0)) from None
    if duplicate_problems:
        raise ScenarioError(duplicate_problems)
    return scenario

