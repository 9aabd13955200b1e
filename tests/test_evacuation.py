"""Evacuation: the warning chain, compliance, travel modes, shelters, zones, and the plan drawn up front.

Small hand-built scenarios (the three-node county of ``conftest.base_raw``) with deterministic
delays, so that times in the records can be worked out by hand:

* roads a-b 5 km at 60 km/h (5 min), a-c 8 min, so b-c is 13 min by road;
* straight lines a-b about 4.8 km, a-c about 5.6 km (nothing is within the default 1.5 km walk);
* a scripted typhoon ``t1`` lands at day 2 (2880 min) after a 24 h lead, so the warning goes out
  at 1440 min; it lasts 12 h (ends at 3600 min).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import base_raw, load

import sim
from sim.engine.streams import Streams
from sim.model.evacuation_plan import draw_evacuation
from sim.model.exogenous import draw_replication
from sim.results.people_kpis import evacuation_kpis
from sim.results.records import ReplicationRecords
from sim.scenario.geography import haversine_km

WARNING = 1440.0       # landfall 2 d minus lead 24 h
LANDFALL = 2880.0
EVENT_END = 3600.0     # landfall + 12 h
CHAIN = {"township": "30 min", "village": "20 min", "household": "10 min"}
CHAIN_MINUTES = 30 + 20 + 10
DEPARTURE = 15.0
LEFT = WARNING + CHAIN_MINUTES + DEPARTURE  # 1515: when every ordinary group leaves


def typhoon(intensity: dict | None = None, **fields: object) -> dict:
    spec = {"kind": "typhoon", "id": "t1", "at": "2 d", "lead": "24 h", "duration": "12 h",
            "intensity": {"default": 1.0} if intensity is None else intensity}
    spec.update(fields)
    return spec


def scenario_raw(intensity: dict | None = None, shelters: list[dict] | None = None,
                 hazards: list[dict] | None = None, **evacuation: object) -> dict:
    """The base county with a typhoon, shelters, and a deterministic evacuation section;
    ``evacuation`` keys override the section's (own_vehicle 1 by default: no buses needed)."""
    raw = base_raw()
    for node in raw["region"]["nodes"]:
        node["area_km2"] = 0  # points: times worked out by hand (stretches inside areas: own tests)
    raw["run"]["horizon"] = "6 d"
    raw["generators"] = [{"type": "fire", "rate": "1 / y"}]
    raw["facilities"].append({"id": "bd", "kind": "bus_depot", "node": "a"})
    raw["facilities"].append({"id": "pier", "kind": "team_base", "node": "a"})
    raw["hazards"] = hazards if hazards is not None else [typhoon(intensity)]
    raw["shelters"] = shelters if shelters is not None else [{"id": "s-a", "node": "a", "capacity": 10_000}]
    # shelters inside the zone allowed: these tests time the trips to them (leaving the zone:
    # tests/test_evacuation_zones.py)
    section = {"zones": [{"hazard": "t1", "shelter_in_zone": True}], "chain": dict(CHAIN),
               "departure": "15 min",
               "compliance": 1, "own_vehicle": 1, "groups_per_node": 4}
    section.update(evacuation)
    raw["evacuation"] = section
    return raw


def run(raw: dict, seed: int = 1) -> ReplicationRecords:
    return sim.simulate(load(raw), 0, seed)


def tables(records) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (records.table_frame("evacuation"), records.table_frame("evacuation_nodes"),
            records.table_frame("shelter_occupancy"))


def node_row(nodes: pd.DataFrame, node: str) -> pd.Series:
    rows = nodes[nodes["node"] == node]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def straight_km(raw: dict, a: str, b: str) -> float:
    where = {n["id"]: (n["lon"], n["lat"]) for n in raw["region"]["nodes"]}
    return float(haversine_km(*where[a], *where[b]))


def kpis(records) -> pd.DataFrame:
    moves, nodes, occupancy = tables(records)
    return evacuation_kpis(nodes, moves, occupancy, [records.replication],
                           list(dict.fromkeys(nodes["hazard"])))


# ---------------------------------------------------------------- 1. warning chain timing


def test_every_group_leaves_after_the_whole_chain_and_departure_delay():
    moves, nodes, _ = tables(run(scenario_raw()))
    assert set(moves["node"]) == {"a", "b", "c"}
    assert moves["left"].tolist() == pytest.approx([LEFT] * len(moves))
    assert (nodes["warned"] == WARNING).all()
    assert (nodes["impact"] == LANDFALL).all()
    # four household groups per node, each on its own row (a walks to its own shelter, b and c drive)
    assert moves.groupby("node").size().to_dict() == {"a": 4, "b": 4, "c": 4}
    assert set(moves.loc[moves["node"] == "a", "mode"]) == {"walk"}
    assert set(moves.loc[moves["node"] != "a", "mode"]) == {"car"}
    # arrivals: on foot at once (same node), by car after the road time to a
    arrived = moves.groupby("node")["arrived"].unique().to_dict()
    assert {k: v.tolist() for k, v in arrived.items()} == {"a": [LEFT], "b": [LEFT + 5], "c": [LEFT + 8]}


@pytest.mark.parametrize("township, village, household, departure, minutes", [
    ("1 h", "0 min", "0 min", "0 min", 60),
    ("0 min", "25 min", "0 min", "0 min", 25),
    ("0 min", "0 min", "45 min", "2 h", 165),
])
def test_chain_delays_add_up(township, village, household, departure, minutes):
    raw = scenario_raw(chain={"township": township, "village": village, "household": household},
                       departure=departure)
    moves, _, _ = tables(run(raw))
    assert moves["left"].tolist() == pytest.approx([WARNING + minutes] * len(moves))


def test_vulnerable_people_are_reached_one_to_one_on_their_own_track():
    raw = scenario_raw(vulnerable={"share": 0.1, "delay": "2 h"})
    moves, nodes, _ = tables(run(raw))
    vulnerable = moves[moves["vulnerable"]]
    others = moves[~moves["vulnerable"]]
    assert vulnerable["left"].tolist() == pytest.approx([WARNING + 120 + DEPARTURE] * len(vulnerable))
    assert others["left"].tolist() == pytest.approx([LEFT] * len(others))
    assert vulnerable.groupby("node")["people"].sum().to_dict() == {"a": 100, "b": 50, "c": 50}
    assert nodes.set_index("node")["vulnerable"].to_dict() == {"a": 100, "b": 50, "c": 50}
    assert (nodes["vulnerable_reached_before_impact"] == nodes["vulnerable"]).all()
    assert kpis(run(raw)).iloc[-1]["vulnerable_reached"] == 1.0


def test_vulnerable_reached_after_impact_are_not_counted_as_reached_in_time():
    raw = scenario_raw(vulnerable={"share": 0.1, "delay": "30 h"})  # 1440 + 1800 > 2880
    records = run(raw)
    _, nodes, _ = tables(records)
    assert nodes["vulnerable"].sum() == 200
    assert nodes["vulnerable_reached_before_impact"].sum() == 0
    assert kpis(records).iloc[-1]["vulnerable_reached"] == 0.0
    # they still leave (after impact): 200 of 2000 told were still there at landfall
    assert nodes["at_risk_at_impact"].sum() == 200


# ---------------------------------------------------------------- 2. compliance


def test_nobody_moves_without_compliance():
    records = run(scenario_raw(compliance=0))
    moves, nodes, occupancy = tables(records)
    assert len(moves) == 0 and len(occupancy) == 0
    assert nodes.set_index("node")["told"].to_dict() == {"a": 1000, "b": 500, "c": 500}
    assert (nodes["compliant"] == 0).all() and (nodes["left"] == 0).all()
    assert (nodes["at_risk_at_impact"] == nodes["told"]).all()
    row = kpis(records).iloc[-1]
    assert row["at_risk_at_impact"] == 2000 and row["evacuated_before_impact"] == 0.0


def test_everyone_told_leaves_with_full_compliance_and_enough_transport():
    records = run(scenario_raw(own_vehicle=0.5, buses={"depot": "bd", "count": 20, "capacity": 50}))
    moves, nodes, _ = tables(records)
    assert (nodes["left"] == nodes["told"]).all()
    assert (nodes["compliant"] == nodes["told"]).all()
    assert (nodes["left_before_impact"] == nodes["told"]).all()
    assert (nodes["at_risk_at_impact"] == 0).all()
    assert moves.groupby("node")["people"].sum().to_dict() == {"a": 1000, "b": 500, "c": 500}
    assert not nodes["cleared"].isna().any()
    row = kpis(records).iloc[-1]
    assert row["told"] == 2000 and row["evacuated_before_impact"] == 1.0
    assert row["villages_not_cleared"] == 0


def test_partial_compliance_is_a_binomial_share_of_each_group():
    records = run(scenario_raw(compliance=0.5, groups_per_node=50))
    moves, nodes, _ = tables(records)
    assert (nodes["left"] == nodes["compliant"]).all()
    share = nodes["compliant"].sum() / nodes["told"].sum()
    assert 0.4 < share < 0.6
    assert (nodes["at_risk_at_impact"] == nodes["told"] - nodes["compliant"]).all()


# ---------------------------------------------------------------- 3. modes


def test_people_walk_to_a_shelter_at_their_own_node():
    moves, nodes, _ = tables(run(scenario_raw(intensity={"a": 1.0})))
    assert set(moves["node"]) == {"a"}
    assert set(moves["mode"]) == {"walk"}
    assert (moves["arrived"] == moves["left"]).all()
    assert moves["people"].sum() == 1000


@pytest.mark.parametrize("max_km, mode", [(6.0, "car"), (6.5, "walk")])
def test_walking_range_is_straight_line_times_detour(max_km, mode):
    raw = scenario_raw(intensity={"b": 1.0}, walking={"max_km": max_km, "speed": "4 km/h", "detour": 1.3})
    km = straight_km(raw, "a", "b")
    assert 6.0 < km * 1.3 < 6.5
    moves, _, _ = tables(run(raw))
    assert set(moves["mode"]) == {mode}
    minutes = km * 1.3 / 4 * 60 if mode == "walk" else 5.0
    assert (moves["arrived"] - moves["left"]).tolist() == pytest.approx([minutes] * len(moves))


def test_car_owners_drive_and_the_rest_wait_for_buses_that_shuttle():
    # 70 people at b: 35 drive; 35 wait for the one bus of 10 seats based at a (5 min away).
    # Each trip: 5 min to b, 10 min loading, 5 min back to the shelter at a: a 20 min round trip.
    raw = scenario_raw(intensity={"b": 1.0}, own_vehicle=0.5, groups_per_node=1,
                       buses={"depot": "bd", "count": 1, "capacity": 10})
    raw["region"]["nodes"][1]["population"] = 70
    moves, nodes, _ = tables(run(raw))
    cars = moves[moves["mode"] == "car"]
    buses = moves[moves["mode"] == "bus"].sort_values("left")
    assert cars["people"].tolist() == [35]
    assert cars["left"].tolist() == [LEFT] and cars["arrived"].tolist() == [LEFT + 5]
    assert buses["people"].tolist() == [10, 10, 10, 5]
    assert buses["left"].tolist() == pytest.approx([LEFT + 15, LEFT + 35, LEFT + 55, LEFT + 75])
    assert buses["arrived"].tolist() == pytest.approx([LEFT + 20, LEFT + 40, LEFT + 60, LEFT + 80])
    assert set(moves["mode"]) == {"car", "bus"}
    row = node_row(nodes, "b")
    assert row["left"] == 70 and row["cleared"] == LEFT + 75


def test_more_buses_shorten_the_shuttle():
    raw = scenario_raw(intensity={"b": 1.0}, own_vehicle=0.5, groups_per_node=1,
                       buses={"depot": "bd", "count": 4, "capacity": 10})
    raw["region"]["nodes"][1]["population"] = 70
    moves, nodes, _ = tables(run(raw))
    buses = moves[moves["mode"] == "bus"]
    assert sorted(buses["people"].tolist()) == [5, 10, 10, 10]
    assert buses["left"].tolist() == pytest.approx([LEFT + 15] * 4)
    assert node_row(nodes, "b")["cleared"] == LEFT + 15


def cut_off_raw(**evacuation: object) -> dict:
    """b's only road is cut at landfall (within the typhoon's first minute) and stays cut; the warning
    comes 10 min before landfall, so b's people set off (at landfall + 65 min) with b cut off."""
    hazard = typhoon({"b": 1.0}, lead="10 min", duration="1 min",
                     road_cuts={"probability": 0.0, "tags": {"cutme": 1.0}, "repair": "10 d"})
    raw = scenario_raw(hazards=[hazard], own_vehicle=0.5, groups_per_node=1,
                       buses={"depot": "bd", "count": 5, "capacity": 40}, **evacuation)
    raw["region"]["roads"]["edges"][0]["tags"] = ["cutme"]
    raw["region"]["nodes"][1]["population"] = 20
    return raw


def test_a_node_cut_off_by_road_is_evacuated_by_boat_only():
    raw = cut_off_raw(boats={"base": "pier", "count": 1, "capacity": 8, "speed": "15 km/h",
                             "load_time": "5 min"})
    records = run(raw)
    closures = records.table_frame("road_closures")
    assert len(closures) == 1 and closures["start"].iloc[0] < LANDFALL + 1
    moves, nodes, _ = tables(records)
    assert set(moves["mode"]) == {"boat"}
    moves = moves.sort_values("left")
    assert moves["people"].tolist() == [8, 8, 4]
    boat = straight_km(raw, "a", "b") * 1.3 * 60 / 15  # water: straight line times water_detour
    departs = LANDFALL - 10 + CHAIN_MINUTES + DEPARTURE
    expected_left = [departs + boat + 5 + k * (2 * boat + 5) for k in range(3)]
    assert moves["left"].tolist() == pytest.approx(expected_left)
    assert (moves["arrived"] - moves["left"]).tolist() == pytest.approx([boat] * 3)
    row = node_row(nodes, "b")
    assert row["left"] == 20 and row["cleared"] == pytest.approx(expected_left[-1])


def test_without_boats_a_cut_off_node_waits_for_the_road():
    """No boat and no shelter in reach: the people of a cut-off node wait until the road reopens,
    then buses fetch them all (cars left behind too); within the run's horizon before the repair,
    the node is never cleared."""
    records = run(cut_off_raw())
    moves, nodes, _ = tables(records)
    reopened = records.table_frame("road_closures")["end"].iloc[0]
    assert set(moves["mode"]) == {"bus"} and moves["people"].sum() == 20
    assert (moves["left"] >= reopened).all()
    row = node_row(nodes, "b")
    assert row["told"] == 20 and row["compliant"] == 20 and row["left"] == 20
    assert row["at_risk_at_impact"] == 20
    short = {"run.horizon": "5 d", "run.drain": False}
    early = sim.simulate(sim.load_scenario_data(cut_off_raw(), overrides=short), 0)
    moves, nodes, _ = tables(early)
    assert len(moves) == 0 and math.isnan(node_row(nodes, "b")["cleared"])
    assert kpis(early).iloc[-1]["villages_not_cleared"] == 1


def test_without_boats_people_of_a_cut_off_node_walk_to_a_shelter_in_reach_even_when_full():
    # d is about 1 km from b (a walk), but by road only through a: with b's road cut, b is cut off
    raw = cut_off_raw()
    raw["region"]["nodes"].append({"id": "d", "kind": "village", "lon": 121.06, "lat": 30.70})
    raw["region"]["roads"]["edges"].append({"from": "a", "to": "d", "km": 6})
    raw["shelters"].append({"id": "s-d", "node": "d", "capacity": 5})
    moves, nodes, _ = tables(run(raw))
    got = sorted((r.shelter, r.people, r.mode, r.overflow) for r in moves.itertuples())
    assert got == [("s-d", 5, "walk", False), ("s-d", 15, "walk", True)]
    walk = straight_km(raw, "b", "d") * 1.3 / 4 * 60
    assert (moves["arrived"] - moves["left"]).tolist() == pytest.approx([walk, walk])
    assert node_row(nodes, "b")["left"] == 20


def test_people_on_a_bus_stranded_by_a_road_cut_leave_when_the_road_reopens():
    # warning 80 min before landfall: people at b set off 5 min before landfall; the bus from a
    # arrives at b at landfall and loads for 10 min; b's road is cut in the first minute after landfall
    hazard = typhoon({"b": 1.0}, lead="80 min", duration="1 min",
                     road_cuts={"probability": 0.0, "tags": {"cutme": 1.0}, "repair": "2 h"})
    raw = scenario_raw(hazards=[hazard], own_vehicle=0, groups_per_node=1,
                       buses={"depot": "bd", "count": 1, "capacity": 40})
    raw["region"]["roads"]["edges"][0]["tags"] = ["cutme"]
    raw["region"]["nodes"][1]["population"] = 20
    records = run(raw)
    closure = records.table_frame("road_closures").iloc[0]
    assert LANDFALL < closure["start"] < LANDFALL + 1
    moves, nodes, _ = tables(records)
    row = node_row(nodes, "b")
    assert row["left"] == 20
    assert moves["left"].min() >= closure["end"]
    assert not math.isnan(row["cleared"])


# ---------------------------------------------------------------- 4. shelters


def two_shelters(cap_a: int, cap_c: int, **evacuation: object) -> dict:
    """100 people at b drive (one group): the shelter at a is 5 min away, the one at c 13 min
    (listed first, so that nearness, not order, decides)."""
    raw = scenario_raw(intensity={"b": 1.0}, groups_per_node=1, return_after="6 h",
                       shelters=[{"id": "s-c", "node": "c", "capacity": cap_c},
                                 {"id": "s-a", "node": "a", "capacity": cap_a}], **evacuation)
    raw["region"]["nodes"][1]["population"] = 100
    return raw


def test_nearest_shelter_with_room_first_then_the_next():
    moves, _, occupancy = tables(run(two_shelters(30, 1000)))
    got = {(r.shelter, r.people, r.overflow, r.arrived) for r in moves.itertuples()}
    assert got == {("s-a", 30, False, LEFT + 5), ("s-c", 70, False, LEFT + 13)}
    peak = occupancy.groupby("shelter")["occupancy"].max().to_dict()
    assert peak == {"s-a": 30, "s-c": 70}


def test_when_all_shelters_are_full_the_rest_go_to_the_nearest_as_overflow():
    records = run(two_shelters(30, 20))
    moves, _, occupancy = tables(records)
    got = sorted((r.shelter, r.people, r.overflow) for r in moves.itertuples())
    assert got == [("s-a", 30, False), ("s-a", 50, True), ("s-c", 20, False)]
    overflow = moves[moves["overflow"]].groupby("shelter")["people"].sum()
    peak = occupancy.groupby("shelter")["occupancy"].max()
    capacity = occupancy.groupby("shelter")["capacity"].first()
    for shelter in peak.index:
        assert peak[shelter] == min(capacity[shelter] + overflow.get(shelter, 0),
                                    moves.loc[moves["shelter"] == shelter, "people"].sum())
    assert peak.to_dict() == {"s-a": 80, "s-c": 20}
    row = kpis(records).iloc[-1]
    assert row["overflow"] == 50 and row["shelter_peak"] == 100


def test_people_go_home_return_after_the_event_ends():
    _, _, occupancy = tables(run(two_shelters(30, 1000)))
    last = occupancy.sort_values("time").groupby("shelter").last()
    assert last["occupancy"].to_dict() == {"s-a": 0, "s-c": 0}
    assert last["time"].tolist() == pytest.approx([EVENT_END + 360] * 2)


def test_people_arriving_after_the_return_time_go_home_too():
    # 2000 people, one 10-seat bus on 20 min round trips: 200 trips, the last leaving at 1515 + 15 +
    # 199 * 20 = 5510 min, well after the return at 3600 + 6 h = 3960 min
    raw = scenario_raw(intensity={"b": 1.0}, own_vehicle=0, groups_per_node=1, return_after="6 h",
                       buses={"depot": "bd", "count": 1, "capacity": 10})
    raw["region"]["nodes"][1]["population"] = 2000
    moves, _, occupancy = tables(run(raw))
    assert moves["people"].sum() == 2000
    assert moves["arrived"].max() == pytest.approx(LEFT + 15 + 199 * 20 + 5)
    assert occupancy.sort_values("time", kind="stable")["occupancy"].iloc[-1] == 0


def test_occupancy_never_exceeds_capacity_but_by_the_overflow():
    # random chain and departures, many groups, little room: a busier check of the same rule
    raw = scenario_raw(shelters=[{"id": "s-a", "node": "a", "capacity": 700},
                                 {"id": "s-b", "node": "b", "capacity": 300},
                                 {"id": "s-c", "node": "c", "capacity": 200}],
                       chain={}, departure={"dist": "exponential", "mean": "45 min"}, compliance=0.9,
                       own_vehicle=0.5, groups_per_node=12,
                       buses={"depot": "bd", "count": 3, "capacity": 40})
    for seed in (1, 2, 3):
        moves, _, occupancy = tables(run(raw, seed))
        overflow = moves[moves["overflow"]].groupby("shelter")["people"].sum()
        assert overflow.sum() > 0
        for shelter, log in occupancy.groupby("shelter"):
            capacity = log["capacity"].iloc[0]
            assert log["occupancy"].max() <= capacity + overflow.get(shelter, 0)
            assert log.sort_values("time", kind="stable")["occupancy"].iloc[-1] == 0


# ---------------------------------------------------------------- 5. zones


def test_min_intensity_selects_the_nodes():
    raw = scenario_raw(intensity={"a": 0.4, "b": 0.6, "c": 0.9})
    raw["evacuation"]["zones"] = [{"hazard": "t1", "min_intensity": 0.6}]
    _, nodes, _ = tables(run(raw))
    assert sorted(nodes["node"]) == ["b", "c"]


def test_zone_tags_restrict_the_nodes():
    raw = scenario_raw(intensity={"a": 0.4, "b": 0.6, "c": 0.9})
    raw["evacuation"]["zones"] = [{"hazard": "t1", "min_intensity": 0.3, "tags": ["forest"]}]
    _, nodes, _ = tables(run(raw))
    assert nodes["node"].tolist() == ["c"]


@pytest.mark.parametrize("share", [0.25, 0.3, 0.77])
def test_share_scales_the_people_told(share):
    raw = scenario_raw()
    raw["region"]["nodes"][1]["population"] = 333
    raw["evacuation"]["zones"] = [{"hazard": "t1", "share": share, "shelter_in_zone": True}]
    moves, nodes, _ = tables(run(raw))
    told = nodes.set_index("node")["told"].to_dict()
    assert told == {"a": round(1000 * share), "b": round(333 * share), "c": round(500 * share)}
    assert moves.groupby("node")["people"].sum().to_dict() == told


@pytest.mark.parametrize("hazard", ["t1", "typhoon"])
def test_a_zone_names_its_hazard_by_id_or_kind(hazard):
    raw = scenario_raw()
    raw["evacuation"]["zones"] = [{"hazard": hazard}]
    _, nodes, _ = tables(run(raw))
    assert nodes["told"].sum() == 2000
    assert set(nodes["hazard"]) == {"t1"}


def test_a_zone_for_another_hazard_does_not_fire():
    raw = scenario_raw()
    raw["hazards"].append({"kind": "heavy_rain", "id": "rain", "at": "4 d", "lead": "6 h",
                           "duration": "6 h", "intensity": {"default": 1.0}})
    raw["evacuation"]["zones"] = [{"hazard": "rain"}]
    _, nodes, _ = tables(run(raw))
    assert set(nodes["hazard"]) == {"rain"}
    assert (nodes["warned"] == 4 * 1440 - 360).all()


def test_a_zone_own_chain_and_departure_override_the_sections():
    raw = scenario_raw()
    raw["evacuation"]["zones"] = [
        {"hazard": "t1", "tags": ["forest"], "departure": "5 min", "shelter_in_zone": True,
         "chain": {"township": "1 h", "village": "1 h", "household": "1 h"}},
        {"hazard": "t1", "shelter_in_zone": True},  # the rest (c is taken by the first zone)
    ]
    moves, nodes, _ = tables(run(raw))
    left = moves.groupby("node")["left"].unique().to_dict()
    assert {k: v.tolist() for k, v in left.items()} == {"a": [LEFT], "b": [LEFT], "c": [WARNING + 180 + 5]}
    assert sorted(nodes["node"]) == ["a", "b", "c"]  # c counted once


def test_a_chemical_accident_warns_when_it_happens():
    chem = {"kind": "chemical", "id": "leak", "at": "2 d", "node": "b",
            "outcomes": {"leak": {"probability": 1, "incident_type": "fire", "radius": "1 km"}}}
    raw = scenario_raw(hazards=[chem])
    raw["evacuation"]["zones"] = [{"hazard": "chemical", "min_intensity": 1.0}]
    records = run(raw)
    moves, nodes, _ = tables(records)
    row = node_row(nodes, "b")  # only b lies within 1 km of the site
    assert len(nodes) == 1
    assert row["warned"] == row["impact"] == LANDFALL
    assert moves["left"].tolist() == pytest.approx([LANDFALL + CHAIN_MINUTES + DEPARTURE] * len(moves))
    assert row["at_risk_at_impact"] == row["told"] == 500
    assert kpis(records).iloc[0]["warning_hours"] == 0.0


# ---------------------------------------------------------------- 6. the plan is drawn up front


def random_raw(shelters: list[dict], **evacuation: object) -> dict:
    vulnerable = {"share": 0.1, "delay": {"dist": "uniform", "low": "30 min", "high": "3 h"}}
    return scenario_raw(shelters=shelters, chain={}, departure={"dist": "exponential", "mean": "45 min"},
                        compliance=0.8, vulnerable=vulnerable, groups_per_node=6, **evacuation)


def departures(records) -> pd.Series:
    moves = records.table_frame("evacuation")
    return moves.groupby(["node", "vulnerable", "left"])["people"].sum()


def test_the_same_seed_gives_the_same_departures_whatever_the_shelters():
    one = random_raw([{"id": "s-a", "node": "a", "capacity": 10_000}])
    other = random_raw([{"id": "s-c", "node": "c", "capacity": 300},
                        {"id": "s-b", "node": "b", "capacity": 900},
                        {"id": "s-x", "node": "a", "capacity": 50}])
    first, second = run(one, 7), run(other, 7)
    assert set(first.table_frame("evacuation")["shelter"]) != set(second.table_frame("evacuation")["shelter"])
    pd.testing.assert_series_equal(departures(first), departures(second))
    columns = ["node", "warned", "told", "compliant", "left", "left_before_impact", "vulnerable",
               "vulnerable_reached_before_impact", "cleared"]
    pd.testing.assert_frame_equal(first.table_frame("evacuation_nodes")[columns],
                                  second.table_frame("evacuation_nodes")[columns])
    # and the same seed twice gives identical tables
    pd.testing.assert_frame_equal(first.table_frame("evacuation"), run(one, 7).table_frame("evacuation"))


def test_different_seeds_give_different_plans():
    raw = random_raw([{"id": "s-a", "node": "a", "capacity": 10_000}])
    a, b = departures(run(raw, 7)), departures(run(raw, 8))
    assert not a.index.equals(b.index)


def test_the_plan_does_not_depend_on_buses_or_units():
    raw = random_raw([{"id": "s-a", "node": "a", "capacity": 10_000}])
    scenario = load(raw)
    raw2 = random_raw([{"id": "s-c", "node": "c", "capacity": 10}], own_vehicle=0.2,
                      buses={"depot": "bd", "count": 1, "capacity": 5})
    raw2["units"][0]["count"] = 7
    scenario2 = load(raw2)
    plans = []
    for sc in (scenario, scenario2):
        _, timeline = draw_replication(sc, Streams(5, 0))
        assert timeline.evacuation == draw_evacuation(sc, Streams(5, 0), timeline)
        plans.append(timeline.evacuation)
    assert plans[0] == plans[1]
    assert len(plans[0]) == 3 * 7  # 6 household groups and one vulnerable group per node
    assert {g.node for g in plans[0]} == {0, 1, 2}
    assert all(g.departs >= g.reached >= g.warned for g in plans[0])
    assert np.isclose(sum(g.people for g in plans[0]), 2000)
