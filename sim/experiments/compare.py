"""Statistics of a batch: KPI means per variant, paired differences against a baseline, and a
ranking that says which differences are statistically significant.

Every variant ran the same replication indices with the same root seed, so replication ``r`` of
two variants faced the same incidents and hazards (common random numbers). The difference of a
KPI between a variant and the baseline is therefore estimated per replication, and its
confidence interval comes from those paired differences (Student t). Its variance is compared
with ``Var(x) + Var(y)``, the variance the difference would have had with independent seeds:
``variance_reduction = 1 - Var(x - y) / (Var(x) + Var(y))``.

A difference is *significant* when the paired t-test rejects "no difference" at 5 %, after
Holm's correction for comparing several variants with the same baseline.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SimError
from ..results.stats import estimate

__all__ = ["HIGHER_IS_BETTER", "compare", "higher_is_better", "kpi_matrix", "summary"]

# metrics where more is better; for every other metric less is better
HIGHER_IS_BETTER = ("within_target", "report_within_target", "capable_within_target",
                    "complement_within_target", "first_batch_on_time", "fill_rate", "needs_met",
                    "evacuated_before_impact", "vulnerable_reached", "contained_share")


def higher_is_better(kpi: str) -> bool:
    return kpi.rsplit(".", 1)[-1] in HIGHER_IS_BETTER


def kpi_matrix(kpis: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """One KPI (``section.group.metric``) as a table: a row per replication, a column per variant."""
    parts = kpi.split(".")
    if len(parts) != 3:
        raise SimError(f"a KPI is named section.group.metric (e.g. response.all.response_mean), got {kpi!r}")
    section, group, metric = parts
    mine = kpis[(kpis["section"] == section) & (kpis["group"] == group) & (kpis["metric"] == metric)]
    if not len(mine):
        keys = kpis[["section", "group", "metric"]].drop_duplicates().itertuples(index=False)
        known = sorted(f"{s}.{g}.{m}" for s, g, m in keys)
        shown = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
        raise SimError(f"no KPI {kpi!r} in these results (some there are: {shown})")
    order = list(dict.fromkeys(kpis.sort_values("variant")["variant_name"]))
    table = mine.pivot(index="replication", columns="variant_name", values="value")
    return table.reindex(columns=order)


def summary(kpis: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Per variant: replications, mean and 95 % CI of one KPI."""
    table = kpi_matrix(kpis, kpi)
    rows = []
    for name in table.columns:
        est = estimate(table[name].to_numpy())
        rows.append({"variant": name, "n": est.n, "mean": est.mean, "half_width": est.half_width,
                     "ci_low": est.low, "ci_high": est.high})
    return pd.DataFrame(rows)


def compare(kpis: pd.DataFrame, kpi: str, baseline: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Rank the variants on one KPI, with paired differences against ``baseline`` (default: the
    first variant): mean, CI, difference, its CI, p-value (Holm-adjusted), significance and the
    variance reduction from common random numbers. Best first."""
    table = kpi_matrix(kpis, kpi)
    names = list(table.columns)
    base = baseline or names[0]
    if base not in names:
        raise SimError(f"no variant named {base!r} (variants: {', '.join(names)})")
    rows = []
    for name in names:
        x = table[name].to_numpy(dtype=float)
        est = estimate(x)
        row = {"variant": name, "n": est.n, "mean": est.mean, "half_width": est.half_width,
               "difference": math.nan, "diff_half_width": math.nan, "p_value": math.nan,
               "variance_reduction": math.nan}
        if name != base:
            y = table[base].to_numpy(dtype=float)
            both = np.isfinite(x) & np.isfinite(y)
            d = x[both] - y[both]
            diff = estimate(d)
            row.update(difference=diff.mean, diff_half_width=diff.half_width)
            if len(d) >= 2:
                independent = float(np.var(x[both], ddof=1) + np.var(y[both], ddof=1))
                row["variance_reduction"] = 1 - float(np.var(d, ddof=1)) / independent if independent > 0 \
                    else math.nan
                sd = float(np.std(d, ddof=1))
                if sd > 0:
                    row["p_value"] = float(stats.ttest_rel(x[both], y[both]).pvalue)
                else:   # identical every time, or shifted by the same amount every time
                    row["p_value"] = 1.0 if diff.mean == 0 else 0.0
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["p_holm"] = _holm(frame["p_value"].to_numpy())
    frame["significant"] = frame["p_holm"] < alpha
    frame["baseline"] = frame["variant"] == base
    ascending = not higher_is_better(kpi)
    frame = frame.sort_values("mean", ascending=ascending, na_position="last", kind="stable",
                              ignore_index=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of the finite p-values (NaN stays NaN)."""
    out = np.full(len(p), np.nan)
    idx = [i for i in range(len(p)) if math.isfinite(p[i])]
    order = sorted(idx, key=lambda i: p[i])
    running = 0.0
    m = len(order)
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[i]))
        out[i] = running
    return out
