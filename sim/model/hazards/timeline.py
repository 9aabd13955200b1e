"""What hazards do in one replication, drawn up front: the hazard timeline.

Everything here depends only on the scenario's hazard part and the seed, never on stations or
units, so layouts compared on the same seed face the same typhoons, cuts and fires.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np

__all__ = ["EventDetails", "Fire", "HazardEvent", "HazardTimeline", "IncidentBatch", "Outage", "RateChange",
           "RoadClosure", "RoadSlowdown", "WindWindow"]


class EventDetails(TypedDict, total=False):
    """What an event records about itself beyond the common fields, by kind (the ``details``
    column of the ``hazards`` table, as JSON; ``evacuation_nodes`` has a column of its own)."""

    severity: float                # typhoon
    peak_intensity: float          # typhoon
    node: str                      # landslide, forest fire, chemical accident: where
    roads_cut: int                 # landslide
    triggered_by: str              # landslide: the rain event
    head_rate_m_min: float         # forest fire
    wind_kmh: float                # forest fire
    detected_by_sensors: bool      # forest fire
    outcome: str                   # chemical accident
    radius_km: float               # chemical accident
    casualties: int                # chemical accident
    evacuation_nodes: list[str]    # chemical accident: node ids inside the radius
    magnitude: float               # earthquake
    epicentre: list[float]         # earthquake: lon, lat
    collapses: int                 # earthquake
    max_intensity: float           # earthquake
    roads_damaged: int             # earthquake


@dataclass
class HazardEvent:
    """One realised event: a typhoon, a landslide, a fire, a chemical accident, a quake."""

    index: int
    hazard: str            # the hazard's id in the scenario
    kind: str
    name: str              # e.g. "lekima" or "typhoons#3"
    start: float           # impact (landfall, ignition, quake, release), minutes
    end: float
    forecast: float = np.nan  # when the warning went out (typhoons and heavy rain)
    intensity: np.ndarray | None = None  # per node: 0-1 (for a chemical accident, the share of the
    #                                      place's area inside the radius), or seismic intensity
    people_affected: int = 0
    danger: np.ndarray | None = None  # per node: True where the place itself (its centre) is in
    #                                   the danger area, so no shelter there is safe (chemical)
    details: EventDetails = field(default_factory=EventDetails)


@dataclass(frozen=True)
class RoadClosure:
    road: int
    start: float
    end: float
    event: int


@dataclass(frozen=True)
class RoadSlowdown:
    """A road open but driven ``factor`` times slower (flooded, damaged) from start to end."""

    road: int
    start: float
    end: float
    event: int
    factor: float


@dataclass(frozen=True)
class Outage:
    node: int
    kind: str  # "communication" or "power"
    start: float
    end: float
    event: int


@dataclass(frozen=True)
class WindWindow:
    """Wind (km/h) per node between ``start`` and ``end``."""

    start: float
    end: float
    wind: np.ndarray
    event: int


@dataclass(frozen=True)
class Fire:
    """A forest fire's growth parameters (see :mod:`sim.model.fire`)."""

    event: int
    node: int
    ignition: float
    head_rate: float      # m/min
    wind_kmh: float
    max_area_ha: float
    max_duration: float
    covered: bool         # detected by sensors and cameras


@dataclass
class IncidentBatch:
    """Incidents a hazard creates: they join the replication's incident stream."""

    hazard: str
    type_name: str
    time: np.ndarray
    node: np.ndarray
    event: np.ndarray
    fire: np.ndarray | None = None            # index into the timeline's fires
    detection_delay: np.ndarray | None = None  # overrides the incident type's draw


@dataclass(frozen=True)
class RateChange:
    """During an event, a generator's rate at each node is multiplied by ``multiplier[node]``."""

    generator: int
    start: float
    end: float
    multiplier: np.ndarray
    event: int


@dataclass
class HazardTimeline:
    """All hazard effects of one replication."""

    events: list[HazardEvent] = field(default_factory=list)
    closures: list[RoadClosure] = field(default_factory=list)
    slowdowns: list[RoadSlowdown] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)
    wind: list[WindWindow] = field(default_factory=list)
    fires: list[Fire] = field(default_factory=list)
    batches: list[IncidentBatch] = field(default_factory=list)
    rate_changes: list[RateChange] = field(default_factory=list)
    evacuation: list = field(default_factory=list)  # EvacGroup of sim.model.evacuation_plan

    def add_event(self, event: HazardEvent) -> int:
        event.index = len(self.events)
        self.events.append(event)
        return event.index
