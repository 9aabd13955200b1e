"""The static problem of a layout: candidate sites, demand points and the minutes between them.

Built from a scenario for each kind of thing placed (:data:`sim.optimize.problem.PLACE_KINDS`):

* **fire stations**: demand is the incidents the fire stations' units can do (their types'
  ``capable`` capabilities), counted per place; the time from site ``j`` to place ``i`` is the
  road minutes with all roads open. The existing stations are the existing sites.
* **landing points**: demand is the incidents of the types the helicopters serve; a landing
  site ``j`` serves place ``i`` in the flight from the nearest helicopter base to ``j`` plus
  the ``transfer`` plus the road minutes from ``j`` to ``i``, when those are at most
  ``max_ground`` (:mod:`sim.engine.landing`). Helibases and hospitals with a helipad are
  landing sites already (always open), and with a hoist a helicopter serves any place in the
  flight to it plus the ``hoist_time``: a column always open. The engine lands at the site
  nearest *by road*, the model at the one that is fastest in all: the simulation decides.
* **township depots**: a township depot serves its own disaster area only
  (:mod:`sim.engine.supplies`), so each area is a problem of its own with as many sites as it
  has depots; demand is the shelter places in the area, and the time is one truck load's
  loading plus the drive at the trucks' speed.

Demand from incidents is counted over ``demand.replications`` draws of the scenario's incidents
and hazards (:func:`sim.model.exogenous.draw_replication`, seeded: the same file gives the same
weights), or is the people at each place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.calls import travel_modes
from ..engine.landing import LANDING_KINDS
from ..engine.streams import Streams
from ..engine.travel import straight_line_km
from ..errors import SimError
from ..model.exogenous import draw_replication
from ..model.units import ROAD
from ..scenario.loader import Scenario
from .problem import OptimizationSpec

__all__ = ["HOIST", "SiteProblem", "build_problem", "demand_types", "demand_weights"]

HOIST = "(hoist)"  # the column of a helicopter hoisting its crew where no landing site serves


@dataclass
class SiteProblem:
    """Rows are demand places, columns candidate sites (node ids, or :data:`HOIST`).

    ``times[i, j]``: minutes from site ``j`` to place ``i`` (``inf``: cannot serve it).
    ``fixed``: columns always open and not counted (helibases, hoist). ``existing``: columns of
    the sites there now, with ``existing_ids`` the facility or depot ids on them. ``count``: how
    many sites to open besides the fixed ones. ``areas``: for township depots, one sub-problem
    per disaster area (its depots' ids, its columns, its rows)."""

    kind: str
    columns: list[str]
    rows: list[str]
    weights: np.ndarray
    times: np.ndarray
    count: int
    fixed: tuple[int, ...] = ()
    existing: tuple[int, ...] = ()
    existing_ids: tuple[str, ...] = ()
    areas: list[tuple[tuple[str, ...], list[int], list[int]]] = field(default_factory=list)
    weight_unit: str = "incidents a year"
    unit_type: str = ""  # units: the type placed
    busy: float = 0.0  # units: each unit's busy fraction (MEXCLP's q)
    correction: bool = False  # units: Larson's correction
    keep: tuple[int, ...] = ()  # columns of existing sites that must stay (``fixed`` in the file)
    left_out: float = 0.0  # demand no candidate reaches (cut off by road at its call)
    capacity: np.ndarray | None = None  # shelters: the places each site holds
    costs: np.ndarray | None = None  # with a budget: each site's cost (0 for the sites there now)


def demand_weights(scenario: Scenario, spec: OptimizationSpec, types: tuple[str, ...]) -> np.ndarray:
    """Per node of the scenario: incidents of ``types`` a year over the demand draws, or the
    people (``population``)."""
    nodes = scenario.spec.region.nodes
    if spec.demand.population:
        return np.array([float(n.population) for n in nodes])
    _check_types(scenario, types)
    counts = np.zeros(len(nodes))
    run = scenario.spec.run
    years = max(run.horizon - run.warmup, 1.0) / 525_600.0
    for rep in range(spec.demand.replications):
        incidents, _ = draw_replication(scenario, Streams(spec.seed, rep))
        wanted = np.array([name in types for name in incidents.type_names], dtype=bool)
        mine = wanted[incidents.type_index] if len(incidents) else np.zeros(0, dtype=bool)
        mine &= incidents.time >= run.warmup  # as the KPIs: the warm-up does not count
        np.add.at(counts, incidents.node[mine], 1.0)
    return counts / (spec.demand.replications * years)


def _roads_at(timeline: object, t: float) -> tuple[frozenset[int], frozenset[tuple[int, float]]]:
    """Roads closed at clock time ``t`` and (road, factor) of the open ones slowed (the largest
    factor), as :mod:`sim.engine.roads` holds them."""
    closed = frozenset(c.road for c in timeline.closures if c.start <= t < c.end)  # type: ignore[attr-defined]
    slowest: dict[int, float] = {}
    for c in timeline.slowdowns:  # type: ignore[attr-defined]
        if c.start <= t < c.end and c.road not in closed:
            slowest[c.road] = max(c.factor, slowest.get(c.road, 1.0))
    return closed, frozenset(slowest.items())


def demand_minutes(
    scenario: Scenario, spec: OptimizationSpec, types: tuple[str, ...], origins: list[int]
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Demand rows (their nodes), their weights, and the road minutes from each origin node
    (columns) to each row: per place with the roads open, or (``demand.roads: at_the_call``)
    per place and road state at the calls of the drawn incidents, each incident weighing one
    over the years drawn."""
    if spec.demand.population or spec.demand.roads == "open":
        per_node = demand_weights(scenario, spec, types)
        places = _nonzero_rows(per_node)
        return places, per_node[places], _road_minutes(scenario, origins)[:, places].T
    _check_types(scenario, types)
    run = scenario.spec.run
    years = max(run.horizon - run.warmup, 1.0) / 525_600.0
    weight = 1.0 / (spec.demand.replications * years)
    State = tuple[frozenset[int], frozenset[tuple[int, float]]]
    cells: dict[tuple[int, State], float] = {}
    for rep in range(spec.demand.replications):
        incidents, timeline = draw_replication(scenario, Streams(spec.seed, rep))
        wanted = np.array([name in types for name in incidents.type_names], dtype=bool)
        call = incidents.time + incidents.detection_delay + incidents.report_delay + incidents.handling_time
        counted = wanted[incidents.type_index] & (incidents.time >= run.warmup) if len(incidents) else []
        for k in np.flatnonzero(counted):
            key = (int(incidents.node[k]), _roads_at(timeline, float(call[k])))
            cells[key] = cells.get(key, 0.0) + weight
    if not cells:
        raise _no_demand()
    road = travel_modes(scenario)[ROAD]
    states: dict[State, Any] = {}
    rows: list[int] = []
    weights: list[float] = []
    minutes: list[list[float]] = []
    for (node, state), w in sorted(
        cells.items(), key=lambda c: (c[0][0], sorted(c[0][1][0]), sorted(c[0][1][1]))
    ):
        closed, slowed = state
        oracle = states.get(state)
        if oracle is None:
            oracle = states[state] = road if not closed and not slowed else road.after(closed, slowed)
        table = oracle.rows
        rows.append(node)
        weights.append(w)
        minutes.append([(table[o] if isinstance(table, list) else table.row(o))[node] for o in origins])
    return rows, np.array(weights), np.array(minutes, dtype=float)


def _own_units(scenario: Scenario, unit_type: str) -> list:
    """The region's own (not mutual-aid) road unit groups of ``unit_type``."""
    return [
        g for g in scenario.spec.units if g.type == unit_type and g.mutual_aid is None and g.mode == "road"
    ]


def measured_busy(scenario: Scenario, spec: OptimizationSpec) -> float:
    """The mean busy fraction of the units placed, from ``selection.n0`` simulated replications
    (units.<type>.busy_fraction), when the file gives none."""
    if spec.busy is not None:
        return spec.busy
    from ..engine.runner import run
    from ..results.unit_kpis import unit_type_metrics

    result = run(scenario, min(spec.selection.n0, 10), spec.seed)
    run_spec = scenario.spec.run
    values = [
        dict(unit_type_metrics(r, run_spec.warmup, run_spec.horizon))
        .get(spec.unit_type or "", {})
        .get("busy_fraction", 0.0)
        for r in result.records
    ]
    return float(np.mean(values)) if values else 0.0


def demand_types(scenario: Scenario, spec: OptimizationSpec) -> tuple[str, ...]:
    """The incident types whose places weigh the demand: the file's, or those the things placed
    serve (stations: their units' capabilities; landing points: the helicopters', bucket
    work aside); none for township depots (shelter places)."""
    if spec.demand.incident_types or spec.place == "township_depots":
        return spec.demand.incident_types
    sc = scenario.spec
    if spec.place == "units":
        return _served_types(
            scenario, {c for g in _own_units(scenario, spec.unit_type or "") for c in g.capabilities}
        )
    if spec.place in STATION_KINDS:
        ids = {f.id for f in sc.facilities if f.kind == STATION_KINDS[spec.place]}
        return _served_types(scenario, {c for g in sc.units if g.base in ids for c in g.capabilities})
    return _served_types(
        scenario,
        {c for g in sc.units if g.mode == "air" and g.count > 0 for c in g.capabilities},
        frozenset({"bucket"}),
    )


def _candidate_nodes(
    scenario: Scenario, spec: OptimizationSpec, extra: list[str], file_nodes: Sequence[str] = ()
) -> list[str]:
    """The candidate node ids in region order: places of the kinds, the listed nodes and the
    file's nodes, less the excluded, and ``extra`` (the existing sites: always candidates)."""
    cands = spec.candidates
    index = scenario.node_index
    listed = [*cands.nodes, *file_nodes]
    unknown = [n for n in [*listed, *cands.exclude] if n not in index]
    if unknown:
        raise SimError(f"candidates: no place {', '.join(map(repr, unknown[:5]))} in the scenario")
    chosen = {n.id for n in scenario.spec.region.nodes if n.kind in cands.kinds} | set(listed)
    chosen = (chosen - set(cands.exclude)) | set(extra)
    return [n.id for n in scenario.spec.region.nodes if n.id in chosen]


def build_problem(
    scenario: Scenario,
    spec: OptimizationSpec,
    file_nodes: tuple[str, ...] | list[str] = (),
    file_costs: dict[str, float] | None = None,
) -> SiteProblem:
    """The static problem of ``spec.place`` on ``scenario`` (see the module notes)."""
    builders = {
        "fire_stations": _stations,
        "township_stations": _stations,
        "landing_points": _landing_points,
        "township_depots": _township_depots,
        "units": _units,
        "shelters": _shelters,
    }
    problem = builders[spec.place](scenario, spec, list(file_nodes))
    if spec.budget is not None:  # a new site costs what the file says (or site_cost); one there now, nothing
        given = file_costs or {}
        problem.costs = np.array(
            [
                0.0
                if j in problem.existing or j in problem.fixed or c == HOIST
                else given.get(c, spec.site_cost)
                for j, c in enumerate(problem.columns)
            ]
        )
    if spec.place == "units":
        if spec.fixed:
            raise SimError("fixed: units are all placed afresh (name fixed stations or depots)")
        return problem
    unknown = [i for i in spec.fixed if i not in problem.existing_ids]
    if unknown:
        raise SimError(
            f"fixed: {', '.join(map(repr, unknown))} is not one of the {spec.place.replace('_', ' ')} "
            f"there now ({', '.join(problem.existing_ids)})"
        )
    at = dict(zip(problem.existing_ids, problem.existing, strict=True))
    problem.keep = tuple(sorted(at[i] for i in spec.fixed))
    return problem


def _road_minutes(scenario: Scenario, origins: list[int]) -> np.ndarray:
    """Road minutes (all roads open, speed 1) from each origin (rows) to every node."""
    rows = travel_modes(scenario)[ROAD].rows
    return np.array([rows[o] if isinstance(rows, list) else rows.row(o) for o in origins], dtype=float)


def _served_types(
    scenario: Scenario, capabilities: set[str], exclude: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    return tuple(
        name
        for name, t in scenario.spec.incident_types.items()
        if set(t.capable_capabilities) & (capabilities - exclude)
    )


def _check_types(scenario: Scenario, types: tuple[str, ...]) -> None:
    known = scenario.spec.incident_types
    unknown = [t for t in types if t not in known]
    if unknown:
        raise SimError(
            f"demand.incident_types: no incident type {', '.join(map(repr, unknown))} in the "
            f"scenario (types: {', '.join(known)})"
        )


def _no_demand() -> SimError:
    return SimError(
        "no demand: none of the demand incidents happened in the demand draws (raise "
        "demand.replications, or name other demand.incident_types)"
    )


def _nonzero_rows(weights: np.ndarray) -> list[int]:
    rows = [i for i in range(len(weights)) if weights[i] > 0]
    if not rows:
        raise _no_demand()
    return rows


def _existing_columns(columns: list[str], nodes: list[str], what: str) -> tuple[int, ...]:
    """The columns of the sites there now; two at one place are refused (one per site)."""
    existing = tuple(columns.index(n) for n in nodes)
    if len(set(existing)) < len(existing):
        raise SimError(f"two {what} share a place: the optimisation puts one per site")
    return existing


STATION_KINDS = {"fire_stations": "fire_station", "township_stations": "township_station"}


def _stations(scenario: Scenario, spec: OptimizationSpec, file_nodes: list[str]) -> SiteProblem:
    """Fire or township stations, moved with their units."""
    sc = scenario.spec
    kind = STATION_KINDS[spec.place]
    words = kind.replace("_", " ")
    stations = [f for f in sc.facilities if f.kind == kind]
    if not stations:
        raise SimError(f"place: {spec.place}: the scenario has no {words} to move")
    count = spec.count if spec.count is not None else len(stations)
    if count != len(stations):
        raise SimError(
            f"count: {count} {words}s asked, the scenario has {len(stations)}: the "
            "optimisation moves existing stations (with their units); to add or close stations, "
            "compare layouts in an experiment file"
        )
    columns = _candidate_nodes(scenario, spec, [f.node for f in stations], file_nodes)
    index = scenario.node_index
    rows, weights, minutes = demand_minutes(
        scenario, spec, demand_types(scenario, spec), [index[c] for c in columns]
    )
    reached = np.isfinite(minutes).any(axis=1)  # cut off from every candidate at the call: left out
    left_out = float(weights[~reached].sum())
    rows = [r for r, ok in zip(rows, reached, strict=True) if ok]
    weights, minutes = weights[reached], minutes[reached]
    existing = _existing_columns(columns, [f.node for f in stations], f"{words}s")
    return SiteProblem(
        spec.place,
        columns,
        [sc.region.nodes[i].id for i in rows],
        weights,
        minutes,
        count,
        existing=existing,
        existing_ids=tuple(f.id for f in stations),
        left_out=left_out,
    )


def _landing_points(scenario: Scenario, spec: OptimizationSpec, file_nodes: list[str]) -> SiteProblem:
    sc = scenario.spec
    air = [g for g in sc.units if g.mode == "air" and g.count > 0]
    if not air:
        raise SimError("place: landing_points: the scenario has no helicopter (a unit group with mode: air)")
    index = scenario.node_index
    facility_node = {f.id: f.node for f in sc.facilities}
    points = [f for f in sc.facilities if f.kind == "landing_point"]
    always = sorted(
        {
            f.node
            for f in sc.facilities
            if (f.kind in LANDING_KINDS and f.kind != "landing_point") or (f.kind == "hospital" and f.helipad)
        }
    )
    columns = _candidate_nodes(scenario, spec, [f.node for f in points], file_nodes)
    columns = [c for c in columns if c not in always] + always
    nodes = sc.region.nodes
    lon = np.array([n.lon for n in nodes])
    lat = np.array([n.lat for n in nodes])
    km = straight_line_km(lon, lat)
    bases = [(index[facility_node[g.base]], g) for g in air]
    col_nodes = [index[c] for c in columns]
    rows, weights, road = demand_minutes(scenario, spec, demand_types(scenario, spec), col_nodes)
    # the helicopter that is there first: flight to the landing site, then its transfer and the
    # drive, when that is within its max_ground
    each = []
    for b, g in bases:
        ops = g.air_ops
        assert ops is not None  # an air group has its limits
        fly = km[b, col_nodes] * 60.0 / float(g.speed or 200.0)
        each.append(np.where(road <= ops.max_ground, fly[None, :] + ops.transfer + road, math.inf))
    times = np.min(each, axis=0)
    fixed = [columns.index(c) for c in always]
    hoisting = [(b, g) for b, g in bases if "hoist" in g.capabilities]
    if hoisting:
        hoist = np.min(
            [
                km[b, rows] * 60.0 / float(g.speed or 200.0) + g.air_ops.hoist_time  # type: ignore[union-attr]
                for b, g in hoisting
            ],
            axis=0,
        )
        times = np.column_stack([times, hoist])
        columns = [*columns, HOIST]
        fixed.append(len(columns) - 1)
    existing = _existing_columns(columns, [f.node for f in points if f.node in columns], "landing points")
    return SiteProblem(
        "landing_points",
        columns,
        [nodes[i].id for i in rows],
        weights,
        times,
        int(spec.count or len(points)),
        fixed=tuple(fixed),
        existing=existing,
        existing_ids=tuple(f.id for f in points),
    )


def _township_depots(scenario: Scenario, spec: OptimizationSpec, file_nodes: list[str]) -> SiteProblem:
    sc = scenario.spec
    depots = [d for d in sc.depots if d.tier == "township"]
    if not depots:
        raise SimError("place: township_depots: the scenario has no township depot")
    nodes = sc.region.nodes
    index = scenario.node_index
    places = np.zeros(len(nodes))
    for s in sc.shelters:
        places[index[s.node]] += s.capacity
    weights = demand_weights(scenario, spec, ()) if spec.demand.population else places
    columns = _candidate_nodes(scenario, spec, [d.node for d in depots], file_nodes)
    area_of = [n.area_id for n in nodes]
    served = {area_of[index[d.node]] for d in depots}  # shelters elsewhere have no township depot
    rows = [i for i in _nonzero_rows(weights) if area_of[i] in served]
    road = _road_minutes(scenario, [index[c] for c in columns])[:, rows].T
    times = np.full(road.shape, math.inf)
    by_area: dict[str, list] = {}
    for d in depots:
        by_area.setdefault(area_of[index[d.node]], []).append(d)
    areas = []
    for area, mine_depots in by_area.items():
        cols = [j for j, c in enumerate(columns) if area_of[index[c]] == area]
        mine = [i for i, r in enumerate(rows) if area_of[r] == area]
        d = mine_depots[0]  # the area's depots load and drive alike (the first one's trucks)
        load = d.trucks.capacity / d.loading if d.loading > 0 else 0.0  # minutes for one truck load
        for j in cols:
            times[mine, j] = load + road[mine, j] / d.trucks.speed_factor
        if mine:
            areas.append((tuple(d.id for d in mine_depots), cols, mine))
    existing = _existing_columns(columns, [d.node for d in depots], "township depots")
    return SiteProblem(
        "township_depots",
        columns,
        [nodes[i].id for i in rows],
        weights[rows],
        times,
        len(depots),
        existing=existing,
        existing_ids=tuple(d.id for d in depots),
        areas=areas,
        weight_unit="shelter places" if not spec.demand.population else "people",
    )


def _units(scenario: Scenario, spec: OptimizationSpec, file_nodes: list[str]) -> SiteProblem:
    """How many units of a type at each base: the candidates are the facilities of the kinds
    that hold them now (one column per place; units keep their base facility)."""
    sc = scenario.spec
    groups = _own_units(scenario, spec.unit_type or "")
    if not groups:
        types = sorted({g.type for g in sc.units})
        raise SimError(
            f"unit_type: no unit of type {spec.unit_type!r} of the region's own on the roads "
            f"(types: {', '.join(types)})"
        )
    facilities = {f.id: f for f in sc.facilities}
    kinds = {facilities[g.base].kind for g in groups}
    bases = [f for f in sc.facilities if f.kind in kinds]
    by_node: dict[str, str] = {}
    for f in bases:  # one facility per place (the first listed)
        by_node.setdefault(f.node, f.id)
    allowed = set(_candidate_nodes(scenario, spec, [facilities[g.base].node for g in groups], file_nodes))
    columns = [n for n in by_node if n in allowed]
    index = scenario.node_index
    rows, weights, minutes = demand_minutes(
        scenario, spec, demand_types(scenario, spec), [index[c] for c in columns]
    )
    existing = tuple(sorted(columns.index(facilities[g.base].node) for g in groups for _ in range(g.count)))
    return SiteProblem(
        "units",
        columns,
        [sc.region.nodes[i].id for i in rows],
        weights,
        minutes,
        len(existing),
        existing=existing,
        existing_ids=tuple(by_node[c] for c in columns),
        busy=measured_busy(scenario, spec),
        correction=spec.correction,
        unit_type=spec.unit_type or "",
        weight_unit="incidents a year",
    )


def _shelters(scenario: Scenario, spec: OptimizationSpec, file_nodes: list[str]) -> SiteProblem:
    """Which of the shelters to open: each place with shelters is a site holding their
    capacity; demand is the people who leave in the drawn years' evacuations, per place and
    danger zone (no shelter inside the zone they flee serves them), per evacuation event."""
    sc = scenario.spec
    if not sc.shelters or sc.evacuation is None:
        raise SimError("place: shelters: the scenario has no shelters and evacuation")
    index = scenario.node_index
    at: dict[str, list] = {}
    for shelter in sc.shelters:
        at.setdefault(shelter.node, []).append(shelter)
    columns = [n for n in at if n not in set(spec.candidates.exclude)]
    capacity = np.array([float(sum(x.capacity for x in at[c])) for c in columns])
    count = spec.count or len(columns)
    if count > len(columns):
        raise SimError(f"count: {count} shelters to open, but they stand at {len(columns)} places")
    people: dict[tuple[int, frozenset[int]], float] = {}
    events = 0
    for rep in range(spec.demand.replications):
        _, timeline = draw_replication(scenario, Streams(spec.seed, rep))
        events += len({g.event for g in timeline.evacuation})
        for g in timeline.evacuation:
            if g.compliant:
                key = (g.node, g.avoid)
                people[key] = people.get(key, 0.0) + g.compliant
    if not people:
        raise SimError("no demand: nobody evacuates in the demand draws (raise demand.replications)")
    col_nodes = [index[c] for c in columns]
    road = _road_minutes(scenario, sorted(set(col_nodes)))
    order = {n: k for k, n in enumerate(sorted(set(col_nodes)))}
    rows, weights, times = [], [], []
    for (node, avoid), n in sorted(people.items(), key=lambda c: (c[0][0], sorted(c[0][1]))):
        rows.append(sc.region.nodes[node].id)
        weights.append(n / max(events, 1))
        times.append([math.inf if j in avoid else road[order[j]][node] for j in col_nodes])
    existing = tuple(range(len(columns)))
    return SiteProblem(
        "shelters",
        columns,
        rows,
        np.array(weights),
        np.array(times, dtype=float).reshape(len(rows), len(columns)),
        count,
        existing=existing,
        existing_ids=tuple(";".join(x.id for x in at[c]) for c in columns),
        capacity=capacity,
        weight_unit="people an evacuation",
    )
