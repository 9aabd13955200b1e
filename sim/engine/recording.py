"""Turn a finished replication into flat record tables (see :mod:`sim.results.records`)."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..model.units import MODES
from ..results.records import Columns, ReplicationRecords
from .calls import (
    ARRIVAL,
    AWAY,
    CAP,
    DEPART,
    DISPATCH,
    FREE,
    FROM,
    HOSPITAL,
    INCIDENT,
    LEAVE,
    STOOD_DOWN,
    TRAVEL,
    UNIT,
    WITHDRAWN,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..model.hazards import HazardTimeline
    from ..model.incidents import IncidentStream
    from ..model.units import UnitInfo
    from ..scenario.loader import Scenario
    from .evacuation import EvacuationControl
    from .moveup import MoveUpControl
    from .roads import RoadControl
    from .scenes import FireScene
    from .staging import Staging
    from .supplies import SupplyControl

__all__ = ["RecordSource", "build_records"]


class RecordSource(Protocol):
    """What the records are built from: a finished replication of the response core."""

    scenario: Scenario
    incidents: IncidentStream
    timeline: HazardTimeline
    replication: int
    seed: int
    horizon: float
    end_time: float  # the clock at the end of the run
    events: int
    node_ids: tuple[str, ...]
    unit_infos: list[UnitInfo]
    assignments: list[list]  # assignment records (fields at the positions of sim.engine.calls)
    node: list[int]
    type_index: list[int]
    priority: list[int]
    first_dispatch: list[float]
    full_dispatch: list[float]
    first_arrival: list[float]
    capable_arrival: list[float]
    full_complement: list[float]
    scene_end: list[float]
    cleared: list[float]
    first_mode: list[int]
    waited: list[bool]
    lost: list[bool]
    cut_off: list[bool]
    fire_scenes: dict[int, FireScene]
    roads: RoadControl
    staging: Staging
    evacuation: EvacuationControl | None
    supplies: SupplyControl
    move_up: MoveUpControl | None


def build_records(engine: RecordSource) -> ReplicationRecords:
    inc = engine.incidents
    assert inc.event is not None  # IncidentStream fills it in
    end = engine.end_time
    node_ids = engine.node_ids
    infos = engine.unit_infos
    events = engine.timeline.events
    occurrence = inc.time
    detection = occurrence + inc.detection_delay
    report = detection + inc.report_delay
    call = report + inc.handling_time

    def happened(t: np.ndarray) -> np.ndarray:
        return np.where(t <= end, t, np.nan)

    sent: dict[int, list[str]] = {}
    transported = np.zeros(len(inc), dtype=bool)
    for rec in engine.assignments:
        sent.setdefault(rec[INCIDENT], []).append(infos[rec[UNIT]].id)
        if rec[HOSPITAL] == rec[HOSPITAL]:
            transported[rec[INCIDENT]] = True
    cleared = np.array(engine.cleared)
    status = np.where(engine.lost, "lost", np.where(np.isnan(cleared), "open", "cleared"))
    event_of = inc.event.tolist()
    incidents: Columns = {
        "incident": np.arange(len(inc)),
        "type": [inc.type_names[t] for t in engine.type_index],
        "generator": [inc.generator_names[g] if g >= 0 else "" for g in inc.generator_index.tolist()],
        "hazard": [events[e].hazard if e >= 0 else "" for e in event_of],
        "event": [events[e].name if e >= 0 else "" for e in event_of],
        "node": [node_ids[j] for j in engine.node],
        "priority": [engine.priority[t] for t in engine.type_index],
        "occurrence": occurrence,
        "detection": happened(detection),
        "report": happened(report),
        "call": happened(call),
        "first_dispatch": np.array(engine.first_dispatch),
        "full_dispatch": np.array(engine.full_dispatch),
        "first_arrival": np.array(engine.first_arrival),
        "capable_arrival": np.array(engine.capable_arrival),
        "full_complement": np.array(engine.full_complement),
        "scene_end": np.array(engine.scene_end),
        "cleared": cleared,
        "response_time": np.array(engine.first_arrival) - occurrence,
        "capable_response": np.array(engine.capable_arrival) - occurrence,
        "complement_response": np.array(engine.full_complement) - occurrence,
        "status": status,
        "waited": np.array(engine.waited),
        "cut_off": np.array(engine.cut_off),
        "first_mode": [MODES[m] if m >= 0 else "" for m in engine.first_mode],
        "units_sent": np.array([len(sent.get(i, ())) for i in range(len(inc))], dtype=np.int64),
        "units": [";".join(sent.get(i, ())) for i in range(len(inc))],
        "transported": transported,
    }
    recs = engine.assignments

    def column(k: int) -> list:
        return [r[k] for r in recs]

    assignments: Columns = {
        "incident": np.array(column(INCIDENT), dtype=np.int64),
        "unit": [infos[r[UNIT]].id for r in recs],
        "mode": [MODES[infos[r[UNIT]].mode] for r in recs],
        "mutual_aid": np.array([infos[r[UNIT]].mutual_aid is not None for r in recs], dtype=bool),
        "capability": column(CAP),
        "from_node": [node_ids[r[FROM]] for r in recs],
        "was_away": np.array(column(AWAY), dtype=bool),
        "dispatch": np.array(column(DISPATCH), dtype=float),
        "depart": np.array(column(DEPART), dtype=float),
        "arrival": np.array(column(ARRIVAL), dtype=float),
        "leave_scene": np.array(column(LEAVE), dtype=float),
        "hospital_arrival": np.array(column(HOSPITAL), dtype=float),
        "free": np.array(column(FREE), dtype=float),
        "travel_minutes": np.array(column(TRAVEL), dtype=float),
        "stood_down": np.array(column(STOOD_DOWN), dtype=bool),
        "withdrawn": np.array(column(WITHDRAWN), dtype=bool),
    }
    units: Columns = {
        "unit": [u.id for u in infos],
        "group": [u.group for u in infos],
        "type": [u.type for u in infos],
        "mode": [MODES[u.mode] for u in infos],
        "mutual_aid": [u.mutual_aid.region if u.mutual_aid else "" for u in infos],
        "capabilities": [";".join(sorted(u.capabilities)) for u in infos],
        "crew": [u.crew for u in infos],
        "base": [u.base for u in infos],
        "base_node": [node_ids[u.base_node] for u in infos],
    }
    records = ReplicationRecords(
        replication=engine.replication, seed=engine.seed, horizon=engine.horizon,
        warmup=engine.scenario.spec.run.warmup, end_time=end, events=engine.events,
        incidents=incidents, assignments=assignments, units=units)
    _hazard_tables(engine, records, end)
    if engine.move_up is not None:
        records.tables["move_ups"] = _transpose(engine.move_up.log, ["time", "unit", "from_node", "to_node",
                                                                     "minutes"])
    return records


def _hazard_tables(engine: RecordSource, records: ReplicationRecords, end: float) -> None:
    timeline = engine.timeline
    node_ids = engine.node_ids
    population = np.array([n.population for n in engine.scenario.spec.region.nodes], dtype=float)
    forest = np.array([n.forest_ha for n in engine.scenario.spec.region.nodes], dtype=float)
    cut = engine.roads.intervals
    closures = timeline.closures
    events = timeline.events
    inc = engine.incidents
    assert inc.event is not None and inc.fire is not None  # IncidentStream fills them in
    per_event_incidents = np.bincount(inc.event[inc.event >= 0], minlength=len(events)) \
        if len(events) else np.zeros(0)
    rows = []
    for e in events:
        mine = [c for c in closures if c.event == e.index]
        span_end = max([e.end, *(c.end for c in mine)])
        cut_hours = sum(max(0.0, min(b, span_end) - max(a, e.start)) for _, a, b in cut) / 60 if mine else 0.0
        power = [o for o in timeline.outages if o.event == e.index and o.kind == "power"]
        comm = [o for o in timeline.outages if o.event == e.index and o.kind == "communication"]
        details = {k: v for k, v in e.details.items() if k != "evacuation_nodes"}
        rows.append({
            "event": e.name, "hazard": e.hazard, "kind": e.kind,
            "forecast": e.forecast, "start": e.start, "end": e.end,
            "people_affected": e.people_affected, "incidents": int(per_event_incidents[e.index]),
            "roads_cut": len(mine), "roads_slowed": sum(1 for c in timeline.slowdowns if c.event == e.index),
            "cut_off_node_hours": cut_hours,
            "power_out_people_hours": sum(population[o.node] * (min(o.end, end) - o.start) / 60
                                          for o in power),
            "communication_out_nodes": len({o.node for o in comm}),
            "evacuation_nodes": ";".join(e.details.get("evacuation_nodes", [])),
            "details": json.dumps(details, ensure_ascii=False, default=float),
        })
    records.tables["hazards"] = _columns(rows, HAZARD_COLUMNS)

    fires = []
    for i, scene in engine.fire_scenes.items():
        fire = timeline.fires[int(inc.fire[i])]
        contained = scene.contained_at
        fires.append({
            "incident": i, "event": events[fire.event].name, "node": node_ids[fire.node],
            "ignition": fire.ignition, "detected_by_sensors": fire.covered,
            "detection": fire.ignition + inc.detection_delay[i],
            "first_attack": scene.first_attack,
            "area_at_first_attack_ha": scene.area_at(scene.first_attack),
            "stopped": contained, "how": scene.how or "still burning",
            "burned_ha": scene.area_at(contained if not math.isnan(contained) else end),
            "forest_ha": forest[fire.node], "head_rate_m_min": fire.head_rate, "wind_kmh": fire.wind_kmh,
        })
    records.tables["fires"] = _columns(fires, FIRE_COLUMNS)
    network = engine.roads.network
    # roads close only on a road network: without one there are no closures to look up
    ends = network.road_ends() if network is not None else np.zeros((0, 2), dtype=np.int64)
    records.tables["road_closures"] = _columns([
        {"road": c.road, "from_node": node_ids[ends[c.road, 0]], "to_node": node_ids[ends[c.road, 1]],
         "start": c.start, "end": c.end, "event": events[c.event].name} for c in closures],
        ["road", "from_node", "to_node", "start", "end", "event"])
    records.tables["road_slowdowns"] = _columns([
        {"road": c.road, "from_node": node_ids[ends[c.road, 0]], "to_node": node_ids[ends[c.road, 1]],
         "start": c.start, "end": c.end, "factor": c.factor, "event": events[c.event].name}
        for c in timeline.slowdowns],
        ["road", "from_node", "to_node", "start", "end", "factor", "event"])
    records.tables["cut_off"] = _columns([
        {"node": node_ids[node], "start": a, "end": b, "hours": (b - a) / 60, "population": population[node]}
        for node, a, b in cut], ["node", "start", "end", "hours", "population"])
    records.tables["outages"] = _columns([
        {"node": node_ids[o.node], "kind": o.kind, "start": o.start, "end": o.end,
         "event": events[o.event].name} for o in timeline.outages],
        ["node", "kind", "start", "end", "event"])
    _people_tables(engine, records)
    _supply_tables(engine, records)
    records.tables["staging_moves"] = _columns([
        {"time": t, "unit": u, "to_node": n, "event": ev} for t, u, n, ev in engine.staging.log],
        ["time", "unit", "to_node", "event"])


def _columns(rows: list[dict], names: list[str]) -> Columns:
    return {name: [row[name] for row in rows] for name in names}


def _transpose(rows: list[tuple], names: list[str]) -> Columns:
    """Columns of rows given as tuples (in the order of ``names``)."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return {name: list(column) for name, column in zip(names, columns, strict=True)}


HAZARD_COLUMNS = ["event", "hazard", "kind", "forecast", "start", "end", "people_affected", "incidents",
                  "roads_cut", "roads_slowed", "cut_off_node_hours", "power_out_people_hours",
                  "communication_out_nodes", "evacuation_nodes", "details"]
FIRE_COLUMNS = ["incident", "event", "node", "ignition", "detected_by_sensors", "detection", "first_attack",
                "area_at_first_attack_ha", "stopped", "how", "burned_ha", "forest_ha", "head_rate_m_min",
                "wind_kmh"]


def _people_tables(engine: RecordSource, records: ReplicationRecords) -> None:
    evac = engine.evacuation
    if evac is None:
        return
    events = engine.timeline.events
    node_ids = engine.node_ids
    nodes = engine.scenario.spec.region.nodes
    plan = evac.plan
    shelter_ids = [s for s, _, _ in evac.shelters]
    moves = evac.moves
    group_event = [events[plan[m["group"]].event] for m in moves]
    records.tables["evacuation"] = {
        "event": [e.name for e in group_event], "hazard": [e.hazard for e in group_event],
        "node": [node_ids[m["node"]] for m in moves], "area": [nodes[m["node"]].area_id for m in moves],
        "vulnerable": [plan[m["group"]].vulnerable for m in moves],
        "people": [m["people"] for m in moves], "mode": [m["mode"] for m in moves],
        "shelter": [shelter_ids[m["shelter"]] for m in moves], "left": [m["left"] for m in moves],
        "arrived": [m["arrived"] for m in moves], "overflow": [m["overflow"] for m in moves]}
    left_by_group: dict[int, list[tuple[float, int]]] = {}
    for m in evac.moves:
        left_by_group.setdefault(m["group"], []).append((m["left"], m["people"]))
    rows: dict[tuple[int, int], dict] = {}
    for k, g in enumerate(plan):
        row = rows.get((g.event, g.node))
        if row is None:
            row = rows[(g.event, g.node)] = {
                "event": events[g.event].name, "hazard": events[g.event].hazard, "node": node_ids[g.node],
                "area": nodes[g.node].area_id,
                "population": nodes[g.node].population, "warned": g.warned, "impact": g.impact,
                "told": 0, "compliant": 0, "left": 0, "left_before_impact": 0, "vulnerable": 0,
                "vulnerable_reached_before_impact": 0, "cleared": g.warned}
        row["told"] += g.people
        row["compliant"] += g.compliant
        if g.vulnerable:
            row["vulnerable"] += g.people
            if g.reached <= g.impact:
                row["vulnerable_reached_before_impact"] += g.people
        moved = left_by_group.get(k, [])
        row["left"] += sum(p for _, p in moved)
        row["left_before_impact"] += sum(p for t, p in moved if t <= g.impact)
        if g.compliant:
            if sum(p for _, p in moved) < g.compliant:
                row["cleared"] = math.nan  # some who would leave never could
            elif row["cleared"] == row["cleared"]:
                row["cleared"] = max(row["cleared"], max(t for t, _ in moved))
    for row in rows.values():
        row["remaining"] = row["population"] - row["left"]
        row["at_risk_at_impact"] = row["told"] - row["left_before_impact"]
    records.tables["evacuation_nodes"] = _columns(list(rows.values()), EVACUATION_NODE_COLUMNS)
    log = evac.occupancy_log
    records.tables["shelter_occupancy"] = {
        "time": [t for t, _, _ in log], "shelter": [shelter_ids[s] for _, s, _ in log],
        "occupancy": [n for _, _, n in log], "capacity": [evac.shelters[s][2] for _, s, _ in log]}


def _supply_tables(engine: RecordSource, records: ReplicationRecords) -> None:
    sup = engine.supplies
    if not sup.active:
        return
    events = engine.timeline.events
    node_ids = engine.node_ids
    requests = sup.requests
    records.tables["supply_requests"] = {
        "request": [r.index for r in requests], "time": [r.time for r in requests],
        "kind": [r.kind for r in requests],
        "event": [events[r.event].name if r.event >= 0 else "" for r in requests],
        "area": [r.area for r in requests], "node": [node_ids[r.node] for r in requests],
        "source": [r.source for r in requests], "item": [r.item for r in requests],
        "quantity": [r.quantity for r in requests], "delivered": [r.delivered for r in requests],
        "first_delivery": [r.first_delivery for r in requests],
        "first_tier": [r.first_tier for r in requests]}
    shipments = sup.shipments
    records.tables["shipments"] = {
        key: [node_ids[s[key]] for s in shipments] if key == "to_node" else [s[key] for s in shipments]
        for key in SHIPMENT_COLUMNS}
    records.tables["stock"] = _transpose(sup.stock_log, ["time", "depot", "item", "level"])
    records.tables["shelter_needs"] = _columns([
        {"shelter": sup.shelter_ids[k], "item": item, "needed": sup.consumed[k][item] + sup.short[k][item],
         "met": sup.consumed[k][item], "short": sup.short[k][item]}
        for k in range(len(sup.shelter_ids)) for item, spec in sup.items.items()
        if spec.per_person_day > 0 and sup.consumed[k][item] + sup.short[k][item] > 0],
        ["shelter", "item", "needed", "met", "short"])
    records.tables["stockouts"] = _columns([
        {"depot": d, "item": item, "start": a, "end": b, "hours": (b - a) / 60}
        for d, item, a, b in sup.stockouts], ["depot", "item", "start", "end", "hours"])


EVACUATION_NODE_COLUMNS = ["event", "hazard", "node", "area", "population", "warned", "impact", "told",
                           "compliant", "left", "left_before_impact", "remaining", "at_risk_at_impact",
                           "vulnerable", "vulnerable_reached_before_impact", "cleared"]
REQUEST_COLUMNS = ["request", "time", "kind", "event", "area", "node", "source", "item", "quantity",
                   "delivered", "first_delivery", "first_tier"]
SHIPMENT_COLUMNS = ["request", "depot", "tier", "item", "quantity", "received", "area", "to_node",
                    "allocated", "loaded", "departed", "arrived", "mode"]
