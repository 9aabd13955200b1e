"""Batches: the same results serially, on 2 processes and on a Dask LocalCluster; a batch killed
with SIGKILL and resumed equals one never interrupted; common random numbers shrink the variance
of paired differences; bad stores and experiments give clear errors; sequential stopping."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_yaml

import sim
from sim.cli import main
from sim.errors import ScenarioError, SimError
from sim.experiments.batch import plan_tasks
from sim.experiments.compare import compare
from sim.experiments.store import ResultsStore, StoreError

TINY_ENGINES = {
    "name": "Tiny engines",
    "scenario": "tiny",
    "replications": 8,
    "seed": 3,
    "set": {"run.horizon": "60 d"},
    "grid": {"units.engine.count": [1, 2]},
}


def experiment(**changes) -> dict:
    return {**TINY_ENGINES, **changes}


def kpi_table(result: sim.BatchResult) -> pd.DataFrame:
    return result.kpis[["variant", "replication", "section", "group", "metric", "value"]]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return sim.run_batch(experiment(), tmp_path_factory.mktemp("serial") / "r.sqlite")


def test_serial_results_cover_every_variant_and_replication(serial):
    names = list(serial.variants["name"])
    assert names == ["units.engine.count=1", "units.engine.count=2"]
    assert list(serial.variants["replications"]) == [8, 8]
    matrix = serial.matrix("response.all.response_mean")
    assert matrix.shape == (8, 2) and np.isfinite(matrix.to_numpy()).all()


def test_two_processes_give_bit_identical_results(serial, tmp_path):
    parallel = sim.run_batch(experiment(), tmp_path / "p.sqlite", jobs=2, chunk=3)
    pd.testing.assert_frame_equal(kpi_table(serial), kpi_table(parallel), check_exact=True)
    tasks = parallel.store.tasks()
    assert len(tasks) == 6 and set(tasks["count"]) == {3, 2}   # other task sizes, same numbers


def test_a_dask_local_cluster_gives_bit_identical_results(serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        on_dask = sim.run_batch(experiment(), tmp_path / "d.sqlite", backend="dask",
                                scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(kpi_table(serial), kpi_table(on_dask), check_exact=True)


def test_a_batch_killed_with_sigkill_resumes_to_the_same_results(tmp_path):
    """A real ``sim batch`` process is killed (SIGKILL) once some tasks are stored; resuming
    finishes the rest, and the store then equals an uninterrupted run's."""
    spec = experiment(replications=24, set={"run.horizon": "120 d"})
    path = write_yaml(tmp_path / "exp.yaml", spec)
    store = tmp_path / "killed.sqlite"
    command = [sys.executable, "-m", "sim", "batch", str(path), "--store", str(store), "--out",
               str(tmp_path / "out"), "--chunk", "2", "--quiet"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        stored = _tasks_stored(store)
        if stored >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be killed: " + proc.stderr.read().decode()
    workers = _children(proc.pid)
    assert workers or not Path("/proc/self/stat").exists(), "the batch runs its tasks on worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _tasks_stored(store)
    assert 3 <= partial < 24
    # the workers die with the batch, not left running on their own
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]
    # every stored task is already in the .sqlite file itself (the -wal file may not be copied)
    alone = tmp_path / "alone.sqlite"
    alone.write_bytes(store.read_bytes())
    assert _tasks_stored(alone) >= partial - 1
    resumed = sim.run_batch(path, store, resume=True)
    whole = sim.run_batch(path, tmp_path / "whole.sqlite")
    pd.testing.assert_frame_equal(kpi_table(resumed), kpi_table(whole), check_exact=True)
    tasks = resumed.store.tasks()
    assert tasks.groupby("variant")["count"].sum().tolist() == [24, 24]   # nothing twice, nothing lost


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")   # a zombie has ended; it only waits to be reaped


def _tasks_stored(path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
    except sqlite3.DatabaseError:
        return 0


def test_resume_runs_only_the_missing_replications(tmp_path):
    store = tmp_path / "r.sqlite"
    sim.run_batch(experiment(replications=4), store)
    with pytest.raises(SimError, match="already exists: pass --resume"):
        sim.run_batch(experiment(replications=4), store)
    # the same experiment asked again finds nothing to do
    again = sim.run_batch(experiment(replications=4), store, resume=True)
    assert again.store.tasks()["count"].sum() == 8


def test_common_random_numbers_shrink_the_variance_of_paired_differences(tmp_path):
    """Two engine counts on the same seeds versus on independent seeds (another root seed for the
    second variant): the paired difference varies far less with common random numbers."""
    crn = sim.run_batch(experiment(replications=30), tmp_path / "crn.sqlite")
    one = crn.matrix("response.all.response_mean")
    other = sim.run_batch(experiment(replications=30, seed=99), tmp_path / "other.sqlite")
    independent = other.matrix("response.all.response_mean")
    paired = (one["units.engine.count=2"] - one["units.engine.count=1"]).var()
    unpaired = (independent["units.engine.count=2"] - one["units.engine.count=1"]).var()
    assert paired < 0.5 * unpaired
    row = crn.compare("response.all.response_mean").set_index("variant").loc["units.engine.count=2"]
    assert row["variance_reduction"] > 0.5


def test_compare_ranks_and_marks_significant_differences():
    rows = []
    rng = np.random.default_rng(1)
    for rep in range(20):
        common = rng.normal(10, 2)
        for v, (name, shift) in enumerate([("base", 0.0), ("faster", -1.0), ("same", 0.0)]):
            noise = rng.normal(0, 0.1)
            rows.append({"variant": v, "variant_name": name, "replication": rep, "section": "response",
                         "group": "all", "metric": "response_mean", "value": common + shift + noise})
    table = compare(pd.DataFrame(rows), "response.all.response_mean", "base").set_index("variant")
    assert table.loc["faster", "rank"] == 1 and bool(table.loc["faster", "significant"])
    assert not table.loc["same", "significant"] and table.loc["base", "baseline"]
    assert table.loc["faster", "difference"] == pytest.approx(-1.0, abs=0.1)
    assert table.loc["faster", "variance_reduction"] > 0.9


def test_sequential_stopping_adds_replications_until_the_ci_is_narrow(tmp_path):
    stop = {"kpi": "response.all.response_mean", "half_width": 0.6, "step": 4, "max_replications": 40}
    result = sim.run_batch(experiment(replications=4, stop=stop), tmp_path / "s.sqlite")
    summary = result.summary("response.all.response_mean").set_index("variant")
    for name, row in summary.iterrows():
        assert row["half_width"] <= 0.6 or row["n"] == 40, name
        assert row["n"] > 4 and row["n"] % 4 == 0


def test_a_changed_scenario_is_not_mixed_into_a_store(tmp_path):
    store = tmp_path / "r.sqlite"
    sim.run_batch(experiment(replications=2), store)
    changed = experiment(replications=2, set={"run.horizon": "61 d"})
    with pytest.raises(StoreError, match="another experiment or scenario version"):
        sim.run_batch(changed, store, resume=True)


def test_another_code_version_is_refused(tmp_path):
    store = tmp_path / "r.sqlite"
    result = sim.run_batch(experiment(replications=2), store)
    digest = result.store.meta()["experiment_digest"]
    with pytest.raises(StoreError, match="another code version"):
        result.store.check_matches(digest, code="0.0.0+other")


@pytest.mark.parametrize("content,message", [
    (b"this is not a database at all, just text" * 100, "not a results store"),
    (b"", "an empty file"),
])
def test_corrupt_files_give_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.sqlite"
    path.write_bytes(content)
    with pytest.raises(SimError, match=message):
        sim.open_batch(path)


def test_a_foreign_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "foreign.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    with pytest.raises(StoreError, match="not a sim results store .*customers"):
        sim.open_batch(path)
    with pytest.raises(StoreError, match="not a sim results store"):
        sim.run_batch(experiment(replications=1), path, resume=True)


def test_a_damaged_store_is_reported(tmp_path):
    path = tmp_path / "r.sqlite"
    sim.run_batch(experiment(replications=2), path).store.close()
    data = bytearray(path.read_bytes())
    data[100:4000] = b"\x00" * 3900   # overwrite the schema pages
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError):
        ResultsStore(path)


def test_tasks_are_runs_of_consecutive_replications():
    tasks = plan_tasks({0: [0, 1, 2, 5, 6], 1: [3]}, workers=1, chunk=2)
    assert [(t.variant, t.first, t.count) for t in tasks] == [(0, 0, 2), (0, 2, 1), (0, 5, 2), (1, 3, 1)]


def test_layouts_add_remove_and_set(tmp_path):
    spec = experiment(grid={}, layouts={
        "base": None,
        "more": {"add": {
            "facilities": [{"id": "fs-east", "kind": "fire_station", "node": "east"}],
            "units": [{"type": "engine", "capabilities": ["fire"], "base": "fs-east", "count": 1}]}},
        "moved": {"set": {"units.engine.count": 1}},
    })
    loaded = sim.load_experiment(spec)
    names = [v.name for v in loaded.variants]
    assert names == ["base", "more", "moved"]
    more = loaded.variants[1].scenario.spec
    assert any(f.id == "fs-east" for f in more.facilities)
    base_units = sum(u.count for u in loaded.variants[0].scenario.spec.units)
    assert sum(u.count for u in more.units) == base_units + 1


@pytest.mark.parametrize("change,message", [
    ({"layouts": {"gone": {"remove": {"facilities": ["nowhere"]}}}}, "no facilities item with id 'nowhere'"),
    ({"layouts": {"bad": {"add": {"stations": []}}}}, "unknown section 'stations'"),
    ({"grid": {"units.engine.count": [0]}}, "variant 'base'"),
    ({"baseline": "nope"}, "no variant named 'nope'"),
    ({"replications": 0}, "replications"),
    ({"scenario": "no-such-scenario"}, "no built-in scenario or scenario file .no-such-scenario."),
])
def test_bad_experiments_are_named(change, message):
    with pytest.raises(ScenarioError, match=message):
        sim.load_experiment(experiment(**change))


def test_cli_batch_compare_and_export(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path = write_yaml(tmp_path / "exp.yaml", experiment(replications=3))
    assert main(["batch", str(path), "--jobs", "2", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "response.all.response_mean by variant" in printed and "units.engine.count=2" in printed
    out = tmp_path / "out" / "exp"
    assert {"results.sqlite", "kpis.csv", "layouts.png", "response_cdfs.png",
            "compare_response_all_response_mean.csv", "variant_facilities.geojson",
            "variant_response.geojson", "nodes.csv"} <= {p.name for p in out.iterdir()}
    assert {"id", "lon", "lat"} <= set(pd.read_csv(out / "nodes.csv").columns)
    layer = json.loads((out / "variant_facilities.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["variant"] for f in layer["features"]} == {"units.engine.count=1",
                                                                        "units.engine.count=2"}
    changed = [f["properties"] for f in layer["features"] if f["properties"]["changed"]]
    assert changed and all(p["variant"] == "units.engine.count=2" for p in changed)
    assert main(["compare", str(out / "results.sqlite"), "--kpi", "response.all.within_target"]) == 0
    assert "higher is better" in capsys.readouterr().out
    assert main(["compare", str(out / "results.sqlite"), "--kpi", "response.all.nonsense"]) == 2
    assert "no KPI 'response.all.nonsense'" in capsys.readouterr().err
    store = str(out / "results.sqlite")
    assert main(["export", store, "--format", "parquet", "--out", str(tmp_path / "pq")]) == 0
    exported = pd.read_parquet(tmp_path / "pq" / "kpis.parquet")
    assert len(exported) == len(pd.read_csv(out / "kpis.csv"))


def test_cli_sweep(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "tiny", "--vary", "units.engine.count=[1, 3]", "-r", "2", "--set",
                 "run.horizon=30 d", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "units.engine.count=3" in printed
    assert (tmp_path / "out" / "tiny-sweep" / "results.sqlite").is_file()
    assert main(["sweep", "tiny", "--vary", "units.engine.count=2", "-r", "2"]) == 2


def test_hazard_sets_replace_the_scenario_hazards():
    storm = {"kind": "typhoon", "id": "storm", "at": "20 d", "duration": "24 h",
             "intensity": {"default": 0.5}}
    loaded = sim.load_experiment(experiment(grid={}, hazard_sets={"scenario": None, "storm": [storm]}))
    assert [v.name for v in loaded.variants] == ["hazards=scenario", "hazards=storm"]
    kept, stormy = (v.scenario.spec for v in loaded.variants)
    assert kept.hazards == [] and [h.id for h in stormy.hazards] == ["storm"]


def test_full_records_are_stored_when_asked(tmp_path):
    result = sim.run_batch(experiment(replications=2), tmp_path / "r.sqlite", records=True)
    stored = result.store.record_table(1, 1, "incidents")
    scenario = sim.load_experiment(experiment(replications=2)).variants[1].scenario
    direct = sim.simulate(scenario, 1, 3).incident_frame()
    assert stored["occurrence"].tolist() == direct["occurrence"].tolist()
    assert stored["first_arrival"].tolist() == pytest.approx(direct["first_arrival"].tolist(), nan_ok=True)
    plain = sim.run_batch(experiment(replications=1), tmp_path / "plain.sqlite")
    with pytest.raises(StoreError, match="run the batch with --records"):
        plain.store.record_table(0, 0, "incidents")
