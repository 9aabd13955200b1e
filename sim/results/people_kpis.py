"""KPIs of evacuation and relief supplies, from the record tables, per replication.

**Evacuation** ("no deaths"; a warning window to move people):

Per hazard and for all together:

* ``told``: people told to move (the zone's share of each threatened node's population);
* ``warning_hours``: from the warning to impact (zero for sudden events);
* ``at_risk_at_impact``: of those, people who had not left when the hazard struck;
* ``evacuated_before_impact``: the share who had left by then;
* ``vulnerable_reached``: the share of vulnerable people reached one to one before impact;
* ``hours_to_clear`` / ``villages_not_cleared``: hours from the warning until the last one
  willing to leave had left a node (mean over nodes), and nodes where some never could;
* ``overflow``: people sent to a full shelter; ``shelter_peak`` (all hazards only): the most
  people in shelters at once.

**Relief supplies** (first batch within 6 h from county level, 8 h from city level):

* per disaster area and event, the hours from its first request until that first batch had
  arrived (all of it, or ``supply.first_batch_share``), and whether that was within the target
  of the tier that completed it (:func:`first_batches`);
* ``first_batch_hours`` (mean over areas), ``first_batch_on_time`` (share of areas);
* ``fill_rate``: what shelters and incidents asked for that arrived by the end of the run;
* ``needs_met``: of what sheltered people needed day by day (water, food), the share they had
  when they needed it (the rest is counted short, per shelter and item: shelter_needs);
* stock-out hours per depot and item (:func:`stockout_hours`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..scenario.schema import ScenarioSpec
from ..scenario.supply_schema import SupplySettings

__all__ = ["evacuation_hazards", "evacuation_kpis", "first_batches", "stockout_hours", "supply_kpis"]


def evacuation_hazards(spec: ScenarioSpec) -> list[str]:
    """Ids of the scenario's hazards that an evacuation zone names (by id or kind), in file
    order: the groups of the evacuation KPIs, whether or not a replication saw such an event."""
    if spec.evacuation is None:
        return []
    named = {zone.hazard for zone in spec.evacuation.zones}
    return [h.id for h in spec.hazards if h.id in named or h.kind in named]


def evacuation_kpis(nodes: pd.DataFrame, moves: pd.DataFrame, occupancy: pd.DataFrame,
                    replications: list[int], hazards: list[str]) -> pd.DataFrame:
    """One row per replication and hazard of ``hazards`` (:func:`evacuation_hazards`), then one
    per replication for all hazards together (``hazard == "all"``, which alone has the shelter
    peak). Every replication has the same rows, so the KPIs of a replication never depend on
    which other replications are computed with it. ``warning_hours`` is the mean time from
    warning to impact: zero for sudden events (a chemical accident, an earthquake), whose
    people are all still in the zone at impact."""
    rows = []
    for rep in replications:
        n = nodes[nodes["replication"] == rep] if len(nodes) else nodes
        m = moves[moves["replication"] == rep] if len(moves) else moves
        for hazard in [*hazards, "all"]:
            nh = n[n["hazard"] == hazard] if hazard != "all" and len(n) else n
            mh = m[m["hazard"] == hazard] if hazard != "all" and len(m) else m
            rows.append({"replication": rep, "hazard": hazard, **_evacuation_row(nh, mh)})
        o = occupancy[occupancy["replication"] == rep] if len(occupancy) else occupancy
        rows[-1]["shelter_peak"] = float(_peak_total(o))
    return pd.DataFrame(rows)


def _evacuation_row(n: pd.DataFrame, m: pd.DataFrame) -> dict[str, float]:
    told = float(n["told"].sum()) if len(n) else 0.0
    hours = ((n["cleared"] - n["warned"]) / 60).dropna() if len(n) else pd.Series(dtype=float)
    vulnerable = float(n["vulnerable"].sum()) if len(n) else 0.0
    return {
        "told": told,
        "warning_hours": float(((n["impact"] - n["warned"]) / 60).mean()) if len(n) else math.nan,
        "at_risk_at_impact": float(n["at_risk_at_impact"].sum()) if len(n) else 0.0,
        "evacuated_before_impact": float(n["left_before_impact"].sum()) / told if told else math.nan,
        "vulnerable_reached": float(n["vulnerable_reached_before_impact"].sum()) / vulnerable
        if vulnerable else math.nan,
        "hours_to_clear": float(hours.mean()) if len(hours) else math.nan,
        "villages_not_cleared": float(n["cleared"].isna().sum()) if len(n) else 0.0,
        "overflow": float(m.loc[m["overflow"].astype(bool), "people"].sum()) if len(m) else 0.0,
    }


def _peak_total(occupancy: pd.DataFrame) -> int:
    """The most people in all shelters at once (from each shelter's occupancy log)."""
    if not len(occupancy):
        return 0
    log = occupancy.sort_values("time", kind="stable")
    current: dict[str, int] = {}
    peak = 0
    for shelter, level in zip(log["shelter"], log["occupancy"], strict=True):
        current[shelter] = level
        peak = max(peak, sum(current.values()))
    return peak


def first_batches(requests: pd.DataFrame, shipments: pd.DataFrame, settings: SupplySettings) -> pd.DataFrame:
    """One row per (replication, event, disaster area): its first request, when its first batch
    arrived, the tier that brought it, the hours between, the target that applies and whether it
    was met. Everyday incidents (no hazard event) and replenishment are left out.

    The first batch is what the area asked for at its first request time (each item a request);
    it has arrived when ``settings.first_batch_share`` of each of those requests has (1: all of
    it; a small share: the first delivery of anything). Its tier is the tier of the shipment that
    completed it, and the target is that tier's (county 6 h, city 8 h by default)."""
    columns = ["replication", "event", "area", "first_request", "first_delivery", "tier", "hours",
               "target_hours", "on_time"]
    if not len(requests):
        return pd.DataFrame(columns=columns)
    demand = requests[(requests["kind"] != "replenish") & (requests["event"] != "")]
    arrivals = _arrivals(shipments)
    share = settings.first_batch_share
    groups: dict[tuple, list[tuple[float, int, float]]] = {}   # in order of first appearance
    keys = zip(demand["replication"].tolist(), demand["event"].tolist(), demand["area"].tolist(), strict=True)
    asks = zip(demand["time"].tolist(), demand["request"].tolist(), demand["quantity"].tolist(), strict=True)
    for key, ask in zip(keys, asks, strict=True):
        groups.setdefault(key, []).append(ask)
    rows = []
    for (rep, event, area), asked in groups.items():
        first = min(t for t, _, _ in asked)
        when, tier = -math.inf, ""
        for t, request, quantity in asked:
            if t > first:
                continue
            done, by = _completed(arrivals.get((rep, request), []), share * quantity)
            if not done <= when:   # the latest request decides (NaN when one never completes)
                when, tier = done, by
        target = settings.target_for(tier or "county")
        hours = (when - first) / 60
        rows.append((rep, event, area, first, when, tier, hours, target / 60,
                     bool(hours <= target / 60) if math.isfinite(hours) else False))
    return pd.DataFrame(rows, columns=columns)


def _arrivals(shipments: pd.DataFrame) -> dict[tuple[int, int], list[tuple[float, float, str]]]:
    """(replication, request) -> [(arrival time, quantity, tier)], earliest first."""
    out: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    if not len(shipments):
        return out
    arrived = shipments["arrived"].to_numpy(dtype=float)
    order = [int(i) for i in np.argsort(arrived, kind="stable") if math.isfinite(arrived[i])]
    reps, requests = shipments["replication"].tolist(), shipments["request"].tolist()
    quantities, tiers = shipments["quantity"].tolist(), shipments["tier"].tolist()
    for i in order:
        out.setdefault((int(reps[i]), int(requests[i])), []).append(
            (float(arrived[i]), float(quantities[i]), str(tiers[i])))
    return out


def _completed(arrivals: list[tuple[float, float, str]], needed: float) -> tuple[float, str]:
    """When the arrivals add up to ``needed`` (NaN if never), and the tier of the one that did."""
    total = 0.0
    for t, q, tier in arrivals:
        total += q
        if total >= needed - 1e-9 * max(1.0, needed):
            return t, tier
    return math.nan, ""


def supply_kpis(requests: pd.DataFrame, batches: pd.DataFrame, replications: list[int],
                needs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per replication: first-batch hours and punctuality, the fill rate, and the share
    of sheltered people's daily needs met (from ``needs``, the shelter_needs records)."""
    rows = []
    for rep in replications:
        n = needs[needs["replication"] == rep] if needs is not None and len(needs) else None
        needed = float(n["needed"].sum()) if n is not None else 0.0
        b = batches[batches["replication"] == rep] if len(batches) else batches
        r = requests[(requests["replication"] == rep) & (requests["kind"] != "replenish")] if len(requests) \
            else requests
        asked = float(r["quantity"].sum()) if len(r) else 0.0
        rows.append({
            "replication": rep, "areas": float(len(b)),
            "first_batch_hours": float(b["hours"].mean()) if len(b) else math.nan,
            "first_batch_on_time": float(b["on_time"].mean()) if len(b) else math.nan,
            "fill_rate": float(r["delivered"].sum()) / asked if asked else math.nan,
            "needs_met": float(n["met"].sum()) / needed if n is not None and needed else math.nan,
        })
    return pd.DataFrame(rows)


def stockout_hours(stockouts: pd.DataFrame, replications: list[int]) -> pd.DataFrame:
    """Hours each depot was out of each item, per replication (zero when it never was)."""
    if not len(stockouts):
        return pd.DataFrame(columns=["replication", "depot", "item", "hours"])
    per = stockouts.groupby(["replication", "depot", "item"], as_index=False)["hours"].sum()
    full = pd.MultiIndex.from_product([replications, sorted(per["depot"].unique()),
                                       sorted(per["item"].unique())], names=["replication", "depot", "item"])
    return per.set_index(["replication", "depot", "item"]).reindex(full, fill_value=0.0).reset_index()

