"""The response engine: one replication of calls, dispatch and units, on SimPy.

The life of an incident::

    occurrence -> detection -> report -> call (dispatch starts)
        -> units sent (nearest available; what cannot be sent at once waits in a
           priority-then-FIFO queue, or the call is lost when the scenario does not queue)
        -> each unit: turnout (units already on the road do not turn out again), travel, arrival
        -> on-scene work starts with the first unit and goes at the rate of the units present
           out of those required; ``on_scene`` is its duration with the full complement
        -> scene end: units still on the way are stood down and what was still waiting for a
           unit is dropped, except a unit needed to carry a patient
        -> one unit may take a patient to the nearest hospital (travel + handover)
        -> each unit is free: it takes the next queued call it fits, or drives home
           (and can be re-dispatched on the way, when the scenario allows it).

Because work always progresses with the units present, two calls each holding part of
what they need can never block each other.

The event loop schedules plain SimPy timeouts with callbacks (no generator process per
incident) and reads travel times from precomputed Python lists: no pandas, networkx or
logging per event. Simultaneous events run in the order they were scheduled.
"""

from __future__ import annotations

import math
from bisect import insort
from collections import Counter
from collections.abc import Callable

import numpy as np
import simpy
from simpy.events import Timeout

from ..errors import SimError
from ..model.dispatch import DispatchPolicy, Fleet, make_policy
from ..model.incidents import IncidentStream
from ..model.units import AT_BASE, AWAY, BUSY, HOMING, Unit, UnitInfo, heading
from ..results.records import ReplicationRecords
from ..scenario.loader import Scenario
from .travel import TravelTimes

__all__ = ["Call", "ResponseEngine", "build_units", "travel_times"]

NAN = math.nan
# positions in an assignment record (a plain list, filled in as the assignment goes on)
(_INCIDENT, _UNIT, _CAP, _FROM, _AWAY, _DISPATCH, _DEPART, _ARRIVAL, _LEAVE, _HOSPITAL, _FREE,
 _TRAVEL, _STOOD_DOWN) = range(13)


def travel_times(scenario: Scenario) -> TravelTimes:
    """The scenario's travel-time oracle, built once and kept with the scenario."""
    oracle = scenario.cache.get("travel")
    if oracle is None:
        oracle = scenario.cache["travel"] = TravelTimes(scenario.travel)
    return oracle


def build_units(scenario: Scenario) -> list[UnitInfo]:
    """One :class:`UnitInfo` per unit, numbered ``group#1``, ``group#2`` ... in file order."""
    facility_node = {f.id: scenario.node_index[f.node] for f in scenario.spec.facilities}
    infos: list[UnitInfo] = []
    for group in scenario.spec.units:
        for k in range(group.count):
            infos.append(UnitInfo(
                index=len(infos), id=f"{group.group_id}#{k + 1}", group=group.group_id,
                type=group.type, capabilities=frozenset(group.capabilities), crew=group.crew,
                base=group.base, base_node=facility_node[group.base],
                speed_factor=group.speed_factor, turnout=group.turnout))
    return infos


class Call:
    """A reported incident being served: what it still needs, who is on it, how far the work is."""

    __slots__ = ("index", "type_name", "node", "priority", "call_time", "seq", "need", "required",
                 "slots", "assigned", "on_scene", "freed", "queued", "work_left", "work_rate",
                 "work_mark", "version", "over")

    def __init__(self, index: int, type_name: str, node: int, priority: int, call_time: float,
                 seq: int, need: dict[str, int], work: float) -> None:
        self.index = index
        self.type_name = type_name
        self.node = node
        self.priority = priority
        self.call_time = call_time
        self.seq = seq
        self.need = need
        self.required = sum(need.values())
        self.slots = 0
        self.assigned: list[tuple[Unit, list]] = []
        self.on_scene: list[tuple[Unit, list]] = []
        self.freed = 0
        self.queued = False
        self.work_left = work  # minutes of work with the full complement
        self.work_rate = 0.0  # share of the full complement on scene
        self.work_mark = 0.0
        self.version = 0  # invalidates scene-end events scheduled at an older work rate
        self.over = False


def _queue_key(call: Call) -> tuple[int, int]:
    return call.priority, call.seq


class ResponseEngine:
    """Simulates one replication and returns its records.

    Parameters
    ----------
    scenario
        A validated scenario.
    incidents
        The replication's incident stream (see :func:`sim.model.incidents.draw_incidents`).
    replication, seed
        Stored in the records.
    policy
        A dispatch policy; by default the one the scenario names.
    """

    def __init__(self, scenario: Scenario, incidents: IncidentStream, replication: int = 0,
                 seed: int = 0, policy: DispatchPolicy | None = None) -> None:
        spec = scenario.spec
        self.scenario = scenario
        self.replication = replication
        self.seed = seed
        self.env = simpy.Environment()
        self.travel = travel_times(scenario)
        self.rows = self.travel.rows
        self.unit_infos = build_units(scenario)
        self.units = [Unit(info) for info in self.unit_infos]
        self.fleet = Fleet(self.units, self.rows, lambda: self.env.now, self.travel.reversible)
        self.policy = policy if policy is not None else make_policy(spec.dispatch.policy)
        self.queue_calls = spec.dispatch.when_no_unit == "queue"
        self.redispatch = spec.dispatch.redispatch_returning
        self.return_pace = spec.dispatch.return_speed_factor
        self.drain = spec.run.drain
        self.horizon = spec.run.horizon
        types = [spec.incident_types[name] for name in incidents.type_names]
        self.type_names = incidents.type_names
        self.requires = [dict(t.requires) for t in types]
        self.priority = [t.priority for t in types]
        self.carrier = [t.transport_capability for t in types]
        self.hospitals = [scenario.node_index[f.node] for f in spec.facilities if f.kind == "hospital"]
        self._nearest_hospital: dict[int, int] = {}

        self.incidents = incidents
        n = len(incidents)
        call_time = incidents.call_time
        self.order = np.argsort(call_time, kind="stable").tolist()
        self.call_time = call_time.tolist()
        self.node = incidents.node.tolist()
        self.type_index = incidents.type_index.tolist()
        self.on_scene = incidents.on_scene.tolist()
        self.transport = incidents.transport.tolist()
        self.handover = incidents.handover.tolist()
        self.turnout_u = incidents.turnout_u
        self.first_dispatch = [NAN] * n
        self.full_dispatch = [NAN] * n
        self.first_arrival = [NAN] * n
        self.full_complement = [NAN] * n
        self.scene_end = [NAN] * n
        self.cleared = [NAN] * n
        self.waited = [False] * n
        self.lost = [False] * n
        self.assignments: list[list] = []
        self.queue: list[Call] = []
        self.events = 0
        self._next_call = 0
        self._seq = 0

    # ---------------------------------------------------------------- scheduling

    def _at(self, delay: float, callback: Callable[[Timeout], None], value: object) -> None:
        event = Timeout(self.env, delay, value)
        event.callbacks.append(callback)
        self.events += 1

    def run(self) -> ReplicationRecords:
        """Run to the horizon (and, with ``run.drain``, until every incident is cleared)."""
        self._feed_next_call()
        if self.drain:
            self.env.run()
        else:
            self.env.run(until=self.horizon)
        return self._records()

    def _feed_next_call(self) -> None:
        """Calls are fed one at a time in call-time order, keeping SimPy's heap small."""
        k = self._next_call
        if k >= len(self.order):
            return
        i = self.order[k]
        self._next_call = k + 1
        self._at(self.call_time[i] - self.env.now, self._on_call, i)

    # ---------------------------------------------------------------- calls and dispatch

    def _on_call(self, event: Timeout) -> None:
        i = event.value
        self._feed_next_call()
        t = self.type_index[i]
        self._seq += 1
        call = Call(i, self.type_names[t], self.node[i], self.priority[t], self.env.now,
                    self._seq, dict(self.requires[t]), self.on_scene[i])
        self._dispatch(call)

    def _dispatch(self, call: Call) -> None:
        picks = self.policy.select(call, call.need, self.fleet)
        if not self.queue_calls and Counter(cap for _, cap in picks) != Counter(call.need):
            self.lost[call.index] = True  # all or nothing: the call is turned away
            return
        for unit, capability in picks:
            self._assign(unit, call, capability)
        self._enqueue_if_waiting(call)

    def _enqueue_if_waiting(self, call: Call) -> None:
        if call.need and not call.queued:
            call.queued = True
            self.waited[call.index] = True
            insort(self.queue, call, key=_queue_key)

    def _serve_queue(self, unit: Unit) -> None:
        """A unit became available: the waiting calls it fits get a new dispatch attempt."""
        for call in list(self.queue):
            if unit.status == BUSY:
                return
            if not unit.capabilities.isdisjoint(call.need):
                for other, capability in self.policy.select(call, call.need, self.fleet):
                    self._assign(other, call, capability)
                if not call.need:
                    self._dequeue(call)

    def _dequeue(self, call: Call) -> None:
        if call.queued:
            self.queue.remove(call)
            call.queued = False

    def _assign(self, unit: Unit, call: Call, capability: str) -> None:
        now = self.env.now
        if unit.status not in (AT_BASE, AWAY) or capability not in unit.capabilities \
                or call.need.get(capability, 0) <= 0:
            raise SimError(f"dispatch policy {type(self.policy).__name__} chose unit "
                           f"{unit.info.id} for {capability!r}, which it cannot serve now")
        i = call.index
        was_away = unit.status == AWAY
        if was_away:  # already on the road: no turnout
            del self.fleet.away[unit.index]
            turnout = 0.0
        else:
            turnout = unit.turnout.ppf1(float(self.turnout_u[i, call.slots]))
        call.slots += 1
        travel, from_node = self._drive(unit, call.node, now + turnout, unit.speed)
        unit.status = BUSY
        unit.epoch += 1
        left = call.need[capability] - 1
        if left:
            call.need[capability] = left
        else:
            del call.need[capability]
            if not call.need:
                self.full_dispatch[i] = now
        record = [i, unit.index, capability, from_node, was_away, now, now + turnout,
                  NAN, NAN, NAN, NAN, travel, False]
        self.assignments.append(record)
        call.assigned.append((unit, record))
        if self.first_dispatch[i] != self.first_dispatch[i]:  # NaN: the first unit sent
            self.first_dispatch[i] = now
        self._at(turnout + travel, self._on_arrival, (unit, call, record, unit.epoch))

    def _drive(self, unit: Unit, target: int, depart: float, pace: float) -> tuple[float, int]:
        """Start ``unit`` driving to ``target`` from where it is (partway along a road, too);
        return the clock minutes the drive takes and the node it drives through first."""
        minutes, via, behind, covered = heading(unit, target, self.env.now, self.rows,
                                                self.travel.reversible)
        edge = covered + minutes - self.rows[via][target]
        unit.start_trip(self.travel, via, target, behind, edge, depart - covered / pace, pace)
        return minutes / pace, via

    # ---------------------------------------------------------------- on scene

    def _on_arrival(self, event: Timeout) -> None:
        unit, call, record, epoch = event.value
        if unit.epoch != epoch:  # stood down on the way
            return
        now = self.env.now
        record[_ARRIVAL] = now
        unit.stop_route()
        unit.node = call.node
        if call.over:  # the work is done; this unit came for the waiting patient
            self._carry_patient(unit, call, record)
            return
        i = call.index
        call.on_scene.append((unit, record))
        if len(call.on_scene) == 1:
            self.first_arrival[i] = now
        if len(call.on_scene) == call.required:
            self.full_complement[i] = now
        self._set_work_rate(call)

    def _set_work_rate(self, call: Call) -> None:
        """Bank the work done at the old rate, then schedule the end at the new one."""
        now = self.env.now
        call.work_left = max(0.0, call.work_left - call.work_rate * (now - call.work_mark))
        call.work_mark = now
        call.work_rate = len(call.on_scene) / call.required
        call.version += 1
        self._at(call.work_left / call.work_rate, self._on_scene_end, (call, call.version))

    def _on_scene_end(self, event: Timeout) -> None:
        call, version = event.value
        if version != call.version:  # the rate changed since this end was scheduled
            return
        i = call.index
        now = self.env.now
        call.over = True
        self.scene_end[i] = now
        self._dequeue(call)
        call.need.clear()
        carrier_cap = self.carrier[self.type_index[i]] if self.transport[i] else None
        carrier = next((u for u, rec in call.on_scene if rec[_CAP] == carrier_cap), None)
        on_scene = {id(u) for u, _ in call.on_scene}
        coming = None
        if carrier_cap is not None and carrier is None:  # the patient waits for a carrier
            coming = next((u for u, rec in call.assigned
                           if rec[_CAP] == carrier_cap and id(u) not in on_scene), None)
            if coming is None:
                call.need[carrier_cap] = 1  # asked for once the others are released
        for unit, record in list(call.assigned):
            if id(unit) in on_scene:
                record[_LEAVE] = now
                if unit is carrier:
                    self._carry_patient(unit, call, record)
                else:
                    self._release(unit, call, record)
            elif unit is not coming:
                self._stand_down(unit, call, record)
        if call.need:
            self._dispatch(call)

    def _stand_down(self, unit: Unit, call: Call, record: list) -> None:
        """Called off on the way: free where it is (still at its station during turnout)."""
        record[_STOOD_DOWN] = True
        unit.epoch += 1
        if record[_DEPART] > self.env.now:  # still turning out: it never left
            record[_DEPART] = NAN
            unit.stop_route()
        self._release(unit, call, record)

    def _carry_patient(self, unit: Unit, call: Call, record: list) -> None:
        record[_LEAVE] = self.env.now
        hospital = self._hospital_for(call.node)
        minutes, _ = self._drive(unit, hospital, self.env.now, unit.speed)
        self._at(minutes, self._on_hospital, (unit, call, record, hospital))

    def _hospital_for(self, node: int) -> int:
        hospital = self._nearest_hospital.get(node)
        if hospital is None:
            hospital = self._nearest_hospital[node] = self.travel.nearest(node, self.hospitals)
        return hospital

    def _on_hospital(self, event: Timeout) -> None:
        unit, call, record, hospital = event.value
        record[_HOSPITAL] = self.env.now
        unit.stop_route()
        unit.node = hospital
        self._at(self.handover[call.index], self._on_handover, (unit, call, record))

    def _on_handover(self, event: Timeout) -> None:
        unit, call, record = event.value
        self._release(unit, call, record)

    # ---------------------------------------------------------------- free again, going home

    def _release(self, unit: Unit, call: Call, record: list) -> None:
        now = self.env.now
        record[_FREE] = now
        call.freed += 1
        if call.freed == len(call.assigned) and not call.need:
            self.cleared[call.index] = now
        if not unit.moving and unit.node == unit.base_node:
            unit.status = AT_BASE
        else:
            unit.status = AWAY
            self.fleet.away[unit.index] = unit
        if self.queue:
            self._serve_queue(unit)
        if unit.status == AWAY:
            self._send_home(unit)

    def _send_home(self, unit: Unit) -> None:
        minutes, _ = self._drive(unit, unit.base_node, self.env.now, unit.speed * self.return_pace)
        if not self.redispatch:
            del self.fleet.away[unit.index]
            unit.status = HOMING
        self._at(minutes, self._on_home, (unit, unit.epoch))

    def _on_home(self, event: Timeout) -> None:
        unit, epoch = event.value
        if unit.epoch != epoch:  # re-dispatched on the way: this trip home never ended
            return
        unit.stop_route()
        unit.node = unit.base_node
        unit.status = AT_BASE
        self.fleet.away.pop(unit.index, None)
        if self.queue:
            self._serve_queue(unit)

    # ---------------------------------------------------------------- records

    def _records(self) -> ReplicationRecords:
        inc = self.incidents
        end = self.env.now
        node_ids = self.travel.node_ids
        infos = self.unit_infos
        occurrence = inc.time
        detection = occurrence + inc.detection_delay
        report = detection + inc.report_delay
        call = report + inc.handling_time
        happened = lambda t: np.where(t <= end, t, np.nan)  # noqa: E731

        sent: dict[int, list[str]] = {}
        transported = np.zeros(len(inc), dtype=bool)
        for rec in self.assignments:
            sent.setdefault(rec[_INCIDENT], []).append(infos[rec[_UNIT]].id)
            if rec[_HOSPITAL] == rec[_HOSPITAL]:
                transported[rec[_INCIDENT]] = True
        cleared = np.array(self.cleared)
        status = np.where(self.lost, "lost", np.where(np.isnan(cleared), "open", "cleared"))
        incidents = {
            "incident": np.arange(len(inc)),
            "type": [inc.type_names[t] for t in self.type_index],
            "generator": [inc.generator_names[g] for g in inc.generator_index.tolist()],
            "node": [node_ids[j] for j in self.node],
            "priority": [self.priority[t] for t in self.type_index],
            "occurrence": occurrence,
            "detection": happened(detection),
            "report": happened(report),
            "call": happened(call),
            "first_dispatch": np.array(self.first_dispatch),
            "full_dispatch": np.array(self.full_dispatch),
            "first_arrival": np.array(self.first_arrival),
            "full_complement": np.array(self.full_complement),
            "scene_end": np.array(self.scene_end),
            "cleared": cleared,
            "response_time": np.array(self.first_arrival) - occurrence,
            "status": status,
            "waited": np.array(self.waited),
            "units_sent": np.array([len(sent.get(i, ())) for i in range(len(inc))], dtype=np.int64),
            "units": [";".join(sent.get(i, ())) for i in range(len(inc))],
            "transported": transported,
        }
        recs = self.assignments
        column = lambda k: [r[k] for r in recs]  # noqa: E731
        assignments = {
            "incident": np.array(column(_INCIDENT), dtype=np.int64),
            "unit": [infos[r[_UNIT]].id for r in recs],
            "capability": column(_CAP),
            "from_node": [node_ids[r[_FROM]] for r in recs],
            "was_away": np.array(column(_AWAY), dtype=bool),
            "dispatch": np.array(column(_DISPATCH), dtype=float),
            "depart": np.array(column(_DEPART), dtype=float),
            "arrival": np.array(column(_ARRIVAL), dtype=float),
            "leave_scene": np.array(column(_LEAVE), dtype=float),
            "hospital_arrival": np.array(column(_HOSPITAL), dtype=float),
            "free": np.array(column(_FREE), dtype=float),
            "travel_minutes": np.array(column(_TRAVEL), dtype=float),
            "stood_down": np.array(column(_STOOD_DOWN), dtype=bool),
        }
        units = {
            "unit": [u.id for u in infos],
            "group": [u.group for u in infos],
            "type": [u.type for u in infos],
            "capabilities": [";".join(sorted(u.capabilities)) for u in infos],
            "crew": [u.crew for u in infos],
            "base": [u.base for u in infos],
            "base_node": [node_ids[u.base_node] for u in infos],
        }
        return ReplicationRecords(
            replication=self.replication, seed=self.seed, horizon=self.horizon,
            warmup=self.scenario.spec.run.warmup, end_time=end, events=self.events,
            incidents=incidents, assignments=assignments, units=units)
