"""Pre-positioning: on a warning, units move "one level down" to staging posts.

For each rule in the scenario's ``prepositioning`` and each warned event it names (by hazard
id or kind), the listed unit groups take the staging post as their base when the warning goes
out: idle units drive there at once (available on the way), busy ones go there when free;
with a move's ``turnout`` they turn out that fast while staged (on standby). The rule's
``return_after`` the event ends, they take their own stations back (and their own turnout).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..model.units import AT_BASE, AWAY

if TYPE_CHECKING:  # pragma: no cover
    from .interface import Core
    from .scheduling import Fired

__all__ = ["Staging"]


class Staging:
    """The pre-positioning moves of one replication."""

    def __init__(self, engine: Core) -> None:
        self.engine = engine
        scenario = engine.scenario
        facility_node = {f.id: scenario.node_index[f.node] for f in scenario.spec.facilities}
        # (time, group, node or home, event, turnout while staged or None for their own)
        self.moves: list[tuple[float, str, int | None, str, Any]] = []
        for rule in scenario.spec.prepositioning:
            for event in engine.timeline.events:
                if rule.hazard not in (event.hazard, event.kind) or not math.isfinite(event.forecast):
                    continue
                warned, back = max(event.forecast, 0.0), event.end + rule.return_after
                for move in rule.moves:
                    self.moves.append((warned, move.units, facility_node[move.to], event.name, move.turnout))
                    self.moves.append((back, move.units, None, event.name, None))
        self.moves.sort(key=lambda m: m[0])
        self.log: list[tuple[float, str, str, str]] = []  # (time, unit, to node, event)

    def start(self) -> None:
        for when, group, node, event, turnout in self.moves:
            self.engine.at(when - self.engine.env.now, self._on_move, (group, node, event, turnout))

    def _on_move(self, ev: Fired[tuple[str, int | None, str, Any]]) -> None:
        group, node, event, turnout = ev.value
        engine = self.engine
        for unit in engine.units:
            if unit.info.group != group:
                continue
            target = unit.home_base if node is None else node
            unit.turnout = unit.info.turnout if turnout is None else turnout
            if unit.base_node == target:
                continue
            engine.settle(unit)  # home by now or not, before its home moves
            unit.base_node = target
            self.log.append((engine.env.now, unit.info.id, engine.node_ids[target], event))
            if unit.status == AT_BASE:  # idle: drive to the new base, available on the way
                unit.status = AWAY
                engine.fleet.away[unit.index] = unit
                engine.send_home(unit)
        engine.fleet.bases_changed()
