"""Reserve sizing: the smallest relief stock that meets the targets often enough.

For the chosen depots and items, find stock levels of least cost (units times ``unit_cost``)
such that, across replications that bring a disaster asking for supplies, the share meeting
the targets is at least the service level, with a stated confidence. The targets are the first
batch to every disaster area on time for its delivering tier (6 h county, 8 h city by default)
and, optionally, a fill rate.

Every candidate is simulated on the same seeds (common random numbers): differences between
candidates come from the stock alone, and success in a replication mostly grows with stock
(see below). No unit is dispatched, and each replication's evacuation, which no stock changes,
is simulated once and replayed to the supplies after (:mod:`sim.engine.shelter_script`). The
search:

1. one run with unlimited stock at the chosen depots tells which replications have a disaster,
   whether the targets can be met at all, and how much each depot ships of each item;
2. the starting point is a high quantile of those shipments per depot and item, raised until the
   service level is met;
3. a common scale factor shrinks all of them together (bisection), then each depot and item, the
   costliest first, is shrunk on its own (bisection), keeping the service level.

Success does not always grow with stock: the allocation takes the nearest tier first, so stock
at a township depot whose trucks cannot carry it in time makes first batches later than the
county's trucks would. When unlimited stock misses some disasters, the search therefore also
tries unlimited stock above the township depots and none in them, and starts from whichever
serves more. Disasters that neither serves in time (a place cut off, trucks too few, a depot too
far: :mod:`.reserve_diagnosis` says which and why) are set aside. The answer then holds for
the other disasters, and the result lists the ones set aside with their reasons and fixes.
When the others are too few to show the service level, it is an error that says so, with the
same diagnosis. The bisections assume success grows with stock; the confirmation on fresh
seeds checks the answer itself.

The search's own success share is optimistic: the stock was tuned to those very disasters.
:func:`confirm` therefore re-simulates the answer on fresh seeds, and the confidence statement
comes from those: the share of fresh disasters meeting the targets, with its Clopper-Pearson
lower bound. The answer is *confirmed* unless the fresh replications show, with the same
confidence, that it misses the service level (their upper bound falls below it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from ..engine.runner import simulate
from ..engine.shelter_script import ShelterScript
from ..engine.supplies import NearestTierFirst
from ..errors import SimError
from ..results.columns import floats, length, table, texts
from ..results.people_kpis import first_batch_rows
from ..results.records import ReplicationRecords
from ..scenario.loader import Scenario
from .reserve_diagnosis import LateBatch, diagnose, summary_lines

__all__ = ["ReserveResult", "clopper_pearson", "confirm", "replication_success", "size_reserves"]

UNLIMITED = 1e12
FRESH_SEED_OFFSET = 1_000_003


def clopper_pearson(successes: int, trials: int, confidence: float) -> tuple[float, float]:
    """One-sided exact bounds (lower, upper) for a binomial share at ``confidence``."""
    if trials == 0:
        return 0.0, 1.0
    alpha = 1 - confidence
    low = 0.0 if successes == 0 else float(special.betaincinv(successes, trials - successes + 1, alpha))
    if successes == trials:
        return low, 1.0
    return low, float(special.betaincinv(successes + 1, trials - successes, 1 - alpha))


def replication_success(records: ReplicationRecords, scenario: Scenario, fill_rate: float | None,
                        first_batch: bool = True) -> bool | None:
    """Did this replication meet the targets? ``None`` when no disaster asked for supplies."""
    requests = table(records, "supply_requests")
    if not length(requests):
        return None
    demand = (texts(requests, "kind") != "replenish") & (texts(requests, "event") != "")
    if not demand.any():
        return None
    ok = True
    if first_batch:  # first_batch_rows leaves replenishment and everyday requests out itself
        batches = first_batch_rows(requests, table(records, "shipments"), scenario.spec.supply)
        ok = all(batch.on_time for batch in batches)
    if fill_rate is not None:
        delivered = float(floats(requests, "delivered")[demand].sum())
        ok = ok and delivered >= fill_rate * float(floats(requests, "quantity")[demand].sum()) - 1e-6
    return ok


@dataclass
class ReserveResult:
    """The answer of :func:`size_reserves` and how it was found."""

    stock: dict[tuple[str, str], float]
    cost: float
    successes: int
    trials: int
    lower_bound: float
    service_level: float
    confidence: float
    unlimited_successes: int
    simulations: int
    reused: int = 0
    curve: pd.DataFrame = field(default_factory=pd.DataFrame)
    seed: int = 0
    replications: list[int] = field(default_factory=list)
    beyond_stock: list[int] = field(default_factory=list)   # disasters no stock serves in time
    late: list[LateBatch] = field(default_factory=list)      # their late first batches, and why
    # the stock that decided which disasters are beyond it (unlimited, or none in the townships)
    base: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.successes / self.trials if self.trials else math.nan

    def table(self, scenario: Scenario) -> pd.DataFrame:
        items = scenario.spec.items
        rows = [{"depot": d, "item": i, "stock": q, "unit_cost": items[i].unit_cost,
                 "cost": q * items[i].unit_cost} for (d, i), q in sorted(self.stock.items())]
        return pd.DataFrame(rows, columns=["depot", "item", "stock", "unit_cost", "cost"])


@dataclass
class _Reference:
    """A stock evaluated on every replication: each one's result and, per depot and item, how
    much was taken out of it."""

    stock: dict[tuple[str, str], float]
    results: dict[int, bool | None]
    taken: dict[int, dict[tuple[str, str], float]]


class _Evaluator:
    """Runs candidate stocks on a fixed set of replications, counting simulations.

    With the default allocation policy, a replication's supplies depend on a depot's stock of an
    item only through which requests find it empty and when it orders more. So when a replication
    has been simulated with a stock from which less was taken than a candidate holds, and more
    was held than taken wherever the candidate holds more (or nothing was taken from it though it
    held some), the candidate replays the same shipments and its result is known without
    simulating. A depot that replenishes must also stay above its order point (``below`` of the
    starting stock) under both, since the order point moves with the stock. :meth:`meets` reuses
    results this way against the last stock that met the targets on every replication (or the
    unlimited stock the search starts from)."""

    def __init__(self, scenario: Scenario, seed: int, fill_rate: float | None, first_batch: bool) -> None:
        self.scenario = scenario
        self.seed = seed
        self.fill_rate = fill_rate
        self.first_batch = first_batch
        self.simulations = 0
        self.reused = 0
        self._last_failed: dict[int, int] = {}
        self._scripts: dict[tuple[int, int], ShelterScript] = {}
        self._count = 0
        spec = scenario.spec
        self._replays = spec.supply.policy == NearestTierFirst.name
        # the share of its starting stock a depot can ship before it runs out or orders more
        self._free = {d.id: 1.0 - d.replenish.below if d.replenish else 1.0 for d in spec.depots}
        self.reference: _Reference | None = None

    def run(self, stock: dict[tuple[str, str], float], reps: list[int], seed: int | None = None
            ) -> tuple[list[bool | None], list[ReplicationRecords]]:
        results, records = [], []
        seed = self.seed if seed is None else seed
        for rep in reps:
            # the evacuation does not depend on the stock: simulated once, replayed after
            script = self._scripts.setdefault((seed, rep), ShelterScript())
            rec = simulate(self.scenario, rep, seed, stocks=stock, supplies_only=True, shelters=script)
            self.simulations += 1
            results.append(replication_success(rec, self.scenario, self.fill_rate, self.first_batch))
            records.append(rec)
        return results, records

    def share(self, stock: dict[tuple[str, str], float], reps: list[int]) -> int:
        """How many of ``reps`` meet the targets under ``stock``."""
        return sum(1 for rep in reps if self._evaluate(stock, rep)[0])

    def _evaluate(self, stock: dict[tuple[str, str], float], rep: int
                  ) -> tuple[bool | None, dict[tuple[str, str], float]]:
        """One replication's result and what was taken: reused when it replays the reference."""
        if self.replayed(stock, rep):
            assert self.reference is not None
            self.reused += 1
            return self.reference.results[rep], self.reference.taken[rep]
        (ok,), (rec,) = self.run(stock, [rep])
        return ok, _taken(rec)

    def remember(self, stock: dict[tuple[str, str], float], reps: list[int],
                 results: list[bool | None], records: list[ReplicationRecords]) -> None:
        """Make ``stock``, simulated on ``reps``, the reference for reuse."""
        taken = {rep: _taken(rec) for rep, rec in zip(reps, records, strict=True)}
        self.reference = _Reference(dict(stock), dict(zip(reps, results, strict=True)), taken)

    def replayed(self, stock: dict[tuple[str, str], float], rep: int) -> bool:
        """Whether ``rep`` under ``stock`` replays the reference (see the class notes)."""
        ref = self.reference
        if not self._replays or ref is None or rep not in ref.results or stock.keys() != ref.stock.keys():
            return False
        taken = ref.taken[rep]
        for pair, quantity in stock.items():
            held = ref.stock[pair]
            if quantity == held:
                continue
            if pair not in taken:   # never asked while it held some: it is not asked now either
                if held <= 0:
                    return False
                continue
            out, free = taken[pair], self._free[pair[0]]
            margin = 1e-9 * max(1.0, out)
            if free * quantity < out + margin or free * held < out + margin:  # runs out or orders
                return False
        return True

    def meets(self, stock: dict[tuple[str, str], float], reps: list[int], allowed_failures: int) -> bool:
        """Whether at most ``allowed_failures`` replications fail, stopping at the first one too
        many. Replications that failed lately are tried first: with common random numbers and
        success growing with stock, they are the likeliest to fail again. A stock that meets the
        targets becomes the reference for reuse."""
        order = sorted(reps, key=lambda r: -self._last_failed.get(r, -1))
        failures = 0
        results: dict[int, bool | None] = {}
        taken: dict[int, dict[tuple[str, str], float]] = {}
        for rep in order:
            ok, taken[rep] = self._evaluate(stock, rep)
            results[rep] = ok
            if not ok:
                failures += 1
                self._count += 1
                self._last_failed[rep] = self._count
                if failures > allowed_failures:
                    return False
        self.reference = _Reference(dict(stock), results, taken)
        return True


def _taken(records: ReplicationRecords) -> dict[tuple[str, str], float]:
    """How much of each item each depot shipped (took out of stock) in a replication."""
    shipments = records.table_frame("shipments")
    if not len(shipments):
        return {}
    totals = shipments.groupby(["depot", "item"])["quantity"].sum()
    return {(str(key[0]), str(key[1])): float(q) for key, q in totals.items()}  # type: ignore[index]


def _candidates(scenario: Scenario, depots: list[str] | None,
                items: list[str] | None) -> list[tuple[str, str]]:
    spec = scenario.spec
    chosen = depots or [d.id for d in spec.depots if d.is_sizable]
    known = {d.id for d in spec.depots}
    unknown = [d for d in chosen if d not in known]
    if unknown:
        raise SimError(f"unknown depot(s): {', '.join(unknown)} (depots: {', '.join(sorted(known))})")
    names = items or list(spec.items)
    missing = [i for i in names if i not in spec.items]
    if missing:
        raise SimError(f"unknown item(s): {', '.join(missing)} (items: {', '.join(spec.items)})")
    return [(d, i) for d in chosen for i in names]


def size_reserves(scenario: Scenario, *, service_level: float = 0.95, confidence: float = 0.9,
                  replications: int = 60, seed: int | None = None, fill_rate: float | None = None,
                  first_batch: bool = True, depots: list[str] | None = None, items: list[str] | None = None,
                  steps: int = 6, progress: Callable[[str], None] | None = None) -> ReserveResult:
    """Find the least-cost stock per depot and item meeting the targets (see the module notes)."""
    if not scenario.spec.items or not scenario.spec.depots:
        raise SimError("the scenario has no relief items or depots to size")
    seed = scenario.spec.run.seed if seed is None else seed
    pairs = _candidates(scenario, depots, items)
    ev = _Evaluator(scenario, seed, fill_rate, first_batch)

    def say(step: str) -> None:
        if progress is not None:
            progress(f"{step} ({ev.simulations} simulations so far)")

    unlimited = {pair: UNLIMITED for pair in pairs}
    say(f"unlimited stock on {replications} replications")
    results, records = ev.run(unlimited, list(range(replications)))
    ev.remember(unlimited, list(range(replications)), results, records)
    asked = [r for r, ok in zip(range(replications), results, strict=True) if ok is not None]
    if not asked:
        raise SimError(f"no disaster asked for supplies in {replications} replications: raise --replications "
                       "or the horizon, or check that shelters and incidents have needs")
    unlimited_ok = sum(1 for r in results if r)
    township = {pair for pair in pairs if _tier(scenario, pair[0]) == "township"}
    if unlimited_ok < len(asked) and township and len(township) < len(pairs):
        # Not monotone: the allocation takes the nearest tier first, so stock at a township depot
        # whose trucks cannot carry it in time makes first batches later than the county's would.
        # Probe unlimited stock above the townships, none in them, and start from the better.
        probe = {pair: (0.0 if pair in township else UNLIMITED) for pair in pairs}
        say("unlimited stock above the township depots, none in them")
        probe_results, probe_records = ev.run(probe, list(range(replications)))
        if sum(1 for r in probe_results if r) > unlimited_ok:
            unlimited, results, records = probe, probe_results, probe_records
            unlimited_ok = sum(1 for r in results if r)
            ev.remember(unlimited, list(range(replications)), results, records)
    beyond = [r for r, ok in zip(range(replications), results, strict=True) if ok is False]
    late = diagnose(scenario, [rec for rec in records if rec.replication in beyond])
    reps = [r for r in asked if r not in beyond]   # not served in time even so: set aside
    shipped = _shipped(records, reps, pairs)

    def met(successes: int) -> bool:
        return clopper_pearson(successes, len(reps), confidence)[0] >= service_level

    allowed = max((f for f in range(len(reps) + 1) if met(len(reps) - f)), default=-1)

    def meets(candidate: dict[tuple[str, str], float]) -> bool:
        return allowed >= 0 and ev.meets(candidate, reps, allowed)

    if not met(len(reps)):
        low, _ = clopper_pearson(len(reps), len(reps), confidence)
        needed = math.ceil(math.log(1 - confidence) / math.log(service_level))
        aside = (f" ({len(beyond)} of the {len(asked)} that asked for supplies set aside: no stock "
                 "serves them in time)" if beyond else "")
        why = "\n".join(["", "Late first batches with unlimited stock, and what would fix them:",
                          *summary_lines(late)]) if late else ""
        raise SimError(f"{len(reps)} disasters{aside} are too few to show a {service_level:.0%} service "
                       f"level with {confidence:.0%} confidence (even all {len(reps)} on time give at least "
                       f"{low:.1%}); it takes at least {needed}: raise --replications (or lower --confidence)"
                       + why)
    # 2. a high quantile of what was shipped, raised until the service level is met
    level = service_level
    while True:
        stock = {pair: float(np.quantile(shipped[pair], level)) for pair in pairs}
        say(f"quantile {level:.3f} of shipped quantities")
        if meets(stock):
            break
        if level >= 1.0:
            stock = {pair: float(max(shipped[pair])) * 1.5 + 1 for pair in pairs}
            if not meets(stock):
                stock = dict(unlimited)
            break
        level = min(1.0, level + (1 - level) / 2 + 1e-3)
    # 3a. shrink all together
    lo, hi = 0.0, 1.0
    for _ in range(steps + 1):
        mid = (lo + hi) / 2
        say(f"scale {mid:.3f}")
        if meets({p: q * mid for p, q in stock.items()}):
            hi = mid
        else:
            lo = mid
    stock = {p: math.ceil(q * hi) for p, q in stock.items()}
    # 3b. shrink each, the costliest first
    costs = {p: scenario.spec.items[p[1]].unit_cost for p in pairs}
    for pair in sorted(pairs, key=lambda p: -stock[p] * costs[p]):
        lo, hi = 0.0, float(stock[pair])
        if hi == 0:
            continue
        for _ in range(steps):
            mid = math.floor((lo + hi) / 2)
            if mid <= lo:
                break
            say(f"{pair[0]} {pair[1]}: {mid}")
            if meets({**stock, pair: mid}):
                hi = mid
            else:
                lo = mid
        if hi > 0 and meets({**stock, pair: 0.0}):
            hi = 0.0
        stock[pair] = hi
    successes = ev.share(stock, reps)
    curve = _curve(ev, stock, costs, reps, confidence)
    return ReserveResult(
        stock=stock, cost=sum(stock[p] * costs[p] for p in pairs), successes=successes, trials=len(reps),
        lower_bound=clopper_pearson(successes, len(reps), confidence)[0], service_level=service_level,
        confidence=confidence, unlimited_successes=unlimited_ok, simulations=ev.simulations,
        reused=ev.reused, curve=curve, seed=seed, replications=reps, beyond_stock=beyond, late=late,
        base=dict(unlimited))


def _tier(scenario: Scenario, depot: str) -> str:
    return next(d.tier for d in scenario.spec.depots if d.id == depot)


def _shipped(records: list[ReplicationRecords], reps: list[int], pairs: list[tuple[str, str]]
             ) -> dict[tuple[str, str], list[float]]:
    out: dict[tuple[str, str], list[float]] = {pair: [] for pair in pairs}
    for rec in records:
        if rec.replication not in reps:
            continue
        totals = _taken(rec)
        for pair in pairs:
            out[pair].append(totals.get(pair, 0.0))
    return out


def _curve(ev: _Evaluator, stock: dict, costs: dict, reps: list[int], confidence: float) -> pd.DataFrame:
    """Cost against service for the answer scaled up and down."""
    rows = []
    for factor in (0.0, 0.25, 0.5, 0.75, 0.9, 1.0, 1.25, 1.5):
        scaled = {p: q * factor for p, q in stock.items()}
        successes = ev.share(scaled, reps)
        low, high = clopper_pearson(successes, len(reps), confidence)
        rows.append({"factor": factor, "cost": sum(scaled[p] * costs[p] for p in scaled),
                     "service": successes / len(reps), "lower_bound": low, "upper_bound": high})
    return pd.DataFrame(rows)


@dataclass
class Confirmation:
    """The answer re-simulated on fresh seeds."""

    successes: int
    trials: int
    lower_bound: float
    upper_bound: float
    confirmed: bool
    seed: int
    set_aside: int = 0   # fresh disasters that even unlimited stock does not serve in time


def confirm(scenario: Scenario, result: ReserveResult, replications: int = 100, seed: int | None = None,
            fill_rate: float | None = None, first_batch: bool = True) -> Confirmation:
    """Re-simulate the answer on fresh seeds. It is confirmed unless these replications show,
    at the result's confidence, that it misses the service level (the one-sided upper bound of
    the fresh success share falls below it)."""
    fresh = (result.seed + FRESH_SEED_OFFSET) if seed is None else seed
    ev = _Evaluator(scenario, fresh, fill_rate, first_batch)
    reps = list(range(replications))
    aside: set[int] = set()
    if result.beyond_stock:  # the search set such disasters aside: so does the confirmation
        unlimited, _ = ev.run(result.base or {pair: UNLIMITED for pair in result.stock}, reps)
        aside = {r for r, ok in zip(reps, unlimited, strict=True) if ok is False}
    results, _ = ev.run(result.stock, [r for r in reps if r not in aside])
    counted = [r for r in results if r is not None]
    successes = sum(1 for r in counted if r)
    low, high = clopper_pearson(successes, len(counted), result.confidence)
    return Confirmation(successes, len(counted), low, high, bool(counted) and high >= result.service_level,
                        fresh, len(aside))
