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
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import FieldProblem, Problem, ScenarioError
from ..scenario.problems import problems_from_validation
from ..scenario.quantities import format_duration, parse_duration
from ..scenario.yamlio import read_yaml_mapping

__all__ = ["CAPABILITIES", "DrillSpec", "Participant", "load_drill_spec", "resolve_templates"]

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
        return minutes

    @field_validator("objectives")
    @classmethod
    def _objectives(cls, value: list[str]) -> list[str]:
        for i, name in enumerate(value):
            if name not in CAPABILITIES:
                raise FieldProblem(f"unknown objective {name!r} (one of: {', '.join(CAPABILITIES)})", (i,))
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


def load_drill_spec(path: str | Path) -> tuple[DrillSpec, Path]:
    """Read and validate a drill file; errors name the file, line and field."""
    path = Path(path)
    doc = read_yaml_mapping(path, "drill")
    try:
        return DrillSpec.model_validate(doc.data), path.parent
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, str(path), doc)) from None


_QUANTITY = re.compile(r"^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(.*?)\s*$")


def _bounds(pair: object, path: str) -> tuple[tuple[float, str], tuple[float, str]]:
    """The two ends of a ``between`` range as (number, unit): plain numbers, durations (in
    minutes, any duration units) or two quantities written in the same unit (``"0.6 m/min"``)."""
    if not isinstance(pair, list) or len(pair) != 2:
        raise ScenarioError([Problem(path, (), "between takes two values: [low, high]")])
    if all(isinstance(v, int | float) for v in pair):
        return (float(pair[0]), ""), (float(pair[1]), "")
    try:
        return (parse_duration(pair[0]), "min"), (parse_duration(pair[1]), "min")
    except (ValueError, FieldProblem):
        pass
    parts = [_QUANTITY.match(str(v)) for v in pair]
    if not all(parts) or parts[0].group(2) != parts[1].group(2):
        raise ScenarioError(
            [
                Problem(
                    path,
                    (),
                    f"between {pair}: give two numbers, two durations, or two quantities in the same unit",
                )
            ]
        )
    return (float(parts[0].group(1)), parts[0].group(2)), (float(parts[1].group(1)), parts[1].group(2))


def resolve_templates(spec: DrillSpec, seed: int | None = None) -> tuple[list[dict], dict[str, Any]]:
    """The drill's hazards with every range resolved, and what was drawn (path -> value).

    Unscripted: uniform within ``between``, one of ``choose``, from the drill seed. Scripted: the
    middle of each range, the first choice."""
    rng = np.random.default_rng([spec.seed if seed is None else seed, 0x64726C])
    drawn: dict[str, Any] = {}

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, dict) and set(value) == {"between"}:
            (lo, unit), (hi, _) = _bounds(value["between"], path)
            x = lo + (hi - lo) * (rng.random() if spec.mode == "unscripted" else 0.5)
            if unit == "min":
                drawn[path] = format_duration(x)
                return f"{x:.3f} min"
            drawn[path] = f"{x:.4g} {unit}".strip()
            return x if not unit else f"{x:.6g} {unit}"
        if isinstance(value, dict) and set(value) == {"choose"}:
            options = value["choose"]
            pick = options[int(rng.integers(len(options)))] if spec.mode == "unscripted" else options[0]
            drawn[path] = pick
            return copy.deepcopy(pick)
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    hazards = [walk(h, f"hazards[{i}]") for i, h in enumerate(spec.hazards)]
    return hazards, drawn
