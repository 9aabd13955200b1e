"""Every modelled force does its job: volunteers and social teams answer by the hour of the day,
social teams join water rescues, and a neighbour's hazardous-chemical team comes under mutual
aid when a chemical accident outlasts Pinghu's own team (each test fails if the force stops
acting in the built-in scenario)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS, base_raw, load

import sim
from sim.errors import ScenarioError


def hourly_raw(shares: list[float]) -> dict:
    """One engine answering by the hour, and a second, slower one that always answers."""
    raw = base_raw()
    raw["units"] = [{"id": "near", "type": "engine", "capabilities": ["fire"], "base": "ts",
                     "availability": shares},
                    {"id": "far", "type": "engine", "capabilities": ["fire"], "base": "fs"}]
    raw["generators"] = [{"type": "fire", "rate": "2000 / y", "where": {"nodes": {"b": 1}}}]
    raw["run"]["horizon"] = "20 d"
    return raw


def test_a_unit_answers_only_in_the_hours_it_is_available():
    records = sim.simulate(load(hourly_raw([0.0] * 12 + [1.0] * 12)), 0, 3)
    a = records.assignment_frame()
    hour = (a["dispatch"] % 1440 // 60).astype(int)
    near = a["unit"].str.startswith("near")
    assert near.any() and (~near).any()
    assert (hour[near] >= 12).all()
    # in the afternoon and evening the near unit goes whenever it is free
    free_pm = a[(hour >= 12) & ~a["was_away"]]
    assert near[free_pm.index].mean() > 0.5


def test_the_hour_counts_from_the_run_start_clock_time():
    raw = hourly_raw([0.0] * 12 + [1.0] * 12)
    raw["run"]["start"] = "2025-01-01 12:00"   # time 0 is noon: the near unit answers at once
    records = sim.simulate(load(raw), 0, 3)
    a = records.assignment_frame()
    near = a["unit"].str.startswith("near")
    assert (((a.loc[near, "dispatch"] + 720) % 1440 // 60) >= 12).all()
    assert near.any()


@pytest.mark.parametrize("shares, message", [([0.5] * 23, "24"), ([0.0] * 24, "no hour")])
def test_an_hourly_availability_needs_24_shares_and_one_above_zero(shares, message):
    with pytest.raises(ScenarioError) as err:
        load(hourly_raw(shares))
    assert "availability" in str(err.value) and message in str(err.value)


@pytest.fixture(scope="module")
def pinghu():
    scenario = sim.load_scenario(SCENARIOS / "pinghu.yaml")
    return scenario, sim.run(scenario, replications=12)


def test_pinghu_volunteers_answer_less_by_day_than_in_the_evening(pinghu):
    """Against the same scenario with volunteers always answering: by day (most at work away
    from the village) fewer volunteer teams go; in the evening about as many (one team at each
    of 71 villages: by day about half as many calls get one)."""
    scenario, result = pinghu
    always = sim.run(scenario.with_overrides({"units.volunteer_team.availability": 1.0}), replications=12)

    def volunteers(r, first: int, last: int) -> int:
        a = r.assignments
        hour = (a["dispatch"] % 1440 // 60).astype(int)  # Pinghu's runs start at midnight
        return int((a["unit"].str.startswith("volunteer") & (hour >= first) & (hour < last)).sum())

    assert scenario.spec.run.start.hour == 0
    assert volunteers(result, 8, 18) < 0.92 * volunteers(always, 8, 18)
    assert volunteers(result, 18, 23) >= 0.9 * volunteers(always, 18, 23)


def test_pinghu_social_teams_join_rescues(pinghu):
    _, result = pinghu
    a = result.assignments
    social = a[a["unit"].str.startswith("social")]
    assert len(social) > 0
    inc = result.incidents.set_index(["replication", "incident"])
    kinds = set(inc.loc[list(zip(social["replication"], social["incident"], strict=True)), "type"])
    assert kinds <= {"flood_rescue", "accident"}


def test_pinghu_calls_jinshan_hazmat_team_when_a_chemical_accident_lasts(pinghu):
    _, result = pinghu
    a = result.assignments
    aid = a[a["mutual_aid"] & a["unit"].str.contains("jinshan")]
    assert (aid["unit"] == "hazmat-jinshan#1").sum() > 0
    inc = result.incidents.set_index(["replication", "incident"])
    kinds = set(inc.loc[list(zip(aid["replication"], aid["incident"], strict=True)), "type"])
    assert kinds == {"hazmat_leak"}
    # called by the escalation, an hour or more after the call
    calls = inc.loc[list(zip(aid["replication"], aid["incident"], strict=True)), "call"].to_numpy()
    assert (aid["dispatch"].to_numpy() >= calls + 60 - 1e-9).all()
    assert np.isfinite(aid["arrival"]).any()
