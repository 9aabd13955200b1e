"""Importing real road networks (sim.network): OSM, osmnx GraphML and CSV files into a clean
directed graph, checked against an independent shortest-path computation over the raw ways.

The OSM extracts are ODbL, © OpenStreetMap contributors; they are read from the shared folder
next to the repository (never copied in) and the tests using them skip when it is absent.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import pytest
from conftest import REPO, SHARED
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from sim.cli import main
from sim.network import (
    DEFAULT_SPEEDS,
    ExtraArcs,
    ImportedNetwork,
    NetworkError,
    load_network,
    network_geojson,
    parse_maxspeed,
    parse_speed_overrides,
    speed_table,
    to_road_network,
)
from sim.network.contract import contract_chains
from sim.scenario.geography import haversine_km, unreachable_nodes

DATA = REPO / "tests" / "data" / "networks"


OSM = SHARED / "peers" / "osm"   # the shared OSM extracts, next to the repository
needs_osm = pytest.mark.skipif(not OSM.is_dir(), reason=f"the shared OSM extracts are not there ({OSM}); "
                                                         "these tests read them from ../shared/peers/osm")


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    """Every import caches into a fresh folder of the test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("SIM_CACHE_DIR", str(folder))
    return folder


def _error(call) -> str:
    with pytest.raises(NetworkError) as info:
        call()
    message = str(info.value)
    assert "Traceback" not in message
    return message


# ---------------------------------------------------------------------------------------------
# An independent computation: the raw ways as a graph of node-to-node pieces (nothing split,
# nothing contracted), with the tag rules written out again here.

def _denied(tags) -> bool:
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
        if key in tags:
            return tags[key] in ("no", "private")
    return False


def _directions(tags) -> tuple[bool, bool]:
    oneway = tags.get("oneway")
    if oneway in ("yes", "true", "1"):
        return True, False
    if oneway in ("-1", "reverse"):
        return False, True
    if oneway in ("no", "false", "0"):
        return True, True
    if tags.get("junction") in ("roundabout", "circular"):
        return True, False
    return True, True


def raw_graph(path: Path) -> nx.DiGraph:
    graph = nx.DiGraph()
    for way in osmium.FileProcessor(str(path)).with_locations().with_filter(
            osmium.filter.EntityFilter(osmium.osm.WAY)):
        tags = dict(way.tags)
        highway = tags.get("highway")
        if highway not in DEFAULT_SPEEDS or tags.get("area") == "yes" or _denied(tags):
            continue
        kmh = DEFAULT_SPEEDS[highway]
        with contextlib.suppress(KeyError, ValueError):
            kmh = parse_maxspeed(tags["maxspeed"]) or kmh
        forward, backward = _directions(tags)
        nodes = [(n.ref, n.location.lon, n.location.lat) if n.location.valid() else None for n in way.nodes]
        for a, b in zip(nodes, nodes[1:], strict=False):
            if a is None or b is None or a[0] == b[0]:
                continue
            minutes = float(haversine_km(a[1], a[2], b[1], b[2])) / kmh * 60.0
            for tail, head, allowed in ((a[0], b[0], forward), (b[0], a[0], backward)):
                if allowed and (not graph.has_edge(tail, head) or graph[tail][head]["w"] > minutes):
                    graph.add_edge(tail, head, w=minutes)
    return graph


def _csgraph(net: ImportedNetwork) -> csr_matrix:
    order = np.lexsort((net.minutes, net.head, net.tail))
    tail, head, weight = net.tail[order], net.head[order], net.minutes[order]
    first = np.ones(len(tail), dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    return csr_matrix((weight[first], (tail[first], head[first])), shape=(net.n_nodes, net.n_nodes))


def check_against_raw_ways(net: ImportedNetwork, path: Path, sources: int = 15) -> int:
    """Shortest minutes between junctions of ``net`` equal those over the raw ways (1e-9)."""
    raw = raw_graph(path)
    rng = np.random.default_rng(7)
    picked = rng.choice(net.n_nodes, size=min(sources, net.n_nodes), replace=False)
    ours = dijkstra(_csgraph(net), indices=picked)
    ids = [int(s) for s in net.node_source]
    compared = 0
    for row, source in enumerate(picked.tolist()):
        theirs = nx.single_source_dijkstra_path_length(raw, ids[source], weight="w")
        for target in range(net.n_nodes):
            expected = theirs[ids[target]]
            assert ours[row, target] == pytest.approx(expected, rel=1e-9, abs=1e-12)
            compared += 1
    return compared


def _strongly_connected(net: ImportedNetwork) -> bool:
    count, _ = connected_components(_csgraph(net), directed=True, connection="strong")
    return count == 1


# ---------------------------------------------------------------------------------------------
# The shared OSM extracts

SHARED = {
    # file: (junctions, arcs, roads, km)
    "helsinki.osm.pbf": (278, 550, 355, 24.1),
    "aguascalientes.osm.pbf": (754, 1573, 1093, 70.9),
    "West-Oakland.osm.bz2": (24, 57, 30, 5.8),
    "planet_ulm_small.osm": (4, 6, 3, 0.3),
}


@needs_osm
@pytest.mark.parametrize("name", sorted(SHARED))
def test_shared_osm_files_import_to_one_strong_component_with_raw_way_shortest_paths(name):
    net = load_network(OSM / name)
    junctions, arcs, roads, km = SHARED[name]
    report = net.report
    assert (net.n_nodes, net.n_arcs, net.n_roads) == (junctions, arcs, roads)
    assert (report.nodes, report.arcs, report.roads) == (junctions, arcs, roads)
    assert report.km == pytest.approx(km, abs=0.05)
    assert sum(report.km_by_class.values()) == pytest.approx(report.km)
    assert len({w for ids in net.road_way_ids for w in ids}) <= report.ways_kept < report.ways_read
    assert _strongly_connected(net)
    assert len(set(net.node_source)) == net.n_nodes
    assert (net.km > 0).all() and (net.minutes > 0).all()
    assert check_against_raw_ways(net, OSM / name) > 0


@needs_osm
def test_helsinki_details_one_way_streets_and_what_was_left_out():
    net = load_network(OSM / "helsinki.osm.pbf")
    report = net.report
    assert report.classes_dropped["footway"] == 1097 and "residential" not in report.classes_dropped
    assert set(report.nodes_dropped) == {"disconnected islands", "one-way dead ends"}
    assert report.points_missing > 0  # ways cut at the edge of the extract
    # Kaisaniemenkatu (way 17000361, oneway=yes): one arc per road, in the way's direction
    roads = [r for r in range(net.n_roads) if "17000361" in net.road_way_ids[r]]
    assert roads
    for r in roads:
        assert net.road_one_way[r] and (net.road == r).sum() == 1
        assert "Kaisaniemenkatu" in net.road_name[r]
    ends = [[[round(n.lon, 7), round(n.lat, 7)] for n in (w.nodes[0], w.nodes[-1])]
            for w in osmium.FileProcessor(str(OSM / "helsinki.osm.pbf")).with_locations().with_filter(
                osmium.filter.EntityFilter(osmium.osm.WAY)) if w.id == 17000361]
    (first, last), = ends
    points = np.vstack([net.road_geometry(r) for r in roads]).round(7).tolist()
    assert points.index(first) < points.index(last)
    # every road is one-way exactly when the ways it came from are
    one_way = {str(w.id) for w in osmium.FileProcessor(str(OSM / "helsinki.osm.pbf")).with_filter(
        osmium.filter.EntityFilter(osmium.osm.WAY)) if w.tags.get("oneway") == "yes"}
    for r in range(net.n_roads):
        assert net.road_one_way[r] == any(w in one_way for w in net.road_way_ids[r])


@needs_osm
def test_aguascalientes_roundabouts_are_one_way():
    net = load_network(OSM / "aguascalientes.osm.pbf")
    rings = {"75415272", "75415289", "629095271"}
    roads = [r for r in range(net.n_roads) if rings & set(net.road_way_ids[r])]
    assert roads
    assert all(net.road_one_way[r] for r in roads)


@needs_osm
def test_short_graphml_holds_a_single_node_and_no_road():
    message = _error(lambda: load_network(OSM / "short.graphml"))
    assert "short.graphml" in message and "no drivable roads" in message


# ---------------------------------------------------------------------------------------------
# A hand-written OSM file whose every way tests one rule

def test_tiny_osm_rules_split_contract_one_way_and_components():
    net = load_network(DATA / "tiny.osm")
    assert net.node_ids == ("osm:1", "osm:3", "osm:5", "osm:8", "osm:9", "osm:11")
    roads = {net.road_way_ids[r]: r for r in range(net.n_roads)}
    assert set(roads) == {("10", "11"), ("20", "21"), ("30",), ("31",), ("40",), ("41",), ("42",)}
    assert net.n_roads == 8 and net.n_arcs == 12  # the roundabout is two roads, split at its exits

    def ends(r):
        arcs = np.flatnonzero(net.road == r)
        return [(net.node_ids[net.tail[a]], net.node_ids[net.head[a]]) for a in arcs]

    # two ways merged through node 2 (only those two meet there): both names, the bridge, the
    # higher class, km and minutes summed
    merged = roads[("10", "11")]
    assert ends(merged) == [("osm:1", "osm:3"), ("osm:3", "osm:1")]
    assert net.road_name[merged] == "A Street; B Street" and net.road_bridge[merged]
    assert net.road_class[merged] == "tertiary"
    piece = float(haversine_km(116.300, 39.9, 116.301, 39.9))
    assert net.road_km[merged] == pytest.approx(2 * piece, rel=1e-12)
    # way 10's maxspeed "fast" is unreadable: residential 25 km/h, counted with its way
    assert net.road_minutes[merged] == pytest.approx(piece / 25 * 60 + piece / 40 * 60, rel=1e-12)
    assert net.report.maxspeed_problems == 1 and "way 10" in net.report.maxspeed_examples[0]
    # one-way chain 3 -> 6 -> 7 -> 1 over two ways: one arc; oneway=-1 runs against the node order
    assert ends(roads[("20", "21")]) == [("osm:3", "osm:1")]
    assert ends(roads[("30",)]) == [("osm:8", "osm:1")]
    assert len(net.road_geometry(roads[("20", "21")])) == 4
    # maxspeed lists take the lowest, mph converted
    assert net.road_minutes[roads[("31",)]] == pytest.approx(net.road_km[roads[("31",)]] / 30 * 60)
    mph30 = 30 * 1.609344
    assert net.road_minutes[roads[("41",)]] == pytest.approx(net.road_km[roads[("41",)]] / mph30 * 60)
    assert net.road_ref[roads[("41",)]] == "G1" and net.road_tunnel[roads[("42",)]]
    # the roundabout is one-way
    ring = [r for r in range(net.n_roads) if net.road_way_ids[r] == ("40",)]
    assert sorted(e for r in ring for e in ends(r)) == [("osm:11", "osm:9"), ("osm:9", "osm:11")]
    report = net.report
    assert report.ways_dropped["closed to motor vehicles (access, vehicle or motor_vehicle no/private)"] == 1
    assert report.classes_dropped == {"footway": 1}
    # the island 12-13, and the one-way dead ends 5 -> 14 and 4 -> 11 (access=no but motor_vehicle=yes)
    assert report.nodes_dropped == {"disconnected islands": 2, "one-way dead ends": 2}
    assert report.km_dropped["one-way dead ends"] == pytest.approx(
        float(haversine_km(116.308, 39.9, 116.308, 39.902) + haversine_km(116.307, 39.901, 116.306, 39.9)))
    assert report.nodes_merged == 2
    assert _strongly_connected(net)
    check_against_raw_ways(net, DATA / "tiny.osm", sources=6)


def test_contraction_never_makes_loops_nor_merges_turning_points_or_parallel_roads():
    # a two-way ring of four nodes: two roads, no loop
    chains = contract_chains(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]), np.ones(4, dtype=bool), 4)
    assert chains.n_roads == 2 and sorted(np.diff(chains.start).tolist()) == [1, 3]
    # a one-way ring: the same
    chains = contract_chains(np.array([0, 1, 2]), np.array([1, 2, 0]), np.zeros(3, dtype=bool), 3)
    assert chains.n_roads == 2
    # 0 -> 1 -> 0 (a turning point) and 0 = 1 twice (parallel roads): nothing merged
    assert contract_chains(np.array([0, 1]), np.array([1, 0]), np.zeros(2, dtype=bool), 2).n_roads == 2
    assert contract_chains(np.array([0, 0, 1]), np.array([1, 1, 2]), np.ones(3, dtype=bool), 3).n_roads == 3
    # a one-way and a two-way segment meeting: not merged; a two-way chain: merged
    assert contract_chains(np.array([0, 1]), np.array([1, 2]), np.array([True, False]), 3).n_roads == 2
    assert contract_chains(np.array([0, 2, 2]), np.array([1, 1, 3]), np.ones(3, dtype=bool), 4).n_roads == 1


# ---------------------------------------------------------------------------------------------
# osmnx GraphML and CSV

def test_osmnx_graphml_pairs_two_way_edges_and_reads_lists_and_travel_time():
    net = load_network(DATA / "osmnx.graphml")
    assert net.node_ids == ("osm:101", "osm:102", "osm:103")
    by_ways = {net.road_way_ids[r]: r for r in range(net.n_roads)}
    assert set(by_ways) == {("1",), ("2", "3"), ("4", "5")}
    main_street = by_ways[("1",)]
    assert not net.road_one_way[main_street] and (net.road == main_street).sum() == 2
    assert net.road_minutes[main_street] == pytest.approx(0.111 / 30 * 60)  # ['50', '30']: the lowest
    listed = by_ways[("2", "3")]
    assert net.road_minutes[listed] == pytest.approx(10.5 / 60)  # travel_time wins
    assert net.road_name[listed] == "X Road; Y Road" and net.road_class[listed] == "unclassified"
    assert len(net.road_geometry(listed)) == 3  # the geometry's middle point kept for maps
    loop = by_ways[("4", "5")]  # 102 -> 104 -> 101, one-way, merged through 104
    assert net.road_one_way[loop] and net.road_bridge[loop]
    assert net.road_km[loop] == pytest.approx(0.27)
    assert net.road_minutes[loop] == pytest.approx(0.12 / 60 * 60 + 0.15 / (40 * 1.609344) * 60)
    assert net.report.classes_dropped == {"footway": 1}


def test_csv_network_reads_lengths_speeds_minutes_and_classes():
    net = load_network(DATA / "edges.csv", nodes=DATA / "nodes.csv")
    assert net.node_ids == ("na", "nc", "ne")
    by_ways = {net.road_way_ids[r]: r for r in range(net.n_roads)}  # way ids: the edges' lines
    assert net.road_km[by_ways[("2", "3")]] == pytest.approx(2.2)  # 1 km + 1200 m... as km
    assert net.road_minutes[by_ways[("2", "3")]] == pytest.approx(1.0 + 1.2)  # 60 km/h, primary 60 km/h
    assert net.road_one_way[by_ways[("4",)]] and net.road_minutes[by_ways[("4",)]] == 3
    bridge = by_ways[("5", "6")]
    assert net.road_bridge[bridge] and net.road_minutes[bridge] == pytest.approx(2 + 0.8 / 40 * 60)


def test_csv_bad_values_name_the_file_line_and_column(tmp_path):
    message = _error(lambda: load_network(DATA / "bad_edges.csv", nodes=DATA / "nodes.csv"))
    assert "3 problems in" in message
    assert "bad_edges.csv:3: column km" in message
    assert "bad_edges.csv:4: column to: not a node" in message
    assert "bad_edges.csv:5: column speed" in message
    assert "abc" not in message and "zz" not in message and "fast" not in message
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("id,lon,lat\na,121,30\na,500,30\n", encoding="utf-8")
    message = _error(lambda: load_network(DATA / "edges.csv", nodes=nodes))
    assert "nodes.csv:3: column id" in message and "nodes.csv:3: column lon" in message
    assert "node file" in _error(lambda: load_network(DATA / "edges.csv"))


# ---------------------------------------------------------------------------------------------
# maxspeed and the speed table

@pytest.mark.parametrize(("value", "kmh"), [
    ("50", 50.0), ("50 km/h", 50.0), ("50km/h", 50.0), ("30 mph", 30 * 1.609344), ("30mph", 30 * 1.609344),
    ("none", None), ("signals", None), ("walk", 6.0), ("50;30", 30.0), ("30 | 50", 30.0), ("DE:urban", 50.0),
    ("RU:rural", 90.0), ("DE:motorway", None), ("DE:zone30", 30.0), ("DE:zone:20", 20.0), ("none;40", 40.0),
    ("5 knots", 5 * 1.852), ("12.5", 12.5),
])
def test_maxspeed_values_are_read(value, kmh):
    result = parse_maxspeed(value)
    assert result == (pytest.approx(kmh) if kmh is not None else None)


@pytest.mark.parametrize("value", ["fast", "", "0", "-10", "50 kn/h", "XX:urban", "900", "50;fast",
                                   "DE:nowhere"])
def test_unreadable_maxspeed_values_raise(value):
    with pytest.raises(ValueError):
        parse_maxspeed(value)


def test_speed_overrides_add_change_and_drop_classes():
    table = speed_table(parse_speed_overrides("motorway=90, track=20 km/h,service=0"))
    assert table["motorway"] == 90 and table["track"] == 20 and "service" not in table
    for bad in ("motorway", "motorway=fast", "=30"):
        with pytest.raises(Exception, match="--speeds"):
            parse_speed_overrides(bad)
    with pytest.raises(Exception, match="speed of trunk"):
        speed_table({"trunk": 999})


def test_a_class_added_to_the_speed_table_is_kept_and_a_dropped_one_left_out():
    base = load_network(DATA / "tiny.osm")
    more = load_network(DATA / "tiny.osm", speeds={"footway": 5})
    assert "footway" in more.report.km_by_class and "footway" not in base.report.km_by_class
    fewer = load_network(DATA / "tiny.osm", speeds={"service": 0})
    assert "service" not in fewer.report.km_by_class and fewer.n_roads == base.n_roads - 1


# ---------------------------------------------------------------------------------------------
# Bad files: one clear error each, naming the file, never quoting it

def _entity_bomb(body: str) -> bytes:
    """XML whose entities expand to 10^9 characters (a "billion laughs")."""
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE lolz [", '<!ENTITY l0 "SECRET">']
    lines += [f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">' for i in range(1, 10)]
    return ("\n".join(lines) + "\n]>\n" + body.replace("BOMB", "&l9;")).encode()


def test_bad_road_network_files_each_give_one_clear_error(tmp_path):
    cases = {
        "bomb.osm": (_entity_bomb('<osm version="0.6"><node id="1" lat="1" lon="1"><tag k="a" v="BOMB"/>'
                                  "</node></osm>"), "XML entities are not supported"),
        "bomb.graphml": (_entity_bomb('<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph '
                                      'edgedefault="directed"><node id="BOMB"/></graph></graphml>'),
                         "amplification"),
        "missing.osm": (None, "no such road network file"),
        "empty.osm.pbf": (b"", "is empty"),
        "image.osm.pbf": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR SECRET" + bytes(200),
                          "not a readable OSM PBF"),
        "cut.osm": (b'<?xml version="1.0"?>\n<osm version="0.6">\n<node id="1" lat="1" lon="2"/>\n'
                    b'<way id="5">', "not a well-formed OSM XML file"),
        "image.graphml": (b"\x89PNG\r\n\x1a\n SECRET", "not well-formed XML"),
        "osm.graphml": ((DATA / "tiny.osm").read_bytes(), "not a GraphML file"),
        "roads.bin": (b"x", "cannot tell the format"),
        "bad.osm.bz2": (b"BZh9 SECRET not really", "not a readable bzip2"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        message = _error(lambda p=path: load_network(p))
        assert message.startswith(str(path)) and expected in message, message
        assert "SECRET" not in message and "node id" not in message
    for name, expected in (("not_osm.osm", "not an OpenStreetMap file"),
                           ("footways.osm", "no drivable roads"),
                           ("one_way_pieces.osm", "no two junctions are joined both ways"),
                           ("no_xy.graphml", "has no x/y coordinates")):
        message = _error(lambda n=name: load_network(DATA / n))
        assert name in message and expected in message and "SECRET" not in message
    assert "cut.osm:4:" in _error(lambda: load_network(tmp_path / "cut.osm"))
    assert "is a folder" in _error(lambda: load_network(tmp_path, format="osm"))


@needs_osm
def test_a_truncated_pbf_is_refused(tmp_path):
    data = (OSM / "helsinki.osm.pbf").read_bytes()
    half = tmp_path / "half.osm.pbf"
    half.write_bytes(data[: len(data) // 2])
    message = _error(lambda: load_network(half))
    assert "half.osm.pbf: is not a readable OSM PBF file" in message and "truncated" in message


def test_the_cli_reports_a_bad_file_on_one_line_with_exit_code_2(tmp_path, capsys):
    assert main(["network", str(DATA / "not_osm.osm"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sim network: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and "SECRET" not in err
    assert main(["network", str(DATA / "tiny.osm"), "--speeds", "motorway=fast"]) == 2


# ---------------------------------------------------------------------------------------------
# The cache

def _same_arrays(a: ImportedNetwork, b: ImportedNetwork) -> None:
    for name in ("node_lon", "node_lat", "tail", "head", "km", "minutes", "road", "road_one_way",
                 "road_bridge", "road_tunnel", "geometry_lon", "geometry_lat", "geometry_start"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    for name in ("node_source", "id_prefix", "road_class", "road_name", "road_ref", "road_way_ids"):
        assert getattr(a, name) == getattr(b, name), name


def test_the_second_load_comes_from_the_cache_with_identical_arrays(cache_dir):
    first = load_network(DATA / "tiny.osm")
    assert not first.report.from_cache and first.report.cache_file
    assert Path(first.report.cache_file).parent == cache_dir
    second = load_network(DATA / "tiny.osm")
    assert second.report.from_cache and "from the cache" in second.report.summary()
    _same_arrays(first, second)
    for name in ("nodes", "arcs", "roads", "km", "km_by_class", "nodes_dropped", "maxspeed_examples"):
        assert getattr(first.report, name) == getattr(second.report, name)
    assert not load_network(DATA / "tiny.osm", cache=False).report.from_cache


def test_a_changed_speed_table_or_file_is_built_afresh(tmp_path):
    copy = tmp_path / "copy.osm"
    shutil.copy(DATA / "tiny.osm", copy)
    base = load_network(copy)
    faster = load_network(copy, speeds={"residential": 50})
    assert not faster.report.from_cache and not np.array_equal(faster.minutes, base.minutes)
    assert load_network(copy, speeds={"residential": 50}).report.from_cache
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace('v="A Street"', 'v="C Street"'), encoding="utf-8")
    changed = load_network(copy)
    assert not changed.report.from_cache and "C Street" in " ".join(changed.road_name)
    edges = tmp_path / "edges.csv"
    shutil.copy(DATA / "edges.csv", edges)
    nodes = tmp_path / "nodes.csv"
    shutil.copy(DATA / "nodes.csv", nodes)
    load_network(edges, nodes=nodes)
    nodes.write_text(nodes.read_text(encoding="utf-8").replace("121.03", "121.04"), encoding="utf-8")
    assert not load_network(edges, nodes=nodes).report.from_cache  # the node file is in the key too


def test_a_changed_importer_is_built_afresh(monkeypatch):
    from sim.network import cache

    load_network(DATA / "tiny.osm")
    assert load_network(DATA / "tiny.osm").report.from_cache
    monkeypatch.setattr(cache, "importer_digest", lambda: "another version of the code")
    assert not load_network(DATA / "tiny.osm").report.from_cache


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty"])
def test_a_damaged_cache_file_is_ignored_and_rebuilt(damage):
    first = load_network(DATA / "osmnx.graphml")
    path = Path(first.report.cache_file)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        for k in range(len(data) // 3, len(data) // 3 + 64):
            data[k] ^= 0x5A
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data = bytearray(b"not a zip file at all" * 10)
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    rebuilt = load_network(DATA / "osmnx.graphml")
    assert not rebuilt.report.from_cache
    _same_arrays(first, rebuilt)
    assert load_network(DATA / "osmnx.graphml").report.from_cache  # and the cache file is whole again


def test_a_cache_that_cannot_be_written_is_reported_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("SIM_CACHE_DIR", str(blocker / "cache"))
    net = load_network(DATA / "tiny.osm")
    assert not net.report.from_cache and net.report.cache_note.startswith("not cached")


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    from sim.network import cache_folder

    monkeypatch.delenv("SIM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "sim" / "networks"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == Path.home() / ".cache" / "sim" / "networks"


# ---------------------------------------------------------------------------------------------
# For the engine, and for a map

def test_the_network_converts_to_the_engines_road_network_with_extra_nodes_and_arcs():
    net = load_network(DATA / "tiny.osm")
    roads = to_road_network(net)
    assert roads.node_ids == net.node_ids and roads.n_roads == net.n_roads and roads.has_one_way
    assert not roads.synthetic and "tiny.osm" in roads.description
    bridge = int(np.flatnonzero(net.road_bridge)[0])
    assert all(roads.tags[a] == ("bridge",) for a in np.flatnonzero(net.road == bridge))
    assert roads.road_class[0] == net.road_class[net.road[0]]
    place = net.n_nodes
    extra = ExtraArcs(node_ids=("place:school",), tail=np.array([place, 2]), head=np.array([2, place]),
                      km=np.array([0.05, 0.05]), minutes=np.array([0.2, 0.2]), road=np.array([0, 0]),
                      road_class=("access", "access"), tags=((), ()))
    joined = to_road_network(net, extra)
    assert joined.node_ids[-1] == "place:school" and joined.n_roads == net.n_roads + 1
    assert unreachable_nodes(joined) == []
    minutes = dijkstra(joined.csgraph(), indices=[place])[0]
    assert np.isfinite(minutes).all()


@needs_osm
def test_sim_network_on_helsinki_prints_the_summary_and_writes_valid_geojson(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["network", str(OSM / "helsinki.osm.pbf")]) == 0
    out = capsys.readouterr().out
    for text in ("278 junctions", "550 arcs", "355 roads", "km by class", "one-way dead ends",
                 "disconnected islands", "maxspeed", "built in", "© OpenStreetMap contributors"):
        assert text in out, text
    path = tmp_path / "out" / "network-helsinki" / "network.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 355
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "LineString"
        points = feature["geometry"]["coordinates"]
        assert len(points) >= 2
        assert all(len(p) == 2 and 24 < p[0] < 26 and 60 < p[1] < 61 for p in points)  # lon, lat
        props = feature["properties"]
        assert set(props) >= {"road", "class", "name", "km", "minutes", "one_way", "way_ids", "bridge"}
        assert props["km"] >= 0 and isinstance(props["way_ids"], list)
    assert "crs" not in collection  # RFC 7946: WGS84 only, no crs member
    assert main(["network", str(OSM / "helsinki.osm.pbf"), "--out", str(tmp_path / "again")]) == 0
    assert "from the cache" in capsys.readouterr().out


def test_geojson_of_a_small_network_is_plain_json():
    net = load_network(DATA / "edges.csv", nodes=DATA / "nodes.csv")
    text = json.dumps(network_geojson(net), allow_nan=False)
    features = json.loads(text)["features"]
    assert [f["properties"]["one_way"] for f in features] == [False, True, False]
    assert all(math.isfinite(f["properties"]["minutes"]) for f in features)
    assert os.environ["SIM_CACHE_DIR"]
