"""Experiment files: a base scenario, its variants, replications and a root seed.

```yaml
name: Pinghu layouts
scenario: pinghu                 # a file (relative to this one) or a built-in name
replications: 40
seed: 2025
set: {run.horizon: "365 d"}      # applied to every variant
grid:                            # every combination of these values
  units.engine.count: [1, 2]
layouts:                         # named layout variants ("base" = the scenario as it is)
  base: {}
  new-station:
    add: {facilities: [{id: fs-new, kind: fire_station, node: xincang}],
          units: [{type: engine, capabilities: [fire], base: fs-new, count: 2}]}
  heli-at-dushan: {set: {units.helicopter.base: lp-dushangang}}
  no-zhapu: {remove: {facilities: [fs-zhapu], units: [engine@fs-zhapu]}}
hazard_sets:                     # replace the scenario's hazards (null keeps them)
  scenario: null
  none: []
baseline: base                   # what paired differences are taken against (default: the first)
stop: {kpi: response.all.response_mean, half_width: 0.5, step: 20, max_replications: 400}
```

The variants are every combination of layout, grid point and hazard set, named by the parts that
vary (``new-station | units.engine.count=2``). Every variant runs replications ``0 .. n-1`` with
the same root seed: the same replication draws the same incidents and hazards in every variant
that keeps them (common random numbers), so differences between variants are paired.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import FieldProblem, Problem, ScenarioError, format_path, shown
from ..scenario.files import InputFileError, is_bare_name, read_input_text
from ..scenario.loader import Scenario, load_scenario_data, resolve_scenario_path
from ..scenario.overrides import set_path
from ..scenario.places import expand_places
from ..scenario.problems import validated_file
from ..scenario.yamlio import YamlSyntaxError, parse_yaml

__all__ = ["Experiment", "ExperimentSpec", "Variant", "load_experiment"]

MAX_VARIANTS = 10_000
MAX_REPLICATIONS = 10_000_000   # variants x replications of one batch
LIST_SECTIONS = ("facilities", "units", "depots", "shelters", "hazards", "generators", "prepositioning")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Layout(_Strict):
    """A named layout: fields to set (as ``--set``), items to add to list sections, and items to
    remove from them by id (units by ``id``, default ``type@base``)."""

    set: dict[str, Any] = Field(default_factory=dict)
    add: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    remove: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("add", "remove")
    @classmethod
    def _sections(cls, value: dict) -> dict:
        for section in value:
            if section not in LIST_SECTIONS:
                raise FieldProblem(f"unknown section {section!r} (one of: {', '.join(LIST_SECTIONS)})",
                                   (section,))
        return value


class Stop(_Strict):
    """Sequential stopping: add ``step`` replications to every variant whose ``kpi`` (``section.
    group.metric``) still has a 95 % CI half-width above ``half_width``, up to ``max_replications``."""

    kpi: str = Field(pattern=r"^[^.]+\.[^.]+\.[^.]+$")
    half_width: float = Field(gt=0)
    step: int = Field(default=20, ge=2)
    max_replications: int = Field(default=1000, ge=2)


class ExperimentSpec(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    scenario: str = Field(min_length=1)
    replications: int = Field(default=20, ge=1, le=1_000_000)
    seed: int = Field(default=1, ge=0)
    set: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    layouts: dict[str, Layout | None] = Field(default_factory=dict)
    hazard_sets: dict[str, list[dict[str, Any]] | None] = Field(default_factory=dict)
    baseline: str | None = None
    stop: Stop | None = None

    @field_validator("grid")
    @classmethod
    def _grid_values(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for path, values in grid.items():
            if not values:
                raise FieldProblem("give at least one value", (path,))
        return grid

    @property
    def variant_count(self) -> int:
        """How many variants the layouts, grid points and hazard sets make."""
        count = max(1, len(self.layouts)) * max(1, len(self.hazard_sets))
        for values in self.grid.values():
            count *= len(values)
        return count

    @model_validator(mode="after")
    def _not_too_large(self) -> ExperimentSpec:
        count = self.variant_count
        if count > MAX_VARIANTS:
            raise FieldProblem(f"makes {count:,} variants (layouts x grid points x hazard sets); at most "
                               f"{MAX_VARIANTS:,} are allowed: split the experiment", ("grid",))
        most = max(self.replications, self.stop.max_replications if self.stop else 0)
        if count * most > MAX_REPLICATIONS:
            raise FieldProblem(f"asks for up to {count * most:,} replications ({count:,} variants x "
                               f"{most:,}); "
                               f"at most {MAX_REPLICATIONS:,} in one batch", ("replications",))
        return self

    @model_validator(mode="after")
    def _stop_fits(self) -> ExperimentSpec:
        if self.stop is not None and self.stop.max_replications < self.replications:
            raise FieldProblem("max_replications must be at least replications", ("stop", "max_replications"))
        return self


@dataclass
class Variant:
    """One variant: its name, the scenario it runs and what makes it differ from the base."""

    index: int
    name: str
    scenario: Scenario
    changes: dict[str, Any]
    raw: dict[str, Any] | None = None   # the variant's scenario as a mapping (places written out)


@dataclass
class Experiment:
    """A loaded experiment: its spec, variants (all validated) and where it came from."""

    spec: ExperimentSpec
    variants: list[Variant]
    path: Path | None

    @property
    def baseline(self) -> Variant:
        name = self.spec.baseline
        return next(v for v in self.variants if v.name == name) if name else self.variants[0]

    @property
    def digest(self) -> str:
        """Identifies the experiment: its settings and every variant's scenario digest."""
        h = hashlib.sha256(json.dumps(self.spec.model_dump(mode="json"), sort_keys=True).encode())
        for v in self.variants:
            h.update(f"{v.name}\0{v.scenario.digest}\0".encode())
        return h.hexdigest()[:16]


def load_experiment(source: str | Path | dict, *, base_dir: Path | None = None) -> Experiment:
    """Load and validate an experiment file (or mapping), building and validating every variant.

    Raises ``ScenarioError`` listing the problems, each naming the experiment file (and the
    variant, for a variant whose scenario is invalid)."""
    spec, path, label, doc = validated_file(source, ExperimentSpec, "experiment")
    folder = base_dir or (path.parent if path is not None else Path.cwd())
    variants = _variants(spec, folder, label, doc)
    names = [v.name for v in variants]
    if spec.baseline is not None and spec.baseline not in names:
        line = doc.line_of(("baseline",)) if doc else None
        raise ScenarioError([Problem(label, ("baseline",), f"no variant named {spec.baseline!r} "
                                     f"(variants: {', '.join(names)})", line)], "experiment")
    return Experiment(spec, variants, path)


def _scenario_source(spec: ExperimentSpec, naming_file: Path, label: str, doc: Any) -> tuple[dict, Path]:
    """The base scenario's mapping and path; every problem names the experiment file and its
    ``scenario`` field, and the target."""
    resolved = resolve_scenario_path(spec.scenario, naming_file)
    line = doc.line_of(("scenario",)) if doc else None

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(label, ("scenario",), message, line)], "experiment")

    if not resolved.exists():
        builtin = "built-in scenario or " if is_bare_name(spec.scenario) else ""
        raise refuse(f"no {builtin}scenario file {shown(spec.scenario)} (looked for {resolved}; a path "
                     "is relative to the experiment file, a bare name like 'pinghu' is a built-in)")
    try:
        parsed = parse_yaml(read_input_text(resolved, "scenario file")).data
    except InputFileError as exc:
        raise refuse(f"{resolved} {exc.reason}") from None
    except YamlSyntaxError as exc:
        at = f" (line {exc.line})" if exc.line else ""
        raise refuse(f"the scenario {resolved} is not valid YAML{at}: {exc}") from None
    if not isinstance(parsed, dict):
        raise refuse(f"the scenario {resolved} does not hold a mapping of sections (name, region, ...)")
    expanded, places = expand_places(parsed, resolved, str(resolved))  # layouts may change places too
    if places.problems:
        raise ScenarioError(places.problems)
    return expanded, resolved


def _variants(spec: ExperimentSpec, folder: Path, label: str, doc: Any) -> list[Variant]:
    base_raw, scenario_path = _scenario_source(spec, folder / "experiment.yaml", label, doc)
    layouts = list(spec.layouts.items()) or [("base", None)]
    grid_points = [dict(zip(spec.grid, values, strict=True))
                   for values in itertools.product(*spec.grid.values())]
    hazard_sets = list(spec.hazard_sets.items()) or [("scenario", None)]
    variants: list[Variant] = []
    problems: list[Problem] = []
    for layout, point, (hazard_name, hazards) in itertools.product(layouts, grid_points, hazard_sets):
        parts = []
        if len(layouts) > 1:
            parts.append(layout[0])
        if len(grid_points) > 1:
            parts.append(", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in point.items()))
        if len(hazard_sets) > 1:
            parts.append(f"hazards={hazard_name}")
        name = " | ".join(parts) or "base"
        changes = {"layout": layout[0], "grid": point, "hazards": hazard_name}
        try:
            raw = _variant_raw(base_raw, spec, layout, point, hazards)
        except _ChangeProblem as exc:
            line = doc.line_of(exc.field) if doc else None
            problem = Problem(label, exc.field, f"variant {name!r}: {exc}", line)
            if problem not in problems:  # the same bad change in many variants is told once
                problems.append(problem)
            continue
        try:
            scenario = load_scenario_data(raw, path=scenario_path)
        except ScenarioError as exc:
            problems.extend(Problem(label, p.path, f"variant {name!r}: {p.message}") for p in exc.problems)
            continue
        variants.append(Variant(len(variants), name, scenario, changes, raw))
    if problems:
        raise ScenarioError(problems, "experiment")
    return variants


class _ChangeProblem(ValueError):
    """A variant change that cannot be applied, with the experiment field it comes from."""

    def __init__(self, message: str, field: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.field = field


def _apply(raw: dict, path: str, value: object, field: tuple[str | int, ...]) -> None:
    try:
        set_path(raw, path, value)
    except FieldProblem as exc:
        where = f" (at {format_path(exc.subpath)})" if exc.subpath else ""
        raise _ChangeProblem(f"{path}: {exc}{where}", field) from None


def _variant_raw(base: dict, spec: ExperimentSpec, layout: tuple[str, Layout | None], point: dict[str, Any],
                 hazards: list[dict] | None) -> dict:
    raw = copy.deepcopy(base)
    for path, value in spec.set.items():
        _apply(raw, path, value, ("set", path))
    name, changes = layout
    if changes is not None:
        for section, ids in changes.remove.items():
            items = raw.get(section, [])
            for ident in ids:
                keep = [item for item in items if _item_id(section, item) != ident]
                if len(keep) == len(items):
                    raise _ChangeProblem(f"no {section} item with id {ident!r} to remove",
                                         ("layouts", name, "remove", section))
                items = keep
            raw[section] = items
        for section, items in changes.add.items():
            raw[section] = [*raw.get(section, []), *copy.deepcopy(items)]
        for path, value in changes.set.items():
            _apply(raw, path, value, ("layouts", name, "set", path))
    for path, value in point.items():
        _apply(raw, path, value, ("grid", path))
    if hazards is not None:
        raw["hazards"] = copy.deepcopy(hazards)
        if not hazards:
            for section in ("evacuation", "prepositioning"):
                raw.pop(section, None)
    return raw


def _item_id(section: str, item: object) -> str | None:
    if not isinstance(item, dict):
        return None
    if "id" in item:
        return str(item["id"])
    if section == "units" and "type" in item and "base" in item:
        return f"{item['type']}@{item['base']}"
    return None
