"""``sim optimize``: the static answers, simulated with common random numbers, and the choice.

1. The optimisation file's scenario (with its ``set``) gives the static problem
   (:mod:`sim.optimize.sites`) and its answers (:mod:`sim.optimize.static`): the current
   layout, the static optimum, the next best and the best single moves.
2. Each answer becomes a layout variant of an experiment (stations and depots moved by
   ``set``, landing points removed and added), run through the batch machinery into a results
   store (:func:`sim.experiments.batch.run_experiment`): every layout draws the same incidents
   and hazards in replication ``r``, and an interrupted run resumes from the store.
3. Procedure KN (:mod:`sim.optimize.selection`) runs as the batch's sequential rule: after
   ``n0`` replications, then every ``step`` more, the layouts it eliminates stop, until one is
   left, the rest are within the indifference zone, or ``max_replications`` is spent.

The result has the static optimum, the simulated best, their paired difference with its 95 %
CI, and the current layout against both.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from ..errors import Problem, SimError
from ..experiments.batch import run_experiment
from ..experiments.compare import compare, higher_is_better, kpi_matrix
from ..experiments.experiment import Experiment, load_experiment
from ..experiments.store import ResultsStore
from ..scenario.files import read_input_text, resolve_reference
from ..scenario.loader import Scenario
from .problem import OptimizationSpec
from .selection import KnResult, kim_nelson
from .sites import HOIST, SiteProblem, build_problem, demand_types
from .static import BEST_NAMES, StaticAnswer, static_answers

__all__ = [
    "OptimizeResult",
    "Prepared",
    "default_selection",
    "layout_changes",
    "optimize",
    "paired",
    "prepare",
]


@dataclass
class Prepared:
    """What the optimisation simulates: the base scenario, the static problem and answers, and
    the experiment whose variants are those answers (in the same order)."""

    spec: OptimizationSpec
    scenario: Scenario
    problem: SiteProblem
    answers: list[StaticAnswer]
    experiment: Experiment
    kpi: str
    delta: float


@dataclass
class OptimizeResult:
    prepared: Prepared
    selection: KnResult
    table: pd.DataFrame  # one row per layout: static and simulated figures
    chosen: int  # the index of the chosen layout (answers and variants)
    differences: pd.DataFrame  # paired differences against the chosen layout
    matrix: pd.DataFrame  # the KPI: a row per replication, a column per layout
    store: Path
    replications: int  # replications simulated in all

    @property
    def static_best(self) -> int:
        """The static optimum's index (it may be the current layout)."""
        return next(k for k, a in enumerate(self.prepared.answers) if a.name in BEST_NAMES)

    @property
    def current(self) -> int | None:
        names = ("current", BEST_NAMES[1])
        return next((k for k, a in enumerate(self.prepared.answers) if a.name in names), None)


def default_selection(spec: OptimizationSpec, problem_types: tuple[str, ...]) -> tuple[str, float]:
    """The KPI and indifference zone when the file gives none: the capability-matched mean
    response of the demand's incident type (all types when several), 0.25 min for stations and
    1 min for landing points; the share of first batches on time, 0.02, for depots."""
    sel = spec.selection
    if spec.place == "township_depots":
        return sel.kpi or "supplies.all.first_batch_on_time", sel.delta or 0.02
    if spec.place == "shelters":
        return sel.kpi or "evacuation.all.hours_to_clear", sel.delta or 0.25
    group = problem_types[0] if len(problem_types) == 1 else "all"
    delta = sel.delta or (1.0 if spec.place == "landing_points" else 0.25)
    return sel.kpi or f"response.{group}.capable_mean", delta


SNAP_KM = 2.0  # a candidate point farther than this from every place is refused


def _candidate_file(
    spec: OptimizationSpec, path: Path | None, scenario: Scenario, costs: dict[str, float] | None = None
) -> list[str]:
    """Place ids from the candidates file, relative to the optimisation file: a CSV with a
    ``node`` column, or the points of a CSV with ``lon`` and ``lat`` or of a GeoJSON layer,
    each taken to its nearest place (at most :data:`SNAP_KM` away). A ``cost`` column of a node
    CSV fills ``costs`` (a site's cost against the file's budget)."""
    costs = {} if costs is None else costs
    if spec.candidates.file is None:
        return []
    target = resolve_reference(spec.candidates.file, path)
    geojson = target.suffix.lower() in (".geojson", ".json")
    text = "" if geojson else read_input_text(target, "candidates file")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])] if not geojson else []
    if geojson or ("node" not in header and {"lon", "lat"} <= set(header)):
        return _snapped(target, scenario)
    if "node" not in header:
        raise SimError(
            f"{target}: candidates.file needs a 'node' column, or 'lon' and 'lat' (columns: "
            f"{', '.join(header) or 'none'})"
        )
    k = header.index("node")
    cost_at = header.index("cost") if "cost" in header else None
    nodes = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= k or not row[k].strip():
            raise SimError(
                f"{target}: line {line}: no node (the row has {len(row)} of {len(header)} columns)"
            )
        nodes.append(row[k].strip())
        if cost_at is not None:
            text = row[cost_at].strip() if len(row) > cost_at else ""
            try:
                cost = float(text)
            except ValueError:
                cost = math.nan
            if not math.isfinite(cost) or cost < 0:
                raise SimError(f"{target}: line {line}: cost {text!r} is not a number >= 0")
            costs[nodes[-1]] = cost
    return nodes


def _snapped(target: Path, scenario: Scenario) -> list[str]:
    from ..scenario.points import read_points
    from ..scenario.snapping import nearest_nodes

    read = read_points(target, str(target))
    if isinstance(read, Problem):
        raise SimError(str(read))
    lon, lat, _ = read
    nodes = scenario.spec.region.nodes
    node_lon = np.array([n.lon for n in nodes])
    node_lat = np.array([n.lat for n in nodes])
    index, km = nearest_nodes(lon, lat, node_lon, node_lat)
    far = np.flatnonzero(km > SNAP_KM)
    if len(far):
        k = int(far[0])
        raise SimError(
            f"{target}: candidate {k + 1} ({lon[k]:.5f}, {lat[k]:.5f}) is {km[k]:.1f} km from the "
            f"nearest place (at most {SNAP_KM:g} km): is it inside the region?"
        )
    return list(dict.fromkeys(nodes[int(i)].id for i in index))


def _experiment_raw(spec: OptimizationSpec, layouts: dict[str, dict], replications: int) -> dict[str, Any]:
    return {
        "name": spec.name,
        "scenario": spec.scenario,
        "replications": replications,
        "seed": spec.seed,
        "set": dict(spec.set),
        "layouts": layouts,
        **({"baseline": next(iter(layouts))} if len(layouts) > 1 else {}),
    }


def layout_changes(
    problem: SiteProblem, sites: tuple[int, ...], scenario: Scenario, raw_units: Sequence[Any] = ()
) -> dict[str, Any]:
    """The experiment layout that puts ``problem``'s things at ``sites``: moved stations and
    depots keep their ids (and units), matched to the new sites by least road minutes; landing
    points not kept are removed and new ones added as ``lp-<place>``."""
    cols = problem.columns
    existing = list(problem.existing)
    if problem.kind == "landing_points":
        keep = {problem.existing_ids[k] for k, j in enumerate(existing) if j in sites}
        new = [cols[j] for j in sites if j not in existing and cols[j] != HOIST]
        return {
            "remove": {"facilities": [i for i in problem.existing_ids if i not in keep]}
            if len(keep) < len(problem.existing_ids)
            else {},
            "add": {"facilities": [{"id": f"lp-{n}", "kind": "landing_point", "node": n} for n in new]}
            if new
            else {},
        }
    if problem.kind == "units":
        return _unit_counts(problem, sites, scenario, list(raw_units))
    if problem.kind == "shelters":  # the shelters at the places not chosen are not prepared
        closed = [i for j, ids in enumerate(problem.existing_ids) if j not in sites for i in ids.split(";")]
        return {"remove": {"shelters": closed}} if closed else {}
    section = "depots" if problem.kind == "township_depots" else "facilities"
    moves = _matched_moves(problem, existing, sites, scenario)
    return {"set": {f"{section}.{ident}.node": node for ident, node in moves}} if moves else {}


def _unit_counts(
    problem: SiteProblem, sites: tuple[int, ...], scenario: Scenario, raw_units: list[Any]
) -> dict[str, Any]:
    """Units: each group of the type takes its site's count (the first group at a site; any
    other there none), addressed by its place in the ``units`` list; a site with units and no
    group gets a copy of the first group (as written in the scenario), ``<type>-<base>``."""
    counts = {problem.columns[j]: sites.count(j) for j in set(sites)}
    facilities = {f.id: f for f in scenario.spec.facilities}
    mine = [
        (k, g)
        for k, g in enumerate(scenario.spec.units)
        if g.type == problem.unit_type and g.mutual_aid is None and g.mode == "road"
    ]
    changes: dict[str, Any] = {}
    placed: set[str] = set()
    for k, g in mine:
        node = facilities[g.base].node
        count = 0 if node in placed else counts.get(node, 0)
        placed.add(node)
        if count != g.count:
            changes[f"units.{k}.count"] = count
    first = mine[0][0]
    template = raw_units[first] if first < len(raw_units) and isinstance(raw_units[first], dict) else None
    add = []
    for node, count in sorted(counts.items()):
        if node not in placed and count:
            if template is None:
                raise SimError(
                    f"units: cannot copy the first {problem.unit_type} group to put units at {node}"
                )
            base = problem.existing_ids[problem.columns.index(node)]
            add.append({**template, "id": f"{problem.unit_type}-{base}", "base": base, "count": count})
    out: dict[str, Any] = {}
    if changes:
        out["set"] = changes
    if add:
        out["add"] = {"units": add}
    return out


def _matched_moves(
    problem: SiteProblem, existing: list[int], sites: tuple[int, ...], scenario: Scenario
) -> list[tuple[str, str]]:
    """(id, new node) of each existing site that closes, matched to the new sites (per area for
    depots) by the least total road minutes."""
    from ..engine.calls import travel_modes
    from ..model.units import ROAD

    rows = travel_modes(scenario)[ROAD].rows
    index = scenario.node_index
    cols = problem.columns
    groups: list[tuple[list[int], list[int]]] = []  # (existing positions, candidate columns) to match
    if problem.areas:
        position = dict(zip(problem.existing_ids, range(len(existing)), strict=True))
        groups = [([position[d] for d in ids], area_cols) for ids, area_cols, _ in problem.areas]
    else:
        groups = [(list(range(len(existing))), list(range(len(cols))))]
    out = []
    for positions, allowed in groups:
        closing = [k for k in positions if existing[k] not in sites]
        opening = [j for j in sites if j in allowed and j not in existing]
        if len(closing) != len(opening):
            raise SimError(f"internal: {len(closing)} sites close and {len(opening)} open")
        if not closing:
            continue
        cost = np.array([[rows[index[cols[existing[k]]]][index[cols[j]]] for j in opening] for k in closing])
        cost[~np.isfinite(cost)] = 1e9
        a, b = linear_sum_assignment(cost)
        out += [(problem.existing_ids[closing[i]], cols[opening[j]]) for i, j in zip(a, b, strict=True)]
    return sorted(out)


def base_scenario(spec: OptimizationSpec, path: Path | None) -> Experiment:
    """The optimisation's scenario (with its ``set``) as a one-layout experiment: its only
    variant is the current layout. Problems name the optimisation file's ``scenario`` field."""
    folder = path.parent if path is not None else Path.cwd()
    return load_experiment(_experiment_raw(spec, {"current": {}}, spec.selection.n0), base_dir=folder)


def prepare(spec: OptimizationSpec, path: Path | None) -> Prepared:
    """The base scenario, the static problem and answers, and the experiment of the layouts."""
    folder = path.parent if path is not None else Path.cwd()
    base = base_scenario(spec, path)
    scenario = base.variants[0].scenario
    costs: dict[str, float] = {}
    problem = build_problem(scenario, spec, _candidate_file(spec, path, scenario, costs), costs)
    answers = static_answers(problem, spec)
    raw_units = (base.variants[0].raw or {}).get("units", [])
    layouts = {a.name: layout_changes(problem, a.sites, scenario, raw_units) for a in answers}
    experiment = load_experiment(_experiment_raw(spec, layouts, spec.selection.n0), base_dir=folder)
    kpi, delta = default_selection(spec, demand_types(scenario, spec))
    _check_kpi(kpi, scenario)
    return Prepared(spec, scenario, problem, answers, experiment, kpi, delta)


def _check_kpi(kpi: str, scenario: Scenario) -> None:
    """A KPI the layouts' runs will have (before anything is simulated): its section, and for
    the response and units sections its group and metric."""
    from ..results.kpi_rows import kpi_sections
    from ..results.kpis import INCIDENT_METRICS

    section, group, metric = kpi.split(".")
    spec = scenario.spec
    sections = [name for name, _ in kpi_sections(spec)]
    known: dict[str, tuple[list[str], tuple[str, ...]]] = {
        "response": (["all", *spec.incident_types], INCIDENT_METRICS),
        "units": (
            list(dict.fromkeys(g.type for g in spec.units)),
            ("arrival_mean", "assignments", "busy_fraction"),
        ),
    }
    problem = None
    if section not in sections:
        problem = f"no section {section!r} in this scenario's KPIs (sections: {', '.join(sections)})"
    elif section in known and group not in known[section][0]:
        problem = f"no group {group!r} in {section} (groups: {', '.join(known[section][0])})"
    elif section in known and metric not in known[section][1]:
        problem = f"no metric {metric!r} in {section} (metrics: {', '.join(known[section][1])})"
    if problem:
        raise SimError(f"selection.kpi {kpi!r}: {problem}")


def _prefixes(store: ResultsStore, variants: int) -> list[int]:
    """Per layout, how many replications from 0 on are stored without a gap (tasks of a parallel
    batch finish out of order: a resumed run must not take a missing replication for a year
    without a value)."""
    have: list[set[int]] = [set() for _ in range(variants)]
    for v, first, count in store.tasks()[["variant", "first", "count"]].itertuples(index=False):
        have[int(v)].update(range(int(first), int(first) + int(count)))
    out = []
    for reps in have:
        n = 0
        while n in reps:
            n += 1
        out.append(n)
    return out


def _selection(prepared: Prepared, store: ResultsStore) -> KnResult:
    """Procedure KN on what the store holds."""
    spec = prepared.spec.selection
    kpis = store.kpis()
    names = [v.name for v in prepared.experiment.variants]
    simulated = _prefixes(store, len(names))
    width = max(simulated) if simulated else 0
    if width == 0:
        values = np.full((len(names), 0), math.nan)
    else:
        matrix = kpi_matrix(kpis, prepared.kpi).reindex(index=range(width), columns=names)
        values = matrix.to_numpy(dtype=float).T
    return kim_nelson(
        values,
        simulated,
        n0=spec.n0,
        delta=prepared.delta,
        pcs=spec.pcs,
        minimize=not higher_is_better(prepared.kpi),
        max_replications=spec.max_replications,
        step=spec.step,
    )


def optimize(
    prepared: Prepared,
    store_path: Path,
    *,
    jobs: int = 1,
    backend: str = "processes",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    say: Callable[[str], None] | None = None,
) -> OptimizeResult:
    """Simulate the layouts with procedure KN as the batch's sequential rule (see the module notes)."""
    last: dict[str, KnResult] = {}

    def rule(store: ResultsStore, target: dict[int, int]) -> dict[int, int]:
        result = _selection(prepared, store)
        last["kn"] = result
        if say is not None:
            left = ", ".join(prepared.answers[i].name for i in result.survivors)
            say(
                f"KN after {result.replications} replications: {len(result.survivors)} left ({left})"
                + (": settled" if result.settled else "")
            )
        if result.settled or result.budget_spent:
            return target
        return {v: (result.wanted if v in result.survivors else n) for v, n in target.items()}

    store = run_experiment(
        prepared.experiment,
        store_path,
        jobs=jobs,
        backend=backend,
        scheduler=scheduler,
        resume=resume,
        progress=progress,
        more=rule,
    )
    try:
        selection = _selection(prepared, store)
        kpis = store.kpis()
        done = int(store.tasks()["count"].sum())  # every replication simulated, in all layouts
    finally:
        store.close()
    names = [v.name for v in prepared.experiment.variants]
    chosen = selection.best
    differences = compare(kpis, prepared.kpi, baseline=names[chosen])
    table = _table(prepared, selection, kpis)
    matrix = kpi_matrix(kpis, prepared.kpi).reindex(columns=names)
    return OptimizeResult(prepared, selection, table, chosen, differences, matrix, store_path, done)


def paired(result: OptimizeResult, a: int, b: int) -> tuple[float, float, int]:
    """Layout ``a`` minus layout ``b`` on the KPI over the replications both have: the mean
    difference, its 95 % CI half-width and the replications."""
    from ..results.stats import estimate

    names = list(result.matrix.columns)
    x = result.matrix[names[a]].to_numpy(dtype=float)
    y = result.matrix[names[b]].to_numpy(dtype=float)
    both = np.isfinite(x) & np.isfinite(y)
    est = estimate(x[both] - y[both])
    return est.mean, est.half_width, est.n


def _table(prepared: Prepared, selection: KnResult, kpis: pd.DataFrame) -> pd.DataFrame:
    from ..experiments.compare import summary

    sims = {str(r["variant"]): r for r in summary(kpis, prepared.kpi).to_dict("records")}
    problem = prepared.problem
    rows = []
    for k, answer in enumerate(prepared.answers):
        sim = sims.get(prepared.experiment.variants[k].name)  # "base" when it is the only layout
        rows.append(
            {
                "layout": answer.name,
                "sites": " ".join(problem.columns[j] for j in answer.sites),
                "static_objective": answer.objective,
                "static_mean_minutes": answer.mean_minutes,
                "static_within": answer.covered,
                "static_worst_minutes": answer.worst_minutes,
                "replications": int(sim["n"]) if sim is not None else 0,
                "kpi": prepared.kpi,
                "mean": float(sim["mean"]) if sim is not None else math.nan,
                "half_width": float(sim["half_width"]) if sim is not None else math.nan,
                "eliminated_after": selection.eliminated.get(k),
                "chosen": k == selection.best,
            }
        )
    return pd.DataFrame(rows)
