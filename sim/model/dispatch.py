"""Dispatch: which available units go to a call.

A policy is a small class with one method, :meth:`DispatchPolicy.select`. It sees the call,
what the call still needs (capability -> number of units) and a :class:`Fleet` view that
answers "which units are available" and "how long would this unit take to get there". It
returns ``(unit, capability)`` pairs; the engine does the rest (travel, queueing, records).

Scenario files name a policy with ``dispatch.policy``: a built-in name (``nearest_available``)
or the name your own class is registered under (:mod:`sim.plugins`); or pass a policy object to
:func:`sim.run`. A file never names code to import.
"""

from __future__ import annotations

import bisect
import math
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Protocol

from ..engine.streams import keyed_uniform
from ..plugins import make_policy_named
from .units import AIR, AT_BASE, AWAY, Unit, heading, heading_bound

__all__ = ["CallView", "DispatchPolicy", "Fleet", "NearestAvailable", "POLICIES", "make_policy"]


class CallView(Protocol):
    """What a policy may read about a call."""

    index: int
    node: int
    type_name: str
    priority: int
    call_time: float
    modes: frozenset[int] | None  # travel modes the incident type allows (None: any)


class Oracle(Protocol):
    rows: list[list[float]]
    reversible: bool
    lower_bound: Callable[[int, int], float] | None  # see sim.engine.travel
    snap: Callable[[int, int, float], int] | None  # see sim.engine.travel


# how a helicopter reaches a place: (unit, node, capability, call) -> (the node it flies to,
# clock minutes from landing to the place) or None (sim.engine.landing)
AirWay = Callable[[Unit, int, "str | None", "CallView | None"], "tuple[int, float] | None"]

MAX_ORDER_STATES = 64  # road-and-bases states whose station orders are kept
# station orders of one state: (node, capability) -> (travel times, unit indices), fastest first
Orders = dict[tuple[int, str], tuple[list[float], list[int]]]


class Fleet:
    """The policy's view of the units: who may go to a call, and how long each would take.

    A unit may go when it is available (in its station, or away from it and free) and
    *eligible* for the call: its travel mode is one the incident type allows; a helicopter is
    not grounded by wind at its base or at the scene; a unit with ``availability < 1`` answers
    this call (a fixed draw per call and unit, against its share for the hour of the day of the
    dispatch: ``day_start`` is the clock minutes past midnight at time 0); and a neighbouring
    region's unit only when its mutual-aid conditions hold (``severe``: the call's priority is
    high enough; ``exhausted``: the region's own eligible units cannot fill the request).
    """

    def __init__(self, units: list[Unit], modes: list[Oracle], clock: Callable[[], float], *,
                 key: tuple[int, int] = (0, 0), air_margin: float = 0.0,
                 can_fly: Callable[[Unit, int], bool] | None = None,
                 orders: dict[tuple, Orders] | None = None, day_start: float = 0.0,
                 air_way: AirWay | None = None, rank_turnout: bool = False) -> None:
        self.units = units
        self._rank_turnout = rank_turnout  # rank by expected arrival: a unit's mean turnout counts
        self._day_start = day_start
        self._air_way = air_way
        self.modes = modes
        self.away: dict[int, Unit] = {}  # available units not standing in their station
        self._clock = clock
        self._key = key
        self._air_margin = air_margin
        self._can_fly = can_fly
        # station orders per (road state, where the units are based): shared by the replications
        # of a scenario when ``orders`` is given, as unit indices
        self._orders: dict[tuple, Orders] = {} if orders is None else orders
        # the orders this fleet has looked up, by (closed roads, node, capability)
        self._units_by_order: dict[tuple, tuple[list[float], list[int]]] = {}
        self._bases = tuple(u.base_node for u in units)
        self._supply = Counter(cap for u in units for cap in u.capabilities)

    # ---------------------------------------------------------------- queries for policies

    def is_available(self, unit: Unit) -> bool:
        return unit.status == AT_BASE or unit.status == AWAY

    def eligible(self, unit: Unit, call: CallView | None) -> bool:
        """May ``unit`` be sent to ``call`` (mode, wind, answering, mutual-aid severity)?"""
        if unit.plain:  # always answers, no neighbour's rules, no wind: only the mode counts
            return call is None or call.modes is None or unit.mode in call.modes
        if call is not None:
            if call.modes is not None and unit.mode not in call.modes:
                return False
            info = unit.info
            if not unit.always_answers:
                share = info.availability[int((self._clock() + self._day_start) % 1440.0 // 60.0)]
                if share < 1.0 and keyed_uniform(*self._key, call.index, unit.index) >= share:
                    return False
            aid = info.mutual_aid
            if aid is not None and "severe" in aid.when and call.priority > aid.max_priority:
                return False
        if unit.mode == AIR and self._can_fly is not None:
            return self._can_fly(unit, call.node if call is not None else unit.node)
        return True

    def available(self, capability: str, call: CallView | None = None) -> list[Unit]:
        """Every available unit with ``capability`` (eligible for ``call``, when given), in
        unit order."""
        return [u for u in self.units if capability in u.capabilities and self.is_available(u)
                and self.eligible(u, call) and math.isfinite(
                    self.travel_from_position(u, call.node if call else u.node, capability, call)[0])]

    def supply(self, capability: str) -> int:
        """How many units in the scenario have ``capability`` (busy or not)."""
        return self._supply.get(capability, 0)

    def eta(self, unit: Unit, node: int) -> float:
        """Travel minutes from the unit's current position to ``node`` (turnout excluded;
        ``inf`` when its mode cannot get there, e.g. over cut roads)."""
        return self.travel_from_position(unit, node)[0]

    def travel_from_position(self, unit: Unit, node: int, capability: str | None = None,
                             call: CallView | None = None) -> tuple[float, int]:
        """Travel minutes to ``node`` (sent for ``capability``; a helicopter's include its
        landing: see sim.engine.landing) and the node the unit goes through first."""
        oracle = self.modes[unit.mode]
        extra = 0.0
        if unit.mode == AIR and self._air_way is not None:
            way = self._air_way(unit, node, capability, call)
            if way is None:
                return math.inf, unit.node
            node, extra = way
        minutes, via, _, _ = heading(unit, node, self._clock(), oracle.rows, oracle.reversible,
                                     oracle.snap)
        return minutes / unit.speed + extra, via

    def nearest(self, node: int, capability: str, k: int,
                exclude: set[int] | frozenset[int] = frozenset(),
                call: CallView | None = None) -> list[tuple[float, Unit]]:
        """Up to ``k`` eligible available units with ``capability``, fastest first.

        Helicopters count as ``dispatch.air_margin`` minutes slower, plus their mean launch delay,
        so they are chosen over ground units only when clearly faster (or when nothing else can
        get there). A
        neighbouring region's units with the ``exhausted`` condition join only when the region's
        own units cannot fill the ``k`` places. Ties go to the lower unit number."""
        local: list[tuple[float, int, float, Unit]] = []  # kept sorted
        aid: list[tuple[float, int, float, Unit]] = []
        kth_best = math.inf  # the k-th best rank once there are k: no station further can beat it
        modes = None if call is None else call.modes
        units = self.units
        for eta, index in zip(*self._stations_by_distance(node, capability), strict=True):
            unit = units[index]
            if eta > kth_best or eta == math.inf:
                break  # stations come by travel time: no later one can do better
            if unit.status != AT_BASE or unit.index in exclude:
                continue
            if unit.plain and unit.offset == 0.0:  # in its station: the travel time from there
                if modes is not None and unit.mode not in modes:
                    continue
                rank = eta + unit.turnout.mean if self._rank_turnout else eta  # (staging may change it)
                bisect.insort(local, (rank, unit.index, eta, unit))
            elif not self._consider(unit, node, call, local, aid, capability):
                continue
            if len(local) >= k:
                kth_best = local[k - 1][0]
        for unit in self.away.values():
            if capability in unit.capabilities and unit.index not in exclude:
                if len(local) >= k and self._surely_slower(unit, node, local[k - 1][0]):
                    continue
                self._consider(unit, node, call, local, aid, capability)
        chosen = local[:k]  # both lists are kept sorted by (rank, unit number)
        if len(chosen) < k and aid:
            chosen += aid[:k - len(chosen)]
        return [(eta, unit) for _, _, eta, unit in chosen]

    def _surely_slower(self, unit: Unit, node: int, rank: float) -> bool:
        """Whether a lower bound of the unit's minutes to ``node`` is above ``rank`` already (on
        a large road network, where its exact minutes may cost a search; see road_rows)."""
        oracle = self.modes[unit.mode]
        bound = oracle.lower_bound
        if bound is None:
            return False
        minutes = heading_bound(unit, node, self._clock(), bound, oracle.reversible, oracle.snap)
        return minutes / unit.speed > rank

    def _consider(self, unit: Unit, node: int, call: CallView | None, local: list, aid: list,
                  capability: str | None = None) -> bool:
        """Add an eligible unit that can get there to ``local`` (or ``aid``); True if local."""
        if not self.eligible(unit, call):
            return False
        if unit.mode == AIR:
            eta = self.travel_from_position(unit, node, capability, call)[0]
        else:
            oracle = self.modes[unit.mode]
            eta = heading(unit, node, self._clock(), oracle.rows, oracle.reversible,
                          oracle.snap)[0] / unit.speed
        if eta == math.inf:
            return False
        # a helicopter must beat ground units by the margin, counting its launch delay; with
        # rank_by arrival a unit still in its station counts its mean turnout
        if unit.mode == AIR:
            rank = eta + self._air_margin + unit.turnout.mean
        else:
            rank = eta + unit.turnout.mean if self._rank_turnout and unit.status == AT_BASE else eta
        help_ = unit.info.mutual_aid
        last_resort = help_ is not None and "exhausted" in help_.when  # only when ours cannot fill
        bisect.insort(aid if last_resort else local, (rank, unit.index, eta, unit))
        return not last_resort

    def bases_changed(self) -> None:
        """Units moved to other stations (pre-positioning): other station orders apply."""
        self._bases = tuple(u.base_node for u in self.units)
        self._units_by_order.clear()

    def _stations_by_distance(self, node: int, capability: str) -> tuple[list[float], list[int]]:
        """Units with ``capability`` (their indices) by travel time from their station to
        ``node``, and those times, kept per road state (closed roads) and bases, so states that
        come back reuse their orders (two flat lists shared by the replications: few objects for
        the garbage collector to look at)."""
        closed = getattr(self.modes[0], "closed", None)
        local = (closed, node, capability)
        found = self._units_by_order.get(local)
        if found is not None:
            return found
        state = (closed, self._bases)
        orders = self._orders.get(state)
        if orders is None:
            if len(self._orders) >= MAX_ORDER_STATES:
                self._orders.pop(next(iter(self._orders)))
            orders = self._orders[state] = {}
        order = orders.get((node, capability))
        if order is None:
            modes = self.modes
            ranked = sorted((modes[u.mode].rows[u.base_node][node] / u.speed, u.index)
                            for u in self.units if capability in u.capabilities)
            order = orders[(node, capability)] = ([eta for eta, _ in ranked], [i for _, i in ranked])
        self._units_by_order[local] = order
        return order


class DispatchPolicy(ABC):
    """Chooses units for a call. Subclass it and name it in ``dispatch.policy``."""

    name = "custom"

    @abstractmethod
    def select(self, call: CallView, need: Mapping[str, int], fleet: Fleet) -> list[tuple[Unit, str]]:
        """Return ``(unit, capability)`` pairs for available units that fill part of ``need``.

        Returning fewer units than needed is allowed: the call then waits for the rest (or is
        lost, if the scenario says so). Each unit may appear once and must be available.
        """


class NearestAvailable(DispatchPolicy):
    """Nearest available units by travel time, with capability matching.

    Capabilities are filled scarcest first (fewest units in the scenario), so that a
    multi-capability unit is not used up on a common capability when it is the only one
    nearby with a rare one. Units driving back to their station count from where they are.
    Only eligible units go (see :class:`Fleet`).
    """

    name = "nearest_available"

    def select(self, call: CallView, need: Mapping[str, int], fleet: Fleet) -> list[tuple[Unit, str]]:
        picks: list[tuple[Unit, str]] = []
        taken: set[int] = set()
        for capability in sorted(need, key=lambda c: (fleet.supply(c), c)):
            for _, unit in fleet.nearest(call.node, capability, need[capability], taken, call):
                picks.append((unit, capability))
                taken.add(unit.index)
        return picks


POLICIES: dict[str, type[DispatchPolicy]] = {NearestAvailable.name: NearestAvailable}


def make_policy(name: str) -> DispatchPolicy:
    """The built-in policy ``name``, or the one registered under it (:mod:`sim.plugins`)."""
    return make_policy_named("dispatch", name, POLICIES, "select")

