"""Solve times of the facility-location models (sim.optimize.location) on random instances.

    python benchmarks/location_solve_times.py [--sizes 100 1000] [--time-limit 120] [--seed 1]

For each size ``n``: ``n`` candidate sites and ``n`` demand points drawn uniformly in a 60 km
square, minutes = straight-line km times a detour of 1.3 at 60 km/h, 2 % of the pairs
unreachable (``inf``), weights 1 to 1,000 people; radius 10 minutes, ``p = 10``, 10 units
busy 30 % of the time, 2 fixed sites (for the models that take them); shelters at the
candidates with a total capacity of 1.2 times the demand. Each model gets ``--time-limit``
seconds; one that hits it prints ``time limit`` and its relative gap. Prints one row a model
and size: wall seconds (building and solving), status and objective.

``python benchmarks/location_solve_times.py`` (the defaults; 2 cores, scipy 1.17.1) printed::

    lscp                    n=100       0.01 s  optimal                 objective 22
    mclp                    n=100       0.01 s  optimal                 objective 34170
    mexclp                  n=100       0.02 s  optimal                 objective 24222.9
    p_median                n=100       0.07 s  optimal                 objective 446264
    p_center                n=100       0.12 s  optimal                 objective 16.0757
    capacitated_assignment  n=100       0.06 s  optimal                 objective 61732.4
    lscp                    n=1000    120.03 s  time limit, gap 7.14%   objective 28
    mclp                    n=1000      0.93 s  optimal                 objective 293428
    mexclp                  n=1000      2.21 s  optimal                 objective 206464
    p_median                n=1000    125.98 s  time limit, gap 99.99%  objective 7.61975e+06
    p_center                n=1000    120.08 s  time limit, gap 0.34%   objective 18.166
    capacitated_assignment  n=1000      8.06 s  optimal                 objective 183775

So at 1,000 the set cover, the p-median and the p-center run into the two-minute cap. With
longer limits (one run each): the p-median still had a 99.99 % gap after 20 minutes (its LP
relaxation, 10^6 variables and rows, unsolved: the objective above is HiGHS's first
feasible point, not a useful answer), the p-center bisection proved 18.166 optimal in about
300 s, and the set cover, after 150 s, still stood at 28 sites against a bound of 26. With
``--sizes 300`` every model is optimal, the slowest the p-median (3.8 s) and the set cover
(1.7 s).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from sim.optimize.location import (
    Placement,
    capacitated_assignment,
    lscp,
    mclp,
    mexclp,
    p_center,
    p_median,
)

__all__ = ["instance", "main", "models"]


def instance(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(times, weights, people, capacity) for ``n`` candidates and ``n`` demand points."""
    rng = np.random.default_rng(seed)
    demand, sites = rng.uniform(0.0, 60.0, (n, 2)), rng.uniform(0.0, 60.0, (n, 2))
    times = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)) * 1.3
    times[rng.random((n, n)) < 0.02] = np.inf
    weights = rng.integers(1, 1001, n).astype(float)
    people = rng.integers(0, 200, n)
    capacity = rng.multinomial(int(people.sum() * 1.2), np.full(n, 1.0 / n))
    return times, weights, people, capacity


def models(n: int, seed: int, limit: float | None) -> dict[str, Callable[[], Placement]]:
    """Each model on the instance of size ``n``, as a call to time."""
    times, weights, people, capacity = instance(n, seed)
    fixed, radius, p = (0, 1), 10.0, 10
    return {
        "lscp": lambda: lscp(times, radius, fixed, time_limit=limit),
        "mclp": lambda: mclp(times, weights, radius, p, fixed, time_limit=limit),
        "mexclp": lambda: mexclp(times, weights, radius, p, 0.3, fixed, time_limit=limit),
        "p_median": lambda: p_median(times, weights, p, fixed, time_limit=limit),
        "p_center": lambda: p_center(times, p, fixed=fixed, time_limit=limit),
        "capacitated_assignment": lambda: capacitated_assignment(times, people, capacity, time_limit=limit),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for n in args.sizes:
        for name, solve in models(n, args.seed, args.time_limit).items():
            result = solve()
            detail = result.status if result.status == "optimal" else f"{result.status}, gap {result.gap:.2%}"
            figure = f"{result.seconds:8.2f} s"
            print(f"{name:<23} n={n:<5} {figure}  {detail:<22}  objective {result.objective:.6g}", flush=True)


if __name__ == "__main__":
    main()
