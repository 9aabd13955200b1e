"""Relief supplies: tiers, nearest depots, partial shipments, loading and trucks, lift,
replenishment, backorders, first-batch KPIs, incident needs, and pluggable allocation.

Requests come from scripted chemical accidents (no detection, report or handling delay, so an
accident ``at`` 1 d asks at exactly 1440 min) whose incident type needs relief items. The
region (``conftest.base_raw`` plus depot nodes), with road times in minutes and trucks at their
roads' speed (``speed_factor`` 1)::

    b --5-- a --8-- c          areas: a, b -> "east"; c -> "west"; county -> "ctr"
            |
            30
            |
          county --60-- city --60-- prov
            |
           120
            |
           aidn

Every depot loads at 6 t/h (100 kg/min); a ``kit`` weighs 10 kg, so 10 kits load in a minute.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import base_raw, load

import sim
from sim.engine.supplies import AllocationPolicy, NearestTierFirst
from sim.results.people_kpis import first_batches, supply_kpis
from sim.results.records import ReplicationRecords
from sim.scenario.geography import haversine_km

CALL = 1440.0  # the accidents happen (and ask) at 1 d
KG_PER_MIN = 100.0


def accident(node: str, hazard: str = "chem", at: str = "1 d") -> dict:
    return {"kind": "chemical", "id": hazard, "at": at, "node": node,
            "outcomes": {"leak": {"probability": 1, "incident_type": "leak", "radius": "1 km"}}}


def depot(ident: str, node: str, tier: str, stock: float | dict, trucks: int = 4, capacity: str = "5 t",
          speed: float = 1.0, **fields: object) -> dict:
    spec = {"id": ident, "node": node, "tier": tier,
            "stock": stock if isinstance(stock, dict) else {"kit": stock}, "loading": "6 t/h",
            "trucks": {"count": trucks, "capacity": capacity, "speed_factor": speed}}
    spec.update(fields)
    return spec


def supply_raw(depots: list[dict], need: float = 45, items: dict | None = None,
               hazards: list[dict] | None = None, **supply: object) -> dict:
    raw = base_raw()
    raw["run"]["horizon"] = "10 d"
    raw["generators"] = [{"type": "fire", "rate": "1 / y"}]
    nodes = raw["region"]["nodes"]
    for node in nodes:
        node["area_km2"] = 0  # points: times worked out by hand
    nodes[0]["area"] = nodes[1]["area"] = "east"
    nodes[2]["area"] = "west"
    nodes += [{"id": "county", "kind": "township", "lon": 121.20, "lat": 30.70, "area": "ctr"},
              {"id": "city", "kind": "junction", "lon": 121.50, "lat": 30.90, "area": "outside"},
              {"id": "prov", "kind": "junction", "lon": 121.90, "lat": 31.20, "area": "outside"},
              {"id": "aidn", "kind": "junction", "lon": 121.30, "lat": 30.40, "area": "outside"}]
    raw["region"]["roads"]["edges"] += [
        {"from": "a", "to": "county", "minutes": 30}, {"from": "county", "to": "city", "minutes": 60},
        {"from": "city", "to": "prov", "minutes": 60}, {"from": "county", "to": "aidn", "minutes": 120}]
    raw["incident_types"]["leak"] = {"requires": {"fire": 1}, "on_scene": "1 h"}
    raw["hazards"] = hazards if hazards is not None else [accident("a")]
    kit = {"kit": {"weight": "10 kg", "per_incident": {"leak": need}}}
    raw["items"] = items if items is not None else kit
    raw["depots"] = depots
    if supply:
        raw["supply"] = supply
    return raw


def run(raw: dict, seed: int = 1) -> ReplicationRecords:
    return sim.simulate(load(raw), 0, seed, supplies_only=True)


def shipments(records) -> pd.DataFrame:
    return records.table_frame("shipments")


def requests(records) -> pd.DataFrame:
    return records.table_frame("supply_requests")


def one(frame: pd.DataFrame, **where: object) -> pd.Series:
    rows = frame
    for key, value in where.items():
        rows = rows[rows[key] == value]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def straight_km(raw: dict, a: str, b: str) -> float:
    where = {n["id"]: (n["lon"], n["lat"]) for n in raw["region"]["nodes"]}
    return float(haversine_km(*where[a], *where[b]))


# ---------------------------------------------------------------- 1. tier order


def test_tiers_in_order_township_county_city_province_then_aid():
    raw = supply_raw([depot("aid", "aidn", "aid", 100, activation="2 h"),
                      depot("prv", "prov", "province", 10), depot("cty", "city", "city", 10),
                      depot("cnty", "county", "county", 10), depot("tw-west", "c", "township", 100),
                      depot("tw-east", "b", "township", 10)])
    records = run(raw)
    ship = shipments(records)
    got = {r.depot: (r.tier, r.quantity, r.allocated, r.loaded, r.arrived) for r in ship.itertuples()}
    assert got == {
        "tw-east": ("township", 10, CALL, CALL + 1, CALL + 1 + 5),
        "cnty": ("county", 10, CALL, CALL + 1, CALL + 1 + 30),
        "cty": ("city", 10, CALL, CALL + 1, CALL + 1 + 90),
        "prv": ("province", 10, CALL, CALL + 1, CALL + 1 + 150),
        # aid loads only after its 2 h activation, then 5 kits take half a minute
        "aid": ("aid", 5, CALL, CALL + 120 + 0.5, CALL + 120 + 0.5 + 150),
    }
    req = one(requests(records))
    assert (req.kind, req.area, req.quantity, req.delivered) == ("incident", "east", 45, 45)
    assert req.first_delivery == CALL + 6 and req.first_tier == "township"
    assert (ship["mode"] == "road").all() and (ship["received"] == ship["quantity"]).all()


def test_aid_is_used_only_when_every_other_tier_is_empty():
    raw = supply_raw([depot("aid", "aidn", "aid", 100, activation="2 h"), depot("cty", "city", "city", 100)])
    ship = shipments(run(raw))
    assert ship["depot"].tolist() == ["cty"]


def test_an_aid_depot_is_activated_once():
    # activation 2 h from the first request at 1 d; a second request at 30 h finds it active
    raw = supply_raw([depot("aid", "aidn", "aid", 100, activation="2 h")], need=10,
                     hazards=[accident("a"), accident("a", "chem2", "30 h")])
    ship = shipments(run(raw)).sort_values("allocated")
    assert ship["loaded"].tolist() == [CALL + 120 + 1, 1800 + 1]


@pytest.mark.parametrize("area_of_c, served_by", [("west", "cnty"), ("east", "tw-east")])
def test_a_township_depot_serves_its_own_area_only(area_of_c, served_by):
    # the accident is at c; the township depot at b (13 min away) is nearer than the county's (38 min)
    raw = supply_raw([depot("tw-east", "b", "township", 100), depot("cnty", "county", "county", 100)],
                     hazards=[accident("c")])
    raw["region"]["nodes"][2]["area"] = area_of_c
    ship = shipments(run(raw))
    assert ship["depot"].tolist() == [served_by]
    assert ship["area"].tolist() == [area_of_c]


def test_demand_waits_rather_than_take_another_areas_township_stock():
    raw = supply_raw([depot("tw-east", "b", "township", 100)], hazards=[accident("c")])
    records = run(raw)
    assert len(shipments(records)) == 0
    req = one(requests(records))
    assert req.delivered == 0 and math.isnan(req.first_delivery)
    stock = records.table_frame("stock")
    assert stock["level"].tolist() == [100]


# ---------------------------------------------------------------- 2. nearest first within a tier


@pytest.mark.parametrize("where, nearest", [("a", "cnty-c"), ("county", "cnty-county"), ("b", "cnty-c")])
def test_nearest_depot_by_road_first_within_a_tier(where, nearest):
    raw = supply_raw([depot("cnty-county", "county", "county", 100), depot("cnty-c", "c", "county", 100)],
                     hazards=[accident(where)])
    ship = shipments(run(raw))
    assert ship["depot"].tolist() == [nearest]


def test_road_time_not_straight_line_decides():
    # a is nearer to b than the county seat as the crow flies, but by road it is much farther
    raw = supply_raw([depot("d-a", "a", "county", 100), depot("d-county", "county", "county", 100)],
                     hazards=[accident("b")])
    assert straight_km(raw, "b", "a") < straight_km(raw, "b", "county")
    raw["region"]["roads"]["edges"][0] = {"from": "a", "to": "b", "minutes": 500}
    raw["region"]["roads"]["edges"].append({"from": "b", "to": "county", "minutes": 40})
    ship = shipments(run(raw))
    assert ship["depot"].tolist() == ["d-county"]
    assert ship["arrived"].tolist() == [CALL + 4.5 + 40]


# ---------------------------------------------------------------- 3. partial shipments


def test_the_rest_comes_from_the_next_depot():
    raw = supply_raw([depot("cnty-county", "county", "county", 100), depot("cnty-c", "c", "county", 20),
                      depot("cty", "city", "city", 100)])
    records = run(raw)
    ship = shipments(records)
    assert ship[["depot", "quantity"]].values.tolist() == [["cnty-c", 20], ["cnty-county", 25]]
    assert ship["quantity"].sum() == 45 == one(requests(records)).delivered
    stock = records.table_frame("stock")
    final = stock.sort_values("time", kind="stable").groupby("depot")["level"].last().to_dict()
    assert final == {"cnty-c": 0, "cnty-county": 75, "cty": 100}


def test_shipped_quantities_sum_to_the_request_across_tiers():
    raw = supply_raw([depot("tw", "b", "township", 7.5), depot("cnty", "county", "county", 11.25),
                      depot("cty", "city", "city", 1000)], need=123.4)
    ship = shipments(run(raw))
    assert ship["quantity"].tolist() == pytest.approx([7.5, 11.25, 123.4 - 7.5 - 11.25])
    assert ship["received"].sum() == pytest.approx(123.4)


# ---------------------------------------------------------------- 4. loading and trucks


def test_loading_time_is_weight_over_rate_and_the_bay_loads_one_shipment_at_a_time():
    items = {"kit": {"weight": "10 kg", "per_incident": {"leak": 45}},        # 450 kg: 4.5 min
             "water": {"weight": "1 kg", "per_incident": {"leak": 600}}}      # 600 kg: 6 min
    raw = supply_raw([depot("cnty", "county", "county", {"kit": 100, "water": 1000})], items=items)
    ship = shipments(run(raw)).set_index("item")
    assert ship.loc["kit", "loaded"] == CALL + 4.5
    assert ship.loc["water", "loaded"] == CALL + 4.5 + 6  # waited for the bay
    assert (ship["allocated"] == CALL).all()
    assert ship["arrived"].to_dict() == {"kit": CALL + 4.5 + 30, "water": CALL + 10.5 + 30}


def test_different_depots_load_at_the_same_time():
    items = {"kit": {"weight": "10 kg", "per_incident": {"leak": 45}},
             "water": {"weight": "1 kg", "per_incident": {"leak": 600}}}
    raw = supply_raw([depot("cnty", "county", "county", {"kit": 100}),
                      depot("cty", "city", "city", {"water": 1000})], items=items)
    ship = shipments(run(raw)).set_index("item")
    assert ship["loaded"].to_dict() == {"kit": CALL + 4.5, "water": CALL + 6}


def test_loading_rate_scales_the_loading_time():
    raw = supply_raw([depot("cnty", "county", "county", 100, loading="27 t/h")])
    assert one(shipments(run(raw))).loaded == pytest.approx(CALL + 450 / (27000 / 60))


@pytest.mark.parametrize("trucks, departures", [
    (3, [(2, 20), (4, 20), (4.5, 5)]),            # each load leaves as soon as it is on
    (2, [(2, 20), (4, 20), (62, 5)]),             # the third waits for the first truck back
    (1, [(2, 20), (62, 20), (122, 5)]),           # one truck: 60 min round trips
])
def test_loads_beyond_a_trucks_capacity_go_in_several_trips(trucks, departures):
    """45 kits = 450 kg loaded at 100 kg/min onto 200 kg trucks: loads of 200, 200 and 50 kg are
    on at +2, +4 and +4.5 min and leave as soon as a truck is free; 30 min to the accident."""
    raw = supply_raw([depot("cnty", "county", "county", 100, trucks=trucks, capacity="200 kg")])
    full = run(raw)
    ship = one(shipments(full))
    assert ship.loaded == CALL + 4.5
    assert ship.departed == CALL + 2
    assert ship.arrived == CALL + departures[-1][0] + 30
    assert ship.received == 45
    assert one(requests(full)).first_delivery == CALL + 2 + 30
    # stopped just after each delivery, the goods received so far are the loads delivered
    raw["run"]["drain"] = False
    so_far = 0
    for minutes, qty in departures:
        so_far += qty
        raw["run"]["horizon"] = f"{CALL + minutes + 30 + 0.01} min"
        partial = run(raw)
        assert one(shipments(partial)).received == pytest.approx(so_far)
        assert one(requests(partial)).delivered == pytest.approx(so_far)


def test_a_later_shipment_waits_for_trucks_to_come_back():
    # one truck: the second accident's load (at 1 d + 10 min) waits for the truck's return at +60
    raw = supply_raw([depot("cnty", "county", "county", 100, trucks=1)],
                     hazards=[accident("a"), accident("a", "chem2", "1450 min")])
    ship = shipments(run(raw)).sort_values("allocated")
    assert ship["loaded"].tolist() == [CALL + 4.5, CALL + 10 + 4.5]
    assert ship["departed"].tolist() == [CALL + 4.5, CALL + 4.5 + 60]
    assert ship["arrived"].tolist() == [CALL + 4.5 + 30, CALL + 4.5 + 90]


# ---------------------------------------------------------------- 5. lift


def cut_raw(lift: dict | None, need: float = 45) -> dict:
    """The road a-c is cut in the first minute of a typhoon at 1 d and reopens 12 h later; the
    accident at c happens at 1 d 1 h, while c is cut off."""
    storm = {"kind": "typhoon", "id": "storm", "at": "1 d", "lead": "1 h", "duration": "1 min",
             "intensity": {"default": 1.0},
             "road_cuts": {"probability": 0.0, "tags": {"cutme": 1.0}, "repair": "12 h"}}
    extra = {"lift": lift} if lift is not None else {}
    raw = supply_raw([depot("cnty", "county", "county", 100, **extra)], need=need,
                     hazards=[storm, accident("c", at="25 h")])
    raw["region"]["roads"]["edges"][1]["tags"] = ["cutme"]
    return raw


def test_the_lift_flies_to_a_place_cut_off_by_road():
    lift = {"count": 1, "capacity": "500 kg", "speed": "100 km/h", "load_time": "10 min"}
    raw = cut_raw(lift)
    records = run(raw)
    closure = one(records.table_frame("road_closures"))
    ship = one(shipments(records))
    assert closure.start <= CALL + 1 and closure.end > ship.arrived
    flight = straight_km(raw, "county", "c") * 60 / 100 + 10
    loaded = CALL + 60 + 4.5
    assert ship["mode"] == "air"
    assert ship.loaded == loaded and ship.departed == loaded
    assert ship.arrived == pytest.approx(loaded + flight)
    assert ship.received == 45


def test_the_lift_carries_its_capacity_per_flight():
    lift = {"count": 1, "capacity": "200 kg", "speed": "100 km/h", "load_time": "10 min"}
    raw = cut_raw(lift)
    records = run(raw)
    ship = one(shipments(records))
    flight = straight_km(raw, "county", "c") * 60 / 100 + 10
    loaded = CALL + 60 + 4.5
    assert ship["mode"] == "air"
    assert ship.arrived == pytest.approx(loaded + 5 * flight)  # three flights, one helicopter
    assert one(requests(records)).first_delivery == pytest.approx(loaded + flight)


def test_without_lift_the_load_waits_for_the_road():
    records = run(cut_raw(None))
    closure = one(records.table_frame("road_closures"))
    ship = one(shipments(records))
    assert ship["mode"] == "road"
    assert ship.loaded == CALL + 60 + 4.5
    assert ship.departed == pytest.approx(closure.end)
    assert ship.arrived == pytest.approx(closure.end + 38)


def test_the_lift_is_not_used_where_roads_lead():
    lift = {"count": 1, "capacity": "500 kg", "speed": "1000 km/h", "load_time": "0 min"}
    raw = supply_raw([depot("cnty", "county", "county", 100, lift=lift)])
    ship = one(shipments(run(raw)))
    assert ship["mode"] == "road" and ship.arrived == CALL + 4.5 + 30


# ---------------------------------------------------------------- 6. replenishment


def test_a_depot_below_its_threshold_orders_back_up_from_upstream():
    raw = supply_raw([depot("cnty", "county", "county", 100, replenish={"from": "cty", "below": 0.5}),
                      depot("cty", "city", "city", 1000)], need=60)
    records = run(raw)
    req = requests(records).set_index("kind")
    assert req.loc["replenish", "quantity"] == 60           # back up to its start of 100
    assert req.loc["replenish", "source"] == "cnty"
    assert req.loc["replenish", "node"] == "county" and req.loc["replenish", "area"] == "ctr"
    assert req.loc["replenish", "time"] == CALL
    ship = shipments(records).set_index("depot")
    assert ship.loc["cnty", "quantity"] == 60
    refill = ship.loc["cty"]
    assert (refill["to_node"], refill["quantity"]) == ("county", 60)
    assert refill["arrived"] == CALL + 6 + 60               # 600 kg: 6 min loading, 60 min drive
    log = records.table_frame("stock")
    cnty = log[log["depot"] == "cnty"][["time", "level"]].values.tolist()
    assert cnty == [[0, 100], [CALL, 40], [CALL + 66, 100]]
    cty = log[log["depot"] == "cty"][["time", "level"]].values.tolist()
    assert cty == [[0, 1000], [CALL, 940]]


def test_replenishment_never_fills_a_depot_beyond_its_start():
    # cnty (100) refills from cty, whose one truck carries 25 kits a trip (2 h round trips); two
    # accidents ask 100 each, the second just after the first refill load arrived
    raw = supply_raw([depot("cnty", "county", "county", 100, replenish={"from": "cty", "below": 0.5}),
                      depot("cty", "city", "city", 1000, trucks=1, capacity="250 kg")], need=100,
                     hazards=[accident("a"), accident("a", "chem2", "1520 min")])
    log = run(raw).table_frame("stock")
    cnty = log[log["depot"] == "cnty"]
    assert cnty["level"].iloc[-1] > 0
    assert cnty["level"].max() <= 100


@pytest.mark.parametrize("need, ordered", [(50, False), (51, True)])
def test_replenishment_starts_strictly_below_the_threshold(need, ordered):
    raw = supply_raw([depot("cnty", "county", "county", 100, replenish={"from": "cty", "below": 0.5}),
                      depot("cty", "city", "city", 1000)], need=need)
    kinds = requests(run(raw))["kind"].tolist()
    assert ("replenish" in kinds) == ordered


def test_a_depot_replenishes_from_outside_after_the_lead_time():
    raw = supply_raw([depot("cnty", "county", "county", 100, replenish={"lead": "12 h", "below": 0.5})],
                     need=60)
    records = run(raw)
    assert requests(records)["kind"].tolist() == ["incident"]  # no upstream request
    log = records.table_frame("stock")
    assert log[["time", "level"]].values.tolist() == [[0, 100], [CALL, 40], [CALL + 720, 100]]


# ---------------------------------------------------------------- 7. backorders


def test_unmet_demand_waits_and_is_served_when_stock_arrives():
    raw = supply_raw([depot("cnty", "county", "county", 10, replenish={"lead": "6 h", "below": 0.5})],
                     need=30)
    records = run(raw)
    ship = shipments(records)
    assert ship["allocated"].tolist() == [CALL, CALL + 360, CALL + 720]
    assert ship["quantity"].tolist() == [10, 10, 10]
    assert (ship["request"] == 0).all()
    req = one(requests(records))
    assert req.delivered == 30 and req.first_delivery == CALL + 1 + 30
    outs = records.table_frame("stockouts").sort_values("start")
    assert outs[["start", "end"]].values.tolist()[:3] == [[CALL, CALL + 360], [CALL + 360, CALL + 720],
                                                           [CALL + 720, CALL + 1080]]


def test_backorders_are_served_first_come_first_served():
    # 10 in stock, 15 asked at 1 d and 15 more at 1 d 1 h; each outside order brings 10 after 6 h
    raw = supply_raw([depot("cnty", "county", "county", 10, replenish={"lead": "6 h", "below": 0.5})],
                     need=15, hazards=[accident("a"), accident("a", "chem2", "25 h")])
    records = run(raw)
    ship = shipments(records)
    assert ship[["request", "quantity", "allocated"]].values.tolist() == [
        [0, 10, CALL], [0, 5, CALL + 360], [1, 5, CALL + 360], [1, 10, CALL + 720]]
    assert requests(records)["delivered"].tolist() == [15, 15]


# ---------------------------------------------------------------- 8. first-batch KPI


def batches_of(records, raw: dict) -> pd.DataFrame:
    return first_batches(requests(records), shipments(records), load(raw).spec.supply).set_index("area")


def two_areas(slow: float = 0.1, **supply: object) -> dict:
    """Accidents at a (east: its own township depot at b, 5 min away) and c (west: only the county
    depot, 38 min away at full speed; at speed_factor 0.1, 380 min)."""
    return supply_raw([depot("tw-east", "b", "township", 100),
                       depot("cnty", "county", "county", 100, speed=slow)], need=10,
                      hazards=[accident("a", "chem-e"), accident("c", "chem-w")], **supply)


def test_first_batch_hours_and_punctuality_by_the_delivering_tier():
    raw = two_areas()
    records = run(raw)
    batches = batches_of(records, raw)
    east, west = batches.loc["east"], batches.loc["west"]
    assert (east["event"], east["tier"], east["first_request"]) == ("chem-e", "township", CALL)
    assert east["hours"] == pytest.approx((1 + 5) / 60) and east["target_hours"] == 6 and east["on_time"]
    assert (west["event"], west["tier"]) == ("chem-w", "county")
    assert west["hours"] == pytest.approx((1 + 380) / 60) and west["target_hours"] == 6
    assert not west["on_time"]
    kpis = supply_kpis(requests(records), batches.reset_index(), [0]).iloc[0]
    assert kpis["areas"] == 2 and kpis["first_batch_on_time"] == 0.5 and kpis["fill_rate"] == 1.0


def test_first_batch_targets_are_configurable():
    raw = two_areas(targets={"county": "7 h", "city": "9 h"})
    records = run(raw)
    batches = batches_of(records, raw)
    assert batches.loc["west", "target_hours"] == 7 and batches.loc["west", "on_time"]


def test_city_deliveries_count_against_the_eight_hour_target():
    # only a slow city depot: 60 + 30 min of road at speed_factor 0.2 = 450 min, plus 1 min loading
    raw = supply_raw([depot("cty", "city", "city", 100, speed=0.2)], need=10)
    records = run(raw)
    batch = batches_of(records, raw).loc["east"]
    assert batch["tier"] == "city" and batch["target_hours"] == 8
    assert batch["hours"] == pytest.approx(451 / 60) and batch["on_time"]


def test_overriding_one_target_keeps_the_other_default():
    raw = supply_raw([depot("cty", "city", "city", 100, speed=0.1667)], need=10, targets={"county": "4 h"})
    records = run(raw)
    batch = batches_of(records, raw).loc["east"]
    assert batch["hours"] > 8
    assert batch["target_hours"] == 8
    assert not batch["on_time"]


def short_township(**supply: object) -> dict:
    """Need 10 at a (east): its township depot at b holds 4 (5 min away), the county the rest
    (30 min away at full speed, 300 at speed_factor 0.1)."""
    return supply_raw([depot("tw-east", "b", "township", 4),
                       depot("cnty", "county", "county", 100, speed=0.1)], need=10, **supply)


def test_the_first_batch_has_arrived_when_all_of_it_has():
    raw = short_township()
    records = run(raw)
    arrived = shipments(records).set_index("depot")["arrived"]
    batch = batches_of(records, raw).loc["east"]
    assert batch["first_delivery"] == arrived["cnty"] and batch["tier"] == "county"
    assert batch["hours"] == pytest.approx((arrived["cnty"] - CALL) / 60) and batch["hours"] > 5
    assert arrived["tw-east"] < arrived["cnty"]


def test_a_first_batch_share_counts_a_partial_first_batch():
    raw = short_township(first_batch_share=0.4)
    records = run(raw)
    arrived = shipments(records).set_index("depot")["arrived"]
    batch = batches_of(records, raw).loc["east"]
    assert batch["first_delivery"] == arrived["tw-east"] and batch["tier"] == "township" and batch["on_time"]


def test_the_first_batch_is_the_first_asking_moment_and_its_slowest_item():
    items = {"kit": {"weight": "10 kg", "per_incident": {"leak": 10}},
             "pump": {"weight": "10 kg", "per_incident": {"leak": 1}}}
    raw = supply_raw([depot("tw-east", "b", "township", {"kit": 100}),
                      depot("cty", "city", "city", {"pump": 5}, speed=0.2)], items=items,
                     hazards=[accident("a"), accident("a", "chem2", "2 d")])
    records = run(raw)
    ship = shipments(records)
    batches = first_batches(requests(records), ship, load(raw).spec.supply).set_index("event")
    pump = ship[(ship["item"] == "pump")]["arrived"].min()
    assert batches.loc["chem", "first_delivery"] == pump and batches.loc["chem", "tier"] == "city"
    assert batches.loc["chem", "target_hours"] == 8
    assert len(batches) == 2   # each event has its own first batch


def test_undelivered_first_batch_is_late():
    raw = supply_raw([depot("tw-east", "b", "township", 100)], hazards=[accident("c")], need=10)
    records = run(raw)
    batch = batches_of(records, raw).loc["west"]
    assert math.isnan(batch["hours"]) and not batch["on_time"]


# ---------------------------------------------------------------- 9. incident needs


def test_incident_needs_are_asked_at_the_call_in_whole_units_when_not_divisible():
    items = {"kit": {"weight": "10 kg", "per_incident": {"leak": 2.5}},
             "tent": {"weight": "30 kg", "per_incident": {"leak": 2.5}, "divisible": False},
             "pump": {"weight": "80 kg", "per_incident": {"fire": 1}}}
    raw = supply_raw([depot("cnty", "county", "county", {"kit": 100, "tent": 100, "pump": 10})],
                     items=items, hazards=[accident("a", at="27 h")])
    records = run(raw)
    req = requests(records).set_index("item")
    assert req.loc["kit", "quantity"] == 2.5
    assert req.loc["tent", "quantity"] == 3
    incident = one(records.incident_frame(), type="leak")
    assert req.loc["kit", "time"] == req.loc["tent", "time"] == incident["call"] == 1440 + 180
    assert set(req["event"]) == {"chem"}
    assert "pump" not in req.index  # a leak needs no pump
    ship = shipments(records).set_index("item")
    assert ship.loc["tent", "quantity"] == 3


def test_everyday_incidents_ask_too_but_count_for_no_first_batch():
    items = {"pump": {"weight": "80 kg", "per_incident": {"fire": 1}}}
    raw = supply_raw([depot("cnty", "county", "county", {"pump": 1000})], items=items, hazards=[])
    raw["generators"] = [{"type": "fire", "rate": "2 / d"}]
    records = run(raw)
    req = requests(records)
    calls = records.incident_frame()
    assert len(req) == len(calls) > 0
    assert req["time"].tolist() == pytest.approx(sorted(calls["call"].tolist()))
    assert (req["event"] == "").all()
    assert len(first_batches(req, shipments(records), load(raw).spec.supply)) == 0


def test_shelters_ask_for_their_people_after_the_request_delay():
    raw = supply_raw([depot("cnty", "county", "county", {"water": 10_000, "quilt": 10_000})],
                     items={"water": {"weight": "1 kg", "per_person_day": 3},
                            "quilt": {"weight": "2 kg", "per_person": 1}},
                     hazards=[{"kind": "typhoon", "id": "t1", "at": "2 d", "lead": "24 h", "duration": "12 h",
                               "intensity": {"b": 1.0}}],
                     request_delay="2 h", cover="2 d")
    raw["shelters"] = [{"id": "s-a", "node": "a", "capacity": 1000}]
    raw["evacuation"] = {"zones": [{"hazard": "t1"}], "departure": "0 min", "compliance": 1, "own_vehicle": 1,
                         "chain": {"township": "0 min", "village": "0 min", "household": "0 min"}}
    records = run(raw)
    arrived = records.table_frame("evacuation")["arrived"]
    assert arrived.tolist() == pytest.approx([CALL + 5] * len(arrived))
    req = requests(records)
    first = req[req["time"] == CALL + 5 + 120].set_index("item")
    assert first["quantity"].to_dict() == {"water": 500 * 3 * 2, "quilt": 500}
    assert set(first["kind"]) == {"shelter"} and set(first["source"]) == {"s-a"}
    assert set(first["event"]) == {"t1"} and set(first["area"]) == {"east"}


# ---------------------------------------------------------------- 10. a custom allocation policy


class FarthestFirst(AllocationPolicy):
    """Everything from the farthest depot holding the item (ignores tiers and areas)."""

    calls = 0

    def allocate(self, request, depots, minutes_to):
        type(self).calls += 1
        holding = [d for d in depots if d.stock.get(request.item, 0) > 0]
        holding.sort(key=lambda d: -minutes_to(d))
        out, left = [], request.left
        for d in holding:
            if left <= 0:
                break
            take = min(d.stock[request.item], left)
            out.append((d, take))
            left -= take
        return out


def test_a_custom_allocation_policy_named_in_the_scenario_is_used():
    sim.register_policy("allocation", "test-farthest-first", FarthestFirst)
    before = FarthestFirst.calls
    raw = supply_raw([depot("tw-east", "b", "township", 100), depot("cnty", "county", "county", 100),
                      depot("cty", "city", "city", 100)], policy="test-farthest-first")
    ship = shipments(run(raw))
    assert ship["depot"].tolist() == ["cty"]
    assert FarthestFirst.calls > before
    raw["supply"] = {}
    assert shipments(run(raw))["depot"].tolist() == ["tw-east"]


def test_an_unknown_policy_is_a_scenario_problem():
    raw = supply_raw([depot("cnty", "county", "county", 100)], policy="test_supplies:NoSuchPolicy")
    with pytest.raises(sim.ScenarioError, match="NoSuchPolicy.*cannot name code to import"):
        load(raw)


def test_the_default_policy_is_nearest_tier_first():
    raw = supply_raw([depot("cnty", "county", "county", 100)])
    assert load(raw).spec.supply.policy == NearestTierFirst.name
