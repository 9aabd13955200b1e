"""Column types of the tables of several replications do not depend on which replications are
empty: whole numbers stay integers, truth values bools and texts strings (pandas alone, joining
an empty replication's table, turned them into floats and objects), and the KPI tables have
the same types with or without rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine.runner import simulate
from sim.results.frames import joined
from sim.results.kpi_rows import kpi_rows, node_response, task_kpis
from sim.results.outcome import RunResult
from sim.results.records import ReplicationRecords
from sim.scenario.loader import load_scenario

SEED = 11


def run(*overrides: str, replications: int = 6) -> RunResult:
    scenario = load_scenario("tiny", list(overrides))
    return RunResult(scenario, SEED, [simulate(scenario, r, SEED) for r in range(replications)])


@pytest.fixture(scope="module")
def some_empty() -> RunResult:
    result = run("run.horizon=1 d", "run.warmup=0 d")
    sizes = [len(r.incidents["incident"]) for r in result.records]
    assert 0 in sizes and max(sizes) > 0
    return result


@pytest.fixture(scope="module")
def all_empty() -> RunResult:
    result = run("run.horizon=2 h", "run.warmup=0 d", replications=3)
    assert not len(result.incidents)
    return result


@pytest.fixture(scope="module")
def full() -> RunResult:
    return run("run.horizon=30 d", "run.warmup=0 d", replications=3)


def types(frame: pd.DataFrame) -> dict[str, str]:
    return {str(name): str(kind) for name, kind in frame.dtypes.items()}


def test_empty_replications_leave_record_columns_their_types(some_empty):
    incidents, assignments = some_empty.incidents, some_empty.assignments
    assert incidents["priority"].dtype == np.int64 and incidents["units_sent"].dtype == np.int64
    assert incidents["waited"].dtype == bool and incidents["cut_off"].dtype == bool
    assert all(incidents[c].dtype == "str" for c in ("type", "node", "status", "first_mode"))
    assert assignments["unit"].dtype == "str" and assignments["mutual_aid"].dtype == bool
    one = next(r for r in some_empty.records if len(r.incidents["incident"]))
    assert types(incidents) == types(one.incident_frame())
    assert types(assignments) == types(one.assignment_frame())
    assert incidents["replication"].tolist() == sorted(incidents["replication"].tolist())


def _records(replication: int, hazards: dict[str, list]) -> ReplicationRecords:
    return ReplicationRecords(replication, 1, 60.0, 0.0, 60.0, 0, tables={"hazards": hazards})


def test_a_replication_without_hazard_events_keeps_the_counts_integers():
    some = {"event": ["typhoon#1"], "incidents": [3], "roads_cut": [2], "forecast": [True],
            "people_affected": [1200.5]}
    none = {name: [] for name in some}
    records = [_records(0, none), _records(1, some), _records(2, none)]
    table = RunResult(None, 1, records).table("hazards")   # type: ignore[arg-type]  # no scenario needed
    assert types(table) == {"replication": "int64", "event": "str", "incidents": "int64",
                            "roads_cut": "int64", "forecast": "bool", "people_affected": "float64"}
    assert table.to_dict("list") == {"replication": [1], **some}


def test_a_table_without_rows_has_its_columns(all_empty):
    for frame in (all_empty.incidents, all_empty.assignments):
        assert not len(frame) and frame.columns[0] == "replication"
    assert list(all_empty.incidents.columns[1:]) == list(all_empty.records[0].incidents)
    assert all_empty.incidents["incident"].dtype == np.int64
    assert all_empty.incidents["units_sent"].dtype == np.int64


def test_joined_frames_keep_the_order_and_renumber():
    a = pd.DataFrame({"replication": [0, 0], "n": [1, 2]})
    empty = pd.DataFrame({"replication": pd.Series([], dtype=np.int64), "n": pd.Series([], dtype=object)})
    b = pd.DataFrame({"replication": [2], "n": [3]})
    frame = joined([empty, a, empty, b])
    assert frame.to_dict("list") == {"replication": [0, 0, 2], "n": [1, 2, 3]}
    assert frame["n"].dtype == np.int64 and list(frame.index) == [0, 1, 2]
    assert joined([empty, empty]).dtypes.to_dict() == empty.dtypes.to_dict()


@pytest.mark.parametrize("name", ["some_empty", "all_empty"])
def test_kpi_tables_have_the_same_types_with_and_without_rows(name, full, request):
    other = request.getfixturevalue(name)
    for table in (kpi_rows, node_response):
        assert types(table(other)) == types(table(full))
    for table in ("kpis", "units"):
        assert types(getattr(other, table)) == types(getattr(full, table))
    assert types(node_response(other)) == {"replication": "int64", "node": "str", "incidents": "int64",
                                           "response_sum": "float64"}
    counts = task_kpis(other.scenario, other.records).histograms
    assert all(c.dtype == np.int64 and len(c) == 360 for c in counts.values())
