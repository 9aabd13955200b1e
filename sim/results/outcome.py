"""The outcome of ``sim run``: records of every replication, tables and KPI summaries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from ..scenario.loader import Scenario
from .kpis import incident_kpis, summarize, unit_kpis, unit_summary
from .records import ReplicationRecords
from .stats import Estimate

__all__ = ["RunResult"]


@dataclass
class RunResult:
    """Replications of one scenario, with DataFrames built on first use."""

    scenario: Scenario
    seed: int
    records: list[ReplicationRecords]

    @property
    def replications(self) -> int:
        return len(self.records)

    @cached_property
    def end_times(self) -> dict[int, float]:
        return {r.replication: r.end_time for r in self.records}

    @cached_property
    def incidents(self) -> pd.DataFrame:
        """One row per incident, all replications."""
        return pd.concat([r.incident_frame() for r in self.records], ignore_index=True)

    @cached_property
    def assignments(self) -> pd.DataFrame:
        """One row per unit assignment, all replications."""
        return pd.concat([r.assignment_frame() for r in self.records], ignore_index=True)

    @cached_property
    def units(self) -> pd.DataFrame:
        """One row per unit and replication, with busy fraction and assignments."""
        static = pd.concat([r.unit_frame() for r in self.records], ignore_index=True)
        run = self.scenario.spec.run
        return unit_kpis(self.assignments, static, run.warmup, run.horizon, self.end_times)

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """KPIs per replication and incident type (see :mod:`sim.results.kpis`)."""
        return incident_kpis(self.incidents, self.scenario.spec, self.end_times,
                             [r.replication for r in self.records])

    @cached_property
    def summary(self) -> dict[str, dict[str, Estimate]]:
        """Mean and 95 % CI across replications, per incident type and metric."""
        return summarize(self.kpis)

    @cached_property
    def unit_summary(self) -> pd.DataFrame:
        """Busy fraction and assignments per unit group, with 95 % CIs."""
        return unit_summary(self.units, by="group")

    @cached_property
    def unit_type_summary(self) -> pd.DataFrame:
        """Busy fraction and assignments per unit type, with 95 % CIs."""
        return unit_summary(self.units, by="type")

    @property
    def events(self) -> int:
        """SimPy events scheduled, over all replications."""
        return sum(r.events for r in self.records)
