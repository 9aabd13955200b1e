"""Which layout is best, by simulation: the Kim-Nelson fully sequential procedure.

Kim and Nelson (2001), procedure KN, for ``k`` systems simulated with common random numbers
(replication ``r`` of every layout draws the same incidents and hazards), selecting the one
with the smallest mean (a KPI to maximize is negated first). With ``n0`` first replications,
an indifference zone ``delta`` and a probability of correct selection ``pcs`` = 1 - alpha::

    eta      = ((2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2
    h2       = 2 eta (n0 - 1)
    S2_il    = the sample variance of X_i - X_l over the first n0 replications
    W_il(r)  = max(0, delta / (2 r) * (h2 S2_il / delta**2 - r))

From ``r = n0`` on, layout ``i`` is eliminated at ``r`` when its mean over the first ``r``
replications exceeds some other survivor ``l``'s by more than ``W_il(r)``; the survivors get
another replication. It stops when one layout is left, or when ``r`` passes every surviving
pair's ``N_il = floor(h2 S2_il / delta**2)`` (then the smallest mean is chosen). Then, when the
replications are normal, with probability at least ``pcs`` the layout chosen is the best or
within ``delta`` of it. A budget ``max_replications`` may stop it earlier: the smallest mean
is then chosen and the result says the choice is not settled.

:func:`kim_nelson` works on the replications at hand and is a pure function of them, so a
batch that is stopped and resumed (:func:`sim.experiments.batch.run_experiment` with a
sequential rule) reaches the very same decisions. A replication with no value for some layout
(the KPI undefined: no incident of the kind that year) is left out for every layout: with common
random numbers the same years lack the same incidents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["KnResult", "kim_nelson", "kn_constants"]


@dataclass(frozen=True)
class KnResult:
    """Where the procedure stands on the replications it was given.

    ``best``: the layout chosen (or leading). ``survivors``: layouts still in. ``eliminated``:
    layout -> the replication count at which it went out. ``settled``: the choice is made (one
    left, or every pair past its ``N_il``). ``replications``: how many replications were used
    (``used``: which; those with a value for every survivor). ``wanted``: how many replications
    the survivors need next (what they have when the choice is settled or the budget spent).
    ``means``: each layout's mean over the replications it was in for."""

    best: int
    survivors: tuple[int, ...]
    eliminated: dict[int, int]
    settled: bool
    replications: int
    wanted: int
    means: tuple[float, ...]
    eta: float = math.nan
    h2: float = math.nan
    budget_spent: bool = False
    dropped: int = 0  # replications left out (no value for some layout)
    used: tuple[int, ...] = ()


def kn_constants(k: int, n0: int, pcs: float) -> tuple[float, float]:
    """``eta`` and ``h2`` of procedure KN for ``k`` systems, ``n0`` first replications."""
    if n0 < 2:
        raise ValueError(f"n0 must be at least 2, not {n0}")
    if not 0.0 < pcs < 1.0 or (k >= 2 and pcs <= 1.0 / k):
        raise ValueError(f"pcs must be in (1/k, 1) = ({1 / max(k, 2):.3f}, 1), not {pcs}")
    if k < 2:
        return 0.0, 0.0
    alpha = 1.0 - pcs
    eta = 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    return eta, 2.0 * eta * (n0 - 1)


def kim_nelson(
    values: np.ndarray,
    simulated: np.ndarray | list[int] | None = None,
    *,
    n0: int,
    delta: float,
    pcs: float,
    minimize: bool = True,
    max_replications: int | None = None,
    step: int = 1,
) -> KnResult:
    """Procedure KN on ``values`` (layouts x replications; column ``r`` is replication ``r`` of
    every layout, NaN where the KPI is not defined) of which layout ``i`` has its first
    ``simulated[i]`` replications (default: all columns)."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError("values must be a (layouts, replications) array")
    if delta <= 0:
        raise ValueError(f"the indifference zone must be > 0, not {delta}")
    k, width = x.shape
    have = np.full(k, width) if simulated is None else np.minimum(np.asarray(simulated, dtype=int), width)
    if max_replications is not None:  # the budget: replications past it are not looked at
        if max_replications < n0:
            raise ValueError(f"max_replications ({max_replications}) must be at least n0 ({n0})")
        have = np.minimum(have, max_replications)
    sign = 1.0 if minimize else -1.0
    eta, h2 = kn_constants(k, n0, pcs)
    x = sign * x
    survivors = list(range(k))
    eliminated: dict[int, int] = {}
    used: list[int] = []  # replications every survivor has a value for, in order
    dropped = 0
    s2 = limit = None
    sums = np.zeros(k)
    counted = np.zeros(k)
    settled = False
    c = 0
    while not settled:
        if c >= min(int(have[i]) for i in survivors):
            break
        column = x[survivors, c]
        if np.isnan(column).any():
            dropped += 1
            c += 1
            continue
        used.append(c)
        sums[survivors] += column
        counted[survivors] += 1
        c += 1
        r = len(used)
        if k == 1:
            continue
        if r < n0:
            continue
        if s2 is None:
            first = x[:, used]
            s2 = (first[:, None, :] - first[None, :, :]).var(axis=2, ddof=1)  # S2_il of every pair
            limit = np.floor(h2 * s2 / delta**2)
        assert limit is not None
        means = sums / counted
        out = [
            i
            for i in survivors
            if any(
                means[i] > means[j] + max(0.0, delta / (2.0 * r) * (h2 * s2[i, j] / delta**2 - r))
                for j in survivors
                if j != i
            )
        ]
        for i in out:
            survivors.remove(i)
            eliminated[i] = r
        settled = len(survivors) == 1 or all(r > limit[i, j] for i in survivors for j in survivors if i != j)
    r = len(used)
    with np.errstate(invalid="ignore", divide="ignore"):
        means_all = np.where(counted > 0, sums / np.maximum(counted, 1), math.nan)
    best = min(survivors, key=lambda i: (means_all[i], i))
    reached = max(int(have[i]) for i in survivors)
    spent = not settled and max_replications is not None and reached >= max_replications
    if k == 1:
        settled = r > 0
    wanted = reached if settled or spent else reached + (max(step, n0 - r) if r < n0 else step)
    if max_replications is not None:
        wanted = min(wanted, max(max_replications, reached))
    return KnResult(
        best,
        tuple(survivors),
        eliminated,
        settled,
        r,
        wanted,
        tuple(float(sign * m) for m in means_all),
        eta,
        h2,
        spent,
        dropped,
        tuple(used),
    )
