"""From ways to the road graph: split at junctions, keep the largest strongly connected part,
contract pass-through junctions.

* A way is split at every node it shares with another way (or meets twice) and at its ends.
  A segment's length is the sum of the great-circle distances between its consecutive points
  (unless the file gives the way's length), its minutes ``km / speed * 60`` (unless the file
  gives them). A one-way-backward way is turned round, so every one-way segment runs from its
  first junction to its second.
* Only the largest strongly connected part is kept (every junction reaches every other): the
  rest is counted as *disconnected islands* (no road at all to the main part) or *one-way dead
  ends* (joined to it, but only in one direction).
* Degree-2 chains are contracted (:mod:`sim.network.contract`): km and minutes of the parts are
  summed; the merged road keeps the ways it came from, their names and refs, whether any part
  is a bridge or a tunnel, the highest class (:data:`sim.network.speeds.CLASS_ORDER`) and its
  points for maps.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from ..scenario.geography import haversine_km
from .contract import contract_chains
from .errors import NetworkError
from .imported import ImportedNetwork
from .osm_tags import BACKWARD, BOTH
from .report import LoadReport
from .speeds import class_rank
from .ways import WayTable

__all__ = ["ISLANDS", "ONE_WAY_DEAD_ENDS", "build_network"]

ISLANDS = "disconnected islands"
ONE_WAY_DEAD_ENDS = "one-way dead ends"


def _no_roads(table: WayTable) -> str:
    counts = table.counts
    if counts.ways_read == 0:
        return "has no drivable roads (it holds no ways or edges at all)"
    reasons = sorted(counts.dropped.items(), key=lambda kv: -kv[1])
    return (f"has no drivable roads: none of its {counts.ways_read:,} ways is kept ("
            + "; ".join(f"{n:,} {reason}" for reason, n in reasons[:3]) + ")")


def build_network(table: WayTable, file: str, format: str, id_prefix: str,
                  nodes_file: str | None = None) -> ImportedNetwork:
    """The road graph of ``table`` (read from ``file`` in ``format``); raises
    :class:`NetworkError` when no two junctions are joined both ways."""
    if table.n_ways == 0:
        raise NetworkError(file, _no_roads(table))
    points, starts = table.point_node, table.way_start
    n_ways, n_points = table.n_ways, len(points)
    way_of = np.repeat(np.arange(n_ways), np.diff(starts))
    given = np.isfinite(table.way_km)

    # split points: shared nodes and way ends (never inside a way whose length is given)
    split = np.bincount(points, minlength=len(table.node_source))[points] > 1
    split[starts[:-1]] = True
    split[starts[1:] - 1] = True
    inner = np.ones(n_points, dtype=bool)
    inner[starts[:-1]] = inner[starts[1:] - 1] = False
    split[inner & given[way_of]] = False
    at = np.flatnonzero(split)
    same = way_of[at[:-1]] == way_of[at[1:]]
    seg_a, seg_b = at[:-1][same], at[1:][same]
    seg_way = way_of[seg_a]

    lon, lat = table.node_lon[points], table.node_lat[points]
    piece = np.zeros(n_points)
    piece[:-1] = haversine_km(lon[:-1], lat[:-1], lon[1:], lat[1:])
    piece[:-1][way_of[1:] != way_of[:-1]] = 0.0
    seg_km = np.add.reduceat(piece, seg_a) if len(seg_a) else np.zeros(0)
    seg_km = np.where(given[seg_way], table.way_km[seg_way], seg_km)
    given_minutes = table.way_minutes[seg_way]
    seg_minutes = np.where(np.isfinite(given_minutes), given_minutes, seg_km / table.way_kmh[seg_way] * 60.0)

    direction = table.way_direction[seg_way]
    backward = direction == BACKWARD
    two_way = direction == BOTH
    u_node = np.where(backward, points[seg_b], points[seg_a])
    v_node = np.where(backward, points[seg_a], points[seg_b])

    # junctions and the largest strongly connected part
    junction_nodes, inverse = np.unique(np.concatenate([u_node, v_node]), return_inverse=True)
    inverse = inverse.reshape(-1)
    n_seg = len(seg_a)
    u, v = inverse[:n_seg], inverse[n_seg:]
    n_j = len(junction_nodes)
    tails = np.concatenate([u, v[two_way]])
    heads = np.concatenate([v, u[two_way]])
    graph = csr_matrix((np.ones(len(tails)), (tails, heads)), shape=(n_j, n_j))
    _, strong = connected_components(graph, directed=True, connection="strong")
    _, weak = connected_components(graph, directed=False)
    main = int(np.argmax(np.bincount(strong)))
    kept_node = strong == main
    main_weak = weak[np.flatnonzero(kept_node)[0]]
    kept_seg = kept_node[u] & kept_node[v]
    if not (kept_seg & (u != v)).any():
        raise NetworkError(file, f"has {n_seg:,} road segments but no two junctions are joined both ways "
                                 "(its roads are disconnected pieces or one-way dead ends)")
    nodes_dropped: dict[str, int] = {}
    km_dropped: dict[str, float] = {}
    for reason, node_mask, seg_mask in (
            (ISLANDS, ~kept_node & (weak != main_weak), ~kept_seg & (weak[u] != main_weak)),
            (ONE_WAY_DEAD_ENDS, ~kept_node & (weak == main_weak), ~kept_seg & (weak[u] == main_weak))):
        if node_mask.any() or seg_mask.any():
            nodes_dropped[reason] = int(node_mask.sum())
            km_dropped[reason] = float(seg_km[seg_mask].sum())

    # contract pass-through junctions among the kept segments
    keep = np.flatnonzero(kept_seg)
    renumber = np.cumsum(kept_node) - 1
    ku, kv = renumber[u[keep]], renumber[v[keep]]
    chains = contract_chains(ku, kv, two_way[keep], int(kept_node.sum()))
    entry = keep[chains.segment]  # original segment of each chain entry
    flip = chains.flip
    road_first = chains.start[:-1]
    road_last = chains.start[1:] - 1
    entry_u = np.where(flip, kv[chains.segment], ku[chains.segment])
    entry_v = np.where(flip, ku[chains.segment], kv[chains.segment])
    road_tail, road_head = entry_u[road_first], entry_v[road_last]
    road_km = np.add.reduceat(seg_km[entry], road_first)
    road_minutes = np.add.reduceat(seg_minutes[entry], road_first)
    road_two_way = two_way[entry[road_first]]
    road_bridge = np.logical_or.reduceat(table.way_bridge[seg_way[entry]], road_first)
    road_tunnel = np.logical_or.reduceat(table.way_tunnel[seg_way[entry]], road_first)

    classes = sorted(set(table.way_class), key=lambda c: (class_rank(c), c))
    code = {c: k for k, c in enumerate(classes)}
    way_code = np.array([code[c] for c in table.way_class], dtype=np.int64)
    road_class_code = np.minimum.reduceat(way_code[seg_way[entry]], road_first)
    road_class = tuple(classes[k] for k in road_class_code.tolist())
    road_way_ids, road_name, road_ref = _road_labels(table, seg_way[entry], chains.start)

    # geometry: the points of each entry in driving order, joints once
    desc = backward[entry] ^ flip
    a, b = seg_a[entry], seg_b[entry]
    not_first = np.ones(len(entry), dtype=bool)
    not_first[road_first] = False
    lengths = b - a + 1 - not_first
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    within = np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths) + np.repeat(not_first, lengths)
    position = np.where(np.repeat(desc, lengths), np.repeat(b, lengths) - within,
                        np.repeat(a, lengths) + within)
    geometry_start = offsets[np.concatenate([road_first, [len(entry)]])]

    # arcs: the forward arc of each road, then its backward arc if it is two-way
    n_roads = chains.n_roads
    per_road = 1 + road_two_way.astype(np.int64)
    arc_road = np.repeat(np.arange(n_roads), per_road)
    back = np.zeros(len(arc_road), dtype=bool)
    back[np.cumsum(per_road)[road_two_way] - 1] = True
    used_nodes, final = np.unique(np.concatenate([road_tail, road_head]), return_inverse=True)
    final = final.reshape(-1)
    tail_f, head_f = final[:n_roads], final[n_roads:]
    tail = np.where(back, head_f[arc_road], tail_f[arc_road])
    head = np.where(back, tail_f[arc_road], head_f[arc_road])
    source_nodes = junction_nodes[np.flatnonzero(kept_node)][used_nodes]

    km_by_class: dict[str, float] = {}
    kept_classes = way_code[seg_way[keep]]
    sums = np.bincount(kept_classes, weights=seg_km[keep], minlength=len(classes))
    for k in np.flatnonzero(np.bincount(kept_classes, minlength=len(classes))).tolist():
        km_by_class[classes[k]] = float(sums[k])
    counts = table.counts
    report = LoadReport(
        file=file, format=format, nodes_file=nodes_file, ways_read=counts.ways_read,
        ways_kept=counts.ways_kept,
        ways_dropped=dict(counts.dropped), classes_dropped=dict(counts.classes_dropped),
        nodes=len(used_nodes), arcs=len(tail), roads=n_roads, one_way_roads=int((~road_two_way).sum()),
        km=float(road_km.sum()), km_by_class=km_by_class, nodes_dropped=nodes_dropped, km_dropped=km_dropped,
        nodes_merged=int(kept_node.sum()) - len(used_nodes), points_missing=counts.points_missing,
        maxspeed_problems=counts.maxspeed_problems, maxspeed_examples=tuple(counts.maxspeed_examples))
    return ImportedNetwork(
        node_source=tuple(str(s) for s in table.node_source[source_nodes].tolist()), id_prefix=id_prefix,
        node_lon=table.node_lon[source_nodes], node_lat=table.node_lat[source_nodes],
        tail=tail.astype(np.int64), head=head.astype(np.int64), km=road_km[arc_road],
        minutes=road_minutes[arc_road], road=arc_road.astype(np.int64), road_class=road_class,
        road_name=road_name, road_ref=road_ref, road_way_ids=road_way_ids, road_one_way=~road_two_way,
        road_bridge=road_bridge, road_tunnel=road_tunnel, geometry_lon=lon[position],
        geometry_lat=lat[position], geometry_start=geometry_start.astype(np.int64), report=report)


def _road_labels(table: WayTable, entry_way: np.ndarray, start: np.ndarray
                 ) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...], tuple[str, ...]]:
    """Per road: the distinct way ids, names and refs of its ways, in driving order."""
    ids, names, refs = table.way_ids, table.way_names, table.way_refs
    first = entry_way[start[:-1]]
    sizes = np.diff(start)
    one_way_only = np.logical_and.reduceat(entry_way == np.repeat(first, sizes), start[:-1])
    # most roads come from one way: their labels are that way's
    name_text = ["; ".join(n) for n in names]
    ref_text = ["; ".join(r) for r in refs]
    firsts = first.tolist()
    out_ids = [ids[w] for w in firsts]
    out_names = [name_text[w] for w in firsts]
    out_refs = [ref_text[w] for w in firsts]
    ways, bounds = entry_way.tolist(), start.tolist()
    for r in np.flatnonzero(~one_way_only).tolist():
        members = list(dict.fromkeys(ways[bounds[r]:bounds[r + 1]]))
        out_ids[r] = tuple(dict.fromkeys(i for w in members for i in ids[w]))
        out_names[r] = "; ".join(dict.fromkeys(n for w in members for n in names[w]))
        out_refs[r] = "; ".join(dict.fromkeys(n for w in members for n in refs[w]))
    return tuple(out_ids), tuple(out_names), tuple(out_refs)
