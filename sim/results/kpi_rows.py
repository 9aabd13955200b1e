"""Every KPI of a set of replications in one long table: what batches store and compare.

One row per (replication, section, group, metric, value). A KPI is named
``section.group.metric``:

* ``response.<incident type or all>.<metric>``: :data:`sim.results.kpis.INCIDENT_METRICS`;
* ``units.<unit type>.busy_fraction`` / ``assignments`` (mean over the units of that type) /
  ``arrival_mean`` (minutes from being sent to the scene); ``move_up.all.moves`` /
  ``move_minutes`` with move-up (:func:`sim.results.unit_kpis.move_up_metrics`);
* ``hazards.<hazard kind or cut off>.<metric>``, ``fires.all.<metric>``
  (:mod:`sim.results.hazard_kpis`);
* ``evacuation.<hazard id or all>.<metric>``, ``supplies.all.<metric>``
  (:mod:`sim.results.people_kpis`).

Every group of a section has every metric of the section (NaN where it does not apply, e.g.
``hazards.typhoon.node_hours``), and each replication's rows are sorted by section, group and
metric. A replication's rows come from its own columns alone (:func:`replication_kpis`), so
they are the same whichever replications are computed with it.

Alongside, per replication, the counts of response times in one-minute bins (for pooled
distributions) and, per node, incidents and summed response times (for maps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..scenario.loader import Scenario
from ..scenario.schema import ScenarioSpec
from .columns import floats, texts
from .hazard_kpis import fire_metrics, hazard_metrics, years_of
from .kpi_groups import Groups
from .kpis import incident_metrics
from .outcome import RunResult
from .people_kpis import evacuation_hazards, evacuation_metrics, supply_metrics
from .records import ReplicationRecords
from .reductions import group_sums
from .task_tables import KpiRow, KpiTable, NodeTable
from .unit_kpis import move_up_metrics, unit_type_metrics

__all__ = ["HISTOGRAM_BINS", "Section", "TaskKpis", "kpi_rows", "kpi_sections", "node_response",
           "replication_kpis", "response_histograms", "task_kpis"]

HISTOGRAM_BINS = 360  # one-minute bins from 0 to 6 h; the last one holds everything longer

Section = tuple[str, Callable[[ReplicationRecords], Groups]]
"""A section of the KPI table and how one replication's groups of it are computed."""


def kpi_sections(spec: ScenarioSpec) -> list[Section]:
    """The sections a scenario has: response and units always; hazards (and fires, with a
    forest-fire hazard) with hazards, evacuation with an evacuation plan, supplies with items
    and depots."""
    run = spec.run
    sections: list[Section] = [
        ("response", lambda r: incident_metrics(r, spec)),
        ("units", lambda r: unit_type_metrics(r, run.warmup, run.horizon)),
    ]
    if spec.dispatch.move_up is not None:
        sections.append(("move_up", lambda r: move_up_metrics(r, run.warmup, run.horizon)))
    if spec.hazards:
        kinds: list[str] = list(dict.fromkeys(h.kind for h in spec.hazards))
        sections.append(("hazards", lambda r: hazard_metrics(r, kinds)))
        if any(h.kind == "forest_fire" for h in spec.hazards):
            forest = sum(n.forest_ha for n in spec.region.nodes)
            years = years_of(run.horizon, run.warmup)
            sections.append(("fires", lambda r: [("all", fire_metrics(r, forest, years, run.warmup))]))
    if spec.evacuation is not None:
        hazards = evacuation_hazards(spec)
        sections.append(("evacuation", lambda r: evacuation_metrics(r, hazards)))
    if spec.items and spec.depots:
        sections.append(("supplies", lambda r: supply_metrics(r, spec.supply)))
    return sections


def _section_rows(section: str, groups: Groups) -> list[KpiRow]:
    metrics = list(dict.fromkeys(m for _, values in groups for m in values))
    return [(section, group, m, float(values.get(m, np.nan))) for group, values in groups for m in metrics]


def replication_kpis(records: ReplicationRecords, sections: list[Section]) -> list[KpiRow]:
    """All KPI rows of one replication, sorted by section, group and metric."""
    rows = [row for name, compute in sections for row in _section_rows(name, compute(records))]
    rows.sort(key=lambda row: row[:3])
    return rows


def _answered(records: ReplicationRecords, warmup: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and response times of the incidents after the warm-up that a unit reached."""
    inc = records.incidents
    response = floats(inc, "response_time")
    keep = (floats(inc, "occurrence") >= warmup) & np.isfinite(response)
    return texts(inc, "node")[keep], response[keep]


def _histogram(response: np.ndarray) -> np.ndarray:
    bins = np.minimum(response.astype(np.int64), HISTOGRAM_BINS - 1)
    return np.bincount(bins, minlength=HISTOGRAM_BINS).astype(np.int64)


def _add_nodes(table: NodeTable, replication: int, nodes: np.ndarray, response: np.ndarray) -> None:
    names, index = np.unique(nodes, return_inverse=True)
    sums, counts = group_sums(index.tolist(), response.tolist(), len(names))
    table.replication.extend([replication] * len(names))
    table.node.extend(str(n) for n in names)
    table.incidents.extend(counts)
    table.response_sum.extend(sums)


@dataclass
class TaskKpis:
    """The KPI pass of a run of replications: the long KPI table, the response-time
    histogram of each replication and the response per node."""

    kpis: KpiTable
    histograms: dict[int, np.ndarray]
    nodes: NodeTable


def task_kpis(scenario: Scenario, records: list[ReplicationRecords]) -> TaskKpis:
    """Every KPI, histogram and node row of ``records``, each replication from its own columns."""
    spec = scenario.spec
    sections = kpi_sections(spec)
    out = TaskKpis(KpiTable(), {}, NodeTable())
    for r in records:
        out.kpis.add(r.replication, replication_kpis(r, sections))
        nodes, response = _answered(r, spec.run.warmup)
        out.histograms[r.replication] = _histogram(response)
        _add_nodes(out.nodes, r.replication, nodes, response)
    return out


def kpi_rows(result: RunResult) -> pd.DataFrame:
    """All KPIs of ``result``, one row per replication and KPI."""
    return task_kpis(result.scenario, result.records).kpis.frame()


def response_histograms(result: RunResult) -> dict[int, np.ndarray]:
    """Per replication, counts of response times (all incident types) in one-minute bins."""
    warmup = result.scenario.spec.run.warmup
    return {r.replication: _histogram(_answered(r, warmup)[1]) for r in result.records}


def node_response(result: RunResult) -> pd.DataFrame:
    """Per replication and node: incidents answered and the sum of their response times."""
    table = NodeTable()
    for r in result.records:
        _add_nodes(table, r.replication, *_answered(r, result.scenario.spec.run.warmup))
    return table.frame()
