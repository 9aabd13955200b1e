"""The KPI pass as it was computed with pandas, before it read each replication's columns:
the independent reference that ``test_kpi_columns.py`` checks the column pass against.

Kept as it was (DataFrames of all replications, boolean indexing per replication, ``_melt``,
``groupby``); only the entry point :func:`reference_kpis` takes a scenario and records instead
of a ``RunResult``, and :func:`sim.results.people_kpis.completed`, plain Python that did not
change, is imported rather than copied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.results.people_kpis import completed
from sim.results.records import ReplicationRecords
from sim.scenario.schema import ScenarioSpec
from sim.scenario.supply_schema import SupplySettings

MINUTES_PER_YEAR = 365 * 24 * 60
HISTOGRAM_BINS = 360
INCIDENT_METRICS = ("incidents", "lost", "open", "response_mean", "response_median",
                    "response_p90", "response_p95", "within_target", "report_mean",
                    "report_within_target", "waited_share", "queue_wait_mean")


def _share(hit: np.ndarray, known: np.ndarray) -> float:
    return float(hit[known].mean()) if known.any() else np.nan


_COLUMNS = ("status", "response_time", "target", "occurrence", "report", "report_target", "first_dispatch",
            "call", "waited")


def _metrics(c: dict[str, np.ndarray], end: float) -> dict[str, float]:
    """The metrics of one group of incidents, from its columns."""
    lost = c["status"] == "lost"
    served = ~lost
    response = c["response_time"][served]
    reached = np.isfinite(response)
    rt = response[reached]
    target = c["target"][served]
    waited_so_far = end - c["occurrence"][served]
    has_target = np.isfinite(target)
    known = has_target & (reached | (waited_so_far > target))
    hit = reached & (np.nan_to_num(response, nan=np.inf) <= target)
    report = c["report"] - c["occurrence"]
    rtarget = c["report_target"]
    rknown = np.isfinite(rtarget) & (np.isfinite(report) | (end - c["occurrence"] > rtarget))
    rhit = np.nan_to_num(report, nan=np.inf) <= rtarget
    first_dispatch, call = c["first_dispatch"][served], c["call"][served]
    sent = np.isfinite(first_dispatch)
    wait = first_dispatch[sent] - call[sent]
    called = np.isfinite(c["call"])
    return {
        "incidents": float(len(lost)),
        "lost": float(lost.sum()),
        "open": float((c["status"] == "open").sum()),
        "response_mean": float(rt.mean()) if len(rt) else np.nan,
        "response_median": float(np.median(rt)) if len(rt) else np.nan,
        "response_p90": float(np.quantile(rt, 0.9)) if len(rt) else np.nan,
        "response_p95": float(np.quantile(rt, 0.95)) if len(rt) else np.nan,
        "within_target": _share(hit, known),
        "report_mean": float(np.nanmean(report)) if np.isfinite(report).any() else np.nan,
        "report_within_target": _share(rhit, rknown),
        "waited_share": _share(c["waited"].astype(bool), called),
        "queue_wait_mean": float(wait.mean()) if len(wait) else np.nan,
    }


def incident_kpis(incidents: pd.DataFrame, spec: ScenarioSpec, end_times: Mapping[int, float],
                  replications: list[int] | None = None) -> pd.DataFrame:
    """One row per (replication, incident type), plus an ``all`` row per replication."""
    targets = {name: t.target for name, t in spec.incident_types.items()}
    report_targets = {name: t.report_target for name, t in spec.incident_types.items()}
    df = incidents[incidents["occurrence"] >= spec.run.warmup]
    types = df["type"].to_numpy(dtype=object)
    columns = {name: df[name].to_numpy() for name in _COLUMNS if name in df}
    columns["status"] = df["status"].to_numpy(dtype=object)
    columns["target"] = np.array([targets.get(t, np.nan) for t in types], dtype=float)
    columns["report_target"] = np.array([report_targets.get(t, np.nan) for t in types], dtype=float)
    for name in ("response_time", "occurrence", "report", "first_dispatch", "call"):
        columns[name] = columns[name].astype(float)
    rep_of = df["replication"].to_numpy()
    reps = replications if replications is not None else sorted(end_times)
    rows = []
    for rep in reps:
        in_rep = np.nonzero(rep_of == rep)[0]
        mine = {k: v[in_rep] for k, v in columns.items()}
        rep_types = types[in_rep]
        end = end_times[rep]
        for name in spec.incident_types:
            pick = rep_types == name
            group = {k: v[pick] for k, v in mine.items()}
            rows.append({"replication": rep, "type": name, **_metrics(group, end)})
        rows.append({"replication": rep, "type": "all", **_metrics(mine, end)})
    return pd.DataFrame(rows, columns=["replication", "type", *INCIDENT_METRICS])


def unit_kpis(assignments: pd.DataFrame, units: pd.DataFrame, warmup: float, horizon: float,
              end_times: Mapping[int, float]) -> pd.DataFrame:
    """Units table with busy minutes, busy fraction and assignments in ``[warm-up, horizon]``."""
    a = assignments.copy()
    end = a["replication"].map(end_times).astype(float)
    free = a["free"].fillna(end)
    start = a["dispatch"].clip(lower=warmup, upper=horizon)
    stop = free.clip(lower=warmup, upper=horizon)
    a["busy"] = (stop - start).clip(lower=0.0)
    a["counted"] = (a["dispatch"] >= warmup) & (a["dispatch"] < horizon)
    per_unit = a.groupby(["replication", "unit"]).agg(
        busy_minutes=("busy", "sum"), assignments=("counted", "sum")).reset_index()
    out = units.merge(per_unit, on=["replication", "unit"], how="left")
    out["busy_minutes"] = out["busy_minutes"].fillna(0.0)
    out["assignments"] = out["assignments"].fillna(0).astype(np.int64)
    out["busy_fraction"] = out["busy_minutes"] / (horizon - warmup)
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


def evacuation_kpis(nodes: pd.DataFrame, moves: pd.DataFrame, occupancy: pd.DataFrame,
                    replications: list[int], hazards: list[str]) -> pd.DataFrame:
    """One row per replication and hazard, then one per replication for ``all``."""
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
            done, by = completed(arrivals.get((rep, request), []), share * quantity)
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


def _frames(records: list[ReplicationRecords], name: str) -> pd.DataFrame:
    return pd.concat([r.table_frame(name) for r in records], ignore_index=True)


def reference_kpis(scenario, records: list[ReplicationRecords]) -> dict[str, object]:
    """The tables of ``records`` as they were computed before: ``kpi_rows`` (the long table of a
    batch), ``histograms``, ``node_response``, and the per-replication frames behind the
    summaries: ``incidents`` (``RunResult.kpis``), ``units``, ``hazards``, ``fires``, ``modes``,
    ``evacuation``, ``first_batches`` and ``supplies`` (those the scenario has)."""
    spec = scenario.spec
    run = spec.run
    reps = [r.replication for r in records]
    end_times = {r.replication: r.end_time for r in records}
    incidents = pd.concat([r.incident_frame() for r in records], ignore_index=True)
    assignments = pd.concat([r.assignment_frame() for r in records], ignore_index=True)
    static = pd.concat([r.unit_frame() for r in records], ignore_index=True)
    out: dict[str, object] = {"incidents": incident_kpis(incidents, spec, end_times, reps),
                              "units": unit_kpis(assignments, static, run.warmup, run.horizon, end_times),
                              "modes": mode_kpis(assignments, incidents, reps, run.warmup)}
    units = out["units"]
    parts = [_melt(out["incidents"], "response", "type")]
    if len(units):
        per_type = units.groupby(["replication", "type"], sort=False)[["busy_fraction", "assignments"]].mean()
        sent = assignments.merge(static[["replication", "unit", "type"]], on=["replication", "unit"])
        window = (sent["dispatch"] >= run.warmup) & (sent["dispatch"] < run.horizon)
        sent = sent[sent["arrival"].notna() & window]
        reach = (sent["arrival"] - sent["dispatch"]).groupby([sent["replication"], sent["type"]]).mean()
        per_type["arrival_mean"] = reach.reindex(per_type.index)
        parts.append(_melt(per_type.reset_index(), "units", "type"))
    if spec.hazards:
        kinds = list(dict.fromkeys(h.kind for h in spec.hazards))
        out["hazards"] = hazard_kpis(_frames(records, "hazards"), _frames(records, "cut_off"), reps, kinds)
        parts.append(_melt(out["hazards"], "hazards", "kind"))
        if any(h.kind == "forest_fire" for h in spec.hazards):
            forest = sum(n.forest_ha for n in spec.region.nodes)
            years = (run.horizon - run.warmup) / MINUTES_PER_YEAR
            out["fires"] = fire_kpis(_frames(records, "fires"), reps, forest, years, run.warmup)
            parts.append(_melt(out["fires"], "fires", None))
    if spec.evacuation is not None:
        named = {zone.hazard for zone in spec.evacuation.zones}
        hazards = [h.id for h in spec.hazards if h.id in named or h.kind in named]
        nodes, moves = _frames(records, "evacuation_nodes"), _frames(records, "evacuation")
        occupancy = _frames(records, "shelter_occupancy")
        out["evacuation"] = evacuation_kpis(nodes, moves, occupancy, reps, hazards)
        parts.append(_melt(out["evacuation"], "evacuation", "hazard"))
    if spec.items and spec.depots:
        requests = _frames(records, "supply_requests")
        out["first_batches"] = first_batches(requests, _frames(records, "shipments"), spec.supply)
        out["supplies"] = supply_kpis(requests, out["first_batches"], reps, _frames(records, "shelter_needs"))
        parts.append(_melt(out["supplies"], "supplies", None))
    rows = pd.concat([p for p in parts if len(p)], ignore_index=True)
    out["kpi_rows"] = rows.sort_values(["replication", "section", "group", "metric"], kind="stable",
                                       ignore_index=True)

    counted = incidents[incidents["occurrence"] >= run.warmup]
    histograms = {}
    for rep in reps:
        times = counted.loc[counted["replication"] == rep, "response_time"].to_numpy(dtype=float)
        times = times[np.isfinite(times)]
        bins = np.minimum(times.astype(np.int64), HISTOGRAM_BINS - 1)
        histograms[rep] = np.bincount(bins, minlength=HISTOGRAM_BINS).astype(np.int64)
    out["histograms"] = histograms
    answered = counted[np.isfinite(counted["response_time"].to_numpy(dtype=float))]
    grouped = answered.groupby(["replication", "node"], sort=True)["response_time"].agg(["count", "sum"])
    out["node_response"] = grouped.reset_index().rename(columns={"count": "incidents", "sum": "response_sum"})
    return out
