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

__all__ = ["IncidentStream", "draw_incidents", "intensity_grid", "node_weights"]

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
        for node, weight in where.nodes.items():
            weights[index[node]] = weight
        return weights
    for i, node in enumerate(nodes):
        if where.tags and not set(where.tags) & set(node.tags):
            continue
        if where.kinds and node.kind not in where.kinds:
            continue
        weights[i] = node.population if where.weight == "population" else 1.0
    return weights


def _draw_generator(scenario: Scenario, gen: Generator, streams: Streams,
                    slots: int) -> dict[str, np.ndarray]:
    spec = scenario.spec
    run = spec.run
    itype = spec.incident_types[gen.incident_type]
    name = gen.stream_id
    edges, cumulative = intensity_grid(gen.rate, run.horizon, run.start, gen.time_of_day, gen.season)
    arrivals = streams[f"arrivals/{name}"]
    count = int(arrivals.poisson(cumulative[-1]))
    times = np.interp(np.sort(arrivals.random(count)) * cumulative[-1], cumulative, edges)

    weights = node_weights(gen.where, spec.region.nodes, scenario.node_index)
    cum_w = np.cumsum(weights) / weights.sum()
    nodes = np.minimum(np.searchsorted(cum_w, streams[f"locations/{name}"].random(count), side="right"),
                       len(weights) - 1)

    def draw(stream: str, dist) -> np.ndarray:
        return dist.ppf(streams[f"{stream}/{name}"].random(count))

    hospital = itype.hospital
    transport = streams[f"transport/{name}"].random(count) < (hospital.probability if hospital else 0.0)
    return {
        "time": times,
        "node": nodes.astype(np.int64),
        "detection_delay": draw("detection", itype.detection_delay),
        "report_delay": draw("report", itype.report_delay),
        "handling_time": draw("handling", spec.dispatch.handling_time),
        "on_scene": draw("on_scene", itype.on_scene),
        "transport": transport,
        "handover": draw("handover", hospital.handover) if hospital else np.zeros(count),
        "turnout_u": streams[f"turnout/{name}"].random((count, slots)),
    }


def draw_incidents(scenario: Scenario, streams: Streams) -> IncidentStream:
    """Draw every incident of one replication from the scenario's generators."""
    spec = scenario.spec
    type_names = tuple(spec.incident_types)
    type_pos = {name: i for i, name in enumerate(type_names)}
    slots = max(sum(t.requires.values()) for t in spec.incident_types.values())
    parts = [_draw_generator(scenario, g, streams, slots) for g in spec.generators]
    columns = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    columns["type_index"] = np.concatenate([
        np.full(len(p["time"]), type_pos[g.incident_type], dtype=np.int64)
        for g, p in zip(spec.generators, parts, strict=True)])
    columns["generator_index"] = np.concatenate([
        np.full(len(p["time"]), k, dtype=np.int64) for k, p in enumerate(parts)])
    order = np.argsort(columns["time"], kind="stable")
    return IncidentStream(
        **{key: value[order] for key, value in columns.items()},
        type_names=type_names,
        generator_names=tuple(g.stream_id for g in spec.generators),
    )
