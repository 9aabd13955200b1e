"""Record tables of several replications as one DataFrame: the edge (files, reports, the API).

Each replication's table becomes a DataFrame (:class:`.records.ReplicationRecords`) and
:func:`joined` puts those with rows one after the other. A replication without rows adds none
and leaves the column types alone: pandas, joining an empty table (whose columns have no type)
to typed ones, turns whole numbers into floats and truth values and strings into objects. A
table that no replication has rows of is the first replication's empty table.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["joined"]


def joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows of ``frames`` (at least one) in order, renumbered; the column types of those
    with rows."""
    return pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
