"""Places from CSV and GeoJSON files: villages, stations, shelters, depots, hospitals become the
region's nodes, facilities and shelters; problems name the file, the line and the column."""

from __future__ import annotations

import json
import math

import pytest
import yaml

import sim
from sim.errors import ScenarioError

PLACES = """id,name,kind,lon,lat,population,capacity,tags,area,helipad
v1,新仓村 Xincang village,village,121.01,30.71,1200,,flood-prone,town,
v2,Village two,village,121.03,30.72,800,,,town,
fs1,Station,fire_station,121.02,30.70,,,,,
sh1,School shelter,shelter,121.02,30.715,,300,,,
dp1,Town depot,depot,121.021,30.701,,,,,
h1,Hospital,hospital,121.00,30.70,,,,,true
"""


def scenario_file(folder, places: str = PLACES, extra: dict | None = None, name: str = "places.csv"):
    (folder / name).write_text(places, encoding="utf-8")
    raw = {
        "name": "Places test",
        "region": {"places": [name], "auto_roads": {}},
        "units": [{"type": "engine", "capabilities": ["fire"], "base": "fs1", "count": 2}],
        "incident_types": {"fire": {"requires": {"fire": 1}, "on_scene": "30 min", "target": "15 min"}},
        "generators": [{"type": "fire", "rate": "100 / y"}],
        "run": {"horizon": "60 d"},
        **(extra or {}),
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_place_table_gives_nodes_facilities_and_shelters(tmp_path):
    depot = {"items": {"water": {"per_person_day": 3}},
             "depots": [{"id": "depot", "node": "dp1", "tier": "township", "stock": {"water": 100}}]}
    scenario = sim.load_scenario(scenario_file(tmp_path, extra=depot))
    spec = scenario.spec
    nodes = {n.id: n for n in spec.region.nodes}
    assert list(nodes) == ["v1", "v2", "fs1", "sh1", "dp1", "h1"]
    assert nodes["v1"].name == "新仓村 Xincang village" and nodes["v1"].tags == ("flood-prone",)
    assert nodes["v1"].population == 1200 and nodes["v1"].area == "town"
    assert nodes["fs1"].kind == "facility_site" and nodes["v2"].kind == "village"
    facilities = {f.id: f for f in spec.facilities}
    assert facilities["fs1"].kind == "fire_station" and facilities["fs1"].node == "fs1"
    assert facilities["h1"].kind == "hospital" and facilities["h1"].helipad
    assert [(s.id, s.node, s.capacity) for s in spec.shelters] == [("sh1", "sh1", 300)]
    assert spec.depots[0].node == "dp1"
    result = sim.run(scenario, replications=1)
    assert len(result.incidents) > 0


def test_a_geojson_layer_of_points_and_polygons(tmp_path):
    square = [[121.0, 30.7], [121.01, 30.7], [121.01, 30.71], [121.0, 30.71], [121.0, 30.7]]
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
         "properties": {"id": "v1", "kind": "village", "population": 900, "tags": ["flood-prone"]}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.02, 30.70]},
         "properties": {"id": "fs1", "kind": "fire_station", "name": "站"}},
    ]}
    (tmp_path / "places.geojson").write_text(json.dumps(layer, ensure_ascii=False), encoding="utf-8")
    raw = yaml.safe_load(scenario_file(tmp_path).read_text(encoding="utf-8"))
    raw["region"]["places"] = [{"file": "places.geojson"}]
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    spec = sim.load_scenario(tmp_path / "scenario.yaml").spec
    v1 = spec.region.nodes[0]
    assert (v1.lon, v1.lat) == (pytest.approx(121.005), pytest.approx(30.705, abs=1e-6))
    side_km = 0.01 * math.pi / 180 * 6371.0088
    assert v1.area_km2 == pytest.approx(side_km * side_km * math.cos(math.radians(30.705)), rel=1e-3)
    assert spec.facilities[0].id == "fs1"


def test_a_default_kind_for_the_file(tmp_path):
    text = "id,lon,lat,population\na,121.0,30.7,100\nb,121.01,30.7,200\nfs1,121.02,30.7,0\n"
    raw = yaml.safe_load(scenario_file(tmp_path).read_text(encoding="utf-8"))
    (tmp_path / "v.csv").write_text(text, encoding="utf-8")
    raw["region"]["places"] = [{"file": "v.csv", "kind": "village"}]
    raw["region"]["nodes"] = []
    raw["facilities"] = [{"id": "fs1", "kind": "fire_station", "node": "fs1"}]
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    spec = sim.load_scenario(tmp_path / "scenario.yaml").spec
    assert [n.kind for n in spec.region.nodes] == ["village"] * 3


@pytest.mark.parametrize("edit,where,message", [
    (("121.03,30.72,800", "121.03,930.72,800"), "places.csv:3: lat", "between -90 and 90"),
    ((",village,121.01", ",hamlet,121.01"), "places.csv:2: kind", "unknown kind 'hamlet'"),
    (("shelter,121.02,30.715,,300", "shelter,121.02,30.715,,"), "places.csv:5: capacity", "needs a capacity"),
    (("1200,,flood-prone", "12.5,,flood-prone"), "places.csv:2: population", "a whole number"),
    (("id,name,kind", "id,nom,kind"), "places.csv:1: nom", "unknown column"),
    (("v2,Village two", "v1,Village two"), "places.csv:3: id", "node id 'v1' is used twice"),
])
def test_problems_name_the_place_file_line_and_column(tmp_path, edit, where, message):
    path = scenario_file(tmp_path, PLACES.replace(*edit))
    with pytest.raises(ScenarioError) as caught:
        sim.load_scenario(path)
    shown = [str(p) for p in caught.value.problems]
    assert any(where in text and message in text for text in shown), shown


@pytest.mark.parametrize("content,message", [
    (None, "no such place file"),
    ("", "needs the columns id, lon and lat"),
    ("just some text\nwithout columns\n", "needs the columns id, lon and lat"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
])
def test_a_place_file_that_is_not_one_is_one_clear_error(tmp_path, content, message):
    path = scenario_file(tmp_path)
    target = tmp_path / "places.csv"
    if content is None:
        target.unlink()
    elif isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioError, match=message):
        sim.load_scenario(path)


def test_a_geojson_that_is_not_a_layer(tmp_path):
    (tmp_path / "p.geojson").write_text('{"type": "Point"}', encoding="utf-8")
    raw = yaml.safe_load(scenario_file(tmp_path).read_text(encoding="utf-8"))
    raw["region"]["places"] = ["p.geojson"]
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ScenarioError, match="not a GeoJSON FeatureCollection"):
        sim.load_scenario(tmp_path / "scenario.yaml")


def test_overrides_and_experiment_layouts_reach_places_from_files(tmp_path):
    path = scenario_file(tmp_path)
    changed = sim.load_scenario(path, ["region.nodes.v1.population=5000"])
    assert changed.spec.region.nodes[0].population == 5000
    more = PLACES + "fs2,Second station,fire_station,121.04,30.72,,,,,\n"
    scenario_file(tmp_path, more)
    experiment = sim.load_experiment({
        "name": "stations", "scenario": str(path), "replications": 1,
        "layouts": {"both": {}, "one": {"remove": {"facilities": ["fs2"]}}}})
    ids = [[f.id for f in v.scenario.spec.facilities] for v in experiment.variants]
    assert "fs2" in ids[0] and "fs2" not in ids[1]
