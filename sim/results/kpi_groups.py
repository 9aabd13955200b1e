"""The KPIs of one replication as groups of metrics, and the frame of several replications.

A section of KPIs (incident types, hazard kinds, ...) gives, per replication, a list of
``(group, {metric: value})`` pairs; :func:`per_replication` puts several replications'
pairs in one DataFrame for summaries, reports and the API.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["Groups", "per_replication"]

Groups = list[tuple[str, dict[str, float]]]
"""KPIs of one replication: (group, {metric: value}) for each group of a section."""


def per_replication(groups: dict[int, Groups], key: str | None) -> pd.DataFrame:
    """One row per replication and group (the group in column ``key``; no such column when
    ``key`` is None), the metrics as float columns in order of first appearance, NaN where a
    group has no such metric."""
    rows = [{"replication": rep, **({key: group} if key else {}), **metrics}
            for rep, parts in groups.items() for group, metrics in parts]
    if not rows:
        return pd.DataFrame(columns=["replication", *([key] if key else [])])
    frame = pd.DataFrame(rows)
    metrics = [c for c in frame.columns if c not in ("replication", key)]
    return frame.astype({"replication": np.int64, **dict.fromkeys(metrics, np.float64)})
