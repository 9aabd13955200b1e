"""Village resolution: every village and community of the built-ins is its own place, every
documented force, shelter and depot stands at its own place, and the generated roads look like
a rural network (planar, connected, a hierarchy of classes, a realistic density), so trips take
the minutes real distances give."""

from __future__ import annotations

import collections
import math
import sys

import numpy as np
import pytest
from conftest import REPO, SCENARIOS
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from test_planar_roads import crossings

import sim

sys.path.insert(0, str(REPO / "calibration"))
from settlements import Town, land_cells, settle, town_land_km2  # noqa: E402

SETTLEMENT_KINDS = {"township", "subdistrict", "village", "community"}


@pytest.fixture(scope="module", params=["pinghu", "fenghua", "qinhuangdao"])
def built_in(request):
    return request.param, sim.load_scenario(SCENARIOS / f"{request.param}.yaml")


def _settlements(scenario):
    return [n for n in scenario.spec.region.nodes if n.kind in SETTLEMENT_KINDS]


def test_the_documented_villages_and_communities_are_each_a_place():
    counts = {"pinghu": 131, "fenghua": 382}  # doc 002: 131个村社区; doc 001: 382个村(社区)
    for name, documented in counts.items():
        places = _settlements(sim.load_scenario(SCENARIOS / f"{name}.yaml"))
        assert len(places) == documented
        assert all(p.population > 0 for p in places)
    qinhuangdao = _settlements(sim.load_scenario(SCENARIOS / "qinhuangdao.yaml"))
    assert len(qinhuangdao) >= 300  # no list in the documents: one generated village per 30 km2
    assert sum(p.population for p in qinhuangdao) > 3_000_000


def test_pinghu_forces_shelters_and_depots_stand_at_their_own_places():
    spec = sim.load_scenario(SCENARIOS / "pinghu.yaml").spec
    kind_of = {n.id: n.kind for n in spec.region.nodes}
    by_kind = collections.defaultdict(list)
    for f in spec.facilities:
        by_kind[f.kind].append(f.node)
    stations = set(by_kind["fire_station"])
    assert len(stations) == 9
    micro = by_kind["micro_station"]  # doc 002: 39 community micro fire stations
    assert len(micro) == len(set(micro)) == 39
    assert not set(micro) & stations and all(kind_of[n] == "community" for n in micro)
    volunteers = by_kind["volunteer_team"]  # 71 village volunteer fire teams
    assert len(volunteers) == len(set(volunteers)) == 71 and all(kind_of[n] == "village" for n in volunteers)
    shelters = [s.node for s in spec.shelters]  # 127 shelters: about one at each of the most populous places
    assert len(set(shelters)) >= 110
    depots = [d.node for d in spec.depots if d.tier == "township"]  # 17 township depots
    assert len(depots) == len(set(depots)) == 17


def test_generated_roads_are_planar_connected_hierarchical_and_as_dense_as_rural_roads(built_in):
    name, scenario = built_in
    travel = scenario.travel
    nodes = scenario.spec.region.nodes
    lon = np.array([n.lon for n in nodes])
    lat = np.array([n.lat for n in nodes])
    xy = np.column_stack([lon * math.cos(math.radians(float(lat.mean()))), lat])
    ends = travel.road_ends()
    pairs = {tuple(sorted(map(int, e))) for e in ends}
    assert crossings(xy, pairs) == 0
    n = len(nodes)
    graph = csr_matrix((np.ones(len(pairs)), tuple(np.array(sorted(pairs)).T)), shape=(n, n))
    assert connected_components(graph, directed=False)[0] == 1
    km = np.zeros(travel.n_roads)
    np.maximum.at(km, travel.arc_road, travel.km)
    cls = np.array(travel.road_class)[np.unique(travel.arc_road, return_index=True)[1]]
    # the trunk (main) roads join every town seat to the others, through the villages on the way
    main = cls == "main"
    assert 0.1 < km[main].sum() / km.sum() < 0.5
    trunk = csr_matrix((np.ones(int(main.sum())), tuple(ends[main].T)), shape=(n, n))
    seats = [k for k, nd in enumerate(nodes) if nd.kind in ("township", "subdistrict")]
    labels = connected_components(trunk, directed=False)[1]
    assert len({labels[k] for k in seats}) == 1
    area = {"pinghu": 537, "fenghua": 1268, "qinhuangdao": 7812}[name]
    density = km.sum() / area
    assert 0.3 < density < 3.0, density  # km of road per km2 (the routable skeleton of a rural network)
    assert np.median(km) > 1.0  # places are not stacked on each other


def test_trips_take_the_minutes_real_distances_give(built_in):
    name, scenario = built_in
    records = sim.simulate(scenario, 0)
    trips = np.array(records.assignments["travel_minutes"], dtype=float)
    road = np.array([m == "road" for m in records.assignments["mode"]])
    trips = trips[road & np.isfinite(trips)]
    assert len(trips) > 20
    assert np.mean(trips) > 3.0           # no longer most trips of 0 minutes
    assert np.mean(trips == 0) < 0.05


def test_the_settlement_generator_fills_each_town_land_and_is_reproducible():
    towns = [Town("a", "A", "A", "township", 120.0, 30.0, 20_000, 3, 12, 0.4),
             Town("b", "B", "B", "subdistrict", 120.1, 30.05, 50_000, 5, 6, 0.8)]
    land = land_cells(towns, 200.0, cell_km=0.5, coast=[(119.8, 29.97), (120.3, 29.97)])
    assert land.area_km2 == pytest.approx(200.0, abs=0.5)
    assert all(lat_ >= 29.97 for lat_ in land.lat)  # nothing in the sea
    places = settle(towns, land)
    again = land_cells(towns, 200.0, cell_km=0.5, coast=[(119.8, 29.97), (120.3, 29.97)])
    assert settle(towns, again) == places
    assert sum(p.population for p in places) == 70_000
    kinds = collections.Counter((p.town, p.kind) for p in places)
    assert kinds["a", "village"] == 12 and kinds["a", "community"] == 2
    assert kinds["b", "village"] == 6 and kinds["b", "community"] == 4
    seat = {t.id: (t.lon, t.lat) for t in towns}
    for p in places:
        if p.kind == "village":  # a village lies in its own town's land (nearest seat)
            mine = math.dist((p.lon, p.lat), seat[p.town])
            other = min(math.dist((p.lon, p.lat), s) for t, s in seat.items() if t != p.town)
            assert mine <= other + 1e-3
    shares = town_land_km2(land, 2)
    assert sum(shares) == pytest.approx(land.area_km2)


def test_trunk_roads_and_per_km_cuts_and_hourly_road_reports_act_on_pinghu():
    base = sim.load_scenario(SCENARIOS / "pinghu.yaml")
    ends = base.with_overrides({"region.auto_roads.main_roads": "ends"})
    main = sum(c == "main" for c in base.travel.road_class)
    assert main > 3 * sum(c == "main" for c in ends.travel.road_class)
    per_road = base.with_overrides({"hazards.typhoons.road_cuts.per_km": None,
                                    "hazards.typhoons.road_cuts.step": None})
    cuts, cuts_per_road, starts = 0, 0, []
    for rep in range(6):
        closures = sim.simulate(base, rep).tables["road_closures"]
        cuts += len(closures["road"])
        starts += list(closures["start"]) + list(closures["end"])
        cuts_per_road += len(sim.simulate(per_road, rep).tables["road_closures"]["road"])
    assert cuts > 0
    assert cuts < 0.8 * cuts_per_road       # roads shorter than 6 km are cut less often than a 6 km road
    assert all(abs(t / 60 - round(t / 60)) < 1e-9 for t in starts)  # cuts and repairs on the hour
