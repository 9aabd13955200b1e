"""The engine against exact queueing results.

A one-node scenario with ``c`` identical units, Poisson calls and exponential on-scene times,
with no delays and no travel, is an M/M/c queue:

* with calls queued, the mean wait for a unit is Erlang C / (c mu - lambda);
* with calls lost when all units are busy, the share lost is Erlang B.

Each check passes when the exact value lies inside the simulation's own 99 % confidence
interval across independent replications.
"""

from __future__ import annotations

import math

import pytest

import sim
from sim.results.stats import estimate


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c with offered load ``a`` (recursive form)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load ``a < c``."""
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def mmc_scenario(c: int, calls_per_hour: float, mean_minutes: float, mode: str, days: int,
                 replications: int, seed: int) -> sim.Scenario:
    raw = {
        "name": f"M/M/{c}",
        "region": {"nodes": [{"id": "x", "kind": "junction", "lon": 0, "lat": 0, "population": 1}],
                   "auto_roads": {}},
        "facilities": [{"id": "s", "kind": "fire_station", "node": "x"}],
        "units": [{"type": "server", "capabilities": ["serve"], "base": "s", "count": c}],
        "incident_types": {"call": {"requires": {"serve": 1},
                                    "on_scene": {"dist": "exponential", "mean": f"{mean_minutes} min"}}},
        "generators": [{"type": "call", "rate": f"{calls_per_hour} / h"}],
        "dispatch": {"when_no_unit": mode},
        "run": {"horizon": f"{days} d", "warmup": "2 d", "replications": replications, "seed": seed},
    }
    return sim.load_scenario_data(raw)


def test_erlang_formulas_on_known_values():
    """The reference formulas themselves (textbook values)."""
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(3, 2.0) == pytest.approx(4 / 19)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)


@pytest.mark.parametrize("c, calls_per_hour, mean_minutes", [(1, 1.5, 30), (3, 2.0, 60)])
def test_mean_queue_wait_matches_erlang_c(c, calls_per_hour, mean_minutes):
    """M/M/c mean wait (Erlang C) lies inside the simulation's 99 % CI."""
    result = sim.run(mmc_scenario(c, calls_per_hour, mean_minutes, "queue", days=150,
                                  replications=8, seed=11))
    waits = result.kpis.loc[result.kpis["type"] == "all", "queue_wait_mean"].to_numpy()
    est = estimate(waits, level=0.99)
    lam, mu = calls_per_hour / 60, 1 / mean_minutes
    exact = erlang_c(c, lam / mu) / (c * mu - lam)
    assert est.low <= exact <= est.high, (est, exact)
    assert est.half_width < 0.25 * exact  # the check has power: the CI is not uselessly wide


@pytest.mark.parametrize("c, calls_per_hour, mean_minutes", [(1, 1.0, 60), (3, 2.0, 60)])
def test_share_lost_matches_erlang_b(c, calls_per_hour, mean_minutes):
    """M/M/c/c blocking probability (Erlang B) lies inside the simulation's 99 % CI."""
    result = sim.run(mmc_scenario(c, calls_per_hour, mean_minutes, "lost", days=150,
                                  replications=8, seed=12))
    k = result.kpis[result.kpis["type"] == "all"]
    est = estimate((k["lost"] / k["incidents"]).to_numpy(), level=0.99)
    exact = erlang_b(c, calls_per_hour * mean_minutes / 60)
    assert est.low <= exact <= est.high, (est, exact)
    assert est.half_width < 0.1 * exact


def test_busy_fraction_obeys_littles_law():
    """Mean busy servers = offered load (lambda / mu) when calls queue: busy fraction = rho."""
    c, calls_per_hour, mean_minutes = 3, 2.0, 60
    result = sim.run(mmc_scenario(c, calls_per_hour, mean_minutes, "queue", days=150,
                                  replications=8, seed=13))
    per_rep = result.units.groupby("replication")["busy_fraction"].mean().to_numpy()
    est = estimate(per_rep, level=0.99)
    rho = calls_per_hour * mean_minutes / 60 / c
    assert est.low <= rho <= est.high, (est, rho)
    assert math.isfinite(est.half_width) and est.half_width < 0.05
