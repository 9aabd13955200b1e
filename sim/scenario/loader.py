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

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import FieldProblem, Problem, ScenarioError
from .geography import RoadNetwork, TravelMatrix, build_travel_source, unreachable_nodes
from .overrides import apply_overrides
from .schema import (
    NODE_KINDS,
    Facility,
    Generator,
    IncidentType,
    Region,
    ScenarioSpec,
    UnitGroup,
)
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
    if path.exists():
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

def _section(raw: dict, key: str, adapter: TypeAdapter) -> Any:
    """The validated section, or None when it has problems (already reported)."""
    if key not in raw:
        return None
    try:
        return adapter.validate_python(raw[key])
    except ValidationError:
        return None


_REGION = TypeAdapter(Region)
_FACILITIES = TypeAdapter(list[Facility])
_UNITS = TypeAdapter(list[UnitGroup])
_TYPES = TypeAdapter(dict[str, IncidentType])
_GENERATORS = TypeAdapter(list[Generator])


def _duplicates(ids: list[str]) -> set[str]:
    return {k for k, c in Counter(ids).items() if c > 1}


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


def _cross_checks(raw: dict, spec: ScenarioSpec | None) -> list[tuple[tuple[Any, ...], str]]:
    """Problems between sections: unknown references, impossible requirements."""
    out: list[tuple[tuple[Any, ...], str]] = []
    region = spec.region if spec else _section(raw, "region", _REGION)
    facilities = spec.facilities if spec else _section(raw, "facilities", _FACILITIES)
    units = spec.units if spec else _section(raw, "units", _UNITS)
    itypes = spec.incident_types if spec else _section(raw, "incident_types", _TYPES)
    generators = spec.generators if spec else _section(raw, "generators", _GENERATORS)

    nodes = {n.id: n for n in region.nodes} if region else None
    if region:
        for dup in _duplicates([n.id for n in region.nodes]):
            first = [i for i, n in enumerate(region.nodes) if n.id == dup][1]
            out.append((("region", "nodes", first, "id"), f"node id {dup!r} is used twice"))
        if region.roads:
            for i, edge in enumerate(region.roads.edges):
                for key, node in (("from", edge.from_), ("to", edge.to)):
                    if node not in nodes:
                        out.append((("region", "roads", "edges", i, key), f"unknown node {node!r}"))
                if edge.from_ == edge.to:
                    out.append((("region", "roads", "edges", i), "an edge must join two different nodes"))
    fac = {f.id: f for f in facilities} if facilities else None
    if facilities:
        for dup in _duplicates([f.id for f in facilities]):
            first = [i for i, f in enumerate(facilities) if f.id == dup][1]
            out.append((("facilities", first, "id"), f"facility id {dup!r} is used twice"))
        if nodes is not None:
            for i, f in enumerate(facilities):
                if f.node not in nodes:
                    out.append((("facilities", i, "node"), _unknown("node", f.node, nodes)))
    capability_units: Counter[str] = Counter()
    if units:
        for dup in _duplicates([u.group_id for u in units]):
            first = [i for i, u in enumerate(units) if u.group_id == dup][1]
            out.append((("units", first), f"unit group {dup!r} appears twice (give each an 'id')"))
        for i, u in enumerate(units):
            if fac is not None and u.base not in fac:
                out.append((("units", i, "base"), _unknown("facility", u.base, fac)))
            for cap in u.capabilities:
                capability_units[cap] += u.count
    if itypes and units:
        total_units = sum(u.count for u in units)
        for name, it in itypes.items():
            for cap, n in it.requires.items():
                have = capability_units.get(cap, 0)
                if have == 0:
                    known = ", ".join(sorted(capability_units)) or "none"
                    out.append((("incident_types", name, "requires", cap),
                                f"no unit has capability {cap!r} (units have: {known})"))
                elif have < n:
                    out.append((("incident_types", name, "requires", cap),
                                f"needs {n} units with {cap!r} but the scenario has only {have}"))
            if sum(it.requires.values()) > total_units:
                out.append((("incident_types", name, "requires"),
                            f"needs {sum(it.requires.values())} units but the scenario has {total_units}"))
            if it.hospital and it.hospital.probability > 0 and fac is not None \
                    and not any(f.kind == "hospital" for f in fac.values()):
                out.append((("incident_types", name, "hospital"),
                            "transports patients but no facility is a hospital"))
    if generators:
        for dup in _duplicates([g.stream_id for g in generators]):
            first = [i for i, g in enumerate(generators) if g.stream_id == dup][1]
            out.append((("generators", first), f"two generators named {dup!r} (give each an 'id')"))
        for i, g in enumerate(generators):
            if itypes is not None and g.incident_type not in itypes:
                out.append((("generators", i, "type"), _unknown("incident type", g.incident_type, itypes)))
            if nodes is not None:
                out.extend(_where_problems(g, i, nodes))
    if spec is not None:
        message = policy_problem(spec.dispatch.policy)
        if message:
            out.append((("dispatch", "policy"), message))
    return out


def _unknown(what: str, value: str, known: Any) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {what} {value!r}{hint}"


def _where_problems(g: Generator, i: int, nodes: dict) -> list[tuple[tuple[Any, ...], str]]:
    out = []
    where = g.where
    if where.nodes is not None:
        for node in where.nodes:
            if node not in nodes:
                out.append((("generators", i, "where", "nodes", node), _unknown("node", node, nodes)))
        if not out and sum(where.nodes.values()) <= 0:
            out.append((("generators", i, "where", "nodes"), "node weights must not all be zero"))
        return out
    for kind in where.kinds:
        if kind not in NODE_KINDS:
            out.append((("generators", i, "where", "kinds"), f"unknown node kind {kind!r}"))
    for tag in where.tags:
        if not any(tag in n.tags for n in nodes.values()):
            out.append((("generators", i, "where", "tags"), f"no node has the tag {tag!r}"))
    if out:
        return out
    eligible = [n for n in nodes.values()
                if (not where.tags or set(where.tags) & set(n.tags))
                and (not where.kinds or n.kind in where.kinds)]
    if not eligible:
        out.append((("generators", i, "where"), "no node matches both the tags and the kinds"))
    elif where.weight == "population" and sum(n.population for n in eligible) == 0:
        out.append((("generators", i, "where"),
                    "weighted by population but the matching nodes have no population "
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
    for loc, message in _cross_checks(raw, spec):
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
        raise ScenarioError(problems)
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
        raise ScenarioError(duplicate_problems + exc.problems) from None
    if duplicate_problems:
        raise ScenarioError(duplicate_problems)
    return scenario

