"""The outcome of ``sim run``: records of every replication, tables and KPI summaries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from ..scenario.loader import Scenario
from .columns import table
from .frames import joined
from .hazard_kpis import fire_kpis, hazard_kpis, mode_kpis, summarize_by, years_of
from .kpi_groups import per_replication
from .kpis import incident_kpis, summarize
from .people_kpis import (
    batch_frame,
    evacuation_hazards,
    evacuation_metrics,
    first_batch_rows,
    stockout_hours,
    supply_metrics,
)
from .records import ReplicationRecords
from .stats import Estimate, estimate
from .unit_kpis import unit_kpis, unit_summary

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
        """One row per incident, all replications (column types those of the replications
        with incidents: :func:`.frames.joined`)."""
        return joined([r.incident_frame() for r in self.records])

    @cached_property
    def assignments(self) -> pd.DataFrame:
        """One row per unit assignment, all replications."""
        return joined([r.assignment_frame() for r in self.records])

    @cached_property
    def units(self) -> pd.DataFrame:
        """One row per unit and replication, with busy fraction and assignments."""
        run = self.scenario.spec.run
        return unit_kpis(self.records, run.warmup, run.horizon)

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """KPIs per replication and incident type (see :mod:`sim.results.kpis`)."""
        return incident_kpis(self.records, self.scenario.spec)

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

    # ---------------------------------------------------------------- hazards and modes

    def table(self, name: str) -> pd.DataFrame:
        """A record table over all replications, with a ``replication`` column: hazards
        (``hazards``, ``fires``, ``road_closures``, ``cut_off``, ``outages``, ``staging_moves``),
        evacuation (``evacuation``, ``evacuation_nodes``, ``shelter_occupancy``) and supplies
        (``supply_requests``, ``shipments``, ``stock``, ``stockouts``, ``shelter_needs``).
        Replications without rows leave the column types alone (:func:`.frames.joined`)."""
        cache = self.__dict__.setdefault("_tables", {})
        if name not in cache:
            cache[name] = joined([r.table_frame(name) for r in self.records])
        return cache[name]

    @property
    def has_hazards(self) -> bool:
        return bool(self.scenario.spec.hazards)

    @cached_property
    def hazard_kinds(self) -> list[str]:
        kinds: list[str] = []
        for h in self.scenario.spec.hazards:
            if h.kind not in kinds:
                kinds.append(h.kind)
        return kinds

    @cached_property
    def hazard_summary(self) -> dict[str, dict[str, Estimate]]:
        """Per hazard kind (and ``cut off``): events, people affected, roads cut, hours cut off,
        power-out people-hours; mean and 95 % CI across replications."""
        return summarize_by(hazard_kpis(self.records, self.hazard_kinds), "kind")

    @cached_property
    def fire_summary(self) -> dict[str, Estimate]:
        """Forest fires: burned area, yearly damage rate (per mille), first attack; CIs."""
        spec = self.scenario.spec
        forest = sum(n.forest_ha for n in spec.region.nodes)
        years = years_of(spec.run.horizon, spec.run.warmup)
        per_rep = fire_kpis(self.records, forest, years, spec.run.warmup)
        return summarize_by(per_rep, None)["all"]

    @cached_property
    def fire_damage_target(self) -> float | None:
        """The forest damage target (per mille per year) of the scenario's fire hazards."""
        targets = [h.damage_target for h in self.scenario.spec.hazards if h.kind == "forest_fire"]
        return min(targets) if targets else None

    @cached_property
    def mode_summary(self) -> dict[str, dict[str, Estimate]]:
        """Units sent by road, air and water (and mutual aid), mean travel, first arrivals."""
        per_rep = mode_kpis(self.records, self.scenario.spec.run.warmup)
        return summarize_by(per_rep, "mode", ["units_sent", "mean_travel_min", "first_to_arrive"])

    # ---------------------------------------------------------------- people and supplies

    @property
    def has_evacuation(self) -> bool:
        return self.scenario.spec.evacuation is not None

    @property
    def has_supplies(self) -> bool:
        spec = self.scenario.spec
        return bool(spec.items) and bool(spec.depots)

    @cached_property
    def evacuation_summary(self) -> dict[str, dict[str, Estimate]]:
        """Per hazard id and ``"all"``: people told to move, warning hours, at risk at impact,
        evacuated before impact, vulnerable reached, hours to clear, overflow, and (all only)
        the shelter peak (see :mod:`sim.results.people_kpis`)."""
        hazards = evacuation_hazards(self.scenario.spec)
        per_rep = per_replication({r.replication: evacuation_metrics(r, hazards) for r in self.records},
                                  "hazard")
        return summarize_by(per_rep, "hazard")

    @cached_property
    def first_batches(self) -> pd.DataFrame:
        """Per replication, event and disaster area: the first batch of relief and its target."""
        settings = self.scenario.spec.supply
        rows = [(r.replication, *batch) for r in self.records
                for batch in first_batch_rows(table(r, "supply_requests"), table(r, "shipments"), settings)]
        return batch_frame(rows)

    @cached_property
    def supply_summary(self) -> dict[str, Estimate]:
        """First-batch hours and punctuality, the fill rate and sheltered people's needs met."""
        settings = self.scenario.spec.supply
        per_rep = per_replication({r.replication: supply_metrics(r, settings) for r in self.records}, None)
        return summarize_by(per_rep, None)["all"]

    @cached_property
    def stockout_summary(self) -> pd.DataFrame:
        """Mean hours out of stock per depot and item, with 95 % CIs."""
        per = stockout_hours(self.table("stockouts"), [r.replication for r in self.records])
        rows = []
        for (depot, item), group in per.groupby(["depot", "item"], sort=True):
            est = estimate(group["hours"].to_numpy())
            rows.append({"depot": depot, "item": item, "hours": est.mean, "half_width": est.half_width})
        return pd.DataFrame(rows, columns=["depot", "item", "hours", "half_width"])
