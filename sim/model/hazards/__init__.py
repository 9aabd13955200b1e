"""Hazards: typhoons and heavy rain, landslides, forest fires, chemical-park accidents and
earthquakes, drawn up front for a replication as a :class:`HazardTimeline`.

Rain events are drawn first, since landslides are triggered by them; the other kinds follow in
the order the scenario lists them. Each hazard draws from its own named streams, so adding a
hazard never changes another one's events.
"""

from __future__ import annotations

from ...engine.streams import Streams
from ...scenario.loader import Scenario
from .common import HazardContext, resolve_time
from .others import draw_chemical, draw_earthquakes, draw_forest_fires, draw_landslides
from .timeline import (
    Fire,
    HazardEvent,
    HazardTimeline,
    IncidentBatch,
    Outage,
    RateChange,
    RoadClosure,
    WindWindow,
)
from .typhoon import draw_typhoons, footprint

__all__ = ["Fire", "HazardEvent", "HazardTimeline", "IncidentBatch", "Outage", "RateChange",
           "RoadClosure", "RoadSlowdown", "WindWindow", "draw_hazards", "footprint", "resolve_time"]


def draw_hazards(scenario: Scenario, streams: Streams) -> HazardTimeline:
    """Every hazard event of one replication, with its incidents, road cuts and outages."""
    ctx = HazardContext(scenario, streams)
    generator_types = [g.incident_type for g in scenario.spec.generators]
    hazards = scenario.spec.hazards
    for spec in hazards:
        if spec.kind in ("typhoon", "heavy_rain"):
            draw_typhoons(ctx, spec, generator_types)
    for spec in hazards:
        if spec.kind == "landslide":
            draw_landslides(ctx, spec)
        elif spec.kind == "forest_fire":
            draw_forest_fires(ctx, spec)
        elif spec.kind == "chemical":
            draw_chemical(ctx, spec)
        elif spec.kind == "earthquake":
            draw_earthquakes(ctx, spec)
    return ctx.timeline
