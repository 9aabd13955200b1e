"""What happens at a call: units arrive, the scene progresses and ends, a patient is carried.

:class:`OnScene` sits between the units' timelines (:mod:`sim.engine.timeline`: where units are
and when their trips end) and the core (:class:`~sim.engine.response.ResponseEngine`: calls
coming in, dispatch, the queue, units freed). An ordinary scene's arrivals come with no event
of their own: the timeline applies them, in order and at their own times, when the planned end
comes or someone asks earlier; a fire's come by events, as each changes the fire line built.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..model.units import AIR, ROAD, TO_HOSPITAL, Task, Unit
from .calls import ARRIVAL, CAP, DEPART, FREE, HOSPITAL, LEAVE, STOOD_DOWN, WITHDRAWN, Call
from .scenes import FireScene
from .scheduling import Fired
from .timeline import UnitTimelines

if TYPE_CHECKING:  # pragma: no cover
    from .air import AirControl
    from .roads import RoadControl

__all__ = ["OnScene"]

NAN = math.nan


class OnScene(UnitTimelines):
    """Units at calls; the core that feeds the calls derives from it."""

    air: AirControl
    roads: RoadControl
    first_arrival: list[float]
    first_mode: list[int]
    capable_arrival: list[float]  # the first unit that can do the job (sim.scenario.schema.IncidentType)
    can_do: list[frozenset[str]]  # per incident type: the capabilities that can
    full_complement: list[float]
    scene_end: list[float]
    carrier: list[str | None]
    type_index: list[int]
    transport: list[bool]
    hospitals: list[int]
    helipads: list[int]
    # what the core does (sim.engine.response)
    release: Callable[[Unit, Call, list], None]  # (unit, call, record): the unit is done with the call
    ask_again: Callable[[Call], None]  # a new dispatch attempt for what the call still needs (the rest waits)
    dequeue: Callable[[Call], None]

    def arrived(self, unit: Unit, call: Call, record: list, when: float, lazy: bool) -> None:
        """``unit`` reached ``call`` at ``when`` (earlier than now when applied lazily: an
        ordinary scene's end was planned with it, so nothing is scheduled)."""
        record[ARRIVAL] = when
        unit.node = call.node
        if unit.mode == ROAD:
            unit.offset = call.leg  # at the spot, inside the area of its node
        elif unit.mode == AIR:  # the aircraft waits where it put down; the way back comes first
            unit.node, unit.offset = self.air.put_down.pop(unit.index, (call.node, 0.0))
        if call.over:  # the work is done; this unit came for the waiting patient
            self._carry_patient(unit, call, record)
            return
        i = call.index
        call.on_scene.append((unit, record))
        if self.first_arrival[i] != self.first_arrival[i]:  # NaN: the first unit on scene
            self.first_arrival[i] = when
            self.first_mode[i] = unit.mode
        if self.capable_arrival[i] != self.capable_arrival[i] \
                and not self.can_do[self.type_index[i]].isdisjoint(unit.capabilities):
            self.capable_arrival[i] = when
        if len(call.on_scene) == call.required:
            self.full_complement[i] = when
        if lazy:
            call.scene.update(when, len(call.on_scene))
        else:
            self.scene_changed(call)

    def _production(self, call: Call) -> float:
        """Fire line the units on scene build, m/min (helicopters by bucket drops)."""
        return sum(self.air.bucket_line_rate(unit, call.node) if unit.mode == AIR
                   else unit.info.line_production for unit, _ in call.on_scene)

    def scene_changed(self, call: Call) -> None:
        """Units came or went: ask the scene when its next transition is, and schedule it (an
        ordinary scene: plan its end with the arrivals to come)."""
        now = self.env.now
        scene = call.scene
        if isinstance(scene, FireScene):
            due = scene.update(now, self._production(call), len(call.on_scene))
            call.version += 1
            if math.isfinite(due):
                self.at(due - now, self.on_scene_timer, (call, call.version))
        else:
            scene.update(now, len(call.on_scene))
            self.plan_scene(call)

    def on_scene_timer(self, event: Fired[tuple[Call, int]]) -> None:
        call, version = event.value
        if version != call.version:  # units came or went since this was scheduled
            return
        scene = call.scene
        if isinstance(scene, FireScene) and scene.burning:
            scene.contain(self.env.now)
            if call.on_scene:  # no more units needed: the rest are called off
                self.dequeue(call)
                call.need.clear()
                for unit, record in list(call.assigned):
                    if all(unit is not u for u, _ in call.on_scene) and record[FREE] != record[FREE]:
                        self._stand_down(unit, call, record)
            self.scene_changed(call)
            return
        self.settle_call(call, self.env.now)
        self._end_scene(call)

    def _end_scene(self, call: Call) -> None:
        i = call.index
        now = self.env.now
        call.over = True
        self.scene_end[i] = now
        self.dequeue(call)
        call.need.clear()
        carrier_cap = self.carrier[self.type_index[i]] if self.transport[i] else None
        carrier = next((u for u, rec in call.on_scene if rec[CAP] == carrier_cap), None)
        on_scene = {id(u) for u, _ in call.on_scene}
        coming = None
        if carrier_cap is not None and carrier is None:  # the patient waits for a carrier
            coming = next((u for u, rec in call.assigned if rec[CAP] == carrier_cap
                           and id(u) not in on_scene and rec[FREE] != rec[FREE]), None)
            if coming is None:
                call.need[carrier_cap] = 1  # asked for once the others are released
            elif coming.lazy:
                self.mark_arrival(coming)  # its arrival now matters: the patient waits for it
        for unit, record in list(call.assigned):
            if record[FREE] == record[FREE]:
                continue  # stood down or withdrawn earlier
            if id(unit) in on_scene:
                record[LEAVE] = now
                if unit is carrier:
                    self._carry_patient(unit, call, record)
                else:
                    self.release(unit, call, record)
            elif unit is not coming:
                self._stand_down(unit, call, record)
        if call.need:
            self.ask_again(call)

    def _stand_down(self, unit: Unit, call: Call, record: list) -> None:
        """Called off on the way: free where it is (still at its station during turnout)."""
        record[STOOD_DOWN] = True
        unit.end_task()
        if record[DEPART] > self.env.now:  # still turning out: it never left
            record[DEPART] = NAN
            unit.stop_route()
        self.release(unit, call, record)

    def withdraw(self, unit: Unit) -> None:
        """Take a busy unit off its call (sunset for a helicopter, or cut off by a road): its
        place on the call is asked for again. A unit carrying a patient carries on."""
        if unit.assignment is None:
            return
        call, record = unit.assignment
        self.settle_call(call, self.env.now)
        if call.over or record[ARRIVAL] == record[ARRIVAL] and all(u is not unit for u, _ in call.on_scene):
            return
        if any(u is unit for u, _ in call.on_scene):
            call.on_scene = [(u, r) for u, r in call.on_scene if u is not unit]
            record[LEAVE] = self.env.now
            record[WITHDRAWN] = True
            unit.end_task()
            self.scene_changed(call)
            self.release(unit, call, record)
        else:
            self._stand_down(unit, call, record)
            if not isinstance(call.scene, FireScene):
                self.plan_scene(call)  # one fewer on the way
        call.need[record[CAP]] = call.need.get(record[CAP], 0) + 1
        self.ask_again(call)

    def _carry_patient(self, unit: Unit, call: Call, record: list) -> None:
        record[LEAVE] = self.env.now
        candidates = self.helipads if unit.mode == AIR else self.hospitals
        oracle = self.modes[unit.mode]
        hospital = min(candidates, key=lambda h: oracle.rows[call.node][h])
        payload = (call, record, hospital)
        minutes, _ = self.drive(unit, hospital, self.env.now, unit.speed, TO_HOSPITAL, payload)
        if math.isfinite(minutes):
            self.mark_arrival(unit)
        else:  # no open road to a hospital: it waits with the patient
            task = Task(TO_HOSPITAL, payload, hospital, unit.speed, self.env.now, 0.0)
            self.roads.wait_for_road(unit, task)

    def at_hospital(self, record: list, when: float) -> None:
        record[HOSPITAL] = when

    def on_handed_over(self, event: Fired[tuple[Unit, int, tuple[Call, list, int]]]) -> None:
        unit, epoch, (call, record, _) = event.value
        if unit.epoch != epoch:  # rerouted on the way: a later event frees it
            return
        self.settle(unit)
        self.release(unit, call, record)

    def landed(self, unit: Unit) -> None:
        self.air.landed(unit)
