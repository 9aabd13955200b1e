"""Flat record tables of one replication, turned into pandas DataFrames only at the edge.

One row per thing, times on the simulation clock (minutes from the start):

``incidents``      one row per incident;
``assignments``    one row per unit sent to an incident;
``units``          one row per unit (static facts; KPIs such as busy fraction are added later);

and, for scenarios with hazards (in :attr:`ReplicationRecords.tables`):

``hazards``        one row per hazard event (typhoon, landslide, fire, accident, quake);
``fires``          one row per forest fire: size at first attack, when and how it stopped;
``road_closures``  one row per road cut; ``road_slowdowns`` one row per road flooded or
                   damaged but open (driven ``factor`` times slower);
``cut_off``        one row per node and period cut off;
``outages``        communication and power outages; ``staging_moves`` pre-positioning moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["ASSIGNMENT_COLUMNS", "Columns", "INCIDENT_COLUMNS", "ReplicationRecords", "UNIT_COLUMNS"]

Columns = dict[str, list | np.ndarray]  # one table: column name -> values, all of one length

INCIDENT_COLUMNS = {
    "incident": "incident number within the replication (0, 1, ... in occurrence order)",
    "type": "incident type",
    "generator": "generator that produced it (empty when a hazard did)",
    "hazard": "hazard that caused it (empty for everyday incidents)",
    "event": "hazard event that caused it",
    "node": "node id where it happened",
    "priority": "priority (1 = most urgent)",
    "occurrence": "when it happened (min)",
    "detection": "when someone noticed it (min)",
    "report": "when the report reached the command centre (min)",
    "call": "when dispatch started handling it: report + handling time (min)",
    "first_dispatch": "when the first unit was sent (min)",
    "full_dispatch": "when the last required unit was sent (min)",
    "first_arrival": "when the first unit arrived (min)",
    "capable_arrival": "when the first unit that can do the job arrived (a capability in the type's "
                       "'capable', by default the first one it requires) (min)",
    "full_complement": "when all required units were on scene; empty if the work ended first (min)",
    "scene_end": "when on-scene work ended (min)",
    "cleared": "when the last unit was free again (min)",
    "response_time": "first_arrival - occurrence: the response time (min)",
    "capable_response": "capable_arrival - occurrence: the capability-matched response time (min)",
    "complement_response": "full_complement - occurrence: when the whole requirement was on scene (min)",
    "status": "cleared, open (still running at the end) or lost (no unit, calls not queued)",
    "waited": "True when part of its requirement had to wait in the queue",
    "cut_off": "True when no road unit's station could reach it by road when it was called",
    "first_mode": "how the first unit came: road, air or water",
    "units_sent": "number of units sent",
    "units": "ids of the units sent, ';'-separated",
    "transported": "True when a patient was taken to hospital",
}

ASSIGNMENT_COLUMNS = {
    "incident": "incident number",
    "unit": "unit id",
    "mode": "road, air or water",
    "mutual_aid": "True for a neighbouring region's unit",
    "capability": "capability the unit was sent for",
    "from_node": "node id the unit drove from",
    "was_away": "True when the unit was sent while away from its station (e.g. driving back)",
    "dispatch": "when it was sent (min)",
    "depart": "when it left after its turnout time; empty if called off before leaving (min)",
    "arrival": "when it reached the scene (min)",
    "leave_scene": "when it left the scene (min)",
    "hospital_arrival": "when it reached the hospital, if it carried a patient (min)",
    "free": "when it was free for other work again (min)",
    "travel_minutes": "driving minutes to the scene",
    "stood_down": "True when the scene ended before it arrived and it was called off on the way",
    "withdrawn": "True when it left before the work ended (sunset, or cut off by a road)",
}

UNIT_COLUMNS = {
    "unit": "unit id (group#number)",
    "group": "unit group id",
    "type": "unit type",
    "mode": "road, air or water",
    "mutual_aid": "neighbouring region it comes from (empty for the region's own units)",
    "capabilities": "capabilities, ';'-separated",
    "crew": "crew size",
    "base": "home facility id",
    "base_node": "node id of the home facility",
}


@dataclass
class ReplicationRecords:
    """Column-oriented records of one replication."""

    replication: int
    seed: int
    horizon: float
    warmup: float
    end_time: float
    events: int
    incidents: Columns = field(default_factory=dict)
    assignments: Columns = field(default_factory=dict)
    units: Columns = field(default_factory=dict)
    tables: dict[str, Columns] = field(default_factory=dict)

    def _frame(self, columns: Columns, order: Iterable[str]) -> pd.DataFrame:
        frame = pd.DataFrame({key: columns[key] for key in order})
        frame.insert(0, "replication", self.replication)
        return frame

    def incident_frame(self) -> pd.DataFrame:
        return self._frame(self.incidents, INCIDENT_COLUMNS)

    def assignment_frame(self) -> pd.DataFrame:
        return self._frame(self.assignments, ASSIGNMENT_COLUMNS)

    def unit_frame(self) -> pd.DataFrame:
        return self._frame(self.units, UNIT_COLUMNS)

    def table_frame(self, name: str) -> pd.DataFrame:
        """One of the hazard tables (empty frame when the scenario has no such records)."""
        columns = self.tables.get(name, {})
        return self._frame(columns, dict.fromkeys(columns))
