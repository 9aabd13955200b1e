"""Exact static facility-location models: where to open stations, put units or send evacuees.

Every model is one mixed-integer program over a travel-time matrix, solved by
:func:`scipy.optimize.milp` (HiGHS) with a relative MIP gap of 0, so the optimum is proved,
not approximated. The inputs:

* ``times``: an ``(n_demand, n_candidates)`` array of minutes between demand point ``i`` and
  candidate site ``j``; ``np.inf`` means ``j`` cannot reach ``i``. Negative or NaN minutes are
  refused;
* ``weights``: demand at each point (people, calls a year), finite and ``>= 0``;
* ``fixed``: candidate indices that must be open (sites that exist already); they count
  toward ``p`` (or ``units``).

Demand point ``i`` is *covered* by site ``j`` when ``times[i, j] <= radius`` (a finite time).
Every function returns a :class:`Placement`. Its ``objective`` is recomputed from the sites
chosen (not read off the solver), so it is exact; several optima may tie, and then HiGHS may
return any of them: compare objectives, not site sets. With the same input and no time limit
the same answer comes back every time (HiGHS runs serially and deterministically).
``time_limit`` (seconds) stops the search early; the result is then the best solution found,
``status`` is ``"time limit"`` and ``gap`` the relative gap HiGHS reports (RuntimeError if it
had found none yet).

Sizes: the covering models (:func:`lscp`, :func:`mclp`, :func:`mexclp`) have one variable
per candidate and per demand point (times ``units`` for :func:`mexclp`) and a sparse row per
demand point, so 1,000 candidates by 1,000 demand points is small. :func:`p_median` and
:func:`p_center` have an assignment variable and a linking row per reachable (demand,
candidate) pair: 10^6 of each at 1,000 by 1,000, which HiGHS solves in minutes, not seconds
(see ``benchmarks/location_solve_times.py``). :func:`capacitated_assignment` is a
transportation problem with one variable per reachable (origin, open shelter) pair.
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]  # scipy ships no type hints
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]

Rows = list[tuple[Any, Any, Any]]  # (sparse matrix, lower, upper) blocks of constraint rows

__all__ = ["Placement", "capacitated_assignment", "lscp", "mclp", "mexclp", "p_center", "p_median"]


@dataclass(frozen=True)
class Placement:
    """A solution.

    ``sites``: the open candidate indices, ascending (:func:`mexclp`: one entry per unit, so a
    site holding two units appears twice; :func:`capacitated_assignment`: the shelters that
    receive someone). ``assignment[i]``: the nearest open site to demand point ``i`` (lowest
    index on ties; -1 if no open site reaches it), or None for :func:`capacitated_assignment`,
    whose origins may be split: its ``flows`` are ``(origin, shelter, people)`` triples.
    ``uncoverable`` (:func:`lscp`): the demand points no allowed candidate covers, which the
    cover leaves out. ``seconds``: wall time of building and solving the model (not compared).
    """

    sites: tuple[int, ...]
    objective: float
    assignment: tuple[int, ...] | None
    status: str
    seconds: float = field(compare=False)
    uncoverable: tuple[int, ...] = ()
    flows: tuple[tuple[int, int, int], ...] = ()
    gap: float = 0.0


def lscp(times: Any, radius: float, fixed: Iterable[int] = (), allowed: Iterable[int] | None = None, *,
         time_limit: float | None = None) -> Placement:
    """Location Set Covering Problem (Toregas, Swain, ReVelle and Bergman 1971): the fewest sites
    that put every coverable demand point within ``radius`` of an open site.

    With ``N_i = {j allowed: times[i, j] <= radius}`` and ``C = {i: N_i nonempty}``::

        min   sum_j y_j
        s.t.  sum_{j in N_i} y_j >= 1     for i in C
              y_j = 1                     for j in fixed
              y_j = 0                     for j not allowed
              y_j in {0, 1}

    ``allowed`` (default: every candidate) limits the sites that may open; it must include
    ``fixed``. A demand point outside ``C`` cannot be covered by any site: it is left out of
    the cover and listed in ``Placement.uncoverable`` (not an error, so a partial network still
    gets its cover). ``objective`` is the number of open sites, ``fixed`` included.
    """
    start = time.perf_counter()
    t = _times(times)
    n, m = t.shape
    r = _radius(radius)
    fix = _indices(fixed, m, "fixed")
    allow = np.ones(m, dtype=bool)
    if allowed is not None:
        allow[:] = False
        allow[list(_indices(allowed, m, "allowed"))] = True
    outside = [j for j in fix if not allow[j]]
    if outside:
        raise ValueError(f"fixed sites {outside} are not among the allowed candidates")
    cover = _cover(t, r) & allow
    coverable = cover.any(axis=1)
    lb = np.zeros(m)
    lb[list(fix)] = 1.0
    rows = [(sparse.csr_matrix(cover[coverable], dtype=float), 1.0, np.inf)]
    x, status, gap = _solve(np.ones(m), np.ones(m), lb, allow.astype(float), rows, time_limit, "")
    sites = _chosen(x[:m])
    return Placement(sites, float(len(sites)), _nearest(t, sites), status, time.perf_counter() - start,
                     uncoverable=tuple(int(i) for i in np.flatnonzero(~coverable)), gap=gap)


def mclp(times: Any, weights: Any, radius: float, p: int, fixed: Iterable[int] = (), *,
         time_limit: float | None = None) -> Placement:
    """Maximal Covering Location Problem (Church and ReVelle 1974): ``p`` sites covering the most
    demand weight within ``radius``.

    With ``N_i = {j: times[i, j] <= radius}`` and ``z_i = 1`` when point ``i`` is covered::

        max   sum_i w_i z_i
        s.t.  z_i <= sum_{j in N_i} y_j   for every i (z_i = 0 when N_i is empty)
              sum_j y_j = p
              y_j = 1                     for j in fixed
              y_j in {0, 1},  0 <= z_i <= 1

    ``z`` may be continuous: with ``y`` integral, the best ``z_i`` is 0 or 1. ``objective`` is
    the covered weight.
    """
    start = time.perf_counter()
    t = _times(times)
    n, m = t.shape
    w = _weights(weights, n)
    r = _radius(radius)
    fix = _indices(fixed, m, "fixed")
    count = _count(p, m, fix, "p")
    cover = _cover(t, r)
    coverable = np.flatnonzero(cover.any(axis=1))
    k = len(coverable)
    c = np.concatenate([np.zeros(m), -w[coverable]])
    link = sparse.hstack([-sparse.csr_matrix(cover[coverable], dtype=float), sparse.identity(k)]).tocsr()
    total = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(k)])[None, :])
    lb = np.zeros(m + k)
    lb[list(fix)] = 1.0
    integrality = np.concatenate([np.ones(m), np.zeros(k)])
    rows = [(link, -np.inf, 0.0), (total, count, count)]
    x, status, gap = _solve(c, integrality, lb, np.ones(m + k), rows, time_limit, "")
    sites = _chosen(x[:m])
    covered = cover[:, list(sites)].any(axis=1)
    return Placement(sites, float(w[covered].sum()), _nearest(t, sites), status, time.perf_counter() - start,
                     gap=gap)


def mexclp(times: Any, weights: Any, radius: float, units: int, busy: float, fixed: Iterable[int] = (), *,
           time_limit: float | None = None) -> Placement:
    """Maximum Expected Covering Location Problem (Daskin 1983): where to station ``units``
    identical units, each busy (unavailable) a fraction ``busy`` = q of the time independently
    of the others, to maximize the expected demand weight that finds a covering unit free.

    A point covered by ``k`` units finds one free with probability ``1 - q^k``, the sum of the
    gains ``(1 - q) q^(k-1)`` of its first ``k`` units. With ``N_i = {j: times[i, j] <= radius}``,
    ``y_j`` the units at site ``j`` and ``x_ik = 1`` when point ``i`` has at least ``k``::

        max   sum_i w_i sum_{k=1..units} (1 - q) q^(k-1) x_ik
        s.t.  sum_k x_ik <= sum_{j in N_i} y_j   for every i
              sum_j y_j = units
              y_j >= 1                           for j in fixed
              y_j in {0, 1, ..., units},  0 <= x_ik <= 1

    The gains fall with ``k``, so with ``y`` integral the best ``x_i`` fills its first
    ``sum_{j in N_i} y_j`` places with ones: ``x`` may be continuous. ``0 <= busy < 1``;
    ``busy = 0`` is the MCLP with units that may share a site. ``sites`` lists a site once per
    unit; ``objective`` is ``sum_i w_i (1 - q^k_i)``.
    """
    start = time.perf_counter()
    t = _times(times)
    n, m = t.shape
    w = _weights(weights, n)
    r = _radius(radius)
    fix = _indices(fixed, m, "fixed")
    count = _count(units, None, fix, "units")
    q = float(busy)
    if not 0.0 <= q < 1.0:
        raise ValueError(f"busy must be a fraction in [0, 1), not {busy}")
    cover = _cover(t, r)
    coverable = np.flatnonzero(cover.any(axis=1))
    k = len(coverable)
    gain = (1.0 - q) * q ** np.arange(count)
    c = np.concatenate([np.zeros(m), -np.outer(w[coverable], gain).ravel()])
    stack = sparse.kron(sparse.identity(k), np.ones((1, count)))
    link = sparse.hstack([-sparse.csr_matrix(cover[coverable], dtype=float), stack]).tocsr()
    total = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(k * count)])[None, :])
    lb = np.zeros(m + k * count)
    lb[list(fix)] = 1.0
    ub = np.concatenate([np.full(m, float(count)), np.ones(k * count)])
    integrality = np.concatenate([np.ones(m), np.zeros(k * count)])
    rows = [(link, -np.inf, 0.0), (total, count, count)]
    x, status, gap = _solve(c, integrality, lb, ub, rows, time_limit, "")
    held = np.rint(x[:m]).astype(int)
    sites = tuple(int(j) for j in np.repeat(np.arange(m), held))
    expected = float(w @ (1.0 - q ** (cover.astype(int) @ held)))
    return Placement(sites, expected, _nearest(t, tuple(sorted(set(sites)))), status,
                     time.perf_counter() - start, gap=gap)


def p_median(times: Any, weights: Any, p: int, fixed: Iterable[int] = (), *,
             time_limit: float | None = None) -> Placement:
    """p-median (Hakimi 1964; ReVelle and Swain 1970): ``p`` sites minimizing the total weighted
    time from each demand point to the site it is assigned to.

    Over the reachable pairs ``(i, j)`` (``times[i, j]`` finite)::

        min   sum_ij w_i t_ij x_ij
        s.t.  sum_j x_ij = 1        for every i
              x_ij <= y_j           for every reachable (i, j)
              sum_j y_j = p
              y_j = 1               for j in fixed
              y_j in {0, 1},  0 <= x_ij <= 1

    With ``y`` integral, assigning each point to its nearest open site is optimal, so ``x`` may
    be continuous; pairs farther than the point's nearest fixed site are left out. Every demand
    point must reach some candidate, and some ``p`` sites must reach them all (else
    ValueError). ``objective``: ``sum_i w_i min_{j open} t_ij``. The model has a variable and a
    row per reachable pair: 10^6 at 1,000 by 1,000, slow (minutes); keep it to hundreds.
    """
    start = time.perf_counter()
    t = _times(times)
    n, m = t.shape
    w = _weights(weights, n)
    fix = _indices(fixed, m, "fixed")
    count = _count(p, m, fix, "p")
    rows_i, cols_j = _pairs(t, fix)
    k = len(rows_i)
    c = np.concatenate([np.zeros(m), w[rows_i] * t[rows_i, cols_j]])
    rows, lb = _assignment_rows(rows_i, cols_j, n, m, count, fix, extra=0)
    x, status, gap = _solve(c, np.concatenate([np.ones(m), np.zeros(k)]), lb, np.ones(m + k), rows,
                            time_limit, f"no {count} sites reach every demand point")
    sites = _chosen(x[:m])
    nearest = t[:, list(sites)].min(axis=1)
    return Placement(sites, float(w @ nearest), _nearest(t, sites), status, time.perf_counter() - start,
                     gap=gap)


def p_center(times: Any, p: int, weights: Any = None, fixed: Iterable[int] = (), *,
             time_limit: float | None = None) -> Placement:
    """p-center (Hakimi 1965): ``p`` sites minimizing the largest (weighted) time from a demand
    point to the site it is assigned to.

    With ``w_i = 1`` unless ``weights`` are given, over the reachable pairs::

        min   D
        s.t.  sum_j x_ij = 1                for every i
              x_ij <= y_j                   for every reachable (i, j)
              sum_j w_i t_ij x_ij <= D      for every i
              sum_j y_j = p
              y_j = 1                       for j in fixed
              y_j in {0, 1},  0 <= x_ij <= 1,  D >= max_i w_i min_j t_ij

    ``x`` may be continuous for the same reason as in :func:`p_median` (a fractional
    assignment cannot beat the nearest open site), and the same pairs are left out. Its LP
    relaxation is weak, so it is the slowest model here at scale. ``objective``:
    ``max_i w_i min_{j open} t_ij``.
    """
    start = time.perf_counter()
    t = _times(times)
    n, m = t.shape
    w = np.ones(n) if weights is None else _weights(weights, n)
    fix = _indices(fixed, m, "fixed")
    count = _count(p, m, fix, "p")
    rows_i, cols_j = _pairs(t, fix)
    k = len(rows_i)
    c = np.zeros(m + k + 1)
    c[-1] = 1.0
    rows, lb = _assignment_rows(rows_i, cols_j, n, m, count, fix, extra=1)
    values = w[rows_i] * t[rows_i, cols_j]
    bound = sparse.hstack([sparse.csr_matrix((values, (rows_i, m + np.arange(k))), shape=(n, m + k)),
                           sparse.csr_matrix(-np.ones((n, 1)))]).tocsr()
    rows.append((bound, -np.inf, 0.0))
    lb[-1] = float((w * t.min(axis=1)).max())
    ub = np.concatenate([np.ones(m + k), [np.inf]])
    integrality = np.concatenate([np.ones(m), np.zeros(k + 1)])
    x, status, gap = _solve(c, integrality, lb, ub, rows, time_limit,
                            f"no {count} sites reach every demand point")
    sites = _chosen(x[:m])
    nearest = t[:, list(sites)].min(axis=1)
    return Placement(sites, float((w * nearest).max()), _nearest(t, sites), status,
                     time.perf_counter() - start, gap=gap)


def capacitated_assignment(times: Any, demand: Any, capacity: Any, open_sites: Iterable[int] | None = None, *,
                           time_limit: float | None = None) -> Placement:
    """People to shelters: send ``demand[i]`` people from each origin to the open shelters, at
    most ``capacity[j]`` to shelter ``j``, minimizing the total person-minutes; an origin may be
    split among shelters.

    The transportation problem over the reachable pairs (``t_ij`` finite, ``j`` open)::

        min   sum_ij t_ij x_ij
        s.t.  sum_j x_ij = d_i      for every origin i
              sum_i x_ij <= c_j     for every open shelter j
              x_ij >= 0, integer

    Its constraint matrix is totally unimodular, so with integral ``demand`` and ``capacity``
    the LP relaxation is integral and branch and bound ends at the root. ``open_sites``
    (default: all) are the shelters that may be used. Total open capacity below total demand,
    an origin with people and no reachable shelter, or reachable shelters too small for their
    origins raise ValueError. ``flows``: ``(origin, shelter, people)`` for every nonzero flow;
    ``sites``: the shelters used; ``objective``: the person-minutes; ``assignment``: None.
    """
    start = time.perf_counter()
    t = _times(times)
    n, m = t.shape
    d = _people(demand, n, "demand", "origin")
    cap = _people(capacity, m, "capacity", "shelter")
    usable = np.ones(m, dtype=bool)
    if open_sites is not None:
        usable[:] = False
        usable[list(_indices(open_sites, m, "open_sites"))] = True
    held, needed = int(cap[usable].sum()), int(d.sum())
    if held < needed:
        raise ValueError(f"the open shelters hold {held} people but {needed} need a place")
    reach = np.isfinite(t) & usable & (cap > 0) & (d > 0)[:, None]
    stranded = np.flatnonzero((d > 0) & ~reach.any(axis=1))
    if len(stranded):
        raise ValueError(f"{len(stranded)} origins with people reach no open shelter: {stranded.tolist()}")
    rows_i, cols_j = np.nonzero(reach)
    k = len(rows_i)
    if k == 0:  # nobody to move
        return Placement((), 0.0, None, "optimal", time.perf_counter() - start)
    origins = np.flatnonzero(d > 0)
    where = np.full(n, -1)
    where[origins] = np.arange(len(origins))
    sent = sparse.csr_matrix((np.ones(k), (where[rows_i], np.arange(k))), shape=(len(origins), k))
    taken = sparse.csr_matrix((np.ones(k), (cols_j, np.arange(k))), shape=(m, k))
    rows = [(sent, d[origins].astype(float), d[origins].astype(float)), (taken, -np.inf, cap.astype(float))]
    ub = np.minimum(d[rows_i], cap[cols_j]).astype(float)
    x, status, gap = _solve(t[rows_i, cols_j], np.ones(k), np.zeros(k), ub, rows, time_limit,
                            "the shelters the origins reach cannot hold all their people")
    people = np.rint(x).astype(int)
    flows = tuple((int(i), int(j), int(v)) for i, j, v in zip(rows_i, cols_j, people, strict=True) if v > 0)
    objective = float(sum(t[i, j] * v for i, j, v in flows))
    sites = tuple(sorted({j for _, j, _ in flows}))
    return Placement(sites, objective, None, status, time.perf_counter() - start, flows=flows, gap=gap)


def _times(times: Any) -> np.ndarray:
    t = np.asarray(times, dtype=float)
    if t.ndim != 2 or t.shape[0] == 0 or t.shape[1] == 0:
        raise ValueError(f"times must be a nonempty (n_demand, n_candidates) array, not shape {t.shape}")
    if np.isnan(t).any():
        raise ValueError("times contain NaN (use np.inf for unreachable)")
    if (t < 0).any():
        raise ValueError("times must be >= 0 minutes")
    return t


def _weights(weights: Any, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights must have one entry per demand point ({n}), not shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and >= 0")
    return w


def _people(values: Any, n: int, name: str, what: str) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.shape != (n,):
        raise ValueError(f"{name} must have one entry per {what} ({n}), not shape {v.shape}")
    if not np.isfinite(v).all() or (v < 0).any() or (v != np.rint(v)).any():
        raise ValueError(f"{name} must be whole numbers of people >= 0")
    return v.astype(np.int64)


def _radius(radius: float) -> float:
    r = float(radius)
    if math.isnan(r) or r < 0:
        raise ValueError(f"radius must be >= 0 minutes, not {radius}")
    return r


def _indices(values: Iterable[int], m: int, name: str) -> tuple[int, ...]:
    try:
        out = [operator.index(v) for v in values]
    except TypeError:
        raise ValueError(f"{name} must be candidate indices (integers)") from None
    bad = [v for v in out if not 0 <= v < m]
    if bad:
        raise ValueError(f"{name} {bad} out of range: there are {m} candidates (0 to {m - 1})")
    if len(set(out)) < len(out):
        raise ValueError(f"{name} lists a candidate twice: {out}")
    return tuple(sorted(out))


def _count(p: int, m: int | None, fix: tuple[int, ...], name: str) -> int:
    """``p`` (or ``units``) as an int in [1, m] (``m`` None: no upper limit), at least ``len(fix)``."""
    try:
        count = operator.index(p)
    except TypeError:
        raise ValueError(f"{name} must be an integer, not {p!r}") from None
    if count < 1:
        raise ValueError(f"{name} must be at least 1, not {count}")
    if m is not None and count > m:
        raise ValueError(f"{name} = {count} exceeds the number of candidate sites ({m})")
    if len(fix) > count:
        raise ValueError(f"{len(fix)} fixed sites exceed {name} = {count}")
    return count


def _cover(t: np.ndarray, radius: float) -> np.ndarray:
    return np.isfinite(t) & (t <= radius)


def _pairs(t: np.ndarray, fix: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The (demand, candidate) pairs an assignment may use: reachable, and no farther than the
    demand point's nearest fixed site (which is open anyway)."""
    reach = np.isfinite(t)
    stranded = np.flatnonzero(~reach.any(axis=1))
    if len(stranded):
        raise ValueError(f"{len(stranded)} demand points reach no candidate site: {stranded.tolist()}")
    if fix:
        reach &= t <= t[:, list(fix)].min(axis=1)[:, None]
    rows_i, cols_j = np.nonzero(reach)
    return rows_i, cols_j


def _assignment_rows(rows_i: np.ndarray, cols_j: np.ndarray, n: int, m: int, count: int,
                     fix: tuple[int, ...], extra: int) -> tuple[Rows, np.ndarray]:
    """The rows p-median and p-center share (assign each point once, only to open sites, open
    ``count``) over columns ``y`` (m), ``x`` (one a pair) and ``extra`` more; the lower bounds."""
    k = len(rows_i)
    width = m + k + extra
    pair = m + np.arange(k)
    once = sparse.csr_matrix((np.ones(k), (rows_i, pair)), shape=(n, width))
    link = sparse.csr_matrix((np.concatenate([np.ones(k), -np.ones(k)]),
                              (np.tile(np.arange(k), 2), np.concatenate([pair, cols_j]))), shape=(k, width))
    total = sparse.csr_matrix((np.ones(m), (np.zeros(m, dtype=int), np.arange(m))), shape=(1, width))
    lb = np.zeros(width)
    lb[list(fix)] = 1.0
    return [(once, 1.0, 1.0), (link, -np.inf, 0.0), (total, count, count)], lb


def _solve(c: np.ndarray, integrality: np.ndarray, lb: np.ndarray, ub: np.ndarray, rows: Rows,
           time_limit: float | None, infeasible: str) -> tuple[np.ndarray, str, float]:
    """Minimize ``c @ x`` subject to ``lo <= a @ x <= hi`` for each row block: (x, status, gap)."""
    constraints = [LinearConstraint(a, lo, hi) for a, lo, hi in rows if a.shape[0]]
    options: dict[str, Any] = {"mip_rel_gap": 0.0}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(c, integrality=integrality, bounds=Bounds(lb, ub), constraints=constraints, options=options)
    if res.status == 0:
        return np.asarray(res.x), "optimal", 0.0
    if res.status == 1 and res.x is not None:
        gap = getattr(res, "mip_gap", None)
        return np.asarray(res.x), "time limit", math.inf if gap is None else float(gap)
    if res.status == 2:
        raise ValueError(infeasible or f"the model is infeasible: {res.message}")
    if res.status == 1:
        raise RuntimeError(f"the time limit ({time_limit} s) came before HiGHS found any solution")
    raise RuntimeError(f"HiGHS found no solution: {res.message}")


def _chosen(y: np.ndarray) -> tuple[int, ...]:
    return tuple(int(j) for j in np.flatnonzero(y > 0.5))


def _nearest(t: np.ndarray, sites: tuple[int, ...]) -> tuple[int, ...]:
    if not sites:
        return (-1,) * t.shape[0]
    cols = np.asarray(sites)
    sub = t[:, cols]
    best = np.argmin(sub, axis=1)
    reached = np.isfinite(sub[np.arange(t.shape[0]), best])
    return tuple(int(v) for v in np.where(reached, cols[best], -1))
