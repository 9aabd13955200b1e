"""The scenario file format, as pydantic v2 models.

Every model forbids unknown keys (a typo must never be silently ignored) and is frozen once
validated. Quantities are written with units in the file and stored in the internal units of
:mod:`sim.scenario.quantities` (minutes, events per minute, km/h, km).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ..errors import FieldProblem, shown
from .distributions import Distribution, parse_distribution
from .limits import (
    MAX_CREW,
    MAX_DENSE_NODES,
    MAX_EDGES,
    MAX_HAZARD_EVENTS,
    MAX_HORIZON,
    MAX_HORIZON_YEARS,
    MAX_INCIDENTS,
    MAX_NODES,
    MAX_POPULATION,
    MAX_REPLICATIONS,
    MAX_REQUIRED,
    MAX_UNITS,
    MAX_UNITS_PER_GROUP,
    at_most,
    at_most_items,
    count_text,
)
from .quantities import format_duration, parse_distance, parse_duration, parse_rate, parse_speed

__all__ = [
    "AREA_KINDS",
    "bounded",
    "text_id",
    "Areas",
    "AutoRoads",
    "Dispatch",
    "Facility",
    "FACILITY_KINDS",
    "Generator",
    "HospitalTransport",
    "IncidentType",
    "NODE_KINDS",
    "Node",
    "PlaceFile",
    "Region",
    "RoadEdge",
    "RoadNetworkFile",
    "Roads",
    "RunSettings",
    "ScenarioSpec",
    "Snapping",
    "UnitGroup",
    "Where",
]


def text_id(value: object) -> object:
    """Ids may be written as numbers in YAML (postal codes); they are always strings inside."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if value.bit_length() < 10_000 else value  # 3,000+ digits: not an id
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return value


def bounded(parse: Callable[[object], float], *, positive: bool) -> Callable[[object], float]:
    """A validator that parses a quantity and refuses negative (or, if ``positive``, zero) values."""

    def check(value: object) -> float:
        number = parse(value)
        if number < 0 or (positive and number == 0):
            raise ValueError(f"must {'be positive' if positive else 'not be negative'} (got {shown(value)})")
        return number

    return check


def _wall_clock(value: dt.datetime) -> dt.datetime:
    """The local clock time of the scenario start; a UTC offset, if written, is dropped."""
    return value.replace(tzinfo=None)


Id = Annotated[str, BeforeValidator(text_id), Field(min_length=1)]
NonNegDuration = Annotated[float, BeforeValidator(bounded(parse_duration, positive=False))]
PositiveDuration = Annotated[float, BeforeValidator(bounded(parse_duration, positive=True))]
Speed = Annotated[float, BeforeValidator(bounded(parse_speed, positive=True))]
Km = Annotated[float, BeforeValidator(bounded(parse_distance, positive=True))]
Rate = Annotated[float, BeforeValidator(bounded(parse_rate, positive=False))]
Delay = Annotated[Distribution, BeforeValidator(lambda v: parse_distribution(v, positive=False))]
WorkTime = Annotated[Distribution, BeforeValidator(lambda v: parse_distribution(v, positive=True))]


Count = Annotated[int, Field(ge=1), at_most(MAX_REQUIRED, "units")]  # units asked for


class Strict(BaseModel):
    """Base of every scenario model: unknown keys refused, frozen, and every float finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True,
                              populate_by_name=True, allow_inf_nan=False)


# ---------------------------------------------------------------- region

NODE_KINDS = ("township", "subdistrict", "village", "community", "facility_site", "junction")
AREA_KINDS = ("township", "subdistrict", "village", "community")
"""Kinds of node that stand for a settlement: with people, they cover an area (see ``Areas``)."""


class Node(Strict):
    """A place: township seat, village, community, facility site or road junction."""

    id: Id
    name: str | None = None
    kind: Literal["township", "subdistrict", "village", "community", "facility_site", "junction"]
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    population: Annotated[int, Field(ge=0), at_most(MAX_POPULATION, "people at a node")] = 0
    forest_ha: float = Field(default=0.0, ge=0)
    tags: tuple[str, ...] = ()
    area: Id | None = None  # disaster area (e.g. its township) for relief supplies; default: itself
    area_km2: float | None = Field(default=None, ge=0, le=100_000)  # land it covers (Areas); 0: a point

    @property
    def area_id(self) -> str:
        return self.area or self.id


class RoadEdge(Strict):
    """A road between two nodes, given as length (with the speed of its class) or as minutes."""

    from_: Id = Field(alias="from")
    to: Id
    km: float | None = Field(default=None, gt=0)
    minutes: float | None = Field(default=None, gt=0)
    speed: Speed | None = None
    road_class: str | None = Field(default=None, alias="class")
    one_way: bool = False
    tags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _length_or_time(self) -> RoadEdge:
        if (self.km is None) == (self.minutes is None):
            raise FieldProblem("give either km (with a speed) or minutes, not both or neither")
        if self.minutes is not None and self.speed is not None:
            raise FieldProblem("speed only applies to an edge given in km", ("speed",))
        return self


class Roads(Strict):
    """Explicit road edges; ``speeds`` gives the speed of each road class."""

    speeds: dict[str, Speed] = Field(default_factory=dict)
    edges: Annotated[list[RoadEdge], at_most_items(MAX_EDGES, "road edges")] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_km_edge_has_a_speed(self) -> Roads:
        for i, edge in enumerate(self.edges):
            if edge.km is None or edge.speed is not None:
                continue
            cls = edge.road_class or "default"
            if cls not in self.speeds:
                raise FieldProblem(
                    f"no speed for this edge: give 'speed', or a speed for class {shown(cls)} "
                    f"under roads.speeds", ("edges", i))
        return self


class WaterEdge(Strict):
    """A stretch of navigable water between two nodes, in km (boats go at their own speed)."""

    from_: Id = Field(alias="from")
    to: Id
    km: float = Field(gt=0)
    one_way: bool = False


class Waterways(Strict):
    edges: Annotated[list[WaterEdge], at_most_items(MAX_EDGES, "waterway edges")] = Field(min_length=1)


RoadClass = Literal["main", "local"]
_AUTO_SPEEDS: dict[RoadClass, float] = {"main": 60.0, "local": 40.0}


class AutoRoads(Strict):
    """Synthetic roads joining the nodes (labelled synthetic in output): with ``method:
    nearest`` each node to its ``neighbours`` nearest ones; with ``method: planar`` the Gabriel
    graph of the nodes (two nodes are joined when no other lies in the circle whose diameter
    they span: a planar network without crossings, about three roads per place, as rural
    networks have).

    An edge is of class ``main`` when both ends are of a kind listed in ``main_kinds``, otherwise
    ``local``; with ``main_roads: trunk`` (a road hierarchy on a planar network, where villages
    lie between the seats) the main roads are instead the edges on the shortest straight-line
    path, through the network, between each two main-kind places that are neighbours in the
    Gabriel graph of the main-kind places alone: the county roads joining neighbouring towns
    through the villages on their way. Length is the great-circle distance times ``detour``.
    Edges are added along a minimum spanning tree so that the network is always connected. A
    road carries the tags of its two ends that are listed in ``terrain_tags`` (a road into a
    mountain village is a mountain road), so hazards can cut roads by terrain.
    """

    method: Literal["nearest", "planar"] = "nearest"
    neighbours: int = Field(default=3, ge=1, le=20)
    detour: float = Field(default=1.3, ge=1.0, le=5.0)
    speeds: dict[RoadClass, Speed] = Field(default_factory=lambda: dict(_AUTO_SPEEDS))
    main_kinds: tuple[str, ...] = ("township", "subdistrict")
    main_roads: Literal["ends", "trunk"] = "ends"
    terrain_tags: tuple[str, ...] = ("mountain", "flood-prone", "low-lying", "coast", "bridge")

    @model_validator(mode="after")
    def _both_speeds(self) -> AutoRoads:
        for cls in ("main", "local"):
            if cls not in self.speeds:
                raise FieldProblem(f"missing the speed of class {cls!r}", ("speeds",))
        return self


class Areas(Strict):
    """How the land a settlement covers is worked out, and how fast one drives across it
    (:mod:`sim.model.areas`): a settlement node without ``area_km2`` covers its population
    divided by ``density`` (people per km^2); a stretch inside it goes at ``speed`` over
    ``detour`` times the straight line."""

    density: float = Field(default=1000.0, gt=0, le=100_000)
    speed: Speed = 30.0
    detour: float = Field(default=1.3, ge=1.0, le=5.0)


class Snapping(Strict):
    """How places join an imported road network: each to its nearest road node, by an access
    road of the straight distance times ``detour`` at ``speed``, both ways. A place farther
    than ``warn`` is listed in the load report; farther than ``max`` is an error (a place off
    the map of the network, or a wrong coordinate)."""

    speed: Speed = 20.0
    detour: float = Field(default=1.3, ge=1.0, le=5.0)
    warn: Km = 1.0
    max: Km = 20.0


class RoadNetworkFile(Strict):
    """A real road network read from a file (relative to the scenario file): OpenStreetMap
    (``.osm``, ``.osm.bz2``, ``.osm.pbf``), GraphML as saved by osmnx, or CSV (``file`` the edge
    table, ``nodes`` the node table); ``format`` defaults from the suffix. ``speeds`` overrides
    the speed of road classes (``{primary: "70 km/h"}``); see :mod:`sim.network`."""

    file: str = Field(min_length=1)
    format: Literal["osm", "osm_pbf", "graphml", "csv"] | None = None
    nodes: str | None = Field(default=None, min_length=1)
    speeds: dict[str, Speed] = Field(default_factory=dict)
    snap: Snapping = Field(default_factory=Snapping)


class PlaceFile(Strict):
    """A CSV or GeoJSON file of places (:mod:`sim.scenario.places`); ``kind`` for rows without."""

    file: str = Field(min_length=1)
    kind: str | None = None


class Region(Strict):
    """Nodes (inline, or from place files) and a way to get travel times between them."""

    nodes: Annotated[list[Node], at_most_items(MAX_NODES, "nodes")] = Field(min_length=1)
    places: list[PlaceFile | str] = Field(default_factory=list)
    road_network: RoadNetworkFile | None = None
    roads: Roads | None = None
    auto_roads: AutoRoads | None = None
    travel_matrix: str | None = Field(default=None, min_length=1)
    waterways: Waterways | None = None
    water_detour: float = Field(default=1.3, ge=1.0, le=5.0)
    areas: Areas = Field(default_factory=Areas)

    @model_validator(mode="after")
    def _one_travel_form(self) -> Region:
        forms = ("road_network", "roads", "auto_roads", "travel_matrix")
        given = [k for k in forms if getattr(self, k) is not None]
        if given == ["road_network", "roads"]:
            return self  # edges written in the file join the imported network (a ferry, a planned road)
        if len(given) != 1:
            raise FieldProblem(
                "give one way to travel: road_network (a file of real roads, optionally with roads "
                "added by hand), roads (explicit edges), auto_roads (synthetic, from node positions) "
                f"or travel_matrix (a CSV file); got {given or 'none'}")
        if self.road_network is None and self.roads is None and len(self.nodes) > MAX_DENSE_NODES:
            form = "auto_roads" if self.auto_roads is not None else "travel_matrix"
            raise FieldProblem(f"at most {count_text(MAX_DENSE_NODES)} nodes with {form}, which holds "
                               f"a node-by-node matrix (got {len(self.nodes):,}); give explicit roads",
                               (form,))
        return self


# ---------------------------------------------------------------- forces

FACILITY_KINDS = ("township_station", "fire_station", "volunteer_team", "micro_station",
                  "team_base", "hospital", "helibase", "landing_point", "water_source",
                  "staging_post", "external_base", "bus_depot")


class Facility(Strict):
    """A station, team base, hospital, helicopter base or landing point, water source for
    bucket refills, staging post, a base outside the region (mutual aid), or the depot of the
    evacuation buses, at a node."""

    id: Id
    name: str | None = None
    kind: Literal["township_station", "fire_station", "volunteer_team", "micro_station",
                  "team_base", "hospital", "helibase", "landing_point", "water_source",
                  "staging_post", "external_base", "bus_depot"]
    node: Id
    helipad: bool = False


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(values)) != len(values):
        raise ValueError("lists a capability twice")
    return values


class AirOps(Strict):
    """Helicopter limits, landing and bucket work.

    A helicopter lands at a landing site (``landing_point``, ``helibase``, a hospital with a
    ``helipad``) when one is at most ``max_ground`` by road from the place, and its crew goes on
    by road after a ``transfer``; otherwise it hoists (``hoist_time``) if it has the ``hoist``
    capability, or cannot serve the place (:mod:`sim.engine.landing`). ``land_at: scene`` lets
    it land at the place itself."""

    daylight_only: bool = True
    max_wind: Speed = 54.0  # 15 m/s
    endurance: PositiveDuration = 150.0
    refuel: NonNegDuration = 30.0
    bucket_line: float = Field(default=0.0, ge=0)  # metres of fire line held per bucket drop
    fill_time: NonNegDuration = 2.0
    land_at: Literal["landing_sites", "scene"] = "landing_sites"
    max_ground: NonNegDuration = 30.0
    transfer: NonNegDuration = 5.0
    hoist_time: NonNegDuration = 15.0


class MutualAid(Strict):
    """A neighbouring region's force: used only when ``when`` holds, after ``activation``."""

    region: str
    when: tuple[Literal["exhausted", "severe"], ...] = ("exhausted",)
    max_priority: int = Field(default=1, ge=1, le=9)
    activation: Delay = Field(default_factory=lambda: parse_distribution("30 min"))


class UnitGroup(Strict):
    """``count`` identical units of one type at one base.

    ``mode`` is how they travel: ``road`` (over the road network, at ``speed_factor`` times the
    road speeds), ``air`` (straight lines at ``speed``) or ``water`` (over ``region.waterways``,
    or straight lines times ``region.water_detour``, at ``speed``)."""

    id: Id | None = None
    type: Id
    capabilities: Annotated[tuple[str, ...], AfterValidator(_unique)] = Field(min_length=1)
    crew: Annotated[int, Field(ge=1), at_most(MAX_CREW, "people in a crew")] = 1
    base: Id
    count: Annotated[int, Field(ge=0), at_most(MAX_UNITS_PER_GROUP, "units per group")] = 1
    mode: Literal["road", "air", "water"] = "road"
    speed_factor: float = Field(default=1.0, gt=0, le=5)
    speed: Speed | None = None
    turnout: Delay = Field(default_factory=lambda: parse_distribution("0 min"))
    # the share of calls a unit answers: one number, or 24, by hour of the day (local clock
    # time; the first from midnight to 1 am), e.g. volunteers at work in town by day
    availability: Annotated[float, Field(gt=0, le=1)] | list[Annotated[float, Field(ge=0, le=1)]] = 1.0
    line_production: Speed | None = None
    air: AirOps | None = None
    mutual_aid: MutualAid | None = None

    @model_validator(mode="after")
    def _hours(self) -> UnitGroup:
        if isinstance(self.availability, list):
            if len(self.availability) != 24:
                raise FieldProblem(f"give one share, or 24 (one per hour of the day), not "
                                   f"{len(self.availability)}", ("availability",))
            if max(self.availability) <= 0:
                raise FieldProblem("a unit that answers at no hour can never be sent", ("availability",))
        return self

    @property
    def availability_by_hour(self) -> tuple[float, ...]:
        """The share of calls answered in each hour of the day (24 values)."""
        if isinstance(self.availability, list):
            return tuple(self.availability)
        return (float(self.availability),) * 24

    @model_validator(mode="after")
    def _mode_fields(self) -> UnitGroup:
        if self.mode != "road" and self.speed is None:
            raise FieldProblem(f"{self.mode} units need a 'speed' (e.g. '220 km/h')", ("speed",))
        if self.mode == "road" and self.speed is not None:
            raise FieldProblem("road units use speed_factor on the road speeds, not 'speed'", ("speed",))
        if self.air is not None and self.mode != "air":
            raise FieldProblem("'air' settings only apply to mode: air", ("air",))
        return self

    @property
    def air_ops(self) -> AirOps | None:
        """The helicopter limits of an air group (defaults when not given)."""
        if self.mode != "air":
            return None
        return self.air or AirOps()

    @property
    def group_id(self) -> str:
        return self.id or f"{self.type}@{self.base}"


# ---------------------------------------------------------------- incidents

class HospitalTransport(Strict):
    """With ``probability``, one unit (with capability ``by``) takes a patient to hospital."""

    probability: float = Field(ge=0, le=1)
    handover: Delay = Field(default_factory=lambda: parse_distribution("0 min"))
    by: str | None = None


class Escalation(Strict):
    """``after`` the call, if the incident is still going, ask for the units in ``add`` too."""

    after: PositiveDuration
    add: dict[str, Count] = Field(min_length=1)


class IncidentType(Strict):
    """What an incident needs and how long its phases take.

    ``escalation`` steps ask for more units when an incident is still going after a while
    (a forest fire not held in the first hours); extra units make the work go faster.

    Three response times are measured against targets: the first unit of any kind
    (``target``), the first unit that can do the job (one with a capability in ``capable``,
    by default the first one ``requires`` names: a fire engine for a building fire;
    ``capable_target``, default ``target``), and the full complement ``requires`` asks for
    (``complement_target``, default ``target``)."""

    label: str | None = None
    priority: int = Field(default=2, ge=1, le=9)
    requires: dict[str, Count] = Field(min_length=1)
    on_scene: WorkTime
    detection_delay: Delay = Field(default_factory=lambda: parse_distribution("0 min"))
    report_delay: Delay = Field(default_factory=lambda: parse_distribution("0 min"))
    target: PositiveDuration | None = None
    report_target: PositiveDuration | None = None
    hospital: HospitalTransport | None = None
    modes: tuple[Literal["road", "air", "water"], ...] | None = None
    escalation: list[Escalation] = Field(default_factory=list)
    capable: tuple[Id, ...] | None = Field(default=None, min_length=1)
    capable_target: PositiveDuration | None = None
    complement_target: PositiveDuration | None = None

    @model_validator(mode="after")
    def _capable_are_required(self) -> IncidentType:
        for cap in self.capable or ():
            if cap not in self.requires:
                raise FieldProblem(f"{shown(cap)} is not one of the required capabilities "
                                   f"({', '.join(self.requires)})", ("capable",))
        return self

    @property
    def capable_capabilities(self) -> tuple[str, ...]:
        """Capabilities that make a unit able to do the job."""
        return self.capable or (next(iter(self.requires)),)

    @property
    def capable_target_minutes(self) -> float | None:
        return self.capable_target if self.capable_target is not None else self.target

    @property
    def complement_target_minutes(self) -> float | None:
        return self.complement_target if self.complement_target is not None else self.target

    @model_validator(mode="after")
    def _transport_capability(self) -> IncidentType:
        if self.hospital is not None and self.hospital.by is not None \
                and self.hospital.by not in self.requires:
            raise FieldProblem(f"{shown(self.hospital.by)} is not one of the required capabilities "
                               f"({', '.join(self.requires)})", ("hospital", "by"))
        return self

    @property
    def transport_capability(self) -> str | None:
        if self.hospital is None:
            return None
        return self.hospital.by or next(iter(self.requires))


class Where(Strict):
    """Where incidents of a generator happen: node weights.

    ``weight: population`` (default), ``uniform`` or ``forest`` (forest hectares), optionally
    restricted to nodes carrying one of ``tags`` or of one of ``kinds``; explicit
    ``nodes: {id: weight}``; or ``points``: a CSV or GeoJSON file of the spots where they
    happen (``lon``, ``lat``, optional ``weight``; relative to the scenario file), each drawn
    with its weight and served at its nearest place, its real distance to that place (times
    ``region.areas.detour`` at its speed) taking the place of a drawn stretch inside the area.
    """

    weight: Literal["population", "uniform", "forest"] = "population"
    tags: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    nodes: dict[Id, Annotated[float, Field(ge=0)]] | None = None
    points: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _explicit_alone(self) -> Where:
        for key in ("nodes", "points"):
            chosen = self.tags or self.kinds or "weight" in self.model_fields_set
            if getattr(self, key) is not None and chosen:
                raise FieldProblem(f"explicit {key} cannot be combined with weight/tags/kinds", (key,))
        if self.nodes is not None and self.points is not None:
            raise FieldProblem("give nodes or points, not both", ("points",))
        return self


class Generator(Strict):
    """A non-homogeneous Poisson stream of one incident type."""

    id: Id | None = None
    incident_type: Id = Field(alias="type")
    rate: Rate
    where: Where = Field(default_factory=Where)
    time_of_day: tuple[Annotated[float, Field(ge=0)], ...] | None = None
    season: tuple[Annotated[float, Field(ge=0)], ...] | None = None

    @model_validator(mode="after")
    def _profiles(self) -> Generator:
        for key, size, what in (("time_of_day", 24, "hour"), ("season", 12, "month")):
            profile = getattr(self, key)
            if profile is None:
                continue
            if len(profile) != size:
                raise FieldProblem(f"needs {size} weights, one per {what} (got {len(profile)})",
                                   (key,))
            if sum(profile) <= 0:
                raise FieldProblem("weights must not all be zero", (key,))
        return self

    @property
    def stream_id(self) -> str:
        return self.id or self.incident_type


# ---------------------------------------------------------------- dispatch and run

class MoveUp(Strict):
    """Move-up of idle units (:mod:`sim.engine.moveup`): the idle units of the ``units`` types
    are moved among the ``bases`` (facility ids; default: those units' own stations) to keep
    demand (the people at each place) covered within ``radius``, with each unit busy a
    fraction ``busy`` of the time. ``dmexclp``: a unit that becomes free goes to the base where
    it adds the most expected coverage (Jagtenberg, Bhulai and van der Mei 2015);
    ``compliance_table``: whenever the number of idle units changes, they move to the MEXCLP
    layout of that many units, the fewest and shortest moves first. ``correction``: the
    chance that the k-th covering unit is the first free one from Larson's approximation
    (:func:`sim.optimize.location.larson_gains`) instead of independent busy units."""

    policy: str = Field(min_length=1)   # dmexclp, compliance_table, or a registered name
    units: tuple[Id, ...] = Field(min_length=1)
    bases: tuple[Id, ...] = ()
    radius: PositiveDuration = Field(default_factory=lambda: parse_duration("15 min"))
    busy: float = Field(default=0.1, ge=0, lt=1)
    correction: bool = False


class Dispatch(Strict):
    """How calls are matched to units."""

    policy: str = "nearest_available"
    when_no_unit: Literal["queue", "lost"] = "queue"
    redispatch_returning: bool = True
    return_speed_factor: float = Field(default=1.0, gt=0, le=5)
    # where a road unit partway along a trip (driving home, say) is when it is sent again:
    # "route": on its path, driving on to the next node or turning back to the last one (on a
    # travel matrix, the two ends of its trip); "nearest_node": ELASPY's rule, the node nearest
    # its straight-line interpolated position between the two nodes of the road it is on (the
    # trip's two ends on a matrix), from where it drives anew
    returning_position: Literal["route", "nearest_node"] = "route"
    handling_time: Delay = Field(default_factory=lambda: parse_distribution("0 min"))
    air_margin: NonNegDuration = 0.0
    # how nearest_available ranks road and water units: by "travel" minutes, or by expected
    # "arrival" (travel plus the mean turnout of a unit still in its station), so that a team
    # slow to gather does not win over one a little farther that leaves at once
    rank_by: Literal["travel", "arrival"] = "travel"
    move_up: MoveUp | None = None


def _simulable_horizon(minutes: float) -> float:
    if minutes > MAX_HORIZON:
        raise ValueError(f"at most {count_text(MAX_HORIZON_YEARS)} years "
                         f"(got {format_duration(minutes)})")
    return minutes


class RunSettings(Strict):
    """Horizon, warm-up, seed and replications of ``sim run``."""

    horizon: Annotated[PositiveDuration, AfterValidator(_simulable_horizon)] = Field(
        default_factory=lambda: parse_duration("365 d"))
    warmup: NonNegDuration = 0.0
    seed: int = Field(default=1, ge=0)
    replications: Annotated[int, Field(ge=1), at_most(MAX_REPLICATIONS, "replications")] = 1
    start: Annotated[dt.datetime, AfterValidator(_wall_clock)] = dt.datetime(2025, 1, 1)
    utc_offset: float = Field(default=8.0, ge=-12, le=14)  # hours; for sunrise and sunset
    drain: bool = True

    @model_validator(mode="after")
    def _warmup_inside(self) -> RunSettings:
        if self.warmup >= self.horizon:
            raise FieldProblem("warm-up must be shorter than the horizon", ("warmup",))
        return self


class ScenarioSpec(Strict):
    """A whole scenario file."""

    name: str = Field(min_length=1)
    description: str = ""
    region: Region
    facilities: list[Facility] = Field(min_length=1)
    units: list[UnitGroup] = Field(min_length=1)
    incident_types: dict[Id, IncidentType] = Field(min_length=1)
    generators: list[Generator] = Field(min_length=1)
    dispatch: Dispatch = Field(default_factory=Dispatch)
    run: RunSettings = Field(default_factory=RunSettings)
    hazards: list[Hazard] = Field(default_factory=list)
    prepositioning: list[Prepositioning] = Field(default_factory=list)
    shelters: list[Shelter] = Field(default_factory=list)
    evacuation: Evacuation | None = None
    items: dict[Id, Item] = Field(default_factory=dict)
    depots: list[Depot] = Field(default_factory=list)
    supply: SupplySettings = Field(default_factory=lambda: SupplySettings())

    @model_validator(mode="after")
    def _scripted_hazards_inside_the_run(self) -> ScenarioSpec:
        """A scripted hazard outside [0, horizon) would silently never happen (or happen after
        the results are cut): a typo in ``at`` or a shortened horizon, so an error."""
        for i, hazard in enumerate(self.hazards):
            at = getattr(hazard, "at", None)
            if at is None:
                continue
            minutes = (at - self.run.start).total_seconds() / 60 if isinstance(at, dt.datetime) else at
            if not 0 <= minutes < self.run.horizon:
                raise FieldProblem(f"scripted at {format_duration(minutes)} from the start, outside the run "
                                   f"(horizon {format_duration(self.run.horizon)}): move it inside or "
                                   "lengthen the horizon",
                                   ("hazards", i, "at"))
        return self

    @model_validator(mode="after")
    def _simulable(self) -> ScenarioSpec:
        """Refuse what one replication cannot hold: too many units, incidents or hazard events."""
        total = sum(group.count for group in self.units)
        if total > MAX_UNITS:
            raise FieldProblem(f"at most {count_text(MAX_UNITS)} units in all groups together "
                               f"(got {total:,})", ("units",))
        _check_expected_load(self)
        return self


def _about(count: float) -> str:
    return f"about {count:.3g}" if math.isfinite(count) else "more than 1e308"


def _check_expected_load(spec: ScenarioSpec) -> None:
    """Expected hazard events and incidents of one replication (rate x horizon, and what each
    hazard event brings at full intensity) within :data:`~.limits.MAX_HAZARD_EVENTS` and
    :data:`~.limits.MAX_INCIDENTS`; the problem points at the largest contributor."""
    horizon = spec.run.horizon
    rates: dict[str, float] = {}
    for g in spec.generators:
        rates[g.incident_type] = rates.get(g.incident_type, 0.0) + g.rate
    population = math.fsum(float(n.population) for n in spec.region.nodes)
    loads = hazard_load(spec.hazards, horizon, rates, population, len(spec.region.nodes))
    events = math.fsum(e for e, _ in loads)
    if not events <= MAX_HAZARD_EVENTS:  # also NaN, from inf x 0
        worst = max(range(len(loads)), key=lambda i: loads[i][0])
        raise FieldProblem(f"{_about(events)} hazard events expected in one replication (at most "
                           f"{count_text(MAX_HAZARD_EVENTS)}): lower the rate or shorten run.horizon",
                           ("hazards", worst))
    shares: list[tuple[tuple[str | int, ...], float]] = [
        (("generators", i, "rate"), g.rate * horizon) for i, g in enumerate(spec.generators)]
    shares += [(("hazards", i), incidents) for i, (_, incidents) in enumerate(loads)]
    incidents = math.fsum(x for _, x in shares)
    if not incidents <= MAX_INCIDENTS:
        where = max(shares, key=lambda share: share[1])[0]
        raise FieldProblem(f"{_about(incidents)} incidents expected in one replication (at most "
                           f"{count_text(MAX_INCIDENTS)}; the most come from here): lower the rates "
                           "or shorten run.horizon", where)


from .hazard_schema import Hazard, Prepositioning, hazard_load  # noqa: E402  (they build on the models above)
from .people_schema import Evacuation, Shelter  # noqa: E402
from .supply_schema import Depot, Item, SupplySettings  # noqa: E402

ScenarioSpec.model_rebuild()
