"""Move-up of idle units (``dispatch.move_up``): it is checked like the rest of a scenario, it
moves units where the coverage is (DMEXCLP and the compliance table), records every move, and
changes a built-in scenario's numbers."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import base_raw, load

from sim.engine.moveup import compliance_table
from sim.engine.runner import run, simulate
from sim.errors import ScenarioError
from sim.optimize.location import mexclp
from sim.results.kpi_rows import kpi_sections, replication_kpis
from sim.scenario.loader import load_scenario, resolve_scenario_path


def far_people_raw(policy: str) -> dict:
    """Everyone lives at c; the engines' station is at a (8 min away), a second station at c
    has none: with a 5-minute radius only a unit based at c covers anyone."""
    raw = base_raw()
    for node in raw["region"]["nodes"]:
        node["population"] = 1000 if node["id"] == "c" else 0
    raw["facilities"].append({"id": "fs-c", "kind": "fire_station", "node": "c"})
    raw["dispatch"] = {"move_up": {"policy": policy, "units": ["engine"], "bases": ["fs", "fs-c"],
                                   "radius": "5 min", "busy": 0.2}}
    raw["generators"] = [{"type": "fire", "rate": "100 / y", "where": {"nodes": {"a": 1, "b": 1}}}]
    return raw


@pytest.mark.parametrize("policy", ["dmexclp", "compliance_table"])
def test_idle_units_move_to_where_the_people_are(policy):
    scenario = load(far_people_raw(policy))
    records = simulate(scenario, 0, 3)
    moves = records.table_frame("move_ups")
    assert len(moves) >= 2 and set(moves["to_node"]) == {"c"}   # both engines end up covering c
    assert (moves["from_node"] == "a").all() and (moves["minutes"] >= 0).all()
    assert moves.groupby("unit").size().max() == 1               # once there, they stay
    # later calls at a and b are reached from c: slower than from a
    base = load(far_people_raw(policy) | {"dispatch": {}})
    moved = records.incident_frame()["response_time"].mean()
    stayed = simulate(base, 0, 3).incident_frame()["response_time"].mean()
    assert moved > stayed
    rows = {(s, g, m): v for s, g, m, v in replication_kpis(records, kpi_sections(scenario.spec))}
    assert rows[("move_up", "all", "moves")] == len(moves)
    assert rows[("move_up", "all", "move_minutes")] == pytest.approx(moves["minutes"].sum())


def test_the_compliance_table_is_the_mexclp_layout_of_each_count():
    scenario = load(far_people_raw("compliance_table"))
    spec = scenario.spec
    bases = [scenario.node_index["a"], scenario.node_index["c"]]
    weights = np.array([1000.0])
    places = np.array([scenario.node_index["c"]])
    table = compliance_table(scenario, bases, weights, places, 5.0, 0.2, 2)
    assert table == [[1], [1, 1]]
    times = np.array([[8.0, 0.0]])
    for n, row in enumerate(table, start=1):
        assert sorted(mexclp(times, weights, 5.0, n, 0.2).sites) == row
    assert spec.dispatch.move_up is not None


@pytest.mark.parametrize("change, field, message", [
    ({"units": ["tanker"]}, "dispatch.move_up.units[0]", "unknown unit type"),
    ({"bases": ["nowhere"]}, "dispatch.move_up.bases[0]", "unknown facility"),
    ({"busy": 1.0}, "dispatch.move_up.busy", "less than 1"),
    ({"policy": "greedy"}, "dispatch.move_up.policy", "dmexclp"),
])
def test_bad_move_up_settings_are_named(change, field, message):
    raw = far_people_raw("dmexclp")
    raw["dispatch"]["move_up"].update(change)
    with pytest.raises(ScenarioError) as err:
        load(raw)
    text = str(err.value)
    assert field in text and message in text


def test_move_up_changes_pinghus_numbers():
    """The built-in Pinghu engines, moved by DMEXCLP over the towns' people: the moves happen
    and the building-fire response changes (it gets slower: the engines are busy 0.1 % of the
    time, so moving one only takes it away from the fires nearest its station)."""
    path = resolve_scenario_path("pinghu")
    plain = run(load_scenario(path), 3, 7)
    moved = run(load_scenario(path, {"dispatch.move_up": {"policy": "dmexclp", "units": ["engine"],
                                                          "busy": 0.05}}), 3, 7)
    count = sum(len(r.tables["move_ups"]["time"]) for r in moved.records)
    assert count > 0
    fires = lambda result: pd.concat([r.incident_frame() for r in result.records]).query(  # noqa: E731
        "type == 'building_fire'")["capable_response"].mean()
    assert fires(moved) != pytest.approx(fires(plain), abs=1e-9)
    assert all("move_ups" not in r.tables for r in plain.records)


def test_move_up_keeps_runs_reproducible():
    scenario = load(copy.deepcopy(far_people_raw("compliance_table")))
    a, b = simulate(scenario, 2, 5), simulate(scenario, 2, 5)
    assert a.table_frame("move_ups").equals(b.table_frame("move_ups"))
    assert a.incident_frame().equals(b.incident_frame())


def test_the_larson_correction_changes_the_table_it_is_asked_for():
    scenario = load(far_people_raw("compliance_table"))
    bases = [scenario.node_index["a"], scenario.node_index["c"]]
    places = np.array([scenario.node_index["a"], scenario.node_index["c"]])
    weights = np.array([1000.0, 1000.0])
    for correction in (False, True):
        table = compliance_table(scenario, bases, weights, places, 5.0, 0.6, 2, correction)
        times = np.array([[0.0, 8.0], [8.0, 0.0]])
        assert table[1] == sorted(mexclp(times, weights, 5.0, 2, 0.6, correction=correction).sites)
    raw = far_people_raw("dmexclp")
    raw["dispatch"]["move_up"]["correction"] = True
    assert load(raw).spec.dispatch.move_up.correction


def test_a_registered_move_up_policy_is_used_by_name():
    """Move-up policies plug in like dispatch policies: a class registered under a name."""
    import sim
    from sim.engine.moveup import MoveUpPolicy

    class EveryoneToC(MoveUpPolicy):
        def freed(self, control, unit):
            control.relocate(unit, control.bases[-1], sending=False)

    sim.register_policy("move_up", "test-everyone-to-c", EveryoneToC)
    raw = far_people_raw("test-everyone-to-c")
    raw["dispatch"]["move_up"]["busy"] = 0.0
    moves = simulate(load(raw), 0, 3).table_frame("move_ups")
    assert len(moves) >= 1 and set(moves["to_node"]) == {"c"}
    with pytest.raises(ScenarioError, match="unknown move-up policy 'nobody'"):
        load(far_people_raw("nobody"))
