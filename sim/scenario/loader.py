"""Load a scenario file: parse, apply overrides, validate, cross-check, build travel data.

Nothing runs on an invalid scenario: :func:`load_scenario` either returns a :class:`Scenario`
or raises :class:`~sim.errors.ScenarioError` listing *every* problem found, each with the file,
the line, the field path and what is wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..errors import FieldProblem, Problem, ScenarioError
from .files import InputFileError, is_bare_name, read_input_text, resolve_reference
from .geography import RoadNetwork, TravelMatrix, build_travel_source, unreachable_nodes
from .overrides import apply_overrides
from .places import ExpandedPlaces, expand_places
from .points import PointSet, scenario_points
from .problems import problems_from_validation
from .references import cross_checks, known_policies, policy_problem
from .road_selection import selection_problems
from .schema import ScenarioSpec
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
    points: dict[str, PointSet] = field(default_factory=dict)
    """The incident spots of generators with ``where.points``, by file name as written."""
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


def resolve_scenario_path(name: str | Path, naming_file: Path | None = None) -> Path:
    """The built-in scenario of a bare name (``pinghu``), else the file path ``name`` (relative
    to the folder of ``naming_file`` when given, such as an experiment file). A bare name that
    is no built-in is a file of that name, if there is one."""
    if is_bare_name(name):
        builtin = builtin_scenarios().get(str(name))
        if builtin is not None:
            return builtin
    return resolve_reference(name, naming_file)


def _missing_text(name: str | Path) -> str:
    names = ", ".join(builtin_scenarios()) or "none"
    if is_bare_name(name):
        return f"no built-in scenario or file of that name (built-in scenarios: {names})"
    hint = f"; the built-in scenario is named {Path(name).stem!r}, without a folder or suffix" \
        if Path(name).stem in builtin_scenarios() else f" (built-in scenarios, named without .yaml: {names})"
    return f"no such file{hint}"


# ---------------------------------------------------------------- entry points

def _digest(raw: dict, travel: RoadNetwork | TravelMatrix | None, points: dict[str, PointSet]) -> str:
    """Identifies what the scenario simulates: its mapping and the data files it names."""
    h = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False).encode())
    if isinstance(travel, TravelMatrix):
        h.update(travel.minutes.tobytes())
    elif isinstance(travel, RoadNetwork) and travel.lon is not None:  # an imported network
        for array in (travel.tail, travel.head, travel.minutes):
            h.update(np.ascontiguousarray(array).tobytes())
    for name in sorted(points):
        for array in (points[name].node, points[name].leg, points[name].weight):
            h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()[:16]


def _from_place_file(problem: Problem, raw: dict, places: ExpandedPlaces) -> Problem:
    """A problem in an item read from a place file, told at that file's line (or feature)."""
    path = problem.path
    at = 2 if path[:1] == ("region",) else 1
    section = path[at - 1] if len(path) >= at else None
    position = path[at] if len(path) > at else None
    if section not in ("nodes", "facilities", "shelters") or not isinstance(position, int):
        return problem
    items = raw["region"]["nodes"] if section == "nodes" else raw.get(str(section))
    item = items[position] if isinstance(items, list) and position < len(items) else None
    if not isinstance(item, dict):
        return problem
    origin = places.origin.get((str(section), str(item.get("id"))))
    if origin is None:
        return problem
    label, where = origin
    feature = label.lower().endswith((".geojson", ".json"))
    rest: tuple[str | int, ...] = (("features", where) if feature else ()) + tuple(path[at + 1:])
    named = repr(str(item["id"])) in problem.message
    return Problem(label, rest, problem.message if named else f"place {item['id']!r}: {problem.message}",
                   None if feature else where)


def load_scenario_data(raw: object, *, path: Path | None = None, doc: YamlDocument | None = None,
                       overrides: list[str] | dict[str, object] | None = None) -> Scenario:
    """Validate an already-parsed scenario mapping (e.g. built in Python) and build it."""
    file = str(path) if path is not None else "<scenario>"
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        raise ScenarioError([Problem(file, (), "the file must hold a mapping of sections "
                                     "(name, region, facilities, units, incident_types, generators)",
                                     1)])
    raw, places = expand_places(raw, path, file)
    if places.problems:
        raise ScenarioError(places.problems)
    if overrides:
        try:
            raw = apply_overrides(raw, overrides)
        except FieldProblem as exc:
            raise ScenarioError([Problem("--set", tuple(exc.subpath), str(exc))]) from None
    spec: ScenarioSpec | None = None
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, file, doc))
    for loc, message in cross_checks(raw):
        problems.append(Problem(file, loc, message, doc.line_of(loc) if doc else None))
    travel = None
    if spec is not None and not problems:
        base_dir = path.parent if path is not None else Path.cwd()
        travel, travel_problems = build_travel_source(spec.region, base_dir, file)
        problems.extend(travel_problems)
        if travel is not None:
            index = {n.id: i for i, n in enumerate(spec.region.nodes)}
            for group in unreachable_nodes(travel):
                listed = ", ".join(repr(n) for n in group[:8]) + (" ..." if len(group) > 8 else "")
                place = next((index[n] for n in group if n in index), None)
                where: tuple[str | int, ...] = ("region",) if place is None else ("region", "nodes", place)
                problems.append(Problem(file, where,
                                        f"unreachable: node(s) {listed} cannot reach or be reached "
                                        "from the rest of the network", doc.line_of(where) if doc else None))
    points: dict[str, PointSet] = {}
    if travel is not None and spec is not None and not problems:
        problems.extend(selection_problems(spec, travel, file))
        points, point_problems = scenario_points(spec, path.parent if path is not None else Path.cwd(), file)
        problems.extend(point_problems)
    if problems:
        if places.origin:
            problems = [_from_place_file(p, raw, places) for p in problems]
        raise ScenarioError(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    assert spec is not None and travel is not None
    return Scenario(spec=spec, raw=raw, travel=travel, path=path, digest=_digest(raw, travel, points),
                    node_index={n.id: i for i, n in enumerate(spec.region.nodes)}, points=points)


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
        text = read_input_text(resolved, "scenario file")
    except InputFileError as exc:
        message = _missing_text(path) if not resolved.exists() else exc.reason
        raise ScenarioError([Problem(str(path) if not resolved.exists() else shown, (), message)]) from None
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

