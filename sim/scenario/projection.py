"""How large a run of a scenario will be, worked out before anything is simulated."""

from __future__ import annotations

from .schema import ScenarioSpec

__all__ = ["RUN_INCIDENT_LIMIT", "expected_incidents", "size_problem"]

RUN_INCIDENT_LIMIT = 5_000_000
"""Incidents (all replications) above which ``sim run`` asks for ``--force``: about a quarter
of an hour on one core."""


def expected_incidents(spec: ScenarioSpec) -> float:
    """Expected everyday incidents of one replication: every generator's mean rate times the
    horizon (time-of-day and seasonal profiles keep the mean rate). Incidents that hazards
    raise come on top."""
    return sum(g.rate for g in spec.generators) * spec.run.horizon


def size_problem(spec: ScenarioSpec, replications: int, limit: float | None = None) -> str | None:
    """A sentence stating the projected size when it is over ``limit`` (default
    :data:`RUN_INCIDENT_LIMIT`; None when it is not)."""
    limit = RUN_INCIDENT_LIMIT if limit is None else limit
    per_replication = expected_incidents(spec)
    total = per_replication * replications
    if total <= limit:
        return None
    return (f"this run would simulate about {total:,.0f} incidents ({per_replication:,.0f} per replication x "
            f"{replications:,} replications), more than {limit:,.0f}: shorten run.horizon or "
            "--replications, or pass --force to run it anyway")
