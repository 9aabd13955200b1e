"""Synthetic roads that look like a rural network: ``auto_roads.method: planar`` builds the
Gabriel graph of the places (sim.scenario.geography.gabriel_pairs): planar (no two roads cross),
connected, about three roads a place, each road with no other place inside the circle whose
diameter it is; the nearest-neighbour roads cross each other."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import SCENARIOS
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

import sim
from sim.scenario.geography import gabriel_pairs


def _cross(p, q, r, s) -> bool:
    """Whether segments pq and rs cross at a point inside both (shared ends do not count)."""
    def orient(a, b, c):
        return np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
    return orient(p, q, r) * orient(p, q, s) < 0 and orient(r, s, p) * orient(r, s, q) < 0


def _projected(lon, lat):
    lat0 = math.radians(float(np.mean(lat)))
    return np.column_stack([lon * math.cos(lat0), lat])


def crossings(xy: np.ndarray, pairs) -> int:
    edges = sorted(pairs)
    return sum(_cross(xy[a], xy[b], xy[c], xy[d]) for k, (a, b) in enumerate(edges) for c, d in edges[k + 1:]
               if len({a, b, c, d}) == 4)


points = st.integers(3, 40).flatmap(lambda n: st.tuples(
    st.lists(st.floats(120.0, 121.0), min_size=n, max_size=n, unique=True),
    st.lists(st.floats(30.0, 31.0), min_size=n, max_size=n, unique=True)))


@given(points)
def test_the_gabriel_graph_is_planar_and_has_nothing_inside_its_circles(case):
    lon, lat = (np.array(v) for v in case)
    pairs = gabriel_pairs(lon, lat)
    xy = _projected(lon, lat)
    assert crossings(xy, pairs) == 0
    for i, j in pairs:
        centre, radius = (xy[i] + xy[j]) / 2, np.linalg.norm(xy[i] - xy[j]) / 2
        inside = np.linalg.norm(xy - centre, axis=1) < radius * (1 - 1e-9)
        inside[[i, j]] = False
        assert not inside.any()


def test_planar_roads_on_pinghu_are_connected_do_not_cross_and_have_rural_density():
    planar = sim.load_scenario(SCENARIOS / "pinghu.yaml")  # generated on the planar method
    nearest = planar.with_overrides({"region.auto_roads.method": "nearest"})
    assert "planar (Gabriel graph)" in planar.travel.description
    spec = planar.spec
    lon = np.array([n.lon for n in spec.region.nodes])
    lat = np.array([n.lat for n in spec.region.nodes])
    xy = _projected(lon, lat)
    ends = planar.travel.road_ends()
    pairs = {tuple(sorted(map(int, e))) for e in ends}
    assert crossings(xy, pairs) == 0
    near_pairs = {tuple(sorted(map(int, e))) for e in nearest.travel.road_ends()}
    assert crossings(xy, near_pairs) > 0         # k nearest neighbours do cross
    n = len(lon)
    graph = csr_matrix((np.ones(len(pairs)), tuple(np.array(sorted(pairs)).T)), shape=(n, n))
    assert connected_components(graph, directed=False)[0] == 1
    degree = 2 * len(pairs) / n
    assert 2.0 <= degree <= 4.5
    tree = minimum_spanning_tree(csr_matrix(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))))
    tree_pairs = {tuple(sorted((int(i), int(j)))) for i, j in zip(*tree.nonzero(), strict=True)}
    assert tree_pairs <= pairs                   # the minimum spanning tree is part of it
    records = sim.simulate(planar, 0)
    assert len(records.incidents["incident"]) > 0


def test_collinear_places_fall_back_to_nearest_neighbours():
    lon = np.array([121.0, 121.1, 121.2, 121.3])
    lat = np.array([30.0, 30.0, 30.0, 30.0])
    assert gabriel_pairs(lon, lat) == set()


@pytest.mark.parametrize("method", ["nearest", "planar"])
def test_both_methods_validate(method):
    scenario = sim.load_scenario(SCENARIOS / "pinghu.yaml", {"region.auto_roads.method": method})
    assert scenario.spec.region.auto_roads.method == method
