"""What a scheduled callback receives.

:meth:`~sim.engine.response.ResponseEngine.at` schedules a plain SimPy ``Timeout`` with a
callback, which reads the payload it was scheduled with from ``event.value``. SimPy types that
value as ``Any | None`` whatever was passed; :class:`Fired` ties it to the payload, so that each
callback declares what it expects and each call of ``at`` is checked against it. This is for the
type checker only: at run time the callback gets the ``Timeout`` itself.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

__all__ = ["Fired"]

V_co = TypeVar("V_co", covariant=True)


class Fired(Protocol[V_co]):
    """A timeout that has fired, carrying the payload ``value`` it was scheduled with."""

    @property
    def value(self) -> V_co: ...
