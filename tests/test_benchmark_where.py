"""benchmarks/where.py: every SimPy event of a run is timed under its callback's name, and
timing them leaves the run unchanged."""

from __future__ import annotations

import importlib.util
import sys

import pandas as pd
from conftest import REPO

import sim
from sim.engine.response import ResponseEngine
from sim.engine.streams import Streams
from sim.model.exogenous import draw_replication

sys.path.insert(0, str(REPO / "benchmarks"))
spec = importlib.util.spec_from_file_location("bench_where", REPO / "benchmarks" / "where.py")
where = importlib.util.module_from_spec(spec)
spec.loader.exec_module(where)


def test_every_event_is_timed_under_its_callback():
    scenario = sim.load_scenario("pinghu", ["run.warmup=0 d", "run.horizon=120 d"])
    m = where.time_callbacks(scenario, 2)
    assert sum(m["calls"].values()) == m["events"] > 0
    assert {"ResponseEngine._on_call", "OnScene.on_scene_timer"} <= set(m["calls"])
    assert 0 < sum(m["seconds"].values()) < m["total"]


def test_timing_does_not_change_the_run():
    scenario = sim.load_scenario("tiny", ["run.horizon=60 d"])
    stream, timeline = draw_replication(scenario, Streams(5, 0))
    plain = ResponseEngine(scenario, stream, 0, 5, timeline=timeline).run()
    timed = where.TimedEngine(scenario, stream, 0, 5, timeline=timeline, seconds=where.Counter(),
                              calls=where.Counter()).run()
    pd.testing.assert_frame_equal(plain.incident_frame(), timed.incident_frame())
    pd.testing.assert_frame_equal(plain.assignment_frame(), timed.assignment_frame())
