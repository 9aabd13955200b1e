"""Discrete-event simulation and drill planning for emergency management.

Quick use::

    import sim
    scenario = sim.load_scenario("pinghu")             # a file path or a built-in name
    result = sim.run(scenario, replications=10)
    result.summary["all"]["response_mean"]             # Estimate(mean, half_width, n)
    result.incidents                                   # pandas DataFrame, one row per incident
"""

__version__ = "0.1.0"

from .engine.runner import run, simulate
from .errors import Problem, ScenarioError, SimError
from .experiments.batch_result import BatchResult, open_batch, run_batch
from .experiments.experiment import Experiment, load_experiment
from .model.dispatch import DispatchPolicy, Fleet, NearestAvailable
from .plugins import register_policy
from .results.outcome import RunResult
from .scenario.loader import Scenario, builtin_scenarios, load_scenario, load_scenario_data

__all__ = [
    "BatchResult",
    "DispatchPolicy",
    "Experiment",
    "Fleet",
    "NearestAvailable",
    "Problem",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimError",
    "builtin_scenarios",
    "load_experiment",
    "load_scenario",
    "load_scenario_data",
    "open_batch",
    "register_policy",
    "run",
    "run_batch",
    "simulate",
]
