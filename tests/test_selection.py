"""The Kim-Nelson procedure KN (:mod:`sim.optimize.selection`): its constants against hand-worked
values, its probability of correct selection in the slippage configuration, agreement with a plain
reading of the paper, a quick decision on a clear winner, maximizing as minimizing the negated KPI,
the same result when resumed batch by batch as in one go, replications with no value left out, the
budget, and the start (fewer than ``n0`` replications, one layout, a bad indifference zone)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.optimize.selection import kim_nelson, kn_constants

N0, DELTA, PCS = 10, 0.5, 0.9


def crn(rng: np.random.Generator, means, reps: int, shared: float = 2.0, noise: float = 1.0) -> np.ndarray:
    """Layouts x replications: the mean, a term shared by every layout in a replication, own noise."""
    means = np.asarray(means, dtype=float)
    return (means[:, None] + shared * rng.standard_normal(reps)[None, :]
            + noise * rng.standard_normal((len(means), reps)))


def same_decision(a, b) -> bool:
    return (a.best, a.survivors, a.eliminated, a.settled, a.replications, a.means) == \
        (b.best, b.survivors, b.eliminated, b.settled, b.replications, b.means)


def test_constants_are_the_hand_worked_ones():
    # k=4, n0=10, pcs=0.95: 2 alpha / (k-1) = 0.1/3; (0.1/3) ** (-2/9) = 2.12936...
    eta, h2 = kn_constants(4, 10, 0.95)
    assert eta == pytest.approx(((0.1 / 3) ** (-2 / 9) - 1) / 2, rel=1e-12)
    assert eta == pytest.approx(0.5647, abs=1e-4)
    assert h2 == pytest.approx(2 * 0.564680 * 9, rel=1e-5)   # 10.1642
    # k=2, n0=20, pcs=0.9: 2 alpha / (k-1) = 0.2; 0.2 ** (-2/19) = 1.18461...
    eta, h2 = kn_constants(2, 20, 0.9)
    assert eta == pytest.approx((0.2 ** (-2 / 19) - 1) / 2, rel=1e-12)
    assert eta == pytest.approx(0.09231, abs=1e-5)
    assert h2 == pytest.approx(2 * 0.092306 * 19, rel=1e-5)   # 3.5076
    with pytest.raises(ValueError):
        kn_constants(3, 1, 0.95)
    for pcs in (1 / 3, 0.2, 1.0):
        with pytest.raises(ValueError):
            kn_constants(3, 10, pcs)


def test_correct_selection_in_the_slippage_configuration():
    k, macro, pcs = 4, 300, 0.9
    rng = np.random.default_rng(2001)
    correct = 0
    for _ in range(macro):
        res = kim_nelson(crn(rng, [1.0] + [1.0 + DELTA] * (k - 1), 2000), n0=N0, delta=DELTA, pcs=pcs)
        assert res.settled and res.replications < 2000
        correct += res.best == 0
    assert correct / macro >= pcs - 3 * math.sqrt(pcs * (1 - pcs) / macro)


def test_a_tie_goes_on_to_the_last_replication():
    # S2 = 10/9 (differences +1, -1, ... over the first 10), the means stay equal: KN runs to
    # r = N + 1, N = floor(h2 S2 / delta**2) = floor(9 * (0.2 ** (-2/9) - 1) * (10/9) / 0.04) = 107
    x = np.zeros((2, 300))
    x[1, :10] = [1, -1] * 5
    res = kim_nelson(x, n0=10, delta=0.2, pcs=0.9)
    assert math.floor(9 * (0.2 ** (-2 / 9) - 1) * (10 / 9) / 0.04) == 107
    assert res.settled and res.replications == 108 and res.survivors == (0, 1) and res.best == 0


def test_a_clear_winner_is_settled_soon_after_n0():
    x = crn(np.random.default_rng(5), [0, 5, 5, 5], 200, shared=1.0)
    res = kim_nelson(x, n0=N0, delta=DELTA, pcs=PCS)
    assert res.settled and res.best == 0 and res.survivors == (0,)
    assert res.replications <= N0 + 5
    assert set(res.eliminated) == {1, 2, 3}
    assert all(N0 <= r <= res.replications for r in res.eliminated.values())
    within = kim_nelson(x[:, :12], n0=N0, delta=DELTA, pcs=PCS, max_replications=12)
    assert within.settled and not within.budget_spent


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_maximizing_is_minimizing_the_negated_kpi(seed):
    x = crn(np.random.default_rng(seed), [0.0, 0.3, 0.6, 0.3], 400)
    low = kim_nelson(x, n0=N0, delta=DELTA, pcs=PCS)
    high = kim_nelson(-x, n0=N0, delta=DELTA, pcs=PCS, minimize=False)
    assert (high.best, high.survivors, high.eliminated, high.settled, high.replications) == \
        (low.best, low.survivors, low.eliminated, low.settled, low.replications)
    assert high.means == tuple(-m for m in low.means)
    assert high.means[low.best] == pytest.approx(-x[low.best, :low.replications].mean())


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_resumed_batch_by_batch_is_the_same_as_in_one_go(seed, step):
    """A batch gives the survivors what ``wanted`` asks; an eliminated layout keeps the replications
    it went out at (or, ``freeze``, all it had by then); the rest of its row is not there (NaN)."""
    rng = np.random.default_rng(seed)
    full = crn(rng, rng.uniform(0, 1, rng.integers(3, 6)), 600)
    once = kim_nelson(full, n0=N0, delta=DELTA, pcs=PCS, step=step)
    assert once.settled
    for freeze in (False, True):
        have = np.zeros(len(full), dtype=int)
        wanted, calls = 0, 0
        while True:
            res = kim_nelson(np.where(np.arange(full.shape[1]) < have[:, None], full, np.nan)[:, :wanted],
                             have, n0=N0, delta=DELTA, pcs=PCS, step=step)
            calls += 1
            if res.wanted <= max(have[list(res.survivors)]):
                break
            assert res.wanted == (N0 if wanted == 0 else max(have) + step)
            for i in res.survivors:
                have[i] = res.wanted
            for i, r in res.eliminated.items():
                have[i] = have[i] if freeze else r
            wanted = res.wanted
        assert same_decision(res, once) and res.used == once.used
        assert res.wanted == max(have) and calls <= once.replications


def paper_kn(x: np.ndarray, n0: int, delta: float, pcs: float) -> tuple[int, dict[int, int], int]:
    """Procedure KN read plainly off Kim and Nelson (2001): the layout chosen, those eliminated
    (layout -> r) and the replications used. It stops at ``r = max N_il + 1`` without screening."""
    k = len(x)
    eta = ((2 * (1 - pcs) / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2
    h2 = 2 * eta * (n0 - 1)
    s2 = np.array([[np.var(x[i, :n0] - x[j, :n0], ddof=1) for j in range(k)] for i in range(k)])
    alive, out, r = list(range(k)), {}, n0
    while r <= np.floor(h2 * s2 / delta**2).max():
        w = np.maximum(0, delta / (2 * r) * (h2 * s2 / delta**2 - r))
        m = x[:, :r].mean(axis=1)
        gone = [i for i in alive if any(m[i] > m[j] + w[i, j] for j in alive if j != i)]
        out.update(dict.fromkeys(gone, r))
        alive = [i for i in alive if i not in gone]
        if len(alive) == 1:
            break
        r += 1
    m = x[:, :r].mean(axis=1)
    return min(alive, key=lambda i: m[i]), out, r


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 5), st.sampled_from([5, 10, 20]))
def test_it_is_the_procedure_of_the_paper(seed, k, n0):
    rng = np.random.default_rng(seed)
    x = crn(rng, rng.uniform(0, 2 * DELTA, k), 800)
    res = kim_nelson(x, n0=n0, delta=DELTA, pcs=PCS)
    best, out, r = paper_kn(x, n0, DELTA, PCS)
    assert res.settled and (res.best, res.replications) == (best, r)
    assert out.items() <= res.eliminated.items()   # at r = max N_il + 1 KN screens once more (W = 0)


def test_replications_with_no_value_are_left_out():
    x = crn(np.random.default_rng(11), [0.0, 0.4, 0.8], 400)
    plain = kim_nelson(x, n0=N0, delta=DELTA, pcs=PCS)
    gaps = np.insert(x, [0, 3, 3, 7], np.nan, axis=1)   # four columns with no value anywhere
    gaps = np.insert(gaps, 5, x[:, 0], axis=1)
    gaps[1, 5] = np.nan   # and one with no value for one layout
    res = kim_nelson(gaps, n0=N0, delta=DELTA, pcs=PCS)
    assert same_decision(res, plain) and plain.dropped == 0 and res.dropped == 5
    assert np.array_equal(gaps[:, list(res.used)], x[:, list(plain.used)])


def test_the_budget_stops_it_unsettled():
    x = crn(np.random.default_rng(3), [0.0, 0.0], 200)
    have, res = 0, None
    for _ in range(100):   # 10, 17, 24, 31, 38, then 40 (not 45)
        res = kim_nelson(x[:, :have], n0=N0, delta=0.01, pcs=PCS, max_replications=40, step=7)
        if res.wanted == have:
            break
        assert res.wanted <= 40 and not res.budget_spent
        have = res.wanted
    assert res is not None and have == 40
    assert not res.settled and res.budget_spent and res.wanted == 40 and res.replications == 40
    assert res.survivors == (0, 1) and res.best == int(np.argmin(res.means))   # the leader
    flipped = kim_nelson(x[::-1, :40], n0=N0, delta=0.01, pcs=PCS, max_replications=40)
    assert flipped.budget_spent and flipped.best == 1 - res.best


def test_the_start_one_layout_and_a_bad_zone():
    x = crn(np.random.default_rng(4), [0.0, 1.0, 2.0], 30)
    for width in (0, 1, N0 - 1):
        res = kim_nelson(x[:, :width], n0=N0, delta=DELTA, pcs=PCS)
        assert res.wanted == N0 and not res.settled and res.replications == width
    assert kim_nelson(x[:, :4], n0=N0, delta=DELTA, pcs=PCS, step=8).wanted == 12   # max(step, n0 - r)
    one = kim_nelson(x[:1, :1], n0=N0, delta=DELTA, pcs=PCS)
    assert one.settled and one.best == 0 and one.survivors == (0,) and one.wanted == 1
    none = kim_nelson(x[:1, :0], n0=N0, delta=DELTA, pcs=PCS)
    assert not none.settled and none.wanted == N0
    for delta in (0.0, -1.0):
        with pytest.raises(ValueError):
            kim_nelson(x, n0=N0, delta=delta, pcs=PCS)
