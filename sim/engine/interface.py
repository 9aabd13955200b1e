"""The response core as its helpers see it.

The core (:class:`~sim.engine.response.ResponseEngine`) owns the clock, the calls and every
unit's timeline. The helpers that bring hazards and logistics in (air, roads, staging,
supplies, evacuation) are typed against :class:`Core` below, never against the engine class,
so no helper imports the core and each can be read on its own. What a helper may do:

* read the clock (``env.now``), the scenario, the hazard timeline, the units and the travel
  modes (roads put the oracle of the current road state in ``modes[ROAD]``);
* schedule its own events with :meth:`Core.at`;
* ask for a unit's state to be brought up to now (:meth:`Core.settle`) before reading it;
* act on units through the core: send one home, take one off its call, redo its trip after a
  change of roads, and have waiting calls try again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

if TYPE_CHECKING:  # pragma: no cover
    import simpy

    from ..model.dispatch import Fleet
    from ..model.hazards import HazardTimeline
    from ..model.units import Task, Unit
    from ..scenario.loader import Scenario
    from .calls import Call
    from .scheduling import Fired

__all__ = ["Core"]

V = TypeVar("V")


class Core(Protocol):
    """What helpers may read and call on the response core."""

    scenario: Scenario
    timeline: HazardTimeline

    @property
    def env(self) -> simpy.Environment:
        """The SimPy environment (its clock: ``env.now``)."""

    seed: int
    replication: int
    horizon: float
    node_ids: tuple[str, ...]
    units: list[Unit]
    modes: list[Any]   # travel oracles by mode (road, air, water)
    fleet: Fleet
    queue: list[Call]  # calls waiting for units, in priority then arrival order

    @overload
    def at(self, delay: float, callback: Callable[[Fired[None]], None]) -> None: ...

    @overload
    def at(self, delay: float, callback: Callable[[Fired[V]], None], value: V) -> None: ...

    def at(self, delay: float, callback: Callable[[Fired[Any]], None], value: object = None) -> None:
        """Schedule ``callback(event)`` after ``delay`` minutes (``event.value`` is ``value``)."""

    def at_time(self, when: float, callback: Callable[[Fired[V]], None], value: V) -> None:
        """Schedule ``callback(event)`` at the clock time ``when`` exactly."""

    def settle(self, unit: Unit, now: float | None = None) -> None:
        """Bring ``unit`` up to now: apply the end of a trip that ended with no event."""

    def send_home(self, unit: Unit) -> None:
        """Drive an idle unit to its (current) base."""

    def withdraw(self, unit: Unit) -> None:
        """Take a busy unit off its call; its place is asked for again."""

    def retrip(self, unit: Unit, task: Task, depart: float) -> bool:
        """Redo ``task`` from where ``unit`` is; False if it must wait for a road."""

    def serve_queue(self, unit: Unit) -> None:
        """``unit`` became available: waiting calls it fits try again."""

    def serve_queue_all(self) -> None:
        """Every waiting call tries again."""
