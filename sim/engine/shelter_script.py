"""What relief supplies see of an evacuation, recorded once and replayed.

Supplies read three things from an evacuation: a shelter's occupancy is about to change (to
account what its people used until then), its new occupancy, and people arrived (with the
event they fled). The evacuation never reads supplies back, so for a given replication these
steps are the same whatever the depots hold. Reserve sizing simulates one replication under
many stocks: it records the steps in the first run (:class:`ShelterScript`, filled by
:class:`ScriptRecorder`) and replays them in the others (:class:`ShelterReplay`) instead of
simulating the people again, which is most of the cost on village-resolution scenarios.

A replayed step fires at its recorded clock time exactly; steps at one time keep their recorded order. A
supply event at exactly the time of a replayed step may run on the other side of it than in
the full run (SimPy orders equal times by when they were scheduled); the tests check that the
supply records are identical to the full run's on the built-in scenarios.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .evacuation import EvacuationControl
    from .interface import Core
    from .scheduling import Fired
    from .supplies import SupplyControl

__all__ = ["ScriptRecorder", "ShelterReplay", "ShelterScript"]

CHANGE, ARRIVAL = 0, 1


@dataclass
class ShelterScript:
    """The steps of one replication's evacuation as supplies see them: ``(time, kind, shelter,
    value)`` with ``value`` the new occupancy of a change or the event of an arrival."""

    steps: list[tuple[float, int, int, int]] = field(default_factory=list)
    recorded: bool = False
    end: float = 0.0   # the clock when the full run's last event had fired


class ScriptRecorder:
    """Sits between an evacuation and the supplies of a full run and writes down what passes."""

    def __init__(self, evacuation: EvacuationControl, supplies: SupplyControl, script: ShelterScript) -> None:
        self.evacuation = evacuation
        self.supplies = supplies
        self.script = script
        self._pending: list[tuple[float, int]] = []   # changes announced, occupancy not yet set
        script.steps.clear()   # a run that failed partway leaves nothing behind
        script.recorded = False
        evacuation.before_change = self.before_change
        evacuation.on_arrival = self.on_arrival

    def _settle(self) -> None:
        """The announced changes have happened: write down the occupancies they led to."""
        occupancy = self.evacuation.occupancy
        for now, shelter in self._pending:
            self.script.steps.append((now, CHANGE, shelter, occupancy[shelter]))
        self._pending.clear()

    def before_change(self, shelter: int, now: float) -> None:
        self._settle()
        self._pending.append((now, shelter))
        self.supplies.occupancy_changes(shelter, now)

    def on_arrival(self, shelter: int, now: float) -> None:
        self._settle()
        self.script.steps.append((now, ARRIVAL, shelter, self.evacuation.shelter_event[shelter]))
        self.supplies.shelter_arrival(shelter, now)

    def finish(self, end: float) -> None:
        self._settle()
        self.script.end = end
        self.script.recorded = True


class ShelterReplay:
    """Plays a recorded :class:`ShelterScript` to the supplies: the occupancy and the events of
    the shelters, as an evacuation would hold them."""

    def __init__(self, engine: Core, script: ShelterScript, shelters: int) -> None:
        self.engine = engine
        self.steps = script.steps
        self.end = script.end
        self.occupancy = [0] * shelters
        self.shelter_event: dict[int, int] = {}
        self.before_change: Callable[[int, float], None] | None = None
        self.on_arrival: Callable[[int, float], None] | None = None
        self._next = 0

    def start(self) -> None:
        self._schedule()
        # the full run's clock went on to its last event (an evacuation's, perhaps): so does this
        self.engine.at_time(self.end, _nothing, None)

    def _schedule(self) -> None:
        if self._next < len(self.steps):
            self.engine.at_time(self.steps[self._next][0], self._on_step, None)

    def _on_step(self, event: Fired[None]) -> None:
        """Play every step recorded for this time, in order, then wait for the next time."""
        steps, k = self.steps, self._next
        now = steps[k][0]
        while k < len(steps) and steps[k][0] == now:
            _, kind, shelter, value = steps[k]
            if kind == CHANGE:
                if self.before_change is not None:
                    self.before_change(shelter, now)
                self.occupancy[shelter] = value
            else:
                self.shelter_event[shelter] = value
                if self.on_arrival is not None:
                    self.on_arrival(shelter, now)
            k += 1
        self._next = k
        self._schedule()


def _nothing(event: Fired[None]) -> None:
    """An event that only moves the clock."""
