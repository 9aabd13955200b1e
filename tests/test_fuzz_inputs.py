"""Fuzzing the input files: the built-in scenario, experiment and drill files, their YAML trees
mutated at random (types, numbers, units, references, sizes, shapes), must give either one
clear error (exit 2, naming the file) or a valid file, and a valid scenario must run a short
replication; never a traceback, and never more than a few seconds or a few hundred MB.

The bounded version runs in CI (the same examples every run); ``pytest -m slow`` runs a long
one, and ``pytest -m slow --hypothesis-profile=explore`` draws new examples.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario.projection import expected_incidents

SECONDS = 20          # for one example: validating, and a month of simulation
MAX_RSS_MB = 3000     # the test process's peak resident memory

SCENARIO_FILES = ["tiny", "pinghu", "fenghua", "qinhuangdao"]
OTHER_FILES = ["experiments/pinghu-stations.yaml", *sorted(
    str(p.relative_to(SCENARIOS)) for p in (SCENARIOS / "drills").glob("*.yaml"))]

ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2.5, -0.0, 10**12, -10**12, 10**30, 1e-300, float("inf"), float("nan"),
    "", " ", "x" * 5000, "no-such-id", "tiny", "pinghu", "../pinghu.yaml", "/dev/zero", "/etc/passwd", ".",
    "0 min", "-5 min", "1e400 min", "inf h", "nan h", "1e9 / min", "1e400 / y", "0 / y", "5 / y",
    "1e400 km/h", "0 km/h", "60 km/h", "3 furlongs", "2025-13-45", "2025-07-01 08:00", "50%",
    [], {}, [{}], [{"a": 1}], [[1, 2]], {"a": [1]}, {"dist": "exponential", "mean": "-1 min"},
    {"dist": {"nested": 1}}, {"dist": "weibull", "shape": 1e-300, "scale": "1 min"}, ["fire"], ["x", "x"],
]


def _tree(name: str) -> tuple[dict, Path]:
    path = sim.builtin_scenarios()[name] if name in SCENARIO_FILES else SCENARIOS / name
    return yaml.safe_load(path.read_text(encoding="utf-8")), path


def _paths(tree: object, prefix: tuple = ()) -> list[tuple]:
    """Every place in the tree (keys of mappings, items of lists), depth first."""
    out = [prefix] if prefix else []
    if isinstance(tree, dict):
        for key, value in tree.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            out += _paths(value, (*prefix, i))
    return out


def _get(tree: Any, path: tuple) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def _mutate(tree: dict, path: tuple, how: str, value: Any) -> None:
    parent, key = _get(tree, path[:-1]), path[-1]
    current = parent[key]
    if how == "replace":
        parent[key] = copy.deepcopy(value)
    elif how == "delete":
        del parent[key]
    elif how == "wrap_list":
        parent[key] = [current]
    elif how == "wrap_dict":
        parent[key] = {"value": current}
    elif how == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(current))
    elif how == "unknown_key" and isinstance(current, dict):
        current["no_such_key"] = copy.deepcopy(value)
    elif how == "scale" and isinstance(current, int | float) and not isinstance(current, bool):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        parent[key] = current * value if number else -current
    elif how == "unit" and isinstance(current, str):
        parent[key] = current.replace("min", "km/h").replace(" d", " furlongs").replace("/ y", "/ ms")
    else:
        parent[key] = copy.deepcopy(value)


@st.composite
def mutated(draw: st.DrawFn, name: str) -> dict:
    tree, _ = _tree(name)
    for _ in range(draw(st.integers(1, 3))):
        places = _paths(tree)
        if not places:
            break
        path = draw(st.sampled_from(places))
        how = draw(st.sampled_from(["replace", "replace", "delete", "wrap_list", "wrap_dict", "duplicate",
                                    "unknown_key", "scale", "unit"]))
        value = draw(st.sampled_from(ODD_VALUES) | st.sampled_from([1e9, -1, 0.5, 1e308, 3]))
        _mutate(tree, path, how, value)
    return tree


@contextlib.contextmanager
def _bounded(seconds: int):
    """Fail the example if it runs longer than ``seconds`` (SIGALRM, where there is one)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def too_long(*_: object) -> None:
        raise AssertionError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


def _write(tree: object, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(name).name
    if not path.suffix:
        path = path.with_suffix(".yaml")
    path.write_text(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def _check_scenario(tree: dict, folder: Path) -> None:
    path = _write(tree, folder, "fuzzed.yaml")
    started = time.perf_counter()
    with _bounded(SECONDS):
        code, err = _cli(["validate", str(path)])
        assert code in (0, 2), err
        if code == 2:
            assert err.startswith("sim validate: ") and "Traceback" not in err, err
            assert str(path) in err or "--set" in err, err
            return
        try:
            scenario = sim.load_scenario(path, ["run.horizon=30 d", "run.warmup=0 d", "run.replications=1"])
        except ScenarioError:
            return  # valid as written, but not with a month's horizon (a scripted hazard later on)
        if expected_incidents(scenario.spec) > 100_000:
            return  # a valid but large scenario: sim run states its size first (tested elsewhere)
        records = sim.simulate(scenario, 0)
        assert math.isfinite(records.end_time)
    assert time.perf_counter() - started < SECONDS
    assert _rss_mb() < MAX_RSS_MB


def _check_other(tree: dict, folder: Path, name: str, original: Path) -> None:
    # a reference to a scenario stays pointing at the built-in files
    if isinstance(tree.get("scenario"), str) and tree["scenario"].startswith("../"):
        tree["scenario"] = str((original.parent / tree["scenario"]).resolve())
    path = _write(tree, folder, name)
    with _bounded(SECONDS):
        code, err = _cli(["validate", str(path)])
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("sim validate: ") and "Traceback" not in err, err
        assert str(path) in err, err
    assert _rss_mb() < MAX_RSS_MB


FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("name", SCENARIO_FILES)
def test_mutated_scenarios_give_one_clear_error_or_run(name, tmp_path):
    # the village-resolution built-ins take seconds to load and run a month: fewer examples here,
    # 600 in the slow test_long_fuzz
    @settings(max_examples={"tiny": 30, "pinghu": 12}.get(name, 5), **FUZZ)
    @given(tree=mutated(name))
    def check(tree: dict) -> None:
        _check_scenario(tree, tmp_path / name)

    check()


@pytest.mark.parametrize("name", OTHER_FILES)
def test_mutated_experiment_and_drill_files_give_one_clear_error_or_pass(name, tmp_path):
    _, original = _tree(name)

    @settings(max_examples=15, **FUZZ)
    @given(tree=mutated(name))
    def check(tree: dict) -> None:
        _check_other(tree, tmp_path / "files", name, original)

    check()


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIO_FILES + OTHER_FILES)
def test_long_fuzz(name, tmp_path):
    _, original = _tree(name)

    @settings(max_examples=600, **FUZZ)
    @given(tree=mutated(name))
    def check(tree: dict) -> None:
        if name in SCENARIO_FILES:
            _check_scenario(tree, tmp_path / "s")
        else:
            _check_other(tree, tmp_path / "o", name, original)

    check()
