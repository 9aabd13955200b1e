"""Dispatch: which available units go to a call.

A policy is a small class with one method, :meth:`DispatchPolicy.select`. It sees the call,
what the call still needs (capability -> number of units) and a :class:`Fleet` view that
answers "which units are available" and "how long would this unit take to get there". It
returns ``(unit, capability)`` pairs; the engine does the rest (travel, queueing, records).

Scenario files name a policy with ``dispatch.policy``: a built-in name (``nearest_available``)
or ``package.module:ClassName`` for your own class (constructed without arguments).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Protocol

from .units import AT_BASE, AWAY, Unit, heading

__all__ = ["CallView", "DispatchPolicy", "Fleet", "NearestAvailable", "POLICIES", "make_policy"]


class CallView(Protocol):
    """What a policy may read about a call."""

    index: int
    node: int
    type_name: str
    priority: int
    call_time: float


class Fleet:
    """The policy's view of the units: availability and travel minutes from where they are."""

    def __init__(self, units: list[Unit], rows: list[list[float]], clock: Callable[[], float],
                 reversible: bool) -> None:
        self.units = units
        self.away: dict[int, Unit] = {}  # available units not standing in their station
        self._rows = rows
        self._clock = clock
        self._reversible = reversible
        self._order: dict[tuple[int, str], list[Unit]] = {}
        self._supply = Counter(cap for u in units for cap in u.capabilities)

    # ---------------------------------------------------------------- queries for policies

    def is_available(self, unit: Unit) -> bool:
        return unit.status == AT_BASE or unit.status == AWAY

    def available(self, capability: str) -> list[Unit]:
        """Every available unit with ``capability``, in unit order."""
        return [u for u in self.units if capability in u.capabilities and self.is_available(u)]

    def supply(self, capability: str) -> int:
        """How many units in the scenario have ``capability`` (busy or not)."""
        return self._supply.get(capability, 0)

    def eta(self, unit: Unit, node: int) -> float:
        """Travel minutes from the unit's current position to ``node`` (turnout excluded)."""
        return self.travel_from_position(unit, node)[0]

    def travel_from_position(self, unit: Unit, node: int) -> tuple[float, int]:
        """Travel minutes to ``node`` and the node the unit drives through first."""
        minutes, via, _, _ = heading(unit, node, self._clock(), self._rows, self._reversible)
        return minutes / unit.speed, via

    def nearest(self, node: int, capability: str, k: int,
                exclude: set[int] | frozenset[int] = frozenset()) -> list[tuple[float, Unit]]:
        """Up to ``k`` available units with ``capability``, fastest first (ties: unit order)."""
        found: list[tuple[float, int, Unit]] = []
        row_of = self._rows
        for unit in self._stations_by_distance(node, capability):
            if unit.status == AT_BASE and unit.index not in exclude:
                found.append((row_of[unit.base_node][node] / unit.speed, unit.index, unit))
                if len(found) == k:
                    break
        for unit in self.away.values():
            if capability in unit.capabilities and unit.index not in exclude:
                found.append((self.eta(unit, node), unit.index, unit))
        found.sort(key=lambda item: (item[0], item[1]))
        return [(eta, unit) for eta, _, unit in found[:k]]

    def _stations_by_distance(self, node: int, capability: str) -> list[Unit]:
        key = (node, capability)
        order = self._order.get(key)
        if order is None:
            rows = self._rows
            order = sorted((u for u in self.units if capability in u.capabilities),
                           key=lambda u: (rows[u.base_node][node] / u.speed, u.index))
            self._order[key] = order
        return order


class DispatchPolicy(ABC):
    """Chooses units for a call. Subclass it and name it in ``dispatch.policy``."""

    name = "custom"

    @abstractmethod
    def select(self, call: CallView, need: Mapping[str, int], fleet: Fleet) -> list[tuple[Unit, str]]:
        """Return ``(unit, capability)`` pairs for available units that fill part of ``need``.

        Returning fewer units than needed is allowed: the call then waits for the rest (or is
        lost, if the scenario says so). Each unit may appear once and must be available.
        """


class NearestAvailable(DispatchPolicy):
    """Nearest available units by travel time, with capability matching.

    Capabilities are filled scarcest first (fewest units in the scenario), so that a
    multi-capability unit is not used up on a common capability when it is the only one
    nearby with a rare one. Units driving back to their station count from where they are.
    """

    name = "nearest_available"

    def select(self, call: CallView, need: Mapping[str, int], fleet: Fleet) -> list[tuple[Unit, str]]:
        picks: list[tuple[Unit, str]] = []
        taken: set[int] = set()
        for capability in sorted(need, key=lambda c: (fleet.supply(c), c)):
            for _, unit in fleet.nearest(call.node, capability, need[capability], taken):
                picks.append((unit, capability))
                taken.add(unit.index)
        return picks


POLICIES: dict[str, type[DispatchPolicy]] = {NearestAvailable.name: NearestAvailable}


def make_policy(name: str) -> DispatchPolicy:
    """Instantiate a built-in policy by name, or ``module:Class``."""
    if name in POLICIES:
        return POLICIES[name]()
    module, _, cls = name.partition(":")
    policy = getattr(importlib.import_module(module), cls)()
    if not hasattr(policy, "select"):
        raise TypeError(f"{name} has no select() method")
    return policy

