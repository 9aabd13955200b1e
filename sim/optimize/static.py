"""Static answers to a :class:`~sim.optimize.sites.SiteProblem`: the optimum, the next best and
the best single moves, each with its static measures.

The optimum comes from the exact model the file names (:mod:`sim.optimize.location`): the
p-median (least weighted mean minutes), the MCLP (most demand within ``within``) or the
p-center (least worst minutes). The next best answers are the same model solved again with
the answers found so far excluded; the neighbours are the optimum with one of its sites moved
to another candidate, the best of them by the model's objective. With township depots every
disaster area is a problem of its own (its depots among its candidates, the same model), and
with ``moves`` the areas that gain the most move first while moves are left (a greedy split
of the moves across areas); the next best answers put one area at its next-best answer,
the least loss first, within the moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..errors import SimError
from .location import capacitated_p_median, coverage_cover, larson_gains, mclp, mexclp, p_center, p_median
from .problem import OptimizationSpec
from .sites import SiteProblem

__all__ = ["BEST_NAMES", "StaticAnswer", "best_of", "measure", "static_answers"]


@dataclass(frozen=True)
class StaticAnswer:
    """A layout in the static model: its open sites (columns, fixed ones left out), the model's
    objective there, the weighted mean minutes to the nearest open site (over the demand it
    reaches), the share of demand within ``within`` and the share it cannot reach at all."""

    name: str
    sites: tuple[int, ...]
    objective: float
    mean_minutes: float
    covered: float
    unreached: float
    worst_minutes: float
    status: str = "optimal"


def measure(
    problem: SiteProblem,
    sites: tuple[int, ...],
    within: float | None,
    model: str,
    name: str,
    status: str = "optimal",
) -> StaticAnswer:
    """The static measures of ``sites`` (plus the fixed columns) on ``problem``."""
    open_ = sorted(set(sites) | set(problem.fixed))
    nearest = problem.times[:, open_].min(axis=1)
    w = problem.weights
    total = float(w.sum())
    reached = np.isfinite(nearest)
    mean = float(w[reached] @ nearest[reached] / w[reached].sum()) if reached.any() else math.inf
    covered = float(w[reached & (nearest <= within)].sum() / total) if within is not None else math.nan
    unreached = float(w[~reached].sum() / total)
    worst = float(nearest.max())
    if problem.capacity is not None:  # shelters: people go where there is room
        return _sheltered(problem, sites, within, name, status)
    if model == "mexclp":
        counts = np.bincount(np.asarray(sites, dtype=int), minlength=problem.times.shape[1])
        cover = np.isfinite(problem.times) & (problem.times <= (within or 0.0))
        reach = cover.astype(int) @ counts
        n = max(len(sites), 1)
        gain = (
            larson_gains(n, problem.busy)
            if problem.correction
            else (1 - problem.busy) * problem.busy ** np.arange(n)
        )
        worth = np.concatenate([[0.0], np.cumsum(gain)])
        expected = float(w @ worth[np.minimum(reach, n)] / total) if total > 0 else math.nan
        return StaticAnswer(name, tuple(sorted(sites)), expected, mean, covered, unreached, worst, status)
    objective = {
        "p_median": mean if not unreached else math.inf,
        "mclp": covered,
        "p_center": worst,
        "cover": float(len(sites)),
    }[model]
    return StaticAnswer(name, tuple(sorted(sites)), objective, mean, covered, unreached, worst, status)


def _sheltered(
    problem: SiteProblem, sites: tuple[int, ...], within: float | None, name: str, status: str
) -> StaticAnswer:
    """Shelters: the capacitated assignment to ``sites``: person-minutes per person served
    (the objective, with the unserved at the model's penalty), their mean minutes, the share
    within ``within``, the share unserved and the longest trip used."""
    assert problem.capacity is not None
    cols = list(sites)
    if not cols:
        return StaticAnswer(name, (), math.inf, math.inf, 0.0, 1.0, math.inf, status)
    place = capacitated_p_median(problem.times[:, cols], problem.weights, problem.capacity[cols], len(cols))
    w = problem.weights
    total = float(w.sum())
    served = sum(v for _, _, v in place.flows) or 1.0
    minutes = [(problem.times[i, cols[j]], v) for i, j, v in place.flows]
    mean = sum(t * v for t, v in minutes) / served
    covered = min(1.0, sum(v for t, v in minutes if t <= within) / total) if within else math.nan
    unreached = 1.0 - served / total if total else 0.0
    unreached = unreached if unreached > 1e-9 else 0.0
    worst = max((t for t, _ in minutes), default=math.inf)
    return StaticAnswer(
        name,
        tuple(sorted(sites)),
        place.objective / total if total else math.inf,
        mean,
        covered,
        unreached,
        worst,
        status,
    )


def _better(model: str, a: float, b: float) -> bool:
    return a > b if model == "mclp" else a < b


BEST_NAMES = ("static best", "current = static best")


def static_answers(problem: SiteProblem, spec: OptimizationSpec) -> list[StaticAnswer]:
    """The current layout (when there is one), the optimum, its next-best answers and its best
    single moves, without repeats, in that order. When the optimum is the current layout, that
    one answer is named ``current = static best``; an answer equal to an earlier one is not
    counted among the ``alternatives``."""
    model, within = spec.model, spec.within
    sel = spec.selection
    out: list[StaticAnswer] = []
    seen: dict[tuple[int, ...], int] = {}

    def add(answer: StaticAnswer) -> bool:
        """Add ``answer`` unless an earlier one has its sites; whether it was new."""
        k = seen.get(answer.sites)
        if k is None:
            seen[answer.sites] = len(out)
            out.append(answer)
            return True
        if answer.name == "static best":
            out[k] = replace(out[k], name="current = static best", status=answer.status)
        return False

    if problem.existing:
        add(measure(problem, problem.existing, within, model, "current"))
    if problem.areas or (problem.kind == "township_depots"):
        for answer in _by_area(problem, spec):
            add(answer)
        return out
    found: list[tuple[int, ...]] = []
    wanted = 1 + (sel.alternatives if model != "p_center" else 0)
    rank = tries = 0
    while rank < wanted and tries < wanted + 5:  # the optimum, then the next best
        tries += 1
        sites, status = _solve(problem, spec, found)
        if sites is None:
            break
        found.append(tuple(sorted(set(sites) | set(problem.fixed))))
        name = "static best" if rank == 0 else f"static #{rank + 1}"
        if add(measure(problem, sites, within, model, name, status)) or rank == 0:
            rank += 1
    best = best_of(out)
    if best is not None:
        near = _shelter_neighbours if problem.capacity is not None else _neighbours
        for answer in near(problem, spec, best)[: sel.neighbours]:
            add(answer)
    return out


def best_of(answers: list[StaticAnswer]) -> StaticAnswer | None:
    """The static optimum among ``answers`` (perhaps the current layout)."""
    return next((a for a in answers if a.name in BEST_NAMES), None)


def _solve(
    problem: SiteProblem, spec: OptimizationSpec, exclude: list[tuple[int, ...]]
) -> tuple[tuple[int, ...] | None, str]:
    """The model's optimum (free sites only), or None when no other answer is left."""
    fixed = tuple(sorted(set(problem.fixed) | set(problem.keep)))
    p = problem.count + len(problem.fixed)
    existing = problem.existing if spec.moves is not None else ()
    kw: dict = {"time_limit": spec.time_limit}
    try:
        choice = {
            "existing": existing,
            "moves": spec.moves,
            "exclude": exclude,
            "costs": problem.costs,
            "budget": spec.budget,
            **kw,
        }
        if problem.capacity is not None:
            place = capacitated_p_median(
                problem.times, problem.weights, problem.capacity, problem.count, exclude=exclude, **kw
            )
        elif spec.model == "p_median":
            place = p_median(problem.times, problem.weights, p, fixed, **choice)
        elif spec.model == "mclp":
            assert spec.within is not None
            place = mclp(problem.times, problem.weights, spec.within, p, fixed, **choice)
        elif spec.model == "mexclp":
            assert spec.within is not None
            if exclude:
                return None, ""  # the next best come from single moves
            place = mexclp(
                problem.times,
                problem.weights,
                spec.within,
                problem.count,
                problem.busy,
                correction=problem.correction,
                **kw,
            )
        elif spec.model == "cover":
            assert spec.within is not None and spec.coverage is not None
            place = coverage_cover(
                problem.times, problem.weights, spec.within, spec.coverage, fixed, exclude=exclude, **kw
            )
        else:
            if spec.moves is not None:
                raise ValueError("moves are not available with the p_center model: use p_median or mclp")
            place = p_center(problem.times, p, None, fixed, **kw)
    except ValueError as exc:
        if exclude:  # no further distinct answer: the earlier ones are all there is
            return None, ""
        raise SimError(f"the static model has no answer: {exc}") from None
    return tuple(j for j in place.sites if j not in problem.fixed), place.status


def _neighbours(problem: SiteProblem, spec: OptimizationSpec, best: StaticAnswer) -> list[StaticAnswer]:
    """The optimum with one site moved (within the moves allowed), best first."""
    model, within = spec.model, spec.within
    existing = set(problem.existing)
    moved_now = len(set(best.sites) - existing) if problem.existing else 0
    free = [j for j in range(len(problem.columns)) if j not in problem.fixed and j not in best.sites]
    tried: list[StaticAnswer] = []
    if model == "mexclp":  # one unit moved from a site to another (units may share sites)
        free = [j for j in range(len(problem.columns)) if j not in problem.fixed]
    for s in sorted(set(best.sites)):
        if s in problem.keep:
            continue
        for j in free:
            if j == s:
                continue
            if model == "mexclp":
                rest = list(best.sites)
                rest.remove(s)
                sites = tuple(sorted([*rest, j]))
            else:
                sites = tuple(sorted((set(best.sites) - {s}) | {j}))
            if spec.moves is not None and len(set(sites) - existing) > max(spec.moves, moved_now):
                continue
            label = f"move {problem.columns[s]} -> {problem.columns[j]}"
            if (
                spec.budget is not None
                and problem.costs is not None
                and float(problem.costs[list(sites)].sum()) > spec.budget + 1e-9
            ):
                continue  # over the budget
            answer = measure(problem, sites, within, model, label)
            if model != "cover" or answer.covered >= (spec.coverage or 0.0) * (1 - 1e-12):
                tried.append(answer)  # a cover's neighbour still meets the coverage target
    sign = -1.0 if model in ("mclp", "mexclp") else 1.0
    tried.sort(key=lambda a: (sign * a.objective, a.mean_minutes, a.sites))
    return tried


def _shelter_neighbours(
    problem: SiteProblem, spec: OptimizationSpec, best: StaticAnswer
) -> list[StaticAnswer]:
    """Shelters: one open shelter swapped for a closed one; the swaps that keep the most people
    nearest an open shelter are measured with capacities (a few dozen small programmes)."""
    plain = replace(problem, capacity=None)
    quick = _neighbours(plain, spec.model_copy(update={"model": "p_median"}), best)
    return sorted(
        (measure(problem, a.sites, spec.within, spec.model, a.name) for a in quick[:24]),
        key=lambda a: (a.objective, a.mean_minutes, a.sites),
    )


def _by_area(problem: SiteProblem, spec: OptimizationSpec) -> list[StaticAnswer]:
    """Township depots: each area's own optimum (its depots among its candidates, within the
    moves), the areas with the most to gain moved first while moves are left; then the layouts
    with one area at its next-best answer."""
    model, within = spec.model, spec.within
    sign = -1.0 if model == "mclp" else 1.0
    at = dict(zip(problem.existing_ids, problem.existing, strict=True))
    plans = []  # per area: (gain, moves used, its current sites, its best sites, its next best)
    for ids, cols, rows in problem.areas:
        sub = SiteProblem(
            problem.kind,
            [problem.columns[j] for j in cols],
            [problem.rows[i] for i in rows],
            problem.weights[rows],
            problem.times[np.ix_(rows, cols)],
            len(ids),
            existing=tuple(cols.index(at[d]) for d in ids),
            keep=tuple(cols.index(at[d]) for d in ids if at[d] in problem.keep),
        )
        limit = spec.model_copy(update={"moves": None if spec.moves is None else min(spec.moves, len(ids))})
        now = measure(sub, sub.existing, within, model, "")
        best_local, _ = _solve(sub, limit, [])
        assert best_local is not None
        best = measure(sub, best_local, within, model, "")
        runner, _ = _solve(sub, limit, [tuple(best_local)])

        def to_cols(local: tuple[int, ...], cols: list[int] = cols) -> tuple[int, ...]:
            return tuple(sorted(cols[j] for j in local))

        gain = sign * (now.objective - best.objective)
        moved = len(set(best_local) - set(sub.existing))
        plans.append(
            (
                gain,
                moved,
                to_cols(sub.existing),
                to_cols(best_local),
                to_cols(runner) if runner is not None else None,
            )
        )
    budget = math.inf if spec.moves is None else spec.moves
    chosen = []
    for gain, moved, now_sites, best_sites, runner in sorted(plans, key=lambda t: (-t[0], t[2])):
        take = gain > 0 and moved <= budget
        if take:
            budget -= moved
        chosen.append((now_sites, best_sites if take else now_sites, runner))
    in_areas = {d for ids, _, _ in problem.areas for d in ids}
    stay = [at[d] for d in problem.existing_ids if d not in in_areas]  # areas with no shelter places
    layout = tuple(sorted([*stay, *(j for _, sites, _ in chosen for j in sites)]))
    answers = [measure(problem, layout, within, model, "static best")]
    swaps = []
    existing = set(problem.existing)
    for now_sites, sites, runner in chosen:
        other = runner if sites != now_sites else None
        if other is None:
            continue
        swapped = tuple(sorted((set(layout) - set(sites)) | set(other)))
        if spec.moves is not None and len(set(swapped) - existing) > spec.moves:
            continue  # the area's next best would move more depots than allowed
        gone, new = sorted(set(sites) - set(other)), sorted(set(other) - set(sites))
        label = (
            "move "
            + ", ".join(problem.columns[j] for j in gone)
            + " -> "
            + ", ".join(problem.columns[j] for j in new)
        )
        swaps.append(measure(problem, swapped, within, model, label))
    swaps.sort(key=lambda a: (sign * a.objective, a.mean_minutes, a.sites))
    return answers + swaps[: spec.selection.alternatives + spec.selection.neighbours]
