"""The ``hazards:`` and ``prepositioning:`` sections of a scenario file.

Each hazard is either *scripted* (``at``: a time from the scenario start such as ``"220 d"``, or
a date and time such as ``"2025-08-10 06:00"``) or *generated* (``rate`` per year, shaped by a
monthly ``season`` profile). Intensities are numbers from 0 (untouched) to 1 (the hazard's full
strength); probabilities and multipliers are given for intensity 1 and scale linearly with it.
See :mod:`sim.model.hazards` for what each kind does in a run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from ..errors import FieldProblem, shown
from .distributions import Distribution, parse_distribution
from .limits import MAX_CASUALTIES, MAX_RATE_MULTIPLIER, at_most
from .quantities import NUMBER, SPEED, parse_distance, parse_duration
from .schema import (
    Delay,
    Id,
    Km,
    NonNegDuration,
    PositiveDuration,
    Rate,
    Speed,
    Strict,
    Where,
    WorkTime,
    bounded,
)

__all__ = [
    "ChemicalAccident",
    "Earthquake",
    "ForestFire",
    "HAZARD_KINDS",
    "Hazard",
    "HazardIncidents",
    "Landslide",
    "Outages",
    "Prepositioning",
    "RoadCuts",
    "RoadSelection",
    "Typhoon",
    "hazard_load",
]


def _time_point(value: object) -> float | dt.datetime:
    """Minutes from the scenario start (``"220 d"``) or a calendar time (``"2025-08-10 06:00"``)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    try:
        minutes = parse_duration(value)
    except ValueError:
        try:
            return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)
        except ValueError:
            raise ValueError(f"expected a time from the start like '220 d' or a date and time like "
                             f"'2025-08-10 06:00', got {shown(value)}") from None
    if minutes < 0:
        raise ValueError(f"must not be negative (got {shown(value)})")
    return minutes


TimePoint = Annotated[float | dt.datetime, BeforeValidator(_time_point)]
Distance = Annotated[float, BeforeValidator(bounded(parse_distance, positive=True))]
Probability = Annotated[float, Field(ge=0, le=1)]
Monthly = tuple[Annotated[float, Field(ge=0)], ...]
SpeedDist = Annotated[Distribution, BeforeValidator(lambda v: parse_distribution(v, quantity=SPEED))]
NumberDist = Annotated[Distribution, BeforeValidator(lambda v: parse_distribution(v, quantity=NUMBER))]


class _Timed(Strict):
    """Scripted (``at``) or generated (``rate`` with an optional monthly ``season``)."""

    at: TimePoint | None = None
    rate: Rate | None = None
    season: Monthly | None = None

    @model_validator(mode="after")
    def _scripted_or_generated(self) -> _Timed:
        if (self.at is None) == (self.rate is None):
            raise FieldProblem("give either 'at' (a scripted event) or 'rate' (generated events)")
        if self.season is not None:
            if self.at is not None:
                raise FieldProblem("a season profile only applies to generated events", ("season",))
            if len(self.season) != 12 or sum(self.season) <= 0:
                raise FieldProblem("needs 12 monthly weights, not all zero", ("season",))
        return self


class HazardIncidents(Strict):
    """Incidents a hazard creates while it lasts: ``rate`` at intensity 1, spread over ``where``."""

    type: Id
    rate: Rate
    where: Where = Field(default_factory=Where)


class RoadSelection(Strict):
    """Roads named by what they are, with the ``probability`` (at intensity 1) that the event
    cuts each of them: OSM ``ways`` (ids), road ``names`` (any of a road's names, case
    insensitive), ``bridges`` or ``tunnels``, road ``classes``, or the roads with a point inside
    a ``box`` (west, south, east, north) or a ``polygon`` (lon, lat points). A road is selected
    when it meets every criterion given (bridges inside a box, say)."""

    probability: Probability = 1.0
    ways: tuple[Id, ...] = ()
    names: tuple[str, ...] = ()
    bridges: bool = False
    tunnels: bool = False
    classes: tuple[str, ...] = ()
    box: tuple[float, float, float, float] | None = None
    polygon: tuple[tuple[float, float], ...] | None = None

    @model_validator(mode="after")
    def _something(self) -> RoadSelection:
        if not (self.ways or self.names or self.bridges or self.tunnels or self.classes or self.box
                or self.polygon):
            raise FieldProblem("name the roads: ways, names, bridges, tunnels, classes, box or polygon")
        if self.box is not None:
            west, south, east, north = self.box
            if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
                raise FieldProblem("a box is [west, south, east, north] in degrees, west < east and "
                                   "south < north", ("box",))
        if self.polygon is not None and len(self.polygon) < 3:
            raise FieldProblem("a polygon needs at least 3 points", ("polygon",))
        return self


class Flooding(Strict):
    """Roads under water but passable: each road not cut floods with ``probability`` plus the
    sum of its ``tags`` (at intensity 1), at a uniform time during the event, and is driven
    ``factor`` times slower until the water goes, ``lasts`` later."""

    probability: Probability = 0.0
    tags: dict[str, Probability] = Field(default_factory=dict)
    factor: float = Field(default=2.5, ge=1.0, le=100.0)
    lasts: Delay = Field(default_factory=lambda: parse_distribution("6 h"))


class Isolation(Strict):
    """Places cut off whole: each is isolated (every road at it closed) with ``probability``
    plus the sum of its ``tags`` (at intensity 1), at a uniform time during the event, until
    the water goes, ``lasts`` later: a low-lying village becomes an island (孤岛), the cuts
    of its roads going together rather than one by one. With ``incident_type``, people trapped
    there call with ``incident_probability``, at a uniform time while it is cut off."""

    probability: Probability = 0.0
    tags: dict[str, Probability] = Field(default_factory=dict)
    lasts: Delay = Field(default_factory=lambda: parse_distribution("12 h"))
    incident_type: Id | None = None
    incident_probability: Probability = 0.5


class RoadCuts(Strict):
    """Each road is cut with ``probability`` plus the sum of its ``tags`` and of the
    ``roads`` selections it is in (at intensity 1), at a uniform time during the event, and
    reopens after ``repair``. ``flooding``: roads that stay open but slow; ``isolation``:
    places whose roads are all cut at once.

    ``per_km``: the probabilities (of cuts and floods) are those of a road this long; a road of
    ``L`` km is cut with ``1 - (1 - p) ** (L / per_km)``, as if each stretch failed on its own,
    so a network drawn finer does not get more cuts. ``step``: cuts, repairs, floods and their
    ebb take effect at the next multiple of ``step`` from the start of the run (as a command
    post's road reports come), so a large network goes through fewer road states."""

    probability: Probability = 0.0
    tags: dict[str, Probability] = Field(default_factory=dict)
    roads: list[RoadSelection] = Field(default_factory=list)
    repair: Delay = Field(default_factory=lambda: parse_distribution("12 h"))
    flooding: Flooding | None = None
    isolation: Isolation | None = None
    per_km: Km | None = None
    step: PositiveDuration | None = None


class Outages(Strict):
    """'Three cuts': communication and power outages per node (probabilities at intensity 1).

    While communications are down at a node, detection and report delays of its incidents are
    multiplied by ``delay_factor``, and so is the time the warning chain takes to reach its
    people while it passes (:mod:`sim.model.evacuation_plan`). While the power is down,
    detection delays are multiplied by ``power_factor`` (no video, alarms or sensors; the
    stronger factor counts where both are down), and power cuts are recorded (people-hours)."""

    communication: Probability = 0.0
    power: Probability = 0.0
    restore: Delay = Field(default_factory=lambda: parse_distribution("12 h"))
    delay_factor: float = Field(default=2.0, ge=1.0, le=100.0)
    power_factor: float = Field(default=1.5, ge=1.0, le=100.0)


class TrackPoint(Strict):
    at: TimePoint
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class Typhoon(_Timed):
    """A typhoon (with wind) or heavy rain (without): warned ``lead`` before landfall, lasting
    ``duration``. Intensity per node comes from ``intensity`` (node ids, ``tag:NAME`` or
    ``default``) or from a ``track`` and ``radius`` (1 on the track, falling to 0 at the radius)."""

    kind: Literal["typhoon", "heavy_rain"]
    id: Id
    lead: Delay = Field(default_factory=lambda: parse_distribution("48 h"))
    duration: WorkTime = Field(default_factory=lambda: parse_distribution("24 h"))
    severity: NumberDist = Field(default_factory=lambda: parse_distribution(1.0, quantity=NUMBER))
    intensity: dict[str, Annotated[float, Field(ge=0, le=1)]] | None = None
    track: list[TrackPoint] | None = None
    radius: Distance | None = None
    peak_wind: Speed | None = None
    rate_multipliers: dict[Id, Annotated[float, Field(ge=0), at_most(
        MAX_RATE_MULTIPLIER, "times the usual rate")]] = Field(default_factory=dict)
    incidents: list[HazardIncidents] = Field(default_factory=list)
    road_cuts: RoadCuts | None = None
    outages: Outages | None = None

    @model_validator(mode="after")
    def _footprint(self) -> Typhoon:
        if (self.intensity is None) == (self.track is None):
            raise FieldProblem("give the footprint as 'intensity' (per node or tag) or as a 'track' "
                               "with a 'radius'")
        if self.track is not None and (self.radius is None or len(self.track) < 1):
            raise FieldProblem("a track needs at least one point and a radius", ("radius",))
        if self.kind == "heavy_rain" and self.peak_wind is not None:
            raise FieldProblem("heavy rain has no wind; use kind: typhoon", ("peak_wind",))
        return self


class Landslide(Strict):
    """Mountain torrents and landslides, triggered by rain events at susceptible nodes."""

    kind: Literal["landslide"]
    id: Id
    triggered_by: tuple[Id, ...] = ()
    where: Where = Field(default_factory=lambda: Where(tags=("mountain",), weight="uniform"))
    probability: Probability = 0.3
    incident_type: Id | None = None
    incident_probability: Probability = 0.5
    cut_probability: Probability = 1.0
    repair: Delay = Field(default_factory=lambda: parse_distribution("24 h"))


class FireDetection(Strict):
    """A share ``coverage`` of the forest is watched by sensors and cameras (detected after
    ``covered``); elsewhere people notice the fire (after ``uncovered``)."""

    coverage: Probability = 0.0
    covered: Delay = Field(default_factory=lambda: parse_distribution("10 min"))
    uncovered: Delay = Field(default_factory=lambda: parse_distribution("45 min"))


class ForestFire(_Timed):
    """Forest fires growing as ellipses until contained (see :mod:`sim.model.fire`).

    ``spread_rate`` is the head fire's rate of spread without wind; fuel (by node tag), the
    month's dryness and the fire's wind raise it."""

    kind: Literal["forest_fire"]
    id: Id
    node: Id | None = None
    where: Where = Field(default_factory=lambda: Where(tags=("forest",), weight="forest"))
    incident_type: Id
    spread_rate: SpeedDist
    wind: SpeedDist = Field(default_factory=lambda: parse_distribution("2 m/s", quantity=SPEED))
    fuel: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    dryness: Monthly | None = None
    detection: FireDetection = Field(default_factory=FireDetection)
    max_duration: PositiveDuration = Field(default_factory=lambda: parse_duration("72 h"))
    damage_target: float = Field(default=0.3, ge=0)

    @model_validator(mode="after")
    def _fire_fields(self) -> ForestFire:
        if self.node is not None and self.at is None:
            raise FieldProblem("a fixed node goes with a scripted fire ('at')", ("node",))
        if self.dryness is not None and (len(self.dryness) != 12 or min(self.dryness) <= 0):
            raise FieldProblem("needs 12 positive monthly multipliers", ("dryness",))
        return self


class ChemicalOutcome(Strict):
    probability: Probability
    incident_type: Id
    radius: Distance
    casualties: Annotated[float, Field(ge=0), at_most(MAX_CASUALTIES, "casualties on average")] = 0.0


class ChemicalAccident(_Timed):
    """A leak, fire or explosion at a chemical site: an incident, casualties and an evacuation
    radius (the nodes inside it are recorded)."""

    kind: Literal["chemical"]
    id: Id
    node: Id | None = None
    where: Where = Field(default_factory=lambda: Where(tags=("chemical",), weight="uniform"))
    outcomes: dict[Literal["leak", "fire", "explosion"], ChemicalOutcome] = Field(min_length=1)
    casualty_type: Id | None = None

    @model_validator(mode="after")
    def _probabilities(self) -> ChemicalAccident:
        total = sum(o.probability for o in self.outcomes.values())
        if abs(total - 1.0) > 1e-6:
            raise FieldProblem(f"outcome probabilities must sum to 1 (they sum to {total:g})",
                               ("outcomes",))
        return self


class Attenuation(Strict):
    """Intensity at hypocentral distance R km: I = a + b M - c ln(R + r0)."""

    a: float = 6.0
    b: float = 1.4
    c: float = 2.0
    r0: Distance = 25.0


class Fragility(Strict):
    """Share affected at intensity I: Phi((I - median) / spread)."""

    median: float = 8.5
    spread: float = Field(default=1.0, gt=0)


class Collapses(Fragility):
    incident_type: Id
    per_10k: float = Field(default=20.0, ge=0)
    within: Delay = Field(default_factory=lambda: parse_distribution(
        {"dist": "exponential", "mean": "30 min"}))


class RoadSlowing(Fragility):
    """Roads damaged but passable (cracks, debris, one lane): driven ``factor`` times slower
    until repaired (the road damage's ``repair``)."""

    median: float = 7.5
    factor: float = Field(default=2.0, ge=1.0, le=100.0)


class RoadDamage(Fragility):
    """Roads cut at shaking I with the share given by the fragility; of the others, those
    ``slowed`` (a fragility of its own, at lower intensities) are driven slower."""

    median: float = 9.0
    repair: Delay = Field(default_factory=lambda: parse_distribution("48 h"))
    slowed: RoadSlowing | None = None


class Epicentre(Strict):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class Earthquake(_Timed):
    """A burst of collapse incidents with spatial decay, and road damage."""

    kind: Literal["earthquake"]
    id: Id
    epicentre: Epicentre | None = None
    magnitude: Annotated[float, Field(ge=0, le=10)] | None = None
    magnitude_range: tuple[float, float] = (4.5, 7.0)
    b_value: float = Field(default=1.0, gt=0)
    depth: Distance = 10.0
    attenuation: Attenuation = Field(default_factory=Attenuation)
    collapse: Collapses
    road_damage: RoadDamage | None = None

    @model_validator(mode="after")
    def _source(self) -> Earthquake:
        if self.at is not None and (self.epicentre is None or self.magnitude is None):
            raise FieldProblem("a scripted earthquake needs an epicentre and a magnitude")
        low, high = self.magnitude_range
        if not 0 <= low < high <= 10:
            raise FieldProblem("needs 0 <= low < high <= 10", ("magnitude_range",))
        return self


Hazard = Annotated[Typhoon | Landslide | ForestFire | ChemicalAccident | Earthquake,
                   Field(discriminator="kind")]
HAZARD_KINDS = ("typhoon", "heavy_rain", "landslide", "forest_fire", "chemical", "earthquake")


class Move(Strict):
    """Unit group ``units`` takes staging post ``to`` as its base; while staged its ``turnout``
    is this one if given (on standby at the post: crews assembled, vehicles ready)."""

    units: Id
    to: Id
    turnout: Delay | None = None


class Prepositioning(Strict):
    """On a warning of ``hazard`` (a hazard id, or a kind such as ``typhoon``), unit groups
    move to staging posts, and return ``return_after`` the event ends."""

    hazard: Id
    moves: list[Move] = Field(min_length=1)
    return_after: NonNegDuration = 360.0


# ---------------------------------------------------------------- expected load

def _events(hazard: _Timed, horizon: float) -> float:
    """Expected events of a scripted (one) or generated (rate x horizon) hazard."""
    return 1.0 if hazard.at is not None or hazard.rate is None else hazard.rate * horizon


def _per_event(hazard: _Timed, rates: Mapping[str, float], population: float) -> float:
    """Incidents one event brings at full intensity (an upper estimate)."""
    if isinstance(hazard, Typhoon):
        extra = sum(item.rate for item in hazard.incidents)
        extra += sum(rates.get(kind, 0.0) * max(m - 1.0, 0.0) for kind, m in hazard.rate_multipliers.items())
        return hazard.duration.mean * extra
    if isinstance(hazard, ChemicalAccident):
        return 1.0 + max(o.casualties for o in hazard.outcomes.values())
    if isinstance(hazard, Earthquake):
        return hazard.collapse.per_10k * population / 10_000
    return 1.0  # a forest fire


def hazard_load(hazards: Sequence[Typhoon | Landslide | ForestFire | ChemicalAccident | Earthquake],
                horizon: float, rates: Mapping[str, float], population: float,
                nodes: int) -> list[tuple[float, float]]:
    """``(events, incidents)`` each hazard is expected to bring in one replication of ``horizon``
    minutes, at full intensity: ``rates`` are the generators' incidents per minute by type
    (for a typhoon's rate multipliers), ``population`` all people (for earthquake collapses),
    ``nodes`` the number of nodes (each can slide when a rain event triggers landslides)."""
    rains = {h.id: _events(h, horizon) for h in hazards if isinstance(h, Typhoon)}
    out = []
    for h in hazards:
        if isinstance(h, Landslide):
            triggers = sum(n for hid, n in rains.items() if not h.triggered_by or hid in h.triggered_by)
            slides = triggers * nodes * h.probability
            out.append((slides, slides * h.incident_probability))
        else:
            events = _events(h, horizon)
            out.append((events, events * _per_event(h, rates, population)))
    return out
