"""The county of the benchmark suite's section (g) (benchmarks/bench_roads.py), on a small
synthetic OSM grid written as bench_import.py writes the 10^5-junction one: a valid scenario
with its places joined to the roads, and it runs; so does the same county on the inline grid;
and the memory helper reports what the suite reads."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import REPO

import sim

sys.path.insert(0, str(REPO / "benchmarks"))
import bench_roads  # noqa: E402
from bench_import import write_grid  # noqa: E402

JUNCTIONS = 2_000


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path / "cache"))  # never the user's cache
    write_grid(tmp_path / "grid.osm.pbf", JUNCTIONS)
    return tmp_path


def test_the_county_on_an_imported_grid_is_valid_and_runs(folder):
    path = bench_roads.imported_county(folder, folder / "grid.osm.pbf", replications=1)
    scenario = sim.load_scenario(path, ["hazards.storms.rate=12 / y"])  # storms surely come
    spec = scenario.spec
    places = len(spec.region.nodes)
    assert places == bench_roads.VILLAGES + len(spec.facilities) == 90
    assert len(spec.facilities) == 60 and sum(u.count for u in spec.units) == 100
    ids = scenario.travel.node_ids
    assert all(i.startswith("osm:") for i in ids[places:]) and len(ids) - places > JUNCTIONS * 0.9
    records = sim.simulate(scenario, 0)
    incidents = records.incident_frame()
    assert 1_200 < len(incidents) < 1_900   # about 1,500 a year
    assert (incidents["status"] == "cleared").all()
    assert set(incidents["type"]) == set(bench_roads.RATES)
    assert len(records.table_frame("road_closures")) > 0


def test_the_same_county_on_the_inline_grid_runs(folder):
    bench_roads.imported_county(folder, folder / "grid.osm.pbf", replications=1)
    scenario = bench_roads.grid_county(folder, JUNCTIONS, replications=1, storms=False)
    spec = scenario.spec
    assert len(spec.facilities) == 60 and not spec.hazards
    assert scenario.travel.n_nodes == len(spec.region.nodes) > JUNCTIONS   # every node a region node
    incidents = sim.simulate(scenario, 0).incident_frame()
    assert 1_200 < len(incidents) < 1_900 and (incidents["status"] == "cleared").all()


def test_the_memory_helper_prints_its_figures_as_json(folder, capsys):
    path = bench_roads.imported_county(folder, folder / "grid.osm.pbf", days=30.0)
    assert bench_roads.main(["memory", str(path), "--replications", "1"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["replications"] == 1 and figures["incidents"] > 50
    assert 0 < figures["rss_before_mb"] <= figures["peak_rss_mb"]


def test_road_states_kept_stay_within_their_memory_budget_and_change_no_record(folder, monkeypatch):
    path = bench_roads.imported_county(folder, folder / "grid.osm.pbf", replications=1, days=120.0)
    overrides = ["hazards.storms.rate=12 / y"]
    records = sim.simulate(sim.load_scenario(path, overrides), 0)
    monkeypatch.setattr("sim.engine.roads._STATE_BYTES", 1)  # keep only the state in use
    scenario = sim.load_scenario(path, overrides)
    tight = sim.simulate(scenario, 0)
    assert len(records.table_frame("road_closures")) > 0
    assert len(scenario.cache["road_states"]) == 1
    assert tight.incident_frame().equals(records.incident_frame())
    assert tight.assignment_frame().equals(records.assignment_frame())
