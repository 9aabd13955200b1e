"""Response KPIs a fire chief reads: besides the first unit of any kind, the first unit able to
do the job (capability-matched) and the full complement the incident type requires, each with
its target, in the records, the KPI tables, the printed table and the plots."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import SCENARIOS, base_raw, load

import sim
from sim.errors import ScenarioError
from sim.report.table import kpi_table
from sim.results.kpis import INCIDENT_METRICS, incident_metrics


def volunteer_raw(**fire: object) -> dict:
    """The three-node county (roads a-b 5 min, a-c 8 min, points): a volunteer team that can only
    make a first attack stands at b, the engines at a; every fire is at b and needs an engine
    and a first attack."""
    raw = base_raw()
    for n in raw["region"]["nodes"]:
        n["area_km2"] = 0
    raw["facilities"].append({"id": "vb", "kind": "team_base", "node": "b"})
    raw["units"] = [{"id": "engine", "type": "engine", "capabilities": ["fire", "first_attack"], "base": "fs",
                     "count": 2, "turnout": "1 min"},
                    {"id": "vol", "type": "volunteers", "capabilities": ["first_attack"], "base": "vb",
                     "turnout": "2 min"}]
    raw["incident_types"] = {"fire": {"requires": {"fire": 1, "first_attack": 1}, "on_scene": "30 min",
                                      "target": "5 min", **fire}}
    raw["generators"] = [{"type": "fire", "rate": "40 / y", "where": {"nodes": {"b": 1}}}]
    raw["run"]["horizon"] = "100 d"
    return raw


def test_the_first_unit_able_to_do_the_job_and_the_full_complement_are_recorded():
    records = sim.simulate(load(volunteer_raw()), 0, 5)
    inc = records.incident_frame()
    quiet = inc[inc["waited"] == False]  # noqa: E712  (every unit at home when called)
    assert len(quiet) > 5
    for _, row in quiet.iterrows():
        called = row["call"] - row["occurrence"]
        assert row["response_time"] == pytest.approx(called + 2)           # the volunteers, on the spot
        assert row["capable_response"] == pytest.approx(called + 1 + 5)    # an engine from a
        assert row["complement_response"] == pytest.approx(called + 1 + 5)
        assert row["capable_arrival"] - row["occurrence"] == pytest.approx(row["capable_response"])


def test_capable_and_complement_kpis_with_their_targets():
    scenario = load(volunteer_raw(capable_target="10 min", complement_target="4 min"))
    records = sim.simulate(scenario, 0, 5)
    groups = dict(incident_metrics(records, scenario.spec))
    fire = groups["fire"]
    inc = records.incident_frame()
    inc = inc[inc["occurrence"] >= scenario.spec.run.warmup]
    assert fire["response_mean"] == pytest.approx(inc["response_time"].mean())
    assert fire["capable_mean"] == pytest.approx(inc["capable_response"].mean())
    assert fire["capable_mean"] > fire["response_mean"] + 3.5
    assert fire["capable_within_target"] == pytest.approx((inc["capable_response"] <= 10).mean())
    assert fire["complement_within_target"] == pytest.approx((inc["complement_response"] <= 4).mean())
    assert fire["within_target"] == pytest.approx((inc["response_time"] <= 5).mean())
    assert set(INCIDENT_METRICS) <= set(fire)


def test_targets_default_to_the_type_target_and_capable_to_the_first_capability():
    spec = load(volunteer_raw()).spec
    fire = spec.incident_types["fire"]
    assert fire.capable_capabilities == ("fire",)
    assert fire.capable_target_minutes == fire.complement_target_minutes == 5.0
    other = load(volunteer_raw(capable=["first_attack"])).spec.incident_types["fire"]
    assert other.capable_capabilities == ("first_attack",)


def test_a_capable_capability_the_type_does_not_require_is_an_error():
    with pytest.raises(ScenarioError) as err:
        load(volunteer_raw(capable=["hoist"]))
    assert "capable" in str(err.value) and "hoist" in str(err.value)


def test_a_scene_that_ended_before_the_capable_unit_came_is_left_out_of_its_share():
    """The volunteers put small fires out alone before the engine comes (a minute's work, at
    half pace with half the units): the engine is stood down, so the capable and complement
    times are missing and those incidents count neither way."""
    raw = volunteer_raw()
    raw["incident_types"]["fire"]["on_scene"] = "1 min"
    scenario = load(raw)
    records = sim.simulate(scenario, 0, 5)
    inc = records.incident_frame()
    assert inc["capable_response"].isna().all()
    fire = dict(incident_metrics(records, scenario.spec))["fire"]
    assert math.isnan(fire["capable_within_target"]) and math.isnan(fire["capable_mean"])
    assert fire["within_target"] == 1.0


def test_the_printed_table_and_the_plot_show_them(tmp_path):
    result = sim.run(load(volunteer_raw()), replications=2)
    text = kpi_table(result)
    assert "first unit able to do the job" in text and "complement mean" in text
    from sim.report.plots import response_cdf_plot
    assert response_cdf_plot(result, tmp_path / "cdf.png").stat().st_size > 1000


def test_pinghu_building_fires_wait_longer_for_an_engine_than_for_the_first_unit():
    """Pinghu: micro stations and volunteers (first attack) often come first; the engine later."""
    result = sim.run(sim.load_scenario(SCENARIOS / "pinghu.yaml"), replications=3)
    s = result.summary["building_fire"]
    assert s["capable_mean"].mean > s["response_mean"].mean + 0.4  # 15.4 vs 14.6 min over 20 replications
    assert s["complement_mean"].mean >= s["capable_mean"].mean
    assert s["capable_within_target"].mean < s["within_target"].mean


def test_moving_a_fire_station_moves_the_capability_matched_response():
    """Moving Zhapu's fire station to Dushan port moves the building fires' capable response
    about three times more than their first-unit response (micro stations and volunteers often
    come first)."""
    scenario = sim.load_scenario(SCENARIOS / "pinghu.yaml")
    moved = scenario.with_overrides({"facilities.fs-zhapu.node": "dushangang"})
    here = sim.run(scenario, replications=4).summary["building_fire"]
    there = sim.run(moved, replications=4).summary["building_fire"]
    capable_shift = there["capable_mean"].mean - here["capable_mean"].mean
    first_shift = there["response_mean"].mean - here["response_mean"].mean
    assert capable_shift > 0.5
    assert capable_shift > 2 * abs(first_shift)
    assert np.isfinite(there["complement_mean"].mean)
