"""The ``items:``, ``depots:`` and ``supply:`` sections: relief supplies, tiered depots, trucks,
helicopter lift, replenishment, and the first-batch targets. See :mod:`sim.engine.supplies`."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ..errors import FieldProblem
from .distributions import parse_distribution
from .limits import MAX_STOCK, MAX_VEHICLES, at_most
from .quantities import parse_duration, parse_mass, parse_mass_rate
from .schema import Delay, Id, NonNegDuration, PositiveDuration, Speed, Strict, bounded

__all__ = ["Depot", "Item", "Lift", "Replenish", "SupplySettings", "TIERS", "Trucks"]

Mass = Annotated[float, BeforeValidator(bounded(parse_mass, positive=True))]
MassRate = Annotated[float, BeforeValidator(bounded(parse_mass_rate, positive=True))]
Quantity = Annotated[float, Field(ge=0), at_most(MAX_STOCK, "units of an item")]
Fleet = Annotated[int, Field(ge=0), at_most(MAX_VEHICLES, "vehicles in a fleet")]
TIERS = ("township", "county", "city", "province", "aid")
TargetTier = Literal["county", "city"]
DEFAULT_TARGETS: dict[TargetTier, float] = {"county": parse_duration("6 h"),
                                            "city": parse_duration("8 h")}  # doc 004


class Item(Strict):
    """A relief item, counted in its own units (bottles, packs, tents...).

    ``weight`` is the mass of one unit (for trucks and loading); needs are per person in a
    shelter per day (used up: water, food), per person once (kept: quilts, tents), and per
    incident of a type (sandbags for a flood rescue); ``unit_cost`` weighs reserve sizing. An
    item that is not ``divisible`` (tents, generators) is asked for in whole units, rounded up."""

    label: str | None = None
    weight: Mass = 1.0
    per_person_day: Quantity = 0.0
    per_person: Quantity = 0.0
    per_incident: dict[Id, Quantity] = Field(default_factory=dict)
    unit_cost: float = Field(default=1.0, ge=0)
    divisible: bool = True

    def whole(self, quantity: float) -> float:
        """``quantity`` as it is asked for: rounded up to whole units unless divisible."""
        return quantity if self.divisible else float(math.ceil(quantity - 1e-9))

    @model_validator(mode="after")
    def _some_need(self) -> Item:
        if self.per_person_day == 0 and self.per_person == 0 and not any(self.per_incident.values()):
            raise FieldProblem("no need defined: give per_person_day, per_person or per_incident")
        return self


class Trucks(Strict):
    count: Fleet = 2
    capacity: Mass = 5000.0
    speed_factor: float = Field(default=0.8, gt=0, le=3)


class Lift(Strict):
    """Helicopter lift for places cut off by road (and only for those)."""

    count: Fleet = 1
    capacity: Mass = 1000.0
    speed: Speed = 200.0
    load_time: NonNegDuration = 20.0


class Replenish(Strict):
    """When an item falls below ``below`` of its starting stock, order back up to it: from depot
    ``from`` (which ships it like any request), or from outside after ``lead``."""

    from_: Id | None = Field(default=None, alias="from")
    lead: Delay = Field(default_factory=lambda: parse_distribution("48 h"))
    below: float = Field(default=0.5, ge=0, le=1)


class Depot(Strict):
    """A relief depot of a ``tier`` at a node (a depot outside the region sits at an outside node).

    Township depots serve their own disaster area only; higher tiers serve everyone. An ``aid``
    depot is a neighbour under a supply agreement, used last. ``activation``: how long after it
    is first asked a depot starts loading (an agreement's activation, a provincial release).
    ``sizable``: whether reserve sizing may set its stock (default: township, county and city
    depots; province and aid depots are outside supply, with their own lead times)."""

    id: Id
    name: str | None = None
    node: Id
    tier: Literal["township", "county", "city", "province", "aid"]
    stock: dict[Id, Quantity] = Field(default_factory=dict)
    loading: MassRate = Field(default_factory=lambda: parse_mass_rate("10 t/h"))
    trucks: Trucks = Field(default_factory=Trucks)
    lift: Lift | None = None
    replenish: Replenish | None = None
    activation: Delay = Field(default_factory=lambda: parse_distribution("0 min"))
    sizable: bool | None = None

    @property
    def is_sizable(self) -> bool:
        return self.sizable if self.sizable is not None else self.tier in ("township", "county", "city")


class SupplySettings(Strict):
    """How shelters and incidents ask for supplies, and the first-batch targets by tier.

    A shelter asks ``request_delay`` after its first people arrive, then every ``review``, for
    what its people will need over ``cover`` (minus what it holds or has coming). Incidents ask
    at their call for their type's ``per_incident`` needs. ``targets``: the first batch to a
    disaster area (what it asked for first; it has arrived when ``first_batch_share`` of each
    item has) is on time when it arrives within the target of the tier that completed it
    (doc 004: county 6 h, city 8 h); township deliveries count against the county target and
    province or aid deliveries against the city's. ``fill_target``: the fill rate reserve
    sizing asks for unless told otherwise."""

    policy: str = "nearest_tier_first"
    request_delay: NonNegDuration = 60.0
    review: PositiveDuration = 1440.0
    cover: PositiveDuration = 1440.0
    targets: dict[TargetTier, PositiveDuration] = Field(
        default_factory=lambda: dict(DEFAULT_TARGETS))
    first_batch_share: float = Field(default=1.0, gt=0, le=1)
    fill_target: float = Field(default=0.95, ge=0, le=1)

    @field_validator("targets", mode="after")
    @classmethod
    def _default_targets(cls, targets: dict[TargetTier, float]) -> dict[TargetTier, float]:
        """A target not given keeps its default (county 6 h, city 8 h)."""
        return {**DEFAULT_TARGETS, **targets}

    def target_for(self, tier: str) -> float:
        """The first-batch target that applies to a delivery from ``tier``."""
        return self.targets["county" if tier in ("township", "county") else "city"]
