"""What the response core works with: calls, units and their travel modes, assignment records.

An assignment record is a plain list, filled in as the assignment goes on; its fields are at the
positions named here (``record[ARRIVAL]`` ...), which :mod:`sim.engine.recording` reads.
"""

from __future__ import annotations

import math

from ..model.units import MODES, Unit, UnitInfo
from ..scenario.geography import node_positions, waterway_network
from ..scenario.loader import Scenario
from .scenes import FireScene, WorkScene
from .travel import DirectTravel, NearestNode, TravelTimes

__all__ = ["Call", "build_units", "queue_key", "travel_modes", "INCIDENT", "UNIT", "CAP", "FROM", "AWAY",
           "DISPATCH", "DEPART", "ARRIVAL", "LEAVE", "HOSPITAL", "FREE", "TRAVEL", "STOOD_DOWN",
           "WITHDRAWN"]

# positions in an assignment record
(INCIDENT, UNIT, CAP, FROM, AWAY, DISPATCH, DEPART, ARRIVAL, LEAVE, HOSPITAL, FREE, TRAVEL, STOOD_DOWN,
 WITHDRAWN) = range(14)
KMH_TO_M_PER_MIN = 1000.0 / 60.0


def travel_modes(scenario: Scenario) -> list:
    """Road, air and water oracles of the scenario (roads all open), built once and kept."""
    modes = scenario.cache.get("modes")
    if modes is None:
        spec = scenario.spec
        lon, lat = node_positions(scenario.travel, spec.region)
        ids = scenario.travel.node_ids
        # on a large network, rows from the facilities, columns toward the rest (see road_rows)
        sources = frozenset(scenario.node_index[f.node] for f in spec.facilities)
        road = TravelTimes(scenario.travel, sources=sources)
        if spec.dispatch.returning_position == "nearest_node":
            road.snap = NearestNode(lon, lat)
        water: TravelTimes | DirectTravel
        if spec.region.waterways is not None:
            network = waterway_network(spec.region.waterways, spec.region)
            water = TravelTimes(network, weights=network.km * 60.0, sources=sources)
        else:
            water = DirectTravel(ids, lon, lat, spec.region.water_detour)
        modes = scenario.cache["modes"] = [road, DirectTravel(ids, lon, lat), water]
    return modes


def build_units(scenario: Scenario) -> list[UnitInfo]:
    """One :class:`UnitInfo` per unit, numbered ``group#1``, ``group#2`` ... in file order
    (built once per scenario: they never change)."""
    infos = scenario.cache.get("units")
    if infos is None:
        infos = scenario.cache["units"] = _build_units(scenario)
    return infos


def _build_units(scenario: Scenario) -> list[UnitInfo]:
    facility_node = {f.id: scenario.node_index[f.node] for f in scenario.spec.facilities}
    infos: list[UnitInfo] = []
    for group in scenario.spec.units:
        mode = MODES.index(group.mode)
        if group.mode == "road":
            speed = group.speed_factor
        else:
            assert group.speed is not None  # the schema requires a speed for air and water units
            speed = float(group.speed)
        production = (group.line_production or 0.0) * KMH_TO_M_PER_MIN
        for k in range(group.count):
            infos.append(UnitInfo(
                index=len(infos), id=f"{group.group_id}#{k + 1}", group=group.group_id,
                type=group.type, capabilities=frozenset(group.capabilities), crew=group.crew,
                base=group.base, base_node=facility_node[group.base], speed_factor=speed,
                turnout=group.mutual_aid.activation if group.mutual_aid else group.turnout,
                mode=mode, availability=group.availability_by_hour, line_production=production,
                air=group.air_ops, mutual_aid=group.mutual_aid))
    return infos


class Call:
    """A reported incident being served: what it still needs, who is on it, its scene."""

    __slots__ = ("index", "type_name", "node", "priority", "call_time", "seq", "need", "required",
                 "slots", "assigned", "on_scene", "freed", "queued", "scene", "version", "over",
                 "modes", "leg", "end_at")

    def __init__(self, index: int, type_name: str, node: int, priority: int, call_time: float,
                 seq: int, need: dict[str, int], scene: WorkScene | FireScene,
                 modes: frozenset[int] | None, leg: float = 0.0) -> None:
        self.index = index
        self.type_name = type_name
        self.node = node
        self.priority = priority
        self.call_time = call_time
        self.seq = seq
        self.need = need
        self.required = sum(need.values())
        self.slots = 0
        self.assigned: list[tuple[Unit, list]] = []
        self.on_scene: list[tuple[Unit, list]] = []
        self.freed = 0
        self.queued = False
        self.scene = scene
        self.version = 0  # invalidates scene timers scheduled before the last change
        self.over = False
        self.modes = modes
        self.leg = leg  # network minutes from its node to its spot inside the node's area
        self.end_at = math.inf  # when the scene's end timer (last scheduled) fires


def queue_key(call: Call) -> tuple[int, int]:
    return call.priority, call.seq
