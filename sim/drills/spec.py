"""Drill files: the scenario, hazard templates, the kind of drill, objectives, participants,
start, duration, mode and seed.

```yaml
name: 平湖台风防御村庄转移演练 Pinghu typhoon evacuation drill
scenario: ../pinghu.yaml
type: functional               # tabletop | functional | full_scale
form: 实战                      # 桌面 (tabletop) | 实战 (live)
scope: 综合                     # 单项 (single-function) | 综合 (comprehensive)
mode: scripted                 # scripted | unscripted (participants are not told the scenario)
start: "2026-07-15 08:30"
duration: "6 h"
seed: 7
objectives: [warning, evacuation, water_rescue, relief_supplies]
participants:
  - {role: eoc, name: 平湖市应急指挥中心 Pinghu emergency command centre}
  - {role: dispatch, name: 119 指挥中心 fire dispatch centre}
hazards:                       # scenario hazards, with ranges where the drill may vary
  - kind: typhoon
    id: drill-typhoon
    at: {between: ["1 h", "2 h"]}      # landfall, from the drill start
    lead: "50 min"
    ...
standards: 30                  # simulated replications behind the time standards
```

In a hazard template any value may be ``{between: [low, high]}`` (a number or a duration, drawn
uniformly) or ``{choose: [a, b, ...]}`` (one of them). An *unscripted* drill draws them from the
seed; a *scripted* one takes the middle of each range and the first choice. Times in hazard
templates count from the drill start.

A drill file must be a regular file of at most 20 MB (checked before it is read); every
problem with it, down to a range in a hazard template, names the file.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import FieldProblem, Problem, ScenarioError, brief_problem, format_path, one_line, shown
from ..scenario.files import InputFileError, read_input_text
from ..scenario.problems import problems_from_validation
from ..scenario.quantities import format_duration, parse_duration
from ..scenario.yamlio import YamlDocument, YamlSyntaxError, parse_yaml

__all__ = [
    "CAPABILITIES",
    "MAX_DURATION",
    "DrillError",
    "DrillSpec",
    "Participant",
    "drill_label",
    "load_drill_spec",
    "read_drill_document",
    "resolve_templates",
    "template_resolutions",
]

# objectives a drill can exercise, with what they cover (bilingual)
CAPABILITIES = {
    "warning": "预警发布与叫应 warning and call-and-respond",
    "evacuation": "人员转移安置 evacuation and sheltering",
    "dispatch": "接警调度 call taking and dispatch",
    "fire": "灭火救援 firefighting",
    "water_rescue": "水域救援 water rescue",
    "hazmat": "危化品处置 hazardous materials",
    "forest_fire": "森林火灾扑救 forest firefighting",
    "air_ground": "空地协同 air-ground coordination",
    "mutual_aid": "跨区域增援 cross-region mutual aid",
    "relief_supplies": "救灾物资保障 relief supplies",
    "roads": "道路抢通 road clearance",
    "medical": "医疗救护 emergency medical care",
}


MAX_DURATION = 31 * 24 * 60.0  # minutes



class DrillError(ScenarioError):
    """A drill file that cannot be used, with every problem found (each naming the file)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems, "drill")

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Participant(_Strict):
    """A participating organisation: its ``role`` (what injects go to), name and units."""

    role: str = Field(min_length=1)
    name: str = Field(min_length=1)
    units: list[str] = Field(default_factory=list)


class DrillSpec(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    scenario: str
    type: Literal["tabletop", "functional", "full_scale"] = "functional"
    form: Literal["桌面", "实战"] = "实战"
    scope: Literal["单项", "综合"] = "综合"
    mode: Literal["scripted", "unscripted"] = "scripted"
    start: dt.datetime
    duration: float
    seed: int = Field(default=1, ge=0)
    objectives: list[str] = Field(min_length=1)
    participants: list[Participant] = Field(min_length=1)
    hazards: list[dict[str, Any]] = Field(min_length=1)
    standards: int = Field(default=30, ge=5, le=2000)
    max_injects: int = Field(default=60, ge=1)
    set: dict[str, Any] = Field(default_factory=dict)

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float:
        minutes = parse_duration(value)
        if minutes <= 0:
            raise FieldProblem("a drill must last some time")
        if minutes > MAX_DURATION:
            raise FieldProblem(f"a drill lasts at most {format_duration(MAX_DURATION)}")
        return minutes

    @model_validator(mode="after")
    def _ends(self) -> DrillSpec:
        try:
            self.start + dt.timedelta(minutes=self.duration)
        except OverflowError:
            raise FieldProblem("the drill would end after the year 9999", ("start",)) from None
        return self

    @field_validator("objectives")
    @classmethod
    def _objectives(cls, value: list[str]) -> list[str]:
        for i, name in enumerate(value):
            if name not in CAPABILITIES:
                raise FieldProblem(
                    f"unknown objective {shown(name)} (one of: {', '.join(CAPABILITIES)})", (i,)
                )
        return value

    @field_validator("participants")
    @classmethod
    def _roles(cls, value: list[Participant]) -> list[Participant]:
        roles = [p.role for p in value]
        missing = [r for r in ("eoc", "dispatch") if r not in roles]
        if missing:
            raise FieldProblem(f"participants need the roles {', '.join(missing)} (injects go to them)")
        return value

    @property
    def type_label(self) -> str:
        names = {
            "tabletop": "桌面推演 tabletop",
            "functional": "功能演练 functional",
            "full_scale": "全面演练 full-scale",
        }
        return (
            f"{names[self.type]} / {self.form}{'(tabletop)' if self.form == '桌面' else '(live)'} / "
            f"{self.scope}{'(single-function)' if self.scope == '单项' else '(comprehensive)'}"
        )

    def role_name(self, role: str) -> str:
        return next((p.name for p in self.participants if p.role == role), role)


def drill_label(spec: DrillSpec, source: str | Path | None) -> str:
    """How problems name the drill: its file when known, else its name."""
    return str(source) if source is not None else spec.name


def read_drill_document(path: Path) -> YamlDocument:
    """The drill file's YAML, which must be a mapping with no key given twice. A path that is
    not a regular file, or a file over 20 MB, is refused before it is read; a binary or
    non-UTF-8 file before it is parsed."""
    shown = str(path)
    try:
        doc = parse_yaml(read_input_text(path, "drill file"))
    except InputFileError as exc:
        raise DrillError([Problem(shown, (), exc.reason)]) from None
    except YamlSyntaxError as exc:
        raise DrillError([Problem(shown, (), one_line(str(exc)), exc.line)]) from None
    if doc.duplicates:
        raise DrillError(
            [
                Problem(shown, p, "this key appears twice in the same mapping", line)
                for p, line in doc.duplicates
            ]
        )
    if not isinstance(doc.data, dict):
        raise DrillError([Problem(shown, (), "a drill file holds a mapping (name, scenario, ...)")])
    return doc


def _problems(exc: ValidationError, path: Path, doc: YamlDocument) -> list[Problem]:
    return [brief_problem(p) for p in problems_from_validation(exc, str(path), doc)]


def load_drill_spec(path: str | Path) -> tuple[DrillSpec, Path]:
    """Read and validate a drill file; errors name the file, line and field. A path that is
    not a regular file, or a file over 20 MB, is refused before it is read."""
    path = Path(path)
    doc = read_drill_document(path)
    try:
        return DrillSpec.model_validate(doc.data), path.parent
    except ValidationError as exc:
        raise DrillError(_problems(exc, path, doc)) from None


_QUANTITY = re.compile(r"^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(.*?)\s*$")
_Where = tuple[str, tuple[str | int, ...]]  # (drill file, field path)
_Bound = tuple[float, str]


def _template_error(where: _Where, message: str) -> ScenarioError:
    return DrillError([Problem(where[0], where[1], message)])


def _quantities(pair: list[Any], where: _Where) -> tuple[_Bound, _Bound]:
    """Two quantities written in the same unit (``"0.6 m/min"``)."""
    parts = [_QUANTITY.match(str(v)) for v in pair]
    low, high = parts
    if low is None or high is None or low.group(2) != high.group(2):
        raise _template_error(
            where,
            f"between {shown(pair)}: give two numbers, two durations, or two quantities in the same unit",
        )
    return (float(low.group(1)), low.group(2)), (float(high.group(1)), high.group(2))


def _bounds(pair: object, where: _Where) -> tuple[_Bound, _Bound]:
    """The two ends of a ``between`` range as (number, unit): plain numbers, durations (in
    minutes, any duration units) or two quantities written in the same unit (``"0.6 m/min"``)."""
    if not isinstance(pair, list) or len(pair) != 2:
        raise _template_error(where, "between takes two values: [low, high]")
    if all(isinstance(v, int | float) for v in pair):
        ends = (float(pair[0]), ""), (float(pair[1]), "")
    else:
        try:
            ends = (parse_duration(pair[0]), "min"), (parse_duration(pair[1]), "min")
        except (ValueError, TypeError, FieldProblem):
            ends = _quantities(pair, where)
    if not all(math.isfinite(value) for value, _ in ends):
        raise _template_error(where, f"between {shown(pair)}: both ends must be finite")
    return ends


def _options(value: object, where: _Where) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _template_error(where, "choose takes a list of one or more values: [a, b, ...]")
    return value


def _resolve(
    spec: DrillSpec, source: str, fraction: Callable[[], float], pick: Callable[[int], int]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The hazards with every range at ``fraction()`` of its way and choice ``pick(n)``."""
    drawn: dict[str, Any] = {}

    def walk(value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, dict) and set(value) == {"between"}:
            (lo, unit), (hi, _) = _bounds(value["between"], (source, path))
            x = lo + (hi - lo) * fraction()
            if unit == "min":
                drawn[format_path(path)] = format_duration(x)
                return f"{x:.3f} min"
            drawn[format_path(path)] = f"{x:.4g} {unit}".strip()
            return x if not unit else f"{x:.6g} {unit}"
        if isinstance(value, dict) and set(value) == {"choose"}:
            options = _options(value["choose"], (source, path))
            choice = options[pick(len(options))]
            drawn[format_path(path)] = choice
            return copy.deepcopy(choice)
        if isinstance(value, dict):
            return {k: walk(v, path + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, path + (i,)) for i, v in enumerate(value)]
        return value

    hazards = [walk(h, ("hazards", i)) for i, h in enumerate(spec.hazards)]
    return hazards, drawn


def resolve_templates(
    spec: DrillSpec, seed: int | None = None, source: str | Path | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The drill's hazards with every range resolved, and what was drawn (path -> value).

    Unscripted: uniform within ``between``, one of ``choose``, from the drill seed. Scripted: the
    middle of each range, the first choice. Problems name ``source`` (the drill file)."""
    rng = np.random.default_rng([spec.seed if seed is None else seed, 0x64726C])
    label = drill_label(spec, source)
    if spec.mode == "unscripted":
        return _resolve(spec, label, rng.random, lambda n: int(rng.integers(n)))
    return _resolve(spec, label, lambda: 0.5, lambda n: 0)


def template_resolutions(
    spec: DrillSpec, source: str | Path | None = None
) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Resolutions that between them take every choice and both ends of every range (what
    unscripted draws can give): the low ends with choice 1, 2, ..., then the high ends."""
    label = drill_label(spec, source)
    sizes: list[int] = [1]

    def first(n: int) -> int:
        sizes.append(n)
        return 0

    _resolve(spec, label, _at(0.0), first)
    return [_resolve(spec, label, _at(end), _nth(k)) for end in (0.0, 1.0) for k in range(max(sizes))]


def _at(end: float) -> Callable[[], float]:
    return lambda: end


def _nth(k: int) -> Callable[[int], int]:
    return lambda n: k % n
