"""Helicopters use landing sites (sim.engine.landing): they fly to the landing site nearest the
place by road and the crew goes on by road, hoist where no site is in range, carry patients by
road to the site and by air to a hospital with a helipad; and they do so in the built-ins.

The line county of ``test_forces``: nodes A-E 0.01 degrees apart (about 0.95 km, so a minute at
60 km/h), roads of 10 minutes between neighbours; the helicopter flies 60 km/h from its base."""

from __future__ import annotations

import pytest
from conftest import SCENARIOS, check, sent
from test_forces import county, heli, incident, itype, km, run, unit

import sim

TRANSFER, HOIST = 5.0, 15.0
AIR = {"land_at": "landing_sites", "max_ground": "25 min", "transfer": "5 min", "hoist_time": "15 min"}
LP_B = {"id": "lp-B", "kind": "landing_point", "node": "B"}
PREFER_AIR = {"air_margin": "0 min"}


def helicopter(caps: tuple[str, ...] = ("fire",)) -> dict:
    return heli("hel", "A", caps, **AIR)


def test_it_lands_at_the_site_nearest_by_road_and_the_crew_drives_on():
    scenario = county([helicopter()], facilities=(LP_B,))
    _, inc, asg = run(scenario, [incident(100, "D")])
    # fly A -> B, hand over, drive B -> D (20 minutes)
    arrival = 100 + km("A", "B") + TRANSFER + 20
    check(sent(asg, 0), from_node="A", arrival=arrival, travel_minutes=arrival - 100)
    check(inc.loc[0], first_mode="air", first_arrival=arrival)


def test_beyond_the_ground_range_it_hoists_or_cannot_go():
    hoisting = county([helicopter(("fire", "hoist"))], facilities=(LP_B,))
    _, inc, _ = run(hoisting, [incident(100, "E")])   # B -> E is 30 minutes by road: beyond 25
    check(inc.loc[0], first_mode="air", first_arrival=100 + km("A", "E") + HOIST)
    plain = county([helicopter(), unit("eng", "A")], facilities=(LP_B,), dispatch=PREFER_AIR)
    _, inc, asg = run(plain, [incident(100, "E")])
    check(inc.loc[0], first_mode="road", units="eng#1")  # the helicopter has nowhere to land


def test_without_a_landing_site_or_a_hoist_it_is_never_sent():
    scenario = county([helicopter(), unit("eng", "E")], dispatch=PREFER_AIR)
    _, inc, asg = run(scenario, [incident(100, "C"), incident(200, "A")])
    assert set(asg["unit"]) == {"eng#1"}


def test_a_patient_goes_by_road_to_the_site_then_by_air_to_a_helipad_hospital():
    import dataclasses

    import numpy as np
    from test_forces import make_stream

    from sim.engine.response import ResponseEngine
    types = {"fire": itype({"fire": 1}, hospital={"probability": 1.0, "by": "fire", "handover": "10 min"})}
    hospital = {"id": "h-A", "kind": "hospital", "node": "A", "helipad": True}
    scenario = county([helicopter()], types, facilities=(LP_B, hospital))
    stream = make_stream(scenario, [incident(100, "C", on_scene=30)])
    stream = dataclasses.replace(stream, transport=np.ones(1, bool), handover=np.full(1, 10.0))
    asg = ResponseEngine(scenario, stream, 0, 0).run().assignment_frame()
    row = sent(asg, 0)
    arrival = 100 + km("A", "B") + TRANSFER + 10
    check(row, arrival=arrival, leave_scene=arrival + 30)
    # back by road to B and the handover, then B -> A by air (the helipad hospital)
    assert row["hospital_arrival"] == pytest.approx(arrival + 30 + 10 + TRANSFER + km("B", "A"))


def test_bucket_work_needs_no_landing():
    scenario = county([heli("hel", "A", ("bucket",), **AIR)], {"ff": itype({"bucket": 1})})
    _, inc, _ = run(scenario, [incident(100, "E", "ff")])
    check(inc.loc[0], first_mode="air", first_arrival=100 + km("A", "E"))


def test_landing_at_the_scene_is_a_choice():
    scenario = county([heli("hel", "A", ("fire",), land_at="scene")])
    _, inc, _ = run(scenario, [incident(100, "E")])
    check(inc.loc[0], first_arrival=100 + km("A", "E"))


def test_pinghu_helicopter_lands_at_its_landing_points():
    """Pinghu's helicopter flies (its missions land at one of the 2-3 landing points the plan
    builds, and the crew drives on); before landing points it never flew."""
    scenario = sim.load_scenario(SCENARIOS / "pinghu.yaml")
    result = sim.run(scenario, replications=20)
    air = result.assignments[result.assignments["mode"] == "air"]
    assert len(air) > 0
    lps = {f.node for f in scenario.spec.facilities if f.kind == "landing_point"}
    assert len(lps) == 3
    engine_rows = sim.engine.calls.travel_modes(scenario)
    fly, road = engine_rows[1].rows, engine_rows[0].rows
    index = scenario.node_index
    inc = result.incidents.set_index(["replication", "incident"])
    speed = 230.0
    ops = next(u for u in scenario.spec.units if u.mode == "air").air_ops
    landed = 0
    for row in air.itertuples():
        node = index[inc.loc[(row.replication, row.incident), "node"]]
        options = [fly[index[row.from_node]][index[lp]] / speed + ops.transfer + road[index[lp]][node]
                   for lp in lps]
        hoist = fly[index[row.from_node]][node] / speed  # straight to a place no road reaches now
        assert row.travel_minutes >= min(*options, hoist) - 1e-6   # plus the stretch inside the place
        assert row.travel_minutes <= min(options) + 15 or row.travel_minutes <= hoist + 1e-6
        landed += row.travel_minutes >= min(options) - 1e-6
    assert landed > 0


def test_fenghua_helicopter_hoists_or_lands_for_landslide_rescues():
    scenario = sim.load_scenario(SCENARIOS / "fenghua.yaml")
    result = sim.run(scenario, replications=10)
    a = result.assignments
    air = a[(a["mode"] == "air") & (a["capability"] != "bucket")]
    assert len(air) > 0 and (air["capability"] == "hoist").any()
