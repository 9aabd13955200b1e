"""Contracting degree-2 chains: a junction only passed through is removed and its two road
segments become one, so the graph holds only real junctions.

A node is removed when

* it has exactly two segments, both two-way, going to two *different* neighbours, and no
  one-way segment; or
* it has exactly one one-way segment in and one out (and no two-way segment), the one in not
  coming from where the one out goes.

A chain of removed nodes becomes one road between the two kept nodes at its ends, two-way or
one-way like its parts. Nothing else is merged: not at a node where a third segment meets, a
node where a one-way and a two-way segment meet, a turning point (``u -> v -> u``), nor where
two parallel segments leave the same neighbour. So shortest paths between the kept nodes stay
what they were (every path through a removed node goes through its whole chain). A chain that
would come back to its own start node (a loop, or a ring of removed nodes) is cut before its
last segment, so no merged road is a loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Chains", "contract_chains"]


@dataclass(frozen=True)
class Chains:
    """Roads as chains of segments: road ``r`` is the segments ``segment[start[r]:start[r + 1]]``
    in driving order, ``flip`` marking those driven from their ``v`` end to their ``u`` end."""

    segment: np.ndarray
    flip: np.ndarray
    start: np.ndarray

    @property
    def n_roads(self) -> int:
        return len(self.start) - 1


def contract_chains(u: np.ndarray, v: np.ndarray, two_way: np.ndarray, n_nodes: int) -> Chains:
    """The roads left when the degree-2 chains of the graph of segments ``u[s] - v[s]``
    (``two_way[s]``, else one-way ``u -> v``) over ``n_nodes`` nodes are contracted."""
    one = ~two_way
    loop = u == v
    deg2 = np.bincount(u[two_way], minlength=n_nodes) + np.bincount(v[two_way], minlength=n_nodes)
    out1 = np.bincount(u[one], minlength=n_nodes)
    in1 = np.bincount(v[one], minlength=n_nodes)
    has_loop = np.zeros(n_nodes, dtype=bool)
    has_loop[u[loop]] = True

    # two-way candidates: the two segments at each node with two two-way ends
    ends = np.concatenate([u[two_way], v[two_way]])
    segs = np.concatenate([np.flatnonzero(two_way)] * 2)
    order = np.argsort(ends, kind="stable")
    ends, segs = ends[order], segs[order]
    cand2 = (deg2 == 2) & (out1 == 0) & (in1 == 0) & ~has_loop
    pair = np.full((n_nodes, 2), -1, dtype=np.int64)
    first = np.searchsorted(ends, np.arange(n_nodes))
    nodes2 = np.flatnonzero(cand2)
    pair[nodes2, 0] = segs[first[nodes2]]
    pair[nodes2, 1] = segs[first[nodes2] + 1]
    far0 = np.where(u[pair[nodes2, 0]] == nodes2, v[pair[nodes2, 0]], u[pair[nodes2, 0]])
    far1 = np.where(u[pair[nodes2, 1]] == nodes2, v[pair[nodes2, 1]], u[pair[nodes2, 1]])
    rem2 = np.zeros(n_nodes, dtype=bool)
    rem2[nodes2[far0 != far1]] = True

    # one-way candidates: one segment in, one out
    into = np.full(n_nodes, -1, dtype=np.int64)
    out = np.full(n_nodes, -1, dtype=np.int64)
    one_ids = np.flatnonzero(one)
    into[v[one_ids]] = one_ids
    out[u[one_ids]] = one_ids
    cand1 = (deg2 == 0) & (out1 == 1) & (in1 == 1) & ~has_loop
    nodes1 = np.flatnonzero(cand1)
    rem1 = np.zeros(n_nodes, dtype=bool)
    rem1[nodes1[u[into[nodes1]] != v[out[nodes1]]]] = True

    removable = rem2 | rem1
    simple = ~removable[u] & ~removable[v]  # segments between two kept nodes: a road each
    used = simple.tolist()
    uu, vv, tw = u.tolist(), v.tolist(), two_way.tolist()
    r2, r1 = rem2.tolist(), rem1.tolist()
    pair_l, into_l, out_l = pair.tolist(), into.tolist(), out.tolist()
    walked: list[int] = []
    walked_flip: list[bool] = []
    walked_size: list[int] = []
    for s in np.flatnonzero(~simple).tolist():
        if used[s]:
            continue
        segments, flips = _walk(s, uu, vv, tw, r2, r1, pair_l, into_l, out_l)
        for seg in segments:
            used[seg] = True
        start_node = vv[segments[0]] if flips[0] else uu[segments[0]]
        end_node = uu[segments[-1]] if flips[-1] else vv[segments[-1]]
        walked += segments
        walked_flip += flips
        if start_node == end_node and len(segments) > 1:
            walked_size += [len(segments) - 1, 1]
        else:
            walked_size.append(len(segments))
    # roads in the order of their lowest segment: the simple ones, then the walked chains
    single = np.flatnonzero(simple)
    chain_segment = np.array(walked, dtype=np.int64)
    sizes = np.concatenate([np.ones(len(single), dtype=np.int64), np.array(walked_size, dtype=np.int64)])
    entries = np.concatenate([single, chain_segment])
    flips_all = np.concatenate([np.zeros(len(single), dtype=bool), np.array(walked_flip, dtype=bool)])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    lowest = np.minimum.reduceat(entries, offsets) if len(entries) else np.zeros(0, dtype=np.int64)
    order = np.argsort(lowest, kind="stable")
    take = np.repeat(offsets[order], sizes[order]) + _ranks(sizes[order])
    return Chains(segment=entries[take], flip=flips_all[take],
                  start=np.concatenate([[0], np.cumsum(sizes[order])]).astype(np.int64))


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """``0 .. size-1`` for each size, concatenated."""
    total = int(sizes.sum())
    return np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def _walk(s: int, u: list[int], v: list[int], two: list[bool], rem2: list[bool], rem1: list[bool],
          pair: list[list[int]], into: list[int], out: list[int]) -> tuple[list[int], list[bool]]:
    """The whole chain holding segment ``s``: back to a kept node (or round a ring to ``s``),
    then forward to the next kept node (or back to where it started)."""
    if not two[s]:
        first = s
        while rem1[u[first]]:
            previous = into[u[first]]
            if previous == s:
                break
            first = previous
        segments, node, start = [first], v[first], u[first]
        while rem1[node] and node != start:
            segments.append(out[node])
            node = v[out[node]]
        return segments, [False] * len(segments)
    # two-way: walk back from the u end of s
    node, current = u[s], s
    while rem2[node]:
        a, b = pair[node]
        previous = b if a == current else a
        if previous == s:
            break
        node = v[previous] if u[previous] == node else u[previous]
        current = previous
    start = node
    segments, flips = [current], [u[current] != node]
    node = u[current] if flips[0] else v[current]
    while rem2[node] and node != start:
        a, b = pair[node]
        current = b if a == current else a
        flipped = u[current] != node
        segments.append(current)
        flips.append(flipped)
        node = u[current] if flipped else v[current]
    return segments, flips
