"""The exogenous incident stream, drawn up front for a whole replication.

Each generator is a non-homogeneous Poisson process: a base rate times a time-of-day weight
(one per clock hour) times a seasonal weight (one per calendar month). Both profiles are
normalised so that the long-run average rate equals the written rate (a year of ``85 / y``
gives 85 incidents on average). Arrival times are drawn by inverting the cumulative
intensity, which is exact for this piecewise-constant intensity.

Everything random about an incident (when, where, its delays, on-scene time, whether it needs
a hospital, and the uniforms behind each assigned unit's turnout time) is drawn here from
streams named after the generator. None of it depends on stations or units, so two layouts
compared on the same seed face exactly the same incidents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..engine.streams import Streams
from ..scenario.loader import Scenario
from ..scenario.schema import Generator, Node, Where
from .areas import draw_legs, leg_scale

__all__ = ["GeneratorDraw", "IncidentStream", "area_legs", "assemble", "draw_attributes", "draw_generator",
           "draw_incidents", "draw_nodes", "intensity_grid", "max_slots", "needing_supplies", "node_weights",
           "poisson_times"]

_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)


@dataclass(frozen=True)
class IncidentStream:
    """All incidents of one replication, sorted by occurrence time (columns of equal length)."""

    time: np.ndarray
    node: np.ndarray
    type_index: np.ndarray
    generator_index: np.ndarray
    detection_delay: np.ndarray
    report_delay: np.ndarray
    handling_time: np.ndarray
    on_scene: np.ndarray
    transport: np.ndarray
    handover: np.ndarray
    turnout_u: np.ndarray  # (n, slots): uniforms for the turnout of each assigned unit
    type_names: tuple[str, ...]
    generator_names: tuple[str, ...]
    event: np.ndarray | None = None  # hazard event that caused it (-1: none)
    fire: np.ndarray | None = None   # index into the hazard timeline's fires (-1: not a fire)
    leg: np.ndarray | None = None    # network minutes from its node to its spot (sim.model.areas)

    def __post_init__(self) -> None:
        for name in ("event", "fire"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.full(len(self.time), -1, dtype=np.int64))
        if self.leg is None:
            object.__setattr__(self, "leg", np.zeros(len(self.time)))

    def __len__(self) -> int:
        return len(self.time)

    @property
    def call_time(self) -> np.ndarray:
        """When each call reaches dispatch: occurrence + detection + report + handling."""
        return self.time + self.detection_delay + self.report_delay + self.handling_time


def intensity_grid(rate: float, horizon: float, start: dt.datetime,
                   time_of_day: tuple[float, ...] | None,
                   season: tuple[float, ...] | None) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges (minutes) and the cumulative expected count at each edge.

    Bins follow the clock hours from ``start``; within a bin the intensity is constant.
    """
    if time_of_day is None and season is None:
        return np.array([0.0, horizon]), np.array([0.0, rate * horizon])
    offset = start.minute + start.second / 60
    edges = np.arange(60.0 - offset if offset else 60.0, horizon, 60.0)
    edges = np.concatenate([[0.0], edges, [horizon]])
    hour0 = np.datetime64(start.replace(minute=0, second=0, microsecond=0), "h")
    clock = hour0 + np.floor((edges[:-1] + offset) / 60.0).astype("timedelta64[h]")
    factor = np.ones(len(edges) - 1)
    if time_of_day is not None:
        tod = np.asarray(time_of_day, dtype=float)
        factor *= (tod / tod.mean())[clock.astype(np.int64) % 24]
    if season is not None:
        monthly = np.asarray(season, dtype=float)
        monthly = monthly / (np.dot(monthly, _DAYS_IN_MONTH) / _DAYS_IN_MONTH.sum())
        factor *= monthly[clock.astype("datetime64[M]").astype(np.int64) % 12]
    cumulative = np.concatenate([[0.0], np.cumsum(rate * factor * np.diff(edges))])
    return edges, cumulative


def node_weights(where: Where, nodes: list[Node], index: dict[str, int]) -> np.ndarray:
    """Relative weight of each node as a place for the generator's incidents."""
    weights = np.zeros(len(nodes))
    if where.nodes is not None:
        for node_id, weight in where.nodes.items():
            weights[index[node_id]] = weight
        return weights
    for i, node in enumerate(nodes):
        if where.tags and not set(where.tags) & set(node.tags):
            continue
        if where.kinds and node.kind not in where.kinds:
            continue
        weights[i] = {"population": node.population, "forest": node.forest_ha}.get(where.weight, 1.0)
    return weights


def poisson_times(rng: np.random.Generator, edges: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """Sorted arrival times of a Poisson process with the given cumulative intensity grid."""
    count = int(rng.poisson(cumulative[-1]))
    return np.interp(np.sort(rng.random(count)) * cumulative[-1], cumulative, edges)


def draw_nodes(rng: np.random.Generator, weights: np.ndarray, count: int) -> np.ndarray:
    """``count`` node indices drawn with probability proportional to ``weights``."""
    cum = np.cumsum(weights) / weights.sum()
    picks = np.searchsorted(cum, rng.random(count), side="right")
    return np.minimum(picks, len(weights) - 1).astype(np.int64)


def max_slots(scenario: Scenario) -> int:
    """The most units any incident type needs: the width of ``turnout_u``."""
    return max(sum(t.requires.values()) for t in scenario.spec.incident_types.values())


def draw_attributes(scenario: Scenario, type_name: str, time: np.ndarray, node: np.ndarray,
                    stream: str, streams: Streams, generator: int = -1,
                    legs: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Everything random about incidents of one type at given times and places: delays,
    on-scene time, hospital transport and turnout uniforms, each from its own named stream
    (``"<what>/<stream>"``), and the stretch from each place to the spot (drawn inside the
    place's area, unless ``legs`` gives it)."""
    spec = scenario.spec
    itype = spec.incident_types[type_name]
    count = len(time)

    def draw(what: str, dist) -> np.ndarray:
        return dist.ppf(streams[f"{what}/{stream}"].random(count))

    hospital = itype.hospital
    transport = streams[f"transport/{stream}"].random(count) < (hospital.probability if hospital else 0.0)
    return {
        "time": np.asarray(time, dtype=float),
        "node": np.asarray(node, dtype=np.int64),
        "type_index": np.full(count, list(spec.incident_types).index(type_name), dtype=np.int64),
        "generator_index": np.full(count, generator, dtype=np.int64),
        "detection_delay": draw("detection", itype.detection_delay),
        "report_delay": draw("report", itype.report_delay),
        "handling_time": draw("handling", spec.dispatch.handling_time),
        "on_scene": draw("on_scene", itype.on_scene),
        "transport": transport,
        "handover": draw("handover", hospital.handover) if hospital else np.zeros(count),
        "turnout_u": streams[f"turnout/{stream}"].random((count, max_slots(scenario))),
        "event": np.full(count, -1, dtype=np.int64),
        "fire": np.full(count, -1, dtype=np.int64),
        "leg": legs if legs is not None else draw_legs(area_legs(scenario), np.asarray(node, dtype=np.int64),
                                                       streams[f"leg/{stream}"].random(count)),
    }


def area_legs(scenario: Scenario) -> np.ndarray:
    """Each node's stretch scale (:func:`sim.model.areas.leg_scale`), worked out once."""
    scale = scenario.cache.get("leg_scale")
    if scale is None:
        scale = scenario.cache["leg_scale"] = leg_scale(scenario.spec.region)
    return scale


@dataclass(frozen=True)
class GeneratorDraw:
    """One generator's incidents, with the intensity grid and node weights behind them."""

    columns: dict[str, np.ndarray]
    edges: np.ndarray
    cumulative: np.ndarray
    weights: np.ndarray


def draw_generator(scenario: Scenario, index: int, streams: Streams) -> GeneratorDraw:
    """The incidents of generator ``index`` (a non-homogeneous Poisson stream)."""
    spec = scenario.spec
    gen: Generator = spec.generators[index]
    run = spec.run
    name = gen.stream_id
    edges, cumulative = intensity_grid(gen.rate, run.horizon, run.start, gen.time_of_day, gen.season)
    times = poisson_times(streams[f"arrivals/{name}"], edges, cumulative)
    points = scenario.points.get(gen.where.points) if gen.where.points is not None else None
    if points is not None:  # at given spots, each served at its nearest place
        spot = draw_nodes(streams[f"locations/{name}"], points.weight, len(times))
        nodes, legs = points.node[spot], points.leg[spot]
        weights = np.bincount(points.node, weights=points.weight, minlength=len(spec.region.nodes))
    else:
        weights = node_weights(gen.where, spec.region.nodes, scenario.node_index)
        nodes, legs = draw_nodes(streams[f"locations/{name}"], weights, len(times)), None
    columns = draw_attributes(scenario, gen.incident_type, times, nodes, name, streams, index, legs)
    return GeneratorDraw(columns, edges, cumulative, weights)


def assemble(scenario: Scenario, parts: list[dict[str, np.ndarray]]) -> IncidentStream:
    """One stream from several sets of columns, sorted by occurrence time (stable)."""
    spec = scenario.spec
    parts = [p for p in parts if len(p["time"])] or parts[:1]
    columns = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.argsort(columns["time"], kind="stable")
    return IncidentStream(
        **{key: value[order] for key, value in columns.items()},
        type_names=tuple(spec.incident_types),
        generator_names=tuple(g.stream_id for g in spec.generators),
    )


def draw_incidents(scenario: Scenario, streams: Streams) -> IncidentStream:
    """The incidents of the scenario's generators alone (no hazards)."""
    n = len(scenario.spec.generators)
    return assemble(scenario, [draw_generator(scenario, g, streams).columns for g in range(n)])


def needing_supplies(scenario: Scenario, stream: IncidentStream) -> IncidentStream:
    """Only the incidents whose type needs relief items."""
    names = stream.type_names
    needy = [k for k, name in enumerate(names)
             if any(item.per_incident.get(name, 0) > 0 for item in scenario.spec.items.values())]
    keep = np.isin(stream.type_index, needy)
    fields = {f: getattr(stream, f) for f in ("time", "node", "type_index", "generator_index",
                                             "detection_delay", "report_delay", "handling_time",
                                             "on_scene", "transport", "handover", "turnout_u",
                                             "event", "fire", "leg")}
    return IncidentStream(**{f: v[keep] for f, v in fields.items()}, type_names=names,
                          generator_names=stream.generator_names)
