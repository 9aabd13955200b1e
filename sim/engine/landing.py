"""Where a helicopter can put its crew down: landing points, ground transfer and hoist.

A helicopter cannot land anywhere. Its landing sites are the scenario's facilities of kind
``landing_point`` and ``helibase`` and the hospitals with a ``helipad``. Sent to a place, it

* flies to the landing site nearest the place by road (as the roads are at that moment), when
  the drive from there takes at most ``air.max_ground``; the crew go on by road (a vehicle
  waiting at the site), after a ``air.transfer`` handover: its arrival is the landing plus
  the transfer plus the drive;
* otherwise, if it has the ``hoist`` capability, flies straight to the place and lowers the
  crew: its arrival is the flight plus ``air.hoist_time``;
* otherwise it cannot serve the place.

Bucket work on a forest fire (a helicopter sent for ``bucket``) needs no landing, and
``air.land_at: scene`` lets a helicopter land at the place itself (the rule before landing
points were modelled). Leaving, it first covers the same stretch back (the drive to the site
and the transfer, or the hoist), so a patient goes by road to the landing site, then by air to
a hospital with a helipad.

The stretch is carried in the unit's network minutes (minutes times its speed), as the
stretch inside a place's area is for road units: a trip's clock minutes are its network
minutes over its speed.
"""

from __future__ import annotations

from ..scenario.loader import Scenario

__all__ = ["LANDING_KINDS", "Landing", "landing_sites"]

LANDING_KINDS = ("landing_point", "helibase")


def landing_sites(scenario: Scenario) -> list[int]:
    """Nodes where helicopters can land: landing points, helibases, hospitals with a helipad."""
    index = scenario.node_index
    return sorted({index[f.node] for f in scenario.spec.facilities
                   if f.kind in LANDING_KINDS or (f.kind == "hospital" and f.helipad)})


class Landing:
    """The landing rule of one replication (see the module docstring)."""

    def __init__(self, scenario: Scenario) -> None:
        self.sites = landing_sites(scenario)

    def reach(self, capabilities: frozenset[str], ops, node: int, capability: str | None,
              road_rows: list[list[float]], leg: float = 0.0) -> tuple[int, float] | None:
        """How a helicopter with ``capabilities`` and limits ``ops`` (AirOps) sent to ``node``
        for ``capability`` gets there, with the roads' ``road_rows`` as they are and ``leg``
        minutes from the node to the spot: (the node it flies to, the clock minutes after
        landing until its crew is at the spot), or None when it cannot."""
        if capability == "bucket" or ops.land_at == "scene":
            return node, 0.0
        best, best_minutes = -1, float("inf")
        for site in self.sites:
            minutes = road_rows[site][node]
            if minutes < best_minutes:
                best, best_minutes = site, minutes
        if best >= 0 and best_minutes <= ops.max_ground:
            return best, ops.transfer + best_minutes + leg
        if "hoist" in capabilities:
            return node, ops.hoist_time
        return None
