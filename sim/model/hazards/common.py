"""What every hazard kind needs: the region as arrays, times, footprints, node draws."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr  # type: ignore[import-untyped]  # scipy ships no type hints

from ...engine.streams import Streams
from ...scenario.geography import RoadNetwork, haversine_km
from ...scenario.loader import Scenario
from ...scenario.schema import Where
from ..areas import radius_km
from ..incidents import draw_nodes, intensity_grid, node_weights, poisson_times
from .timeline import HazardTimeline

__all__ = ["HazardContext", "event_times", "resolve_time"]


def resolve_time(value: float | dt.datetime, start: dt.datetime) -> float:
    """Minutes from the scenario start of a scripted time (a duration or a calendar time)."""
    if isinstance(value, dt.datetime):
        return (value - start).total_seconds() / 60.0
    return float(value)


@dataclass
class HazardContext:
    """The region and the random streams, as the hazard draws use them."""

    scenario: Scenario
    streams: Streams
    timeline: HazardTimeline = field(default_factory=HazardTimeline)

    def __post_init__(self) -> None:
        spec = self.scenario.spec
        nodes = spec.region.nodes
        self.nodes = nodes
        self.index = self.scenario.node_index
        self.lon = np.array([n.lon for n in nodes])
        self.lat = np.array([n.lat for n in nodes])
        self.population = np.array([n.population for n in nodes], dtype=float)
        self.forest_ha = np.array([n.forest_ha for n in nodes], dtype=float)
        self.area_radius = radius_km(spec.region)  # the disc of each place's area (sim.model.areas)
        self.horizon = spec.run.horizon
        self.start = spec.run.start
        network = self.scenario.travel
        self.roads: RoadNetwork | None = network if isinstance(network, RoadNetwork) else None
        if self.roads is not None:
            self.road_ends = self.roads.road_ends()
            self.road_places = self.roads.places_of(self.road_ends)  # where a road's intensity is read
            self.road_tags = self.roads.road_tags()

    def rng(self, name: str) -> np.random.Generator:
        return self.streams[f"hazard/{name}"]

    def time(self, value: float | dt.datetime) -> float:
        return resolve_time(value, self.start)

    def weights(self, where: Where) -> np.ndarray:
        return node_weights(where, self.nodes, self.index)

    def draw_nodes(self, rng: np.random.Generator, weights: np.ndarray, count: int) -> np.ndarray:
        """``count`` nodes drawn with probability proportional to ``weights``."""
        if count == 0 or weights.sum() <= 0:
            return np.zeros(0, dtype=np.int64)
        return draw_nodes(rng, weights, count)

    def places(self, hazard, rng: np.random.Generator, count: int) -> np.ndarray:
        """Where ``count`` events of ``hazard`` happen: its fixed ``node``, or drawn by ``where``."""
        if hazard.node is not None:
            return np.full(count, self.index[hazard.node], dtype=np.int64)
        return self.draw_nodes(rng, self.weights(hazard.where), count)

    def month(self, minutes: float) -> int:
        """Calendar month (0-11) at ``minutes`` from the start."""
        return (self.start + dt.timedelta(minutes=float(minutes))).month - 1

    def km_from(self, lon: float, lat: float) -> np.ndarray:
        """Great-circle km from a point to every node."""
        # haversine_km broadcasts scalars too, though its signature says arrays
        return haversine_km(self.lon, self.lat, lon, lat)  # type: ignore[arg-type]

    def tagged(self, tag: str) -> np.ndarray:
        return np.array([tag in n.tags for n in self.nodes])

    def roads_at(self, node: int) -> np.ndarray:
        """Indices of the roads that end at ``node``."""
        if self.roads is None:
            return np.zeros(0, dtype=np.int64)
        return np.nonzero((self.road_ends[:, 0] == node) | (self.road_ends[:, 1] == node))[0]


def event_times(ctx: HazardContext, hazard, name: str) -> np.ndarray:
    """Times of a hazard's events: its scripted time, or a Poisson stream at its rate."""
    if hazard.at is not None:
        return np.array([ctx.time(hazard.at)])
    edges, cumulative = intensity_grid(hazard.rate, ctx.horizon, ctx.start, None, hazard.season)
    return poisson_times(ctx.rng(f"{name}/times"), edges, cumulative)


def normal_cdf(x: np.ndarray | float) -> np.ndarray:
    """Standard normal CDF (vectorised)."""
    return ndtr(x)


def clip01(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0)


def finite_or(value: float, default: float) -> float:
    return value if math.isfinite(value) else default
