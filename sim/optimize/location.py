"""Exact static facility-location models: where to open stations, put units or send evacuees.

Every model is solved exactly over a travel-time matrix by :func:`scipy.optimize.milp` (HiGHS,
relative MIP gap 0, so the optimum is proved, not approximated): one mixed-integer program
each, except :func:`p_center` (a bisection over covering MILPs) and
:func:`capacitated_assignment` (an LP whose vertices are integral). The inputs:

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
the same answer comes back every time (HiGHS's search is deterministic). ``time_limit``
(seconds) stops the search early; the result is then the best solution found, ``status`` is
``"time limit"`` and ``gap`` the relative gap left (RuntimeError if none was found yet).

Sizes (measured with ``benchmarks/location_solve_times.py``: random points in a 60 km square,
radius 10 minutes, ``p = 10``): the covering models (:func:`lscp`, :func:`mclp`,
:func:`mexclp`) have a variable per candidate and per demand point (times ``units`` for
:func:`mexclp`) and a sparse row per demand point, so 1,000 candidates by 1,000 demand points
is small (the MCLP and MEXCLP take a second or two), though a set cover can still be hard to
prove optimal (the LSCP there stops after two minutes at 28 sites with a bound of 26).
:func:`p_median` has an assignment variable and a linking row per reachable pair: 10^6 of
each at 1,000 by 1,000, where HiGHS had not solved the root LP after 20 minutes (300 by 300:
4 s). :func:`p_center` bisects over covering MILPs (1,000 by 1,000: optimum found within two
minutes, proved in about five). :func:`capacitated_assignment` is a transportation LP
(1,000 by 1,000: about ten seconds).
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse, special  # type: ignore[import-untyped]  # scipy ships no type hints
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]

Rows = list[tuple[Any, Any, Any]]  # (sparse matrix, lower, upper) blocks of constraint rows

__all__ = [
    "Placement",
    "capacitated_assignment",
    "capacitated_p_median",
    "choice_rows",
    "coverage_cover",
    "larson_gains",
    "lscp",
    "mclp",
    "mexclp",
    "p_center",
    "p_median",
]


@dataclass(frozen=True)
class Placement:
    """A solution.

    ``sites``: the open candidate indices, ascending (:func:`mexclp`: one entry per unit, so a
    site holding two units appears twice; :func:`capacitated_assignment`: the shelters that
    receive someone). ``assignment[i]``: the nearest open site to demand point ``i`` (lowest
    index on ties; -1 if no open site reaches it), or None for :func:`capacitated_assignment`,
    whose origins may be split: its ``flows`` are ``(origin, shelter, people)`` triples.
    ``objective``: the model's value at ``sites`` (see each function). ``status``:
    ``"optimal"``, or ``"time limit"`` with ``gap`` the relative gap left (0 when optimal).
    ``uncoverable`` (:func:`lscp`): the demand points no allowed candidate covers, which the
    cover leaves out. ``seconds``: wall time of building and solving the model (not compared).
    """

    sites: tuple[int, ...]
    objective: float
    assignment: tuple[int, ...] | None
    status: str
    seconds: float = field(compare=False)
    uncoverable: tuple[int, ...] = ()
    flows: tuple[tuple[int, int, float], ...] = ()
    gap: float = 0.0


def _covering_inputs(
    times: Any, weights: Any, radius: float, fixed: Iterable[int]
) -> tuple[np.ndarray, np.ndarray, float, tuple[int, ...]]:
    """The checked times, weights, radius and fixed sites of a weighted covering model."""
    t = _times(times)
    return t, _weights(weights, t.shape[0]), _radius(radius), _indices(fixed, t.shape[1], "fixed")


def lscp(
    times: Any,
    radius: float,
    fixed: Iterable[int] = (),
    allowed: Iterable[int] | None = None,
    *,
    time_limit: float | None = None,
) -> Placement:
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
    return Placement(
        sites,
        float(len(sites)),
        _nearest(t, sites),
        status,
        time.perf_counter() - start,
        uncoverable=tuple(int(i) for i in np.flatnonzero(~coverable)),
        gap=gap,
    )


def coverage_cover(
    times: Any,
    weights: Any,
    radius: float,
    share: float,
    fixed: Iterable[int] = (),
    *,
    exclude: Iterable[Iterable[int]] = (),
    time_limit: float | None = None,
) -> Placement:
    """The fewest sites that put at least ``share`` of the demand weight within ``radius`` (the
    LSCP with a coverage target, as in a "95 % within 15 minutes" standard).

    With ``N_i = {j: times[i, j] <= radius}`` and ``W = sum_i w_i``::

        min   sum_j y_j
        s.t.  z_i <= sum_{j in N_i} y_j      for every i (z_i = 0 when N_i is empty)
              sum_i w_i z_i >= share W
              y_j = 1                        for j in fixed
              y_j in {0, 1},  0 <= z_i <= 1

    ``z`` may be continuous: a point with a covering site may take ``z_i = 1`` whatever else
    holds. ValueError when even every site together covers less than ``share``. ``objective``
    is the number of sites; ``exclude``: see :func:`choice_rows` (the next best covers use as
    few sites or more).
    """
    start = time.perf_counter()
    t, w, r, fix = _covering_inputs(times, weights, radius, fixed)
    m = t.shape[1]
    target = float(share)
    if not 0.0 < target <= 1.0:
        raise ValueError(f"share must be in (0, 1], not {share}")
    cover = _cover(t, r)
    coverable = np.flatnonzero(cover.any(axis=1))
    k = len(coverable)
    total = float(w.sum())
    need = target * total * (1 - 1e-12)
    if float(w[coverable].sum()) < need:
        raise ValueError(
            f"every candidate together covers {w[coverable].sum() / total:.1%} of the demand "
            f"within {r:g}, less than {target:.1%}"
        )
    c = np.concatenate([np.ones(m), np.zeros(k)])
    link = sparse.hstack([-sparse.csr_matrix(cover[coverable], dtype=float), sparse.identity(k)]).tocsr()
    enough = sparse.csr_matrix(np.concatenate([np.zeros(m), w[coverable]])[None, :])
    lb = np.zeros(m + k)
    lb[list(fix)] = 1.0
    rows = [(link, -np.inf, 0.0), (enough, need, np.inf), *choice_rows(m, m + k, (), None, exclude)]
    x, status, gap = _solve(
        c,
        np.concatenate([np.ones(m), np.zeros(k)]),
        lb,
        np.ones(m + k),
        rows,
        time_limit,
        "no other cover meets the target",
    )
    sites = _chosen(x[:m])
    return Placement(
        sites, float(len(sites)), _nearest(t, sites), status, time.perf_counter() - start, gap=gap
    )


def mclp(
    times: Any,
    weights: Any,
    radius: float,
    p: int,
    fixed: Iterable[int] = (),
    *,
    existing: Iterable[int] = (),
    moves: int | None = None,
    exclude: Iterable[Iterable[int]] = (),
    costs: Any = None,
    budget: float | None = None,
    time_limit: float | None = None,
) -> Placement:
    """Maximal Covering Location Problem (Church and ReVelle 1974): ``p`` sites covering the most
    demand weight within ``radius``.

    With ``N_i = {j: times[i, j] <= radius}`` and ``z_i = 1`` when point ``i`` is covered::

        max   sum_i w_i z_i
        s.t.  z_i <= sum_{j in N_i} y_j   for every i (z_i = 0 when N_i is empty)
              sum_j y_j = p
              y_j = 1                     for j in fixed
              y_j in {0, 1},  0 <= z_i <= 1

    ``z`` may be continuous: with ``y`` integral, the best ``z_i`` is 0 or 1. ``objective`` is
    the covered weight. ``existing``, ``moves``, ``exclude``, ``costs`` and ``budget``: see
    :func:`choice_rows`.
    """
    start = time.perf_counter()
    t, w, r, fix = _covering_inputs(times, weights, radius, fixed)
    m = t.shape[1]
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
    rows = [(link, -np.inf, 0.0), (total, count, count),
            *choice_rows(m, m + k, existing, moves, exclude, costs, budget)]
    x, status, gap = _solve(
        c,
        integrality,
        lb,
        np.ones(m + k),
        rows,
        time_limit,
        "no choice of sites meets the moves and exclusions",
    )
    sites = _chosen(x[:m])
    covered = cover[:, list(sites)].any(axis=1)
    return Placement(
        sites, float(w[covered].sum()), _nearest(t, sites), status, time.perf_counter() - start, gap=gap
    )


def larson_gains(units: int, busy: float) -> np.ndarray:
    """``g[j]``, j = 0 .. units-1: the chance that a call finds the first ``j`` units covering it
    busy and the next one free, when ``units`` units are each busy a share ``busy`` = rho.

    MEXCLP takes the units to be busy independently: ``g[j] = (1 - rho) rho^j``. The correction
    (Larson's hypercube approximation, as in the adjusted MEXCLP of Batta, Dolan and
    Krishnamurthy 1989) takes the number busy from the M/M/N queue with offered load
    ``a = N rho`` (``pi_k = P0 a^k / k!`` for k < N) and the busy ones as a random subset::

        g[j] = sum_{k=j}^{N-1} pi_k C(N-j-1, k-j) / C(N, k)

    so ``g[0] = 1 - rho`` and ``sum_j g[j] = 1 - P(all N busy)`` (Erlang C). Computed in logs.
    """
    n = operator.index(units)
    rho = float(busy)
    if n < 1 or not 0.0 <= rho < 1.0:
        raise ValueError(f"need units >= 1 and busy in [0, 1), not {units} and {busy}")
    if rho == 0.0:
        return np.eye(1, n).ravel()
    a = n * rho
    k = np.arange(n)
    log_pi = k * math.log(a) - special.gammaln(k + 1)
    log_tail = n * math.log(a) - special.gammaln(n + 1) - math.log1p(-rho)
    log_p0 = -special.logsumexp(np.append(log_pi, log_tail))
    gains = np.zeros(n)
    for j in range(n):
        kk = np.arange(j, n)
        log_ratio = (
            special.gammaln(n - j)
            - special.gammaln(kk - j + 1)
            - special.gammaln(n - kk)
            - (special.gammaln(n + 1) - special.gammaln(kk + 1) - special.gammaln(n - kk + 1))
        )
        gains[j] = float(np.exp(log_p0 + log_pi[kk] + log_ratio).sum())
    return gains


def mexclp(
    times: Any,
    weights: Any,
    radius: float,
    units: int,
    busy: float,
    fixed: Iterable[int] = (),
    *,
    correction: bool = False,
    time_limit: float | None = None,
) -> Placement:
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
    unit; ``objective`` is ``sum_i w_i (1 - q^k_i)``. With ``correction`` the gains are
    :func:`larson_gains` (the units' busy periods are not independent: when one is busy the
    others are busier), and the objective sums them.
    """
    start = time.perf_counter()
    t, w, r, fix = _covering_inputs(times, weights, radius, fixed)
    m = t.shape[1]
    count = _count(units, None, fix, "units")
    q = float(busy)
    if not 0.0 <= q < 1.0:
        raise ValueError(f"busy must be a fraction in [0, 1), not {busy}")
    cover = _cover(t, r)
    coverable = np.flatnonzero(cover.any(axis=1))
    k = len(coverable)
    gain = larson_gains(count, q) if correction else (1.0 - q) * q ** np.arange(count)
    if (np.diff(gain) > 1e-12).any():  # the continuous x needs gains that fall
        raise ValueError("the gains of successive units must not grow")
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
    reach = cover.astype(int) @ held
    expected = (
        float(w @ np.concatenate([[0.0], np.cumsum(gain)])[reach])
        if correction
        else float(w @ (1.0 - q**reach))
    )
    return Placement(
        sites, expected, _nearest(t, tuple(sorted(set(sites)))), status, time.perf_counter() - start, gap=gap
    )


def p_median(
    times: Any,
    weights: Any,
    p: int,
    fixed: Iterable[int] = (),
    *,
    existing: Iterable[int] = (),
    moves: int | None = None,
    exclude: Iterable[Iterable[int]] = (),
    costs: Any = None,
    budget: float | None = None,
    time_limit: float | None = None,
) -> Placement:
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
    row per reachable pair; at 1,000 by 1,000 (10^6 of each) HiGHS had not solved its LP
    relaxation after 20 minutes: keep it to hundreds of candidates, or pass ``time_limit``.
    ``existing``, ``moves``, ``exclude``, ``costs`` and ``budget``: see :func:`choice_rows`.
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
    rows += choice_rows(m, m + k, existing, moves, exclude, costs, budget)
    x, status, gap = _solve(
        c,
        np.concatenate([np.ones(m), np.zeros(k)]),
        lb,
        np.ones(m + k),
        rows,
        time_limit,
        f"no {count} sites reach every demand point (within the moves and exclusions asked)",
    )
    sites = _chosen(x[:m])
    nearest = t[:, list(sites)].min(axis=1)
    return Placement(
        sites, float(w @ nearest), _nearest(t, sites), status, time.perf_counter() - start, gap=gap
    )


def p_center(
    times: Any, p: int, weights: Any = None, fixed: Iterable[int] = (), *, time_limit: float | None = None
) -> Placement:
    """p-center (Hakimi 1965): ``p`` sites minimizing the largest (weighted) time from a demand
    point to its nearest open site, ``D = max_i min_{j open} v_ij`` with ``v_ij = w_i t_ij``
    (``w_i = 1`` unless ``weights`` are given).

    The optimum ``D*`` is one of the ``v_ij``, and ``D* <= R`` exactly when this covering MILP
    is feasible (Minieka 1970)::

        find  y
        s.t.  sum_{j: v_ij <= R} y_j >= 1   for every i
              sum_j y_j = p
              y_j = 1                       for j in fixed
              y_j in {0, 1}

    So the search bisects over the sorted distinct ``v_ij`` between ``L = max_i min_j v_ij``
    and the value ``U`` of a greedy solution: a feasible ``R`` lowers the upper end to the
    value of the sites found (often below ``R``), an infeasible one raises the lower end; some
    ``log2`` of the number of values MILPs (about 20 at 1,000 by 1,000), each with one variable
    a candidate. The one-MILP model (assignment ``x_ij <= y_j``, ``sum_j v_ij x_ij <= D``) has
    so weak an LP relaxation that HiGHS still had a 48 % gap after ten minutes at 300 by 300,
    where the bisection takes about a second. With ``time_limit`` the search stops at the
    deadline with the best sites found and ``gap = (D - lower bound) / D``. Every demand point
    must reach some candidate, and some ``p`` sites must reach them all (else ValueError).
    """
    start = time.perf_counter()
    t = _times(times)
    n, m = t.shape
    w = np.ones(n) if weights is None else _weights(weights, n)
    fix = _indices(fixed, m, "fixed")
    count = _count(p, m, fix, "p")
    rows_i, cols_j = _pairs(t, fix)
    v = np.full((n, m), np.inf)
    v[rows_i, cols_j] = w[rows_i] * t[rows_i, cols_j]
    deadline = None if time_limit is None else start + float(time_limit)
    best, high = _greedy_center(v, fix, count)
    low = float(v.min(axis=1).max())
    levels = np.unique(v[np.isfinite(v) & (v >= low) & (v <= high)])
    lo, hi = 0, len(levels) - 1  # every level below lo is infeasible; best reaches everyone within hi
    lb = np.zeros(m)
    lb[list(fix)] = 1.0
    total = (sparse.csr_matrix(np.ones((1, m))), count, count)
    status = "optimal"
    while lo < hi or best is None:
        mid = hi if best is None else (lo + hi) // 2
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            if best is None:
                raise _too_late(time_limit)
            status = "time limit"
            break
        cover = (sparse.csr_matrix(v <= levels[mid], dtype=float), 1.0, np.inf)
        res = _run(np.zeros(m), np.ones(m), lb, np.ones(m), [cover, total], left)
        if res.status == 0:
            best = _chosen(res.x)
            hi = int(np.searchsorted(levels, v[:, list(best)].min(axis=1).max()))
        elif res.status == 2 and best is not None:  # D* > levels[mid]
            lo = mid + 1
        elif res.status == 2:
            raise ValueError(f"no {count} sites reach every demand point")
        elif res.status == 1 and best is not None:
            status = "time limit"
            break
        else:
            raise _failure(res, time_limit)
    assert best is not None
    value = float(v[:, list(best)].min(axis=1).max())
    gap = 0.0 if status == "optimal" or value == 0 else (value - float(levels[lo])) / value
    return Placement(best, value, _nearest(t, best), status, time.perf_counter() - start, gap=gap)


def capacitated_p_median(times: Any, demand: Any, capacity: Any, p: int, *,
                         unserved_minutes: float = 10_000.0, exclude: Iterable[Iterable[int]] = (),
                         time_limit: float | None = None) -> Placement:
    """Which ``p`` shelters to open, each holding at most ``capacity[j]`` people, so that the
    ``demand[i]`` people of each origin reach them in the fewest person-minutes (a capacitated
    p-median; origins may be split). People no open shelter can take or reach are counted
    *unserved* at ``unserved_minutes`` each, so every choice of sites is feasible.

    With ``x_ij`` the share of origin ``i`` sent to shelter ``j`` (reachable pairs only) and
    ``u_i`` the share left unserved::

        min   sum_ij d_i t_ij x_ij + U sum_i d_i u_i
        s.t.  sum_j x_ij + u_i = 1           for every origin i
              sum_i d_i x_ij <= c_j y_j      for every shelter j
              x_ij <= y_j                    for every reachable (i, j)
              sum_j y_j = p
              y_j in {0, 1},  x, u >= 0

    (the linking rows ``x_ij <= y_j`` tighten the relaxation). ``objective``: the person-minutes of
    the served plus ``U`` per unserved person; ``sites``: the open shelters; ``flows``: people
    per origin and shelter; ``uncoverable``: origins with people left unserved;
    ``exclude``: see :func:`choice_rows`.
    """
    start = time.perf_counter()
    t = _times(times)
    n, m = t.shape
    d = np.asarray(demand, dtype=float)
    cap = np.asarray(capacity, dtype=float)
    if d.shape != (n,) or cap.shape != (m,) or (d < 0).any() or (cap < 0).any():
        raise ValueError("demand (one per origin) and capacity (one per shelter) must be >= 0")
    count = _count(p, m, (), "p")
    rows_i, cols_j = np.nonzero(np.isfinite(t) & (d > 0)[:, None])
    k = len(rows_i)
    width = m + k + n
    pair = m + np.arange(k)
    lost = m + k + np.arange(n)
    c = np.concatenate([np.zeros(m), d[rows_i] * t[rows_i, cols_j], unserved_minutes * d])
    once = sparse.csr_matrix((np.ones(k + n), (np.concatenate([rows_i, np.arange(n)]),
                                               np.concatenate([pair, lost]))), shape=(n, width))
    load = sparse.csr_matrix((np.concatenate([d[rows_i], -cap]), (np.concatenate([cols_j, np.arange(m)]),
                                                                  np.concatenate([pair, np.arange(m)]))),
                             shape=(m, width))
    link = sparse.csr_matrix((np.concatenate([np.ones(k), -np.ones(k)]),
                              (np.tile(np.arange(k), 2), np.concatenate([pair, cols_j]))), shape=(k, width))
    total = sparse.csr_matrix((np.ones(m), (np.zeros(m, dtype=int), np.arange(m))), shape=(1, width))
    rows = [(once, 1.0, 1.0), (load, -np.inf, 0.0), (link, -np.inf, 0.0), (total, count, count),
            *choice_rows(m, width, (), None, exclude)]
    integrality = np.concatenate([np.ones(m), np.zeros(k + n)])
    x, status, gap = _solve(c, integrality, np.zeros(width), np.ones(width), rows, time_limit,
                            "no other choice of shelters is left")
    sites = _chosen(x[:m])
    share = x[m:m + k]
    flows = tuple((int(i), int(j), float(v)) for i, j, v in
                  zip(rows_i, cols_j, d[rows_i] * share, strict=True) if v > 1e-9)
    left = x[m + k:]
    objective = float(c @ x)
    return Placement(sites, objective, None, status, time.perf_counter() - start, flows=flows, gap=gap,
                     uncoverable=tuple(int(i) for i in np.flatnonzero(left * d > 1e-6)))


def capacitated_assignment(
    times: Any,
    demand: Any,
    capacity: Any,
    open_sites: Iterable[int] | None = None,
    *,
    time_limit: float | None = None,
) -> Placement:
    """People to shelters: send ``demand[i]`` people from each origin to the open shelters, at
    most ``capacity[j]`` to shelter ``j``, minimizing the total person-minutes; an origin may be
    split among shelters.

    The transportation problem over the reachable pairs (``t_ij`` finite, ``j`` open)::

        min   sum_ij t_ij x_ij
        s.t.  sum_j x_ij = d_i      for every origin i
              sum_i x_ij <= c_j     for every open shelter j
              x_ij >= 0, integer

    Its constraint matrix is totally unimodular, so with integral ``demand`` and ``capacity``
    every vertex of the LP is integral: it is solved as an LP (HiGHS's simplex ends at a
    vertex), and again with integer ``x`` only if the answer were fractional. (As a MIP from
    the start, HiGHS found no solution at 1,000 by 1,000 in two minutes; as an LP it takes
    about ten seconds.) ``open_sites``
    (default: all) are the shelters that may be used. Total open capacity below total demand,
    an origin with people and no reachable shelter, or reachable shelters too small for their
    origins raise ValueError. ``flows``: ``(origin, shelter, people)`` for every nonzero flow;
    ``sites``: the shelters used; ``objective``: the person-minutes; ``assignment``: None.
    Reaching ``time_limit`` raises RuntimeError (there is no early answer to return).
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
    infeasible = "the shelters the origins reach cannot hold all their people"
    x, status, gap = _solve(t[rows_i, cols_j], np.zeros(k), np.zeros(k), ub, rows, time_limit, infeasible)
    if status == "optimal" and np.abs(x - np.rint(x)).max() > 1e-6:  # not a vertex: branch
        x, status, gap = _solve(t[rows_i, cols_j], np.ones(k), np.zeros(k), ub, rows, time_limit, infeasible)
    if status != "optimal":  # an LP stopped early need not be feasible
        raise _too_late(time_limit)
    people = np.rint(x).astype(int)
    flows = tuple((int(i), int(j), int(v)) for i, j, v in zip(rows_i, cols_j, people, strict=True) if v > 0)
    objective = float(sum(t[i, j] * v for i, j, v in flows))
    sites = tuple(sorted({j for _, j, _ in flows}))
    return Placement(sites, objective, None, status, time.perf_counter() - start, flows=flows, gap=gap)


def choice_rows(
    m: int,
    width: int,
    existing: Iterable[int] = (),
    moves: int | None = None,
    exclude: Iterable[Iterable[int]] = (),
    costs: Any = None,
    budget: float | None = None,
) -> Rows:
    """Rows over the site columns ``y_0 .. y_{m-1}`` (of ``width`` columns) that limit the choice.

    * ``costs`` (one per site, ``>= 0``) and a ``budget``: ``sum_j cost_j y_j <= budget``;

    * ``existing`` sites with ``moves`` = k: at most k of them close (are replaced elsewhere),
      ``sum_{j in existing} y_j >= |existing| - k``;
    * each set ``S`` in ``exclude`` (a solution already found): not that set again,
      ``sum_{j in S} y_j - sum_{j not in S} y_j <= |S| - 1``, which with a fixed number of sites
      asks for at least one different site. Solving again with each answer
      excluded gives the second best, the third best, ... (ties in any order).
    """
    rows: Rows = []
    if budget is not None:
        cost = np.asarray(costs, dtype=float) if costs is not None else np.ones(m)
        if cost.shape != (m,) or not np.isfinite(cost).all() or (cost < 0).any():
            raise ValueError(f"costs must be {m} finite numbers >= 0")
        coef = np.zeros(width)
        coef[:m] = cost
        rows.append((sparse.csr_matrix(coef[None, :]), -np.inf, float(budget)))
    have = _indices(existing, m, "existing")
    if moves is not None:
        if moves < 0:
            raise ValueError(f"moves must be >= 0, not {moves}")
        if have:
            row = sparse.csr_matrix(
                (np.ones(len(have)), (np.zeros(len(have), dtype=int), list(have))), shape=(1, width)
            )
            rows.append((row, max(0, len(have) - moves), np.inf))
    for cut in exclude:
        chosen = _indices(set(cut), m, "exclude")
        coef = np.zeros(width)
        coef[:m] = -1.0
        coef[list(chosen)] = 1.0
        rows.append((sparse.csr_matrix(coef[None, :]), -np.inf, len(chosen) - 1.0))
    return rows


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


def _greedy_center(v: np.ndarray, fix: tuple[int, ...], count: int) -> tuple[tuple[int, ...] | None, float]:
    """A greedy p-center solution and its value (an upper bound): from the fixed sites, add the
    candidate that leaves the fewest points unreached, then the smallest largest value. (None,
    inf) if some point stays unreached."""
    chosen = list(fix)
    best = v[:, chosen].min(axis=1) if chosen else np.full(v.shape[0], np.inf)
    for _ in range(count - len(fix)):
        after = np.minimum(best[:, None], v)
        unreached = np.isinf(after).sum(axis=0)
        unreached[chosen] = v.shape[0] + 1
        worst = np.where(np.isinf(after), 0.0, after).max(axis=0)
        chosen.append(int(np.lexsort((worst, unreached))[0]))
        best = after[:, chosen[-1]]
    value = float(best.max())
    return (tuple(sorted(chosen)), value) if math.isfinite(value) else (None, math.inf)


def _assignment_rows(
    rows_i: np.ndarray, cols_j: np.ndarray, n: int, m: int, count: int, fix: tuple[int, ...], extra: int
) -> tuple[Rows, np.ndarray]:
    """The rows p-median and p-center share (assign each point once, only to open sites, open
    ``count``) over columns ``y`` (m), ``x`` (one a pair) and ``extra`` more; the lower bounds."""
    k = len(rows_i)
    width = m + k + extra
    pair = m + np.arange(k)
    once = sparse.csr_matrix((np.ones(k), (rows_i, pair)), shape=(n, width))
    link = sparse.csr_matrix(
        (
            np.concatenate([np.ones(k), -np.ones(k)]),
            (np.tile(np.arange(k), 2), np.concatenate([pair, cols_j])),
        ),
        shape=(k, width),
    )
    total = sparse.csr_matrix((np.ones(m), (np.zeros(m, dtype=int), np.arange(m))), shape=(1, width))
    lb = np.zeros(width)
    lb[list(fix)] = 1.0
    return [(once, 1.0, 1.0), (link, -np.inf, 0.0), (total, count, count)], lb


def _run(
    c: np.ndarray,
    integrality: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    rows: Rows,
    time_limit: float | None,
) -> Any:
    """HiGHS on ``min c @ x`` subject to ``lo <= a @ x <= hi`` for each row block: its result."""
    constraints = [LinearConstraint(a, lo, hi) for a, lo, hi in rows if a.shape[0]]
    options: dict[str, Any] = {"mip_rel_gap": 0.0}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    return milp(c, integrality=integrality, bounds=Bounds(lb, ub), constraints=constraints, options=options)


def _solve(
    c: np.ndarray,
    integrality: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    rows: Rows,
    time_limit: float | None,
    infeasible: str,
) -> tuple[np.ndarray, str, float]:
    """(x, status, gap) of :func:`_run`; ValueError(``infeasible``) if the model is infeasible."""
    res = _run(c, integrality, lb, ub, rows, time_limit)
    if res.status == 0:
        return np.asarray(res.x), "optimal", 0.0
    if res.status == 1 and res.x is not None:
        gap = getattr(res, "mip_gap", None)
        return np.asarray(res.x), "time limit", math.inf if gap is None else float(gap)
    if res.status == 2:
        raise ValueError(infeasible or f"the model is infeasible: {res.message}")
    raise _failure(res, time_limit)


def _failure(res: Any, time_limit: float | None) -> RuntimeError:
    if res.status == 1:
        return _too_late(time_limit)
    return RuntimeError(f"HiGHS found no solution: {res.message}")


def _too_late(time_limit: float | None) -> RuntimeError:
    return RuntimeError(f"the time limit ({time_limit} s) came before any solution was found")


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
