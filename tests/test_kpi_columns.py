"""The KPI pass from each replication's columns against the pandas computation it replaced
(``pandas_kpis.py``, kept as it was): the same tables, rows, columns, order, types and float
bits, on every built-in scenario, drill and experiment variant, at several replications (not
only from replication 0), with replications that have no incidents at all and variants without
incidents of a type.

Intended differences: the capability-matched and full-complement response metrics, which the
pandas computation never had (left out of the comparison), and two of column types only
(tested on their own in ``test_record_frames.py``):

* the record tables of several replications (``RunResult.incidents``, ``.assignments``,
  ``.table(name)``): where some replication had no rows, joining its empty table turned whole
  numbers into floats (``priority``, a hazard's ``incidents``) and truth values and strings into
  objects; now they keep the types of the replications with rows. The comparison expects those
  ints, bools and strings where the old tables had floats and objects, with the same values;
* a KPI table without any rows: the old computation left its column types to pandas (a node
  column of floats, first batches of objects), the new one gives each column its type; such
  empty tables are compared by their columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from pandas_kpis import reference_kpis

import sim
from sim.drills.base_scenario import drill_scenario
from sim.drills.spec import load_drill_spec, resolve_templates
from sim.engine.runner import simulate
from sim.results.hazard_kpis import fire_kpis, hazard_kpis, mode_kpis, years_of
from sim.results.kpi_groups import per_replication
from sim.results.kpi_rows import kpi_rows, node_response, response_histograms, task_kpis
from sim.results.outcome import RunResult
from sim.results.people_kpis import (
    evacuation_hazards,
    evacuation_kpis,
    evacuation_metrics,
    first_batches,
    supply_kpis,
)
from sim.scenario.loader import Scenario, load_scenario

SEED = 11
DRILLS = sorted(p.stem for p in (REPO / "scenarios" / "drills").glob("*.yaml"))


def _drill(name: str) -> Scenario:
    spec, base = load_drill_spec(REPO / "scenarios" / "drills" / f"{name}.yaml")
    hazards, _ = resolve_templates(spec, spec.seed)
    return drill_scenario(spec, base, hazards)


def _variant(index: int) -> Scenario:
    experiment = sim.load_experiment(REPO / "scenarios" / "experiments" / "pinghu-stations.yaml")
    return experiment.variants[index].scenario


CASES = {   # name: (scenario, first replication, replications)
    "tiny": (lambda: load_scenario("tiny"), 0, 4),
    "tiny-no-building-fires": (lambda: load_scenario("tiny", ["generators.building_fire.rate=0 / y"]), 2, 3),
    "tiny-some-empty": (lambda: load_scenario("tiny", ["run.horizon=1 d", "run.warmup=0 d"]), 0, 6),
    "tiny-all-empty": (lambda: load_scenario("tiny", ["run.horizon=2 h", "run.warmup=0 d"]), 0, 3),
    "tiny-all-in-warmup": (lambda: load_scenario("tiny", ["run.horizon=8 d"]), 0, 2),
    "pinghu": (lambda: load_scenario("pinghu"), 3, 3),
    "pinghu-no-accidents": (lambda: load_scenario("pinghu", ["generators.accident.rate=0 / y"]), 0, 2),
    "pinghu-short": (lambda: load_scenario("pinghu", ["run.horizon=2 d", "run.warmup=0 d"]), 0, 4),
    "fenghua": (lambda: load_scenario("fenghua"), 1, 2),
    "fenghua-short": (lambda: load_scenario("fenghua", ["run.horizon=3 d", "run.warmup=0 d"]), 0, 4),
    "qinhuangdao": (lambda: load_scenario("qinhuangdao"), 0, 3),
    **{f"drill-{name}": (lambda name=name: _drill(name), 0, 3) for name in DRILLS},
    **{f"pinghu-stations-{i}": (lambda i=i: _variant(i), 5, 2) for i in range(5)},
}


# response metrics added after the pandas computation was retired: compared on their own
# (tests/test_capable_response.py); here the tables are compared without them
LATER_METRICS = ("capable_mean", "capable_p90", "capable_within_target",
                 "complement_mean", "complement_p90", "complement_within_target")


def without_later_metrics(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without the metrics the pandas computation never had (as columns of a KPI
    table, or as rows of the long KPI table), in the order it had."""
    if "metric" in table.columns:
        return table[~table["metric"].isin(LATER_METRICS)].reset_index(drop=True)
    return table.drop(columns=[c for c in LATER_METRICS if c in table.columns])


def assert_identical(new: pd.DataFrame, old: pd.DataFrame) -> None:
    """Rows, columns, order and types; floats to the bit (any NaN matches any NaN); metrics
    added later are left out of ``new``."""
    new = without_later_metrics(new)
    if not len(old):
        assert list(new.columns) == list(old.columns) and not len(new)
        return
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    for column in new.columns:
        if new[column].dtype == np.float64:
            a, b = new[column].to_numpy(), old[column].to_numpy()
            same = (a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))
            assert same.all(), f"{column}: {a[~same]} != {b[~same]}"


def new_tables(scenario: Scenario, records: list) -> dict[str, object]:
    """The tables of :func:`pandas_kpis.reference_kpis`, from the column pass."""
    spec, run = scenario.spec, scenario.spec.run
    result = RunResult(scenario, SEED, records)
    task = task_kpis(scenario, records)
    out: dict[str, object] = {"kpi_rows": task.kpis.frame(), "histograms": task.histograms,
                              "node_response": task.nodes.frame(), "incidents": result.kpis,
                              "units": result.units, "modes": mode_kpis(records, run.warmup)}
    if spec.hazards:
        out["hazards"] = hazard_kpis(records, result.hazard_kinds)
        if any(h.kind == "forest_fire" for h in spec.hazards):
            forest = sum(n.forest_ha for n in spec.region.nodes)
            out["fires"] = fire_kpis(records, forest, years_of(run.horizon, run.warmup), run.warmup)
    if result.has_evacuation:
        hazards = evacuation_hazards(spec)
        out["evacuation"] = per_replication({r.replication: evacuation_metrics(r, hazards) for r in records},
                                            "hazard")
    if result.has_supplies:
        out["first_batches"] = result.first_batches
        per_rep = [r.replication for r in records]
        out["supplies"] = supply_kpis(result.table("supply_requests"), result.first_batches, per_rep,
                                      result.table("shelter_needs"))
    return out


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    make, first, count = CASES[request.param]
    scenario = make()
    records = [simulate(scenario, rep, SEED) for rep in range(first, first + count)]
    return scenario, records, reference_kpis(scenario, records)


def test_every_table_is_the_one_pandas_computed(case):
    scenario, records, old = case
    new = new_tables(scenario, records)
    assert set(new) == set(old)
    for name, table in old.items():
        if name == "histograms":
            assert list(new[name]) == list(table)
            for rep, counts in table.items():
                assert new[name][rep].dtype == counts.dtype and (new[name][rep] == counts).all()
        else:
            assert_identical(new[name], table)


def test_the_run_result_and_dataframe_entry_points_give_the_same_tables(case):
    scenario, records, old = case
    result = RunResult(scenario, SEED, records)
    assert_identical(kpi_rows(result), old["kpi_rows"])
    assert_identical(node_response(result), old["node_response"])
    assert {rep: counts.tolist() for rep, counts in response_histograms(result).items()} == \
        {rep: counts.tolist() for rep, counts in old["histograms"].items()}
    reps = [r.replication for r in records]
    if result.has_evacuation:
        frames = [result.table(name) for name in ("evacuation_nodes", "evacuation", "shelter_occupancy")]
        per_rep = evacuation_kpis(*frames, reps, evacuation_hazards(scenario.spec))
        assert_identical(per_rep, old["evacuation"])
    if result.has_supplies:
        requests, shipments = result.table("supply_requests"), result.table("shipments")
        assert_identical(first_batches(requests, shipments, scenario.spec.supply), old["first_batches"])


def test_the_cases_include_empty_replications_and_missing_types():
    def reps_without_incidents(name):
        make, first, count = CASES[name]
        scenario = make()
        runs = [simulate(scenario, r, SEED) for r in range(first, first + count)]
        return sum(not len(run.incidents["incident"]) for run in runs)

    assert 0 < reps_without_incidents("tiny-some-empty") < 6
    assert reps_without_incidents("tiny-all-empty") == 3
    scenario = CASES["tiny-no-building-fires"][0]()
    assert "building_fire" not in simulate(scenario, 2, SEED).incidents["type"]


def _record_tables(result: RunResult) -> dict[str, tuple[pd.DataFrame, list[pd.DataFrame]]]:
    """Each record table of ``result``, with the frames of its replications."""
    records = result.records
    out = {"incidents": (result.incidents, [r.incident_frame() for r in records]),
           "assignments": (result.assignments, [r.assignment_frame() for r in records])}
    for name in records[0].tables:
        out[name] = (result.table(name), [r.table_frame(name) for r in records])
    return out


def test_record_tables_differ_from_the_old_join_only_in_types_that_empty_replications_changed(case):
    scenario, records, _ = case
    for name, (new, frames) in _record_tables(RunResult(scenario, SEED, records)).items():
        old = pd.concat(frames, ignore_index=True)   # how the tables were joined before
        if not len(old):
            assert list(new.columns) == list(old.columns) and not len(new), name
            continue
        changed = {c: new[c].dtype for c in old.columns if new[c].dtype != old[c].dtype}
        assert not changed or any(not len(f) for f in frames), name
        for column, kind in changed.items():
            assert (str(old[column].dtype), str(kind)) in {("float64", "int64"), ("object", "bool"),
                                                           ("object", "str")}, (name, column)
        assert_identical(new, old.astype(changed))


def test_a_batch_stores_the_kpis_pandas_computed(tmp_path):
    raw = {"name": "Pinghu layouts", "scenario": "pinghu", "replications": 3, "seed": SEED,
           "set": {"run.horizon": "60 d", "run.warmup": "0 d"}, "grid": {"units.engine-danghu.count": [1, 3]}}
    batch = sim.run_batch(raw, tmp_path / "b.sqlite", chunk=2)
    stored = batch.store.kpis()
    for variant in sim.load_experiment(raw).variants:
        records = [simulate(variant.scenario, rep, SEED) for rep in range(3)]
        old = reference_kpis(variant.scenario, records)["kpi_rows"]
        mine = stored[stored["variant"] == variant.index].drop(columns=["variant", "variant_name"])
        assert_identical(mine.reset_index(drop=True), old)
