"""Why a first batch is late even with unlimited stock, and what would fix it.

For each disaster area whose first batch missed its target in a replication run with
unlimited stock at the sized depots, the shipments that completed it (or the area's requests,
when nothing arrived) tell where the time went, and the reason is the first that holds:

* **cut off**: the area's place was cut off by road when it asked and no helicopter lift
  brought the batch: fix with a helicopter ``lift`` at the county depot, or stock inside the
  area (township pre-stock) before the roads go;
* **lead time**: a province or aid depot completed it, after its activation: fix with stock
  at the county and city depots, which answer at once;
* **transport**: the loads waited for loading or trucks longer than the drive took (request
  to departure above half the target): fix with more trucks or faster loading at that depot,
  or township pre-stock;
* **distance**: the drive alone took most of the target: fix with township pre-stock (a
  depot inside the area, sized), since no stock further away arrives in time;
* otherwise **late** (several causes together).

Pandas is fine here: this runs once, on the failures of one search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..results.people_kpis import first_batch_rows
from ..results.records import ReplicationRecords
from ..scenario.loader import Scenario

__all__ = ["LateBatch", "diagnose", "summary_lines"]


@dataclass(frozen=True)
class LateBatch:
    """A first batch that missed its target with unlimited stock, and why."""

    replication: int
    event: str
    area: str
    hours: float           # inf when it never arrived
    target_hours: float
    depot: str             # the depot whose shipment completed it (or the last one that shipped)
    tier: str
    wait_hours: float      # from the first request to the departure of that shipment
    drive_hours: float     # its drive (or flight)
    reason: str
    fix: str


def _cut_off_at(cut: pd.DataFrame, nodes: set[str], when: float) -> bool:
    if not len(cut):
        return False
    hit = cut[cut["node"].isin(nodes) & (cut["start"] <= when) & (cut["end"] > when)]
    return bool(len(hit))


def diagnose(scenario: Scenario, records: list[ReplicationRecords]) -> list[LateBatch]:
    """Every late first batch of ``records`` (runs with unlimited stock), with its reason."""
    spec = scenario.spec
    area_nodes: dict[str, set[str]] = {}
    for n in spec.region.nodes:
        area_nodes.setdefault(n.area_id, set()).add(n.id)
    lifted = {d.id for d in spec.depots if d.lift is not None}
    node_area = {n.id: n.area_id for n in spec.region.nodes}
    depot_area = {d.id: node_area.get(d.node, d.node) for d in spec.depots}
    county = next((d.id for d in spec.depots if d.tier == "county"), None)
    out: list[LateBatch] = []
    for rec in records:
        requests, shipments = rec.tables.get("supply_requests"), rec.tables.get("shipments")
        if requests is None or shipments is None:
            continue
        req = rec.table_frame("supply_requests")
        ship = rec.table_frame("shipments")
        cut = rec.table_frame("cut_off")
        for batch in first_batch_rows(requests, shipments, spec.supply):
            if batch.on_time:
                continue
            asked = req[(req["event"] == batch.event) & (req["area"] == batch.area)
                        & (req["time"] == batch.first_request)]
            mine = ship[ship["request"].isin(asked["request"])]
            if len(mine):
                last = mine.sort_values("arrived", na_position="last").iloc[-1]
                depot, tier = str(last["depot"]), str(last["tier"])
                departed, arrived = float(last["departed"]), float(last["arrived"])
                wait = (departed - batch.first_request) / 60 if math.isfinite(departed) else math.inf
                drive = (arrived - departed) / 60 if math.isfinite(arrived) and math.isfinite(departed) \
                    else math.inf
                by_air = str(last["mode"]) == "air"
            else:
                depot, tier, wait, drive, by_air = "", "", math.inf, math.inf, False
            target = batch.target_hours
            places = area_nodes.get(batch.area, {batch.area})
            if _cut_off_at(cut, places, batch.first_request) and not by_air:
                reason = "cut off"
                fix = (f"a helicopter lift at {county}" if county and county not in lifted
                       else f"more lift at {county}" if county else "a helicopter lift") + \
                    f", or township pre-stock in {batch.area} before the roads go"
            elif tier in ("province", "aid"):
                reason = "lead time"
                fix = (f"stock at the county and city depots (the {tier} depot {depot} comes after "
                       "its activation)")
            elif wait > target / 2:
                reason = "transport"
                fix = f"more trucks or faster loading at {depot}"
                if not (tier == "township" and depot_area.get(depot) == batch.area):
                    fix += f", or township pre-stock in {batch.area}"
            elif drive > target / 2:
                reason = "distance"
                fix = f"township pre-stock in {batch.area} (a depot inside it, sized)"
            else:
                reason = "late"
                fix = f"township pre-stock in {batch.area}"
            out.append(LateBatch(rec.replication, batch.event, batch.area, batch.hours, target, depot, tier,
                                 wait, drive, reason, fix))
    return out


def summary_lines(late: list[LateBatch], limit: int = 6) -> list[str]:
    """The late first batches, grouped by area and reason, the most frequent first."""
    if not late:
        return []
    frame = pd.DataFrame([vars(b) for b in late])
    grouped = (frame.groupby(["area", "reason", "fix"], sort=False)
               .agg(times=("replication", "size"), hours=("hours", "median"),
                    target=("target_hours", "first"))
               .reset_index().sort_values("times", ascending=False, kind="stable"))
    lines = []
    for row in grouped.head(limit).itertuples():
        hours = float(row.hours)  # type: ignore[arg-type]
        took = "never arrived" if not math.isfinite(hours) else f"median {hours:.1f} h"
        lines.append(f"  {row.area}: late {row.times} times ({took}, target {row.target:g} h): {row.reason}; "
                     f"fix: {row.fix}")
    if len(grouped) > limit:
        lines.append(f"  ... and {len(grouped) - limit} more (reserves_failures.csv)")
    return lines
