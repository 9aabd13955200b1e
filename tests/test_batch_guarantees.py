"""What a batch promises, on a scenario with hazards and evacuation (Pinghu) and on clusters:

* the KPI table does not depend on the task size or the backend (every replication has the
  same KPI rows, whichever replications share its task);
* ``sim compare`` on an unfinished store says what is missing and refuses (or warns);
* the ``.sqlite`` file alone holds the store once a batch ends;
* tasks are sized from a Dask cluster's workers; a worker with other code, or without ``sim``,
  and a scheduler that cannot be reached are clear errors that leave no store behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.errors import SimError
from sim.experiments.store import ResultsStore, StoreError, TaskOutput
from sim.results.task_tables import KpiTable, NodeTable

PINGHU = {
    "name": "Pinghu task sizes",
    "scenario": "pinghu",
    "replications": 6,
    "seed": 2025,
    "set": {"run.horizon": "365 d", "run.warmup": "7 d"},
    "layouts": {"plan": {}, "no-zhapu": {"remove": {"facilities": ["fs-zhapu"], "units": ["engine-zhapu"]}}},
}
TINY = {"name": "Tiny engines", "scenario": "tiny", "replications": 4, "seed": 3,
        "set": {"run.horizon": "20 d"}, "grid": {"units.engine.count": [1, 2]}}


def kpi_table(result: sim.BatchResult) -> pd.DataFrame:
    return result.kpis[["variant", "replication", "section", "group", "metric", "value"]]


@pytest.fixture(scope="module")
def pinghu_serial(tmp_path_factory):
    return sim.run_batch(PINGHU, tmp_path_factory.mktemp("serial") / "r.sqlite")


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


def test_every_replication_has_the_same_kpi_rows(pinghu_serial):
    counts = pinghu_serial.kpis.groupby(["variant", "replication"]).size()
    assert counts.nunique() == 1, counts
    evacuation = pinghu_serial.kpis[pinghu_serial.kpis["section"] == "evacuation"]
    assert set(evacuation["group"]) == {"typhoons", "dushan-chemical", "all"}
    assert evacuation.groupby(["variant", "replication"]).size().nunique() == 1


@pytest.mark.parametrize("jobs,chunk", [(1, 1), (2, 1), (2, 4), (2, 5)])
def test_kpi_tables_do_not_depend_on_the_task_size(pinghu_serial, tmp_path, jobs, chunk):
    other = sim.run_batch(PINGHU, tmp_path / "r.sqlite", jobs=jobs, chunk=chunk)
    pd.testing.assert_frame_equal(kpi_table(pinghu_serial), kpi_table(other), check_exact=True)
    assert set(other.store.tasks()["count"]) <= {chunk, 6 % chunk or chunk}


def test_kpi_tables_are_the_same_on_a_dask_cluster(pinghu_serial, cluster, tmp_path):
    on_dask = sim.run_batch(PINGHU, tmp_path / "d.sqlite", backend="dask",
                            scheduler=cluster.scheduler_address, chunk=2)
    pd.testing.assert_frame_equal(kpi_table(pinghu_serial), kpi_table(on_dask), check_exact=True)
    assert sim.open_batch(tmp_path / "d.sqlite").compare("response.all.response_mean")["n"].tolist() == [6, 6]


def test_kpi_tables_are_the_same_on_the_batchs_own_local_cluster(pinghu_serial, tmp_path):
    """``--backend dask`` without a scheduler: a LocalCluster whose workers are forked (Linux)."""
    pytest.importorskip("distributed")
    on_dask = sim.run_batch(PINGHU, tmp_path / "d.sqlite", backend="dask", jobs=2, chunk=3)
    pd.testing.assert_frame_equal(kpi_table(pinghu_serial), kpi_table(on_dask), check_exact=True)


def loaded(module: str) -> bool:
    """Whether a Dask worker has imported ``module`` (called on each worker)."""
    return module in sys.modules


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_a_local_clusters_workers_start_with_the_batch_process_imports():
    distributed = pytest.importorskip("distributed")
    from sim.experiments.backends import PRELOAD, _forked_workers

    for module in PRELOAD:
        __import__(module)
    with _forked_workers(), distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                                     dashboard_address=None) as local, \
            distributed.Client(local) as client:
        assert list(client.run(loaded, PRELOAD[0]).values()) == [True]


def test_the_preload_plugin_imports_the_modules_on_every_worker(cluster):
    distributed = pytest.importorskip("distributed")
    from sim.experiments.dask_preload import Preload

    module = "sim.drills.escaping"   # nothing a batch imports
    with distributed.Client(cluster.scheduler_address) as client:
        client.register_plugin(Preload((module,)), name="test-preload")
        answers = client.run(loaded, module)
    assert len(answers) == 2 and all(answers.values())


# ---------------------------------------------------------------- unfinished stores


def _interrupted(path, tasks: int = 1):
    """A batch stopped (as by Ctrl-C) after ``tasks`` tasks were stored."""
    def stop(done: int, total: int) -> None:
        if done >= tasks * 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sim.run_batch(TINY, path, chunk=2, progress=stop)
    return sim.open_batch(path)


def test_compare_refuses_an_unfinished_store_and_says_what_is_missing(tmp_path, capsys):
    store = tmp_path / "r.sqlite"
    result = _interrupted(store)
    assert not result.complete
    assert result.shortfall()[["name", "stored", "asked"]].values.tolist() == [
        ["units.engine.count=1", 2, 4], ["units.engine.count=2", 0, 4]]
    assert main(["compare", str(store)]) == 2
    err = capsys.readouterr().err
    assert "is not finished" in err and "'units.engine.count=1' has 2 of 4" in err
    assert "'units.engine.count=2' has 0 of 4" in err and "--resume" in err and "--partial" in err
    assert main(["compare", str(store), "--partial", "--out", str(tmp_path / "c")]) == 0
    assert "WARNING: the batch in" in capsys.readouterr().out
    with pytest.raises(SimError, match="not finished"):
        result.check_complete()


def test_a_resumed_store_is_complete_and_compares(tmp_path):
    store = tmp_path / "r.sqlite"
    _interrupted(store)
    finished = sim.run_batch(TINY, store, resume=True)
    assert finished.complete and finished.shortfall().empty
    assert finished.check_complete() == ""


def test_after_a_batch_the_sqlite_file_alone_holds_the_store(tmp_path):
    store = tmp_path / "r.sqlite"
    result = sim.run_batch(TINY, store, chunk=1)
    wal = store.with_name(store.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    alone = tmp_path / "copy" / "r.sqlite"
    alone.parent.mkdir()
    shutil.copy(store, alone)   # the main file only, as a user might copy it
    copied = sim.open_batch(alone)
    assert copied.complete
    pd.testing.assert_frame_equal(kpi_table(copied), kpi_table(result), check_exact=True)


def test_each_task_is_in_the_main_file_as_soon_as_it_is_stored(tmp_path):
    store = tmp_path / "r.sqlite"
    _interrupted(store, tasks=2)
    alone = tmp_path / "copy.sqlite"
    shutil.copy(store, alone)
    with sqlite3.connect(alone) as db:
        assert db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0] == 2


# ---------------------------------------------------------------- code versions and clusters


def test_a_task_computed_with_other_code_is_not_stored(tmp_path):
    result = sim.run_batch({**TINY, "replications": 1}, tmp_path / "r.sqlite")
    store = ResultsStore(result.store.path)
    with pytest.raises(StoreError, match=r"ran other code \(0.0.1\+changed"):
        store.write(TaskOutput(0, 5, 1, 0.1, KpiTable(), {}, NodeTable(), code="0.0.1+changed"))
    assert store.tasks()["first"].tolist() == [0, 0]


def test_tasks_are_sized_from_the_cluster_workers_not_the_client_jobs(cluster, tmp_path):
    spec = {**TINY, "replications": 8}
    on_dask = sim.run_batch(spec, tmp_path / "d.sqlite", backend="dask", scheduler=cluster.scheduler_address,
                            jobs=1)
    # 16 replications on 2 workers: about four tasks per worker, of 2 replications each
    assert on_dask.store.tasks()["count"].tolist() == [2] * 8
    local = sim.run_batch(spec, tmp_path / "l.sqlite", jobs=1)
    pd.testing.assert_frame_equal(kpi_table(local), kpi_table(on_dask), check_exact=True)


def test_a_worker_running_other_code_is_refused_before_any_store(tmp_path):
    """A worker whose ``sim`` differs by one line (a copy of the package, first on its path)."""
    distributed = pytest.importorskip("distributed")
    changed = tmp_path / "changed"
    shutil.copytree(Path(sim.__file__).parent, changed / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    with open(changed / "sim" / "engine" / "response.py", "a", encoding="utf-8") as handle:
        handle.write("# one line changed\n")
    with distributed.LocalCluster(n_workers=0, dashboard_address=":0") as local, \
            _worker(local.scheduler_address, tmp_path, pythonpath=changed), \
            pytest.raises(SimError, match="runs other sim code"):
        sim.run_batch(TINY, tmp_path / "d.sqlite", backend="dask", scheduler=local.scheduler_address)
    assert not (tmp_path / "d.sqlite").exists()


def test_a_scheduler_that_cannot_be_reached_is_one_error_and_no_store(tmp_path, capsys):
    pytest.importorskip("distributed")
    started = time.monotonic()
    with pytest.raises(SimError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        sim.run_batch(TINY, tmp_path / "d.sqlite", backend="dask", scheduler="tcp://127.0.0.1:9",
                      connect_timeout=2)
    assert time.monotonic() - started < 30
    assert not (tmp_path / "d.sqlite").exists()
    exp = tmp_path / "exp.yaml"
    exp.write_text("name: t\nscenario: tiny\nreplications: 1\n", encoding="utf-8")
    code = main(["batch", str(exp), "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9",
                 "--connect-timeout", "2", "--store", str(tmp_path / "cli.sqlite"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "cli.sqlite").exists()


WORKER = """
import sys

class NoSim:
    def find_spec(self, name, path=None, target=None):
        if name == "sim" or name.startswith("sim."):
            raise ModuleNotFoundError("No module named 'sim'", name="sim")
        return None

if sys.argv[2] == "hide-sim":
    sys.meta_path.insert(0, NoSim())
sys.argv = ["dask-worker", sys.argv[1], "--nthreads", "1", "--no-nanny", "--no-dashboard"]
from distributed.cli.dask_worker import main
main()
"""


@contextlib.contextmanager
def _worker(address: str, folder: Path, *, hide_sim: bool = False, pythonpath: Path | None = None):
    """A separately started Dask worker process (``dask worker ADDRESS``)."""
    script = folder / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    worker = subprocess.Popen([sys.executable, str(script), address, "hide-sim" if hide_sim else "-"],
                              cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield worker
    finally:
        worker.kill()
        worker.wait()


def test_a_worker_without_sim_is_one_clear_error(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=0, dashboard_address=":0") as local, \
            _worker(local.scheduler_address, tmp_path, hide_sim=True), \
            pytest.raises(SimError, match="cannot run sim tasks .*No module named 'sim'.*install the same"):
        sim.run_batch(TINY, tmp_path / "d.sqlite", backend="dask", scheduler=local.scheduler_address)
    assert not (tmp_path / "d.sqlite").exists()


def test_a_full_disk_leaves_the_store_intact_and_resumable(tmp_path, capsys):
    """The database may not grow (as on a full disk): the task is refused whole, in one error,
    and the store keeps what it had; freed again, --resume finishes it."""
    store_path = tmp_path / "r.sqlite"
    _interrupted(store_path, tasks=1)
    store = ResultsStore(store_path)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    extra = sim.load_experiment(TINY).variants[1].scenario
    from sim.experiments.tasks import run_task

    with pytest.raises(StoreError, match="the disk is full.*intact with the 1 tasks stored before"):
        store.write(run_task(extra, 1, TINY["seed"], 0, 2))
    assert store.db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    store.close()
    again = ResultsStore(store_path)
    assert again.tasks()[["variant", "first", "count"]].values.tolist() == [[0, 0, 2]]
    again.close()
    finished = sim.run_batch(TINY, store_path, resume=True)
    whole = sim.run_batch(TINY, tmp_path / "whole.sqlite")
    pd.testing.assert_frame_equal(kpi_table(finished), kpi_table(whole), check_exact=True)
