"""Where each unit is, and when its trips end: the one place a unit's timeline is worked out.

A trip (:class:`~sim.model.units.Task`) starts with :meth:`UnitTimelines.drive`, which works
out when it ends (``unit.due``) from where the unit is. What marks its end depends on whether
anyone can tell the moment apart from the next one that matters:

* a trip **to a call** whose scene is ordinary work ends *lazily*: the core plans the scene's end
  from the arrival times it knows (:meth:`~sim.engine.scenes.WorkScene.end_after`) and schedules
  only that; the arrivals are applied, in order and at their own times, when the scene ends or
  someone asks earlier (a withdrawal, a change of roads);
* a trip **to hospital** ends lazily too: one event at the end of the handover frees the unit;
* a trip **home** of a unit that is available on the way ends lazily, unless calls are waiting
  (they would try it again on arrival): nobody else can tell a unit just home from one about to
  be, so it is put in its station when someone asks (dispatch, roads, staging, the records);
* anything else (a fire, a patient waiting after the work is done, a helicopter landing, a unit
  pulling over) gets an event at ``unit.due``.

:meth:`UnitTimelines.settle` brings a unit up to the present: whoever looks at a unit's state
(outside the dispatch queries, which work from positions and need nothing) calls it first.
Times are computed with the same float operations as the events they replace would have used
(``now + delay``), so records are the same to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any, TypeVar, overload

from simpy.events import Timeout

from ..model.dispatch import Fleet
from ..model.units import (
    AIR,
    AT_BASE,
    AWAY,
    HOME,
    HOMING,
    PULL_OVER,
    TO_CALL,
    TO_HOSPITAL,
    Task,
    Unit,
    heading,
)
from .calls import Call
from .scenes import FireScene
from .scheduling import At, Clock, Fired

__all__ = ["UnitTimelines"]

V = TypeVar("V")


def _by_arrival(entry: tuple[float, int, Unit]) -> tuple[float, int]:
    return entry[0], entry[1]


class UnitTimelines:
    """Scheduling and unit trips; :class:`~sim.engine.response.ResponseEngine` adds calls."""

    env: Clock
    modes: list[Any]
    units: list[Unit]
    fleet: Fleet
    queue: list[Call]
    redispatch: bool
    return_pace: float
    events: int
    handover: list[float]
    # what the classes above this one do when a trip ends (sim.engine.onscene, sim.engine.response)
    arrived: Callable[[Unit, Call, list, float, bool], None]  # (unit, call, record, when, lazy)
    at_hospital: Callable[[list, float], None]  # (record, when)
    on_handed_over: Callable[[Fired[tuple[Unit, int, tuple[Call, list, int]]]], None]
    on_scene_timer: Callable[[Fired[tuple[Call, int]]], None]
    landed: Callable[[Unit], None]  # a helicopter home: it refuels
    withdraw: Callable[[Unit], None]
    serve_queue: Callable[[Unit], None]

    def start_timelines(self) -> None:
        self.events = 0
        self._order = 0
        # units going home with no event for their arrival: (due, trip order, unit), a heap; an
        # entry whose unit has set off on another trip since is dropped when it comes up
        self._homes: list[tuple[float, int, Unit]] = []

    # ---------------------------------------------------------------- scheduling

    @overload
    def at(self, delay: float, callback: Callable[[Fired[None]], None]) -> None: ...

    @overload
    def at(self, delay: float, callback: Callable[[Fired[V]], None], value: V) -> None: ...

    def at(self, delay: float, callback: Callable[[Fired[Any]], None], value: object = None) -> None:
        """Schedule ``callback(event)`` after ``delay`` minutes (``event.value`` is ``value``)."""
        event = Timeout(self.env, delay if delay > 0.0 else 0.0, value)
        # SimPy types callbacks as taking any Event; this one gets a Timeout carrying ``value``
        event.callbacks.append(callback)  # type: ignore[arg-type]
        self.events += 1

    def at_time(self, when: float, callback: Callable[[Fired[V]], None], value: V) -> None:
        """Schedule ``callback(event)`` at the clock time ``when`` exactly."""
        event = At(self.env, when, value)
        event.callbacks.append(callback)  # type: ignore[arg-type]
        self.events += 1

    # ---------------------------------------------------------------- trips

    def drive(self, unit: Unit, target: int, depart: float, pace: float, kind: int, payload: object,
              leg: float = 0.0) -> tuple[float, int]:
        """Start ``unit`` for ``target`` from where it is (partway along a road, or at a spot
        inside an area, too), leaving at ``depart`` (after a turnout), arriving ``leg`` network
        minutes past ``target`` (the stretch to a spot inside its area) at ``unit.due``. Returns
        the clock minutes of the drive and the node it goes through first; ``inf`` if it cannot
        get there (it then goes on to the next node and waits). Nothing is scheduled:
        :meth:`mark_arrival` does that."""
        now = self.env.now
        oracle = self.modes[unit.mode]
        minutes, via, behind, covered = heading(unit, target, now, oracle.rows, oracle.reversible,
                                                oracle.snap)
        if not math.isfinite(minutes):  # it goes on to the next node and waits there
            self.pull_over(unit, via)
            return math.inf, via
        edge = covered + minutes - oracle.rows[via][target]
        start = depart - covered / pace
        if behind is None and unit.offset:  # from the spot back to its node first
            start, unit.offset = depart + unit.offset / pace, 0.0
        unit.start_trip(oracle, via, target, behind, edge, start, pace)
        unit.epoch += 1
        # a NamedTuple built as a tuple: Task(...) costs four times as much, on every trip
        unit.task = tuple.__new__(Task, (kind, payload, target, pace, depart, leg))
        delay = depart - now + (minutes + leg) / pace
        unit.due = now + (delay if delay > 0.0 else 0.0)
        self._order += 1
        unit.order = self._order
        unit.lazy = False
        return (minutes + leg) / pace, via

    def mark_arrival(self, unit: Unit) -> None:
        """Schedule what marks the end of the trip :meth:`drive` has just started."""
        task = unit.task
        assert task is not None  # drive() has just set it
        kind = task.kind
        if kind == TO_CALL:
            call = task.payload[0]
            if call.over or isinstance(call.scene, FireScene):
                self._event_at_due(unit)
            else:
                unit.lazy = True  # the core plans the scene's end (plan_scene)
        elif kind == TO_HOSPITAL:
            unit.lazy = True
            handover = self.handover[task.payload[0].index]
            self.at_time(unit.due + (handover if handover > 0.0 else 0.0), self.on_handed_over,
                         (unit, unit.epoch, task.payload))
        elif kind == HOME and unit.mode != AIR and unit.status == AWAY and not self.queue:
            unit.lazy = True
            heappush(self._homes, (unit.due, unit.order, unit))
        else:
            self._event_at_due(unit)

    def _event_at_due(self, unit: Unit) -> None:
        unit.lazy = False
        self.at_time(unit.due, self._on_due, (unit, unit.epoch))

    def retrip(self, unit: Unit, task: Task, depart: float) -> bool:
        """Do ``task`` again from where the unit is (roads changed), leaving at ``depart``. False
        when it cannot get there and must wait for a road; a unit that cannot get to its call is
        withdrawn from it instead, and one that cannot get home waits where it stops."""
        minutes, _ = self.drive(unit, task.target, depart, task.pace, task.kind, task.payload, task.leg)
        if math.isfinite(minutes):
            self.mark_arrival(unit)
            if task.kind == TO_CALL and unit.lazy:
                self.plan_scene(task.payload[0])
            return True
        if task.kind == TO_CALL:
            self.withdraw(unit)  # it cannot get there: someone else must
            return True
        return task.kind == HOME

    def pull_over(self, unit: Unit, node: int) -> None:
        """Drive on to ``node`` (the end of the road it is on) and wait there; a unit standing
        at a node just stays."""
        unit.end_task()
        if not unit.moving:
            return
        now = self.env.now
        oracle = self.modes[unit.mode]
        minutes, via, behind, covered = heading(unit, node, now, oracle.rows, oracle.reversible,
                                                oracle.snap)
        if not math.isfinite(minutes):  # pragma: no cover - the node ends its own road
            unit.stop_route()
            unit.node = node
            return
        pace = unit.route_pace
        edge = covered + minutes - oracle.rows[via][node]
        unit.start_trip(oracle, via, node, behind, edge, now - covered / pace, pace)
        unit.task = Task(PULL_OVER, node, node, pace, now, 0.0)
        unit.due = now + minutes / pace
        self._event_at_due(unit)

    def _on_due(self, event: Fired[tuple[Unit, int]]) -> None:
        unit, epoch = event.value
        if unit.epoch == epoch:  # not stood down, rerouted or re-dispatched since
            self._reach(unit, self.env.now, lazy=False)

    # ---------------------------------------------------------------- arriving

    def settle(self, unit: Unit, now: float | None = None) -> None:
        """Apply the arrival of a trip ended by ``now`` (default: the clock) with no event."""
        task = unit.task
        if unit.lazy and task is not None and unit.due <= (self.env.now if now is None else now):
            if task.kind == TO_CALL:
                self.settle_call(task.payload[0], self.env.now if now is None else now)
            else:
                self._reach(unit, unit.due, lazy=True)

    def settle_call(self, call: Call, now: float) -> None:
        """Apply, in order, the arrivals at ``call`` due by ``now`` that have no event."""
        for when, _, unit in self._coming(call):
            if when > now:
                break
            self._reach(unit, when, lazy=True)

    @staticmethod
    def _coming(call: Call) -> list[tuple[float, int, Unit]]:
        """The units on their way to ``call`` with no event for their arrival, by arrival (the
        order of scheduling on ties)."""
        if len(call.assigned) == 1:  # the common case, without a loop
            unit, record = call.assigned[0]
            task = unit.task
            if unit.lazy and task is not None and task.kind == TO_CALL and task.payload[1] is record:
                return [(unit.due, unit.order, unit)]
            return []
        coming = []
        for unit, record in call.assigned:
            task = unit.task
            if unit.lazy and task is not None and task.kind == TO_CALL and task.payload[1] is record:
                coming.append((unit.due, unit.order, unit))
        if len(coming) > 1:
            coming.sort(key=_by_arrival)
        return coming

    def plan_scene(self, call: Call) -> None:
        """Schedule the end of an ordinary scene from the units there and the arrivals to come."""
        if call.over or isinstance(call.scene, FireScene):
            return  # a fire's transitions come by events
        end = call.scene.end_after(len(call.on_scene), [when for when, _, _ in self._coming(call)])
        if end != call.end_at:
            call.version += 1  # the end scheduled before, if any, no longer holds
            call.end_at = end
            if math.isfinite(end):
                self.at_time(end, self.on_scene_timer, (call, call.version))

    def _reach(self, unit: Unit, when: float, lazy: bool) -> None:
        """The trip ends at ``when`` (now, or earlier when applied lazily)."""
        task = unit.task
        assert task is not None  # only a unit on a trip arrives
        unit.lazy = False
        unit.stop_route()
        unit.task = None
        kind = task.kind
        if kind == TO_CALL:
            call, record = task.payload
            self.arrived(unit, call, record, when, lazy)
        elif kind == TO_HOSPITAL:
            call, record, hospital = task.payload
            self.at_hospital(record, when)
            unit.node = hospital
        elif kind == HOME:
            unit.node = unit.base_node
            self.fleet.away.pop(unit.index, None)
            if unit.mode == AIR:
                self.landed(unit)
                return
            unit.status = AT_BASE
            if self.queue and not lazy:
                self.serve_queue(unit)
        else:
            unit.node = task.target

    def send_home(self, unit: Unit) -> None:
        """Drive home (available on the way unless re-dispatch en route is off)."""
        minutes, _ = self.drive(unit, unit.base_node, self.env.now, unit.speed * self.return_pace, HOME, None)
        if not math.isfinite(minutes):  # cut off from home: wait here for the roads to reopen
            unit.stop_route()
            return
        if not self.redispatch or unit.mode == AIR:
            self.fleet.away.pop(unit.index, None)
            unit.status = HOMING
        self.mark_arrival(unit)

    def calls_waiting(self) -> None:
        """A call is waiting: units going home must arrive by an event, as it tries them again."""
        now = self.env.now
        homes, self._homes = self._homes, []
        for due, order, unit in sorted(homes):
            if self._homing(unit, order):
                if due <= now:
                    self._reach(unit, due, lazy=True)
                else:
                    self._event_at_due(unit)

    @staticmethod
    def _homing(unit: Unit, order: int) -> bool:
        """``unit`` is still on the trip home ``order`` with no event for its arrival."""
        task = unit.task
        return unit.lazy and unit.order == order and task is not None and task.kind == HOME

    def settle_homes(self) -> None:
        """Put in their stations the units home by now (before a dispatch looks at them)."""
        homes = self._homes
        now = self.env.now
        while homes and homes[0][0] <= now:
            due, order, unit = heappop(homes)
            if self._homing(unit, order):
                self._reach(unit, due, lazy=True)

    def settle_all(self, now: float) -> None:
        for unit in self.units:
            if unit.lazy:
                self.settle(unit, now)

    def last_due(self) -> float:
        """When the last trip with no event ends (-inf if none)."""
        return max((u.due for u in self.units if u.lazy and u.task is not None), default=-math.inf)
