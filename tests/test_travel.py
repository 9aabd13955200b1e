"""Geography (sim.scenario.geography) and the travel-time oracle (sim.engine.travel)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, base_raw, load, write_yaml
from scipy.sparse.csgraph import dijkstra

import sim
from sim.engine.travel import TravelTimes
from sim.scenario.geography import RoadNetwork, TravelMatrix, haversine_km


def node(nid: str, kind: str = "village", lon: float = 121.0, lat: float = 30.7,
         population: int = 100) -> dict:
    return {"id": nid, "kind": kind, "lon": lon, "lat": lat, "population": population}


def with_roads(edges: list[dict], speeds: dict | None = None, nodes: list[dict] | None = None) -> dict:
    """base_raw with its own nodes a..d (unless given) and explicit road edges."""
    raw = base_raw()
    raw["region"]["nodes"] = nodes or [node("a", "township"), node("b", lon=121.05),
                                       node("c", lat=30.75), node("d", lon=121.05, lat=30.75)]
    raw["region"]["roads"] = {"speeds": speeds or {"default": "60 km/h"}, "edges": edges}
    return raw


def oracle(raw: dict) -> tuple[TravelTimes, dict[str, int]]:
    scenario = load(raw)
    return TravelTimes(scenario.travel), scenario.node_index


# ---------------------------------------------------------------- explicit roads

def test_km_edges_use_class_speed_or_own_speed():
    """km / speed: the class speed applies unless the edge gives its own."""
    raw = with_roads(
        [{"from": "a", "to": "b", "km": 10, "class": "main"},
         {"from": "a", "to": "c", "km": 10, "class": "local"},
         {"from": "a", "to": "d", "km": 10, "class": "main", "speed": "20 km/h"},
         {"from": "b", "to": "d", "km": 3}],
        speeds={"main": "60 km/h", "local": "40 km/h", "default": "10 m/s"})
    tt, ix = oracle(raw)
    assert tt.time(ix["a"], ix["b"]) == pytest.approx(10.0)       # 10 km at 60 km/h
    assert tt.time(ix["a"], ix["c"]) == pytest.approx(15.0)       # 10 km at 40 km/h
    assert tt.time(ix["b"], ix["d"]) == pytest.approx(5.0)        # 3 km at 36 km/h (default class)
    assert tt.time(ix["a"], ix["d"]) == pytest.approx(15.0)       # via b: 10 + 5 beats 30 direct
    net = load(raw).travel
    assert isinstance(net, RoadNetwork) and not net.synthetic
    own = [m for t, h, m in zip(net.tail, net.head, net.minutes, strict=True)
           if (t, h) == (ix["a"], ix["d"])]
    assert own == pytest.approx([30.0])                            # 10 km at its own 20 km/h


def test_minutes_edges_are_taken_as_given():
    """An edge in minutes is that many minutes both ways, whatever the speeds."""
    raw = with_roads([{"from": "a", "to": "b", "minutes": 8},
                      {"from": "b", "to": "c", "minutes": 2.5},
                      {"from": "c", "to": "d", "minutes": 4}])
    tt, ix = oracle(raw)
    assert tt.time(ix["a"], ix["b"]) == 8.0
    assert tt.time(ix["b"], ix["a"]) == 8.0
    assert tt.time(ix["a"], ix["d"]) == pytest.approx(14.5)


def test_one_way_edges_give_asymmetric_times():
    """A one-way edge is only usable in its own direction."""
    raw = with_roads([{"from": "a", "to": "b", "minutes": 5, "one_way": True},
                      {"from": "b", "to": "a", "minutes": 12, "one_way": True},
                      {"from": "a", "to": "c", "minutes": 3},
                      {"from": "c", "to": "d", "minutes": 3}])
    tt, ix = oracle(raw)
    assert tt.time(ix["a"], ix["b"]) == 5.0
    assert tt.time(ix["b"], ix["a"]) == 12.0
    assert tt.time(ix["b"], ix["c"]) == 15.0
    assert not np.array_equal(tt.minutes, tt.minutes.T)


def test_one_way_edge_makes_network_not_reversible():
    """With a one-way road somewhere, units must not turn back mid-road."""
    tt, ix = oracle(with_roads([{"from": "a", "to": "b", "minutes": 5, "one_way": True},
                                {"from": "b", "to": "c", "minutes": 3},
                                {"from": "c", "to": "a", "minutes": 3},
                                {"from": "c", "to": "d", "minutes": 3}]))
    assert tt.time(ix["a"], ix["b"]) == 5.0
    assert tt.time(ix["b"], ix["a"]) == 6.0
    assert tt.reversible is False


def test_opposite_one_way_roads_are_not_reversible():
    """Opposite one-way roads of different lengths are not one two-way road."""
    tt, _ = oracle(with_roads([{"from": "a", "to": "b", "minutes": 5, "one_way": True},
                               {"from": "b", "to": "a", "minutes": 12, "one_way": True},
                               {"from": "a", "to": "c", "minutes": 3},
                               {"from": "c", "to": "d", "minutes": 3}]))
    assert tt.reversible is False


def test_two_way_network_is_reversible():
    """Without one-way edges a unit may turn back anywhere."""
    tt, _ = oracle(with_roads([{"from": "a", "to": "b", "minutes": 5},
                               {"from": "a", "to": "c", "minutes": 5},
                               {"from": "a", "to": "d", "minutes": 5}]))
    assert tt.reversible is True
    assert np.array_equal(tt.minutes, tt.minutes.T)


@pytest.mark.parametrize("fast_first", [True, False])
def test_parallel_edges_keep_the_fastest(fast_first):
    """Two roads between the same nodes: the faster one counts, in whatever order given."""
    slow = {"from": "a", "to": "b", "km": 10}        # 10 min at 60 km/h
    fast = {"from": "b", "to": "a", "minutes": 7}
    edges = [fast, slow] if fast_first else [slow, fast]
    raw = with_roads(edges + [{"from": "a", "to": "c", "minutes": 1},
                              {"from": "a", "to": "d", "minutes": 1}])
    tt, ix = oracle(raw)
    assert tt.time(ix["a"], ix["b"]) == 7.0
    assert tt.time(ix["b"], ix["a"]) == 7.0
    graph = load(raw).travel.csgraph()
    assert graph[ix["a"], ix["b"]] == 7.0


def test_shortest_path_through_intermediate_nodes():
    """Two short hops beat one long direct road."""
    raw = with_roads([{"from": "a", "to": "b", "minutes": 10},
                      {"from": "b", "to": "c", "minutes": 10},
                      {"from": "a", "to": "c", "minutes": 30},
                      {"from": "c", "to": "d", "minutes": 1}])
    tt, ix = oracle(raw)
    assert tt.time(ix["a"], ix["c"]) == 20.0
    assert tt.time(ix["a"], ix["d"]) == 21.0
    nodes, minutes = tt.route(ix["a"], ix["d"])
    assert nodes == [ix["a"], ix["b"], ix["c"], ix["d"]]
    assert minutes == pytest.approx([0.0, 10.0, 20.0, 21.0])


def test_route_to_itself():
    """The route from a node to itself is that node, at minute 0."""
    tt, ix = oracle(with_roads([{"from": "a", "to": "b", "minutes": 1},
                                {"from": "a", "to": "c", "minutes": 1},
                                {"from": "a", "to": "d", "minutes": 1}]))
    assert tt.route(ix["b"], ix["b"]) == ([ix["b"]], [0.0])
    assert tt.time(ix["b"], ix["b"]) == 0.0


def test_routes_follow_roads_and_end_at_travel_time():
    """For every pair of the tiny scenario: the route starts and ends right, each hop is a road,
    and the cumulative minutes add the hops up to time(i, j)."""
    scenario = sim.load_scenario(SCENARIOS / "tiny.yaml")
    net = scenario.travel
    tt = TravelTimes(net)
    fastest: dict[tuple[int, int], float] = {}
    for t, h, m in zip(net.tail.tolist(), net.head.tolist(), net.minutes.tolist(), strict=True):
        fastest[t, h] = min(m, fastest.get((t, h), np.inf))
    for i, j in itertools.permutations(range(net.n_nodes), 2):
        nodes, minutes = tt.route(i, j)
        assert nodes[0] == i and nodes[-1] == j
        assert len(nodes) == len(minutes) and minutes[0] == 0.0
        assert minutes[-1] == pytest.approx(tt.time(i, j))
        for k in range(1, len(nodes)):
            hop = fastest[nodes[k - 1], nodes[k]]
            assert minutes[k] - minutes[k - 1] == pytest.approx(hop)


def test_tiny_travel_times():
    """Hand-computed times of the tiny scenario: 9.5 km main road at 60 km/h is 9.5 min; the
    east-port road is 14 min but east-town-port is 9.5 + 9 = 18.5."""
    scenario = sim.load_scenario(SCENARIOS / "tiny.yaml")
    tt = TravelTimes(scenario.travel)
    ix = scenario.node_index
    assert tt.time(ix["town"], ix["east"]) == pytest.approx(9.5)
    assert tt.time(ix["town"], ix["hill"]) == pytest.approx(15.0)   # 10 km local at 40 km/h
    assert tt.time(ix["east"], ix["port"]) == pytest.approx(14.0)
    assert tt.time(ix["hill"], ix["port"]) == pytest.approx(24.0)   # 15 + 9
    assert tt.nearest(ix["port"], [ix["east"], ix["hill"]]) == ix["east"]


# ---------------------------------------------------------------- auto_roads

CLUSTERS = [
    node("t1", "township", 121.00, 30.70), node("t2", "subdistrict", 121.02, 30.70),
    node("v1", "village", 121.00, 30.72),
    node("t3", "township", 122.00, 31.50), node("v2", "village", 122.02, 31.50),
    node("j", "junction", 122.00, 31.52, population=0),
]


def auto_scenario(**auto: object) -> sim.Scenario:
    raw = base_raw()
    raw["region"] = {"nodes": CLUSTERS, "auto_roads": dict(auto)}
    raw["facilities"] = [{"id": "fs", "kind": "fire_station", "node": "t1"},
                         {"id": "ts", "kind": "township_station", "node": "t3"}]
    return load(raw)


def test_auto_roads_are_labelled_synthetic():
    """Generated roads say so: the flag is set and the description shouts SYNTHETIC."""
    scenario = auto_scenario()
    assert scenario.travel.synthetic is True
    assert "SYNTHETIC" in scenario.travel.description


def test_explicit_roads_are_not_synthetic():
    """Explicit roads and matrices are real data: no synthetic label."""
    scenario = sim.load_scenario(SCENARIOS / "tiny.yaml")
    assert scenario.travel.synthetic is False
    assert "SYNTHETIC" not in scenario.travel.description


def test_auto_roads_connect_distant_clusters():
    """With one neighbour each, two clusters 120 km apart are still joined (spanning tree)."""
    scenario = auto_scenario(neighbours=1)
    tt = TravelTimes(scenario.travel)
    assert np.all(np.isfinite(tt.minutes))
    ix = scenario.node_index
    assert tt.time(ix["t1"], ix["t3"]) > 100  # a long road, but a road


def test_auto_road_classes():
    """Class main only when both ends are township/subdistrict, otherwise local."""
    scenario = auto_scenario(neighbours=5)
    net = scenario.travel
    kinds = [n.kind for n in scenario.spec.region.nodes]
    assert set(net.road_class) == {"main", "local"}
    for t, h, cls in zip(net.tail.tolist(), net.head.tolist(), net.road_class, strict=True):
        both_main = kinds[t] in ("township", "subdistrict") and kinds[h] in ("township", "subdistrict")
        assert cls == ("main" if both_main else "local")


def test_auto_road_lengths_and_times():
    """Length = haversine x detour; minutes = length / class speed x 60; both directions."""
    scenario = auto_scenario(neighbours=2, detour=1.4, speeds={"main": "50 km/h", "local": "30 km/h"})
    net = scenario.travel
    nodes = scenario.spec.region.nodes
    assert len(net.tail) % 2 == 0 and len(net.tail) > 0
    pairs = set(zip(net.tail.tolist(), net.head.tolist(), strict=True))
    for t, h, km, minutes, cls in zip(net.tail.tolist(), net.head.tolist(), net.km, net.minutes,
                                      net.road_class, strict=True):
        straight = float(haversine_km(nodes[t].lon, nodes[t].lat, nodes[h].lon, nodes[h].lat))
        assert km == pytest.approx(straight * 1.4, rel=1e-9)
        assert minutes == pytest.approx(km / (50.0 if cls == "main" else 30.0) * 60.0, rel=1e-9)
        assert (h, t) in pairs


# ---------------------------------------------------------------- travel matrix

MATRIX_CSV = "from,a,b,c\na,0,5,30\nb,6,0,4\nc,9,4.5,0\n"


def matrix_scenario(tmp_path, csv_text: str = MATRIX_CSV) -> sim.Scenario:
    raw = base_raw()
    raw["region"].pop("roads")
    raw["region"]["travel_matrix"] = "data/times.csv"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "times.csv").write_text(csv_text, encoding="utf-8")
    return sim.load_scenario(write_yaml(tmp_path / "scenario.yaml", raw))


def test_travel_matrix_used_as_is(tmp_path):
    """A relative CSV path is read next to the YAML, and its minutes are used unchanged:
    asymmetric values stay asymmetric and no shortcut is taken (a->c stays 30, not 5+4)."""
    scenario = matrix_scenario(tmp_path)
    assert isinstance(scenario.travel, TravelMatrix)
    assert scenario.travel.synthetic is False
    assert "times.csv" in scenario.travel.description
    tt = TravelTimes(scenario.travel)
    expected = np.array([[0, 5, 30], [6, 0, 4], [9, 4.5, 0]], dtype=float)
    assert np.array_equal(tt.minutes, expected)
    ix = scenario.node_index
    assert tt.time(ix["a"], ix["b"]) == 5 and tt.time(ix["b"], ix["a"]) == 6
    assert tt.route(ix["a"], ix["c"]) == ([ix["a"], ix["c"]], [0.0, 30.0])


def test_travel_matrix_columns_in_any_order(tmp_path):
    """The header maps columns to nodes; rows and columns need not follow the node order."""
    csv_text = "from,c,a,b\nb,4,6,0\nc,0,9,4.5\na,30,0,5\n"
    tt = TravelTimes(matrix_scenario(tmp_path, csv_text).travel)
    assert np.array_equal(tt.minutes, np.array([[0, 5, 30], [6, 0, 4], [9, 4.5, 0]], dtype=float))


# ---------------------------------------------------------------- haversine

def test_haversine_one_degree_of_latitude():
    """One degree of latitude on the mean Earth radius is about 111.2 km, at any longitude."""
    assert float(haversine_km(0, 0, 0, 1)) == pytest.approx(111.195, abs=0.01)
    assert float(haversine_km(121, 30.7, 121, 31.7)) == pytest.approx(111.195, abs=0.01)


def test_haversine_longitude_shrinks_with_latitude():
    """One degree of longitude is 111.2 km x cos(latitude); symmetric; zero to itself."""
    assert float(haversine_km(0, 60, 1, 60)) == pytest.approx(111.195 * 0.5, rel=1e-3)
    assert float(haversine_km(121, 30, 122, 31)) == pytest.approx(float(haversine_km(122, 31, 121, 30)))
    assert float(haversine_km(121, 30, 121, 30)) == 0.0


def test_haversine_broadcasts():
    """Arrays broadcast to an all-pairs distance matrix."""
    lon = np.array([0.0, 0.0, 1.0])
    lat = np.array([0.0, 1.0, 0.0])
    d = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    assert d.shape == (3, 3)
    assert np.allclose(np.diag(d), 0.0)
    assert np.allclose(d, d.T)
    assert d[0, 1] == pytest.approx(111.195, abs=0.01)


# ---------------------------------------------------------------- road states derived incrementally

def random_network(seed: int, n: int = 30, extra: int = 40) -> RoadNetwork:
    """A connected random road network: a spanning path plus random roads, some one-way."""
    rng = np.random.default_rng(seed)
    pairs = [(i, i + 1) for i in range(n - 1)]
    pairs += [tuple(rng.choice(n, 2, replace=False)) for _ in range(extra)]
    tail, head, road = [], [], []
    for k, (a, b) in enumerate(pairs):
        tail += [a, b] if k < n - 1 or rng.random() < 0.8 else [a]
        head += [b, a] if k < n - 1 or len(tail) > len(head) + 1 else [b]
        road += [k] * (len(tail) - len(road))
    minutes = rng.uniform(1, 20, size=len(road)).round(1)
    return RoadNetwork(node_ids=tuple(f"n{i}" for i in range(n)), tail=np.array(tail), head=np.array(head),
                       minutes=minutes, km=minutes, road_class=("default",) * len(road),
                       tags=((),) * len(road), synthetic=True, description="random",
                       has_one_way=len(road) != 2 * len(pairs), arc_road=np.array(road))


@pytest.fixture
def lazy(monkeypatch):
    """Rows computed one origin at a time, as for large regions."""
    monkeypatch.setattr("sim.engine.travel.EAGER_NODES", 0)


@pytest.mark.parametrize("seed", range(12))
def test_derived_road_states_equal_fresh_ones(seed, lazy):
    """Closing and reopening roads one state after another (rows reused where the change cannot
    reach them) gives exactly the travel times and routes of states computed from scratch."""
    network = random_network(seed)
    rng = np.random.default_rng(100 + seed)
    current = TravelTimes(network)
    for _ in range(8):
        for origin in rng.choice(network.n_nodes, 10, replace=False):
            current.rows[int(origin)]   # some rows known, as in a run
        cuts = rng.choice(network.n_roads, int(rng.integers(0, 8)), replace=False)
        closed = frozenset(int(r) for r in cuts)
        derived = current.after(closed)
        fresh = TravelTimes(network, closed)
        reused = len(derived.rows.known())
        assert np.array_equal(derived.minutes, fresh.minutes)
        for i, j in itertools.product(range(network.n_nodes), repeat=2):
            if np.isfinite(fresh.time(i, j)):
                nodes, cum = derived.route(i, j)
                assert nodes[0] == i and nodes[-1] == j and cum[-1] == pytest.approx(fresh.time(i, j))
        assert reused <= network.n_nodes
        current = derived


@pytest.mark.parametrize("seed", range(8))
def test_a_cut_graph_as_infinite_entries_gives_the_paths_of_the_graph_without_them(seed):
    """Road states keep the full graph and weigh cut entries ``inf`` (or a parallel open road's
    minutes): with a finite limit, distances and predecessors are exactly those of the graph
    built without the cut arcs. Ten nodes and forty random roads: many parallel roads."""
    network = random_network(seed, n=10, extra=40)
    rng = np.random.default_rng(200 + seed)
    for _ in range(10):
        cuts = rng.choice(network.n_roads, int(rng.integers(1, 12)), replace=False)
        closed = frozenset(int(r) for r in cuts)
        cut_entries = dijkstra(network.closed_graph(closed), directed=True, return_predecessors=True,
                               limit=float(np.finfo(float).max))
        without = dijkstra(network.csgraph(None, closed), directed=True, return_predecessors=True)
        assert np.array_equal(cut_entries[0], without[0])
        assert np.array_equal(cut_entries[1], without[1])
    assert network.closed_graph(frozenset()) is network.closed_graph(frozenset())  # the full graph, kept


def test_unreachable_from_is_what_no_origin_reaches():
    network = random_network(3, n=30, extra=5)
    rng = np.random.default_rng(9)
    for _ in range(10):
        closed = frozenset(int(r) for r in rng.choice(network.n_roads, 12, replace=False))
        oracle = TravelTimes(network, closed)
        origins = tuple(sorted(int(o) for o in rng.choice(network.n_nodes, 3, replace=False)))
        expected = {j for j in range(network.n_nodes) if all(oracle.time(o, j) == math.inf for o in origins)}
        assert oracle.unreachable_from(origins) == expected
        assert oracle.unreachable_from(origins) is oracle.unreachable_from(origins)
    assert oracle.unreachable_from(()) == frozenset()


def test_unaffected_rows_are_kept_and_affected_ones_recomputed(lazy):
    # a - b - c in a line, and a slower direct road a - c
    raw = with_roads([{"from": "a", "to": "b", "minutes": 5}, {"from": "b", "to": "c", "minutes": 5},
                      {"from": "a", "to": "c", "minutes": 30}, {"from": "c", "to": "d", "minutes": 5}])
    tt, ix = oracle(raw)
    a_row, d_row = tt.rows[ix["a"]], tt.rows[ix["d"]]
    slow = tt.after(frozenset({2}))   # the unused direct road closes: nothing changes
    assert slow.rows[ix["a"]] is a_row and slow.rows[ix["d"]] is d_row
    cut = slow.after(frozenset({2, 0}))   # a - b closes too: every row used it, none is kept
    assert cut.rows.known() == []
    assert cut.time(ix["a"], ix["c"]) == math.inf and cut.time(ix["d"], ix["b"]) == 10
    reopened = cut.after(frozenset())
    assert reopened.time(ix["a"], ix["c"]) == 10


def test_a_run_with_road_cuts_is_the_same_with_rows_computed_lazily(monkeypatch):
    """Pinghu's typhoons cut roads and cut villages off: lazily computed, incrementally derived
    road states give the very same records as rows computed all at once."""
    def records(eager_nodes: int):
        monkeypatch.setattr("sim.engine.travel.EAGER_NODES", eager_nodes)
        scenario = sim.load_scenario("pinghu", overrides=[
            "run.horizon=40 d", "hazards.typhoons.rate=null", "hazards.typhoons.season=null",
            "hazards.typhoons.at=20 d"])
        rec = sim.simulate(scenario, 0, 3)
        return rec.incident_frame(), rec.table_frame("road_closures"), rec.table_frame("shipments")
    eager, lazy = records(10_000), records(0)
    assert len(eager[1]) > 0
    for a, b in zip(eager, lazy, strict=True):
        pd.testing.assert_frame_equal(a, b)
