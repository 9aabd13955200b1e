"""KPIs of hazards and of how units travelled, from the record tables.

Per replication, then averaged across replications with 95 % confidence intervals:

* per hazard kind: events, people affected, roads cut, node-hours and people-hours cut off
  from every road unit's station, people-hours without power;
* forest fires: fires, burned hectares, the yearly forest damage rate (burned area / forest
  area per year, in per mille) against the target (0.3 per mille by default), the size at first
  attack, minutes from ignition to first attack, and the share stopped by the crews (rather than
  burning out);
* response by mode: units sent by road, air and water, their mean travel minutes, incidents
  first reached by each mode, and the neighbouring regions' (mutual-aid) units sent.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..scenario.quantities import MINUTES_PER_YEAR
from .stats import Estimate, estimate

__all__ = ["fire_kpis", "hazard_kpis", "mode_kpis", "summarize_by"]


Summary = dict[str, dict[str, Estimate]]


def summarize_by(per_rep: pd.DataFrame, key: str | None, metrics: list[str] | None = None) -> Summary:
    """Mean and CI across replications of each metric (per ``key`` group when given; by
    default every column a group has values in)."""
    groups = [("all", per_rep)] if key is None else per_rep.groupby(key, sort=False)
    out = {}
    for name, group in groups:
        chosen = metrics or [c for c in group.columns
                             if c not in ("replication", key) and group[c].notna().any()]
        out[str(name)] = {m: estimate(group[m].to_numpy()) for m in chosen}
    return out


def _total(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].sum()) if len(frame) else 0.0


def hazard_kpis(hazards: pd.DataFrame, cut_off: pd.DataFrame, replications: list[int],
                kinds: list[str]) -> pd.DataFrame:
    """One row per (replication, hazard kind)."""
    rows = []
    for rep in replications:
        h = hazards[hazards["replication"] == rep] if len(hazards) else hazards
        for kind in kinds:
            mine = h[h["kind"] == kind] if len(h) else h
            rows.append({"replication": rep, "kind": kind, "events": float(len(mine)),
                         "people_affected": _total(mine, "people_affected"),
                         "roads_cut": _total(mine, "roads_cut"),
                         "power_out_people_hours": _total(mine, "power_out_people_hours")})
        c = cut_off[cut_off["replication"] == rep] if len(cut_off) else cut_off
        rows.append({"replication": rep, "kind": "cut off", "node_hours": _total(c, "hours"),
                     "people_hours": float((c["hours"] * c["population"]).sum()) if len(c) else 0.0})
    return pd.DataFrame(rows)


def fire_kpis(fires: pd.DataFrame, replications: list[int], forest_ha: float, years: float,
              warmup: float) -> pd.DataFrame:
    """One row per replication: fires, burned area and the yearly forest damage rate (per mille)."""
    rows = []
    for rep in replications:
        f = fires[(fires["replication"] == rep) & (fires["ignition"] >= warmup)] if len(fires) else fires
        burned = float(f["burned_ha"].sum()) if len(f) else 0.0
        attack = (f["first_attack"] - f["ignition"]) if len(f) else pd.Series(dtype=float)
        rows.append({
            "replication": rep, "fires": float(len(f)), "burned_ha": burned,
            "damage_permille_per_year": 1000 * burned / forest_ha / years if forest_ha > 0 else math.nan,
            "area_at_first_attack_ha": float(f["area_at_first_attack_ha"].mean()) if len(f) else math.nan,
            "minutes_to_first_attack": float(attack.mean()) if len(f) else math.nan,
            "contained_share": float((f["how"] == "contained").mean()) if len(f) else math.nan,
        })
    return pd.DataFrame(rows)


def mode_kpis(assignments: pd.DataFrame, incidents: pd.DataFrame, replications: list[int],
              warmup: float) -> pd.DataFrame:
    """One row per (replication, mode), plus a mutual-aid row."""
    counted = incidents[incidents["occurrence"] >= warmup]
    a = assignments.merge(counted[["replication", "incident"]], on=["replication", "incident"])
    rows = []
    for rep in replications:
        ar = a[a["replication"] == rep]
        ir = counted[counted["replication"] == rep]
        for mode in ("road", "air", "water"):
            am = ar[ar["mode"] == mode]
            rows.append({"replication": rep, "mode": mode, "units_sent": float(len(am)),
                         "mean_travel_min": float(am["travel_minutes"].mean()) if len(am) else math.nan,
                         "first_to_arrive": float((ir["first_mode"] == mode).sum())})
        aid = ar[ar["mutual_aid"]]
        rows.append({"replication": rep, "mode": "mutual aid", "units_sent": float(len(aid)),
                     "mean_travel_min": float(aid["travel_minutes"].mean()) if len(aid) else math.nan,
                     "first_to_arrive": float(np.nan)})
    return pd.DataFrame(rows)


def years_of(horizon: float, warmup: float) -> float:
    return (horizon - warmup) / MINUTES_PER_YEAR
