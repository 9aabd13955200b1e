"""Typhoons and heavy rain.

An event is warned ``lead`` before landfall and lasts ``duration``. Its intensity at each node
(0-1) is the footprint (per node, per tag, or from a track and radius) times the event's
``severity``. While it lasts:

* incident rates of the listed types are multiplied at each node by ``1 + (m - 1) I`` (extra
  incidents are drawn as a second Poisson stream; for ``m < 1`` incidents are thinned);
* the hazard's own incidents (e.g. flood rescues) arrive at ``rate`` per node share times ``I``;
* each road is cut with probability ``(p + sum of its tags' p + sum of the p of the road
  selections it is in) I`` (``I`` the larger of its two ends; on an imported network, of the
  places they belong to) at a uniform time during the event, and reopens after a repair time;
  with ``flooding``, each road not cut floods with probability ``(p + its tags' p) I`` and is
  driven ``factor`` times slower while the water lasts; with ``per_km`` a probability is that of
  a road ``per_km`` long (``1 - (1 - p) ** (L / per_km)`` for ``L`` km); with ``step`` cuts and
  floods start and end on multiples of ``step``; with ``isolation`` each place is cut off whole
  (every road at it closed) with probability ``(p + its tags' p) I`` until the water goes;
* "three cuts": communications and power fail per node with probability ``p I``; while
  communications are down, detection and report delays there are multiplied, and so is the
  warning chain's time to reach the node's people; while the power is down, detection delays;
* wind at each node is ``peak_wind I`` (helicopters are grounded above their limit).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from ...scenario.geography import node_positions
from ...scenario.hazard_schema import Outages, RoadCuts, Typhoon
from ...scenario.road_selection import RoadFacts, selected_roads
from .common import HazardContext, clip01, event_times
from .timeline import HazardEvent, IncidentBatch, Outage, RateChange, RoadClosure, RoadSlowdown, WindWindow

__all__ = ["draw_typhoons", "footprint"]


def _planar_km(ctx: HazardContext, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular projection in km (good over a county)."""
    lat0 = np.radians(ctx.lat.mean())
    return np.radians(lon) * 6371.0 * np.cos(lat0), np.radians(lat) * 6371.0


def footprint(ctx: HazardContext, spec: Typhoon) -> np.ndarray:
    """Intensity at each node (0-1) before the event's severity is applied."""
    if spec.intensity is not None:
        mapping = spec.intensity
        out = np.full(len(ctx.nodes), float(mapping.get("default", 0.0)))
        for i, node in enumerate(ctx.nodes):
            if node.id in mapping:
                out[i] = mapping[node.id]
                continue
            tagged = [mapping[f"tag:{t}"] for t in node.tags if f"tag:{t}" in mapping]
            if tagged:
                out[i] = max(tagged)
        return out
    assert spec.track is not None and spec.radius is not None
    x, y = _planar_km(ctx, ctx.lon, ctx.lat)
    tx, ty = _planar_km(ctx, np.array([p.lon for p in spec.track]), np.array([p.lat for p in spec.track]))
    dist = np.hypot(x - tx[0], y - ty[0])
    for k in range(1, len(tx)):  # distance to each segment of the track
        dx, dy = tx[k] - tx[k - 1], ty[k] - ty[k - 1]
        seg = dx * dx + dy * dy
        s = np.clip(((x - tx[k - 1]) * dx + (y - ty[k - 1]) * dy) / seg, 0, 1) if seg > 0 else 0.0
        dist = np.minimum(dist, np.hypot(x - tx[k - 1] - s * dx, y - ty[k - 1] - s * dy))
    return clip01(1.0 - dist / spec.radius)


def draw_typhoons(ctx: HazardContext, spec: Typhoon, generator_types: list[str]) -> None:
    """Draw every event of one typhoon/heavy-rain hazard into ``ctx.timeline``."""
    base = footprint(ctx, spec)
    landfalls = event_times(ctx, spec, spec.id)
    rng = ctx.rng(f"{spec.id}/events")
    n = len(landfalls)
    lead, duration = spec.lead.ppf(rng.random(n)), spec.duration.ppf(rng.random(n))
    severity = spec.severity.ppf(rng.random(n))
    timeline = ctx.timeline
    for k, t0 in enumerate(landfalls):
        t1 = t0 + duration[k]
        intensity = clip01(base * severity[k])
        name = spec.id if spec.at is not None else f"{spec.id}#{k + 1}"
        event = timeline.add_event(HazardEvent(
            0, spec.id, spec.kind, name, start=float(t0), end=float(t1), forecast=float(t0 - lead[k]),
            intensity=intensity, people_affected=int(ctx.population[intensity > 0].sum()),
            details={"severity": float(severity[k]), "peak_intensity": float(intensity.max())}))
        if spec.peak_wind is not None:
            timeline.wind.append(WindWindow(float(t0), float(t1), spec.peak_wind * intensity, event))
        _incidents(ctx, spec, k, event, t0, t1, intensity)
        for g, gtype in enumerate(generator_types):
            if gtype in spec.rate_multipliers:
                multiplier = 1.0 + (spec.rate_multipliers[gtype] - 1.0) * intensity
                timeline.rate_changes.append(RateChange(g, float(t0), float(t1), multiplier, event))
        if spec.road_cuts is not None and ctx.roads is not None:
            _road_cuts(ctx, spec, spec.road_cuts, k, event, t0, t1, intensity)
        if spec.outages is not None:
            _outages(ctx, spec, spec.outages, k, event, t0, t1, intensity)


def _incidents(ctx: HazardContext, spec: Typhoon, k: int, event: int, t0: float, t1: float,
               intensity: np.ndarray) -> None:
    for j, h in enumerate(spec.incidents):
        rng = ctx.rng(f"{spec.id}/{k}/incidents/{j}")
        share = ctx.weights(h.where)
        share = share / share.sum() if share.sum() > 0 else share
        weights = share * intensity
        count = int(rng.poisson(h.rate * (t1 - t0) * weights.sum()))
        ctx.timeline.batches.append(IncidentBatch(
            spec.id, h.type, time=np.sort(t0 + (t1 - t0) * rng.random(count)),
            node=ctx.draw_nodes(rng, weights, count), event=np.full(count, event, dtype=np.int64)))


def _road_cuts(ctx: HazardContext, spec: Typhoon, cuts: RoadCuts, k: int, event: int, t0: float,
               t1: float, intensity: np.ndarray) -> None:
    rng = ctx.rng(f"{spec.id}/{k}/roads")
    road_intensity = np.maximum(intensity[ctx.road_places[:, 0]], intensity[ctx.road_places[:, 1]])
    base = _by_tags(cuts.probability, cuts.tags, ctx.road_tags)
    if cuts.roads:
        facts = ctx.scenario.cache.get("road_facts")
        if facts is None:
            assert ctx.roads is not None  # road cuts are drawn only on a road network
            lon, lat = node_positions(ctx.roads, ctx.scenario.spec.region)
            facts = ctx.scenario.cache["road_facts"] = RoadFacts(ctx.roads, lon, lat)
        for selection in cuts.roads:
            base = base + selection.probability * selected_roads(facts, selection)
    length = _length_share(ctx, cuts)
    p = _per_road(clip01(base * road_intensity), length)
    n_roads = len(p)
    cut = rng.random(n_roads) < p
    when = t0 + (t1 - t0) * rng.random(n_roads)
    repair = cuts.repair.ppf(rng.random(n_roads))
    for road in np.nonzero(cut)[0]:
        start, end = _on_step(float(when[road]), float(when[road] + repair[road]), cuts.step)
        ctx.timeline.closures.append(RoadClosure(int(road), start, end, event))
    flooding = cuts.flooding
    if flooding is not None:  # a stream of its own: the cuts stay as they are without it
        wet = ctx.rng(f"{spec.id}/{k}/flooded")
        base = _by_tags(flooding.probability, flooding.tags, ctx.road_tags)
        flooded = (wet.random(n_roads) < _per_road(clip01(base * road_intensity), length)) & ~cut
        when = t0 + (t1 - t0) * wet.random(n_roads)
        lasts = flooding.lasts.ppf(wet.random(n_roads))
        for road in np.nonzero(flooded)[0]:
            start, end = _on_step(float(when[road]), float(when[road] + lasts[road]), cuts.step)
            ctx.timeline.slowdowns.append(RoadSlowdown(int(road), start, end, event, flooding.factor))
    if cuts.isolation is not None:  # a stream of its own too
        _isolation(ctx, spec, cuts, k, event, t0, t1, intensity)


def _isolation(ctx: HazardContext, spec: Typhoon, cuts: RoadCuts, k: int, event: int, t0: float,
               t1: float, intensity: np.ndarray) -> None:
    isolation = cuts.isolation
    assert isolation is not None
    rng = ctx.rng(f"{spec.id}/{k}/isolated")
    n = len(ctx.nodes)
    base = _by_tags(isolation.probability, isolation.tags, [node.tags for node in ctx.nodes])
    hit = rng.random(n) < clip01(base * intensity)
    when = t0 + (t1 - t0) * rng.random(n)
    lasts = isolation.lasts.ppf(rng.random(n))
    trapped = rng.random(n) < isolation.incident_probability
    called = rng.random(n)
    for node in np.nonzero(hit)[0]:
        start, end = _on_step(float(when[node]), float(when[node] + lasts[node]), cuts.step)
        for road in ctx.roads_at(int(node)).tolist():
            ctx.timeline.closures.append(RoadClosure(int(road), start, end, event))
        if isolation.incident_type is not None and trapped[node]:
            ctx.timeline.batches.append(IncidentBatch(
                spec.id, isolation.incident_type, np.array([start + (end - start) * float(called[node])]),
                np.array([node], dtype=np.int64), np.array([event], dtype=np.int64)))


def _by_tags(probability: float, by_tag: dict[str, float], tags: Sequence[Iterable[str]]) -> np.ndarray:
    """``probability`` plus the probabilities of each item's tags (at intensity 1)."""
    return np.array([probability + sum(by_tag.get(t, 0.0) for t in item) for item in tags])


def _length_share(ctx: HazardContext, cuts: RoadCuts) -> np.ndarray | None:
    """Each road's length over ``per_km`` (None: probabilities are per road)."""
    if cuts.per_km is None:
        return None
    assert ctx.roads is not None
    km = np.zeros(ctx.roads.n_roads)
    np.maximum.at(km, ctx.roads.arc_road, ctx.roads.km)
    return km / cuts.per_km


def _per_road(p: np.ndarray, length: np.ndarray | None) -> np.ndarray:
    return p if length is None else 1.0 - (1.0 - p) ** length


def _on_step(start: float, end: float, step: float | None) -> tuple[float, float]:
    """A cut's start and end moved to the next multiple of ``step`` (at least one step long)."""
    if step is None:
        return start, end
    start = math.ceil(start / step) * step
    return start, max(start + step, math.ceil(end / step) * step)


def _outages(ctx: HazardContext, spec: Typhoon, out: Outages, k: int, event: int, t0: float, t1: float,
             intensity: np.ndarray) -> None:
    for kind, probability in (("communication", out.communication), ("power", out.power)):
        rng = ctx.rng(f"{spec.id}/{k}/{kind}")
        n = len(intensity)
        hit = rng.random(n) < clip01(probability * intensity)
        start = t0 + (t1 - t0) * rng.random(n)
        restore = out.restore.ppf(rng.random(n))
        for node in np.nonzero(hit)[0]:
            ctx.timeline.outages.append(Outage(int(node), kind, float(start[node]),
                                               float(start[node] + restore[node]), event))
