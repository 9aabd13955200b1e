"""KPIs of hazards and of how units travelled, from the record tables.

Per replication, then averaged across replications with 95 % confidence intervals:

* per hazard kind: ``events``, ``people_affected``, ``roads_cut`` and
  ``power_out_people_hours`` (people without power x hours), summed over its events; and
  ``cut off``: ``node_hours`` (hours each node was cut off from every road unit's station,
  summed) and ``people_hours`` (those hours x the node's population);
* forest fires that ignited after the warm-up: ``fires``, ``burned_ha``,
  ``damage_permille_per_year`` (1000 x burned area / forest area / years of the measured
  window) against the target (0.3 per mille by default), ``area_at_first_attack_ha`` (mean),
  ``minutes_to_first_attack`` (mean of first attack - ignition) and ``contained_share`` (the
  share stopped by the crews rather than burning out);
* response by mode (incidents after the warm-up): units sent by road, air and water, their
  mean travel minutes, incidents first reached by each mode, and the neighbouring regions'
  (mutual-aid) units sent.

Sums and means skip missing values (:mod:`.reductions`). Each replication's figures come from
its own columns (:func:`hazard_metrics`, :func:`fire_metrics`, :func:`mode_metrics`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..scenario.quantities import MINUTES_PER_YEAR
from .columns import flags, floats, table, texts
from .kpi_groups import Groups, per_replication
from .records import ReplicationRecords
from .reductions import mean_or_nan, nan_mean, nan_sum
from .stats import Estimate, estimate

__all__ = ["fire_kpis", "fire_metrics", "hazard_kpis", "hazard_metrics", "mode_kpis", "mode_metrics",
           "summarize_by", "years_of"]


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


def hazard_metrics(records: ReplicationRecords, kinds: list[str]) -> Groups:
    """Per hazard kind of ``kinds`` (events, people affected, roads cut, power-out
    people-hours), then ``cut off`` (node-hours and people-hours cut off)."""
    h = table(records, "hazards")
    kind = texts(h, "kind")
    people, roads = floats(h, "people_affected"), floats(h, "roads_cut")
    power = floats(h, "power_out_people_hours")
    out: Groups = []
    for name in kinds:
        pick = kind == name
        out.append((name, {"events": float(pick.sum()), "people_affected": nan_sum(people[pick]),
                           "roads_cut": nan_sum(roads[pick]),
                           "power_out_people_hours": nan_sum(power[pick])}))
    c = table(records, "cut_off")
    hours = floats(c, "hours")
    out.append(("cut off", {"node_hours": nan_sum(hours),
                            "people_hours": nan_sum(hours * floats(c, "population"))}))
    return out


def hazard_kpis(records: list[ReplicationRecords], kinds: list[str]) -> pd.DataFrame:
    """One row per (replication, hazard kind), then one per replication for ``cut off``."""
    return per_replication({r.replication: hazard_metrics(r, kinds) for r in records}, "kind")


def fire_metrics(records: ReplicationRecords, forest_ha: float, years: float,
                 warmup: float) -> dict[str, float]:
    """Fires that ignited after the warm-up: count, burned area, the yearly forest damage rate
    (per mille), mean size at and minutes to first attack, and the share contained."""
    f = table(records, "fires")
    ignition = floats(f, "ignition")
    after = ignition >= warmup
    burned = nan_sum(floats(f, "burned_ha")[after])
    attack = floats(f, "first_attack")[after] - ignition[after]
    fires = int(after.sum())
    return {
        "fires": float(fires), "burned_ha": burned,
        "damage_permille_per_year": 1000 * burned / forest_ha / years if forest_ha > 0 else math.nan,
        "area_at_first_attack_ha": nan_mean(floats(f, "area_at_first_attack_ha")[after]),
        "minutes_to_first_attack": nan_mean(attack),
        "contained_share": mean_or_nan(texts(f, "how")[after] == "contained"),
    }


def fire_kpis(records: list[ReplicationRecords], forest_ha: float, years: float,
              warmup: float) -> pd.DataFrame:
    """One row per replication: fires, burned area and the yearly forest damage rate (per mille)."""
    return per_replication({r.replication: [("all", fire_metrics(r, forest_ha, years, warmup))]
                            for r in records}, None)


def mode_metrics(records: ReplicationRecords, warmup: float) -> Groups:
    """Per mode (road, air, water), then ``mutual aid``: units sent to incidents after the
    warm-up, their mean travel minutes and (modes only) the incidents each mode reached first."""
    inc, a = records.incidents, records.assignments
    after = floats(inc, "occurrence") >= warmup
    counted = np.isin(np.asarray(a.get("incident", []), dtype=np.int64),
                      np.asarray(inc.get("incident", []), dtype=np.int64)[after])
    mode, travel = texts(a, "mode")[counted], floats(a, "travel_minutes")[counted]
    first_mode = texts(inc, "first_mode")[after]
    out: Groups = []
    for name in ("road", "air", "water"):
        pick = mode == name
        out.append((name, {"units_sent": float(pick.sum()), "mean_travel_min": nan_mean(travel[pick]),
                           "first_to_arrive": float((first_mode == name).sum())}))
    aid = flags(a, "mutual_aid")[counted]
    out.append(("mutual aid", {"units_sent": float(aid.sum()), "mean_travel_min": nan_mean(travel[aid]),
                               "first_to_arrive": math.nan}))
    return out


def mode_kpis(records: list[ReplicationRecords], warmup: float) -> pd.DataFrame:
    """One row per (replication, mode), plus a mutual-aid row."""
    return per_replication({r.replication: mode_metrics(r, warmup) for r in records}, "mode")


def years_of(horizon: float, warmup: float) -> float:
    """Years of the measured window ``[warm-up, horizon]``."""
    return (horizon - warmup) / MINUTES_PER_YEAR
