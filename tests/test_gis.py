"""GIS out: the GeoJSON layers are valid RFC 7946 (WGS84 lon/lat, no CRS member) and carry what
the README says; the tables have lon/lat columns."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sim
from sim.report.files import write_outputs

LAYERS = {"places": "Point", "roads": "LineString", "facilities": "Point", "incidents": "Point",
          "response_by_place": "Point", "coverage": "Point"}


@pytest.fixture(scope="module")
def pinghu_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("pinghu")
    result = sim.run(sim.load_scenario("pinghu"), replications=6)   # typhoons in replications 3 and 5
    write_outputs(result, out)
    return out, result


def _layer(out, name: str) -> dict:
    text = (out / f"{name}.geojson").read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    return json.loads(text)


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_is_a_valid_feature_collection_in_wgs84(pinghu_out, name):
    out, _ = pinghu_out
    layer = _layer(out, name)
    assert layer["type"] == "FeatureCollection" and "crs" not in layer and layer["name"] == name
    assert layer["features"]
    for feature in layer["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == LAYERS[name]
        coords = feature["geometry"]["coordinates"]
        points = [coords] if LAYERS[name] == "Point" else coords
        assert len(points) >= (1 if LAYERS[name] == "Point" else 2)
        for lon, lat in points:
            assert 118 < lon < 122 and 29 < lat < 32   # Pinghu, in lon/lat order
        assert isinstance(feature["properties"], dict)


def test_layers_carry_their_properties(pinghu_out):
    out, result = pinghu_out
    places = _layer(out, "places")["features"]
    assert {f["properties"]["id"] for f in places} == {n.id for n in result.scenario.spec.region.nodes}
    roads = [f["properties"] for f in _layer(out, "roads")["features"]]
    assert {"class", "name", "km", "minutes", "one_way", "bridge", "cuts_per_replication"} <= set(roads[0])
    assert any(r["cuts_per_replication"] > 0 for r in roads)   # Pinghu's typhoons cut low-lying roads
    facilities = [f["properties"] for f in _layer(out, "facilities")["features"]]
    assert next(f for f in facilities if f["id"] == "fs-zhapu")["units"] == "engine=2"
    counted = result.incidents[result.incidents["occurrence"] >= result.scenario.spec.run.warmup]
    assert len(_layer(out, "incidents")["features"]) == len(counted)
    by_place = {f["properties"]["id"]: f["properties"] for f in _layer(out, "response_by_place")["features"]}
    assert sum(p["incidents"] for p in by_place.values()) == pytest.approx(len(counted) / 6)
    coverage = [f["properties"] for f in _layer(out, "coverage")["features"]]
    assert any(p["building_fire_covered"] for p in coverage) and any(
        not p["hazmat_leak_covered"] for p in coverage)


def test_tables_have_positions(pinghu_out):
    out, result = pinghu_out
    nodes = pd.read_csv(out / "nodes.csv")
    where = dict(zip(nodes["id"], zip(nodes["lon"], nodes["lat"], strict=True), strict=True))
    incidents = pd.read_csv(out / "incidents.csv")
    for node, lon, lat in zip(incidents["node"], incidents["lon"], incidents["lat"], strict=True):
        assert where[node] == pytest.approx((lon, lat), abs=1e-4)
    units = pd.read_csv(out / "units.csv")
    assert units["lon"].notna().all() and units["lat"].notna().all()
    facilities = pd.read_csv(out / "facilities.csv")
    assert {"id", "kind", "node", "lon", "lat", "units"} <= set(facilities.columns)
    assert (nodes["area_km2"] > 0).sum() >= 18   # the settlements are areas, the sites points
