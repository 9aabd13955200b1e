"""The response engine on hand-made, deterministic situations, and the incident generators.

Most tests build a small "line" county whose roads are given in minutes (so travel times are
exact), place incidents at exact times with a hand-built :class:`IncidentStream`, run
:class:`ResponseEngine` directly and compare the record tables with times worked out by hand.

The line county (10 minutes between neighbours, plus a spur F five minutes off A)::

    F --5-- A --10-- B --10-- C --10-- D --10-- E

Every node has a station ``s<node>``; hospitals are added where a test needs them.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from conftest import base_raw, check, load, sent

import sim
from sim.engine.response import ResponseEngine
from sim.engine.streams import Streams
from sim.model.dispatch import DispatchPolicy
from sim.model.incidents import IncidentStream, draw_incidents
from sim.model.units import AT_BASE

NAN = math.nan
LINE = ("A", "B", "C", "D", "E")


# ---------------------------------------------------------------- helpers: scenarios

def unit(gid: str, base: str, caps: tuple[str, ...] = ("fire",), *, count: int = 1,
         turnout: object = "0 min") -> dict:
    """A unit group ``gid`` at station ``s<base>``; its units are ``gid#1``, ``gid#2`` ..."""
    return {"id": gid, "type": gid, "capabilities": list(caps), "base": f"s{base}",
            "count": count, "turnout": turnout}


def fire_type(requires: dict | None = None, **fields: object) -> dict:
    """An incident type (default: needs one fire unit, 30 min on scene)."""
    return {"requires": requires or {"fire": 1}, "on_scene": "30 min", **fields}


def line_scenario(units: list[dict], types: dict | None = None, *, hospitals: dict | None = None,
                  dispatch: dict | None = None, run: dict | None = None) -> sim.Scenario:
    """The line county with the given unit groups, incident types, dispatch and run settings."""
    types = types or {"fire": fire_type()}
    nodes = [{"id": n, "kind": "village", "lon": 121.0 + 0.01 * k, "lat": 30.7, "population": 100}
             for k, n in enumerate(LINE)]
    nodes.append({"id": "F", "kind": "village", "lon": 120.99, "lat": 30.7, "population": 100})
    edges = [{"from": a, "to": b, "minutes": 10} for a, b in zip(LINE, LINE[1:], strict=False)]
    edges.append({"from": "F", "to": "A", "minutes": 5})
    facilities = [{"id": f"s{n}", "kind": "fire_station", "node": n} for n in (*LINE, "F")]
    facilities += [{"id": hid, "kind": "hospital", "node": node}
                   for hid, node in (hospitals or {}).items()]
    raw = {
        "name": "Line county",
        "region": {"nodes": nodes, "roads": {"edges": edges}},
        "facilities": facilities,
        "units": units,
        "incident_types": types,
        "generators": [{"type": next(iter(types)), "rate": "1 / y"}],
        "dispatch": dispatch or {},
        "run": {"horizon": "2 d", "seed": 1, **(run or {})},
    }
    return load(raw)


# ---------------------------------------------------------------- helpers: incidents and runs

def incident(t: float, node: str, type: str = "fire", *, detect: float = 0.0, report: float = 0.0,
             handle: float = 0.0, on_scene: float = 30.0, transport: bool = False,
             handover: float = 0.0, u: tuple[float, ...] = (), leg: float = 0.0) -> dict:
    """One hand-placed incident: occurrence time, node, type, delays, turnout uniforms, and the
    stretch from its node to its spot inside the node's area (network minutes)."""
    return {"time": t, "node": node, "type": type, "detection_delay": detect,
            "report_delay": report, "handling_time": handle, "on_scene": on_scene,
            "transport": transport, "handover": handover, "u": u, "leg": leg}


def make_stream(scenario: sim.Scenario, incidents: list[dict]) -> IncidentStream:
    """An :class:`IncidentStream` holding exactly ``incidents`` (given in occurrence order)."""
    spec = scenario.spec
    type_names = tuple(spec.incident_types)
    slots = max(sum(t.requires.values()) for t in spec.incident_types.values())
    times = [x["time"] for x in incidents]
    assert times == sorted(times), "give incidents in occurrence order"
    n = len(incidents)
    turnout_u = np.full((n, slots), 0.5)
    for k, x in enumerate(incidents):
        turnout_u[k, :len(x["u"])] = x["u"]

    def col(key: str, dtype: type = float) -> np.ndarray:
        return np.array([x[key] for x in incidents], dtype=dtype)

    return IncidentStream(
        time=col("time"),
        node=np.array([scenario.node_index[x["node"]] for x in incidents], dtype=np.int64),
        type_index=np.array([type_names.index(x["type"]) for x in incidents], dtype=np.int64),
        generator_index=np.zeros(n, dtype=np.int64),
        detection_delay=col("detection_delay"),
        report_delay=col("report_delay"),
        handling_time=col("handling_time"),
        on_scene=col("on_scene"),
        transport=col("transport", bool),
        handover=col("handover"),
        turnout_u=turnout_u,
        type_names=type_names,
        generator_names=("manual",),
        leg=col("leg"),
    )


def run_engine(scenario: sim.Scenario, incidents: list[dict], policy: DispatchPolicy | None = None
               ) -> tuple[ResponseEngine, pd.DataFrame, pd.DataFrame]:
    """Run the engine on hand-placed incidents: (engine, incidents table, assignments table)."""
    engine = ResponseEngine(scenario, make_stream(scenario, incidents), policy=policy)
    records = engine.run()
    return engine, records.incident_frame(), records.assignment_frame()


def unit_timeline(assignments: pd.DataFrame, unit: str) -> list[tuple[float, float]]:
    """(dispatch, free) of each assignment of ``unit``, in dispatch order."""
    rows = assignments[assignments["unit"] == unit].sort_values("dispatch")
    return list(zip(rows["dispatch"], rows["free"], strict=True))


# ---------------------------------------------------------------- one call, one unit

def test_single_unit_timeline():
    """One unit, one call: dispatch at call time, then turnout, travel, on-scene, home."""
    scenario = line_scenario([unit("eng", "A", turnout="2 min")])
    engine, inc, asg = run_engine(scenario, [
        incident(100, "C", detect=3, report=1.5, handle=0.5, on_scene=30),
        incident(300, "C"),
    ])
    # call = 100 + 3 + 1.5 + 0.5; arrival = call + 2 turnout + 20 travel; end = arrival + 30
    check(inc.loc[0], detection=103, report=104.5, call=105, first_dispatch=105, full_dispatch=105,
          first_arrival=127, full_complement=127, scene_end=157, cleared=157, status="cleared",
          waited=False, units_sent=1, units="eng#1", transported=False)
    check(sent(asg, 0), unit="eng#1", capability="fire", from_node="A", was_away=False,
          dispatch=105, depart=107, arrival=127, leave_scene=157, hospital_arrival=NAN, free=157,
          travel_minutes=20)
    # back home (157 + 20 = 177) long before the next call: it leaves from its station again
    check(sent(asg, 1), from_node="A", was_away=False, dispatch=300, travel_minutes=20)
    home = engine.units[0]
    assert home.status == AT_BASE and home.node == home.base_node


def test_two_unit_requirement_sends_two_nearest():
    """{fire: 2} gets the two nearest fire units; work starts at half rate with the first."""
    scenario = line_scenario(
        [unit("eA", "A", turnout="1 min"), unit("eD", "D", turnout="1 min"),
         unit("eE", "E", turnout="1 min")],
        {"fire": fire_type({"fire": 2})})
    _, inc, asg = run_engine(scenario, [incident(50, "B", on_scene=30)])
    assert sorted(asg["unit"]) == ["eA#1", "eD#1"]  # 10 and 20 min away; eE is 30 min away
    # 61-71 at half rate does 5 of the 30 minutes of work; the other 25 end at 96
    check(sent(asg, 0, "eA#1"), dispatch=50, arrival=61, leave_scene=96, free=96)
    check(sent(asg, 0, "eD#1"), dispatch=50, arrival=71, leave_scene=96, free=96)
    check(inc.loc[0], first_dispatch=50, full_dispatch=50, first_arrival=61, full_complement=71,
          scene_end=96, cleared=96, units_sent=2, waited=False)


def test_mixed_capabilities_scarcest_first():
    """{rescue: 1, fire: 1}: the only rescue-capable unit goes for rescue, a fire unit for fire."""
    scenario = line_scenario(
        [unit("resc", "C", ("rescue", "fire")), unit("eB", "B"), unit("eA", "A")],
        {"crash": fire_type({"rescue": 1, "fire": 1})})
    # resc is also the nearest fire unit: filling 'fire' first would leave 'rescue' unfilled
    _, inc, asg = run_engine(scenario, [incident(0, "C", "crash", on_scene=30)])
    assert dict(zip(asg["unit"], asg["capability"], strict=True)) == {"resc#1": "rescue",
                                                                      "eB#1": "fire"}
    assert asg["unit"].is_unique
    check(inc.loc[0], units_sent=2, waited=False, full_dispatch=0, full_complement=10,
          scene_end=35)  # 0-10 at half rate, then the remaining 25 minutes


# ---------------------------------------------------------------- waiting, queue, lost calls

def test_partial_dispatch_waits_for_second_unit():
    """Only one of two units free: one goes at once, the other when a unit frees up."""
    scenario = line_scenario([unit("eng", "A", count=2)],
                             {"one": fire_type(), "two": fire_type({"fire": 2})})
    _, inc, asg = run_engine(scenario, [
        incident(0, "B", "one", on_scene=30),   # eng#1: arrives 10, free at B at 40
        incident(5, "C", "two", on_scene=20),   # eng#2 at once, eng#1 from B at 40
    ])
    check(sent(asg, 1, "eng#2"), dispatch=5, arrival=25, from_node="A", was_away=False)
    free_at = sent(asg, 0, "eng#1")["free"]
    assert free_at == pytest.approx(40)
    check(sent(asg, 1, "eng#1"), dispatch=free_at, from_node="B", was_away=True,
          travel_minutes=10, arrival=50)
    # 25-50 at half rate does 12.5 of 20 minutes; the remaining 7.5 end at 57.5
    check(inc.loc[1], waited=True, first_dispatch=5, full_dispatch=40, first_arrival=25,
          full_complement=50, scene_end=57.5, cleared=57.5, units_sent=2)
    assert not inc.loc[0, "waited"]


def test_queue_serves_higher_priority_first():
    """With the only unit busy, a later priority-1 call goes before an earlier priority-2 call."""
    scenario = line_scenario([unit("eng", "A")],
                             {"routine": fire_type(priority=2), "urgent": fire_type(priority=1)})
    _, inc, asg = run_engine(scenario, [
        incident(0, "B", "routine"),    # busy until 40 (at B)
        incident(5, "B", "routine"),
        incident(10, "B", "urgent"),
    ])
    assert sent(asg, 2)["dispatch"] == pytest.approx(40)
    assert sent(asg, 1)["dispatch"] == pytest.approx(70)
    assert inc["waited"].tolist() == [False, True, True]


def test_queue_is_fifo_by_call_time_within_a_priority():
    """Equal priorities are served in call order (not occurrence order)."""
    scenario = line_scenario([unit("eng", "A")])
    _, inc, asg = run_engine(scenario, [
        incident(0, "B"),                # busy until 40 (at B)
        incident(5, "B", detect=10),     # occurs first, but is called at 15
        incident(8, "B"),                # called at 8
    ])
    assert inc["call"].tolist() == [0, 15, 8]
    assert sent(asg, 2)["dispatch"] == pytest.approx(40)
    assert sent(asg, 1)["dispatch"] == pytest.approx(70)


def test_lost_calls_do_not_queue():
    """when_no_unit: lost: a call without its full requirement at once is lost, all or nothing."""
    scenario = line_scenario([unit("eng", "A", count=2)],
                             {"one": fire_type(), "two": fire_type({"fire": 2})},
                             dispatch={"when_no_unit": "lost"})
    _, inc, asg = run_engine(scenario, [
        incident(0, "B", "one"),     # eng#1, busy until 40
        incident(5, "B", "two"),     # only eng#2 free: lost, eng#2 not used
        incident(10, "B", "one"),    # eng#2
        incident(12, "B", "one"),    # nobody free: lost
    ])
    assert inc["status"].tolist() == ["cleared", "lost", "cleared", "lost"]
    assert inc["units_sent"].tolist() == [1, 0, 1, 0]
    assert not inc["waited"].any()
    assert inc.loc[[1, 3], "first_dispatch"].isna().all()
    assert asg["incident"].tolist() == [0, 2]  # nothing was served later from a queue
    check(sent(asg, 2), unit="eng#2", dispatch=10)


# ---------------------------------------------------------------- hospital transport

def test_hospital_transport_by_carrier():
    """The carrier drives to the nearest hospital and hands over; the others free at scene end."""
    scenario = line_scenario(
        [unit("amb", "C", ("ems",), turnout="1 min"), unit("resc", "B", ("rescue",), turnout="1 min")],
        {"crash": fire_type({"rescue": 1, "ems": 1},
                            hospital={"probability": 1, "handover": "15 min", "by": "ems"})},
        hospitals={"far": "A", "near": "E"})  # from D: A is 30 min, E is 10 min
    _, inc, asg = run_engine(scenario, [
        incident(0, "D", "crash", on_scene=30, transport=True, handover=15)])
    # 11-21 at half rate, then 25 minutes: scene end 46, hospital E 10 min away, 15 min handover
    check(sent(asg, 0, "amb#1"), arrival=11, leave_scene=46, hospital_arrival=56, free=71)
    check(sent(asg, 0, "resc#1"), arrival=21, leave_scene=46, hospital_arrival=NAN, free=46)
    check(inc.loc[0], full_complement=21, scene_end=46, cleared=71, transported=True)


# ---------------------------------------------------------------- driving home

def _redispatch_run(redispatch: bool) -> tuple[ResponseEngine, pd.DataFrame]:
    scenario = line_scenario([unit("u1", "A"), unit("u2", "F")],
                             dispatch={"redispatch_returning": redispatch})
    engine, _, asg = run_engine(scenario, [
        incident(0, "E", on_scene=20),    # u1 (40 min from A; u2 is 45): free at E at 60
        incident(75, "C", on_scene=40),   # u1 is 15 min into its drive home: 5 min short of C
        incident(105, "A", on_scene=10),  # u1's stale trip home would end at 100
    ])
    return engine, asg


def test_redispatch_en_route_counts_from_position():
    """A unit driving home is re-dispatched from where it is, and stays busy until freed."""
    engine, asg = _redispatch_run(True)
    row = sent(asg, 1)
    check(row, unit="u1#1", was_away=True, from_node="C", dispatch=75, travel_minutes=5, arrival=80,
          free=120)
    assert row["travel_minutes"] < 20  # from its base A it would take 20 min
    # the trip home that would have ended at 100 must not make u1 available at A
    check(sent(asg, 2), unit="u2#1", from_node="F", travel_minutes=5)
    timeline = unit_timeline(asg, "u1#1")
    assert timeline == [(0, 60), (75, 120)]
    assert all(free <= nxt for (_, free), (nxt, _) in zip(timeline, timeline[1:], strict=False))
    assert engine.units[0].status == AT_BASE


def test_no_redispatch_en_route():
    """redispatch_returning: false: the returning unit is skipped, a station unit goes."""
    _, asg = _redispatch_run(False)
    check(sent(asg, 1), unit="u2#1", was_away=False, from_node="F", dispatch=75,
          travel_minutes=25)
    # u1 got home at 100 and serves the call at its own station
    check(sent(asg, 2), unit="u1#1", was_away=False, from_node="A", travel_minutes=0)


@pytest.mark.parametrize(("factor", "call_at", "still_driving"),
                         [(1.0, 49, True), (1.0, 51, False), (0.5, 69, True), (0.5, 71, False)])
def test_return_speed_factor(factor, call_at, still_driving):
    """The drive home (C to A, 20 min) takes 20 min at pace 1 and 40 min at pace 0.5."""
    scenario = line_scenario([unit("eng", "A")], dispatch={"return_speed_factor": factor})
    _, _, asg = run_engine(scenario, [incident(0, "C", on_scene=10),  # free at C at 30
                                      incident(call_at, "B")])
    row = sent(asg, 1)
    assert row["was_away"] == still_driving
    if still_driving:  # 1 network minute short of A: turns back to B, 9 minutes behind
        check(row, from_node="B", travel_minutes=9 if factor == 1.0 else 9.5)
    else:
        check(row, from_node="A", travel_minutes=10)


# ---------------------------------------------------------------- turnout

def test_uniform_turnout_uses_incident_uniforms():
    """Turnout = low + (high - low) * u, with u the incident's uniform for each slot."""
    scenario = line_scenario(
        [unit("eng", "A", count=2, turnout={"dist": "uniform", "low": "1 min", "high": "3 min"})],
        {"fire": fire_type({"fire": 2})})
    _, inc, asg = run_engine(scenario, [incident(0, "B", u=(0.25, 0.75))])
    check(sent(asg, 0, "eng#1"), depart=1.5, arrival=11.5)
    check(sent(asg, 0, "eng#2"), depart=2.5, arrival=12.5)
    check(inc.loc[0], full_complement=12.5)


def test_unit_sent_later_uses_next_turnout_slot():
    """A unit sent from the queue takes the call's next turnout uniform."""
    scenario = line_scenario(
        [unit("eng", "A", count=2, turnout={"dist": "uniform", "low": "1 min", "high": "3 min"})],
        {"one": fire_type(), "two": fire_type({"fire": 2})})
    _, _, asg = run_engine(scenario, [
        incident(0, "A", "one", u=(0.0, 0.5)),    # eng#1: turnout 1, free in its station at 31
        incident(5, "B", "two", u=(0.5, 0.9)),    # eng#2 now (turnout 2), eng#1 at 31 (2.8)
    ])
    check(sent(asg, 1, "eng#2"), dispatch=5, depart=7)
    check(sent(asg, 1, "eng#1"), dispatch=31, depart=33.8, was_away=False)


def test_units_on_the_road_do_not_turn_out_again():
    """A unit freed at a scene and sent on from there leaves at once (no second turnout)."""
    scenario = line_scenario([unit("eng", "A", turnout="3 min")])
    _, _, asg = run_engine(scenario, [incident(0, "B", on_scene=10),   # arrives 13, free at B 23
                                      incident(5, "C")])               # queued: sent from B at 23
    check(sent(asg, 1), dispatch=23, depart=23, was_away=True, from_node="B", arrival=33)


# ---------------------------------------------------------------- end of run, warm-up

def _drain_run(drain: bool):
    scenario = line_scenario([unit("eng", "A")], run={"horizon": "100 min", "drain": drain})
    engine = ResponseEngine(scenario, make_stream(scenario, [
        incident(50, "B", on_scene=100),          # on scene 60 .. 160
        incident(95, "B", detect=10, on_scene=30),  # called at 105, after the horizon
    ]))
    records = engine.run()
    return records, records.incident_frame()


def test_drain_clears_everything():
    """run.drain: every incident is cleared, also after the horizon."""
    records, inc = _drain_run(True)
    assert (inc["status"] == "cleared").all()
    assert inc["cleared"].tolist() == pytest.approx([160, 190])
    assert inc["cleared"].max() > records.horizon
    assert records.end_time == pytest.approx(200)  # eng back home from B


def test_no_drain_stops_at_horizon():
    """Without drain the run stops at the horizon; unfinished incidents are open, NaN cleared."""
    records, inc = _drain_run(False)
    assert records.end_time == pytest.approx(100)
    assert inc["status"].tolist() == ["open", "open"]
    assert inc["cleared"].isna().all()
    check(inc.loc[0], first_arrival=60, scene_end=NAN)
    check(inc.loc[1], detection=NAN, call=NAN, first_dispatch=NAN)


def test_warmup_kpis_and_busy_fraction():
    """KPIs count incidents after the warm-up; busy fraction is busy time inside the window."""
    scenario = line_scenario([unit("eng", "A")], run={"horizon": "1000 min", "warmup": "100 min"})
    engine = ResponseEngine(scenario, make_stream(scenario, [
        incident(50, "C", on_scene=100),    # response 20, busy 50 .. 170 -> 70 in window
        incident(200, "B", on_scene=30),    # response 10, busy 200 .. 240 -> 40
        incident(950, "C", on_scene=100),   # response 20, busy 950 .. 1070 -> 50
    ]))
    result = sim.RunResult(scenario, 0, [engine.run()])
    row = result.kpis.set_index("type").loc["all"]
    assert row["incidents"] == 2
    assert row["response_mean"] == pytest.approx(15)  # (10 + 20) / 2: the first one is left out
    units = result.units.set_index("unit")
    assert units.loc["eng#1", "busy_minutes"] == pytest.approx(160)
    assert units.loc["eng#1", "busy_fraction"] == pytest.approx(160 / 900)
    assert units.loc["eng#1", "assignments"] == 2


# ---------------------------------------------------------------- custom dispatch policies

class HighestIndex(DispatchPolicy):
    """Always the available unit with the highest index."""

    def select(self, call, need, fleet):
        picks, taken = [], set()
        for capability, count in need.items():
            free = [u for u in reversed(fleet.available(capability)) if u.index not in taken]
            for chosen in free[:count]:
                picks.append((chosen, capability))
                taken.add(chosen.index)
        return picks


def test_custom_policy_is_used():
    """A custom policy, given to the engine or registered and named in the scenario, chooses
    the units."""
    units = [unit("near", "B"), unit("far", "E")]
    calls = [incident(0, "B")]
    _, _, asg = run_engine(line_scenario(units), calls)
    assert sent(asg, 0)["unit"] == "near#1"  # the default: nearest available
    _, _, asg = run_engine(line_scenario(units), calls, policy=HighestIndex())
    assert sent(asg, 0)["unit"] == "far#1"

    sim.register_policy("dispatch", "test-highest-index", HighestIndex)
    scenario = line_scenario(units, dispatch={"policy": "test-highest-index"})
    engine, _, asg = run_engine(scenario, calls)
    assert type(engine.policy).__name__ == "HighestIndex"
    assert sent(asg, 0)["unit"] == "far#1"


class AlwaysFirst(DispatchPolicy):
    """Broken on purpose: always unit 0, busy or not."""

    def select(self, call, need, fleet):
        return [(fleet.units[0], next(iter(need)))]


def test_policy_choosing_busy_unit_raises():
    """A policy that returns a busy unit is a SimError naming the policy and the unit."""
    scenario = line_scenario([unit("eng", "A", count=2)])
    with pytest.raises(sim.SimError, match=r"AlwaysFirst chose unit eng#1 for 'fire'.*cannot serve"):
        run_engine(scenario, [incident(0, "B"), incident(5, "B")], policy=AlwaysFirst())


# ---------------------------------------------------------------- determinism and common random numbers

def test_simulate_is_deterministic():
    """Same scenario, replication and seed give identical tables; another rep or seed does not."""
    scenario = load(base_raw())
    first, again = sim.simulate(scenario, 0, seed=5), sim.simulate(scenario, 0, seed=5)
    pdt.assert_frame_equal(first.incident_frame(), again.incident_frame())
    pdt.assert_frame_equal(first.assignment_frame(), again.assignment_frame())
    assert len(first.incident_frame()) > 5
    for other in (sim.simulate(scenario, 1, seed=5), sim.simulate(scenario, 0, seed=6)):
        assert not first.incident_frame().drop(columns="replication").equals(
            other.incident_frame().drop(columns="replication"))


def test_incidents_do_not_depend_on_layout():
    """Moving a station or changing a unit count leaves the incident stream unchanged (CRN)."""
    raw = base_raw()
    raw["facilities"][1]["node"] = "c"  # township station moved
    raw["units"][0]["count"] = 3         # one more engine
    one = draw_incidents(load(base_raw()), Streams(5, 0))
    two = draw_incidents(load(raw), Streams(5, 0))
    assert len(one) > 5
    for column in ("time", "node", "type_index", "on_scene", "detection_delay", "turnout_u"):
        np.testing.assert_array_equal(getattr(one, column), getattr(two, column))


# ---------------------------------------------------------------- incident generation

def _generation_scenario(generators: list[dict], **run: object) -> sim.Scenario:
    raw = base_raw()
    raw["generators"] = generators
    raw["run"].update(run)
    return load(raw)


def test_poisson_count_matches_rate():
    """A rate of 365 / y over 365 days gives 365 incidents on average."""
    scenario = _generation_scenario([{"type": "fire", "rate": "365 / y"}], horizon="365 d")
    counts = np.array([len(draw_incidents(scenario, Streams(3, r))) for r in range(200)])
    assert abs(counts.mean() - 365) < 4 * math.sqrt(365 / len(counts))
    assert counts.std() == pytest.approx(math.sqrt(365), rel=0.25)


def test_time_of_day_profile():
    """All weight in hour 8 puts every occurrence between 8:00 and 9:00 from run.start's clock."""
    profile = [0.0] * 24
    profile[8] = 1.0
    start = dt.datetime(2025, 1, 1, 6, 30)
    scenario = _generation_scenario([{"type": "fire", "rate": "2000 / y", "time_of_day": profile}],
                                    horizon="30 d", start=start)
    stream = draw_incidents(scenario, Streams(1, 0))
    assert len(stream) > 50
    clock = pd.Timestamp(start) + pd.to_timedelta(stream.time, unit="min")
    assert set(clock.hour) == {8}


def test_time_of_day_profile_with_timezone_aware_start():
    """With run.start at +08:00, hour-8 weight still means 8:00-9:00 on run.start's wall clock."""
    profile = [0.0] * 24
    profile[8] = 1.0
    start = "2025-01-01T06:30:00+08:00"
    scenario = _generation_scenario([{"type": "fire", "rate": "2000 / y", "time_of_day": profile}],
                                    horizon="30 d", start=start)
    stream = draw_incidents(scenario, Streams(1, 0))
    assert len(stream) > 50
    clock = pd.Timestamp(scenario.spec.run.start) + pd.to_timedelta(stream.time, unit="min")
    assert set(clock.hour) == {8}


def test_season_profile():
    """Weight only in July puts every incident in July."""
    season = [0.0] * 12
    season[6] = 1.0
    scenario = _generation_scenario([{"type": "fire", "rate": "365 / y", "season": season}],
                                    horizon="365 d")
    stream = draw_incidents(scenario, Streams(1, 0))
    assert len(stream) > 200  # the profile keeps the yearly mean: about 365, all in July
    clock = pd.Timestamp(scenario.spec.run.start) + pd.to_timedelta(stream.time, unit="min")
    assert set(clock.month) == {7}


def test_spatial_weights():
    """Population, uniform, tag, kind and explicit node weights give the expected frequencies."""
    # nodes a (population 1000), b (500), c (500, tagged forest); a is a township, b and c villages
    expected = {
        "pop": ({"weight": "population"}, {"a": 0.5, "b": 0.25, "c": 0.25}),
        "uni": ({"weight": "uniform"}, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}),
        "tag": ({"tags": ["forest"]}, {"a": 0.0, "b": 0.0, "c": 1.0}),
        "kind": ({"kinds": ["village"]}, {"a": 0.0, "b": 0.5, "c": 0.5}),
        "expl": ({"nodes": {"a": 1, "b": 3}}, {"a": 0.25, "b": 0.75, "c": 0.0}),
    }
    scenario = _generation_scenario(
        [{"id": gid, "type": "fire", "rate": "50000 / y", "where": where}
         for gid, (where, _) in expected.items()], horizon="30 d")
    stream = draw_incidents(scenario, Streams(2, 0))
    node_ids = [n.id for n in scenario.spec.region.nodes]
    for k, gid in enumerate(stream.generator_names):
        nodes = stream.node[stream.generator_index == k]
        n = len(nodes)
        assert n > 3000
        for node, p in expected[gid][1].items():
            count = int((nodes == node_ids.index(node)).sum())
            assert abs(count - n * p) <= 4 * math.sqrt(n * p * (1 - p)), (gid, node, count, n * p)


# ---------------------------------------------------------------- requirements that can never be met

def test_requirement_needing_one_unit_twice_is_rejected():
    """A requirement only satisfiable by using the same unit twice is a scenario error."""
    raw = base_raw()
    raw["units"] = [{"type": "rescue", "capabilities": ["rescue", "fire"], "base": "ts"},
                    {"type": "ambulance", "capabilities": ["ems"], "base": "fs"}]
    raw["incident_types"] = {"crash": {"requires": {"rescue": 1, "fire": 1}, "on_scene": "30 min"}}
    raw["generators"] = [{"type": "crash", "rate": "50 / y"}]
    with pytest.raises(sim.ScenarioError, match="crash") as err:
        load(raw)
    assert "needs 2 distinct units (rescue: 1, fire: 1) but at most 1 can be sent together" in str(err.value)


# ---------------------------------------------------------------- work before the full complement

def test_two_calls_each_holding_one_unit_both_finish():
    """Partial dispatch cannot deadlock: each call works with the unit it has."""
    scenario = line_scenario([unit("eA", "A"), unit("eE", "E")],
                             {"fire": fire_type(priority=1), "low": fire_type({"fire": 2}, priority=2),
                              "high": fire_type({"fire": 2}, priority=1)})
    _, inc, asg = run_engine(scenario, [
        incident(0, "E", "fire", on_scene=30),   # eE busy at its station until 30
        incident(1, "A", "low", on_scene=30),    # eA at once; waits for a second unit
        incident(2, "E", "high", on_scene=30),   # nobody free: queued ahead of "low"
    ])
    # at 30 eE goes to "high" (higher priority): each call now holds one unit of the two it
    # needs; each works at half rate, so "low" ends at 1 + 60 = 61 and frees eA, which
    # drives to "high" (40 min) but is stood down when "high" ends at 30 + 60 = 90
    assert (inc["status"] == "cleared").all()
    check(inc.loc[1], first_arrival=1, full_complement=NAN, scene_end=61, cleared=61, units_sent=1)
    check(inc.loc[2], first_arrival=30, full_complement=NAN, scene_end=90, cleared=90, units_sent=2)
    check(sent(asg, 2, "eA#1"), dispatch=61, stood_down=True, free=90, arrival=NAN)


def test_units_on_the_way_are_stood_down_when_the_work_ends():
    """The work ends before a far unit arrives: it is called off where it is and drives home."""
    scenario = line_scenario([unit("eB", "B"), unit("eE", "E")],
                             {"fire": fire_type(), "two": fire_type({"fire": 2})})
    _, inc, asg = run_engine(scenario, [incident(0, "B", "two", on_scene=10),   # eB on scene at 0
                                        incident(25, "D")])                     # one unit needed
    # eB alone works at half rate: done at 20; eE (30 min away) is 20 minutes into its drive
    check(inc.loc[0], scene_end=20, cleared=20, full_complement=NAN, units_sent=2)
    check(sent(asg, 0, "eE#1"), stood_down=True, arrival=NAN, leave_scene=NAN, free=20)
    # at 25, eE (stood down at C at 20, back home toward E) is 5 min past C: 5 min short of D
    check(sent(asg, 1, "eE#1"), was_away=True, dispatch=25, travel_minutes=5, from_node="D")


def test_patient_waits_for_the_carrier_when_the_work_ends_first():
    """The ambulance is still coming when the rescue work ends: it still takes the patient."""
    scenario = line_scenario(
        [unit("amb", "E", ("ems",)), unit("resc", "B", ("rescue",))],
        {"crash": fire_type({"rescue": 1, "ems": 1},
                            hospital={"probability": 1, "handover": "5 min", "by": "ems"})},
        hospitals={"h": "A"})
    _, inc, asg = run_engine(scenario, [incident(0, "B", "crash", on_scene=10, transport=True,
                                                 handover=5)])
    # resc alone: 20 minutes of half-rate work; amb (30 min away) is not stood down
    check(sent(asg, 0, "resc#1"), arrival=0, leave_scene=20, free=20)
    check(sent(asg, 0, "amb#1"), stood_down=False, arrival=30, leave_scene=30, hospital_arrival=40,
          free=45)
    check(inc.loc[0], scene_end=20, cleared=45, transported=True)
