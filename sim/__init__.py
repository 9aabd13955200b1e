"""Discrete-event simulation and drill planning for emergency management.

Quick use::

    import sim
    scenario = sim.load_scenario("pinghu")             # a file path or a built-in name
    result = sim.run(scenario, replications=10)
    result.summary["all"]["response_mean"]             # Estimate(mean, half_width, n)
    result.incidents                                   # pandas DataFrame, one row per incident

The public names are loaded on first use (``import sim`` alone imports nothing heavy), so the
command line starts at once and batch workers import only what they run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "run": "engine.runner", "simulate": "engine.runner",
    "Problem": "errors", "ScenarioError": "errors", "SimError": "errors",
    "BatchResult": "experiments.batch_result", "open_batch": "experiments.batch_result",
    "run_batch": "experiments.batch_result",
    "Experiment": "experiments.experiment", "load_experiment": "experiments.experiment",
    "DispatchPolicy": "model.dispatch", "Fleet": "model.dispatch", "NearestAvailable": "model.dispatch",
    "register_policy": "plugins", "MoveUpPolicy": "engine.moveup",
    "RunResult": "results.outcome",
    "Scenario": "scenario.loader", "builtin_scenarios": "scenario.loader", "load_scenario": "scenario.loader",
    "load_scenario_data": "scenario.loader",
}
_PACKAGES = ("drills", "engine", "errors", "experiments", "model", "network", "optimize", "plugins", "report",
             "results", "scenario")

__all__ = ["BatchResult", "DispatchPolicy", "Experiment", "Fleet", "MoveUpPolicy", "NearestAvailable",
           "Problem", "RunResult", "Scenario", "ScenarioError", "SimError", "builtin_scenarios",
           "load_experiment", "load_scenario", "load_scenario_data", "open_batch", "register_policy", "run",
           "run_batch", "simulate"]

if TYPE_CHECKING:  # pragma: no cover - what type checkers and editors see
    from .engine.moveup import MoveUpPolicy
    from .engine.runner import run, simulate
    from .errors import Problem, ScenarioError, SimError
    from .experiments.batch_result import BatchResult, open_batch, run_batch
    from .experiments.experiment import Experiment, load_experiment
    from .model.dispatch import DispatchPolicy, Fleet, NearestAvailable
    from .plugins import register_policy
    from .results.outcome import RunResult
    from .scenario.loader import Scenario, builtin_scenarios, load_scenario, load_scenario_data


assert sorted(__all__) == sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Load a public name (or a subpackage) the first time it is asked for."""
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    elif name in _PACKAGES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC, *_PACKAGES})
