"""How busy the units were, from the assignment and unit columns of each replication.

Per unit: ``busy_minutes`` (sent until free again, or the end of the run, inside the measured
window ``[warm-up, horizon]``), ``busy_fraction`` (busy minutes / window length) and
``assignments`` (units sent within the window). Driving home does not count as busy. Per unit
type, the KPI table has the mean busy fraction and assignments of its units
(:func:`unit_type_metrics`).

Sums and means per unit and type are compensated like pandas' ``groupby`` ones
(:func:`.reductions.group_sums`), so the figures have the bits they had when pandas
computed them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import floats, texts
from .frames import joined
from .kpi_groups import Groups
from .records import UNIT_COLUMNS, ReplicationRecords
from .reductions import group_sums
from .stats import estimate

__all__ = ["move_up_metrics", "unit_busy", "unit_kpis", "unit_summary", "unit_type_metrics"]


def unit_busy(records: ReplicationRecords, warmup: float, horizon: float) -> tuple[list[float], list[int]]:
    """Per unit of ``records.units`` (in its order): busy minutes and assignments in
    ``[warm-up, horizon]``. An assignment still running at the end is busy until then."""
    ids = records.units.get("unit", [])
    index = {unit: i for i, unit in enumerate(ids)}
    a = records.assignments
    codes = np.array([index.get(u, -1) for u in a.get("unit", [])], dtype=np.int64)
    dispatch, free = floats(a, "dispatch"), floats(a, "free")
    free = np.where(np.isnan(free), records.end_time, free)
    busy = np.maximum(np.clip(free, warmup, horizon) - np.clip(dispatch, warmup, horizon), 0.0)
    mine = codes >= 0
    minutes, _ = group_sums(codes[mine].tolist(), busy[mine].tolist(), len(ids))
    counted = mine & (dispatch >= warmup) & (dispatch < horizon)
    jobs = np.bincount(codes[counted], minlength=len(ids)).tolist()
    return minutes, jobs


def unit_type_metrics(records: ReplicationRecords, warmup: float, horizon: float) -> Groups:
    """Per unit type (in order of first appearance): the mean busy fraction and assignments of
    its units, and ``arrival_mean``: the mean minutes from being sent to reaching the scene over
    the type's assignments sent within the window that arrived (NaN if none), which for a
    helicopter includes the landing, the transfer and the drive from its landing site."""
    minutes, jobs = unit_busy(records, warmup, horizon)
    fraction = (np.array(minutes) / (horizon - warmup)).tolist()
    names: dict[str, int] = {}
    codes = [names.setdefault(t, len(names)) for t in texts(records.units, "type").tolist()]
    busy, count = group_sums(codes, fraction, len(names))
    work, _ = group_sums(codes, [float(j) for j in jobs], len(names))
    index = {unit: codes[i] for i, unit in enumerate(records.units.get("unit", []))}
    a = records.assignments
    kind = np.array([index.get(u, -1) for u in a.get("unit", [])], dtype=np.int64)
    dispatch, arrival = floats(a, "dispatch"), floats(a, "arrival")
    came = (kind >= 0) & np.isfinite(arrival) & (dispatch >= warmup) & (dispatch < horizon)
    reach, arrived = group_sums(kind[came].tolist(), (arrival - dispatch)[came].tolist(), len(names))
    return [(str(name), {"busy_fraction": busy[i] / count[i], "assignments": work[i] / count[i],
                         "arrival_mean": reach[i] / arrived[i] if arrived[i] else float("nan")})
            for name, i in names.items()]


def move_up_metrics(records: ReplicationRecords, warmup: float, horizon: float) -> Groups:
    """Move-up (``dispatch.move_up``): the moves made within the window and their planned
    driving minutes in all (``move_ups`` records)."""
    table = records.tables.get("move_ups", {})
    when = floats(table, "time") if table else np.zeros(0)
    minutes = floats(table, "minutes") if table else np.zeros(0)
    inside = (when >= warmup) & (when < horizon)
    return [("all", {"moves": float(inside.sum()), "move_minutes": float(np.nansum(minutes[inside]))})]


def unit_kpis(records: list[ReplicationRecords], warmup: float, horizon: float) -> pd.DataFrame:
    """Units table with busy minutes, busy fraction and assignments in ``[warm-up, horizon]``."""
    parts = []
    for r in records:
        frame = r.unit_frame()
        frame["busy_minutes"], frame["assignments"] = unit_busy(r, warmup, horizon)
        parts.append(frame)
    out = joined(parts).astype({"replication": np.int64, "busy_minutes": np.float64, "assignments": np.int64})
    out["busy_fraction"] = out["busy_minutes"] / (horizon - warmup)
    return out[["replication", *UNIT_COLUMNS, "busy_minutes", "assignments", "busy_fraction"]]


def unit_summary(units: pd.DataFrame, by: str = "group", level: float = 0.95) -> pd.DataFrame:
    """Per unit group (``by="group"``) or unit type (``by="type"``): number of units, mean busy
    fraction and assignments per unit, with CIs across replications."""
    rows = []
    # one grouping by key and replication (grouping each key's rows again costs 20 ms a key)
    per_cell = units.groupby([by, "replication"], sort=False).agg(busy=("busy_fraction", "mean"),
                                                                 jobs=("assignments", "mean"))
    for key, df in units.groupby(by, sort=False):
        per_rep = per_cell.loc[key].sort_index()
        busy = estimate(per_rep["busy"].to_numpy(), level)
        jobs = estimate(per_rep["jobs"].to_numpy(), level)
        first = df.iloc[0]
        bases = df["base"].unique()
        rows.append({by: key, **({"type": first["type"]} if by != "type" else {}),
                     "base": bases[0] if len(bases) == 1 else f"{len(bases)} bases",
                     "units": int(df["unit"].nunique()), "busy_fraction": busy.mean,
                     "busy_fraction_half_width": busy.half_width, "assignments_per_unit": jobs.mean,
                     "assignments_half_width": jobs.half_width})
    return pd.DataFrame(rows)
