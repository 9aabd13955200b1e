"""The benchmark regression guard (benchmarks/check.py): a figure fails only when its median
over the rounds is worse than the baseline's median by more than the margin plus two of the
baseline's IQRs (exponents by difference, not by ratio); and, measured for real (slow), the
guard fails on a deliberately slowed engine and passes on the unchanged one."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys

import pytest
from conftest import REPO

spec = importlib.util.spec_from_file_location("bench_check", REPO / "benchmarks" / "check.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def figure(median: float, iqr: float) -> dict:
    return {"median": median, "iqr": iqr, "samples": [median]}


BASE = {"figures": {
    "engine.pinghu.incident_cost_in_floor_events": figure(400.0, 20.0),   # limit 400 * 1.2 + 40 = 520
    "scaling.incidents.exponent": figure(1.0, 0.05),                        # limit 1.0 + 0.15 + 0.1 = 1.25
    "scaling.units.exponent": figure(0.1, 0.0),                             # limit 0.25
}}


def changed(name: str, median: float, iqr: float = 0.0) -> dict:
    out = copy.deepcopy(BASE)
    out["figures"][name] = figure(median, iqr)
    return out


def test_the_same_figures_pass():
    assert check.compare(BASE, BASE) == []


@pytest.mark.parametrize("name,median,fails", [
    ("engine.pinghu.incident_cost_in_floor_events", 515.0, False),   # within margin + 2 IQRs
    ("engine.pinghu.incident_cost_in_floor_events", 525.0, True),
    ("engine.pinghu.incident_cost_in_floor_events", 100.0, False),   # better
    ("scaling.incidents.exponent", 1.24, False),
    ("scaling.incidents.exponent", 1.26, True),                      # 0.26 steeper
    ("scaling.units.exponent", 0.24, False),  # more than twice the baseline, but only 0.14 steeper
    ("scaling.units.exponent", 0.26, True),
])
def test_a_figure_fails_only_beyond_the_margin_plus_the_baselines_spread(name, median, fails):
    worse = check.compare(changed(name, median), BASE)
    assert bool(worse) == fails, worse


def test_a_wide_baseline_spread_widens_the_gate_and_the_runs_own_spread_does_not():
    wide = changed("engine.pinghu.incident_cost_in_floor_events", 400.0, iqr=100.0)   # limit 680
    assert check.compare(changed("engine.pinghu.incident_cost_in_floor_events", 600.0), wide) == []
    noisy_now = changed("engine.pinghu.incident_cost_in_floor_events", 600.0, iqr=300.0)
    assert check.compare(noisy_now, BASE)


def test_figures_in_only_one_of_the_two_are_not_compared():
    with_peer = copy.deepcopy(BASE)
    with_peer["figures"]["peer.utrecht.incident_cost_in_floor_events"] = figure(50.0, 2.0)
    slower = copy.deepcopy(with_peer)
    slower["figures"]["peer.utrecht.incident_cost_in_floor_events"] = figure(80.0, 2.0)
    assert check.compare(slower, with_peer)        # 60 % worse
    assert check.compare(BASE, with_peer) == []    # no Utrecht data this time
    assert check.compare(with_peer, BASE) == []    # none in the baseline


def test_the_summary_is_the_median_and_the_interquartile_range():
    s = check.summary([5.0, 1.0, 3.0, 2.0, 4.0])
    assert s["median"] == 3.0 and s["iqr"] == pytest.approx(2.0) and len(s["samples"]) == 5


def test_the_committed_baseline_has_a_median_and_a_spread_for_every_guarded_figure():
    baseline = json.loads((REPO / "benchmarks" / "baseline.json").read_text(encoding="utf-8"))
    names = set(baseline["figures"])
    assert {f"engine.{name}.incident_cost_in_floor_events" for name in check.REPLICATIONS} <= names
    assert {f"scaling.{key}.exponent" for key in ("incidents", "nodes", "units")} <= names
    for entry in baseline["figures"].values():
        assert entry["iqr"] >= 0 and len(entry["samples"]) >= 5
        assert min(entry["samples"]) <= entry["median"] <= max(entry["samples"])


def guard(*args: str) -> subprocess.CompletedProcess:
    """check.py on two cheap figures (the full guard takes minutes) against the committed baseline."""
    command = [sys.executable, str(REPO / "benchmarks" / "check.py"), "--only",
               "engine.tiny,engine.pinghu-core", "--rounds", "5", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.mark.slow
def test_the_guard_fails_on_a_slowed_engine_and_passes_on_the_unchanged_one():
    # 20 us of busy work per engine event: about twice the cost of an event of the engine
    slowed = guard("--slow-engine", "20")
    assert slowed.returncode == 1, slowed.stdout + slowed.stderr
    assert "engine.tiny.incident_cost_in_floor_events" in slowed.stderr
    unchanged = guard()
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr


def test_a_refresh_of_some_figures_keeps_the_others(tmp_path):
    baseline, results = tmp_path / "baseline.json", tmp_path / "oracle.json"
    baseline.write_text(json.dumps({"rounds": 7, **BASE}), encoding="utf-8")
    results.write_text(json.dumps({"rounds": 7, "seconds": 30.0, "figures": {
        "oracle.cut_update_in_floor_events": figure(4e5, 1e4)}}), encoding="utf-8")
    assert check.main(["--results", str(results), "--refresh", "--only", "oracle", "--baseline",
                       str(baseline)]) == 0
    merged = json.loads(baseline.read_text(encoding="utf-8"))["figures"]
    assert set(merged) == set(BASE["figures"]) | {"oracle.cut_update_in_floor_events"}
    assert check.main(["--results", str(results), "--baseline", str(baseline)]) == 0
