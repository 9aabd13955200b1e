"""The response engine with hazards and special forces: road closures and cut-off places,
helicopters (wind, daylight, refuelling, air margin), boats, mutual aid, partly available units,
pre-positioning and forest-fire scenes; then invariants on random scenarios with all of them.

Most tests use the "line county" of ``test_engine.py`` (roads given in minutes, so times are
exact), with hand-placed incidents and a hand-built :class:`HazardTimeline` (road closures,
wind windows, fires) given to :class:`ResponseEngine` directly::

    F --5-- A --10-- B --10-- C --10-- D --10-- E        (roads 0-3 along the line, 4 is F-A)

Every node has a station ``s<node>``. Nodes are 0.01 degrees of longitude apart (about
0.96 km), so a helicopter at 60 km/h flies from A to E in ``km("A", "E")`` minutes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from conftest import base_raw, check, draw_requirement, load, sent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.engine.response import ResponseEngine
from sim.model.daylight import sunrise_sunset
from sim.model.fire import FireGrowth
from sim.model.hazards import Fire, HazardEvent, HazardTimeline, RoadClosure, WindWindow
from sim.model.incidents import IncidentStream
from sim.scenario.geography import haversine_km

NAN = math.nan
LINE = ("A", "B", "C", "D", "E")
POS = {**{n: (121.0 + 0.01 * k, 30.7) for k, n in enumerate(LINE)}, "F": (120.99, 30.7)}
ROAD_DE = 3
EPS = 1e-9


# ---------------------------------------------------------------- helpers: scenarios

def unit(gid: str, base: str, caps: tuple[str, ...] = ("fire",), *, count: int = 1,
         turnout: object = "0 min", **fields: object) -> dict:
    """A unit group ``gid`` at station ``s<base>``; its units are ``gid#1``, ``gid#2`` ..."""
    return {"id": gid, "type": gid, "capabilities": list(caps), "base": f"s{base}",
            "count": count, "turnout": turnout, **fields}


def heli(gid: str, base: str, caps: tuple[str, ...] = ("fire",), *, speed: str = "60 km/h",
         turnout: object = "0 min", daylight_only: bool = False, **air: object) -> dict:
    """A helicopter group (by default flying day and night at 60 km/h, landing at the place
    itself: landing sites have tests of their own, tests/test_landing.py)."""
    return unit(gid, base, caps, mode="air", speed=speed, turnout=turnout,
                air={"daylight_only": daylight_only, "land_at": "scene", **air})


def itype(requires: dict | None = None, **fields: object) -> dict:
    """An incident type (default: needs one fire unit, 30 min on scene)."""
    return {"requires": requires or {"fire": 1}, "on_scene": "30 min", **fields}


def county(units: list[dict], types: dict | None = None, *, edges: tuple = (),
           facilities: tuple = (), region: dict | None = None, dispatch: dict | None = None,
           run: dict | None = None, **sections: object) -> sim.Scenario:
    """The line county with the given units and types; ``edges`` adds (from, to, minutes) roads,
    ``facilities`` adds facilities, ``sections`` adds top-level sections (hazards ...)."""
    types = types or {"fire": itype()}
    nodes = [{"id": n, "kind": "village", "lon": lon, "lat": lat, "population": 100}
             for n, (lon, lat) in POS.items()]
    roads = [{"from": a, "to": b, "minutes": 10} for a, b in zip(LINE, LINE[1:], strict=False)]
    roads.append({"from": "F", "to": "A", "minutes": 5})
    roads += [{"from": a, "to": b, "minutes": m} for a, b, m in edges]
    raw = {
        "name": "Line county",
        "region": {"nodes": nodes, "roads": {"edges": roads}, **(region or {})},
        "facilities": [{"id": f"s{n}", "kind": "fire_station", "node": n} for n in POS] + list(facilities),
        "units": units,
        "incident_types": types,
        "generators": [{"type": next(iter(types)), "rate": "1 / y"}],
        "dispatch": dispatch or {},
        "run": {"horizon": "2 d", "seed": 1, **(run or {})},
        **sections,
    }
    return sim.load_scenario_data(raw)


def km(a: str, b: str) -> float:
    """Great-circle km between two nodes (minutes at 60 km/h)."""
    return float(haversine_km(*POS[a], *POS[b]))


# ---------------------------------------------------------------- helpers: incidents, hazards, runs

def incident(t: float, node: str, type: str = "fire", *, detect: float = 0.0,
             on_scene: float = 30.0, fire: int = -1) -> dict:
    """One hand-placed incident (``fire``: index of its fire in the timeline)."""
    return {"time": t, "node": node, "type": type, "detect": detect, "on_scene": on_scene,
            "fire": fire}


def make_stream(scenario: sim.Scenario, incidents: list[dict]) -> IncidentStream:
    """An incident stream holding exactly ``incidents`` (in occurrence order), turnout u = 0.5."""
    names = tuple(scenario.spec.incident_types)
    n = len(incidents)

    def col(key: str, dtype: type = float) -> np.ndarray:
        return np.array([x[key] for x in incidents], dtype=dtype)

    return IncidentStream(
        time=col("time"), node=np.array([scenario.node_index[x["node"]] for x in incidents], np.int64),
        type_index=np.array([names.index(x["type"]) for x in incidents], np.int64),
        generator_index=np.zeros(n, np.int64), detection_delay=col("detect"),
        report_delay=np.zeros(n), handling_time=np.zeros(n), on_scene=col("on_scene"),
        transport=np.zeros(n, bool), handover=np.zeros(n), turnout_u=np.full((n, 4), 0.5),
        type_names=names, generator_names=("manual",), event=np.full(n, -1, np.int64),
        fire=col("fire", np.int64))


def storm(start: float = 0.0, end: float = 1e4, forecast: float = NAN, **effects: object) -> HazardTimeline:
    """A timeline with one typhoon event 'storm' and the given closures, wind windows ..."""
    event = HazardEvent(0, "storm", "typhoon", "storm", start=start, end=end, forecast=forecast)
    return HazardTimeline(events=[event], **effects)


def wind(at: dict[str, float], start: float = 0.0, end: float = 500.0) -> WindWindow:
    """A wind window with the given km/h at some nodes (0 elsewhere)."""
    speeds = np.array([at.get(n, 0.0) for n in POS])
    return WindWindow(start, end, speeds, 0)


def run(scenario: sim.Scenario, incidents: list[dict], timeline: HazardTimeline | None = None,
        seed: int = 0):
    """Run the engine: (records, incidents table, assignments table)."""
    engine = ResponseEngine(scenario, make_stream(scenario, incidents), 0, seed, timeline=timeline)
    records = engine.run()
    return records, records.incident_frame(), records.assignment_frame()


GROUND_AND_AIR = [unit("eng", "A"), heli("hel", "A")]
PREFER_GROUND = {"air_margin": "120 min"}   # the helicopter goes only where nothing else can


def test_call_at_cut_off_node_gets_the_helicopter():
    """With the only road to E closed, a call at E gets the helicopter and is marked cut off."""
    scenario = county(GROUND_AND_AIR, dispatch=PREFER_GROUND)
    timeline = storm(closures=[RoadClosure(ROAD_DE, 0.0, 500.0, 0)])
    _, inc, asg = run(scenario, [incident(100, "E"), incident(120, "D")], timeline)
    check(inc.loc[0], first_mode="air", cut_off=True, units="hel#1", first_dispatch=100,
          first_arrival=100 + km("A", "E"))
    check(inc.loc[1], first_mode="road", cut_off=False, units="eng#1", first_arrival=150)


def test_unit_on_its_way_is_stood_down_when_its_road_closes():
    """A ground unit that can no longer get through is stood down; the helicopter replaces it."""
    scenario = county(GROUND_AND_AIR, dispatch=PREFER_GROUND)
    timeline = storm(closures=[RoadClosure(ROAD_DE, 20.0, 500.0, 0)])
    _, inc, asg = run(scenario, [incident(0, "E", on_scene=30)], timeline)
    check(sent(asg, 0, "eng#1"), dispatch=0, stood_down=True, arrival=NAN, free=20)
    check(sent(asg, 0, "hel#1"), dispatch=20, arrival=20 + km("A", "E"))
    check(inc.loc[0], first_mode="air", cut_off=False)


def test_unit_on_its_way_is_rerouted_when_another_road_exists():
    """Closing D-E while the unit is between C and D sends it back to C and over C-E."""
    scenario = county([unit("eng", "A")], edges=[("C", "E", 30)])
    timeline = storm(closures=[RoadClosure(ROAD_DE, 25.0, 500.0, 0)])
    _, inc, asg = run(scenario, [incident(0, "E")], timeline)
    # at 25 it is 5 min past C: back to C (5) and on to E (30) instead of arriving at 40
    check(sent(asg, 0), dispatch=0, arrival=60, stood_down=False, withdrawn=False, free=90)
    check(inc.loc[0], first_mode="road", cut_off=False)


def test_unit_held_up_by_a_closure_cannot_arrive_early():
    """A unit cannot reach E sooner than the 40 road minutes from its station, closure or not."""
    scenario = county([unit("eng", "A")])
    timeline = storm(closures=[RoadClosure(ROAD_DE, 20.0, 21.0, 0)])   # shut for one minute
    _, inc, _ = run(scenario, [incident(0, "E")], timeline)
    assert inc.loc[0, "first_arrival"] >= 40 - EPS


def test_a_patient_waits_for_a_road_to_the_hospital_and_then_goes():
    """The only road to the hospital (at A) is cut before the unit leaves the scene at E with a
    patient: it waits there, and sets out when the road reopens (once the unit was lost for
    good, the incident left open for ever)."""
    types = {"medical": itype({"ems": 1}, hospital={"probability": 1})}
    scenario = county([unit("amb", "E", ("ems",))], types,
                      facilities=({"id": "hosp", "kind": "hospital", "node": "A"},))
    stream = make_stream(scenario, [incident(0, "E", "medical", on_scene=30)])
    stream = dataclasses.replace(stream, transport=np.ones(1, bool))
    timeline = storm(closures=[RoadClosure(ROAD_DE, 10.0, 200.0, 0)])
    engine = ResponseEngine(scenario, stream, 0, 0, timeline=timeline)
    records = engine.run()
    inc, asg = records.incident_frame(), records.assignment_frame()
    check(sent(asg, 0), arrival=0, leave_scene=30, hospital_arrival=200 + 40, free=240)
    check(inc.loc[0], status="cleared", transported=True)


def test_cut_off_table_records_node_hours():
    """The cut_off table has one row per node and period cut off; hazards sums the node-hours."""
    scenario = county([unit("eng", "A")])
    records, _, _ = run(scenario, [incident(0, "B")],
                        storm(end=600, closures=[RoadClosure(ROAD_DE, 60.0, 360.0, 0)]))
    cut = records.table_frame("cut_off")
    assert cut[["node", "start", "end", "hours", "population"]].values.tolist() == [["E", 60, 360, 5, 100]]
    closures = records.table_frame("road_closures")
    assert closures[["road", "from_node", "to_node", "start", "end", "event"]].values.tolist() == \
        [[ROAD_DE, "D", "E", 60, 360, "storm"]]
    hazards = records.table_frame("hazards").iloc[0]
    check(hazards, roads_cut=1, cut_off_node_hours=5)


def test_node_behind_a_cut_is_cut_off_too():
    """Closing C-D cuts off D and E (two rows), not the nodes still on the road network."""
    scenario = county([unit("eng", "A")])
    records, _, _ = run(scenario, [incident(0, "B")], storm(closures=[RoadClosure(2, 0.0, 120.0, 0)]))
    cut = records.table_frame("cut_off")
    assert sorted(cut["node"]) == ["D", "E"] and (cut["hours"] == 2).all()


def test_waiting_ground_only_call_is_served_after_reopening():
    """A road-only call at a cut-off node waits; when the road reopens the ground unit goes."""
    scenario = county(GROUND_AND_AIR, {"fire": itype(modes=["road"])})
    timeline = storm(closures=[RoadClosure(ROAD_DE, 0.0, 500.0, 0)])
    _, inc, asg = run(scenario, [incident(100, "E")], timeline)
    check(inc.loc[0], cut_off=True, waited=True, first_dispatch=500, first_arrival=540,
          first_mode="road", status="cleared", units="eng#1")


# ---------------------------------------------------------------- helicopters: wind and daylight

@pytest.mark.parametrize(("base_wind", "scene_wind", "who"),
                         [(0, 0, "hel#1"), (80, 0, "eng#1"), (0, 80, "eng#1"), (54, 54, "hel#1")])
def test_wind_above_max_grounds_the_helicopter(base_wind, scene_wind, who):
    """Wind above max_wind (54 km/h) at the helicopter's base or at the scene keeps it on the
    ground; the ground unit goes instead."""
    scenario = county(GROUND_AND_AIR)
    _, _, asg = run(scenario, [incident(100, "E")], storm(wind=[wind({"A": base_wind, "E": scene_wind})]))
    assert sent(asg, 0)["unit"] == who


def test_wind_outside_its_window_does_not_ground():
    """Before and after the wind window the helicopter flies."""
    scenario = county(GROUND_AND_AIR)
    timeline = storm(wind=[wind({"A": 100, "E": 100}, start=200, end=300)])
    _, inc, _ = run(scenario, [incident(100, "E"), incident(250, "E"), incident(400, "E")], timeline)
    assert inc["units"].tolist() == ["hel#1", "eng#1", "hel#1"]


def test_call_waiting_for_a_grounded_helicopter_is_served_when_the_wind_drops():
    """A call only the helicopter can serve waits out the wind, then gets it."""
    scenario = county([heli("hel", "A")])
    timeline = storm(wind=[wind({n: 80 for n in POS}, start=0, end=500)])
    _, inc, _ = run(scenario, [incident(100, "E")], timeline)
    check(inc.loc[0], first_dispatch=500, status="cleared")


MEAN_LON = float(np.mean([lon for lon, _ in POS.values()]))


@pytest.mark.parametrize(("utc_offset", "night_call", "day_call"), [(8, 120, 600), (0, 840, 120)])
def test_daylight_only_helicopter_stays_on_the_ground_at_night(utc_offset, night_call, day_call):
    """A day-only helicopter is not sent at night (sun times from run.start and utc_offset):
    at UTC+8, 02:00 is night and 10:00 day; read as UTC, 14:00 is night and 02:00 day."""
    rise, sets = sunrise_sunset(dt.date(2025, 6, 1), MEAN_LON, 30.7, utc_offset)
    assert not rise <= night_call < sets and rise <= day_call < sets
    scenario = county([unit("eng", "A"), heli("hel", "A", daylight_only=True)],
                      run={"start": "2025-06-01 00:00", "utc_offset": utc_offset})
    calls = sorted([(night_call, "eng#1"), (day_call, "hel#1")])
    _, inc, _ = run(scenario, [incident(t, "E") for t, _ in calls])
    assert inc["units"].tolist() == [who for _, who in calls]


def test_helicopter_at_sunset_is_withdrawn_and_replaced():
    """At sunset a day-only helicopter leaves its call (withdrawn); a ground unit takes over."""
    _, sunset = sunrise_sunset(dt.date(2025, 6, 1), MEAN_LON, 30.7, 8.0)
    scenario = county([unit("eng", "A"), heli("hel", "A", daylight_only=True)],
                      run={"start": "2025-06-01 00:00"})
    _, inc, asg = run(scenario, [incident(sunset - 30, "E", on_scene=120)])
    arrival = sunset - 30 + km("A", "E")
    check(sent(asg, 0, "hel#1"), arrival=arrival, leave_scene=sunset, free=sunset, withdrawn=True)
    check(sent(asg, 0, "eng#1"), dispatch=sunset, arrival=sunset + 40, withdrawn=False)
    # 120 minutes of work: sunset - arrival by the helicopter, the rest after the engine arrives
    check(inc.loc[0], scene_end=sunset + 40 + 120 - (sunset - arrival), status="cleared")


def test_first_arrival_is_kept_after_the_first_unit_is_withdrawn():
    """The helicopter came first and left at sunset: first arrival and mode stay the helicopter's."""
    _, sunset = sunrise_sunset(dt.date(2025, 6, 1), MEAN_LON, 30.7, 8.0)
    scenario = county([unit("eng", "A"), heli("hel", "A", daylight_only=True)],
                      run={"start": "2025-06-01 00:00"})
    _, inc, _ = run(scenario, [incident(sunset - 30, "E", on_scene=120)])
    check(inc.loc[0], first_mode="air", first_arrival=sunset - 30 + km("A", "E"),
          response_time=km("A", "E"))


def test_call_waiting_into_the_night_gets_the_helicopter_at_sunrise():
    """A call queued by day for the busy day-only helicopter, still waiting at night (the
    helicopter refuels until after sunset), gets it at the next sunrise."""
    _, sunset = sunrise_sunset(dt.date(2025, 6, 1), MEAN_LON, 30.7, 8.0)
    sunrise, _ = sunrise_sunset(dt.date(2025, 6, 2), MEAN_LON, 30.7, 8.0)
    scenario = county([heli("hel", "A", daylight_only=True, refuel="60 min")],
                      run={"start": "2025-06-01 00:00"})
    # the first mission ends at sunset - 36; home and refuelled 64 min later, after sunset
    _, inc, _ = run(scenario, [incident(sunset - 100, "E", on_scene=60),
                               incident(sunset - 90, "E", on_scene=10)])
    check(inc.loc[1], first_dispatch=1440 + sunrise, status="cleared")


# ---------------------------------------------------------------- helicopters: margin, refuelling; boats

@pytest.mark.parametrize(("margin", "turnout", "who"),
                         [("0 min", "2 min", "hel#1"), ("5 min", "2 min", "eng#1"),
                          ("0 min", "5 min", "eng#1")])
def test_air_margin_and_launch_delay(margin, turnout, who):
    """To B the engine takes 10 min, the helicopter (10 km/h) 5.74 min plus its turnout: it goes
    only when that plus dispatch.air_margin is still shorter."""
    scenario = county([unit("eng", "A"), heli("hel", "A", speed="10 km/h", turnout=turnout)],
                      dispatch={"air_margin": margin})
    _, _, asg = run(scenario, [incident(100, "B")])
    assert km("A", "B") * 6 + 2 < 10 < km("A", "B") * 6 + 5   # 5.74 min of flight
    assert sent(asg, 0)["unit"] == who


def test_helicopter_flies_home_and_refuels_before_its_next_mission():
    """After a mission the helicopter flies home and refuels; a waiting call gets it only then."""
    scenario = county([heli("hel", "A", refuel="30 min")])
    _, _, asg = run(scenario, [incident(0, "E", on_scene=10), incident(1, "E", on_scene=10)])
    flight = km("A", "E")
    check(sent(asg, 0), arrival=flight, free=flight + 10)
    # home at flight + 10 + flight, refuelled 30 min later; it leaves from its base again
    check(sent(asg, 1), dispatch=2 * flight + 10 + 30, from_node="A", was_away=False,
          arrival=3 * flight + 40)


def test_boat_travels_straight_lines_times_water_detour():
    """A boat's travel minutes are straight-line km x region.water_detour / its speed."""
    scenario = county([unit("boat", "A", ("water",), mode="water", speed="30 km/h")],
                      {"flood": itype({"water": 1})}, region={"water_detour": 1.5})
    _, inc, asg = run(scenario, [incident(0, "E", "flood")])
    minutes = km("A", "E") * 1.5 / 30 * 60
    check(sent(asg, 0), mode="water", travel_minutes=minutes, arrival=minutes)
    check(inc.loc[0], first_mode="water")


# ---------------------------------------------------------------- mutual aid

NEIGHBOUR_AT_B = {"id": "next-B", "kind": "external_base", "node": "B"}


def aid(when: list[str], **fields: object) -> dict:
    """A neighbouring region's engine standing at B (activation 20 min; scenarios with it add
    ``NEIGHBOUR_AT_B``, its base)."""
    return {**unit("aid", "B", mutual_aid={"region": "Next county", "when": when,
                                           "activation": "20 min", **fields}), "base": "next-B"}


def test_exhausted_aid_only_when_own_units_are_busy():
    """An aid engine, though nearer, is sent only when the region's own engine is busy."""
    scenario = county([unit("eng", "A"), aid(["exhausted"])], facilities=(NEIGHBOUR_AT_B,))
    _, inc, asg = run(scenario, [incident(0, "B"), incident(1, "C")])
    check(sent(asg, 0), unit="eng#1", mutual_aid=False)
    check(sent(asg, 1), unit="aid#1", mutual_aid=True)


def test_aid_activation_is_its_turnout():
    """A mutual-aid unit leaves its activation delay after dispatch."""
    scenario = county([unit("eng", "A", turnout="1 min"), aid(["exhausted"])], facilities=(NEIGHBOUR_AT_B,))
    _, _, asg = run(scenario, [incident(0, "B"), incident(1, "C")])
    check(sent(asg, 1), dispatch=1, depart=21, arrival=31)


def test_severe_aid_only_for_urgent_calls():
    """With when [severe], aid goes to calls of priority <= max_priority only."""
    scenario = county([unit("eng", "A"), aid(["severe"], max_priority=1)],
                      {"p1": itype(priority=1), "p2": itype(priority=2)}, facilities=(NEIGHBOUR_AT_B,))
    _, inc, asg = run(scenario, [incident(0, "A", "p2", on_scene=300),   # eng busy until 300
                                 incident(1, "C", "p2"), incident(2, "C", "p1")])
    check(sent(asg, 1), unit="eng#1", dispatch=300)   # the priority-2 call waits for eng
    check(sent(asg, 2), unit="aid#1", dispatch=2, mutual_aid=True)
    assert inc["waited"].tolist() == [False, True, False]


def test_severe_only_aid_is_not_held_back_for_own_units():
    """An aid unit with when [severe] only is a normal candidate for urgent calls: the nearer
    one goes even while the region's own engine is free."""
    scenario = county([unit("eng", "A"), aid(["severe"], max_priority=1)],
                      {"p1": itype(priority=1)}, facilities=(NEIGHBOUR_AT_B,))
    _, _, asg = run(scenario, [incident(0, "B", "p1")])   # aid stands at B, eng 10 min away
    assert sent(asg, 0)["unit"] == "aid#1"


# ---------------------------------------------------------------- partly available units

CALLS_AT_B = [incident(100.0 * k, "B", on_scene=10) for k in range(300)]


def test_nearly_unavailable_unit_is_practically_never_sent():
    """A unit answering 1 call in 10,000 is not sent, though it stands at the scene."""
    scenario = county([unit("rare", "B", availability=0.0001), unit("eng", "A")])
    for seed in range(3):
        _, _, asg = run(scenario, CALLS_AT_B, seed=seed)
        assert set(asg["unit"]) == {"eng#1"} and len(asg) == len(CALLS_AT_B)


def test_availability_answer_draw_is_reproducible():
    """The per-call answer of a partly available unit is fixed by seed, call and unit."""
    scenario = county([unit("half", "B", availability=0.5), unit("eng", "A")])
    _, _, first = run(scenario, CALLS_AT_B, seed=3)
    _, _, again = run(scenario, CALLS_AT_B, seed=3)
    _, _, other = run(scenario, CALLS_AT_B, seed=4)
    pd.testing.assert_frame_equal(first, again)
    answered = (first["unit"] == "half#1").to_numpy()
    n = len(answered)
    assert abs(answered.sum() - n / 2) < 4 * math.sqrt(n / 4)
    assert not np.array_equal(answered, (other["unit"] == "half#1").to_numpy())


# ---------------------------------------------------------------- pre-positioning

STAGING = {"id": "stage-E", "kind": "staging_post", "node": "E"}


def staged_county(rule: bool = True, **sections: object) -> sim.Scenario:
    moves = [{"hazard": "typhoon", "moves": [{"units": "eng", "to": "stage-E"}], "return_after": "6 h"}]
    return county([unit("eng", "A")], facilities=(STAGING,), prepositioning=moves if rule else [],
                  **sections)


def test_prepositioning_moves_the_group_on_the_warning():
    """On the warning the group takes the staging post as its base; it returns 6 h after the end."""
    records, _, asg = run(staged_county(), [incident(700, "D"), incident(2000, "D")],
                          storm(start=600, end=1200, forecast=100))
    moves = records.table_frame("staging_moves")
    assert moves[["time", "unit", "to_node", "event"]].values.tolist() == [
        [100, "eng#1", "E", "storm"], [1200 + 360, "eng#1", "A", "storm"]]
    check(sent(asg, 0), from_node="E", was_away=False, travel_minutes=10)   # standing at E
    check(sent(asg, 1), from_node="A", was_away=False, travel_minutes=30)   # home again


def test_prepositioning_shortens_the_response_near_the_staging_post():
    """The same call at D during the event is reached 20 minutes sooner with the rule."""
    calls = [incident(700, "D")]
    timeline = storm(start=600, end=1200, forecast=100)
    _, with_rule, _ = run(staged_county(True), calls, timeline)
    _, without, _ = run(staged_county(False), calls, timeline)
    assert with_rule.loc[0, "response_time"] == pytest.approx(10)
    assert without.loc[0, "response_time"] == pytest.approx(30)


def test_staged_units_turn_out_as_the_move_says_and_take_their_own_back_home():
    """A slow-to-gather team staged with turnout 2 min leaves 2 minutes after the call while
    staged, and after its own 20 minutes once home again."""
    moves = [{"hazard": "typhoon", "moves": [{"units": "eng", "to": "stage-E", "turnout": "2 min"}],
              "return_after": "6 h"}]
    scenario = county([unit("eng", "A", turnout="20 min")], facilities=(STAGING,), prepositioning=moves)
    calls = [incident(700, "D"), incident(2000, "D")]
    _, _, asg = run(scenario, calls, storm(start=600, end=1200, forecast=100))
    check(sent(asg, 0), from_node="E", depart=702.0)   # staged: on standby at the post
    check(sent(asg, 1), from_node="A", depart=2020.0)  # home: its own turnout


def test_prepositioning_follows_a_drawn_typhoon():
    """With a scenario typhoon, the moves happen at its forecast and 6 h after its end."""
    hazard = {"kind": "typhoon", "id": "ty", "at": "1 d", "lead": "12 h", "duration": "6 h",
              "intensity": {"default": 1.0}}
    records = sim.simulate(staged_county(hazards=[hazard]), 0, seed=3)
    moves = records.table_frame("staging_moves")
    assert moves[["time", "to_node", "event"]].values.tolist() == [
        [720, "E", "ty"], [1440 + 360 + 360, "A", "ty"]]


# ---------------------------------------------------------------- forest-fire scenes

FIRE_TYPE = {"ff": itype({"forest": 1})}


def fire_timeline(head: float = 5.0, wind_kmh: float = 10.0, area: float = 500.0,
                  duration: float = 4320.0) -> HazardTimeline:
    """One fire at E ignited at 0 (head rate m/min, wind km/h, forest ha, max minutes)."""
    event = HazardEvent(0, "ff", "forest_fire", "ff", start=0.0, end=0.0)
    return HazardTimeline(events=[event], fires=[Fire(0, LINE.index("E"), 0.0, head, wind_kmh, area,
                                                      duration, False)])


def fire_call(on_scene: float = 60.0) -> list[dict]:
    """The fire's call: detected after 15 min; a crew from A arrives at 55."""
    return [incident(0, "E", "ff", detect=15, on_scene=on_scene, fire=0)]


def test_fire_is_contained_when_the_line_catches_the_perimeter():
    """One crew at p m/min from age a0 contains the fire at age p a0 / (p - k); mop-up follows."""
    scenario = county([unit("crew", "A", ("forest",), line_production="30 m/min")], FIRE_TYPE)
    records, _, asg = run(scenario, fire_call(), fire_timeline())
    growth = FireGrowth(5.0, 10.0, 500.0, 4320.0)
    contained = 30 * 55 / (30 - growth.perimeter_rate)
    fire = records.table_frame("fires").iloc[0]
    check(fire, first_attack=55, how="contained", stopped=contained,
          burned_ha=growth.area_ha(contained), area_at_first_attack_ha=growth.area_ha(55))
    check(sent(asg, 0), arrival=55, leave_scene=contained + 60)


def _fire_hazard_county(crew_base: str, turnout: str) -> sim.Scenario:
    fire = {"kind": "forest_fire", "id": "ff", "at": "2 h", "node": "E", "incident_type": "ff",
            "spread_rate": {"dist": "uniform", "low": "0.1 km/h", "high": "0.5 km/h"},
            "wind": {"dist": "uniform", "low": "0 km/h", "high": "40 km/h"},
            "detection": {"coverage": 0.5, "covered": "5 min",
                          "uncovered": {"dist": "uniform", "low": "10 min", "high": "60 min"}}}
    crew = unit("crew", crew_base, ("forest",), line_production="4 km/h", turnout=turnout)
    return county([crew], FIRE_TYPE, hazards=[fire])


def test_earlier_first_attack_never_burns_more():
    """For the same fire (seed), a nearer crew with a shorter turnout never burns more forest."""
    near, far = _fire_hazard_county("D", "2 min"), _fire_hazard_county("A", "10 min")
    smaller = 0
    for seed in range(8):
        fires = [sim.simulate(s, 0, seed).table_frame("fires").iloc[0] for s in (near, far)]
        assert fires[0]["head_rate_m_min"] == fires[1]["head_rate_m_min"]   # the same fire
        assert fires[0]["first_attack"] < fires[1]["first_attack"]
        assert fires[0]["burned_ha"] <= fires[1]["burned_ha"] + EPS
        smaller += fires[0]["burned_ha"] < fires[1]["burned_ha"]
    assert smaller >= 4


@pytest.mark.parametrize(("area", "duration", "how"),
                         [(20.0, 4320.0, "forest burned"), (math.inf, 300.0, "burned out")])
def test_fire_without_line_builders_burns_to_its_limit(area, duration, how):
    """Units that build no line never stop the fire: it burns its forest or to max_duration."""
    scenario = county([unit("eng", "A", ("forest",))], FIRE_TYPE)
    records, _, asg = run(scenario, fire_call(), fire_timeline(area=area, duration=duration))
    growth = FireGrowth(5.0, 10.0, area, duration)
    stop = growth.burnout_age()
    fire = records.table_frame("fires").iloc[0]
    check(fire, how=how, stopped=stop, burned_ha=min(area, growth.area_ha(stop)))
    check(sent(asg, 0), arrival=55, leave_scene=stop + 60)


def test_escalation_adds_a_crew_while_the_fire_burns():
    """A crew too weak for the fire gets a second one 60 min after the call; together they hold it."""
    types = {"ff": itype({"forest": 1}, escalation=[{"after": "60 min", "add": {"forest": 1}}])}
    scenario = county([unit("crew", "A", ("forest",), line_production="10 m/min", count=2)], types)
    records, _, asg = run(scenario, fire_call(), fire_timeline())
    check(sent(asg, 0, "crew#2"), dispatch=15 + 60, arrival=115)
    # 600 m of line by 115, then 20 m/min against the perimeter's k m/min
    k = FireGrowth(5.0, 10.0).perimeter_rate
    check(records.table_frame("fires").iloc[0], how="contained", stopped=(20 * 115 - 600) / (20 - k))


def test_no_escalation_once_the_fire_is_contained():
    """A fire held before the escalation step asks for nobody else, though mop-up goes on."""
    types = {"ff": itype({"forest": 1}, escalation=[{"after": "120 min", "add": {"forest": 1}}])}
    scenario = county([unit("crew", "A", ("forest",), line_production="60 m/min", count=2)], types)
    records, inc, asg = run(scenario, fire_call(on_scene=300), fire_timeline())
    assert asg["unit"].tolist() == ["crew#1"]
    assert records.table_frame("fires").iloc[0]["stopped"] < 15 + 120 < inc.loc[0, "scene_end"]


def test_mop_up_after_burnout_starts_on_arrival():
    """A fire that burned out before the crew came still gets its full mop-up after arrival."""
    scenario = county([unit("crew", "A", ("forest",), line_production="30 m/min")], FIRE_TYPE)
    records, _, asg = run(scenario, fire_call(on_scene=20), fire_timeline(duration=30.0))
    assert records.table_frame("fires").iloc[0]["how"] == "burned out"
    check(sent(asg, 0), arrival=55, leave_scene=75)


# ---------------------------------------------------------------- invariants on random scenarios

CAPABILITIES = ("fire", "rescue", "water")
UNIFORM_TURNOUT = {"dist": "uniform", "low": "1 min", "high": "4 min"}


@st.composite
def hazard_scenarios(draw) -> dict:
    """A small county with a scripted typhoon (road cuts, maybe wind and outages), ground units,
    a helicopter and a boat. Every required capability has a ground unit, so every call can be
    served once roads reopen."""
    n = draw(st.integers(3, 6))
    tags = [draw(st.sampled_from([[], ["mountain"], ["coast"]])) for _ in range(n)]
    tags[0], tags[1] = ["mountain"], ["coast"]
    nodes = [{"id": f"n{i}", "kind": "village", "lon": 121 + draw(st.floats(0, 0.2)),
              "lat": 30.6 + draw(st.floats(0, 0.2)), "population": draw(st.integers(1, 3000)),
              "tags": tags[i]} for i in range(n)]
    pairs = [(i, i + 1) for i in range(n - 1)]
    pairs += draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                           .filter(lambda p: p[0] != p[1]), max_size=2))
    edges = [{"from": f"n{a}", "to": f"n{b}", "minutes": draw(st.floats(1, 30)),
              "tags": sorted(set(tags[a]) | set(tags[b]))} for a, b in pairs]
    facilities = [{"id": f"s{k}", "kind": "fire_station", "node": f"n{draw(st.integers(0, n - 1))}"}
                  for k in range(draw(st.integers(1, 3)))]
    facilities.append({"id": "heli-base", "kind": "helibase", "node": f"n{draw(st.integers(0, n - 1))}"})

    groups = []
    for g in range(draw(st.integers(1, 3))):
        caps = draw(st.lists(st.sampled_from(CAPABILITIES), min_size=1, max_size=3, unique=True))
        groups.append({"id": f"g{g}", "type": f"t{g}", "capabilities": caps,
                       "base": f"s{draw(st.integers(0, len(facilities) - 2))}",
                       "count": draw(st.integers(1, 2)),
                       "turnout": draw(st.sampled_from(["0 min", "2 min", UNIFORM_TURNOUT]))})
    ground = [g["capabilities"] for g in groups for _ in range(g["count"])]
    heli_caps = draw(st.lists(st.sampled_from(CAPABILITIES), min_size=1, max_size=2, unique=True))
    boat_caps = draw(st.lists(st.sampled_from(CAPABILITIES), min_size=1, max_size=2, unique=True))
    groups.append({"id": "heli", "type": "heli", "capabilities": heli_caps, "base": "heli-base",
                   "mode": "air", "speed": f"{draw(st.integers(100, 250))} km/h",
                   "turnout": "5 min",
                   "air": {"daylight_only": draw(st.booleans()), "refuel": "20 min",
                           "max_wind": draw(st.sampled_from(["10 m/s", "20 m/s"]))}})
    groups.append({"id": "boat", "type": "boat", "capabilities": boat_caps, "base": "s0",
                   "mode": "water", "speed": f"{draw(st.integers(15, 40))} km/h"})
    spare = ground + [heli_caps, boat_caps]

    types = {}
    for t in range(draw(st.integers(1, 2))):
        requires, chosen = draw_requirement(draw, ground, 3)
        itype_ = {"priority": draw(st.integers(1, 3)), "requires": requires,
                  "on_scene": {"dist": "exponential", "mean": f"{draw(st.integers(10, 120))} min"},
                  "detection_delay": {"dist": "exponential", "mean": "3 min"}, "report_delay": "1 min"}
        others = [k for k in range(len(spare)) if k not in chosen]
        if others and draw(st.booleans()):
            extra = draw(st.sampled_from(others))
            itype_["escalation"] = [{"after": f"{draw(st.integers(10, 90))} min",
                                     "add": {draw(st.sampled_from(spare[extra])): 1}}]
        types[f"type{t}"] = itype_
    names = list(types)
    horizon_days = draw(st.integers(2, 4))
    landfall = draw(st.integers(60, horizon_days * 1440 - 60))
    hazard = {"kind": "typhoon", "id": "ty", "at": f"{landfall} min",
              "lead": f"{draw(st.integers(1, 48))} h", "duration": f"{draw(st.integers(3, 30))} h",
              "intensity": {"default": draw(st.floats(0.2, 1.0)), "tag:coast": 1.0},
              "rate_multipliers": {names[0]: draw(st.sampled_from([0.0, 0.5, 2.0, 4.0]))},
              "incidents": [{"type": draw(st.sampled_from(names)),
                             "rate": f"{draw(st.integers(1, 30))} / d", "where": {"weight": "uniform"}}],
              "road_cuts": {"probability": draw(st.floats(0, 0.6)),
                            "tags": {"mountain": draw(st.floats(0, 1))},
                            "repair": {"dist": "uniform", "low": "1 h", "high": "12 h"}},
              "outages": {"communication": draw(st.floats(0, 1)), "delay_factor": 2.0}}
    if draw(st.booleans()):
        hazard["peak_wind"] = draw(st.sampled_from(["15 m/s", "35 m/s"]))
    return {
        "name": "hazard property", "region": {"nodes": nodes, "roads": {"edges": edges},
                                              "water_detour": draw(st.floats(1.0, 2.0))},
        "facilities": facilities, "units": groups, "incident_types": types,
        "generators": [{"type": name, "rate": f"{draw(st.integers(100, 2000))} / y"} for name in names],
        "dispatch": {"when_no_unit": draw(st.sampled_from(["queue", "lost"])),
                     "redispatch_returning": draw(st.booleans()),
                     "air_margin": draw(st.sampled_from(["0 min", "10 min"]))},
        "run": {"horizon": f"{horizon_days} d", "drain": draw(st.booleans()), "seed": 1,
                "start": f"2025-06-01 {draw(st.integers(0, 23)):02d}:00"},
        "hazards": [hazard],
    }


def _ordered(frame: pd.DataFrame, columns: list[str]) -> None:
    """Each present timestamp is no earlier than the present ones before it."""
    values = frame[columns].to_numpy(dtype=float)
    running = np.full(len(values), -np.inf)
    for k, column in enumerate(columns):
        col = values[:, k]
        present = ~np.isnan(col)
        bad = present & (col < running - EPS)
        assert not bad.any(), f"{column} earlier than a previous step:\n{frame[bad][columns]}"
        running = np.where(present, np.maximum(running, col), running)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(hazard_scenarios())
def test_invariants_with_hazards(raw):
    """Ordered timestamps, one call per unit at a time, everything cleared when draining a queue,
    and never more units at once than the type and its escalation steps ask for."""
    records = sim.simulate(sim.load_scenario_data(raw), 0)
    inc, asg = records.incident_frame(), records.assignment_frame()

    _ordered(inc, ["occurrence", "detection", "report", "call", "first_dispatch", "first_arrival",
                   "scene_end", "cleared"])
    _ordered(asg, ["dispatch", "depart", "arrival", "leave_scene", "free"])

    for _, jobs in asg.sort_values(["unit", "dispatch"]).groupby("unit"):
        free, dispatch = jobs["free"].to_numpy(), jobs["dispatch"].to_numpy()
        assert not np.isnan(free[:-1]).any(), "a unit was sent again before it was free"
        assert (dispatch[1:] >= free[:-1] - EPS).all(), "a unit on two calls at once"

    if raw["dispatch"]["when_no_unit"] == "queue" and raw["run"]["drain"]:
        assert (inc["status"] == "cleared").all()

    allowed = {name: sum(t["requires"].values())
               + sum(sum(s["add"].values()) for s in t.get("escalation", []))
               for name, t in raw["incident_types"].items()}
    limit = inc.set_index("incident")["type"].map(allowed)
    for i, jobs in asg.groupby("incident"):
        start, end = jobs["dispatch"].to_numpy(), jobs["free"].fillna(np.inf).to_numpy()
        at_once = max(int(((start <= t) & (t < end)).sum()) for t in start)
        assert at_once <= limit[i], f"incident {i}: {at_once} units at once\n{jobs}"
        replaced = jobs["withdrawn"] | (jobs["stood_down"] & (jobs["free"] < inc.loc[i, "scene_end"]))
        assert (~replaced).sum() <= limit[i]


def test_boats_follow_the_waterways_when_given():
    """With region.waterways, boats go along the water graph (km / speed), not straight lines."""
    raw = base_raw()
    raw["region"]["waterways"] = {"edges": [{"from": "b", "to": "a", "km": 10},
                                            {"from": "a", "to": "c", "km": 15}]}
    raw["facilities"].append({"id": "pier", "kind": "team_base", "node": "b"})
    raw["units"].append({"id": "boat", "type": "boat", "capabilities": ["water_rescue"], "base": "pier",
                         "mode": "water", "speed": "25 km/h"})
    raw["incident_types"]["flood"] = {"requires": {"water_rescue": 1}, "on_scene": "30 min"}
    raw["generators"].append({"type": "flood", "rate": "500 / y", "where": {"nodes": {"c": 1}}})
    records = sim.simulate(load(raw), 0)
    boat = records.assignment_frame().query("mode == 'water'")
    assert len(boat) > 0
    first = boat.iloc[0]
    assert first["from_node"] == "b"
    assert first["travel_minutes"] == pytest.approx((10 + 15) / 25 * 60)


def test_waterway_edges_need_km():
    raw = base_raw()
    raw["region"]["waterways"] = {"edges": [{"from": "b", "to": "a", "minutes": 10}]}
    with pytest.raises(sim.ScenarioError) as err:
        load(raw)
    paths = {sim.errors.format_path(p.path) for p in err.value.problems}
    assert {"region.waterways.edges[0].km", "region.waterways.edges[0].minutes"} <= paths


# ---------------------------------------------------------------- ranking by expected arrival

@pytest.mark.parametrize("rank_by, unit_sent, arrival", [("travel", "vol#1", 12.0),
                                                          ("arrival", "eng#1", 10.0)])
def test_rank_by_arrival_counts_the_turnout_of_units_in_their_station(rank_by, unit_sent, arrival):
    """A volunteer team at B gathers in 12 minutes; the engine at A leaves at once, 10 minutes
    away. By travel the volunteers go (and arrive at 12); by expected arrival the engine (10)."""
    scenario = county([unit("vol", "B", turnout="12 min"), unit("eng", "A")],
                      dispatch={"rank_by": rank_by})
    _, inc, asg = run(scenario, [incident(0, "B")])
    check(sent(asg, 0), unit=unit_sent)
    check(inc.loc[0], first_arrival=arrival)
