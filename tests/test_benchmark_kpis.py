"""benchmarks/bench_kpis.py: a batch task split into simulating, the KPI pass and the store write,
and the benchmark leaves run_task as it found it."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import REPO

from sim.experiments import tasks

sys.path.insert(0, str(REPO / "benchmarks"))
spec = importlib.util.spec_from_file_location("bench_kpis", REPO / "benchmarks" / "bench_kpis.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_a_task_is_split_into_simulating_kpis_and_the_store_write():
    simulate = tasks.simulate
    f = bench.measure("tiny", 2, 2)
    assert tasks.simulate is simulate
    assert len(f["runs"]) == 2 and f["share_min"] <= f["share"] <= f["share_max"]
    for run in f["runs"]:
        assert 0 < run["simulate_s"] < run["task_s"] and run["store_s"] > 0
        assert run["kpis_s"] == pytest.approx(run["task_s"] - run["simulate_s"])
        outside = run["kpis_s"] + run["store_s"]
        assert run["share"] == pytest.approx(outside / (run["task_s"] + run["store_s"]))
