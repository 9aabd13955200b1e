"""Rows from sources and columns toward targets on large networks (sim.engine.road_rows): the
same minutes and routes as full shortest paths, lower bounds that never overshoot, road states
that keep only the trees a change cannot touch, and a dispatch that prunes with the bounds
without changing a record."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

import sim
from sim.engine import road_rows
from sim.engine.road_rows import KEEP, RoadRows
from sim.engine.travel import TravelTimes

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import grid_network, grid_scenario  # noqa: E402


def random_graph(n: int, arcs: list[tuple[int, int, float]]) -> csr_matrix:
    graph: dict[tuple[int, int], float] = {}
    for t, h, w in arcs:
        if t != h:
            graph[(t, h)] = min(w, graph.get((t, h), math.inf))
    if not graph:
        return csr_matrix((n, n))
    (tails, heads), weights = zip(*graph, strict=True), list(graph.values())
    return csr_matrix((weights, (tails, heads)), shape=(n, n))


graphs = st.integers(3, 14).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.1, 9.0)), max_size=4 * n),
    st.sets(st.integers(0, n - 1), max_size=n)))


@settings(max_examples=60, deadline=None)
@given(graphs)
def test_rows_and_columns_give_the_shortest_paths_and_their_routes(case):
    n, arcs, sources = case
    graph = random_graph(n, arcs)
    exact = dijkstra(graph, directed=True)
    rows = RoadRows(graph, sources)
    for o in range(n):
        for t in range(n):
            value = rows[o][t]
            assert value == pytest.approx(exact[o, t], rel=1e-12) or value == exact[o, t] == math.inf
            if o == t or value == math.inf:
                continue
            path, cum = rows.route(o, t)
            assert path[0] == o and path[-1] == t and cum[0] == 0.0 and cum[-1] == value
            assert all(b >= a for a, b in zip(cum, cum[1:], strict=False))
            for (a, b), step in zip(zip(path, path[1:], strict=False), np.diff(cum), strict=True):
                assert graph[a, b] > 0 and step == pytest.approx(graph[a, b], rel=1e-9, abs=1e-9)
    assert rows.known() == sorted(sources)  # rows only from the sources


@settings(max_examples=60, deadline=None)
@given(graphs)
def test_a_lower_bound_is_never_above_the_minutes(case):
    n, arcs, sources = case
    graph = random_graph(n, arcs)
    rows = RoadRows(graph, sources)
    for s in sources:  # the landmarks: the sources' rows and the columns toward them
        rows[s]
        rows.column(s)
    exact = dijkstra(graph, directed=True)
    for o in range(n):
        for t in range(n):
            assert rows.lower_bound(o, t) <= exact[o, t]


def test_a_column_toward_a_target_serves_every_origin_with_one_search(monkeypatch):
    network = grid_network(2_000)
    roads = TravelTimes(network, sources=frozenset({0, 5}))
    searches = []
    real = road_rows._search
    monkeypatch.setattr(road_rows, "_search", lambda g, node: searches.append(node) or real(g, node))
    assert isinstance(roads.rows, RoadRows)
    full = dijkstra(roads.rows.graph, directed=True, indices=[0, 5])
    for origin in range(1, network.n_nodes, 7):  # scenes anywhere (not at a station), heading for them
        assert roads.rows[origin][0] == pytest.approx(full[0, origin], rel=1e-12)
        assert roads.rows[origin][5] == pytest.approx(full[1, origin], rel=1e-12)
    assert searches == [0, 5]  # two columns, no row from any scene
    assert roads.rows.known() == [] and roads.rows.targets() == [0, 5]


def test_columns_toward_other_targets_are_kept_a_while_and_worked_out_again_the_same():
    roads = RoadRows(grid_network(1_000).csgraph(), sources={0})
    first = list(roads.column(1))
    for target in range(2, KEEP + 3):
        roads.column(target)
    assert len(roads.targets()) == KEEP and 1 not in roads.targets()  # the oldest dropped
    assert list(roads.column(1)) == first


def test_a_road_cut_keeps_only_the_trees_it_cannot_touch():
    network = grid_network(3_000)
    sources = frozenset(range(0, 3_000, 300))
    roads = TravelTimes(network, sources=sources)
    assert isinstance(roads.rows, RoadRows)
    for s in sources:
        roads.rows[s]
        roads.rows.column(s)
    roads.rows.column(1234)
    tree = roads.rows.preds[0]
    child = next(i for i in range(1, network.n_nodes) if tree[i] >= 0)
    arc = int(np.nonzero((network.tail == tree[child]) & (network.head == child))[0][0])
    road = int(network.arc_road[arc])
    cut = roads.after(frozenset({road}))
    assert isinstance(cut.rows, RoadRows)
    assert 0 not in cut.rows.known()  # its tree used the cut road
    assert 0 < len(cut.rows.known()) < len(sources)
    assert len(cut.rows.targets()) > 0
    fresh = TravelTimes(network, frozenset({road}), sources=sources)
    for o in [0, 1, 17, 300, 1234, 2999]:
        for t in [*sorted(sources), 1234, 5]:
            assert cut.rows[o][t] == pytest.approx(fresh.rows[o][t], rel=1e-12)
    back = cut.after(frozenset())  # reopened: what the cut made slower cannot stay
    for o in [0, 17, 1234]:
        for t in [*sorted(sources), 1234]:
            assert back.rows[o][t] == pytest.approx(roads.rows[o][t], rel=1e-12)


def summary(records) -> tuple:
    frame = records.assignment_frame()
    return (list(frame["incident"]), list(frame["unit"]), frame["arrival"].to_numpy())


def test_a_large_network_gives_the_records_of_full_shortest_paths(monkeypatch):
    scenario = grid_scenario(nodes=900, incidents=600, units=12, stations=6, days=20)
    lean = sim.simulate(scenario, 0)
    assert isinstance(sim.engine.response.travel_modes(scenario)[0].rows, RoadRows)
    monkeypatch.setattr("sim.engine.travel.EAGER_NODES", 10_000)  # every row at once, as lists
    eager = grid_scenario(nodes=900, incidents=600, units=12, stations=6, days=20)
    full = sim.simulate(eager, 0)
    incidents, units, arrival = summary(lean)
    assert (incidents, units) == summary(full)[:2]
    np.testing.assert_allclose(arrival, summary(full)[2], rtol=1e-12)


def test_dispatch_prunes_units_by_the_bound_and_no_record_changes(monkeypatch):
    searches: list[int] = []
    real_search = road_rows._search
    monkeypatch.setattr(road_rows, "_search", lambda g, node: searches.append(node) or real_search(g, node))
    pruned = sim.simulate(grid_scenario(nodes=2_500, incidents=800, units=20, stations=8, days=20), 0)
    with_bound = len(searches)
    searches.clear()
    monkeypatch.setattr(RoadRows, "lower_bound", lambda self, o, t: 0.0)  # no pruning
    plain = sim.simulate(grid_scenario(nodes=2_500, incidents=800, units=20, stations=8, days=20), 0)
    for frame in ("incident_frame", "assignment_frame", "unit_frame"):
        assert getattr(pruned, frame)().equals(getattr(plain, frame)()), frame
    assert len(searches) > 100 and with_bound < len(searches) / 3  # a column toward most calls' places
