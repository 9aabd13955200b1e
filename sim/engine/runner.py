"""Run replications of a scenario: draw the exogenous incidents, then simulate the response."""

from __future__ import annotations

from ..model.dispatch import DispatchPolicy
from ..model.exogenous import draw_replication
from ..model.incidents import needing_supplies
from ..results.outcome import RunResult
from ..results.records import ReplicationRecords
from ..scenario.loader import Scenario
from .response import ResponseEngine
from .shelter_script import ShelterScript
from .streams import Streams

__all__ = ["run", "simulate"]


def simulate(scenario: Scenario, replication: int = 0, seed: int | None = None,
             policy: DispatchPolicy | None = None,
             stocks: dict[tuple[str, str], float] | None = None,
             supplies_only: bool = False, shelters: ShelterScript | None = None) -> ReplicationRecords:
    """Simulate one replication.

    The result depends only on the scenario, ``seed`` (default: the scenario's ``run.seed``) and
    ``replication``: the same three always give identical records. ``stocks`` overrides depot
    stocks (``{(depot, item): quantity}``), as reserve sizing does. With ``supplies_only`` no
    unit is dispatched: only the hazards, evacuation, and relief supplies (including incidents'
    needs) are simulated, which is all reserve sizing looks at. ``shelters`` records the
    evacuation as supplies see it (when empty) or replays it (when recorded): see
    :mod:`sim.engine.shelter_script`.
    """
    seed = scenario.spec.run.seed if seed is None else seed
    incidents, timeline = draw_replication(scenario, Streams(seed, replication))
    if supplies_only:
        incidents = needing_supplies(scenario, incidents)
    return ResponseEngine(scenario, incidents, replication, seed, policy, timeline, stocks,
                          respond=not supplies_only, shelters=shelters).run()


def run(scenario: Scenario, replications: int | None = None, seed: int | None = None,
        policy: DispatchPolicy | None = None) -> RunResult:
    """Simulate replications ``0 .. replications-1`` (default: the scenario's ``run`` settings)."""
    replications = scenario.spec.run.replications if replications is None else replications
    seed = scenario.spec.run.seed if seed is None else seed
    if replications < 1:
        raise ValueError("replications must be at least 1")
    records = [simulate(scenario, r, seed, policy) for r in range(replications)]
    return RunResult(scenario, seed, records)
