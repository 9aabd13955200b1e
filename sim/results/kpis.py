"""Key performance indicators, computed from the record tables (never inside the engine).

Per replication and incident type (plus an ``all`` row), over the incidents that occurred
after the warm-up:

=========================  ==============================================================
``incidents``              incidents that occurred after the warm-up
``lost``                   of those, calls turned away (scenarios that do not queue calls)
``open``                   of those, still not cleared when the run ended
``response_mean`` ...      response time (first arrival - occurrence), minutes: mean,
``response_p95``           median, 90th and 95th percentile, of the incidents not lost
                           that were reached
``within_target``          share of incidents whose response time met the type's target;
                           incidents still waiting at the end count as misses once they
                           have waited longer than the target, and are left out before
``report_mean``            minutes from occurrence to the report reaching the command centre
``report_within_target``   share of reports within the type's ``report_target`` (reports
                           still missing at the end count as misses once overdue)
``waited_share``           share of calls that had to wait for a unit (queue)
``queue_wait_mean``        mean minutes from the call to the first unit sent (calls not lost
                           that had a unit sent)
=========================  ==============================================================

Every figure of a replication comes from that replication's own columns
(:func:`incident_metrics`); the DataFrame of several replications is built from them. How busy
the units were: :mod:`.unit_kpis`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..scenario.schema import ScenarioSpec
from .columns import flags, floats, texts
from .grouping import Grouping
from .kpi_groups import Groups, per_replication
from .records import ReplicationRecords
from .reductions import mean_or_nan, median_sorted, quantile_sorted
from .stats import Estimate, estimate

__all__ = ["INCIDENT_METRICS", "incident_kpis", "incident_metrics", "summarize"]

INCIDENT_METRICS = ("incidents", "lost", "open", "response_mean", "response_median",
                    "response_p90", "response_p95", "within_target", "report_mean",
                    "report_within_target", "waited_share", "queue_wait_mean")

_TIMES = ("response_time", "occurrence", "report", "first_dispatch", "call")


def _share(hits: int, known: int) -> float:
    return hits / known if known else math.nan


def _metrics(c: dict[str, np.ndarray], end: float, grouping: Grouping) -> list[dict[str, float]]:
    """The metrics of each group of incidents, from their columns. A missing time (NaN) is
    never within a target, and the targets are finite or NaN (none)."""
    status, response, occurrence = c["status"], c["response_time"], c["occurrence"]
    lost = status == "lost"
    served = ~lost
    reached = served & np.isfinite(response)
    target = c["target"]
    known = served & np.isfinite(target) & (np.isfinite(response) | (end - occurrence > target))
    hit = known & (response <= target)
    report = c["report"] - occurrence
    reported = ~np.isnan(report)
    rtarget = c["report_target"]
    rknown = np.isfinite(rtarget) & (np.isfinite(report) | (end - occurrence > rtarget))
    rhit = rknown & (report <= rtarget)
    called = np.isfinite(c["call"])
    sent = served & np.isfinite(c["first_dispatch"])
    masks = {"incidents": np.ones(len(status), dtype=bool), "lost": lost, "open": status == "open",
             "known": known, "hit": hit, "reported": reported, "rknown": rknown, "rhit": rhit,
             "called": called, "waited": called & c["waited"]}
    counts = {name: grouping.counts(mask) for name, mask in masks.items()}
    times = grouping.parts(response, reached)
    reports = grouping.parts(np.where(reported, report, 0.0))     # NaN counts as 0, then / reported
    waits = grouping.parts(c["first_dispatch"] - c["call"], sent)
    out = []
    for i in range(grouping.groups):
        rt = np.sort(times[i])
        n = {name: values[i] for name, values in counts.items()}
        out.append({
            "incidents": float(n["incidents"]),
            "lost": float(n["lost"]),
            "open": float(n["open"]),
            "response_mean": mean_or_nan(times[i]),
            "response_median": median_sorted(rt),
            "response_p90": quantile_sorted(rt, 0.9),
            "response_p95": quantile_sorted(rt, 0.95),
            "within_target": _share(n["hit"], n["known"]),
            "report_mean": float(reports[i].sum()) / n["reported"] if n["reported"] else math.nan,
            "report_within_target": _share(n["rhit"], n["rknown"]),
            "waited_share": _share(n["waited"], n["called"]),
            "queue_wait_mean": mean_or_nan(waits[i]),
        })
    return out


def _target(minutes: float | None) -> float:
    return math.nan if minutes is None else float(minutes)


def incident_metrics(records: ReplicationRecords, spec: ScenarioSpec) -> Groups:
    """The incident KPIs of one replication: each incident type of ``spec`` in file order,
    then ``all``."""
    inc = records.incidents
    keep = floats(inc, "occurrence") >= spec.run.warmup
    columns = {name: floats(inc, name)[keep] for name in _TIMES}
    columns["status"] = texts(inc, "status")[keep]
    columns["waited"] = flags(inc, "waited")[keep]
    names = list(spec.incident_types)
    code_of = {name: i for i, name in enumerate(names)}
    codes = np.array([code_of.get(t, len(names)) for t in texts(inc, "type")[keep]], dtype=np.int64)
    targets = np.array([_target(spec.incident_types[n].target) for n in names] + [math.nan])
    report_targets = np.array([_target(spec.incident_types[n].report_target) for n in names] + [math.nan])
    columns["target"], columns["report_target"] = targets[codes], report_targets[codes]
    end = records.end_time
    by_type = _metrics(columns, end, Grouping(codes, len(names)))
    everything = _metrics(columns, end, Grouping(np.zeros(len(codes), dtype=np.int64), 1))
    return [*zip(names, by_type, strict=True), ("all", everything[0])]


def incident_kpis(records: list[ReplicationRecords], spec: ScenarioSpec) -> pd.DataFrame:
    """One row per (replication, incident type), plus an ``all`` row per replication."""
    return per_replication({r.replication: incident_metrics(r, spec) for r in records}, "type")


def summarize(kpis: pd.DataFrame, level: float = 0.95) -> dict[str, dict[str, Estimate]]:
    """Mean and confidence interval across replications for every type and metric."""
    out: dict[str, dict[str, Estimate]] = {}
    for name, group in kpis.groupby("type", sort=False):
        out[str(name)] = {m: estimate(group[m].to_numpy(), level) for m in INCIDENT_METRICS}
    return out
