"""Optimisation files: what to place, where it may go, the static model and how simulation decides.

```yaml
name: Pinghu landing points
scenario: pinghu                  # a file (relative to this one) or a built-in name
seed: 2025
set: {run.horizon: "365 d"}       # applied to every layout simulated
place: landing_points             # fire_stations | township_stations | landing_points | township_depots
                                  # | units (how many of unit_type at each station: mexclp)
unit_type: null                   # units: the type placed (e.g. engine)
count: 3                          # how many sites (fire stations: default, as many as now)
moves: 1                          # at most this many existing sites move (stations, depots)
fixed: []                         # ids of existing sites that must stay where they are
budget: null                      # the new sites' costs together at most this (p_median, mclp)
site_cost: 1                      # a new site's cost, unless the candidates file has a cost column
candidates:                       # where they may go (default: every place of these kinds)
  kinds: [township, subdistrict, village, community]
  nodes: []                       # ... or these nodes (added to the kinds)
  file: null                      # ... or a CSV with a `node` column, relative to this file
  exclude: []
model: p_median                   # p_median | mclp | p_center | cover (fewest sites for coverage)
within: "20 min"                  # coverage radius (mclp, cover; and the coverage column)
coverage: null                    # cover: the share of demand to put within the radius
demand: {incident_types: [flood_rescue], replications: 40}
selection: {kpi: response.flood_rescue.capable_mean, delta: 1.0, pcs: 0.95, n0: 10, step: 5,
            max_replications: 200, alternatives: 3, neighbours: 4}
```

Every field is checked like a scenario's: an error names this file, the field and the value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ..errors import FieldProblem, Problem, ScenarioError
from ..scenario.problems import validated_file
from ..scenario.quantities import parse_duration

__all__ = ["OptimizationSpec", "PLACE_KINDS", "load_optimization_spec"]

PlaceKind = Literal["fire_stations", "township_stations", "landing_points", "township_depots", "units",
                    "shelters"]
NodeKind = Literal["township", "subdistrict", "village", "community", "facility_site", "junction"]
PLACE_KINDS: tuple[str, ...] = get_args(PlaceKind)
Minutes = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Candidates(_Strict):
    """Candidate sites: places of ``kinds``, plus ``nodes``, plus a CSV ``file``'s ``node``
    column, less ``exclude``. Township depots stay inside their own disaster area."""

    kinds: tuple[NodeKind, ...] = ("township", "subdistrict", "village", "community")
    nodes: tuple[str, ...] = ()
    file: str | None = None
    exclude: tuple[str, ...] = ()


class Demand(_Strict):
    """Demand weights: the incidents of ``incident_types`` per place, counted over
    ``replications`` draws of the scenario's incidents and hazards (no response simulated), or
    the people at each place (``population: true``). Default types: those the placed things
    serve. Township depots weigh each place by its shelter places. ``roads``: the static model
    drives the roads all ``open``, or as they are ``at_the_call`` of each drawn incident (the
    cuts and floods of its storm), which matters for what storms bring."""

    incident_types: tuple[str, ...] = ()
    replications: int = Field(default=40, ge=1, le=10_000)
    population: bool = False
    roads: Literal["open", "at_the_call"] = "open"


class Selection(_Strict):
    """Ranking and selection by simulation (:mod:`sim.optimize.selection`): the static best,
    its ``alternatives`` next-best static answers and its ``neighbours`` best single moves are
    simulated with common random numbers, with the current layout, and procedure KN picks the
    best ``kpi`` (``section.group.metric``) with probability ``pcs`` of being within ``delta``
    of the best. ``n0`` first replications, then ``step`` more at a time up to
    ``max_replications``."""

    kpi: str | None = Field(default=None, pattern=r"^[^.]+\.[^.]+\.[^.]+$")
    delta: float | None = Field(default=None, gt=0)
    pcs: float = Field(default=0.95, gt=0.5, lt=1)
    n0: int = Field(default=10, ge=3, le=1000)
    step: int = Field(default=5, ge=1, le=1000)
    max_replications: int = Field(default=200, ge=3, le=100_000)
    alternatives: int = Field(default=3, ge=0, le=20)
    neighbours: int = Field(default=4, ge=0, le=50)

    @model_validator(mode="after")
    def _budget_fits(self) -> Selection:
        if self.max_replications < self.n0:
            raise FieldProblem(f"must be at least n0 ({self.n0})", ("max_replications",))
        return self


class OptimizationSpec(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    scenario: str = Field(min_length=1)
    seed: int = Field(default=1, ge=0)
    set: dict[str, Any] = Field(default_factory=dict)
    place: PlaceKind
    count: int | None = Field(default=None, ge=1, le=1000)
    moves: int | None = Field(default=None, ge=0, le=1000)
    fixed: tuple[str, ...] = ()
    budget: float | None = Field(default=None, ge=0)   # the new sites' costs together at most this
    site_cost: float = Field(default=1.0, ge=0)        # a new site's cost unless the candidates file says
    candidates: Candidates = Field(default_factory=Candidates)
    model: Literal["p_median", "mclp", "p_center", "cover", "mexclp"] = "p_median"
    coverage: float | None = Field(default=None, gt=0, le=1)
    unit_type: str | None = None
    busy: float | None = Field(default=None, ge=0, lt=1)  # mexclp; default: measured by simulation
    correction: bool = False  # mexclp: Larson's correction
    within: Minutes | None = None
    demand: Demand = Field(default_factory=Demand)
    selection: Selection = Field(default_factory=Selection)
    time_limit: float = Field(default=120.0, gt=0, le=86_400)


def load_optimization_spec(source: str | Path | dict) -> tuple[OptimizationSpec, Path | None, Any]:
    """The validated spec, the file it came from (None for a mapping) and its parsed document
    (for line numbers). Raises ``ScenarioError`` naming the file, field and problem."""
    spec, path, label, doc = validated_file(source, OptimizationSpec, "optimization")
    problems = []
    line = (lambda *at: doc.line_of(at)) if doc is not None else (lambda *at: None)
    if spec.model in ("mclp", "cover") and spec.within is None:
        problems.append(
            Problem(
                label,
                ("within",),
                f'the {spec.model} model needs a coverage radius (within: "15 min")',
                line("model"),
            )
        )
    if spec.model == "cover" and spec.coverage is None:
        problems.append(
            Problem(
                label,
                ("coverage",),
                "the cover model needs the share of demand to cover within the radius (coverage: 0.95)",
                line("model"),
            )
        )
    if spec.model == "cover" and spec.place != "landing_points":
        problems.append(
            Problem(
                label,
                ("model",),
                f"the cover model decides how many sites to open: it is for "
                f"landing points; {spec.place.replace('_', ' ')} keep their number",
                line("model"),
            )
        )
    if spec.place == "landing_points" and spec.count is None and spec.model != "cover":
        problems.append(
            Problem(
                label,
                ("count",),
                "say how many landing points to place (count: 3), or use model: cover",
                line("place"),
            )
        )
    if (spec.place == "units") != (spec.model == "mexclp"):
        problems.append(
            Problem(
                label,
                ("model",),
                "place: units goes with model: mexclp (units may share a "
                "station), and mexclp with place: units",
                line("model"),
            )
        )
    if spec.place == "units" and not spec.unit_type:
        problems.append(
            Problem(label, ("unit_type",), "say which units to place (unit_type: engine)", line("place"))
        )
    if spec.model == "mexclp" and spec.within is None:
        problems.append(
            Problem(
                label,
                ("within",),
                'the mexclp model needs a coverage radius (within: "8 min")',
                line("model"),
            )
        )
    if spec.place in ("units", "shelters") and spec.moves is not None:
        problems.append(Problem(label, ("moves",), f"moves apply to stations and depots; {spec.place} are "
                                "chosen afresh", line("moves")))
    if spec.place == "shelters" and spec.count is None:
        problems.append(Problem(label, ("count",), "say how many of the shelters to open (count: 100)",
                                line("place")))
    if spec.place == "shelters" and spec.model != "p_median":
        problems.append(Problem(label, ("model",), "shelters are chosen by the capacitated p-median "
                                "(model: p_median)", line("model")))
    budgeted = ("fire_stations", "township_stations", "landing_points")
    if spec.budget is not None and (spec.model not in ("p_median", "mclp") or spec.place not in budgeted):
        problems.append(Problem(label, ("budget",), "a budget goes with the p_median or mclp model, for "
                                "stations and landing points", line("budget")))
    if problems:
        raise ScenarioError(problems, "optimization")
    return spec, path, doc
