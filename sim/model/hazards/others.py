"""Landslides, forest fires, chemical-park accidents and earthquakes.

* **Landslides and mountain torrents**: each rain event (typhoon or heavy rain) triggers a
  landslide at each susceptible node with probability ``p I`` (``I`` the rain's intensity
  there), at a uniform time during the rain. It cuts the roads at that node (each with
  ``cut_probability``) until repaired, and with ``incident_probability`` traps people: a rescue
  incident at the node.
* **Forest fires**: ignitions by rate and monthly season at forest nodes (weighted by forest
  area). Each fire's head spread rate is the drawn no-wind rate times the fuel multiplier of its
  node's tags, the month's dryness, and the wind term of McArthur's forest fire danger meter,
  ``exp(0.0338 U)`` (U in km/h); its wind also gives the ellipse's shape (:mod:`sim.model.fire`).
  Detection: with probability ``coverage`` sensors and cameras see it (``covered`` delay),
  otherwise people do (``uncovered`` delay).
* **Chemical-park accidents**: a leak, fire or explosion at a tagged site, by outcome
  probabilities; an incident of the outcome's type, ``casualties`` (a Poisson mean) casualty
  incidents, and an evacuation radius: the nodes inside it and their people are recorded.
* **Earthquakes**: epicentre and magnitude (scripted, or drawn: epicentre uniform over the
  region's extent, magnitude from a truncated Gutenberg-Richter law). Seismic intensity at
  hypocentral distance ``R`` is ``a + b M - c ln(R + r0)``; collapse incidents at a node are
  Poisson with mean ``per_10k`` per 10,000 people times ``Phi((I - median) / spread)``, reported
  ``within`` a delay of the shock; roads fail with a similar fragility curve (cut until
  repaired), and with ``slowed`` a second, lower curve leaves others open but slower.
"""

from __future__ import annotations

import math

import numpy as np

from ...scenario.hazard_schema import ChemicalAccident, Earthquake, ForestFire, Landslide
from .common import HazardContext, clip01, event_times, normal_cdf
from .timeline import Fire, HazardEvent, IncidentBatch, RoadClosure, RoadSlowdown

__all__ = ["draw_chemical", "draw_earthquakes", "draw_forest_fires", "draw_landslides"]

KMH_TO_M_PER_MIN = 1000.0 / 60.0
WIND_TERM = 0.0338  # McArthur Mk5 forest meter: spread grows as exp(0.0338 U), U in km/h


def _single(ctx: HazardContext, hazard: str, type_name: str, time: float, node: int, event: int,
            **extra: np.ndarray) -> None:
    ctx.timeline.batches.append(IncidentBatch(hazard, type_name, np.array([time]),
                                              np.array([node], dtype=np.int64),
                                              np.array([event], dtype=np.int64), **extra))


def draw_landslides(ctx: HazardContext, spec: Landslide) -> None:
    timeline = ctx.timeline
    rains = [e for e in list(timeline.events) if e.kind in ("typhoon", "heavy_rain")
             and (not spec.triggered_by or e.hazard in spec.triggered_by)]
    susceptible = ctx.weights(spec.where) > 0
    for rain in rains:
        assert rain.intensity is not None  # typhoons and heavy rain always have a footprint
        rng = ctx.rng(f"{spec.id}/{rain.hazard}/{rain.name}")
        n = len(ctx.nodes)
        p = clip01(spec.probability * rain.intensity) * susceptible
        hit = rng.random(n) < p
        when = rain.start + (rain.end - rain.start) * rng.random(n)
        trapped = rng.random(n) < spec.incident_probability
        for node in np.nonzero(hit)[0]:
            t = float(when[node])
            roads = ctx.roads_at(int(node))
            cut = roads[rng.random(len(roads)) < spec.cut_probability]
            repair = spec.repair.ppf(rng.random(len(cut)))
            end = float(t + repair.max()) if len(cut) else t
            event = timeline.add_event(HazardEvent(
                0, spec.id, "landslide", f"{spec.id}@{ctx.nodes[node].id}", start=t, end=end,
                intensity=np.where(np.arange(n) == node, 1.0, 0.0),
                people_affected=int(ctx.population[node]),
                details={"node": ctx.nodes[node].id, "roads_cut": int(len(cut)), "triggered_by": rain.name}))
            for road, minutes in zip(cut, repair, strict=True):
                timeline.closures.append(RoadClosure(int(road), t, float(t + minutes), event))
            if spec.incident_type is not None and trapped[node]:
                _single(ctx, spec.id, spec.incident_type, t, int(node), event)


def draw_forest_fires(ctx: HazardContext, spec: ForestFire) -> None:
    timeline = ctx.timeline
    times = event_times(ctx, spec, spec.id)
    n = len(times)
    rng = ctx.rng(f"{spec.id}/fires")
    nodes = ctx.places(spec, rng, n)
    base_rate = spec.spread_rate.ppf(rng.random(n)) * KMH_TO_M_PER_MIN
    wind = spec.wind.ppf(rng.random(n))
    covered = rng.random(n) < spec.detection.coverage
    detect = np.where(covered, spec.detection.covered.ppf(rng.random(n)),
                      spec.detection.uncovered.ppf(rng.random(n)))
    for k, (t, node) in enumerate(zip(times, nodes, strict=True)):
        tags = ctx.nodes[node].tags
        fuel = max([spec.fuel[t_] for t_ in tags if t_ in spec.fuel], default=1.0)
        dryness = spec.dryness[ctx.month(t)] if spec.dryness is not None else 1.0
        forest = ctx.forest_ha[node]
        head_rate = float(base_rate[k] * fuel * dryness * math.exp(WIND_TERM * wind[k]))
        name = spec.id if spec.at is not None else f"{spec.id}#{k + 1}"
        event = timeline.add_event(HazardEvent(
            0, spec.id, "forest_fire", name, start=float(t), end=float(t), intensity=None,
            details={"node": ctx.nodes[node].id, "head_rate_m_min": head_rate,
                     "wind_kmh": float(wind[k]), "detected_by_sensors": bool(covered[k])}))
        timeline.fires.append(Fire(event=event, node=int(node), ignition=float(t), head_rate=head_rate,
                                   wind_kmh=float(wind[k]),
                                   max_area_ha=float(forest) if forest > 0 else math.inf,
                                   max_duration=spec.max_duration, covered=bool(covered[k])))
        _single(ctx, spec.id, spec.incident_type, float(t), int(node), event,
                fire=np.array([len(timeline.fires) - 1], dtype=np.int64),
                detection_delay=np.array([detect[k]]))


def draw_chemical(ctx: HazardContext, spec: ChemicalAccident) -> None:
    timeline = ctx.timeline
    times = event_times(ctx, spec, spec.id)
    n = len(times)
    rng = ctx.rng(f"{spec.id}/accidents")
    sites = ctx.places(spec, rng, n)
    names = list(spec.outcomes)
    cum = np.cumsum([spec.outcomes[o].probability for o in names])
    pick = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(names) - 1)
    casualty_u = rng.random(n)
    for k, (t, site) in enumerate(zip(times, sites, strict=True)):
        outcome = spec.outcomes[names[pick[k]]]
        km = ctx.km_from(ctx.lon[site], ctx.lat[site])
        share = disc_share_inside(km, ctx.area_radius, outcome.radius)
        casualties = int(_poisson_ppf(outcome.casualties, casualty_u[k]))
        name = spec.id if spec.at is not None else f"{spec.id}#{k + 1}"
        event = timeline.add_event(HazardEvent(
            0, spec.id, "chemical", name, start=float(t), end=float(t),
            intensity=share, people_affected=int(round(float((ctx.population * share).sum()))),
            danger=km <= outcome.radius,
            details={"node": ctx.nodes[site].id, "outcome": names[pick[k]], "radius_km": outcome.radius,
                     "casualties": casualties,
                     "evacuation_nodes": [ctx.nodes[i].id for i in np.nonzero(share > 0)[0]]}))
        _single(ctx, spec.id, outcome.incident_type, float(t), int(site), event)
        if spec.casualty_type is not None and casualties:
            ctx.timeline.batches.append(IncidentBatch(
                spec.id, spec.casualty_type, np.full(casualties, float(t)),
                np.full(casualties, site, dtype=np.int64), np.full(casualties, event, dtype=np.int64)))


def disc_share_inside(distance: np.ndarray, radius: np.ndarray, circle: float) -> np.ndarray:
    """Share of each place's disc (centre ``distance`` km from the circle's centre, ``radius``
    km) inside a circle of ``circle`` km: the lens of two circles over the disc's area; a
    point place is inside or not by its centre."""
    d = np.asarray(distance, dtype=float)
    r = np.asarray(radius, dtype=float)
    share = (d <= circle).astype(float)  # points, and discs wholly inside or outside below
    disc = r > 0
    big = circle
    whole_in = disc & (d + r <= big)
    whole_out = disc & (d >= r + big)
    share[whole_in], share[whole_out] = 1.0, 0.0
    if big < np.max(r, initial=0.0):  # a disc larger than the circle may hold it whole
        holds = disc & (d + big <= r)
        share[holds] = (big / r[holds]) ** 2
    lens = disc & ~whole_in & ~whole_out & ~(d + big <= r)
    if lens.any():
        dd, rr = d[lens], r[lens]
        a = rr ** 2 * np.arccos(np.clip((dd ** 2 + rr ** 2 - big ** 2) / (2 * dd * rr), -1, 1))
        b = big ** 2 * np.arccos(np.clip((dd ** 2 + big ** 2 - rr ** 2) / (2 * dd * big), -1, 1))
        c = 0.5 * np.sqrt(np.clip((-dd + rr + big) * (dd + rr - big) * (dd - rr + big) * (dd + rr + big),
                                  0, None))
        share[lens] = np.clip((a + b - c) / (math.pi * rr ** 2), 0.0, 1.0)
    return share


def _fragility(intensity: np.ndarray, curve) -> np.ndarray:
    """Share affected at each intensity: Phi((I - median) / spread)."""
    return normal_cdf((intensity - curve.median) / curve.spread)


def _poisson_ppf(mean: float, u: float) -> int:
    """Inverse CDF of a Poisson count (one uniform per draw keeps draws aligned)."""
    if mean <= 0:
        return 0
    k, p = 0, math.exp(-mean)
    cdf = p
    while u > cdf and k < 10_000:
        k += 1
        p *= mean / k
        cdf += p
    return k


def draw_earthquakes(ctx: HazardContext, spec: Earthquake) -> None:
    timeline = ctx.timeline
    times = event_times(ctx, spec, spec.id)
    n = len(times)
    rng = ctx.rng(f"{spec.id}/quakes")
    low, high = spec.magnitude_range
    u = rng.random(n)
    drawn_m = low - np.log10(1 - u * (1 - 10 ** (-spec.b_value * (high - low)))) / spec.b_value
    lon = ctx.lon.min() + (ctx.lon.max() - ctx.lon.min()) * rng.random(n)
    lat = ctx.lat.min() + (ctx.lat.max() - ctx.lat.min()) * rng.random(n)
    att = spec.attenuation
    for k, t in enumerate(times):
        if spec.at is not None:
            assert spec.epicentre is not None and spec.magnitude is not None  # required with 'at'
            magnitude, e_lon, e_lat = spec.magnitude, spec.epicentre.lon, spec.epicentre.lat
        else:
            magnitude, e_lon, e_lat = float(drawn_m[k]), float(lon[k]), float(lat[k])
        hypo = np.hypot(ctx.km_from(e_lon, e_lat), spec.depth)
        intensity = att.a + att.b * magnitude - att.c * np.log(hypo + att.r0)
        r = ctx.rng(f"{spec.id}/{k}")
        collapse = spec.collapse
        mean = collapse.per_10k * ctx.population / 10_000 * _fragility(intensity, collapse)
        counts = r.poisson(mean)
        nodes = np.repeat(np.arange(len(ctx.nodes)), counts)
        delays = collapse.within.ppf(r.random(len(nodes)))
        name = spec.id if spec.at is not None else f"{spec.id}#{k + 1}"
        end = float(t)
        closures: list[tuple[int, float]] = []
        slowdowns: list[tuple[int, float]] = []
        if spec.road_damage is not None and ctx.roads is not None:
            road_i = np.maximum(intensity[ctx.road_places[:, 0]], intensity[ctx.road_places[:, 1]])
            damaged = r.random(len(road_i)) < _fragility(road_i, spec.road_damage)
            repair = spec.road_damage.repair.ppf(r.random(len(road_i)))
            closures = [(int(road), float(t + repair[road])) for road in np.nonzero(damaged)[0]]
            slowing = spec.road_damage.slowed
            if slowing is not None:  # a stream of its own: the cuts stay as they are without it
                slowed = (ctx.rng(f"{spec.id}/{k}/slowed").random(len(road_i))
                          < _fragility(road_i, slowing)) & ~damaged
                slowdowns = [(int(road), float(t + repair[road])) for road in np.nonzero(slowed)[0]]
            end = max([end, *(c[1] for c in closures), *(c[1] for c in slowdowns)])
        event = timeline.add_event(HazardEvent(
            0, spec.id, "earthquake", name, start=float(t), end=end, intensity=intensity,
            people_affected=int(ctx.population[intensity >= 6.0].sum()),
            details={"magnitude": magnitude, "epicentre": [e_lon, e_lat], "collapses": int(counts.sum()),
                     "max_intensity": float(intensity.max()), "roads_damaged": len(closures)}))
        for road, reopen in closures:
            timeline.closures.append(RoadClosure(road, float(t), reopen, event))
        if slowdowns:
            assert spec.road_damage is not None and spec.road_damage.slowed is not None
            factor = spec.road_damage.slowed.factor
            for road, repaired in slowdowns:
                timeline.slowdowns.append(RoadSlowdown(road, float(t), repaired, event, factor))
        order = np.argsort(delays, kind="stable")
        timeline.batches.append(IncidentBatch(
            spec.id, collapse.incident_type, float(t) + delays[order], nodes[order].astype(np.int64),
            np.full(len(nodes), event, dtype=np.int64)))
