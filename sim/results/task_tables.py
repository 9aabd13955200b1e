"""What the KPI pass of a batch task hands to the results store, as plain columns.

:class:`KpiTable` is the long KPI table (one row per replication, section, group and metric),
:class:`NodeTable` the incidents answered and their summed response times per replication and
node. Both are lists, filled replication by replication; :meth:`frame` gives the DataFrame.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar

import pandas as pd

__all__ = ["KpiRow", "KpiTable", "NodeTable"]

KpiRow = tuple[str, str, str, float]
"""One KPI of a replication: section, group, metric, value (NaN when it has none)."""


@dataclass
class _Table:
    TYPES: ClassVar[dict[str, str]] = {}
    """The type of each column in the DataFrame (whether or not the table has rows)."""

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame, its columns in field order."""
        return pd.DataFrame({f.name: getattr(self, f.name) for f in fields(self)}).astype(self.TYPES)


@dataclass
class KpiTable(_Table):
    """KPI rows of several replications, one list per column."""

    TYPES: ClassVar[dict[str, str]] = {"replication": "int64", "section": "str", "group": "str",
                                       "metric": "str", "value": "float64"}

    replication: list[int] = field(default_factory=list)
    section: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    metric: list[str] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    def add(self, replication: int, rows: list[KpiRow]) -> None:
        """Append the rows of one replication."""
        if not rows:
            return
        sections, groups, metrics, values = zip(*rows, strict=True)
        self.replication.extend([replication] * len(rows))
        self.section.extend(sections)
        self.group.extend(groups)
        self.metric.extend(metrics)
        self.value.extend(values)


@dataclass
class NodeTable(_Table):
    """Per replication and node: incidents answered and the sum of their response times."""

    TYPES: ClassVar[dict[str, str]] = {"replication": "int64", "node": "str", "incidents": "int64",
                                       "response_sum": "float64"}

    replication: list[int] = field(default_factory=list)
    node: list[str] = field(default_factory=list)
    incidents: list[int] = field(default_factory=list)
    response_sum: list[float] = field(default_factory=list)

