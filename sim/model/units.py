"""Response units and where they are.

A unit is in one of four states:

``AT_BASE``  idle in its station, available;
``AWAY``     idle away from its station, or driving back to it, and available (it can be
             re-dispatched en route when the scenario allows it);
``HOMING``   driving back to its station and *not* available (re-dispatch en route disabled,
             and always for helicopters, which go home to refuel);
``BUSY``     assigned to an incident: travelling to it, on scene, or taking a patient to hospital;
``GROUNDED`` a helicopter on the ground for the night, or refuelling.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TypeAlias

from ..scenario.distributions import Distribution

__all__ = ["AT_BASE", "AWAY", "BUSY", "HOMING", "Task", "Unit", "UnitInfo", "heading"]

AT_BASE, AWAY, HOMING, BUSY, GROUNDED = 0, 1, 2, 3, 4
ROAD, AIR, WATER = 0, 1, 2
MODES = ("road", "air", "water")


@dataclass(frozen=True)
class UnitInfo:
    """What does not change about a unit during a run.

    ``speed`` divides the rows of the unit's travel mode: the speed factor on roads, km/h in
    the air and on water. ``line_production`` is fire line in m/min (forest crews)."""

    index: int
    id: str
    group: str
    type: str
    capabilities: frozenset[str]
    crew: int
    base: str
    base_node: int
    speed_factor: float
    turnout: Distribution
    mode: int = ROAD
    availability: tuple[float, ...] = (1.0,) * 24  # share of calls answered, by hour of the day
    line_production: float = 0.0
    air: Any = None          # AirOps of a helicopter
    mutual_aid: Any = None   # MutualAid of a neighbouring region's unit


class Routes(Protocol):
    """A travel mode's oracle, as far as a unit on its way needs it."""

    def route(self, origin: int, destination: int) -> tuple[list[int], list[float]]: ...


# A trip whose node-by-node route is not worked out yet: (oracle, via, target, behind, edge).
Trip: TypeAlias = "tuple[Routes, int, int, int | None, float]"
# What a trip is for (``Task.kind``)
TO_CALL, TO_HOSPITAL, HOME, PULL_OVER = 0, 1, 2, 3


class Task(NamedTuple):
    """The trip a unit is on, kept to redo it after a change of roads. ``kind`` says what its
    arrival means (:data:`TO_CALL`, :data:`TO_HOSPITAL`, :data:`HOME`, :data:`PULL_OVER`);
    ``payload`` is what the arrival needs (the call and its assignment record, ...); ``leg`` is
    the stretch from the target node to the spot it drives to (an incident inside an area)."""

    kind: int
    payload: Any
    target: int
    pace: float
    depart: float
    leg: float


class Unit:
    """The mutable state of one unit during one replication."""

    __slots__ = ("info", "index", "capabilities", "base_node", "speed", "turnout", "status",
                 "node", "epoch", "route", "route_minutes", "route_start", "route_pace", "trip", "mode",
                 "home_base", "task", "assignment", "offset", "due", "order", "lazy", "plain",
                 "always_answers")

    def __init__(self, info: UnitInfo) -> None:
        self.info = info
        self.index = info.index
        self.capabilities = info.capabilities
        self.base_node = info.base_node  # changes while pre-positioned at a staging post
        self.home_base = info.base_node
        self.speed = info.speed_factor
        self.mode = info.mode
        self.turnout = info.turnout
        self.status = AT_BASE
        self.node = info.base_node
        self.epoch = 0
        self.route: list[int] | None = None
        self.route_minutes: list[float] | None = None
        self.route_start = 0.0
        self.route_pace = 1.0
        self.trip: Trip | None = None  # a route not worked out yet (most never need to be)
        self.task: Task | None = None  # the trip it is on
        self.due = 0.0  # when the trip ends (the clock time its arrival event has or would have)
        self.order = 0  # when that arrival was scheduled, in scheduling order (ties fire in it)
        self.lazy = False  # no event marks the arrival: it is applied when someone asks
        # a road or water unit that always answers and is not a neighbour's: eligible for any
        # call its mode may serve, ranked by its travel time alone
        self.always_answers = min(info.availability) >= 1.0
        self.plain = self.always_answers and info.mutual_aid is None and info.mode != AIR
        self.assignment: tuple | None = None  # (call, record) while busy on a call
        self.offset = 0.0  # network minutes from where it stands to its node (at a spot in an area)

    @property
    def moving(self) -> bool:
        return self.trip is not None or self.route is not None

    def start_trip(self, travel: Routes, via: int, target: int, behind: int | None, edge: float,
                   start: float, pace: float) -> None:
        """Begin driving to ``target`` through ``via`` (from partway along the road
        ``behind -> via`` of ``edge`` network minutes, if ``behind`` is given). ``start`` is when
        the unit was, in effect, at the first node; ``pace`` is network minutes per clock minute.
        The node-by-node route is only worked out if someone asks where the unit is."""
        self.route = self.route_minutes = None
        self.trip = (travel, via, target, behind, edge)
        self.route_start, self.route_pace = start, pace

    def stop_route(self) -> None:
        self.route = self.route_minutes = self.trip = None

    def end_task(self) -> None:
        """Whatever trip it was on is over (called off, withdrawn, pulled over): an arrival
        scheduled for it no longer counts, and none is pending without an event."""
        self.epoch += 1
        self.task = None
        self.lazy = False

    def _work_out_route(self, trip: Trip) -> None:
        travel, via, target, behind, edge = trip
        nodes, cum = travel.route(via, target)
        if behind is not None:  # the road it is on, partly driven already, comes first
            nodes = [behind, *nodes]
            cum = [0.0, *(edge + c for c in cum)]
        self.route, self.route_minutes, self.trip = nodes, cum, None

    def position(self, now: float) -> tuple[int, int, float, float]:
        """Where the unit is on its route: the last node passed, the next node, and the network
        minutes already driven since the last node and still to drive to the next."""
        trip = self.trip
        if trip is not None:
            self._work_out_route(trip)
        nodes, cum = self.route, self.route_minutes
        assert nodes is not None and cum is not None
        covered = max(0.0, (now - self.route_start) * self.route_pace)
        if covered >= cum[-1]:
            return nodes[-1], nodes[-1], 0.0, 0.0
        k = bisect_right(cum, covered) - 1
        return nodes[k], nodes[k + 1], covered - cum[k], cum[k + 1] - covered


def heading(unit: Unit, target: int, now: float, rows: list[list[float]], reversible: bool,
            snap: Callable[[int, int, float], int] | None = None) -> tuple[float, int, int | None, float]:
    """How a unit gets from where it is to ``target``.

    Returns the network minutes to ``target``, the node it drives through first, the node
    behind it when it is partway along a road (``None`` when it stands at a node), and the
    network minutes already covered on that road in the chosen direction. A unit on a road
    drives on to the next node, or turns back when that is faster and every road is two-way;
    with ``snap`` (ELASPY's rule), it starts afresh from the node ``snap`` gives for where it
    is between the two. A unit standing at a spot inside an area (an incident's) first goes
    back to its node.
    """
    if unit.trip is None and unit.route is None:  # standing (not unit.moving, inlined: a hot path)
        return unit.offset + rows[unit.node][target], unit.node, None, 0.0
    last, nxt, done, left = unit.position(now)
    if last == nxt:
        return rows[last][target], last, None, 0.0
    if snap is not None:
        node = snap(last, nxt, done / (done + left) if done + left > 0 else 0.0)
        return rows[node][target], node, None, 0.0
    forward = left + rows[nxt][target]
    if reversible and done + rows[last][target] < forward:
        return done + rows[last][target], last, nxt, left
    return forward, nxt, last, done


def heading_bound(unit: Unit, target: int, now: float, bound: Callable[[int, int], float],
                  reversible: bool, snap: Callable[[int, int, float], int] | None = None) -> float:
    """A number never above :func:`heading`'s minutes, from ``bound(origin, target)``, a lower
    bound of the minutes between two nodes that costs no search."""
    if not unit.moving:
        return unit.offset + bound(unit.node, target)
    last, nxt, done, left = unit.position(now)
    if last == nxt:
        return bound(last, target)
    if snap is not None:
        return bound(snap(last, nxt, done / (done + left) if done + left > 0 else 0.0), target)
    forward = left + bound(nxt, target)
    return min(forward, done + bound(last, target)) if reversible else forward
