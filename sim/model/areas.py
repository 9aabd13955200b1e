"""A place is an area, not a point: the last stretch of a trip inside a village or community.

A node that stands for a settlement (a township seat, subdistrict, village or community with
people, or any node given an ``area_km2``) covers an area ``A``: its ``area_km2``, else its
population divided by ``region.areas.density`` (``area_km2: 0`` makes a settlement a point).
Incidents and the households that evacuate are spread over that area, not stacked on the
node, so a trip to (or from) one of them has a last (or first) stretch between the node and
the spot:

* the spot is a point drawn uniformly in a disc of area ``A`` around the node, so its
  distance from the centre is ``r = R * sqrt(U)`` with ``R = sqrt(A / pi)`` and ``U`` uniform
  on [0, 1): mean ``2R/3``;
* the stretch takes ``r * detour / speed`` (``region.areas``: the lanes' detour over the
  straight line, 1.3 by default, and their speed, 30 km/h), in network minutes: a unit's
  speed factor divides it like the rest of its trip.

So a unit whose station stands in the same village as the incident still drives the stretch
inside the village, instead of taking 0 minutes; leaving the spot, it first drives back to
the node. Road units only: helicopters and boats go straight to the spot. Evacuating
households live at spots too (on foot or by car they first cover the stretch to the node;
buses and boats pick them up at the node). Stations, shelters, depots, hospitals and other
facility sites and road junctions are points: no stretch. The draws are exogenous (named
streams per incident generator, and for evacuation), so layouts compared on a seed see the
same spots.
"""

from __future__ import annotations

import math

import numpy as np

from ..scenario.schema import AREA_KINDS, Region

__all__ = ["AREA_KINDS", "area_km2", "draw_legs", "leg_scale", "mean_leg_minutes", "radius_km"]


def area_km2(region: Region) -> np.ndarray:
    """The area each node covers (km^2; 0 for a point)."""
    density = region.areas.density
    out = np.zeros(len(region.nodes))
    for i, node in enumerate(region.nodes):
        if node.area_km2 is not None:
            out[i] = node.area_km2
        elif node.kind in AREA_KINDS and node.population > 0:
            out[i] = node.population / density
    return out


def radius_km(region: Region) -> np.ndarray:
    """The radius of the disc of each node's area (km)."""
    return np.sqrt(area_km2(region) / math.pi)


def leg_scale(region: Region) -> np.ndarray:
    """Network minutes per unit of ``sqrt(U)``: ``R * detour / speed * 60`` for each node, so
    that a stretch is ``leg_scale[node] * sqrt(U)``."""
    areas = region.areas
    return radius_km(region) * areas.detour / areas.speed * 60.0


def draw_legs(scale: np.ndarray, nodes: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Stretches (network minutes) between each node of ``nodes`` and a spot drawn in its area
    from the uniforms ``u``."""
    return scale[nodes] * np.sqrt(u) if len(nodes) else np.zeros(0)


def mean_leg_minutes(region: Region) -> np.ndarray:
    """The mean stretch of each node: two thirds of the radius, at the areas' detour and speed."""
    return leg_scale(region) * (2.0 / 3.0)
