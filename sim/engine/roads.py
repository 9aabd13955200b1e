"""Road closures during a run: travel times, rerouting, and cut-off places.

When roads close or reopen, or flood or dry out (the hazard timeline says when), the road
oracle is rebuilt without the closed roads and with the slowed ones' minutes multiplied
(oracles are kept per road state, so repeated states cost nothing). Then:

* a unit whose remaining route got slower is rerouted from where it is; one that can no
  longer get to its call is stood down and its place asked for again (a helicopter or boat
  may take it); one that cannot get home waits at the next node until roads reopen;
* a place no road unit's home station can reach is *cut off*: calls there can be served only
  by air or water, and the hours each node spends cut off are recorded;
* when roads reopen, waiting calls and waiting units try again.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..model.units import BUSY, PULL_OVER, ROAD, Task, Unit
from ..scenario.geography import RoadNetwork
from .travel import TravelTimes

if TYPE_CHECKING:  # pragma: no cover
    from .interface import Core
    from .scheduling import Fired

__all__ = ["RoadControl"]

_MAX_STATES = 64  # road states kept per scenario
_STATE_BYTES = 512 * 2**20  # and no more than about this much of their minutes and graphs


class RoadControl:
    """Road closures of one replication."""

    def __init__(self, engine: Core) -> None:
        self.engine = engine
        self.listeners: list[Callable[[], None]] = []  # told after each change (evacuation, supplies)
        closures = engine.timeline.closures
        network = engine.scenario.travel
        self.network = network if isinstance(network, RoadNetwork) else None
        # (time, +1 / -1, road, factor): inf for a cut, the slowdown's factor otherwise
        changes = [(c.start, 1, c.road, math.inf) for c in closures] \
            + [(c.end, -1, c.road, math.inf) for c in closures] \
            + [(c.start, 1, c.road, c.factor) for c in engine.timeline.slowdowns] \
            + [(c.end, -1, c.road, c.factor) for c in engine.timeline.slowdowns]
        self.changes = sorted(changes, key=lambda c: (c[0], -c[1], c[2], c[3]))
        self._next = 0
        self.active: Counter[tuple[int, float]] = Counter()  # (road, factor) in force
        self.bases = tuple(sorted({u.home_base for u in engine.units if u.mode == ROAD}))
        self.places = len(engine.scenario.spec.region.nodes)  # only places are cut off (not junctions)
        self.cut: frozenset[int] = frozenset()
        self.cut_since: dict[int, float] = {}
        self.intervals: list[tuple[int, float, float]] = []  # (node, from, to) cut off
        self.closed_log: list[tuple[float, int]] = []  # (time, number of roads closed)
        self.blocked: list[tuple[Unit, Task]] = []  # busy units waiting for a road (with a patient)

    # ---------------------------------------------------------------- state

    def is_cut_off(self, node: int) -> bool:
        return node in self.cut

    def _oracle(self, closed: frozenset[int], slowed: frozenset[tuple[int, float]]) -> TravelTimes:
        states = self.engine.scenario.cache.setdefault("road_states", {})
        key = (closed, slowed)
        oracle = states.get(key)
        if oracle is None:
            # the oldest states go first; one still in use lives on until its replication ends
            while states and (len(states) >= _MAX_STATES
                              or sum(state.kept_bytes() for state in states.values()) > _STATE_BYTES):
                states.pop(next(iter(states)))
            oracle = states[key] = self.engine.modes[ROAD].after(closed, slowed)
        return oracle

    def _state(self) -> tuple[frozenset[int], frozenset[tuple[int, float]]]:
        """Roads closed now, and (road, factor) of the open ones slowed (the largest factor
        of a road's slowdowns in force)."""
        closed = frozenset(road for (road, factor), n in self.active.items() if n > 0 and factor == math.inf)
        slowest: dict[int, float] = {}
        for (road, factor), n in self.active.items():
            if n > 0 and factor != math.inf and road not in closed:
                slowest[road] = max(factor, slowest.get(road, 1.0))
        return closed, frozenset(slowest.items())

    # ---------------------------------------------------------------- events

    def start(self) -> None:
        if self.changes and self.network is not None:
            self._schedule()

    def _schedule(self) -> None:
        if self._next < len(self.changes):
            when = self.changes[self._next][0]
            self.engine.at(when - self.engine.env.now, self._on_change)

    def _on_change(self, _event: Fired[None]) -> None:
        now = self.engine.env.now
        reopened = False
        while self._next < len(self.changes) and self.changes[self._next][0] <= now:
            _, delta, road, factor = self.changes[self._next]
            self.active[road, factor] += delta
            reopened |= delta < 0
            self._next += 1
        self._schedule()
        closed, slowed = self._state()
        engine = self.engine
        old = engine.modes[ROAD]
        assert isinstance(old, TravelTimes)
        if closed == old.closed and slowed == old.slowed:
            return
        engine.modes[ROAD] = self._oracle(closed, slowed)
        self.closed_log.append((now, len(closed)))
        self._update_cut_off(now, opened_only=closed <= old.closed)
        for unit in engine.units:
            if unit.mode == ROAD:
                engine.settle(unit)  # trips ended by now are over, with or without an event
        for unit in engine.units:
            if unit.mode == ROAD and unit.task is not None and unit.task.kind != PULL_OVER:
                self._reroute(unit, unit.task, old)
        blocked, self.blocked = self.blocked, []
        for unit, task in blocked:  # try again the trips that waited for a road
            if not engine.retrip(unit, task, now):
                self.blocked.append((unit, task))
        for listener in self.listeners:
            listener()
        if reopened:
            for unit in engine.units:  # idle units that waited for a road go home
                if unit.mode == ROAD and unit.task is None and unit.status != BUSY \
                        and not unit.moving and unit.node != unit.base_node:
                    engine.send_home(unit)
            engine.serve_queue_all()

    def wait_for_road(self, unit: Unit, task: Task) -> None:
        """``unit`` (busy, with a patient) found no open road for ``task``: it sets out again
        when roads reopen."""
        self.blocked.append((unit, task))

    def _reroute(self, unit: Unit, task: Task, old: TravelTimes) -> None:
        """Reroute a unit whose remaining route got slower (or broken); ``task`` is its trip."""
        engine = self.engine
        if unit.moving:
            unit.position(engine.env.now)  # work out its route under the old roads
            nodes, cum = unit.route, unit.route_minutes
            assert nodes is not None and cum is not None  # position() has just worked them out
            oracle = engine.modes[ROAD]
            rows = oracle.rows
            covered = (engine.env.now - unit.route_start) * unit.route_pace
            k = max(0, next((j for j, c in enumerate(cum) if c > covered), len(cum)) - 1)
            ahead = range(k + 1, len(nodes) - 1)  # the roads after the one it is on
            # a road still open at its minutes needs no row from its start (on a large network,
            # a shortest-path search and a row kept for every junction of the route)
            if all(oracle.arc_minutes(nodes[j], nodes[j + 1]) <= cum[j + 1] - cum[j] + 1e-9
                   or rows[nodes[j]][nodes[j + 1]] <= cum[j + 1] - cum[j] + 1e-9 for j in ahead):
                return  # nothing ahead of it got slower
        if not engine.retrip(unit, task, max(task.depart, engine.env.now)):
            self.blocked.append((unit, task))  # waits for a road

    def _update_cut_off(self, now: float, opened_only: bool = False) -> None:
        if opened_only and not self.cut:
            return  # roads only reopened and no place was cut off: none is
        cut = self.engine.modes[ROAD].unreachable_from(self.bases, self.places)
        for node in self.cut - cut:
            self.intervals.append((node, self.cut_since.pop(node), now))
        for node in cut - self.cut:
            self.cut_since[node] = now
        self.cut = cut

    def finish(self, end: float) -> None:
        """Close the cut-off intervals still open at the end of the run."""
        for node, since in self.cut_since.items():
            self.intervals.append((node, since, end))
        self.cut_since.clear()
