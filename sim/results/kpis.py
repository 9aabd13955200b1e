"""Key performance indicators, computed from the record tables (never inside the engine).

Per replication and incident type (plus an ``all`` row):

=========================  ==============================================================
``incidents``              incidents that occurred after the warm-up
``lost``                   of those, calls turned away (scenarios that do not queue calls)
``open``                   of those, still not cleared when the run ended
``response_mean`` ...      response time (first arrival - occurrence), minutes: mean,
``response_p95``           median, 90th and 95th percentile
``within_target``          share of incidents whose response time met the type's target;
                           incidents still waiting at the end count as misses once they
                           have waited longer than the target, and are left out before
``report_mean``            minutes from occurrence to the report reaching the command centre
``report_within_target``   share of reports within the type's ``report_target``
``waited_share``           share of calls that had to wait for a unit (queue)
``queue_wait_mean``        mean minutes from the call to the first unit sent (all calls)
=========================  ==============================================================

Per unit: ``busy_minutes`` (sent until free again, inside the measured window
``[warm-up, horizon]``), ``busy_fraction`` (busy minutes / window length) and ``assignments``
(units sent within the window). Driving home does not count as busy.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..scenario.schema import ScenarioSpec
from .stats import Estimate, estimate

__all__ = ["INCIDENT_METRICS", "incident_kpis", "summarize", "unit_kpis", "unit_summary"]

INCIDENT_METRICS = ("incidents", "lost", "open", "response_mean", "response_median",
                    "response_p90", "response_p95", "within_target", "report_mean",
                    "report_within_target", "waited_share", "queue_wait_mean")


def _share(hit: np.ndarray, known: np.ndarray) -> float:
    return float(hit[known].mean()) if known.any() else np.nan


_COLUMNS = ("status", "response_time", "target", "occurrence", "report", "report_target", "first_dispatch",
            "call", "waited")


def _metrics(c: dict[str, np.ndarray], end: float) -> dict[str, float]:
    """The metrics of one group of incidents, from its columns."""
    lost = c["status"] == "lost"
    served = ~lost
    response = c["response_time"][served]
    reached = np.isfinite(response)
    rt = response[reached]
    target = c["target"][served]
    waited_so_far = end - c["occurrence"][served]
    has_target = np.isfinite(target)
    known = has_target & (reached | (waited_so_far > target))
    hit = reached & (np.nan_to_num(response, nan=np.inf) <= target)
    report = c["report"] - c["occurrence"]
    rtarget = c["report_target"]
    rknown = np.isfinite(rtarget) & (np.isfinite(report) | (end - c["occurrence"] > rtarget))
    rhit = np.nan_to_num(report, nan=np.inf) <= rtarget
    first_dispatch, call = c["first_dispatch"][served], c["call"][served]
    sent = np.isfinite(first_dispatch)
    wait = first_dispatch[sent] - call[sent]
    called = np.isfinite(c["call"])
    return {
        "incidents": float(len(lost)),
        "lost": float(lost.sum()),
        "open": float((c["status"] == "open").sum()),
        "response_mean": float(rt.mean()) if len(rt) else np.nan,
        "response_median": float(np.median(rt)) if len(rt) else np.nan,
        "response_p90": float(np.quantile(rt, 0.9)) if len(rt) else np.nan,
        "response_p95": float(np.quantile(rt, 0.95)) if len(rt) else np.nan,
        "within_target": _share(hit, known),
        "report_mean": float(np.nanmean(report)) if np.isfinite(report).any() else np.nan,
        "report_within_target": _share(rhit, rknown),
        "waited_share": _share(c["waited"].astype(bool), called),
        "queue_wait_mean": float(wait.mean()) if len(wait) else np.nan,
    }


def incident_kpis(incidents: pd.DataFrame, spec: ScenarioSpec, end_times: Mapping[int, float],
                  replications: list[int] | None = None) -> pd.DataFrame:
    """One row per (replication, incident type), plus an ``all`` row per replication."""
    targets = {name: t.target for name, t in spec.incident_types.items()}
    report_targets = {name: t.report_target for name, t in spec.incident_types.items()}
    df = incidents[incidents["occurrence"] >= spec.run.warmup]
    types = df["type"].to_numpy(dtype=object)
    columns = {name: df[name].to_numpy() for name in _COLUMNS if name in df}
    columns["status"] = df["status"].to_numpy(dtype=object)
    columns["target"] = np.array([targets.get(t, np.nan) for t in types], dtype=float)
    columns["report_target"] = np.array([report_targets.get(t, np.nan) for t in types], dtype=float)
    for name in ("response_time", "occurrence", "report", "first_dispatch", "call"):
        columns[name] = columns[name].astype(float)
    rep_of = df["replication"].to_numpy()
    reps = replications if replications is not None else sorted(end_times)
    rows = []
    for rep in reps:
        in_rep = np.nonzero(rep_of == rep)[0]
        mine = {k: v[in_rep] for k, v in columns.items()}
        rep_types = types[in_rep]
        end = end_times[rep]
        for name in spec.incident_types:
            pick = rep_types == name
            group = {k: v[pick] for k, v in mine.items()}
            rows.append({"replication": rep, "type": name, **_metrics(group, end)})
        rows.append({"replication": rep, "type": "all", **_metrics(mine, end)})
    return pd.DataFrame(rows, columns=["replication", "type", *INCIDENT_METRICS])


def summarize(kpis: pd.DataFrame, level: float = 0.95) -> dict[str, dict[str, Estimate]]:
    """Mean and confidence interval across replications for every type and metric."""
    out: dict[str, dict[str, Estimate]] = {}
    for name, group in kpis.groupby("type", sort=False):
        out[str(name)] = {m: estimate(group[m].to_numpy(), level) for m in INCIDENT_METRICS}
    return out


def unit_kpis(assignments: pd.DataFrame, units: pd.DataFrame, warmup: float, horizon: float,
              end_times: Mapping[int, float]) -> pd.DataFrame:
    """Units table with busy minutes, busy fraction and assignments in ``[warm-up, horizon]``."""
    a = assignments.copy()
    end = a["replication"].map(end_times).astype(float)
    free = a["free"].fillna(end)
    start = a["dispatch"].clip(lower=warmup, upper=horizon)
    stop = free.clip(lower=warmup, upper=horizon)
    a["busy"] = (stop - start).clip(lower=0.0)
    a["counted"] = (a["dispatch"] >= warmup) & (a["dispatch"] < horizon)
    per_unit = a.groupby(["replication", "unit"]).agg(
        busy_minutes=("busy", "sum"), assignments=("counted", "sum")).reset_index()
    out = units.merge(per_unit, on=["replication", "unit"], how="left")
    out["busy_minutes"] = out["busy_minutes"].fillna(0.0)
    out["assignments"] = out["assignments"].fillna(0).astype(np.int64)
    out["busy_fraction"] = out["busy_minutes"] / (horizon - warmup)
    return out


def unit_summary(units: pd.DataFrame, by: str = "group", level: float = 0.95) -> pd.DataFrame:
    """Per unit group (``by="group"``) or unit type (``by="type"``): number of units, mean busy
    fraction and assignments per unit, with CIs across replications."""
    rows = []
    for key, df in units.groupby(by, sort=False):
        per_rep = df.groupby("replication").agg(busy=("busy_fraction", "mean"),
                                                jobs=("assignments", "mean"))
        busy = estimate(per_rep["busy"].to_numpy(), level)
        jobs = estimate(per_rep["jobs"].to_numpy(), level)
        first = df.iloc[0]
        bases = df["base"].unique()
        rows.append({by: key, **({"type": first["type"]} if by != "type" else {}),
                     "base": bases[0] if len(bases) == 1 else f"{len(bases)} bases",
                     "units": int(df["unit"].nunique()), "busy_fraction": busy.mean,
                     "busy_fraction_half_width": busy.half_width, "assignments_per_unit": jobs.mean,
                     "assignments_half_width": jobs.half_width})
    return pd.DataFrame(rows)
