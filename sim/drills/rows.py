"""Typed rows of the record tables a drill is built from.

``DataFrame.itertuples`` gives rows whose fields a type checker cannot know; :func:`rows` gives
the same values (Python scalars, in the frame's order) as named tuples that say which columns
a drill reads and what they hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple, TypeVar

import pandas as pd

__all__ = [
    "AssignmentRow",
    "EvacuationNodeRow",
    "FireRow",
    "FirstBatchRow",
    "HazardRow",
    "IncidentRow",
    "RoadClosureRow",
    "rows",
]


R = TypeVar("R", bound=NamedTuple)


class IncidentRow(NamedTuple):
    replication: int
    incident: int
    type: str
    event: str
    node: str
    call: float
    first_dispatch: float
    first_arrival: float
    scene_end: float


class AssignmentRow(NamedTuple):
    replication: int
    incident: int
    unit: str
    mode: str
    mutual_aid: bool
    dispatch: float
    arrival: float


class FireRow(NamedTuple):
    replication: int
    incident: int
    node: str
    detection: float
    first_attack: float
    area_at_first_attack_ha: float
    stopped: float
    how: str


class EvacuationNodeRow(NamedTuple):
    replication: int
    event: str
    node: str
    warned: float
    told: int
    cleared: float


class HazardRow(NamedTuple):
    replication: int
    event: str
    kind: str
    forecast: float
    start: float
    details: str


class RoadClosureRow(NamedTuple):
    replication: int
    road: int
    from_node: str
    to_node: str
    start: float
    end: float
    event: str


class FirstBatchRow(NamedTuple):
    replication: int
    event: str
    area: str
    first_request: float
    first_delivery: float


def rows(frame: pd.DataFrame, row_type: type[R]) -> Iterator[R]:
    """The rows of ``frame`` as ``row_type`` named tuples (its fields are the columns read);
    nothing for an empty frame (which may have no columns at all)."""
    if not len(frame):
        return
    for values in frame[list(row_type._fields)].itertuples(index=False, name=None):
        yield row_type._make(values)
