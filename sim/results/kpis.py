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
``capable_mean``, ``_p90``  the same for the first unit that can do the job (capability-
``capable_within_target``  matched, :class:`~sim.scenario.schema.IncidentType` ``capable``),
                           against ``capable_target``
``complement_mean``,       the same for the full complement the type requires, against
``complement_p90``,        ``complement_target``; an incident whose work ended before that
``complement_within_target``  unit came (or that is still waiting, within the target) is left out
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
                    "report_within_target", "waited_share", "queue_wait_mean",
                    "capable_mean", "capable_p90", "capable_within_target",
                    "complement_mean", "complement_p90", "complement_within_target")

_TIMES = ("response_time", "occurrence", "report", "first_dispatch", "call", "capable_response",
          "complement_response", "scene_end")


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
    # the capable unit and the full complement: not needed when the work ended without them
    working = np.isnan(c["scene_end"])
    later: dict[str, list[np.ndarray]] = {}
    for name, times_of, goal in (("capable", c["capable_response"], c["capable_target"]),
                                 ("complement", c["complement_response"], c["complement_target"])):
        came = served & np.isfinite(times_of)
        due = served & np.isfinite(goal) & (came | (working & (end - occurrence > goal)))
        masks[f"{name}_known"], masks[f"{name}_hit"] = due, due & (times_of <= goal)
        later[name] = grouping.parts(times_of, came)
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
            **{f"{name}_{key}": value for name, parts in later.items() for key, value in (
                ("mean", mean_or_nan(parts[i])), ("p90", quantile_sorted(np.sort(parts[i]), 0.9)),
                ("within_target", _share(n[f"{name}_hit"], n[f"{name}_known"])))},
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
    types = [spec.incident_types[n] for n in names]
    for key, target_of in (("target", lambda t: t.target), ("report_target", lambda t: t.report_target),
                           ("capable_target", lambda t: t.capable_target_minutes),
                           ("complement_target", lambda t: t.complement_target_minutes)):
        columns[key] = np.array([_target(target_of(t)) for t in types] + [math.nan])[codes]
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
