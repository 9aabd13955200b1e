"""Invariants of evacuation and relief supplies, checked with hypothesis over seeds, layouts and
stock: people and goods are conserved, shelters hold no more than their capacity unless the
overflow is recorded, stock is never negative, and more stock of an item never leaves more of it short."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim

# A county town, a flood-prone village on the river, a hill village up a mountain road, a city
# outside; a scripted typhoon (warned a day ahead) and chemical accidents at the park.
PEOPLE_AND_SUPPLIES = {
    "name": "People and supplies test county",
    "region": {
        "nodes": [
            {"id": "town", "kind": "township", "lon": 121.40, "lat": 29.66, "population": 6000,
             "area": "centre"},
            {"id": "river", "kind": "village", "lon": 121.46, "lat": 29.64, "population": 3000,
             "tags": ["flood-prone"], "area": "east"},
            {"id": "hill", "kind": "village", "lon": 121.30, "lat": 29.70, "population": 1500,
             "tags": ["mountain", "flood-prone"], "area": "west"},
            {"id": "park", "kind": "facility_site", "lon": 121.50, "lat": 29.60, "population": 400,
             "tags": ["chemical"], "area": "east"},
            {"id": "city", "kind": "junction", "lon": 121.55, "lat": 29.85},
        ],
        "roads": {"speeds": {"default": "50 km/h"},
                  "edges": [{"from": "town", "to": "river", "km": 7},
                            {"from": "town", "to": "hill", "km": 12, "tags": ["mountain"]},
                            {"from": "town", "to": "park", "km": 14},
                            {"from": "town", "to": "city", "km": 30}]},
    },
    "facilities": [{"id": "fs", "kind": "fire_station", "node": "town"},
                   {"id": "bus", "kind": "bus_depot", "node": "town"},
                   {"id": "boats", "kind": "team_base", "node": "river"}],
    "units": [{"type": "engine", "capabilities": ["fire", "water_rescue"], "base": "fs", "count": 2}],
    "incident_types": {"fire": {"requires": {"fire": 1}, "on_scene": "30 min"},
                       "flood_rescue": {"requires": {"water_rescue": 1}, "on_scene": "1 h"},
                       "leak": {"requires": {"fire": 1}, "on_scene": "2 h"}},
    "generators": [{"type": "fire", "rate": "50 / y"}],
    "hazards": [
        {"kind": "typhoon", "id": "storm", "at": "3 d",
         "lead": {"dist": "uniform", "low": "12 h", "high": "36 h"},
         "duration": "24 h", "intensity": {"default": 0.5, "tag:flood-prone": 1.0},
         "incidents": [{"type": "flood_rescue", "rate": "4 / d", "where": {"tags": ["flood-prone"]}}],
         "road_cuts": {"tags": {"mountain": 0.7},
                       "repair": {"dist": "uniform", "low": "6 h", "high": "30 h"}}},
        {"kind": "chemical", "id": "park-leaks", "rate": "4 / y", "where": {"tags": ["chemical"]},
         "outcomes": {"leak": {"probability": 1.0, "incident_type": "leak", "radius": "5 km"}}},
    ],
    "shelters": [{"id": "sh-town", "node": "town", "capacity": 600},
                 {"id": "sh-river", "node": "river", "capacity": 150},
                 {"id": "sh-city", "node": "city", "capacity": 300}],
    "evacuation": {
        # the storm's evacuees may shelter in the zone (the river's own shelter, which its
        # township depot supplies); a leak's leave the radius (the default)
        "zones": [{"hazard": "storm", "min_intensity": 0.8, "share": 0.3, "shelter_in_zone": True},
                  {"hazard": "chemical", "min_intensity": 1, "share": 1.0}],
        "vulnerable": {"share": 0.1, "delay": {"dist": "uniform", "low": "30 min", "high": "3 h"}},
        "own_vehicle": 0.5,
        "buses": {"depot": "bus", "count": 2, "capacity": 40},
        "boats": {"base": "boats", "count": 1, "capacity": 8},
        "return_after": "12 h",
    },
    "items": {"water": {"weight": "1 kg", "per_person_day": 3, "unit_cost": 2},
              "meals": {"weight": "0.5 kg", "per_person_day": 3, "unit_cost": 10},
              "quilts": {"weight": "2 kg", "per_person": 1, "unit_cost": 100, "divisible": False},
              "sandbags": {"weight": "0.1 kg", "per_incident": {"flood_rescue": 200}, "unit_cost": 1}},
    "depots": [
        {"id": "dep-east", "node": "river", "tier": "township",
         "stock": {"water": 800, "meals": 800, "quilts": 100},
         "trucks": {"count": 1, "capacity": "1 t"}},
        {"id": "dep-county", "node": "town", "tier": "county",
         "stock": {"water": 3000, "meals": 2000, "quilts": 500, "sandbags": 1500},
         "trucks": {"count": 2, "capacity": "3 t"}, "lift": {"count": 1, "capacity": "500 kg"},
         "replenish": {"from": "dep-city", "below": 0.5}},
        {"id": "dep-city", "node": "city", "tier": "city",
         "stock": {"water": 20000, "meals": 20000, "quilts": 3000, "sandbags": 5000},
         "trucks": {"count": 4, "capacity": "8 t"},
         "replenish": {"lead": {"dist": "uniform", "low": "12 h", "high": "36 h"}, "below": 0.5}},
    ],
    "run": {"horizon": "20 d", "seed": 5, "replications": 1},
}


def people_and_supplies_raw() -> dict:
    return copy.deepcopy(PEOPLE_AND_SUPPLIES)


SCENARIO = load(people_and_supplies_raw())
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def tables(records) -> dict[str, pd.DataFrame]:
    return {name: records.table_frame(name) for name in
            ("evacuation", "evacuation_nodes", "shelter_occupancy", "supply_requests", "shipments", "stock")}


@pytest.fixture(scope="module")
def busy_run():
    """A replication with a storm and leaks, where shelters, buses and depots all work."""
    records = sim.simulate(SCENARIO, replication=0, seed=11)
    t = tables(records)
    assert len(t["evacuation"]) and len(t["shipments"]) and (t["evacuation"]["mode"] == "bus").any()
    return t


@FAST
@given(seed=st.integers(0, 10_000))
def test_people_are_conserved(seed):
    """Per node and event: the people who left are the people who moved, no more than complied,
    no more than were told, no more than live there; evacuated + remaining = population."""
    t = tables(sim.simulate(SCENARIO, replication=0, seed=seed))
    nodes, moves = t["evacuation_nodes"], t["evacuation"]
    if not len(nodes):
        return
    moved = moves.groupby(["event", "node"])["people"].sum() if len(moves) else pd.Series(dtype=float)
    for row in nodes.itertuples(index=False):
        assert moved.get((row.event, row.node), 0) == row.left
        assert row.left <= row.compliant <= row.told <= row.population
        assert row.left + row.remaining == row.population
        assert 0 <= row.left_before_impact <= row.left
        assert row.at_risk_at_impact == row.told - row.left_before_impact


@FAST
@given(seed=st.integers(0, 10_000), capacity=st.integers(20, 700))
def test_shelters_hold_no_more_than_capacity_unless_overflow_is_recorded(seed, capacity):
    """Occupancy never exceeds capacity by more than the overflow recorded for that shelter, and
    it rises by exactly the people who arrive and falls to zero when they all go home."""
    raw = people_and_supplies_raw()
    for shelter in raw["shelters"]:
        shelter["capacity"] = capacity
    t = tables(sim.simulate(load(raw), replication=0, seed=seed))
    occupancy, moves = t["shelter_occupancy"], t["evacuation"]
    if not len(moves):
        return
    arrived = moves.dropna(subset=["arrived"])
    for shelter, log in occupancy.groupby("shelter"):
        overflow = moves.loc[(moves["shelter"] == shelter) & moves["overflow"], "people"].sum()
        assert log["occupancy"].max() <= capacity + overflow
        assert log["occupancy"].min() >= 0
        rises = np.diff(np.concatenate([[0], log["occupancy"].to_numpy()]))
        assert rises[rises > 0].sum() == arrived.loc[arrived["shelter"] == shelter, "people"].sum()
        assert log["occupancy"].iloc[-1] == 0  # the horizon is long after every event: all home
    if not moves["overflow"].any():
        assert (occupancy["occupancy"] <= occupancy["capacity"]).all()


def test_overflow_happens_and_is_recorded():
    """With shelters far too small, people still go (to the nearest), and it shows as overflow."""
    raw = people_and_supplies_raw()
    for shelter in raw["shelters"]:
        shelter["capacity"] = 5
    t = tables(sim.simulate(load(raw), replication=0, seed=11))
    moves = t["evacuation"]
    assert moves["overflow"].any()
    over = moves.loc[moves["overflow"]].groupby("shelter")["people"].sum()
    peak = t["shelter_occupancy"].groupby("shelter")["occupancy"].max()
    assert (peak[over.index] > 5).all() and (peak[over.index] <= 5 + over).all()


def _stock_levels(stock: pd.DataFrame) -> pd.DataFrame:
    return stock.sort_values("time", kind="stable")


@FAST
@given(seed=st.integers(0, 10_000), scale=st.floats(0.0, 2.0))
def test_goods_are_conserved_and_stock_is_never_negative(seed, scale):
    """Shipped = received + in transit for every shipment; what left each depot's stock is what
    it shipped; requests received what shipments delivered; stock never goes below zero."""
    stocks = {(d["id"], item): qty * scale for d in PEOPLE_AND_SUPPLIES["depots"]
              for item, qty in d["stock"].items()}
    t = tables(sim.simulate(SCENARIO, replication=0, seed=seed, stocks=stocks))
    shipments, requests, stock = t["shipments"], t["supply_requests"], t["stock"]
    assert (stock["level"] >= 0).all()
    if not len(shipments):
        return
    in_transit = shipments["quantity"] - shipments["received"]
    assert (in_transit >= -1e-6).all()
    assert (in_transit[shipments["arrived"].notna() & (shipments["received"] > 0)] >= -1e-6).all()
    assert shipments["quantity"].sum() == pytest.approx(shipments["received"].sum() + in_transit.sum())
    # the horizon is days after the last request: everything shipped has arrived
    assert in_transit.abs().max() < 1e-6
    for (depot, item), log in _stock_levels(stock).groupby(["depot", "item"]):
        drops = -np.diff(log["level"].to_numpy())
        taken = drops[drops > 0].sum()
        shipped = shipments.loc[(shipments["depot"] == depot) & (shipments["item"] == item), "quantity"].sum()
        assert taken == pytest.approx(shipped, abs=1e-6)
    delivered = requests.groupby("item")["delivered"].sum()
    received = shipments.groupby("item")["received"].sum()
    pd.testing.assert_series_equal(delivered.sort_index(), received.sort_index(), check_names=False)
    assert (requests["delivered"] <= requests["quantity"] + 1e-6).all()


def _without_replenishment() -> sim.Scenario:
    raw = people_and_supplies_raw()
    for depot in raw["depots"]:
        depot.pop("replenish", None)
    return load(raw)


NO_REPLENISHMENT = _without_replenishment()


@FAST
@given(seed=st.integers(0, 10_000), depot=st.sampled_from(["dep-east", "dep-county", "dep-city"]),
       item=st.sampled_from(["water", "meals", "quilts", "sandbags"]), low=st.floats(0.0, 1.0),
       extra=st.floats(0.05, 3.0))
def test_more_stock_never_leaves_more_of_that_item_short(seed, depot, item, low, extra):
    """Same seed, one depot's stock of one item raised: no more of that item is left undelivered.

    The claim is about the shortfall of the item raised, without replenishment. With a reorder
    point, more stock at a depot can delay a reorder (seed 43, quilts at the township depot: the
    county depot, no longer serving the village, stays above its reorder point and orders
    later); and what shelters ask for depends on what they already got, so neither the amount
    delivered (seed 0, water: a quicker delivery, 2.5 L less asked the next day) nor the fill
    rate over all items (seed 18, water: 0.99682 -> 0.99678, more water asked, the same meals)
    need rise. That is how such systems behave, not a fault."""
    base = {(d["id"], i): q * low for d in PEOPLE_AND_SUPPLIES["depots"] for i, q in d["stock"].items()}
    more = dict(base)
    start = next(d for d in PEOPLE_AND_SUPPLIES["depots"] if d["id"] == depot)["stock"].get(item, 100)
    more[(depot, item)] = base.get((depot, item), 0.0) + extra * start
    before = _shortfall(sim.simulate(NO_REPLENISHMENT, replication=0, seed=seed, stocks=base), item)
    after = _shortfall(sim.simulate(NO_REPLENISHMENT, replication=0, seed=seed, stocks=more), item)
    assert after <= before + 1e-6


def _shortfall(records, item: str) -> float:
    requests = records.table_frame("supply_requests")
    if not len(requests):
        return 0.0
    mine = requests[(requests["item"] == item) & (requests["kind"] != "replenish")]
    return float((mine["quantity"] - mine["delivered"]).sum())


def test_a_busy_run_uses_every_path(busy_run):
    """The fixture scenario is not trivial: people walk, drive and ride; goods go by road from
    several tiers and are replenished."""
    moves, shipments = busy_run["evacuation"], busy_run["shipments"]
    assert {"car", "bus"} <= set(moves["mode"])
    assert {"township", "county"} <= set(shipments["tier"])
    assert (busy_run["supply_requests"]["kind"] == "replenish").any()
