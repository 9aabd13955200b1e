"""Evacuation that leaves the danger: a shelter inside the zone people are in danger from is
never chosen (unless the zone allows ``shelter_in_zone``), a chemical radius takes the share of
each place's area inside it, and the warning lead moves "left before impact" (on the three-node
county of ``test_evacuation`` and on Pinghu)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import SCENARIOS
from test_evacuation import LANDFALL, run, scenario_raw, tables

import sim
from sim.engine.streams import Streams
from sim.model.exogenous import draw_replication

SHELTERS = [{"id": "s-a", "node": "a", "capacity": 10_000}, {"id": "s-b", "node": "b", "capacity": 10_000}]


def flood_at_b(**zone: object) -> dict:
    """A typhoon that threatens b alone; shelters at a (5 min away by road) and at b itself."""
    return scenario_raw(intensity={"b": 1.0}, shelters=SHELTERS, zones=[{"hazard": "t1", **zone}])


def test_people_leave_the_zone_they_are_in_danger_from():
    moves, nodes, _ = tables(run(flood_at_b()))
    assert set(nodes["node"]) == {"b"} and len(moves)
    assert set(moves["shelter"]) == {"s-a"}       # never the shelter inside the zone
    assert set(moves["mode"]) == {"car"}
    assert (moves["arrived"] - moves["left"]).tolist() == pytest.approx([5.0] * len(moves))


def test_a_zone_may_allow_sheltering_inside_it():
    moves, _, _ = tables(run(flood_at_b(shelter_in_zone=True)))
    assert set(moves["shelter"]) == {"s-b"}       # their own village's shelter, nearest
    assert set(moves["mode"]) == {"walk"}


def test_with_no_safe_shelter_nobody_is_sent_into_the_zone():
    raw = flood_at_b()
    raw["shelters"] = [SHELTERS[1]]               # only the one inside the zone
    moves, nodes, _ = tables(run(raw))
    assert len(moves) == 0
    assert node_told(nodes, "b") > 0


def node_told(nodes, node: str) -> int:
    return int(nodes.loc[nodes["node"] == node, "told"].iloc[0])


def chemical_raw(radius: str) -> dict:
    chem = {"kind": "chemical", "id": "leak", "at": "2 d", "node": "b",
            "outcomes": {"leak": {"probability": 1, "incident_type": "fire", "radius": radius}}}
    raw = scenario_raw(hazards=[chem], shelters=SHELTERS, zones=[{"hazard": "chemical", "min_intensity": 0}])
    raw["region"]["nodes"][1]["area_km2"] = 1.0     # b covers 1 km^2: a disc of radius 0.564 km
    return raw


def test_a_chemical_radius_takes_the_share_of_the_area_inside_it_out_of_the_radius():
    moves, nodes, _ = tables(run(chemical_raw("0.3 km")))
    share = (0.3 / math.sqrt(1.0 / math.pi)) ** 2  # the circle lies inside b's disc
    assert node_told(nodes, "b") == round(500 * share)
    assert set(moves["shelter"]) == {"s-a"}         # b's own shelter is inside the radius
    assert (moves["left"] >= LANDFALL).all()


def test_a_chemical_radius_covering_a_place_whole_takes_all_its_people():
    _, nodes, _ = tables(run(chemical_raw("2 km")))
    assert node_told(nodes, "b") == 500


def test_pinghu_typhoon_evacuees_leave_the_flood_prone_places():
    """Pinghu: every typhoon evacuee shelters outside the flood-prone places the zone covers
    (before, 97 % stayed at their own node, a mean trip of 0.19 min)."""
    scenario = sim.load_scenario(SCENARIOS / "pinghu.yaml", {"run.horizon": "4 y"})
    records = sim.simulate(scenario, 0)
    moves = records.table_frame("evacuation")
    typhoon_moves = moves[moves["hazard"] == "typhoons"]
    assert len(typhoon_moves) > 10
    shelter_node = {s.id: s.node for s in scenario.spec.shelters}
    _, timeline = draw_replication(scenario, Streams(scenario.spec.run.seed, 0))
    avoid = {g.node: g.avoid for g in timeline.evacuation}
    for row in typhoon_moves.itertuples():
        assert scenario.node_index[shelter_node[row.shelter]] not in avoid[scenario.node_index[row.node]]
    assert (typhoon_moves["node"] != typhoon_moves["shelter"].map(shelter_node)).all()
    trip = (typhoon_moves["arrived"] - typhoon_moves["left"]) * typhoon_moves["people"]
    assert trip.sum() / typhoon_moves["people"].sum() > 3.0


def test_pinghu_chemical_evacuees_never_shelter_inside_the_radius():
    scenario = sim.load_scenario(SCENARIOS / "pinghu.yaml",
                                 {"run.horizon": "2 y", "hazards.dushan-chemical.rate": "10 / y"})
    _, timeline = draw_replication(scenario, Streams(scenario.spec.run.seed, 0))
    chemical = [e for e in timeline.events if e.kind == "chemical"]
    assert chemical
    records = sim.simulate(scenario, 0)
    moves = records.table_frame("evacuation")
    mine = moves[moves["hazard"] == "dushan-chemical"]
    assert len(mine)
    shelter_node = {s.id: scenario.node_index[s.node] for s in scenario.spec.shelters}
    for event in chemical:
        inside = set(np.nonzero(event.danger)[0].tolist())
        assert not inside & set(mine.loc[mine["event"] == event.name, "shelter"].map(shelter_node))


def test_a_shorter_warning_lead_leaves_more_people_in_the_zone_at_impact():
    """Pinghu's typhoons: with a 48 h lead nearly everyone who complies is out before landfall;
    with 3 h, the chain and the departures take most of it."""
    base = sim.load_scenario(SCENARIOS / "pinghu.yaml")
    left = {}
    for lead in ("48 h", "3 h"):
        result = sim.run(base.with_overrides({"hazards.typhoons.lead": lead}), replications=5)
        left[lead] = result.evacuation_summary["typhoons"]["evacuated_before_impact"].mean
    assert left["48 h"] > 0.85
    assert left["3 h"] < left["48 h"] - 0.2
