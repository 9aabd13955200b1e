"""Relief supplies: requests, depots, and the policy that allocates stock to requests.

The data :mod:`sim.engine.supplies` works with during a run, and the pluggable allocation
policy (:class:`AllocationPolicy`; default :class:`NearestTierFirst`: tier by tier, nearest
depot with stock first, partial shipments allowed, a township depot serving its own area only).
"""

from __future__ import annotations

import heapq
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..plugins import make_policy_named

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.distributions import Distribution
    from ..scenario.supply_schema import Lift

__all__ = ["ALLOCATION_POLICIES", "AllocationPolicy", "DepotState", "Loads", "NearestTierFirst", "Request",
           "TIER_ORDER", "make_allocation"]

TIER_ORDER = {"township": 0, "county": 1, "city": 2, "province": 3, "aid": 4}


@dataclass(slots=True)
class Request:
    """A demand for one item at one place."""

    index: int
    time: float
    kind: str          # shelter, incident or replenish
    node: int
    area: str
    item: str
    quantity: float
    source: str        # the shelter, incident or depot that asked
    left: float = 0.0  # not yet allocated
    from_depot: str | None = None  # replenishment: the upstream depot that must ship it
    event: int = -1    # the hazard event behind it (-1: none, e.g. everyday incidents)
    delivered: float = 0.0
    first_delivery: float = math.nan
    first_tier: str = ""
    shelter: int = -1  # the shelter that asked (kind "shelter")


@dataclass(slots=True)
class Loads:
    """A shipment at its depot: how much of its weight is loaded, and how much has left."""

    request: Request
    shipment: dict
    weight: float
    first: bool = False  # the first shipment to its disaster area in its event
    order: int = 0
    ready: float = 0.0   # loaded
    sent: float = 0.0
    tolerance: float = 0.0  # weight below which what is left counts as nothing

    def __post_init__(self) -> None:
        self.tolerance = 1e-9 * max(1.0, self.weight)

    def rank(self) -> tuple[bool, int]:
        return not self.first, self.order


@dataclass
class DepotState:
    """A depot during a run."""

    index: int
    id: str
    node: int
    area: str
    tier: str
    stock: dict[str, float]
    start: dict[str, float]
    loading: float                 # kg per minute
    trucks_free: int               # at the depot (see trucks_back)
    truck_capacity: float
    truck_speed: float
    lifts_free: int
    lift: Lift | None
    activation: Distribution
    bay_busy: bool = False
    waiting_loads: list[Loads] = field(default_factory=list)  # shipments not yet all sent
    on_order: dict[str, float] = field(default_factory=dict)  # replenishment under way, per item
    empty_since: dict[str, float] = field(default_factory=dict)
    trucks_back: list[float] = field(default_factory=list)  # heap: when trucks out come back
    lifts_back: list[float] = field(default_factory=list)
    wake: float = math.inf         # when the depot looks again for a vehicle coming back

    def reclaim(self, now: float) -> None:
        """Vehicles back by ``now`` are free again."""
        while self.trucks_back and self.trucks_back[0] <= now:
            heapq.heappop(self.trucks_back)
            self.trucks_free += 1
        while self.lifts_back and self.lifts_back[0] <= now:
            heapq.heappop(self.lifts_back)
            self.lifts_free += 1


class AllocationPolicy(ABC):
    """Decides which depots ship how much of a request. Subclass it, register it under a name
    (:mod:`sim.plugins`) and give that name as ``supply.policy``."""

    @abstractmethod
    def allocate(self, request: Request, depots: list[DepotState],
                 minutes_to: Callable[[DepotState], float]) -> list[tuple[DepotState, float]]:
        """``(depot, quantity)`` pairs, at most the depots' stock, at most ``request.left`` in
        all. ``minutes_to(depot)`` is the travel time from a depot to the request's node."""


class NearestTierFirst(AllocationPolicy):
    """Tier by tier, nearest depot with stock first; township depots serve their own area."""

    name = "nearest_tier_first"

    def allocate(self, request, depots, minutes_to):
        candidates = [d for d in depots if d.stock.get(request.item, 0) > 0
                      and (d.tier != "township" or d.area == request.area)]
        candidates.sort(key=lambda d: (TIER_ORDER[d.tier], minutes_to(d), d.index))
        out, left = [], request.left
        for depot in candidates:
            if left <= 0:
                break
            take = min(depot.stock[request.item], left)
            out.append((depot, take))
            left -= take
        return out


ALLOCATION_POLICIES = {NearestTierFirst.name: NearestTierFirst}


def make_allocation(name: str) -> AllocationPolicy:
    """The built-in allocation policy ``name``, or the one registered under it (:mod:`sim.plugins`)."""
    return make_policy_named("allocation", name, ALLOCATION_POLICIES, "allocate")
