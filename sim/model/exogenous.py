"""Everything exogenous about one replication: its incidents and its hazard timeline.

1. Hazard events are drawn (:func:`sim.model.hazards.draw_hazards`).
2. Each generator draws its incidents. Where a hazard multiplies its rate by ``m`` at a node
   during an event, incidents there are thinned (kept with probability ``m``) when ``m < 1``,
   and a second Poisson stream adds the excess ``m - 1`` when ``m > 1``, following the
   generator's own time-of-day and seasonal profile. Both are exact for Poisson processes.
3. Incidents the hazards create (flood rescues, landslide rescues, fires, collapses,
   casualties) get their delays, on-scene times and turnout uniforms from streams named after
   the hazard.
4. Where communications are down when an incident happens, its detection and report delays
   are multiplied by the outage's ``delay_factor``; where the power is down, its detection
   delay by ``power_factor`` (the largest factor counts, when outages overlap).
5. The evacuation plan: who is warned when, who complies and when they leave
   (:mod:`sim.model.evacuation_plan`).

Nothing here looks at stations or units: the same seed gives the same incidents and hazards
whatever the layout.
"""

from __future__ import annotations

import numpy as np

from ..engine.streams import Streams
from ..scenario.loader import Scenario
from .evacuation_plan import draw_evacuation
from .hazards import HazardTimeline, RateChange, draw_hazards
from .incidents import GeneratorDraw, IncidentStream, assemble, draw_attributes, draw_generator, draw_nodes
from .outages import outage_factors

__all__ = ["draw_replication"]


def draw_replication(scenario: Scenario, streams: Streams) -> tuple[IncidentStream, HazardTimeline]:
    """The incident stream and the hazard timeline of one replication."""
    spec = scenario.spec
    timeline = draw_hazards(scenario, streams)
    parts: list[dict[str, np.ndarray]] = []
    for g, gen in enumerate(spec.generators):
        draw = draw_generator(scenario, g, streams)
        columns = draw.columns
        for change in (c for c in timeline.rate_changes if c.generator == g):
            columns = _thin(columns, change, streams, gen.stream_id, timeline)
            parts.append(_excess(scenario, draw, change, streams, gen.stream_id, g, timeline))
        parts.append(columns)
    batches_seen: dict[str, int] = {}
    for batch in timeline.batches:
        k = batches_seen[batch.hazard] = batches_seen.get(batch.hazard, -1) + 1
        columns = draw_attributes(scenario, batch.type_name, batch.time, batch.node,
                                  f"hazard:{batch.hazard}:{k}", streams)
        columns["event"] = batch.event
        if batch.fire is not None:
            columns["fire"] = batch.fire
        if batch.detection_delay is not None:
            columns["detection_delay"] = batch.detection_delay
        parts.append(columns)
    stream = assemble(scenario, parts)
    _slow_reports(scenario, stream, timeline)
    timeline.evacuation = draw_evacuation(scenario, streams, timeline)
    return stream, timeline


def _event_name(timeline: HazardTimeline, change: RateChange) -> str:
    event = timeline.events[change.event]
    return f"{event.hazard}:{event.name}"


def _thin(columns: dict[str, np.ndarray], change: RateChange, streams: Streams, name: str,
          timeline: HazardTimeline) -> dict[str, np.ndarray]:
    """Drop incidents in the event window with probability ``1 - m`` (where ``m < 1``)."""
    keep_p = np.minimum(change.multiplier, 1.0)[columns["node"]]
    inside = (columns["time"] >= change.start) & (columns["time"] < change.end)
    u = streams[f"thin/{name}/{_event_name(timeline, change)}"].random(len(columns["time"]))
    keep = ~inside | (u < keep_p)
    return {key: value[keep] for key, value in columns.items()}


def _excess(scenario: Scenario, draw: GeneratorDraw, change: RateChange, streams: Streams, name: str,
            g: int, timeline: HazardTimeline) -> dict[str, np.ndarray]:
    """Extra incidents at rate ``(m - 1)`` times the generator's own, where ``m > 1``."""
    stream = f"{name}@{_event_name(timeline, change)}"
    rng = streams[f"arrivals/{stream}"]
    share = draw.weights / draw.weights.sum()
    excess = share * np.maximum(change.multiplier - 1.0, 0.0)
    lo, hi = np.interp([change.start, min(change.end, draw.edges[-1])], draw.edges, draw.cumulative)
    count = int(rng.poisson(max(hi - lo, 0.0) * excess.sum()))
    times = np.sort(np.interp(lo + (hi - lo) * rng.random(count), draw.cumulative, draw.edges))
    nodes = draw_nodes(streams[f"locations/{stream}"], excess, count) if count else np.zeros(0, np.int64)
    gen = scenario.spec.generators[g]
    columns = draw_attributes(scenario, gen.incident_type, times, nodes, stream, streams, g)
    columns["event"] = np.full(count, change.event, dtype=np.int64)
    return columns


def _slow_reports(scenario: Scenario, stream: IncidentStream, timeline: HazardTimeline) -> None:
    """Multiply detection and report delays where communications are down, and detection
    delays where the power is down."""
    factors = outage_factors(scenario, timeline)
    detect = np.ones(len(stream))  # overlapping outages count once: the strongest factor
    report = np.ones(len(stream))
    for outage in timeline.outages:
        hit = (stream.node == outage.node) & (stream.time >= outage.start) & (stream.time < outage.end)
        factor = factors[outage.event][outage.kind]
        detect[hit] = np.maximum(detect[hit], factor)
        if outage.kind == "communication":
            report[hit] = np.maximum(report[hit], factor)
    stream.detection_delay[:] *= detect
    stream.report_delay[:] *= report

