"""The response engine: one replication of calls, dispatch and units, on SimPy.

The life of an incident::

    occurrence -> detection -> report -> call (dispatch starts)
        -> units sent (nearest eligible and available; what cannot be sent at once waits in a
           priority-then-FIFO queue, or the call is lost when the scenario does not queue)
        -> each unit: turnout (units already on the road do not turn out again), travel by
           road, air or water, arrival
        -> the scene progresses with the units present (:mod:`sim.engine.scenes`): ordinary
           work at the rate of the units present out of those required; a forest fire until
           its fire line is closed, then mop-up
        -> scene end: units still on the way are stood down and what was still waiting for a
           unit is dropped, except a unit needed to carry a patient
        -> one unit may take a patient to the nearest hospital (a helipad one by air)
        -> each unit is free: it takes the next queued call it fits, or goes home (ground
           units can be re-dispatched on the way; helicopters go home to refuel).

Hazards act through helpers: :class:`~sim.engine.roads.RoadControl` closes and reopens roads
(rerouting units, standing down those that can no longer get through),
:class:`~sim.engine.air.AirControl` grounds helicopters at night and in high wind, and
:class:`~sim.engine.staging.Staging` moves units to staging posts on a warning.

The event loop schedules plain SimPy timeouts with callbacks (no generator process per
incident) and reads travel times from precomputed Python lists: no pandas, networkx or
logging per event. Simultaneous events run in the order they were scheduled. Where units are
and when their trips end is worked out in :mod:`sim.engine.timeline`: an ordinary scene costs
one event for its end, whatever the number of units arriving; helpers (air, roads, staging,
supplies, evacuation) see the core through :class:`sim.engine.interface.Core`.
"""

from __future__ import annotations

import math
from bisect import insort
from collections import Counter
from typing import Any

import numpy as np

from ..errors import SimError
from ..model.dispatch import DispatchPolicy, Fleet, make_policy
from ..model.fire import FireGrowth
from ..model.hazards import HazardTimeline
from ..model.incidents import IncidentStream
from ..model.units import AIR, AT_BASE, AWAY, BUSY, MODES, ROAD, TO_CALL, Unit
from ..results.records import ReplicationRecords
from ..scenario.loader import Scenario
from .air import AirControl
from .calls import (
    FREE,
    FROM,
    TRAVEL,
    Call,
    build_units,
    queue_key,
    travel_modes,
)
from .evacuation import EvacuationControl
from .landing import Landing
from .moveup import MoveUpControl
from .onscene import OnScene
from .recording import build_records
from .roads import RoadControl
from .scenes import FireScene, WorkScene
from .scheduling import Clock, Fired
from .shelter_script import ScriptRecorder, ShelterReplay, ShelterScript
from .staging import Staging
from .supplies import SupplyControl

__all__ = ["Call", "ResponseEngine", "build_units", "travel_modes"]

NAN = math.nan


class ResponseEngine(OnScene):
    """Simulates one replication and returns its records.

    Parameters
    ----------
    scenario
        A validated scenario.
    incidents
        The replication's incident stream (:func:`sim.model.exogenous.draw_replication`).
    replication, seed
        Stored in the records (and keying the per-call answer draws of partly available units).
    policy
        A dispatch policy; by default the one the scenario names.
    timeline
        The replication's hazard timeline (none by default).
    stocks, respond
        Depot stocks overriding the scenario's; ``respond=False`` sends no unit (calls still ask
        for supplies).
    shelters
        An empty :class:`~sim.engine.shelter_script.ShelterScript` is filled with what the
        supplies saw of the evacuation; a filled one is replayed instead of simulating the
        evacuation (reserve sizing: the evacuation does not depend on the stock).
    """

    def __init__(self, scenario: Scenario, incidents: IncidentStream, replication: int = 0,
                 seed: int = 0, policy: DispatchPolicy | None = None,
                 timeline: HazardTimeline | None = None,
                 stocks: dict[tuple[str, str], float] | None = None, respond: bool = True,
                 shelters: ShelterScript | None = None) -> None:
        spec = scenario.spec
        self.scenario = scenario
        self.replication = replication
        self.seed = seed
        self.respond = respond  # False: calls ask for supplies but no unit is sent
        self.timeline = timeline if timeline is not None else HazardTimeline()
        self.env = Clock()
        self.modes: list[Any] = list(travel_modes(scenario))
        self.node_ids = scenario.travel.node_ids
        self.unit_infos = build_units(scenario)
        self.units = [Unit(info) for info in self.unit_infos]
        self.policy = policy if policy is not None else make_policy(spec.dispatch.policy)
        self.queue_calls = spec.dispatch.when_no_unit == "queue"
        self.redispatch = spec.dispatch.redispatch_returning
        self.return_pace = spec.dispatch.return_speed_factor
        self.drain = spec.run.drain
        self.horizon = spec.run.horizon
        types = [spec.incident_types[name] for name in incidents.type_names]
        self.type_names = incidents.type_names
        self.requires = [dict(t.requires) for t in types]
        self.required = [sum(r.values()) for r in self.requires]
        self.priority = [t.priority for t in types]
        self.carrier = [t.transport_capability for t in types]
        self.can_do = [frozenset(t.capable_capabilities) for t in types]
        self.allowed_modes = [frozenset(MODES.index(m) for m in t.modes) if t.modes else None for t in types]
        self.escalation = [t.escalation for t in types]
        hospitals = [f for f in spec.facilities if f.kind == "hospital"]
        self.hospitals = [scenario.node_index[f.node] for f in hospitals]
        self.helipads = [scenario.node_index[f.node] for f in hospitals if f.helipad] or self.hospitals
        self.air = AirControl(self)
        self.landing = Landing(scenario)
        self.fleet = Fleet(self.units, self.modes, lambda: self.env.now, key=(seed, replication),
                           air_margin=spec.dispatch.air_margin, can_fly=self.air.can_fly,
                           rank_turnout=spec.dispatch.rank_by == "arrival",
                           orders=scenario.cache.setdefault("station_orders", {}),
                           day_start=spec.run.start.hour * 60.0 + spec.run.start.minute,
                           air_way=self.air_way)

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
        event_of, fire_of, leg = incidents.event, incidents.fire, incidents.leg
        assert event_of is not None and fire_of is not None and leg is not None  # IncidentStream fills them
        self.leg = leg.tolist()
        self.event_of = event_of
        self.fire_of = fire_of.tolist()
        self.turnout_u = incidents.turnout_u.tolist()  # rows of uniforms, one per unit sent
        self.last_slot = incidents.turnout_u.shape[1] - 1  # units sent beyond them reuse the last
        self.first_dispatch = [NAN] * n
        self.full_dispatch = [NAN] * n
        self.first_arrival = [NAN] * n
        self.first_mode = [-1] * n
        self.capable_arrival = [NAN] * n
        self.full_complement = [NAN] * n
        self.scene_end = [NAN] * n
        self.cleared = [NAN] * n
        self.waited = [False] * n
        self.lost = [False] * n
        self.cut_off = [False] * n
        self.fire_scenes: dict[int, FireScene] = {}
        self.assignments: list[list] = []
        self.queue: list[Call] = []
        self.start_timelines()
        self.open_calls = 0
        self._next_call = 0
        self._seq = 0
        self.roads = RoadControl(self)
        self.staging = Staging(self)
        self.move_up = MoveUpControl(self) if spec.dispatch.move_up is not None else None
        self.end_time = 0.0
        self.evacuation: EvacuationControl | None = None
        self.replay: ShelterReplay | None = None   # the evacuation as supplies saw it in a run
        self.recorder: ScriptRecorder | None = None
        if spec.evacuation is not None and shelters is not None and shelters.recorded:
            self.replay = ShelterReplay(self, shelters, len(spec.shelters))
            self.supplies = SupplyControl(self, stocks, self.replay)
            self.replay.before_change = self.supplies.occupancy_changes
            self.replay.on_arrival = self.supplies.shelter_arrival
            self.roads.listeners = [self.supplies.roads_changed]
        elif spec.evacuation is not None:
            self.evacuation = EvacuationControl(self)
            self.supplies = SupplyControl(self, stocks, self.evacuation)
            self.roads.listeners = [self.evacuation.roads_changed, self.supplies.roads_changed]
            self.evacuation.on_arrival = self.supplies.shelter_arrival
            self.evacuation.before_change = self.supplies.occupancy_changes
            if shelters is not None:
                self.recorder = ScriptRecorder(self.evacuation, self.supplies, shelters)
        else:
            self.supplies = SupplyControl(self, stocks, None)
            self.roads.listeners = [self.supplies.roads_changed]

    @property
    def busy(self) -> bool:
        """Work remains: calls to come or open, so day/night cycles must go on."""
        return self._next_call < len(self.order) or self.open_calls > 0

    def run(self) -> ReplicationRecords:
        """Run to the horizon (and, with ``run.drain``, until every incident is cleared)."""
        self._feed_next_call()
        self.roads.start()
        self.air.start()
        self.staging.start()
        if self.evacuation is not None:
            self.evacuation.start()
        if self.replay is not None:
            self.replay.start()
        if self.drain:  # the last unit home or goods delivered end the run
            self.env.run()
            end = done_by = max(self.env.now, self.last_due(), self.supplies.last_arrival())
        else:
            self.env.run(until=self.horizon)
            end = self.env.now
            done_by = math.nextafter(end, -math.inf)  # what the horizon stopped did not happen
        self.settle_all(done_by)
        self.end_time = end
        self.roads.finish(end)
        self.supplies.finish(end, done_by)
        if self.recorder is not None:
            self.recorder.finish(self.env.now)
        return build_records(self)

    def _feed_next_call(self) -> None:
        """Calls are fed one at a time in call-time order, keeping SimPy's heap small."""
        k = self._next_call
        if k >= len(self.order):
            return
        i = self.order[k]
        self._next_call = k + 1
        self.at(self.call_time[i] - self.env.now, self._on_call, i)

    # ---------------------------------------------------------------- calls and dispatch

    def _on_call(self, event: Fired[int]) -> None:
        i = event.value
        self._feed_next_call()
        t = self.type_index[i]
        self._seq += 1
        fire = self.fire_of[i]
        scene: WorkScene | FireScene
        if fire >= 0:
            spec = self.timeline.fires[fire]
            scene = FireScene(
                FireGrowth(spec.head_rate, spec.wind_kmh, spec.max_area_ha, spec.max_duration),
                spec.ignition, self.on_scene[i])
            self.fire_scenes[i] = scene
        else:
            scene = WorkScene(self.on_scene[i], self.required[t])
        call = Call(i, self.type_names[t], self.node[i], self.priority[t], self.env.now,
                    self._seq, dict(self.requires[t]), scene, self.allowed_modes[t], self.leg[i])
        self.open_calls += 1
        self.cut_off[i] = call.node in self.roads.cut
        if self.supplies.active:
            self.supplies.incident_called(call.type_name, call.node, i, int(self.event_of[i]))
        if not self.respond:
            self.open_calls -= 1
            return
        for step in self.escalation[t]:
            self.at(step.after, self._on_escalate, (call, step.add))
        if fire >= 0:
            self.scene_changed(call)  # the fire may burn out before anyone arrives
        self._dispatch(call)

    def _on_escalate(self, event: Fired[tuple[Call, dict[str, int]]]) -> None:
        """Still going after a while: ask for more units (a fire still spreading, or any other
        incident still being worked)."""
        call, add = event.value
        scene = call.scene
        if call.over or (isinstance(scene, FireScene) and not scene.burning) or self.lost[call.index]:
            return
        for capability, count in add.items():
            call.need[capability] = call.need.get(capability, 0) + count
        self.ask_again(call)

    def ask_again(self, call: Call) -> None:
        """A new dispatch attempt for what ``call`` still needs; what no unit fills waits in the
        queue."""
        self.retry(call)
        self.enqueue_if_waiting(call)

    def _dispatch(self, call: Call) -> None:
        self.settle_homes()
        picks = self.policy.select(call, call.need, self.fleet)
        if not self.queue_calls and not call.assigned \
                and Counter(cap for _, cap in picks) != Counter(call.need):
            self.lost[call.index] = True  # all or nothing: the call is turned away
            self.open_calls -= 1
            return
        for unit, capability in picks:
            self._assign(unit, call, capability)
        if picks:
            self.plan_scene(call)
        self.enqueue_if_waiting(call)

    def enqueue_if_waiting(self, call: Call) -> None:
        if call.need and not call.queued:
            call.queued = True
            self.waited[call.index] = True
            insort(self.queue, call, key=queue_key)
            self.calls_waiting()
        if call.need and self.air.day_units:
            self.air.waiting_at_night(call.need)

    def serve_queue(self, unit: Unit) -> None:
        """A unit became available: the waiting calls it fits get a new dispatch attempt."""
        for call in list(self.queue):
            if unit.status == BUSY:
                return
            if not unit.capabilities.isdisjoint(call.need):
                self.retry(call)

    def serve_queue_all(self) -> None:
        """Something changed for every waiting call (a road reopened, the sun rose)."""
        for call in list(self.queue):
            self.retry(call)

    def retry(self, call: Call) -> None:
        self.settle_homes()
        picks = self.policy.select(call, call.need, self.fleet)
        for other, capability in picks:
            self._assign(other, call, capability)
        if picks:
            self.plan_scene(call)
        if not call.need:
            self.dequeue(call)

    def dequeue(self, call: Call) -> None:
        if call.queued:
            self.queue.remove(call)
            call.queued = False

    def air_way(self, unit: Unit, node: int, capability: str | None,
                call: Any = None) -> tuple[int, float] | None:
        """How a helicopter gets to ``node`` (sim.engine.landing): the node it flies to and the
        clock minutes from landing until its crew is at the spot, or None."""
        leg = self.leg[call.index] if call is not None else 0.0
        return self.landing.reach(unit.capabilities, unit.info.air, node, capability,
                                  self.modes[ROAD].rows, leg)

    def _assign(self, unit: Unit, call: Call, capability: str) -> None:
        now = self.env.now
        if unit.lazy:
            self.settle(unit)  # it may be home by now
        if unit.status not in (AT_BASE, AWAY) or capability not in unit.capabilities \
                or call.need.get(capability, 0) <= 0 or not self.fleet.eligible(unit, call):
            raise SimError(f"dispatch policy {type(self.policy).__name__} chose unit "
                           f"{unit.info.id} for {capability!r}, which it cannot serve now")
        i = call.index
        was_away = unit.status == AWAY
        if was_away:  # already on the road: no turnout
            del self.fleet.away[unit.index]
            turnout = 0.0
        else:
            slot = call.slots if call.slots < self.last_slot else self.last_slot
            turnout = unit.turnout.ppf1(self.turnout_u[i][slot])
        call.slots += 1
        record = [i, unit.index, capability, unit.node, was_away, now, now + turnout,
                  NAN, NAN, NAN, NAN, NAN, False, False]
        if unit.mode == AIR:  # to the landing site, then the crew by road (or the hoist)
            way = self.air_way(unit, call.node, capability, call)
            if way is None:
                raise SimError(f"dispatch policy {type(self.policy).__name__} chose helicopter "
                               f"{unit.info.id}, which has nowhere to put its crew down near "
                               f"{self.node_ids[call.node]!r}")
            target, after = way
            self.air.put_down[unit.index] = (target, after * unit.speed)
            travel, from_node = self.drive(unit, target, now + turnout, unit.speed, TO_CALL,
                                           (call, record), after * unit.speed)
        else:
            travel, from_node = self.drive(unit, call.node, now + turnout, unit.speed, TO_CALL,
                                           (call, record), call.leg if unit.mode == ROAD else 0.0)
        if not math.isfinite(travel):
            raise SimError(f"dispatch policy {type(self.policy).__name__} chose unit {unit.info.id}, "
                           f"which cannot reach {self.node_ids[call.node]!r}")
        self.mark_arrival(unit)
        record[FROM], record[TRAVEL] = from_node, travel
        unit.status = BUSY
        unit.assignment = (call, record)
        left = call.need[capability] - 1
        if left:
            call.need[capability] = left
        else:
            del call.need[capability]
            if not call.need:
                self.full_dispatch[i] = now
        self.assignments.append(record)
        call.assigned.append((unit, record))
        if unit.mode == AIR:
            self.air.dispatched(unit)
        if self.first_dispatch[i] != self.first_dispatch[i]:  # NaN: the first unit sent
            self.first_dispatch[i] = now
        if self.move_up is not None:
            self.move_up.sent(unit)

    # ---------------------------------------------------------------- free again

    def release(self, unit: Unit, call: Call, record: list) -> None:
        """The unit is done with ``call``: it takes waiting work or goes home."""
        now = self.env.now
        record[FREE] = now
        unit.assignment = None
        call.freed += 1
        if call.freed == len(call.assigned) and not call.need:
            self.cleared[call.index] = now
            self.open_calls -= 1
        if unit.mode == AIR:  # helicopters always go home to refuel
            self.air.after_mission(unit)
            return
        if not unit.moving and unit.node == unit.base_node:
            unit.status = AT_BASE
        else:
            unit.status = AWAY
            self.fleet.away[unit.index] = unit
        if self.queue:
            self.serve_queue(unit)
        if self.move_up is not None and unit.status in (AT_BASE, AWAY):
            self.move_up.freed(unit)   # may give it another base
        if unit.status == AWAY:
            self.send_home(unit)
