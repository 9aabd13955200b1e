"""The ``shelters:`` and ``evacuation:`` sections: warnings, the call-and-respond chain, people's
response, transport, and shelters. See :mod:`sim.engine.evacuation` for what a run does."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from ..errors import FieldProblem
from .distributions import parse_distribution
from .limits import MAX_POPULATION, MAX_VEHICLES, at_most
from .schema import Delay, Id, NonNegDuration, Speed, Strict

__all__ = ["Boats", "Buses", "Chain", "Evacuation", "EvacuationZone", "Shelter", "Vulnerable", "Walking"]

Share = Annotated[float, Field(ge=0, le=1)]
Fleet = Annotated[int, Field(ge=0), at_most(MAX_VEHICLES, "vehicles in a fleet")]


class Shelter(Strict):
    """A shelter (or several, aggregated) at a node, holding ``capacity`` people."""

    id: Id
    name: str | None = None
    node: Id
    capacity: Annotated[int, Field(gt=0), at_most(MAX_POPULATION, "people in a shelter")]


class Chain(Strict):
    """叫应, call and respond: delays from the county order to the townships, from a township to
    its village heads, and from a village head to each household group."""

    township: Delay = Field(default_factory=lambda: parse_distribution("30 min"))
    village: Delay = Field(default_factory=lambda: parse_distribution("30 min"))
    household: Delay = Field(default_factory=lambda: parse_distribution(
        {"dist": "uniform", "low": "0 min", "high": "2 h"}))


class EvacuationZone(Strict):
    """Which nodes an event of ``hazard`` (a hazard id or kind) threatens, and how many people
    there must move: nodes where the event's intensity is at least ``min_intensity`` (and that
    carry one of ``tags``, if given); ``share`` of their people (those in danger: low-lying or
    unsafe houses, the slope below a landslide...). A zone may have its own warning ``chain``
    and ``departure`` delays. People leave the zone: no shelter inside it is chosen, unless
    ``shelter_in_zone`` (a typhoon's wind, from which a sturdy shelter next door protects)."""

    hazard: Id
    min_intensity: float = Field(default=0.5, ge=0)
    tags: tuple[str, ...] = ()
    share: Share = 1.0
    chain: Chain | None = None       # this zone's own call-and-respond delays (e.g. sirens and
    departure: Delay | None = None   # cell broadcast for a chemical leak); default: the section's
    shelter_in_zone: bool = False


class Vulnerable(Strict):
    """People reached one to one (elderly living alone, disabled...), on their own track."""

    share: Share = 0.0
    delay: Delay = Field(default_factory=lambda: parse_distribution("1 h"))
    compliance: Share = 1.0


class Walking(Strict):
    """People walk when a shelter is within ``max_km`` (straight line times ``detour``)."""

    max_km: float = Field(default=1.5, ge=0)
    speed: Speed = 4.0
    detour: float = Field(default=1.3, ge=1.0)


class Buses(Strict):
    """Buses ferrying people without cars, from ``depot`` (a facility), ``capacity`` each."""

    depot: Id
    count: Fleet = 0
    capacity: int = Field(default=40, gt=0)
    load_time: NonNegDuration = 10.0


class Boats(Strict):
    """Boats ferrying people from places cut off by road (over water, at ``speed``)."""

    base: Id
    count: Fleet = 0
    capacity: int = Field(default=8, gt=0)
    speed: Speed = 15.0
    load_time: NonNegDuration = 5.0


class Evacuation(Strict):
    """Warnings and moving people to shelters.

    A warning goes out at the event's forecast (for events without one, such as a chemical
    accident, when it happens), passes down the call-and-respond ``chain``, and each household
    group, once told, leaves with probability ``compliance`` after a ``departure`` delay: on
    foot when a shelter is near, by car (``own_vehicle`` share), otherwise by bus, or by boat
    from places cut off by road. People go to the nearest shelter with room (by road), and to
    the next when it is full; they go home ``return_after`` the event ends.
    """

    zones: list[EvacuationZone] = Field(min_length=1)
    chain: Chain = Field(default_factory=Chain)
    vulnerable: Vulnerable = Field(default_factory=Vulnerable)
    compliance: Share = 0.9
    departure: Delay = Field(default_factory=lambda: parse_distribution(
        {"dist": "exponential", "mean": "45 min"}))
    own_vehicle: Share = 0.5
    walking: Walking = Field(default_factory=Walking)
    buses: Buses | None = None
    boats: Boats | None = None
    groups_per_node: int = Field(default=8, ge=1, le=200)
    return_after: NonNegDuration = 1440.0

    @model_validator(mode="after")
    def _transport(self) -> Evacuation:
        if self.own_vehicle < 1 and self.buses is None:
            raise FieldProblem("people without a car need buses (give 'buses', or own_vehicle: 1)",
                               ("buses",))
        return self
