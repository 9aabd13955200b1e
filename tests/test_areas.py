"""A place is an area, not a point: incidents and evacuating households sit at spots inside a
settlement's area, so trips to and from them drive the stretch inside it (never 0 minutes)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from conftest import base_raw, load
from test_engine import incident, line_scenario, run_engine, unit

import sim
from sim.engine.streams import Streams
from sim.model.areas import area_km2, draw_legs, leg_scale, mean_leg_minutes, radius_km
from sim.model.exogenous import draw_replication


def test_an_area_comes_from_the_population_or_is_given():
    raw = base_raw()
    raw["region"]["areas"] = {"density": "500", "speed": "20 km/h", "detour": 1.5}
    raw["region"]["nodes"][1]["area_km2"] = 4.0
    raw["region"]["nodes"][2]["area_km2"] = 0  # a point
    region = load(raw).spec.region
    assert area_km2(region).tolist() == [1000 / 500, 4.0, 0.0]
    assert radius_km(region)[1] == pytest.approx(math.sqrt(4 / math.pi))
    # the stretch: R * sqrt(U) * detour / speed; mean two thirds of R
    scale = leg_scale(region)
    assert scale[1] == pytest.approx(math.sqrt(4 / math.pi) * 1.5 / 20 * 60)
    legs = draw_legs(scale, np.ones(200_000, dtype=np.int64), np.random.default_rng(1).random(200_000))
    assert legs.mean() == pytest.approx(mean_leg_minutes(region)[1], rel=0.01)
    assert legs.max() <= scale[1] and (legs > 0).all()


def test_points_have_no_area():
    raw = base_raw()
    raw["region"]["nodes"][0]["kind"] = "facility_site"
    raw["region"]["nodes"].append({"id": "j", "kind": "junction", "lon": 121.02, "lat": 30.71})
    raw["region"]["roads"]["edges"].append({"from": "a", "to": "j", "minutes": 1})
    assert area_km2(load(raw).spec.region).tolist()[0] == 0 and area_km2(load(raw).spec.region)[-1] == 0


def test_a_unit_of_the_same_village_still_drives_the_stretch_inside_it():
    """The station and the incident at node B: travel is the stretch, the response adds it."""
    scenario = line_scenario([unit("eng", "B")])
    _, inc, asg = run_engine(scenario, [incident(100, "B", leg=4.0)])
    assert asg["travel_minutes"].tolist() == [4.0]
    assert inc["first_arrival"].tolist() == [104.0]
    assert inc["response_time"].tolist() == [4.0]


def test_the_stretch_comes_on_top_of_the_road_and_back_again():
    """From A to an incident at C (20 network minutes) with a 3-minute stretch; after 30 minutes
    on scene the unit drives the stretch back to C, then the 20 minutes home."""
    scenario = line_scenario([unit("eng", "A")])
    _, inc, asg = run_engine(scenario, [incident(0, "C", leg=3.0, on_scene=30)])
    row = asg.iloc[0]
    assert row["travel_minutes"] == 23.0 and row["arrival"] == 23.0 and row["free"] == 53.0
    # a second call at A while it drives home: it is 3 + 20 minutes away when it leaves C
    _, inc2, asg2 = run_engine(scenario, [incident(0, "C", leg=3.0, on_scene=30), incident(53, "D")])
    second = asg2[asg2["incident"] == 1].iloc[0]
    assert second["was_away"] and second["travel_minutes"] == pytest.approx(3.0 + 10.0)


def test_an_unknown_stretch_of_a_point_is_zero():
    scenario = line_scenario([unit("eng", "A")])
    _, _, asg = run_engine(scenario, [incident(0, "A")])
    assert asg["travel_minutes"].tolist() == [0.0]


def test_evacuating_households_leave_from_spots_inside_their_village():
    raw = base_raw()
    raw["run"]["horizon"] = "6 d"
    raw["generators"] = [{"type": "fire", "rate": "1 / y"}]
    raw["hazards"] = [{"kind": "typhoon", "id": "t1", "at": "2 d", "lead": "24 h", "duration": "12 h",
                       "intensity": {"default": 1.0}}]
    raw["shelters"] = [{"id": "s-a", "node": "a", "capacity": 10_000}]
    raw["evacuation"] = {"zones": [{"hazard": "t1", "shelter_in_zone": True}], "departure": "15 min",
                         "compliance": 1,
                         "own_vehicle": 1, "groups_per_node": 4, "chain": {"township": "0 min",
                                                                           "village": "0 min",
                                                                           "household": "0 min"}}
    scenario = load(raw)
    moves = sim.simulate(scenario, 0, 1).table_frame("evacuation")
    region = scenario.spec.region
    radius = dict(zip((n.id for n in region.nodes), radius_km(region), strict=True))
    walk = scenario.spec.evacuation.walking
    on_foot = moves[moves["mode"] == "walk"]
    by_car = moves[moves["mode"] == "car"]
    assert len(on_foot) and len(by_car)
    stretch = on_foot["arrived"] - on_foot["left"]   # the shelter is at their own node
    assert (stretch > 0).all()
    assert (stretch <= radius["a"] * walk.detour / walk.speed * 60 + 1e-9).all()
    road = {"b": 5.0, "c": 8.0}
    for row in by_car.itertuples():
        extra = row.arrived - row.left - road[row.node]
        assert 0 < extra <= radius[row.node] * region.areas.detour / region.areas.speed * 60 + 1e-9


@pytest.mark.parametrize("name", ["pinghu", "fenghua", "qinhuangdao", "tiny"])
def test_built_in_scenarios_have_almost_no_zero_minute_trips(name):
    """Once 70 % of Pinghu's trips took 0 minutes (a unit and its incident on one lumped node)."""
    result = sim.run(sim.load_scenario(name), replications=1)
    travel = result.assignments["travel_minutes"].dropna()
    assert len(travel) > 20
    assert (travel <= 1e-9).mean() < 0.03


def test_incidents_at_given_points_are_served_at_their_nearest_place(tmp_path):
    """Spots from a file: each incident is at one of them (by weight), at its nearest place, and
    the stretch is the spot's real distance to that place at the areas' detour and speed."""
    raw = base_raw()
    raw["region"]["areas"] = {"speed": "30 km/h", "detour": 1.0}
    lon_a, lat_a = raw["region"]["nodes"][0]["lon"], raw["region"]["nodes"][0]["lat"]
    (tmp_path / "spots.csv").write_text(f"lon,lat,weight\n{lon_a + 0.01},{lat_a},3\n{lon_a},{lat_a},0\n",
                                        encoding="utf-8")
    raw["generators"] = [{"type": "fire", "rate": "2000 / y", "where": {"points": "spots.csv"}}]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    scenario = sim.load_scenario(path)
    spots = scenario.points["spots.csv"]
    assert spots.node.tolist() == [0, 0] and spots.weight.tolist() == [3, 0]
    km = float(sim.scenario.geography.haversine_km(lon_a + 0.01, lat_a, lon_a, lat_a))
    assert spots.leg[0] == pytest.approx(km / 30 * 60)
    incidents, _ = draw_replication(scenario, Streams(1, 0))
    assert len(incidents) > 50 and set(incidents.node.tolist()) == {0}
    assert np.allclose(incidents.leg, spots.leg[0])   # the weight-0 spot never comes up
    (tmp_path / "spots.csv").write_text("lon,lat\n121.0,95\n", encoding="utf-8")
    with pytest.raises(sim.ScenarioError, match=r"spots.csv:2: lat: lat must be a number from -90 to 90"):
        sim.load_scenario(path)
    spots_where = {"points": "spots.csv"}
    raw["hazards"] = [{"kind": "typhoon", "id": "t", "at": "1 d", "duration": "1 h",
                       "intensity": {"default": 1},
                       "incidents": [{"type": "fire", "rate": "1 / d", "where": spots_where}]}]
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(sim.ScenarioError, match="incident spots from a file are for generators"):
        sim.load_scenario(path)
