"""The engine against an independent implementation of the same rules on a workload nobody
here wrote (Utrecht's public ambulance data, benchmarks/peer_utrecht.py). Skipped when the
reference folder ``../shared/peers/elaspy-utrecht`` is not next to the repository."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
spec = importlib.util.spec_from_file_location("peer_utrecht", REPO / "benchmarks" / "peer_utrecht.py")
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)

pytestmark = pytest.mark.skipif(not (peer.DEFAULT_DATA / "travel_min.csv").exists(),
                                reason="no Utrecht reference data next to the repository")


@pytest.fixture(scope="module")
def workload():
    work = peer.load_workload(peer.DEFAULT_DATA)
    with tempfile.TemporaryDirectory() as folder:
        yield work, peer.scenario_for(work, Path(folder))


@pytest.mark.parametrize("seed", [110, 116])
def test_every_call_is_answered_as_the_reference_answers_it(workload, seed):
    """With the same rule for ambulances driving back, each call's response time equals the
    independent implementation's; ELASPY's own rule (snapping to the nearest node) differs by
    a few percent, the engine's being the slower."""
    work, scenario = workload
    calls = work["streams"][seed]
    ours, _, _ = peer.engine_run(scenario, calls, seed)
    same = peer.reference_run(work, calls, returns="drive")
    assert ours["calls"] == len(calls) > 1000
    np.testing.assert_allclose(ours["responses"], same["responses"], rtol=0, atol=1e-9)
    assert ours["busy_fraction"] == pytest.approx(same["busy_fraction"], abs=1e-12)
    snap = peer.reference_run(work, calls)
    assert 0 < ours["mean_response"] - snap["mean_response"] < 0.05 * snap["mean_response"]


@pytest.mark.parametrize("seed", [110, 112])
def test_elaspy_rule_answers_the_calls_as_elaspy_does(workload, seed):
    """With dispatch.returning_position: nearest_node an ambulance driving back restarts from the
    node nearest its interpolated position, ELASPY's rule: each call's response time equals
    the reference's with that rule (the engine projects longitude and latitude where ELASPY uses
    RD coordinates, so a near tie may snap elsewhere: at most one call in a thousand differs)."""
    work, _ = workload
    calls = work["streams"][seed]
    with tempfile.TemporaryDirectory() as folder:
        elaspy_rule = peer.scenario_for(work, Path(folder), "nearest_node")
        ours, _, _ = peer.engine_run(elaspy_rule, calls, seed)
    snap = peer.reference_run(work, calls)
    differ = np.abs(ours["responses"] - snap["responses"]) > 1e-9
    assert differ.sum() <= len(calls) // 1000
    assert ours["mean_response"] == pytest.approx(snap["mean_response"], abs=0.01)
    route = peer.engine_run(workload[1], calls, seed)[0]
    assert ours["mean_response"] < route["mean_response"]  # the rule acts: starting nearer helps
