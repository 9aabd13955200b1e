"""What a scheduled callback receives, and scheduling at a clock time exactly.

:meth:`~sim.engine.timeline.UnitTimelines.at` schedules a plain SimPy ``Timeout`` with a
callback, which reads the payload it was scheduled with from ``event.value``. SimPy types that
value as ``Any | None`` whatever was passed; :class:`Fired` ties it to the payload, so that each
callback declares what it expects and each call of ``at`` is checked against it. This is for the
type checker only: at run time the callback gets the ``Timeout`` itself.

SimPy schedules at ``now + delay``; a time worked out ahead (the end of a scene planned from
arrivals to come, computed as the event at the last arrival would have scheduled it) is not
always such a sum from an earlier ``now`` (rounding), so :class:`Clock` can also put an event
at a given clock time (:class:`At`), in the same queue and order as any other.
"""

from __future__ import annotations

from heapq import heappush
from typing import Any, Protocol, TypeVar

import simpy
from simpy.events import NORMAL, Event, Timeout

__all__ = ["At", "Clock", "Fired"]

V_co = TypeVar("V_co", covariant=True)


class Fired(Protocol[V_co]):
    """A timeout that has fired, carrying the payload ``value`` it was scheduled with."""

    @property
    def value(self) -> V_co: ...


class Clock(simpy.Environment):
    """A SimPy environment that can schedule an event at a clock time exactly."""

    def schedule_at(self, event: Event, when: float) -> None:
        """Schedule ``event`` at ``when`` (not before now), after those already due then."""
        heappush(self._queue, (when, NORMAL, next(self._eid), event))


class At(Timeout):
    """A timeout that fires at the clock time ``when`` exactly (``now`` if that has passed)."""

    def __init__(self, env: Clock, when: float, value: Any = None) -> None:
        now = env.now
        if when < now:
            when = now
        # as Timeout.__init__, but scheduled at a time rather than after a delay
        self.env = env
        self.callbacks = []
        self._value = value
        self._delay = when - now
        self._ok = True
        env.schedule_at(self, when)
