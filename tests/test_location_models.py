"""The facility-location models (sim.optimize.location) against brute force over every set of sites
on small random instances (some pairs unreachable, some sites fixed), textbook instances on a line
and a grid, and their refusals of bad input."""

from __future__ import annotations

import math
from itertools import combinations, combinations_with_replacement

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from sim.optimize.location import capacitated_assignment, lscp, mclp, mexclp, p_center, p_median

INF = math.inf
EXAMPLES = settings(max_examples=40, deadline=None)


@st.composite
def instances(draw, sites=(6, 9), points=(5, 12)):
    """(times, weights): half-minute times from 0 to 20, about one pair in eight unreachable."""
    m, n = draw(st.integers(*sites)), draw(st.integers(*points))
    cells = draw(st.lists(st.integers(0, 46), min_size=n * m, max_size=n * m))
    times = np.array([v / 2 if v <= 40 else INF for v in cells]).reshape(n, m)
    weights = np.array(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)), dtype=float)
    return times, weights


def with_p(draw, m, most=None):
    """p and the fixed sites (at most p of them)."""
    p = draw(st.integers(1, most or m))
    fixed = draw(st.lists(st.integers(0, m - 1), unique=True, max_size=min(p, m)))
    return p, tuple(fixed)


def subsets(m, p, fixed):
    rest = [j for j in range(m) if j not in fixed]
    for extra in combinations(rest, p - len(fixed)):
        yield tuple(sorted(fixed + extra))


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@EXAMPLES
@given(instances(), st.sampled_from([0.0, 3.0, 5.5, 8.0]), st.data())
def test_lscp_opens_the_fewest_sites_that_cover_every_coverable_point(case, radius, data):
    times, _ = case
    m = times.shape[1]
    allowed = tuple(data.draw(st.lists(st.integers(0, m - 1), unique=True, min_size=1)))
    fixed = tuple(data.draw(st.lists(st.sampled_from(allowed), unique=True, max_size=2)))
    cover = np.isfinite(times) & (times <= radius)
    coverable = cover[:, list(allowed)].any(axis=1)
    best = min(len(s) for size in range(len(fixed), len(allowed) + 1)
               for s in subsets(m, size, fixed) if set(s) <= set(allowed)
               and cover[:, list(s)].any(axis=1)[coverable].all())
    result = lscp(times, radius, fixed, allowed)
    assert result.objective == best == len(result.sites)
    assert set(fixed) <= set(result.sites) <= set(allowed)
    assert result.uncoverable == tuple(np.flatnonzero(~coverable))
    assert cover[:, list(result.sites)].any(axis=1)[coverable].all()


@EXAMPLES
@given(instances(), st.sampled_from([2.0, 4.5, 7.0]), st.data())
def test_mclp_covers_the_most_weight_with_p_sites(case, radius, data):
    times, weights = case
    m = times.shape[1]
    p, fixed = with_p(data.draw, m, most=4)
    cover = np.isfinite(times) & (times <= radius)
    best = max(weights[cover[:, list(s)].any(axis=1)].sum() for s in subsets(m, p, fixed))
    result = mclp(times, weights, radius, p, fixed)
    assert close(result.objective, best)
    assert len(result.sites) == p and set(fixed) <= set(result.sites)


@EXAMPLES
@given(instances(sites=(4, 7)), st.sampled_from([3.0, 6.0]), st.integers(1, 4),
       st.sampled_from([0.0, 0.25, 0.6, 0.9]), st.data())
def test_mexclp_maximizes_the_expected_covered_weight(case, radius, units, busy, data):
    times, weights = case
    m = times.shape[1]
    fixed = tuple(data.draw(st.lists(st.integers(0, m - 1), unique=True, max_size=min(units, 2))))
    cover = (np.isfinite(times) & (times <= radius)).astype(int)

    def expected(stations):
        held = np.bincount(stations, minlength=m)
        return float(weights @ (1 - busy ** (cover @ held)))

    stations = [list(s) for s in combinations_with_replacement(range(m), units) if set(fixed) <= set(s)]
    best = max(expected(s) for s in stations)
    result = mexclp(times, weights, radius, units, busy, fixed)
    assert close(result.objective, best)
    assert close(result.objective, expected(list(result.sites)))
    assert len(result.sites) == units and set(fixed) <= set(result.sites)


@EXAMPLES
@given(instances(), st.booleans(), st.data())
def test_p_median_and_p_center_match_brute_force(case, weighted, data):
    times, weights = case
    m = times.shape[1]
    p, fixed = with_p(data.draw, m, most=4)
    w = weights if weighted else None
    nearest = [d for s in subsets(m, p, fixed) if np.isfinite(d := times[:, list(s)].min(axis=1)).all()]
    if not nearest:  # no p sites reach every point
        with pytest.raises(ValueError, match="reach"):
            p_median(times, weights, p, fixed)
        with pytest.raises(ValueError, match="reach"):
            p_center(times, p, w, fixed)
        return
    median, center = p_median(times, weights, p, fixed), p_center(times, p, w, fixed)
    assert close(median.objective, min(float(weights @ d) for d in nearest))
    assert close(center.objective, min(float(((1 if w is None else w) * d).max()) for d in nearest))
    for result in (median, center):
        assert len(result.sites) == p and set(fixed) <= set(result.sites)
        assert result.assignment is not None and -1 not in result.assignment
        assert all(times[i, j] == times[i, list(result.sites)].min() for i, j in enumerate(result.assignment))


@st.composite
def shelters(draw):
    n, m = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    cells = draw(st.lists(st.integers(0, 24), min_size=n * m, max_size=n * m))
    times = np.array([v if v <= 20 else INF for v in cells], dtype=float).reshape(n, m)
    demand = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    capacity = draw(st.lists(st.integers(0, 6), min_size=m, max_size=m))
    open_sites = draw(st.none() | st.lists(st.integers(0, m - 1), unique=True))
    return times, np.array(demand), np.array(capacity), open_sites


@settings(max_examples=60, deadline=None)
@given(shelters())
def test_capacitated_assignment_matches_one_person_one_place(case):
    """Reference: every person a row, every place in a shelter a column, solved by the Hungarian
    method (scipy's linear_sum_assignment), which raises when no assignment is finite."""
    times, demand, capacity, open_sites = case
    usable = range(times.shape[1]) if open_sites is None else open_sites
    people = [i for i, d in enumerate(demand) for _ in range(d)]
    places = [j for j in usable for _ in range(capacity[j])]
    cost = times[np.ix_(people, places)] if people and places else np.zeros((len(people), len(places)))
    try:
        if len(people) > len(places):
            raise ValueError("too few places")
        rows, cols = linear_sum_assignment(cost)
        best = float(cost[rows, cols].sum())
    except ValueError:
        with pytest.raises(ValueError, match="hold|reach"):
            capacitated_assignment(times, demand, capacity, open_sites)
        return
    result = capacitated_assignment(times, demand, capacity, open_sites)
    assert close(result.objective, best)
    sent = np.zeros(times.shape)
    for i, j, v in result.flows:
        sent[i, j] += v
    assert (sent.sum(axis=1) == demand).all() and (sent.sum(axis=0) <= capacity).all()
    assert set(result.sites) <= set(usable) and result.assignment is None


LINE = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
LINE_TIMES = abs(LINE[:, None] - LINE[None, :])
GRID = [(a, b) for a in range(3) for b in range(3)]
GRID_TIMES = np.array([[abs(a - c) + abs(b - d) for c, d in GRID] for a, b in GRID], dtype=float)


def test_two_clusters_on_a_line():
    """Points at 0, 1, 2 and 10, 11, 12: two sites go to the middle of each cluster; one site
    to either inner end (total 30, farthest 10)."""
    two = p_median(LINE_TIMES, np.ones(6), 2)
    assert two.sites == (1, 4) and two.objective == 4.0 and two.assignment == (1, 1, 1, 4, 4, 4)
    assert p_center(LINE_TIMES, 2).sites == (1, 4) and p_center(LINE_TIMES, 2).objective == 1.0
    assert p_median(LINE_TIMES, np.ones(6), 1).objective == 30.0
    assert p_center(LINE_TIMES, 1).objective == 10.0
    assert p_median(LINE_TIMES, np.ones(6), 2, fixed=(5,)).objective == 5.0
    # six times the weight at 12 pulls the median there (total 36; 37 from 11) and the weighted
    # center to 11 (farthest 11, against 12 from 10 or 12)
    heavy = np.array([1.0, 1, 1, 1, 1, 6])
    median, center = p_median(LINE_TIMES, heavy, 1), p_center(LINE_TIMES, 1, heavy)
    assert median.sites == (5,) and median.objective == 36.0
    assert center.sites == (4,) and center.objective == 11.0


def test_a_three_by_three_grid():
    """Manhattan distances on a 3 x 3 grid: its domination number is 3; one site covers 5
    points (the centre); 3 units at one site 50 % busy find a free one 7/8 of the time."""
    assert lscp(GRID_TIMES, 1).objective == 3
    assert lscp(GRID_TIMES, 2).objective == 1 and lscp(GRID_TIMES, 2).sites == (4,)
    assert lscp(GRID_TIMES, 0).objective == 9
    centre = mclp(GRID_TIMES, np.ones(9), 1, 1)
    assert centre.sites == (4,) and centre.objective == 5.0
    one = mexclp(GRID_TIMES[:1, :1], [2.0], 1, 3, 0.5)
    assert one.sites == (0, 0, 0) and one.objective == 2 * 0.875
    assert p_center(GRID_TIMES, 1).objective == 2.0 and p_median(GRID_TIMES, np.ones(9), 1).objective == 12.0


def test_a_split_shelter_assignment():
    result = capacitated_assignment([[1, 5], [2, 3]], [3, 2], [4, 4])
    assert result.flows == ((0, 0, 3), (1, 0, 1), (1, 1, 1)) and result.objective == 8.0
    assert capacitated_assignment([[1, 5], [2, 3]], [3, 2], [4, 5], open_sites=[1]).objective == 21.0


def test_unreachable_points_and_repeat_runs():
    times = np.array([[1.0, INF], [INF, INF], [4.0, 2.0]])
    result = lscp(times, 4)
    assert result.uncoverable == (1,) and result.objective == 1 and result.sites == (0,)
    assert result.assignment == (0, -1, 0)
    assert lscp(times, 3).objective == 2 and lscp(times, 4, allowed=[1]).uncoverable == (0, 1)
    assert mclp(times, [1, 5, 1], 3, 1).objective == 1.0
    with pytest.raises(ValueError, match="1 demand points reach no candidate site"):
        p_median(times, np.ones(3), 1)
    with pytest.raises(ValueError, match="no 1 sites reach every demand point"):
        p_center(np.array([[1.0, INF], [INF, 1.0]]), 1)
    rng = np.random.default_rng(3)
    big = rng.integers(0, 30, (40, 25)).astype(float)
    assert p_median(big, np.ones(40), 4) == p_median(big, np.ones(40), 4)


def test_p_center_stops_at_its_time_limit_with_the_greedy_sites():
    """time_limit=0 stops the search before its first MILP: the greedy solution comes back, its
    gap measured from max_i min_j t_ij. Where greedy fails (it takes the site reaching the most
    points, {1, 2, 3, 4}, then cannot reach both 0 and 5 with one more) there is nothing yet."""
    early = p_center(LINE_TIMES, 1, time_limit=0)
    assert early.status == "time limit" and early.objective >= 10.0 and len(early.sites) == 1
    assert early.gap == (early.objective - 0.0) / early.objective
    reach = [{0, 1, 2}, {3, 4, 5}, {1, 2, 3, 4}]
    times = np.array([[1.0 if i in r else INF for r in reach] for i in range(6)])
    assert p_center(times, 2).sites == (0, 1)
    with pytest.raises(RuntimeError, match="time limit"):
        p_center(times, 2, time_limit=0)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: lscp(np.ones(4), 1), r"shape \(4,\)"),
    (lambda: lscp(np.ones((0, 3)), 1), "nonempty"),
    (lambda: lscp([[1.0, np.nan]], 1), "NaN"),
    (lambda: lscp([[1.0, -1.0]], 1), ">= 0"),
    (lambda: lscp([[1.0]], -2), "radius"),
    (lambda: lscp([[1.0, 2.0]], 1, fixed=[1], allowed=[0]), r"fixed sites \[1\] are not among"),
    (lambda: lscp([[1.0, 2.0]], 1, allowed=[0, 2]), r"allowed \[2\] out of range"),
    (lambda: mclp([[1.0, 2.0]], [1.0], 1, 0), "p must be at least 1"),
    (lambda: mclp([[1.0, 2.0]], [1.0], 1, 3), r"p = 3 exceeds the number of candidate sites \(2\)"),
    (lambda: mclp([[1.0, 2.0]], [1.0], 1, 1.5), "p must be an integer"),
    (lambda: mclp([[1.0, 2.0]], [1.0, 2.0], 1, 1), "one entry per demand point"),
    (lambda: mclp([[1.0, 2.0]], [-1.0], 1, 1), "finite and >= 0"),
    (lambda: p_median([[1.0, 2.0]], [1.0], 1, fixed=[0, 1]), "2 fixed sites exceed p = 1"),
    (lambda: p_median([[1.0, 2.0]], [1.0], 2, fixed=[0, 0]), "twice"),
    (lambda: p_median([[1.0, 2.0]], [1.0], 1, fixed=[5]), r"fixed \[5\] out of range"),
    (lambda: p_center([[1.0, 2.0]], 1, weights=[1.0, 1.0]), "one entry per demand point"),
    (lambda: mexclp([[1.0]], [1.0], 1, 2, 1.0), r"busy must be a fraction in \[0, 1\)"),
    (lambda: mexclp([[1.0]], [1.0], 1, 0, 0.5), "units must be at least 1"),
    (lambda: mexclp([[1.0, 1.0]], [1.0], 1, 1, 0.5, fixed=[0, 1]), "2 fixed sites exceed units = 1"),
    (lambda: capacitated_assignment([[1.0, 2.0]], [5], [2, 2]), "hold 4 people but 5 need a place"),
    (lambda: capacitated_assignment([[1.0, 2.0]], [3], [2, 2], open_sites=[0]), "hold 2 people but 3"),
    (lambda: capacitated_assignment([[1.0, INF], [INF, INF]], [1, 1], [2, 2]), "1 origins with people reach"),
    (lambda: capacitated_assignment([[1.0, INF], [1.0, INF], [INF, 1.0]], [2, 2, 0], [3, 3]),
     "cannot hold all their people"),
    (lambda: capacitated_assignment([[1.0, 2.0]], [1.5], [2, 2]), "whole numbers of people"),
    (lambda: capacitated_assignment([[1.0, 2.0]], [1], [2]), "one entry per shelter"),
])
def test_bad_input_is_refused_with_a_reason(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- moves and exclusions


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), moves=st.integers(0, 2))
def test_moves_limit_how_many_existing_sites_close(seed, moves):
    """With 3 existing sites and at most ``moves`` of them closing, the p-median and MCLP optima
    equal the brute-force optima over the site sets that keep enough of them."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 30, (9, 7))
    w = rng.uniform(0, 5, 9)
    existing, p = (0, 1, 2), 3
    sets = [s for s in combinations(range(7), p) if len(set(s) & set(existing)) >= p - moves]
    best = min(float(w @ t[:, list(s)].min(axis=1)) for s in sets)
    assert p_median(t, w, p, existing=existing, moves=moves).objective == pytest.approx(best)
    covered = max(float(w[(t[:, list(s)] <= 10).any(axis=1)].sum()) for s in sets)
    assert mclp(t, w, 10, p, existing=existing, moves=moves).objective == pytest.approx(covered)


def test_excluding_each_answer_gives_the_next_best():
    rng = np.random.default_rng(7)
    t = rng.uniform(0, 30, (12, 8))
    w = rng.uniform(0, 5, 12)
    values = sorted(float(w @ t[:, list(s)].min(axis=1)) for s in combinations(range(8), 2))
    found: list[tuple[int, ...]] = []
    for k in range(4):
        answer = p_median(t, w, 2, exclude=found)
        assert answer.objective == pytest.approx(values[k])
        assert answer.sites not in found
        found.append(answer.sites)


# ---------------------------------------------------------------- the Larson correction


def erlang_c(n: int, rho: float) -> float:
    """P(all n servers busy) in M/M/n with utilisation rho, from the textbook sum."""
    a = n * rho
    head = sum(a ** k / math.factorial(k) for k in range(n))
    tail = a ** n / (math.factorial(n) * (1 - rho))
    return tail / (head + tail)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), rho=st.floats(0.01, 0.95))
def test_larson_gains_add_up_to_erlang_c(n, rho):
    from sim.optimize.location import larson_gains

    g = larson_gains(n, rho)
    assert g[0] == pytest.approx(1 - rho)                 # a given unit is free 1 - rho of the time
    assert g.sum() == pytest.approx(1 - erlang_c(n, rho))  # some covering unit free unless all are busy
    assert (np.diff(g) <= 1e-12).all()
    # against the random-subset sum written out with exact binomials
    a = n * rho
    p0 = 1 / (sum(a ** k / math.factorial(k) for k in range(n)) + a ** n / (math.factorial(n) * (1 - rho)))
    for j in range(min(n, 5)):
        direct = sum(p0 * a ** k / math.factorial(k) * math.comb(n - j - 1, k - j) / math.comb(n, k)
                     for k in range(j, n))
        assert g[j] == pytest.approx(direct, rel=1e-9, abs=1e-15)


@EXAMPLES
@given(instances(), st.floats(0.0, 20.0), st.integers(1, 3), st.floats(0.05, 0.8))
def test_corrected_mexclp_matches_brute_force(case, radius, units, busy):
    from sim.optimize.location import larson_gains

    times, weights = case
    m = times.shape[1]
    cover = (np.isfinite(times) & (times <= radius)).astype(int)
    worth = np.concatenate([[0.0], np.cumsum(larson_gains(units, busy))])

    def expected(stations):
        return float(weights @ worth[cover @ np.bincount(stations, minlength=m)])

    best = max(expected(list(s)) for s in combinations_with_replacement(range(m), units))
    result = mexclp(times, weights, radius, units, busy, correction=True)
    assert close(result.objective, best) and close(result.objective, expected(list(result.sites)))


@EXAMPLES
@given(instances(), st.floats(0.0, 20.0), st.sampled_from([0.5, 0.8, 0.95, 1.0]))
def test_coverage_cover_is_the_fewest_sites_meeting_the_target(case, radius, share):
    from sim.optimize.location import coverage_cover

    times, weights = case
    m = times.shape[1]
    cover = np.isfinite(times) & (times <= radius)
    total = weights.sum()

    def covered(sites):
        return weights[cover[:, list(sites)].any(axis=1)].sum() if sites else 0.0

    feasible = [s for k in range(m + 1) for s in combinations(range(m), k)
                if covered(s) >= share * total * (1 - 1e-12)]
    if not feasible:
        with pytest.raises(ValueError, match="covers"):
            coverage_cover(times, weights, radius, share)
        return
    result = coverage_cover(times, weights, radius, share)
    assert result.objective == min(len(s) for s in feasible)
    assert covered(result.sites) >= share * total * (1 - 1e-9)


@EXAMPLES
@given(instances(sites=(4, 6), points=(3, 7)), st.integers(1, 3), st.data())
def test_capacitated_p_median_matches_brute_force(case, p, data):
    """Against every choice of p shelters, each solved as a transportation LP with an unserved
    column (scipy.optimize.linprog)."""
    from scipy.optimize import linprog

    from sim.optimize.location import capacitated_p_median

    times, _ = case
    n, m = times.shape
    p = min(p, m)
    demand = np.array(data.draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)), dtype=float)
    capacity = np.array(data.draw(st.lists(st.integers(0, 80), min_size=m, max_size=m)), dtype=float)
    big = 1000.0

    def cost(sites):
        pairs = [(i, j) for i in range(n) for j in sites if np.isfinite(times[i, j])]
        c = [demand[i] * times[i, j] for i, j in pairs] + [big * demand[i] for i in range(n)]
        a_eq = np.zeros((n, len(c)))
        for k, (i, _) in enumerate(pairs):
            a_eq[i, k] = 1
        a_eq[np.arange(n), len(pairs) + np.arange(n)] = 1
        a_ub = np.zeros((len(sites), len(c)))
        for k, (i, j) in enumerate(pairs):
            a_ub[list(sites).index(j), k] = demand[i]
        res = linprog(c, A_ub=a_ub, b_ub=capacity[list(sites)], A_eq=a_eq, b_eq=np.ones(n), bounds=(0, 1),
                      method="highs")
        return res.fun

    best = min(cost(s) for s in combinations(range(m), p))
    result = capacitated_p_median(times, demand, capacity, p, unserved_minutes=big)
    assert close(result.objective, best) and len(result.sites) == p


@EXAMPLES
@given(instances(), st.integers(1, 3), st.data())
def test_a_budget_limits_the_sites_costs(case, p, data):
    times, weights = case
    m = times.shape[1]
    costs = np.array(data.draw(st.lists(st.integers(0, 5), min_size=m, max_size=m)), dtype=float)
    budget = float(data.draw(st.integers(0, 12)))
    sets = [s for s in combinations(range(m), p) if costs[list(s)].sum() <= budget
            and np.isfinite(times[:, list(s)].min(axis=1)).all()]
    if not sets:
        with pytest.raises(ValueError):
            p_median(times, weights, p, costs=costs, budget=budget)
        return
    best = min(float(weights @ times[:, list(s)].min(axis=1)) for s in sets)
    result = p_median(times, weights, p, costs=costs, budget=budget)
    assert close(result.objective, best) and costs[list(result.sites)].sum() <= budget + 1e-9
