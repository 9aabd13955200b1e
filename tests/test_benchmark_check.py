"""The benchmark regression guard's comparison (benchmarks/check.py): ratios more than 25 %
worse than the baseline fail, in the right direction for each ratio; exponents fail when more
than 0.25 higher."""

from __future__ import annotations

import copy
import importlib.util

import pytest
from conftest import REPO

spec = importlib.util.spec_from_file_location("bench_check", REPO / "benchmarks" / "check.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)

BASE = {
    "floor_seconds_per_event": 1e-6,
    "engine": {"pinghu": {"incident_cost_in_floor_events": 400.0}},
    "scaling": {"incidents": {"exponent": 1.0}, "nodes": {"exponent": 0.2}, "units": {"exponent": 0.1}},
    "batches": {"efficiency": 0.9},
    "oracle": {"cut_update_seconds": 0.5},
}


def changed(path: tuple, value: float) -> dict:
    out = copy.deepcopy(BASE)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def test_the_same_figures_pass():
    assert check.compare(BASE, BASE) == []


@pytest.mark.parametrize("path,value,fails", [
    (("engine", "pinghu", "incident_cost_in_floor_events"), 490.0, False),   # 22.5 % worse: within
    (("engine", "pinghu", "incident_cost_in_floor_events"), 510.0, True),    # 27.5 % worse
    (("engine", "pinghu", "incident_cost_in_floor_events"), 100.0, False),   # better
    (("batches", "efficiency"), 0.75, False),
    (("batches", "efficiency"), 0.70, True),                                 # lower efficiency is worse
    (("scaling", "incidents", "exponent"), 1.3, True),                       # 0.3 steeper
    (("scaling", "incidents", "exponent"), 1.2, False),                      # 0.2 steeper: within
    (("scaling", "units", "exponent"), 0.3, False),    # three times the baseline, but only 0.2 steeper
    (("scaling", "units", "exponent"), 0.4, True),
    (("oracle", "cut_update_seconds"), 0.7, True),
    (("floor_seconds_per_event",), 2e-6, False),   # a slower machine: the cut costs fewer floor events
])
def test_a_ratio_fails_only_when_more_than_25_percent_worse(path, value, fails):
    worse = check.compare(changed(path, value), BASE)
    assert bool(worse) == fails, worse


def test_the_peer_workload_is_compared_only_when_both_runs_had_its_data():
    with_peer = {**copy.deepcopy(BASE), "peer": {"utrecht": {"incident_cost_in_floor_events": 50.0}}}
    slower = copy.deepcopy(with_peer)
    slower["peer"]["utrecht"]["incident_cost_in_floor_events"] = 70.0
    assert check.compare(slower, with_peer)             # 40 % worse
    assert check.compare(BASE, with_peer) == []         # no data this time: not compared
    assert check.compare(with_peer, BASE) == []         # no data in the baseline
