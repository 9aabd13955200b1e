"""Every KPI of a set of replications in one long table: what batches store and compare.

One row per (replication, section, group, metric, value). A KPI is named
``section.group.metric``:

* ``response.<incident type or all>.<metric>``: :data:`sim.results.kpis.INCIDENT_METRICS`;
* ``units.<unit type>.busy_fraction`` / ``assignments`` (mean over the units of that type);
* ``hazards.<hazard kind or cut off>.<metric>``, ``fires.all.<metric>``;
* ``evacuation.<hazard id or all>.<metric>``, ``supplies.all.<metric>``.

Alongside, per replication, the counts of response times in one-minute bins (for pooled
distributions) and, per node, incidents and summed response times (for maps).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .outcome import RunResult

__all__ = ["HISTOGRAM_BINS", "kpi_rows", "node_response", "response_histograms"]

HISTOGRAM_BINS = 360  # one-minute bins from 0 to 6 h; the last one holds everything longer


def _melt(frame: pd.DataFrame, section: str, key: str | None) -> pd.DataFrame:
    if frame is None or not len(frame):
        return pd.DataFrame(columns=["replication", "section", "group", "metric", "value"])
    frame = frame.copy()
    group = frame.pop(key).astype(str) if key else pd.Series("all", index=frame.index)
    frame.insert(0, "group", group)
    long = frame.melt(id_vars=["replication", "group"], var_name="metric", value_name="value")
    long.insert(1, "section", section)
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    return long[["replication", "section", "group", "metric", "value"]]


def kpi_rows(result: RunResult) -> pd.DataFrame:
    """All KPIs of ``result``, one row per replication and KPI."""
    from .hazard_kpis import fire_kpis, hazard_kpis, years_of
    from .people_kpis import evacuation_hazards, evacuation_kpis, supply_kpis

    reps = [r.replication for r in result.records]
    spec = result.scenario.spec
    parts = [_melt(result.kpis, "response", "type")]
    units = result.units
    if len(units):
        per_type = units.groupby(["replication", "type"], sort=False)[["busy_fraction", "assignments"]].mean()
        parts.append(_melt(per_type.reset_index(), "units", "type"))
    if result.has_hazards:
        parts.append(_melt(hazard_kpis(result.table("hazards"), result.table("cut_off"), reps,
                                       result.hazard_kinds), "hazards", "kind"))
        if any(h.kind == "forest_fire" for h in spec.hazards):
            forest = sum(n.forest_ha for n in spec.region.nodes)
            parts.append(_melt(fire_kpis(result.table("fires"), reps, forest,
                                         years_of(spec.run.horizon, spec.run.warmup), spec.run.warmup),
                               "fires", None))
    if result.has_evacuation:
        parts.append(_melt(evacuation_kpis(result.table("evacuation_nodes"), result.table("evacuation"),
                                           result.table("shelter_occupancy"), reps,
                                           evacuation_hazards(spec)), "evacuation", "hazard"))
    if result.has_supplies:
        parts.append(_melt(supply_kpis(result.table("supply_requests"), result.first_batches, reps,
                                       result.table("shelter_needs")), "supplies", None))
    rows = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return rows.sort_values(["replication", "section", "group", "metric"], kind="stable", ignore_index=True)


def _counted(result: RunResult) -> pd.DataFrame:
    incidents = result.incidents
    return incidents[incidents["occurrence"] >= result.scenario.spec.run.warmup]


def response_histograms(result: RunResult) -> dict[int, np.ndarray]:
    """Per replication, counts of response times (all incident types) in one-minute bins."""
    counted = _counted(result)
    out = {}
    for rep in (r.replication for r in result.records):
        times = counted.loc[counted["replication"] == rep, "response_time"].to_numpy(dtype=float)
        times = times[np.isfinite(times)]
        bins = np.minimum(times.astype(np.int64), HISTOGRAM_BINS - 1)
        out[rep] = np.bincount(bins, minlength=HISTOGRAM_BINS).astype(np.int64)
    return out


def node_response(result: RunResult) -> pd.DataFrame:
    """Per replication and node: incidents answered and the sum of their response times."""
    counted = _counted(result)
    counted = counted[np.isfinite(counted["response_time"].to_numpy(dtype=float))]
    grouped = counted.groupby(["replication", "node"], sort=True)["response_time"].agg(["count", "sum"])
    return grouped.reset_index().rename(columns={"count": "incidents", "sum": "response_sum"})
