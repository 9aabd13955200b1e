"""A scenario on a real road network, end to end: central Helsinki from the shared
OpenStreetMap extract (© OpenStreetMap contributors, ODbL; read from ../shared/peers/osm, never
copied in), with made-up places from ``tests/data/helsinki/places.csv``."""

from __future__ import annotations

import json
import shutil

import networkx as nx
import numpy as np
import pytest
import yaml
from conftest import REPO, SHARED

import sim
from sim.engine.response import travel_modes
from sim.errors import ScenarioError
from sim.report.files import write_outputs

HELSINKI = SHARED / "peers" / "osm" / "helsinki.osm.pbf"
DATA = REPO / "tests" / "data" / "helsinki"
pytestmark = pytest.mark.skipif(not HELSINKI.is_file(), reason=f"the shared OSM extract is not there "
                                                               f"({HELSINKI}); read from ../shared/peers/osm")


def scenario_in(folder, **changes) -> sim.Scenario:
    for name in ("places.csv", "scenario.yaml"):
        shutil.copy(DATA / name, folder / name)
    raw = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    raw["region"]["road_network"]["file"] = str(HELSINKI)
    for key, value in changes.items():
        raw[key] = value
    (folder / "scenario.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return sim.load_scenario(folder / "scenario.yaml")


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory):
    return scenario_in(tmp_path_factory.mktemp("helsinki"))


def test_places_are_joined_to_the_roads(helsinki):
    travel = helsinki.travel
    places = helsinki.spec.region.nodes
    assert travel.node_ids[:len(places)] == tuple(n.id for n in places)
    assert all(i.startswith("osm:") for i in travel.node_ids[len(places):])
    access = [k for k, c in enumerate(travel.road_class) if c == "access"]
    assert len(access) == 2 * len(places)
    assert max(travel.km[access]) < 0.2   # the made-up places are all near a street
    assert travel.notes and "places joined to the roads" in travel.notes[-1]


def test_travel_times_are_shortest_paths_over_the_arcs(helsinki):
    """The oracle against networkx on the same arcs (access roads included)."""
    travel = helsinki.travel
    graph = nx.DiGraph()
    for t, h, m in zip(travel.tail.tolist(), travel.head.tolist(), travel.minutes.tolist(), strict=True):
        if not graph.has_edge(t, h) or graph[t][h]["w"] > m:
            graph.add_edge(t, h, w=m)
    rows = travel_modes(helsinki)[0].rows
    places = range(len(helsinki.spec.region.nodes))
    for a in places:
        lengths = nx.single_source_dijkstra_path_length(graph, a, weight="w")
        for b in places:
            assert rows[a][b] == pytest.approx(lengths[b], rel=1e-9, abs=1e-9)
            if a != b:
                assert rows[a][b] > 0   # distinct places are apart, even near one junction


def test_a_short_run_end_to_end(helsinki, tmp_path):
    result = sim.run(helsinki, replications=2)
    incidents = result.incidents
    assert len(incidents) > 50 and (incidents["status"] == "cleared").all()
    travel = result.assignments["travel_minutes"].dropna()
    assert (travel > 0).all() and travel.mean() < 15   # a small city centre
    # the storm cuts the Pitkasilta bridge by name, and units drive around it (or wait)
    closures = result.table("road_closures")
    assert len(closures) >= 2 and set(closures["replication"]) == {0, 1}
    names = helsinki.travel.roads.names
    assert all("Pitkäsilta" in names[r] for r in closures["road"])
    paths = write_outputs(result, tmp_path)
    roads = json.loads((tmp_path / "roads.geojson").read_text(encoding="utf-8"))["features"]
    cut = [f for f in roads if f["properties"]["cuts_per_replication"] > 0]
    assert cut and all("Pitkäsilta" in f["properties"]["name"] for f in cut)
    assert all(len(f["geometry"]["coordinates"]) >= 2 for f in roads)
    assert any(len(f["geometry"]["coordinates"]) > 2 for f in roads)   # shapes as imported
    assert {p.name for p in paths} >= {"nodes.csv", "places.geojson", "coverage.geojson"}


def test_a_selection_that_names_no_road_is_an_error(tmp_path):
    storm = yaml.safe_load((DATA / "scenario.yaml").read_text(encoding="utf-8"))["hazards"][0]
    storm["road_cuts"]["roads"] = [{"names": ["No Such Street"]}]
    message = r"hazards\[0\].road_cuts.roads\[0\]: selects no road of the network"
    with pytest.raises(ScenarioError, match=message):
        scenario_in(tmp_path, hazards=[storm])


@pytest.mark.parametrize("selection", [{"bridges": True}, {"box": [24.940, 60.166, 24.945, 60.170]},
                                       {"ways": "first primary road's"}, {"classes": ["primary"]}])
def test_cuts_by_bridge_box_way_and_class(helsinki, tmp_path, selection):
    storm = yaml.safe_load((DATA / "scenario.yaml").read_text(encoding="utf-8"))["hazards"][0]
    if selection.get("ways"):   # an OSM way of the extract
        info, classes = helsinki.travel.roads, helsinki.travel.road_class
        road = helsinki.travel.arc_road[classes.index("primary")]
        selection = {"ways": [info.ways[road][0]]}
    storm["road_cuts"]["roads"] = [selection]
    try:
        scenario = scenario_in(tmp_path, hazards=[storm])
    except ScenarioError as exc:
        pytest.fail(str(exc))
    closures = sim.simulate(scenario, 0).table_frame("road_closures")
    assert len(closures) > 0


def test_a_place_far_off_the_network_is_an_error(tmp_path):
    scenario_in(tmp_path)
    places = (tmp_path / "places.csv").read_text(encoding="utf-8")
    far = places.replace("24.9520,60.1720", "25.5000,60.1720")
    (tmp_path / "places.csv").write_text(far, encoding="utf-8")
    message = r"places.csv:4: .*place 'kruununhaka' is 30\.\d km from the nearest road"
    with pytest.raises(ScenarioError, match=message):
        sim.load_scenario(tmp_path / "scenario.yaml")


def test_a_place_beyond_the_warning_distance_is_listed(tmp_path, capsys):
    scenario_in(tmp_path)
    places = (tmp_path / "places.csv").read_text(encoding="utf-8")
    near = places.replace("24.9520,60.1720", "24.9760,60.1720")
    (tmp_path / "places.csv").write_text(near, encoding="utf-8")
    scenario = sim.load_scenario(tmp_path / "scenario.yaml")
    assert any(n.startswith("WARNING: 1 places more than 1 km from a road: 'kruununhaka'")
               for n in scenario.travel.notes)
    assert np.isfinite(sim.simulate(scenario, 0).incident_frame()["response_time"]).all()


def test_sim_network_says_how_far_the_places_are_from_the_roads(tmp_path, capsys):
    from sim.cli import main

    assert main(["network", str(HELSINKI), "--places", str(DATA / "places.csv"), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "8 places: the farthest from a road 'school' 0.07 km" in out
    access = json.loads((tmp_path / "access.geojson").read_text(encoding="utf-8"))
    assert len(access["features"]) == 8 and all(f["properties"]["km"] < 0.2 for f in access["features"])


def test_the_readme_example_runs_as_written(tmp_path, capsys):
    """`sim run tests/data/helsinki/scenario.yaml` (the file names the shared extract by a path
    relative to itself) writes the GIS layers the README lists."""
    from sim.cli import main

    assert main(["run", str(DATA / "scenario.yaml"), "--out", str(tmp_path), "-r", "1", "--quiet"]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {"places.geojson", "roads.geojson", "facilities.geojson", "incidents.geojson",
            "response_by_place.geojson", "coverage.geojson", "nodes.csv"} <= names
