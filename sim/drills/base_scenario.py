"""A drill's scenario: the scenario its drill file names, with the drill's hazards, start,
duration and ``set:`` overrides.

The ``scenario`` field is a path, relative to the drill file's folder (or absolute), except a
bare name without ``/`` and without a ``.yaml`` suffix (``pinghu``), which names a built-in
scenario. The target must be a regular UTF-8 YAML file holding a mapping; anything else is one
problem naming the drill file, the field and the target. A ``set:`` key that cannot be applied,
or whose value the scenario refuses, is blamed on the drill file (at ``set.<key>``), and so are
problems in the drill's hazards.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..errors import (
    SHOWN_CHARS,
    FieldProblem,
    Problem,
    ScenarioError,
    brief_problem,
    format_path,
    one_line,
    shown,
)
from ..scenario.files import InputFileError, read_input_text
from ..scenario.loader import Scenario, builtin_scenarios, load_scenario_data
from ..scenario.overrides import set_path
from ..scenario.yamlio import YamlSyntaxError, parse_yaml
from .spec import DrillError, DrillSpec, drill_label

__all__ = ["drill_scenario", "read_base_scenario", "scenario_reference"]

_HAZARD_SECTIONS = (("hazards",), ("evacuation",))


def _reference_problem(label: str, reference: str, message: str) -> ScenarioError:
    return DrillError([Problem(label, ("scenario",), f"{shown(reference)}: {message}")])


def scenario_reference(spec: DrillSpec, base_dir: Path, source: str | Path | None = None) -> Path:
    """The scenario file the drill names: a built-in scenario for a bare name, otherwise the
    path relative to the drill file's folder ``base_dir``."""
    reference = spec.scenario
    if "/" not in reference and "\\" not in reference and not reference.endswith((".yaml", ".yml")):
        builtin = builtin_scenarios().get(reference)
        if builtin is None:
            names = ", ".join(builtin_scenarios()) or "none"
            raise _reference_problem(
                drill_label(spec, source),
                reference,
                f"no built-in scenario of that name (built-in: {names}); a file is given by its path, "
                "e.g. ../my-county.yaml",
            )
        return builtin
    return Path(base_dir) / reference


def read_base_scenario(
    spec: DrillSpec, base_dir: Path, source: str | Path | None = None
) -> tuple[dict[str, Any], Path]:
    """The raw mapping of the drill's scenario and its path; every reason it cannot be read is
    one :class:`ScenarioError` naming the drill file, ``scenario`` and the target."""
    label = drill_label(spec, source)
    path = scenario_reference(spec, base_dir, source)
    shown = f" ({path})" if str(path) != spec.scenario else ""
    try:
        doc = parse_yaml(read_input_text(path, "scenario file"))
    except InputFileError as exc:
        raise _reference_problem(label, spec.scenario, f"{exc.reason}{shown}") from None
    except YamlSyntaxError as exc:
        where = f"line {exc.line} of " if exc.line else ""
        message = one_line(str(exc))
        raise _reference_problem(label, spec.scenario, f"not YAML ({where}{path}: {message})") from None
    if not isinstance(doc.data, dict):
        raise _reference_problem(
            label, spec.scenario, f"not a scenario: {path} does not hold a mapping (name, region, units, ...)"
        )
    if doc.duplicates:
        raise DrillError(
            [
                Problem(str(path), p, "this key appears twice in the same mapping", line)
                for p, line in doc.duplicates
            ]
        )
    return doc.data, path


def _dicts(value: object) -> list[dict[str, Any]]:
    """The mappings in ``value`` when it is a list (the rest is left to validation)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _retarget(rules: object, known: set[str], base_kinds: dict[str, str]) -> object:
    """Rules for a hazard of the scenario apply to the drill's hazards of the same kind; rules
    for other hazards are dropped. Anything that is not a list of rules is left for validation."""
    if not isinstance(rules, list):
        return rules
    out: list[object] = []
    for rule in rules:
        if not isinstance(rule, dict):
            out.append(rule)
            continue
        target = rule.get("hazard")
        if isinstance(target, str) and target not in known:
            target = base_kinds.get(target)
        if isinstance(target, str) and target in known:
            out.append({**rule, "hazard": target})
    return out


def _with_hazards(raw: dict[str, Any], spec: DrillSpec, hazards: list[dict[str, Any]]) -> None:
    """Put the drill's hazards, start and duration into the scenario ``raw`` (in place)."""
    base_kinds = {
        h["id"]: h["kind"]
        for h in _dicts(raw.get("hazards"))
        if isinstance(h.get("id"), str) and isinstance(h.get("kind"), str)
    }
    raw["hazards"] = hazards
    run = raw.setdefault("run", {})
    if isinstance(run, dict):
        run.update(
            {
                "start": spec.start.strftime("%Y-%m-%d %H:%M"),
                "horizon": f"{spec.duration} min",
                "warmup": "0 min",
                "drain": False,
            }
        )
    known = {v for h in hazards for v in (h.get("id"), h.get("kind")) if isinstance(v, str)}
    evacuation = raw.get("evacuation")
    if isinstance(evacuation, dict):
        zones = _retarget(evacuation.get("zones", []), known, base_kinds)
        if zones:
            evacuation["zones"] = zones
        else:
            raw.pop("evacuation")
    raw["prepositioning"] = _retarget(raw.get("prepositioning", []), known, base_kinds)


def _apply_set(raw: dict[str, Any], spec: DrillSpec, label: str) -> None:
    problems = []
    for key, value in spec.set.items():
        try:
            set_path(raw, key, value)
        except FieldProblem as exc:
            where = f" (at {format_path(exc.subpath)})" if exc.subpath else ""
            problems.append(
                brief_problem(Problem(label, ("set", key), one_line(str(exc), SHOWN_CHARS) + where))
            )
    if problems:
        raise DrillError(problems)


def _matches(part: str | int, key: str, container: object) -> bool:
    """Whether the path step ``part`` is one that the set-key step ``key`` selects."""
    if isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container):
        item = container[part]
        if key.lstrip("-").isdigit():
            return int(key) % len(container) == part
        return isinstance(item, dict) and key in (str(item.get("id")), str(item.get("type")))
    return str(part) == key


def _child(container: object, part: str | int) -> object:
    if isinstance(container, dict):
        return container.get(part)
    if isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container):
        return container[part]
    return None


def _set_key_at(raw: dict[str, Any], keys: list[str], path: tuple[str | int, ...]) -> str | None:
    """The ``set:`` key that wrote the field at ``path`` of the scenario (or a field that
    holds ``path``), or None."""
    for key in keys:
        steps = key.split(".")
        if len(path) < len(steps):
            continue
        container: object = raw
        for part, step in zip(path, steps, strict=False):
            if not _matches(part, step, container):
                break
            container = _child(container, part)
        else:
            return key
    return None


def _blamed(problem: Problem, raw: dict[str, Any], spec: DrillSpec, label: str) -> Problem:
    """A scenario problem as the drill file's when the drill's set or hazards caused it."""
    key = _set_key_at(raw, list(spec.set), problem.path)
    if key is not None:
        at = format_path(problem.path)
        where = "" if at == key else f" (at {at} of {problem.file})"
        blamed = brief_problem(Problem(label, ("set", key), problem.message))
        return dataclasses.replace(blamed, message=blamed.message + where)
    if problem.path[:1] in _HAZARD_SECTIONS:
        return brief_problem(Problem(f"{label} (on {problem.file})", problem.path, problem.message))
    return brief_problem(problem)


def drill_scenario(
    spec: DrillSpec, base_dir: Path, hazards: list[dict[str, Any]], source: str | Path | None = None
) -> Scenario:
    """The base scenario with the drill's hazards, start, duration and ``set:`` overrides,
    validated; problems the drill file causes name the drill file."""
    label = drill_label(spec, source)
    raw, path = read_base_scenario(spec, base_dir, source)
    _with_hazards(raw, spec, hazards)
    _apply_set(raw, spec, label)
    try:
        return load_scenario_data(raw, path=path)
    except ScenarioError as exc:
        raise DrillError([_blamed(p, raw, spec, label) for p in exc.problems]) from None
