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
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..scenario.schema import ScenarioSpec
from ..scenario.supply_schema import SupplySettings
from .columns import flags, floats, integers, split, table, texts
from .kpi_groups import Groups, per_replication
from .records import Columns, ReplicationRecords
from .reductions import mean_or_nan, nan_mean, nan_sum

__all__ = ["BATCH_COLUMNS", "Batch", "batch_frame", "completed", "evacuation_hazards", "evacuation_kpis",
           "evacuation_metrics", "first_batch_rows", "first_batches", "stockout_hours", "supply_kpis",
           "supply_metrics"]


def evacuation_hazards(spec: ScenarioSpec) -> list[str]:
    """Ids of the scenario's hazards that an evacuation zone names (by id or kind), in file
    order: the groups of the evacuation KPIs, whether or not a replication saw such an event."""
    if spec.evacuation is None:
        return []
    named = {zone.hazard for zone in spec.evacuation.zones}
    return [h.id for h in spec.hazards if h.id in named or h.kind in named]


def evacuation_metrics(records: ReplicationRecords, hazards: list[str]) -> Groups:
    """The evacuation KPIs of one replication: each hazard of ``hazards``
    (:func:`evacuation_hazards`), then ``all`` (which alone has the shelter peak)."""
    return _evacuation_groups(table(records, "evacuation_nodes"), table(records, "evacuation"),
                              table(records, "shelter_occupancy"), hazards)


def evacuation_kpis(nodes: pd.DataFrame, moves: pd.DataFrame, occupancy: pd.DataFrame,
                    replications: list[int], hazards: list[str]) -> pd.DataFrame:
    """One row per replication and hazard of ``hazards`` (:func:`evacuation_hazards`), then one
    per replication for all hazards together (``hazard == "all"``, which alone has the shelter
    peak). Every replication has the same rows, so the KPIs of a replication never depend on
    which other replications are computed with it. ``warning_hours`` is the mean time from
    warning to impact: zero for sudden events (a chemical accident, an earthquake), whose
    people are all still in the zone at impact."""
    n, m, o = split(nodes, replications), split(moves, replications), split(occupancy, replications)
    return per_replication({rep: _evacuation_groups(n[rep], m[rep], o[rep], hazards) for rep in replications},
                           "hazard")


_NODE_FIGURES = ("told", "warned", "impact", "cleared", "at_risk_at_impact", "left_before_impact",
                 "vulnerable", "vulnerable_reached_before_impact")


def _evacuation_groups(nodes: Columns, moves: Columns, occupancy: Columns, hazards: list[str]) -> Groups:
    figures = {name: floats(nodes, name) for name in _NODE_FIGURES}
    node_hazard = texts(nodes, "hazard")
    overflow = flags(moves, "overflow")
    sent_to_full, hazard_of_full = floats(moves, "people")[overflow], texts(moves, "hazard")[overflow]
    out: Groups = []
    for hazard in hazards:
        pick = node_hazard == hazard
        mine = {name: values[pick] for name, values in figures.items()}
        out.append((hazard, _evacuation_row(mine, sent_to_full[hazard_of_full == hazard])))
    everything = _evacuation_row(figures, sent_to_full)
    out.append(("all", {**everything, "shelter_peak": float(_peak_total(occupancy))}))
    return out


def _evacuation_row(nodes: dict[str, np.ndarray], sent_to_full: np.ndarray) -> dict[str, float]:
    """The evacuation KPIs of some nodes' figures (:data:`_NODE_FIGURES`) and the people of their
    moves that were sent to a full shelter."""
    told = nan_sum(nodes["told"])
    warned, cleared = nodes["warned"], nodes["cleared"]
    hours = (cleared - warned) / 60
    vulnerable = nan_sum(nodes["vulnerable"])
    return {
        "told": told,
        "warning_hours": nan_mean((nodes["impact"] - warned) / 60),
        "at_risk_at_impact": nan_sum(nodes["at_risk_at_impact"]),
        "evacuated_before_impact": nan_sum(nodes["left_before_impact"]) / told if told else math.nan,
        "vulnerable_reached": nan_sum(nodes["vulnerable_reached_before_impact"]) / vulnerable
        if vulnerable else math.nan,
        "hours_to_clear": mean_or_nan(hours[~np.isnan(hours)]),
        "villages_not_cleared": float(np.isnan(cleared).sum()),
        "overflow": nan_sum(sent_to_full),
    }


def _peak_total(occupancy: Columns) -> int:
    """The most people in all shelters at once (from each shelter's occupancy log, in time
    order: each entry changes the total by the shelter's new level less its previous one)."""
    shelters = texts(occupancy, "shelter")
    if not len(shelters):
        return 0
    order = np.argsort(floats(occupancy, "time"), kind="stable")
    level = integers(occupancy, "occupancy")[order]
    codes = np.unique(shelters[order], return_inverse=True)[1]
    by_shelter = np.argsort(codes, kind="stable")              # each shelter's entries in time order
    previous = np.zeros(len(level), dtype=np.int64)
    same = codes[by_shelter][1:] == codes[by_shelter][:-1]
    previous[by_shelter[1:][same]] = level[by_shelter[:-1][same]]
    return max(0, int(np.cumsum(level - previous).max()))


class Batch(NamedTuple):
    """The first batch of relief of one disaster area and event (:func:`first_batch_rows`)."""

    event: str
    area: str
    first_request: float
    first_delivery: float    # NaN when it never arrived
    tier: str                # of the shipment that completed it ("" when none did)
    hours: float             # first_delivery - first_request, in hours
    target_hours: float
    on_time: bool


BATCH_COLUMNS = ["replication", *Batch._fields]
_BATCH_TYPES: dict[str, Any] = {
    "replication": np.int64, "event": "str", "area": "str", "first_request": np.float64,
    "first_delivery": np.float64, "tier": "str", "hours": np.float64, "target_hours": np.float64,
    "on_time": bool}


def first_batches(requests: pd.DataFrame, shipments: pd.DataFrame, settings: SupplySettings) -> pd.DataFrame:
    """One row per (replication, event, disaster area): its first request, when its first batch
    arrived, the tier that brought it, the hours between, the target that applies and whether it
    was met (:func:`first_batch_rows`), replication by replication."""
    reps = list(dict.fromkeys(requests["replication"].tolist())) if len(requests) else []
    asked, sent = split(requests, reps), split(shipments, reps)
    return batch_frame([(rep, *batch) for rep in reps
                        for batch in first_batch_rows(asked[rep], sent[rep], settings)])


def batch_frame(rows: list[tuple]) -> pd.DataFrame:
    """The DataFrame of first batches, from (replication, *:class:`Batch`) rows."""
    return pd.DataFrame(rows, columns=BATCH_COLUMNS).astype(_BATCH_TYPES)


def first_batch_rows(requests: Columns, shipments: Columns, settings: SupplySettings) -> list[Batch]:
    """The first batches of one replication, per (event, disaster area) in order of first
    request. Everyday incidents (no hazard event) and replenishment are left out.

    The first batch is what the area asked for at its first request time (each item a request);
    it has arrived when ``settings.first_batch_share`` of each of those requests has (1: all of
    it; a small share: the first delivery of anything). Its tier is the tier of the shipment that
    completed it, and the target is that tier's (county 6 h, city 8 h by default)."""
    kind, event = texts(requests, "kind"), texts(requests, "event")
    demand = np.nonzero((kind != "replenish") & (event != ""))[0]
    if not len(demand):
        return []
    index: dict[tuple[str, str], int] = {}     # (event, area) -> group, in order of first appearance
    keys = zip(event[demand].tolist(), texts(requests, "area")[demand].tolist(), strict=True)
    codes = np.array([index.setdefault(key, len(index)) for key in keys], dtype=np.int64)
    times = floats(requests, "time")[demand]
    first = np.full(len(index), np.inf)
    np.minimum.at(first, codes, times)
    at_first = np.nonzero(~(times > first[codes]))[0]           # each area's first asking moment
    numbers = integers(requests, "request")[demand[at_first]]
    quantities = floats(requests, "quantity")[demand[at_first]]
    arrivals = _arrivals(shipments, numbers)
    share = settings.first_batch_share
    when = [-math.inf] * len(index)
    tier = [""] * len(index)
    for group, request, quantity in zip(codes[at_first].tolist(), numbers.tolist(), quantities.tolist(),
                                        strict=True):
        done, by = completed(arrivals.get(request, []), share * quantity)
        if not done <= when[group]:   # the latest request decides (NaN when one never completes)
            when[group], tier[group] = done, by
    rows = []
    for ((name, area), group), start in zip(index.items(), first.tolist(), strict=True):
        target = settings.target_for(tier[group] or "county")
        hours = (when[group] - start) / 60
        rows.append(Batch(name, area, start, when[group], tier[group], hours, target / 60,
                          bool(hours <= target / 60) if math.isfinite(hours) else False))
    return rows


def _arrivals(shipments: Columns, requests: np.ndarray) -> dict[int, list[tuple[float, float, str]]]:
    """request -> [(arrival time, quantity, tier)] of the shipments that arrived for
    ``requests``, earliest first."""
    out: dict[int, list[tuple[float, float, str]]] = {}
    arrived = floats(shipments, "arrived")
    numbers = integers(shipments, "request")
    mine = np.nonzero(np.isin(numbers, requests) & np.isfinite(arrived))[0]
    order = mine[np.argsort(arrived[mine], kind="stable")]
    quantities, tiers = floats(shipments, "quantity"), texts(shipments, "tier")
    for i in order.tolist():
        out.setdefault(int(numbers[i]), []).append((float(arrived[i]), float(quantities[i]), str(tiers[i])))
    return out


def completed(arrivals: list[tuple[float, float, str]], needed: float) -> tuple[float, str]:
    """When the arrivals add up to ``needed`` (NaN if never), and the tier of the one that did."""
    total = 0.0
    for t, q, tier in arrivals:
        total += q
        if total >= needed - 1e-9 * max(1.0, needed):
            return t, tier
    return math.nan, ""


def supply_metrics(records: ReplicationRecords, settings: SupplySettings) -> Groups:
    """The supply KPIs of one replication (one group, ``all``)."""
    requests = table(records, "supply_requests")
    batches = first_batch_rows(requests, table(records, "shipments"), settings)
    hours = np.array([b.hours for b in batches], dtype=float)
    on_time = np.array([b.on_time for b in batches], dtype=bool)
    return [("all", _supply_row(requests, hours, on_time, table(records, "shelter_needs")))]


def supply_kpis(requests: pd.DataFrame, batches: pd.DataFrame, replications: list[int],
                needs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per replication: first-batch hours and punctuality, the fill rate, and the share
    of sheltered people's daily needs met (from ``needs``, the shelter_needs records)."""
    asked, done = split(requests, replications), split(batches, replications)
    needed = split(needs, replications)
    return per_replication({rep: [("all", _supply_row(asked[rep], floats(done[rep], "hours"),
                                                      flags(done[rep], "on_time"), needed[rep]))]
                            for rep in replications}, None)


def _supply_row(requests: Columns, hours: np.ndarray, on_time: np.ndarray,
                needs: Columns) -> dict[str, float]:
    """``areas``: first batches; ``first_batch_hours``: their mean hours; ``first_batch_on_time``:
    the share on time; ``fill_rate``: delivered / asked over the requests that are not
    replenishment; ``needs_met``: met / needed over the shelters' daily needs."""
    wanted = texts(requests, "kind") != "replenish"
    asked = nan_sum(floats(requests, "quantity")[wanted])
    needed = nan_sum(floats(needs, "needed"))
    return {
        "areas": float(len(hours)),
        "first_batch_hours": nan_mean(hours),
        "first_batch_on_time": mean_or_nan(on_time),
        "fill_rate": nan_sum(floats(requests, "delivered")[wanted]) / asked if asked else math.nan,
        "needs_met": nan_sum(floats(needs, "met")) / needed if needed else math.nan,
    }


def stockout_hours(stockouts: pd.DataFrame, replications: list[int]) -> pd.DataFrame:
    """Hours each depot was out of each item, per replication (zero when it never was)."""
    if not len(stockouts):
        return pd.DataFrame(columns=["replication", "depot", "item", "hours"])
    per = stockouts.groupby(["replication", "depot", "item"], as_index=False)["hours"].sum()
    full = pd.MultiIndex.from_product([replications, sorted(per["depot"].unique()),
                                       sorted(per["item"].unique())], names=["replication", "depot", "item"])
    return per.set_index(["replication", "depot", "item"]).reindex(full, fill_value=0.0).reset_index()

