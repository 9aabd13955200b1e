"""Plots drawn aside (sim.report.aside): in a forked child where the platform forks, the same
files as drawn in turn, and a failure or a death in the child is an error naming it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sim
from sim.errors import SimError
from sim.report.aside import Aside, can_fork
from sim.report.files import write_outputs

forks = pytest.mark.skipif(not can_fork(), reason="this platform cannot fork, or has one core")


def writes_pid(path: Path):
    def job() -> Path:
        path.write_text(str(os.getpid()), encoding="utf-8")
        return path
    return job


@forks
def test_jobs_run_in_a_child_and_their_paths_come_back_in_order(tmp_path):
    paths = [tmp_path / "a.txt", tmp_path / "b.txt"]
    assert Aside([writes_pid(p) for p in paths]).paths() == paths
    pids = {p.read_text(encoding="utf-8") for p in paths}
    assert len(pids) == 1 and pids != {str(os.getpid())}


def test_without_parallel_the_jobs_run_here(tmp_path):
    path = tmp_path / "a.txt"
    assert Aside([writes_pid(path)], parallel=False).paths() == [path]
    assert path.read_text(encoding="utf-8") == str(os.getpid())


@forks
def test_a_failure_in_the_child_is_an_error_with_its_message():
    def fails() -> Path:
        raise ValueError("no font")
    with pytest.raises(SimError, match="could not draw the plots: ValueError: no font"):
        Aside([fails]).paths()


@forks
def test_a_child_that_dies_is_an_error_with_its_exit_code():
    def dies() -> Path:
        os._exit(3)
    with pytest.raises(SimError, match="exit code 3"):
        Aside([dies]).paths()


def test_sim_run_writes_the_same_plots_aside_and_in_turn(tmp_path):
    result = sim.run(sim.load_scenario("tiny"), replications=2)
    aside_paths = write_outputs(result, tmp_path / "aside")
    turn_paths = write_outputs(result, tmp_path / "turn", parallel=False)
    assert [p.name for p in aside_paths] == [p.name for p in turn_paths]
    for name in ("response_cdf.png",):
        assert (tmp_path / "aside" / name).stat().st_size > 10_000
        assert (tmp_path / "turn" / name).stat().st_size > 10_000
