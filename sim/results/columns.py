"""Typed views of one record table's columns (lists or numpy arrays, see :mod:`.records`).

The KPIs read a replication's columns through these, so that a column has the same type
whatever it holds: an empty table gives empty arrays of the right type, not objects.
:func:`split` turns a DataFrame of several replications back into columns per replication,
for the functions that also accept DataFrames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .records import Columns, ReplicationRecords

__all__ = ["flags", "floats", "integers", "length", "split", "table", "texts"]


def table(records: ReplicationRecords, name: str) -> Columns:
    """One of the hazard, evacuation or supply tables (``{}`` when the scenario has none)."""
    return records.tables.get(name, {})


def length(columns: Columns) -> int:
    """Rows of a table (0 for ``{}``)."""
    for values in columns.values():
        return len(values)
    return 0


def floats(columns: Columns, name: str) -> np.ndarray:
    """A column as float64 (missing values NaN); empty when the table is ``{}``."""
    if not columns:
        return np.empty(0)
    return np.asarray(columns[name], dtype=float)


def integers(columns: Columns, name: str) -> np.ndarray:
    """A column of whole numbers as int64; empty when the table is ``{}``."""
    if not columns:
        return np.empty(0, dtype=np.int64)
    return np.asarray(columns[name], dtype=np.int64)


def texts(columns: Columns, name: str) -> np.ndarray:
    """A column of strings as an object array; empty when the table is ``{}``."""
    if not columns:
        return np.empty(0, dtype=object)
    return np.asarray(columns[name], dtype=object)


def flags(columns: Columns, name: str) -> np.ndarray:
    """A column of truth values as a bool array; empty when the table is ``{}``."""
    if not columns:
        return np.empty(0, dtype=bool)
    return np.asarray(columns[name], dtype=bool)


def split(frame: pd.DataFrame | None, replications: list[int]) -> dict[int, Columns]:
    """The rows of each replication of a DataFrame with a ``replication`` column, as columns
    (``{}`` for a replication without rows or when there is no frame)."""
    out: dict[int, Columns] = {rep: {} for rep in replications}
    if frame is None or not len(frame):
        return out
    reps = frame["replication"].to_numpy()
    values = {str(name): frame[name].to_numpy() for name in frame.columns if name != "replication"}
    for rep in replications:
        rows = np.nonzero(reps == rep)[0]
        if len(rows):
            out[rep] = {name: column[rows] for name, column in values.items()}
    return out
