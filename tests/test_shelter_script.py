"""The evacuation recorded once and replayed to the supplies (reserve sizing's shortcut) gives
the very supply records of a full simulation, under any stock."""

from __future__ import annotations

import pytest
from conftest import load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_people_supplies_invariants import people_and_supplies_raw

from sim.engine.runner import simulate
from sim.engine.shelter_script import ShelterScript
from sim.scenario.loader import load_scenario, resolve_scenario_path

SUPPLY_TABLES = ("supply_requests", "shipments", "stockouts", "stock", "shelter_needs")
SCENARIO = load(people_and_supplies_raw())


def assert_same_supplies(full, replayed) -> None:
    compared = 0
    for name in SUPPLY_TABLES:
        if name in full.tables:
            compared += 1
            assert full.table_frame(name).equals(replayed.table_frame(name)), name
    assert compared >= 4


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), factors=st.lists(st.sampled_from([0.0, 0.3, 1.0, 5.0]), min_size=3,
                                                    max_size=3))
def test_a_replayed_evacuation_gives_the_supplies_of_a_full_run(seed, factors):
    depots = {d.id: d for d in SCENARIO.spec.depots}
    pairs = [("dep-east", "water"), ("dep-county", "water"), ("dep-county", "meals")]
    script = ShelterScript()
    simulate(SCENARIO, 0, seed, supplies_only=True, shelters=script)   # records the evacuation
    assert script.recorded and script.steps
    stock = {(d, i): depots[d].stock[i] * f for (d, i), f in zip(pairs, factors, strict=True)}
    full = simulate(SCENARIO, 0, seed, stocks=stock, supplies_only=True)
    replayed = simulate(SCENARIO, 0, seed, stocks=stock, supplies_only=True, shelters=script)
    assert_same_supplies(full, replayed)
    assert "evacuation" in full.tables and "evacuation" not in replayed.tables  # people not simulated


@pytest.mark.parametrize("name, replication", [("pinghu", 5), ("fenghua", 0)])
def test_the_replay_agrees_on_the_built_ins(name, replication):
    """A typhoon year on each: thousands of shelter steps, supplies identical to a full run with
    the scenario's stock and with none at the township depots."""
    scenario = load_scenario(resolve_scenario_path(name))
    script = ShelterScript()
    first = simulate(scenario, replication, supplies_only=True, shelters=script)
    assert len(script.steps) > 1000
    assert_same_supplies(first, simulate(scenario, replication, supplies_only=True, shelters=script))
    spec = scenario.spec
    none = {(d.id, item): 0.0 for d in spec.depots if d.tier == "township" for item in spec.items}
    assert_same_supplies(simulate(scenario, replication, stocks=none, supplies_only=True),
                         simulate(scenario, replication, stocks=none, supplies_only=True, shelters=script))
