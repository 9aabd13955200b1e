"""Turn a simulated drill timeline into a Master Scenario Events List (MSEL).

The drill's scenario is the base scenario with the template's hazards (ranges resolved), run
from the drill start for its duration. Replication 0 with the drill seed is *the drill*: its
warnings, evacuation orders, road cuts, calls, fires and supply requests become injects, in
time order. Replications 1 .. ``standards`` of the same drill give the distribution of each
expected action's time (the time from the inject to, e.g., the first unit dispatched, the
first unit on scene, the fire contained, the village cleared, the first supplies delivered):
its median and 90th percentile are the action's *time standard*.

Each inject carries the situation players are told (zh/en), and, for controllers only, the
expected actions, the responsible unit, the objective, the time standards and evaluator notes.
For every expected action with a standard, a *contingency inject* is scheduled at its 90th
percentile, to be delivered only if the action has not happened.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..engine.runner import simulate
from ..results.outcome import RunResult
from ..scenario.loader import Scenario
from ..scenario.quantities import format_duration
from ..scenario.schema import IncidentType
from .base_scenario import drill_scenario
from .messages import ACTIONS, CONTINGENCY, MESSAGES, text
from .rows import (
    AssignmentRow,
    EvacuationNodeRow,
    FireRow,
    FirstBatchRow,
    HazardRow,
    IncidentRow,
    RoadClosureRow,
    rows,
)
from .spec import DrillSpec, resolve_templates

__all__ = ["Drill", "ExpectedAction", "Inject", "generate_drill"]

_CJK_LABEL = re.compile(r"^([\u2e80-\u9fff\uf900-\ufaff·（）()]+)\s*(.*)$")
KIND_ORDER = ("warning", "situation", "evacuation", "road", "incident", "supplies", "contingency")
MIN_CONTINGENCY = 5.0  # minutes: no contingency inject for an action expected within this
CAUSES = {
    "typhoon": "台风 typhoon",
    "heavy_rain": "暴雨 heavy rain",
    "landslide": "山体滑坡 landslide",
    "earthquake": "地震 earthquake",
    "chemical": "事故 the accident",
    "forest_fire": "火灾 the fire",
}
CAPABILITY_OF_ACTION = {
    "relay_warning": "warning",
    "evacuate": "evacuation",
    "dispatch": "dispatch",
    "reopen_road": "roads",
    "first_batch": "relief_supplies",
    "contain": "forest_fire",
}


@dataclass
class ExpectedAction:
    """What players should do after an inject, and by when (minutes after the inject)."""

    id: str
    key: str
    text_zh: str
    text_en: str
    responsible: str
    capability: str
    measure: str
    median: float | None
    p90: float | None
    simulated: float | None  # when it happened in the drill's own simulation


@dataclass
class Inject:
    number: int
    minutes: float
    wall_clock: str
    kind: str
    source: str
    target: str
    method: str
    message_zh: str
    message_en: str
    capability: str
    actions: list[ExpectedAction] = field(default_factory=list)
    notes: str = ""
    contingency_for: str = ""  # the expected action a contingency inject covers
    hazard: str = ""  # the hazard kind a warning inject is about
    area: dict[str, float] | None = None  # for CAP: lon, lat, radius_km

    @property
    def controller_only(self) -> bool:
        return bool(self.contingency_for)


@dataclass
class Drill:
    """A generated drill: its settings, what was drawn, the injects and the standards' samples."""

    spec: DrillSpec
    hazards: list[dict[str, Any]]
    drawn: dict[str, Any]
    injects: list[Inject]
    samples: dict[str, list[float]]
    seed: int
    scenario_name: str
    utc_offset: float = 8.0

    def as_json(self) -> dict[str, Any]:
        return {
            "spec": self.spec.model_dump(mode="json"),
            "hazards": self.hazards,
            "drawn": self.drawn,
            "seed": self.seed,
            "scenario": self.scenario_name,
            "utc_offset": self.utc_offset,
            "injects": [{**asdict(i), "controller_only": i.controller_only} for i in self.injects],
            "samples": self.samples,
        }

    def actions(self) -> list[tuple[Inject, ExpectedAction]]:
        return [(i, a) for i in self.injects for a in i.actions]


def _split_label(label: str) -> tuple[str, str]:
    m = _CJK_LABEL.match(label.strip())
    return (m.group(1), m.group(2) or label) if m else (label, label)


# ---------------------------------------------------------------- time standards


MeasureKey = Hashable
"""What an expected action is about: an incident, an (incident, unit), a road closure, ..."""
Measures = dict[str, dict[int, list[tuple[MeasureKey, float]]]]


def _measures(result: RunResult) -> Measures:
    """Per measure and replication: (key, minutes) of every expected action's completion,
    counted from the moment its inject would be delivered."""
    out: Measures = {}

    def add(measure: str, rep: int, key: MeasureKey, minutes: float) -> None:
        if math.isfinite(minutes) and minutes >= 0:
            out.setdefault(measure, {}).setdefault(rep, []).append((key, minutes))

    inc = result.incidents
    inc = inc[inc["event"].astype(str) != ""] if len(inc) else inc
    for call in rows(inc, IncidentRow):
        add(f"dispatch:{call.type}", call.replication, call.incident, call.first_dispatch - call.call)
        add(f"arrive:{call.type}", call.replication, call.incident, call.first_arrival - call.call)
        add(f"complete:{call.type}", call.replication, call.incident, call.scene_end - call.call)
    types: dict[tuple[int, int], str] = (
        dict(zip(zip(inc["replication"], inc["incident"], strict=True), inc["type"], strict=True))
        if len(inc)
        else {}
    )
    for sent in rows(result.assignments, AssignmentRow):
        itype = types.get((sent.replication, sent.incident))
        if itype is not None and (sent.mode == "air" or sent.mutual_aid):
            kind = "aid" if sent.mutual_aid else "air"
            add(
                f"{kind}_arrive:{itype}",
                sent.replication,
                (sent.incident, sent.unit),
                sent.arrival - sent.dispatch,
            )
    for fire in rows(result.table("fires"), FireRow):
        if fire.how == "contained":
            add("contain", fire.replication, fire.incident, fire.stopped - fire.detection)
    for node in rows(result.table("evacuation_nodes"), EvacuationNodeRow):
        add("evacuate", node.replication, (node.event, node.node), node.cleared - node.warned)
    moves = result.table("evacuation")
    for hazard in rows(result.table("hazards"), HazardRow):
        left = (
            moves[(moves["replication"] == hazard.replication) & (moves["event"] == hazard.event)]["left"]
            if len(moves)
            else pd.Series(dtype=float)
        )
        if len(left) and math.isfinite(hazard.forecast):
            add("relay_warning", hazard.replication, hazard.event, float(left.min()) - hazard.forecast)
    for road in rows(result.table("road_closures"), RoadClosureRow):
        add("reopen_road", road.replication, (road.road, road.start), road.end - road.start)
    if result.has_supplies:
        for batch in rows(result.first_batches, FirstBatchRow):
            add(
                "first_batch",
                batch.replication,
                (batch.event, batch.area),
                batch.first_delivery - batch.first_request,
            )
    return out


def _standard(samples: list[float]) -> tuple[float | None, float | None]:
    if not samples:
        return None, None
    return float(np.median(samples)), float(np.quantile(samples, 0.9))


# ---------------------------------------------------------------- the MSEL


class _Builder:
    def __init__(
        self,
        spec: DrillSpec,
        scenario: Scenario,
        drill: RunResult,
        samples: dict[str, list[float]],
        own: dict[str, dict[MeasureKey, float]],
    ) -> None:
        self.spec = spec
        self.scenario = scenario
        self.drill = drill
        self.samples = samples
        self.own = own
        self.nodes = {n.id: n for n in scenario.spec.region.nodes}
        self.raw: list[Inject] = []

    def place(self, node: str) -> str:
        n = self.nodes.get(node)
        return (n.name or n.id) if n is not None else str(node)

    def role(self, preferred: str) -> str:
        roles = {p.role for p in self.spec.participants}
        return preferred if preferred in roles else "eoc"

    def at(self, minutes: float) -> str:
        return (self.spec.start + dt.timedelta(minutes=float(minutes))).strftime("%Y-%m-%d %H:%M")

    def action(
        self,
        key: str,
        measure: str,
        own_key: MeasureKey,
        responsible: str,
        capability: str | None = None,
        **fields: object,
    ) -> ExpectedAction:
        zh, en = text(ACTIONS, key, **fields)
        median, p90 = _standard(self.samples.get(measure, []))
        return ExpectedAction(
            "",
            key,
            zh,
            en,
            responsible,
            capability or CAPABILITY_OF_ACTION.get(key, key),
            measure,
            median,
            p90,
            self.own.get(measure, {}).get(own_key),
        )

    def inject(
        self,
        minutes: float,
        kind: str,
        source: str,
        target: str,
        method: str,
        message: str,
        capability: str,
        actions: list[ExpectedAction],
        area: dict[str, float] | None = None,
        hazard: str = "",
        **fields: object,
    ) -> None:
        if minutes < 0 or minutes > self.spec.duration:
            return
        zh, en = text(MESSAGES, message, **fields)
        self.raw.append(
            Inject(
                0,
                float(minutes),
                self.at(minutes),
                kind,
                source,
                self.role(target),
                method,
                zh,
                en,
                capability,
                actions,
                area=area,
                hazard=hazard,
            )
        )

    # -------- sources of injects

    def hazards(self) -> None:
        table = self.drill.table("hazards")
        evac = self.drill.table("evacuation_nodes")
        for row in rows(table, HazardRow):
            details = json.loads(row.details) if row.details else {}
            threatened = (
                evac[evac["event"] == row.event] if len(evac) else pd.DataFrame(columns=["node", "told"])
            )
            places = "、".join(self.place(n) for n in threatened["node"].head(4)) or self.place(
                details.get("node", "")
            )
            centre = self._centre(threatened["node"].tolist() or [details.get("node")])
            if row.kind in ("typhoon", "heavy_rain"):
                lead = format_duration(row.start - row.forecast)
                message = "typhoon_warning" if row.kind == "typhoon" else "heavy_rain_warning"
                warn = self.action("relay_warning", "relay_warning", row.event, self.spec.role_name("eoc"))
                self.inject(
                    row.forecast,
                    "warning",
                    "气象台 weather bureau",
                    "eoc",
                    "CAP 预警 / CAP alert",
                    message,
                    "warning",
                    [warn],
                    area={**centre, "radius_km": 20.0},
                    hazard=row.kind,
                    lead=lead,
                    places=places or "全域 the region",
                )
                self.inject(
                    row.start,
                    "situation",
                    "气象台 weather bureau",
                    "eoc",
                    "电话 phone",
                    "landfall" if row.kind == "typhoon" else "rain_start",
                    "warning",
                    [],
                    places=places or "全域 the region",
                )
            elif row.kind == "chemical":
                outcome = details.get("outcome", "leak")
                names = {
                    "leak": ("泄漏", "leak"),
                    "fire": ("火灾", "fire"),
                    "explosion": ("爆炸", "explosion"),
                }
                zh, en = names.get(outcome, (outcome, outcome))
                radius = float(details.get("radius_km", 1.0))
                self.inject(
                    row.start,
                    "warning",
                    "园区值班室 park duty room",
                    "eoc",
                    "电话 phone",
                    "chemical",
                    "hazmat",
                    [],
                    area={**self._centre([details.get("node")]), "radius_km": radius},
                    hazard=row.kind,
                    place=self.place(details.get("node", "")),
                    outcome_zh=zh,
                    outcome_en=en,
                    radius=f"{radius:g} km",
                    people=f"{int(threatened['told'].sum()) if len(threatened) else 0:,}",
                )
            elif row.kind == "earthquake":
                epicentre = details.get("epicentre", [0, 0])
                nearest = min(
                    self.nodes.values(),
                    key=lambda n: (n.lon - epicentre[0]) ** 2 + (n.lat - epicentre[1]) ** 2,
                )
                self.inject(
                    row.start,
                    "warning",
                    "地震台 seismic bureau",
                    "eoc",
                    "电话 phone",
                    "earthquake",
                    "dispatch",
                    [],
                    area={"lon": epicentre[0], "lat": epicentre[1], "radius_km": 30.0},
                    hazard=row.kind,
                    place=self.place(nearest.id),
                    magnitude=f"{details.get('magnitude', 0):.1f}",
                )

    def _centre(self, nodes: list[Any]) -> dict[str, float]:
        known = [self.nodes[n] for n in nodes if n in self.nodes]
        if not known:
            known = list(self.nodes.values())
        return {"lon": float(np.mean([n.lon for n in known])), "lat": float(np.mean([n.lat for n in known]))}

    def evacuations(self) -> None:
        evac = self.drill.table("evacuation_nodes")
        hazards = self.drill.table("hazards")
        kinds = dict(zip(hazards["event"], hazards["kind"], strict=True)) if len(hazards) else {}
        for row in rows(evac, EvacuationNodeRow):
            flood = kinds.get(row.event) in ("typhoon", "heavy_rain", "landslide")
            act = self.action(
                "evacuate", "evacuate", (row.event, row.node), f"{self.place(row.node)} 镇村 township"
            )
            self.inject(
                row.warned,
                "evacuation",
                "村干部 village head",
                "township",
                "电话 phone",
                "evacuation_needed" if flood else "evacuation_radius",
                "evacuation",
                [act],
                place=self.place(row.node),
                people=f"{row.told:,}",
            )

    def roads(self) -> None:
        roads = self.drill.table("road_closures")
        kinds = (
            dict(zip(self.drill.table("hazards")["event"], self.drill.table("hazards")["kind"], strict=True))
            if len(self.drill.table("hazards"))
            else {}
        )
        for row in rows(roads, RoadClosureRow):
            act = self.action(
                "reopen_road", "reopen_road", (row.road, row.start), self.spec.role_name(self.role("roads"))
            )
            self.inject(
                row.start,
                "road",
                "交通部门 transport bureau",
                "roads",
                "对讲机 radio",
                "road_cut",
                "roads",
                [act],
                place_a=self.place(row.from_node),
                place_b=self.place(row.to_node),
                cause=CAUSES.get(kinds.get(row.event, ""), "灾害 the hazard"),
            )

    def incidents(self) -> None:
        inc = self.drill.incidents
        inc = inc[inc["event"].astype(str) != ""] if len(inc) else inc
        assignments = self.drill.assignments
        types = self.scenario.spec.incident_types
        for row in rows(inc, IncidentRow):
            if not math.isfinite(row.call):
                continue
            sent = assignments[assignments["incident"] == row.incident].sort_values("dispatch")
            units = ", ".join(dict.fromkeys(sent["unit"].head(4))) or "—"
            itype = types[row.type]
            need = ", ".join(f"{n} x {c}" for c, n in itype.requires.items())
            zh, en = _split_label(itype.label or row.type)
            capability = self._capability_of(itype)
            actions = [
                self.action(
                    "dispatch",
                    f"dispatch:{row.type}",
                    row.incident,
                    self.spec.role_name("dispatch"),
                    "dispatch",
                    units=f"{need} ({units})",
                ),
                self.action("arrive", f"arrive:{row.type}", row.incident, units, capability),
            ]
            fires = self.drill.table("fires")
            if len(fires) and (fires["incident"] == row.incident).any():
                actions.append(self.action("contain", "contain", row.incident, units))
            self.inject(
                row.call,
                "incident",
                "报警人 caller",
                "dispatch",
                "电话 119/110 phone",
                "incident",
                capability,
                actions,
                place=self.place(row.node),
                type_zh=zh,
                type_en=en,
            )

    def fire_updates(self) -> None:
        """A situation update when the first crews reach a fire: how big it has grown."""
        for row in rows(self.drill.table("fires"), FireRow):
            if math.isfinite(row.first_attack):
                self.inject(
                    row.first_attack,
                    "situation",
                    "现场指挥部 fire-line command",
                    "eoc",
                    "对讲机 radio",
                    "fire_detected",
                    "forest_fire",
                    [],
                    place=self.place(row.node),
                    hectares=f"{row.area_at_first_attack_ha:.1f}",
                )

    def reinforcements(self) -> None:
        """Helicopters and mutual-aid units sent to the drill's incidents: a request inject to
        the aviation or mutual-aid role, expected to be on scene within the standard."""
        inc = self.drill.incidents
        drill_incidents = set(inc.loc[inc["event"].astype(str) != "", "incident"]) if len(inc) else set()
        sent = self.drill.assignments
        for row in rows(sent, AssignmentRow):
            if row.incident not in drill_incidents or not (row.mode == "air" or row.mutual_aid):
                continue
            kind = "aid" if row.mutual_aid else "air"
            where = inc.loc[inc["incident"] == row.incident, "node"].iloc[0]
            itype = inc.loc[inc["incident"] == row.incident, "type"].iloc[0]
            act = self.action(
                "arrive",
                f"{kind}_arrive:{itype}",
                (row.incident, row.unit),
                row.unit,
                "mutual_aid" if kind == "aid" else "air_ground",
            )
            self.inject(
                row.dispatch,
                "incident",
                self.spec.role_name("dispatch"),
                "mutual_aid" if kind == "aid" else "aviation",
                "电话 phone",
                "aid_request" if kind == "aid" else "air_request",
                "mutual_aid" if kind == "aid" else "air_ground",
                [act],
                place=self.place(where),
                unit=row.unit,
            )

    def _capability_of(self, itype: IncidentType) -> str:
        for cap in itype.requires:
            for objective in ("hazmat", "water_rescue", "forest_fire", "fire", "medical"):
                if objective.replace("_", "") in cap.replace("_", ""):
                    return objective
        return "dispatch"

    def supplies(self) -> None:
        if not self.drill.has_supplies:
            return
        occupancy = self.drill.table("shelter_occupancy")
        area_of = {s.id: self.nodes[s.node].area_id for s in self.scenario.spec.shelters}
        peak = occupancy.groupby("shelter")["occupancy"].max() if len(occupancy) else pd.Series(dtype=float)
        requests = self.drill.table("supply_requests")
        items = self.scenario.spec.items
        for row in rows(self.drill.first_batches, FirstBatchRow):
            first = requests[
                (requests["event"] == row.event)
                & (requests["area"] == row.area)
                & (requests["time"] == row.first_request)
            ]
            act = self.action(
                "first_batch",
                "first_batch",
                (row.event, row.area),
                self.spec.role_name(self.role("supplies")),
            )
            if len(first) and (first["kind"] == "incident").all():
                asked = "、".join(
                    f"{items[i].label or i} x {q:,.0f}"
                    for i, q in zip(first["item"], first["quantity"], strict=True)
                )
                self.inject(
                    row.first_request,
                    "supplies",
                    "抢险现场 incident scene",
                    "supplies",
                    "电话 phone",
                    "supplies_incident",
                    "relief_supplies",
                    [act],
                    place=self.place(row.area),
                    items=asked,
                )
                continue
            people = int(sum(v for shelter, v in peak.items() if area_of.get(str(shelter)) == row.area))
            self.inject(
                row.first_request,
                "supplies",
                "安置点 shelter",
                "supplies",
                "电话 phone",
                "supplies_request",
                "relief_supplies",
                [act],
                place=self.place(row.area),
                people=f"{people:,}",
            )

    def build(self) -> list[Inject]:
        self.hazards()
        self.evacuations()
        self.roads()
        self.incidents()
        self.reinforcements()
        self.fire_updates()
        self.supplies()
        kept = sorted(self.raw, key=lambda i: (i.minutes, KIND_ORDER.index(i.kind)))[: self.spec.max_injects]
        covers: list[tuple[Inject, ExpectedAction]] = []
        for inject in kept:
            for act in inject.actions:
                if (
                    act.p90 is None
                    or act.p90 < MIN_CONTINGENCY
                    or act.key not in CONTINGENCY
                    or inject.minutes + act.p90 > self.spec.duration
                ):
                    continue
                zh, en = text(CONTINGENCY, act.key)
                covers.append(
                    (
                        Inject(
                            0,
                            inject.minutes + act.p90,
                            self.at(inject.minutes + act.p90),
                            "contingency",
                            inject.source,
                            inject.target,
                            inject.method,
                            zh,
                            en,
                            act.capability,
                            [],
                        ),
                        act,
                    )
                )
        merged = sorted(kept + [c for c, _ in covers], key=lambda i: (i.minutes, KIND_ORDER.index(i.kind)))
        for n, inject in enumerate(merged, start=1):
            inject.number = n
            for k, act in enumerate(inject.actions, start=1):
                act.id = f"{n}.{k}"
        for inject, act in covers:
            inject.contingency_for = act.id
            inject.notes = (
                f"只在动作 {act.id} 未完成时下达 / deliver only if action {act.id} has not happened"
            )
        for inject in kept:
            inject.notes = self._notes(inject)
        return merged

    def _notes(self, inject: Inject) -> str:
        parts = []
        for act in inject.actions:
            if act.median is None:
                continue
            own = "" if act.simulated is None else f"; in this drill's simulation {act.simulated:.0f} min"
            parts.append(
                f"{act.id}: standard median {act.median:.0f} min, P90 {act.p90:.0f} min from "
                f"{len(self.samples.get(act.measure, []))} simulated cases{own}"
            )
        return " | ".join(parts)


def generate_drill(
    spec: DrillSpec, base_dir: Path, seed: int | None = None, source: Path | None = None
) -> Drill:
    """Generate a drill: resolve the templates, simulate the drill and its standards, build the MSEL."""
    seed = spec.seed if seed is None else seed
    hazards, drawn = resolve_templates(spec, seed, source)
    scenario = drill_scenario(spec, base_dir, hazards, source)
    drill = RunResult(scenario, seed, [simulate(scenario, 0, seed)])
    runs = RunResult(scenario, seed, [simulate(scenario, r, seed) for r in range(1, spec.standards + 1)])
    measures = _measures(runs)
    samples = {m: [v for rep in by_rep.values() for _, v in rep] for m, by_rep in measures.items()}
    own = {m: dict(by_rep.get(0, [])) for m, by_rep in _measures(drill).items()}
    injects = _Builder(spec, scenario, drill, samples, own).build()
    return Drill(
        spec, hazards, drawn, injects, samples, seed, scenario.spec.name, scenario.spec.run.utc_offset
    )
