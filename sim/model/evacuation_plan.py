"""Who is warned when, who complies and when they leave: drawn up front for each warned event.

For each hazard event an evacuation zone names (by hazard id or kind), the threatened nodes are
those where its intensity is at least the zone's ``min_intensity`` (and that carry one of its
``tags``, if given); ``share`` of their people must move. For a chemical accident a node's
intensity is the share of its area inside the evacuation radius, and only that share of its
people is in danger (a 1 km circle takes part of a large cluster, not all of it). The danger
zone, where no shelter is safe, is the threatened nodes (for a chemical accident, the places
whose centre is inside the radius): people leave it (:mod:`sim.engine.evacuation`), unless the
zone allows ``shelter_in_zone``.

The warning goes out at the event's forecast (or when it happens, for events without one, such
as a chemical accident) and goes down the call-and-respond chain: one delay to each township
(a node's disaster area), one to each village head (node), one per household group; while
communications are down at the node the chain goes ``delay_factor`` times slower
(:func:`sim.model.outages.stretched`). Each group's compliant people (a binomial draw) leave
after a departure delay; the others stay. Vulnerable people are reached one to one
on their own track.

Nothing here depends on shelters, buses or units: the same seed gives the same warnings and
departures whatever the layout. How people travel and where they shelter is the engine's part
(:mod:`sim.engine.evacuation`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ..engine.streams import Streams
from ..scenario.loader import Scenario
from .hazards import HazardTimeline
from .outages import stretched, windows_by_node

__all__ = ["EvacGroup", "draw_evacuation"]


@dataclass(frozen=True)
class EvacGroup:
    """A household group of one node, told to move for one event."""

    event: int
    node: int
    people: int
    compliant: int      # how many of them leave
    vulnerable: bool
    warned: float       # when the county order went out
    reached: float      # when the group was told
    departs: float      # when the compliant ones leave
    impact: float       # when the hazard strikes
    spot: float = 0.0   # where in the node's area they live: sqrt(U), a share of its radius
    avoid: frozenset[int] = frozenset()  # the danger zone's nodes: no shelter there is chosen


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (k < extra) for k in range(parts)]


def draw_evacuation(scenario: Scenario, streams: Streams, timeline: HazardTimeline) -> list[EvacGroup]:
    """Every household group told to move in one replication, in event order."""
    spec = scenario.spec
    cfg = spec.evacuation
    if cfg is None:
        return []
    nodes = spec.region.nodes
    comm = windows_by_node(scenario, timeline, "communication")
    groups: list[EvacGroup] = []
    for event in timeline.events:
        zones = [z for z in cfg.zones if z.hazard in (event.hazard, event.kind)]
        if not zones or event.intensity is None:
            continue
        warned = event.forecast if math.isfinite(event.forecast) else event.start
        warned = max(warned, 0.0)
        rng = streams[f"evacuation/{event.hazard}:{event.name}"]
        areas = sorted({n.area_id for n in nodes})
        area_u = dict(zip(areas, rng.random(len(areas)), strict=True))
        village_u = rng.random(len(nodes))
        taken: set[int] = set()
        for zone in zones:
            chain = zone.chain or cfg.chain
            township = {a: float(chain.township.ppf1(u)) for a, u in area_u.items()}
            village = chain.village.ppf(village_u)
            threatened = [i for i, node in enumerate(nodes)
                          if i not in taken and event.intensity[i] >= zone.min_intensity
                          and event.intensity[i] > 0 and (not zone.tags or set(zone.tags) & set(node.tags))]
            if zone.shelter_in_zone:
                avoid: frozenset[int] = frozenset()
            elif event.danger is not None:
                avoid = frozenset(np.nonzero(event.danger)[0].tolist())
            else:
                avoid = frozenset(threatened)
            inside = event.intensity if event.kind == "chemical" else np.ones(len(nodes))
            for i in threatened:
                node = nodes[i]
                people = int(round(node.population * zone.share * float(inside[i])))
                if people == 0:
                    continue
                taken.add(i)
                zone_groups = _node_groups(cfg, zone, rng, event.index, i, people, warned,
                                           warned + township[node.area_id] + village[i], event.start,
                                           comm.get(i, []))
                groups.extend(dataclasses.replace(g, avoid=avoid) for g in zone_groups)
    return _with_spots(groups, streams)


def _with_spots(groups: list[EvacGroup], streams: Streams) -> list[EvacGroup]:
    """Each group's home drawn uniformly in its node's area (:mod:`sim.model.areas`), from a
    stream of its own so that the other draws stay as they are."""
    spots = np.sqrt(streams["evacuation/spots"].random(len(groups)))
    return [dataclasses.replace(g, spot=float(u)) for g, u in zip(groups, spots, strict=True)]


def _node_groups(cfg, zone, rng: np.random.Generator, event: int, node: int, people: int, warned: float,
                 village_told: float, impact: float,
                 comm_down: list[tuple[float, float, float]]) -> list[EvacGroup]:
    chain = zone.chain or cfg.chain
    departure = zone.departure or cfg.departure
    vulnerable = int(round(people * cfg.vulnerable.share))
    out = []
    if vulnerable:
        delay = float(cfg.vulnerable.delay.ppf1(rng.random()))
        reached = stretched(warned, delay, comm_down) if comm_down else warned + delay
        compliant = int(rng.binomial(vulnerable, cfg.vulnerable.compliance))
        out.append(EvacGroup(event, node, vulnerable, compliant, True, warned, reached,
                             reached + float(departure.ppf1(rng.random())), impact))
    sizes = [s for s in _split(people - vulnerable, cfg.groups_per_node) if s]
    household = chain.household.ppf(rng.random(len(sizes)))
    leaving = departure.ppf(rng.random(len(sizes)))
    for size, told, leave in zip(sizes, household, leaving, strict=True):
        reached = village_told + float(told)
        if comm_down:  # the whole chain, from the county order to the group, slowed where it passes
            reached = stretched(warned, reached - warned, comm_down)
        compliant = int(rng.binomial(size, cfg.compliance))
        out.append(EvacGroup(event, node, size, compliant, False, warned, reached, reached + float(leave),
                             impact))
    return out
