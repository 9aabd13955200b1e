"""The "three cuts" and damaged roads act: a power cut slows detection, a communications cut
slows detection, reports and the warning chain, flooded or damaged roads slow travel without
closing it, and flood and landslide rescues have detection and report delays
(:mod:`sim.model.outages`, :mod:`sim.model.exogenous`, :mod:`sim.model.evacuation_plan`,
:mod:`sim.engine.roads`). Each effect is checked exactly on a small case and shown to act in a
built-in scenario (the test fails if it stops acting)."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from conftest import REPO, SCENARIOS, base_raw, load
from hypothesis import given
from hypothesis import strategies as st
from test_hazards import county, draw, node, typhoon

import sim
from sim.engine.streams import Streams
from sim.engine.travel import TravelTimes
from sim.model.exogenous import draw_replication
from sim.model.outages import stretched

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import grid_network  # noqa: E402

# ---------------------------------------------------------------- a delay stretched by outages


def test_a_delay_inside_one_window_takes_factor_times_as_long():
    assert stretched(100.0, 30.0, []) == 130.0
    assert stretched(100.0, 30.0, [(0.0, 1000.0, 2.0)]) == 160.0
    # 10 minutes at full pace, then the window: the other 20 minutes take 40
    assert stretched(100.0, 30.0, [(110.0, 1000.0, 2.0)]) == 150.0
    # the window ends after 10 of its minutes (5 minutes of work): 25 more at full pace
    assert stretched(100.0, 30.0, [(100.0, 110.0, 2.0)]) == 135.0
    # overlapping windows: the stronger counts
    assert stretched(0.0, 10.0, [(0.0, 100.0, 2.0), (0.0, 100.0, 3.0)]) == 30.0
    assert stretched(0.0, 10.0, [(50.0, 100.0, 5.0)]) == 10.0  # done before it starts


windows = st.lists(st.tuples(st.floats(0, 500), st.floats(0, 300), st.floats(1, 5)), max_size=4).map(
    lambda ws: [(a, a + d, f) for a, d, f in ws])


@given(st.floats(0, 400), st.floats(0, 300), windows)
def test_a_stretched_delay_is_never_shorter_nor_slower_than_the_strongest_window(start, minutes, ws):
    end = stretched(start, minutes, ws)
    strongest = max((f for *_, f in ws), default=1.0)
    assert start + minutes - 1e-9 <= end <= start + minutes * strongest + 1e-9
    assert stretched(start, minutes + 1.0, ws) >= end  # more work never ends sooner


# ---------------------------------------------------------------- detection and reports


def test_a_power_cut_multiplies_detection_delays_only():
    """While the power is down at a node, its incidents' detection delays (not their report
    delays) are multiplied by power_factor."""
    quiet = typhoon(intensity={"A": 1.0})
    cut = typhoon(intensity={"A": 1.0}, outages={"power": 1.0, "restore": "12 h", "power_factor": 1.7})
    hits = 0
    for seed in range(4):
        normal, _ = draw(county(quiet, accident_rate="20000 / y"), seed)
        slow, timeline = draw(county(cut, accident_rate="20000 / y"), seed)
        [outage] = timeline.outages
        assert (outage.node, outage.kind) == (node("A"), "power")
        hit = (normal.node == node("A")) & (normal.time >= outage.start) & (normal.time < outage.end)
        hits += int(hit.sum())
        np.testing.assert_allclose(slow.detection_delay, normal.detection_delay * np.where(hit, 1.7, 1.0))
        np.testing.assert_array_equal(slow.report_delay, normal.report_delay)
    assert hits > 10


def test_power_and_communications_down_together_count_the_stronger_factor():
    both = typhoon(intensity={"A": 1.0}, outages={"power": 1.0, "communication": 1.0, "restore": "30 d",
                                                  "delay_factor": 2.0, "power_factor": 3.0})
    normal, _ = draw(county(typhoon(intensity={"A": 1.0}), accident_rate="20000 / y"), 2)
    slow, timeline = draw(county(both, accident_rate="20000 / y"), 2)
    starts = {o.kind: o.start for o in timeline.outages}
    a = normal.node == node("A")
    after_both = a & (normal.time >= max(starts.values()))
    assert after_both.sum() > 5
    np.testing.assert_allclose(slow.detection_delay[after_both], 3.0 * normal.detection_delay[after_both])
    np.testing.assert_allclose(slow.report_delay[after_both], 2.0 * normal.report_delay[after_both])


@pytest.mark.parametrize("name", ["pinghu", "fenghua", "qinhuangdao"])
def test_flood_and_landslide_rescues_have_detection_and_report_delays(name):
    spec = sim.load_scenario(SCENARIOS / f"{name}.yaml").spec
    for type_name in ("flood_rescue", "landslide_rescue"):
        itype = spec.incident_types.get(type_name)
        if itype is None:
            continue
        assert itype.detection_delay.mean > 0, type_name
        assert itype.report_delay.mean > 0, type_name


def test_qinhuangdao_outdoor_fires_are_found_later_and_its_forest_is_the_citys():
    spec = sim.load_scenario(SCENARIOS / "qinhuangdao.yaml").spec
    outdoor = spec.incident_types["outdoor_fire"]
    assert outdoor.detection_delay.mean == pytest.approx(10.0)
    assert outdoor.report_delay.mean == pytest.approx(2.0)
    forest = sum(n.forest_ha for n in spec.region.nodes)
    assert 300_000 <= forest <= 400_000  # was 10,500 ha (1.87 per mille burned a year)


def _slowed(name: str, hazard: str, **factors: float) -> tuple[sim.Scenario, sim.Scenario]:
    scenario = sim.load_scenario(SCENARIOS / f"{name}.yaml")
    off = scenario.with_overrides({f"hazards.{hazard}.outages.{key}": 1.0 for key in factors})
    return scenario, off


def test_outages_slow_detection_in_a_built_in_scenario():
    """Qinhuangdao's rainstorms cut power and communications: incidents there are detected later."""
    scenario, off = _slowed("qinhuangdao", "rainstorms", delay_factor=1, power_factor=1)
    slower = 0
    for r in range(6):
        with_cuts, _ = draw_replication(scenario, Streams(scenario.spec.run.seed, r))
        without, _ = draw_replication(off, Streams(scenario.spec.run.seed, r))
        np.testing.assert_array_equal(with_cuts.time, without.time)
        assert (with_cuts.detection_delay >= without.detection_delay).all()
        slower += int((with_cuts.detection_delay > without.detection_delay + 1e-12).sum())
    assert slower > 0


# ---------------------------------------------------------------- the warning chain


def chain_raw(delay_factor: float) -> dict:
    """The three-node county; heavy rain at day 1 with no lead (the warning goes out as it
    starts) cuts communications everywhere within its first minute, for two days; the chain
    takes 30 + 20 + 10 minutes."""
    raw = base_raw()
    for n in raw["region"]["nodes"]:
        n["area_km2"] = 0
    raw["run"]["horizon"] = "5 d"
    raw["generators"] = [{"type": "fire", "rate": "1 / y"}]
    raw["hazards"] = [{"kind": "heavy_rain", "id": "rain", "at": "1 d", "lead": "0 min", "duration": "1 min",
                       "intensity": {"default": 1.0},
                       "outages": {"communication": 1.0, "restore": "2 d", "delay_factor": delay_factor}}]
    raw["shelters"] = [{"id": "s-a", "node": "a", "capacity": 10_000}]
    raw["evacuation"] = {"zones": [{"hazard": "rain"}], "compliance": 1, "own_vehicle": 1,
                         "groups_per_node": 2, "departure": "15 min",
                         "chain": {"township": "30 min", "village": "20 min", "household": "10 min"},
                         "vulnerable": {"share": 0.1, "delay": "40 min"}}
    return raw


def test_a_communications_cut_slows_the_warning_chain_while_it_passes():
    plain = load(chain_raw(1.0))
    slow = load(chain_raw(2.5))
    _, timeline = draw_replication(plain, Streams(1, 0))
    _, slow_timeline = draw_replication(slow, Streams(1, 0))
    cut_at = {o.node: o.start for o in slow_timeline.outages}
    assert len(cut_at) == 3
    for before, after in zip(timeline.evacuation, slow_timeline.evacuation, strict=True):
        chain = 40.0 if before.vulnerable else 60.0
        assert before.reached == pytest.approx(before.warned + chain)
        start = cut_at[after.node]
        assert before.warned <= start < before.warned + 1  # the cut comes within the first minute
        assert after.reached == pytest.approx(start + (chain - (start - before.warned)) * 2.5)
        assert after.departs - after.reached == pytest.approx(before.departs - before.reached)


def test_a_communications_cut_slows_warnings_in_a_built_in_scenario():
    """Qinhuangdao: households below a torrent are told through the chain, which an outage at
    the place slows (with delay_factor 1 they would be told sooner)."""
    scenario, off = _slowed("qinhuangdao", "rainstorms", delay_factor=1)
    later = 0
    for r in range(10):
        _, with_cut = draw_replication(scenario, Streams(scenario.spec.run.seed, r))
        _, without = draw_replication(off, Streams(scenario.spec.run.seed, r))
        for a, b in zip(with_cut.evacuation, without.evacuation, strict=True):
            assert a.reached >= b.reached - 1e-9
            later += a.reached > b.reached + 1e-9
    assert later > 0


# ---------------------------------------------------------------- roads that slow


def flood_raw(factor: float | None) -> dict:
    """The three-node county (a-b 5 min, a-c 8 min); heavy rain from minute 60 floods every
    road within its first minute for 100 days, ``factor`` times slower (None: no flooding)."""
    raw = base_raw()
    for n in raw["region"]["nodes"]:
        n["area_km2"] = 0
    raw["generators"] = [{"type": "fire", "rate": "300 / y", "where": {"weight": "uniform"}}]
    cuts: dict = {"probability": 0.0}
    if factor is not None:
        cuts["flooding"] = {"probability": 1.0, "factor": factor, "lasts": "100 d"}
    raw["hazards"] = [{"kind": "heavy_rain", "id": "rain", "at": "1 h", "lead": "0 min", "duration": "1 min",
                       "intensity": {"default": 1.0}, "road_cuts": cuts}]
    return raw


def test_flooded_roads_are_driven_factor_times_slower_and_stay_open():
    dry = sim.simulate(load(flood_raw(None)), 0, 3)
    wet = sim.simulate(load(flood_raw(3.0)), 0, 3)
    slowdowns = wet.table_frame("road_slowdowns")
    assert len(slowdowns) == 2 and (slowdowns["factor"] == 3.0).all()
    assert len(wet.table_frame("road_closures")) == 0
    assert wet.table_frame("hazards")["roads_slowed"].tolist() == [2]
    a_dry, a_wet = dry.assignment_frame(), wet.assignment_frame()
    assert list(a_dry["incident"]) == list(a_wet["incident"])
    flooded = (a_wet["dispatch"] > slowdowns["start"].max()) & ~a_wet["was_away"] & ~a_dry["was_away"]
    assert flooded.sum() > 5
    wet_minutes, dry_minutes = a_wet.loc[flooded, "travel_minutes"], a_dry.loc[flooded, "travel_minutes"]
    np.testing.assert_allclose(wet_minutes, 3.0 * dry_minutes)
    assert set(np.round(wet_minutes[wet_minutes > 0], 9)) <= {15.0, 24.0}


def test_an_earthquake_slows_the_roads_it_damages_but_does_not_cut():
    quake = {"kind": "earthquake", "id": "eq", "at": "5 d", "magnitude": 6.5,
             "epicentre": {"lon": 121.1, "lat": 30.7},
             "collapse": {"incident_type": "collapse", "per_10k": 1},
             "road_damage": {"median": 9.5, "repair": "24 h",
                             "slowed": {"median": 5.0, "spread": 0.5, "factor": 2.0}}}
    _, timeline = draw(county(quake))
    cut = {c.road for c in timeline.closures}
    slowed = {s.road for s in timeline.slowdowns}
    assert slowed and not cut & slowed
    assert all(s.factor == 2.0 for s in timeline.slowdowns)
    [event] = timeline.events
    assert all(s.start == event.start for s in timeline.slowdowns)


def test_a_slowed_road_state_on_a_large_network_equals_a_fresh_one():
    network = grid_network(2_000)
    sources = frozenset(range(0, 2_000, 250))
    roads = TravelTimes(network, sources=sources)
    for s in sources:
        roads.rows[s]
        roads.rows.column(s)
    tree = roads.rows.preds[0]
    child = next(i for i in range(1, network.n_nodes) if tree[i] >= 0)
    arc = int(np.nonzero((network.tail == tree[child]) & (network.head == child))[0][0])
    road = int(network.arc_road[arc])
    slowed = frozenset({(road, 4.0), (road + 7, 2.0)})
    state = roads.after(frozenset(), slowed)
    assert 0 not in state.rows.known()  # its tree used the slowed road
    fresh = TravelTimes(network, frozenset(), sources=sources, slowed=slowed)
    for o in [0, 3, 250, 777, 1999]:
        for t in [*sorted(sources), 777, 5]:
            assert state.rows[o][t] == pytest.approx(fresh.rows[o][t], rel=1e-12)
    assert state.rows[0][child] > roads.rows[0][child]
    dry = state.after(frozenset())  # the water goes: what it made slower cannot stay
    for o in [0, 777]:
        for t in [*sorted(sources), 777]:
            assert dry.rows[o][t] == pytest.approx(roads.rows[o][t], rel=1e-12)


def test_flooded_roads_slow_flood_rescues_in_a_built_in_scenario():
    """Pinghu: typhoons flood roads of the flood-prone places; flood rescues take longer to reach
    than on dry roads (same incidents, same draws)."""
    scenario = sim.load_scenario(SCENARIOS / "pinghu.yaml", {"run.horizon": "3 y"})
    dry = scenario.with_overrides({"hazards.typhoons.road_cuts.flooding.probability": 0.0,
                                   "hazards.typhoons.road_cuts.flooding.tags": {}})
    wet_travel = dry_travel = 0.0
    slowed = 0
    for r in range(2):
        wet = sim.simulate(scenario, r)
        plain = sim.simulate(dry, r)
        slowed += len(wet.table_frame("road_slowdowns"))
        assert len(plain.table_frame("road_slowdowns")) == 0
        wet_travel += float(np.nansum(wet.assignment_frame()["travel_minutes"]))
        dry_travel += float(np.nansum(plain.assignment_frame()["travel_minutes"]))
    assert slowed > 20
    assert wet_travel > dry_travel
    assert math.isfinite(wet_travel)


def test_isolated_villages_are_cut_off_and_call_for_rescue_in_pinghu():
    """A flooded low-lying village is cut off whole (every road at once) and its trapped people
    call for a flood rescue that only the helicopter reaches until the water goes."""
    base = sim.load_scenario(SCENARIOS / "pinghu.yaml")
    dry = base.with_overrides({"hazards.typhoons.road_cuts.isolation": None})
    with_isolation, without = sim.run(base, replications=6), sim.run(dry, replications=6)

    def cut_off_hours(result):
        table = result.table("cut_off")
        return float((table["end"] - table["start"]).sum() / 60) if len(table) else 0.0

    assert cut_off_hours(with_isolation) > 5 * max(cut_off_hours(without), 0.1)
    air = with_isolation.assignments[with_isolation.assignments["mode"] == "air"]
    assert len(air) > 0 and len(without.assignments[without.assignments["mode"] == "air"]) == 0
    hazard_calls = with_isolation.incidents[with_isolation.incidents["type"] == "flood_rescue"]
    assert len(hazard_calls) > len(without.incidents[without.incidents["type"] == "flood_rescue"])
