"""What ``sim batch``, ``sim sweep`` and ``sim compare`` print and write: the ranking table, the
KPI-by-variant plot, overlaid response-time distributions, layout maps and exports."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, cast

import numpy as np
import pandas as pd

from ..errors import SimError
from ..experiments.batch_result import BatchResult
from ..experiments.compare import higher_is_better
from .gis import batch_layers
from .plots import plot_label, pyplot, save_figure
from .writing import output_folder, replacing, write_csv, write_text

__all__ = ["comparison_text", "export_results", "kpi_plot", "layout_maps", "response_cdfs",
           "write_batch_report"]


class _Ranked(Protocol):
    """A row of the table :meth:`BatchResult.compare` returns."""

    rank: int
    variant: str
    n: int
    mean: float
    half_width: float
    baseline: bool
    difference: float
    diff_half_width: float
    p_holm: float
    variance_reduction: float
    significant: bool


def _fmt(x: float, digits: int = 2) -> str:
    return "-" if not math.isfinite(x) else f"{x:,.{digits}f}"


def comparison_text(result: BatchResult, kpi: str, baseline: str | None = None) -> str:
    """The ranking of variants on one KPI, with paired differences against the baseline."""
    table = result.compare(kpi, baseline)
    base = str(table.loc[table["baseline"], "variant"].iloc[0])
    better = "higher" if higher_is_better(kpi) else "lower"
    lines = [f"{kpi} by variant ({better} is better; mean ± 95 % CI half-width over replications; "
             f"differences paired against {base!r})"]
    width = max(12, *(len(v) for v in table["variant"]))
    lines.append(f"{'rank':>4}  {'variant':<{width}}  {'reps':>5}  {'mean':>16}  {'difference':>18}  "
                 f"{'p (Holm)':>9}  {'CRN variance cut':>16}")
    for row in cast("Iterable[_Ranked]", table.itertuples(index=False)):
        mean = f"{_fmt(row.mean)} ± {_fmt(row.half_width)}"
        if row.baseline:
            diff, p, cut, mark = "baseline", "", "", ""
        else:
            diff = (f"{row.difference:+,.2f} ± {_fmt(row.diff_half_width)}" if math.isfinite(row.difference)
                    else "-")
            p = "<0.001" if row.p_holm < 0.001 else _fmt(row.p_holm, 3)
            cut = f"{row.variance_reduction:.0%}" if math.isfinite(row.variance_reduction) else "-"
            mark = " *" if row.significant else ""
        lines.append(f"{row.rank:>4}  {row.variant:<{width}}  {row.n:>5}  {mean:>16}  {diff:>18}  {p:>9}  "
                     f"{cut:>16}{mark}")
    lines.append("* significant at 5 % (paired t-test, Holm-adjusted for the number of comparisons). "
                 "CRN variance cut: how much smaller the variance of the paired difference is than with "
                 "independent seeds.")
    return "\n".join(lines)


def kpi_plot(result: BatchResult, kpi: str, path: Path) -> Path:
    """Mean and 95 % CI of one KPI per variant."""
    plt = pyplot()
    table = result.summary(kpi)
    fig, ax = plt.subplots(figsize=(max(5.0, 0.9 * len(table) + 2), 4.5), dpi=120)
    x = np.arange(len(table))
    ax.errorbar(x, table["mean"], yerr=table["half_width"].fillna(0), fmt="o", capsize=4)
    ax.set_xticks(x, [plot_label(v) for v in table["variant"]], rotation=30, ha="right")
    ax.set_ylabel(kpi)
    ax.set_title(f"{kpi}: mean and 95 % CI per variant")
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def response_cdfs(result: BatchResult, path: Path) -> Path:
    """Response-time distributions (all incident types, all replications) overlaid."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for name, counts in result.response_histograms().items():
        total = counts.sum()
        if total == 0:
            continue
        edges = np.arange(1, len(counts) + 1)
        ax.step(edges, np.cumsum(counts) / total, where="post", label=plot_label(name))
    ax.set_xlabel("response time (min, from occurrence to first arrival)")
    ax.set_ylabel("share of incidents answered within")
    ax.set_xlim(0, 90)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path)


MAP_MARKERS = {"fire_station": "^", "township_station": "s", "team_base": "D", "helibase": "P",
               "landing_point": "P", "staging_post": "v", "external_base": "*"}


def layout_maps(result: BatchResult, path: Path, max_panels: int = 12) -> Path:
    """One map per variant: nodes coloured by their mean response time; stations, bases and
    landing points marked by kind and sized by their units (volunteer teams and micro stations
    left out); in blue what differs from the baseline, a black cross where it lost a facility."""
    plt = pyplot()
    layouts = result.layouts()
    names = list(layouts)[:max_panels]
    nodes = result.node_response()
    base = {f[0]: f for f in layouts.get(result.baseline, layouts[names[0]])["facilities"]}
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 4.4 * rows), dpi=110, squeeze=False)
    finite = nodes["response_mean"][np.isfinite(nodes["response_mean"])]
    vmax = float(finite.quantile(0.95)) if len(finite) else 1.0
    scatter = None
    for ax, name in zip(axes.flat, names, strict=False):
        positions = layouts[name]["nodes"]
        mine = nodes[nodes["variant_name"] == name].set_index("node")["response_mean"]
        xs = [p[0] for p in positions.values()]
        ys = [p[1] for p in positions.values()]
        colours = [mine.get(n, np.nan) for n in positions]
        ax.scatter(xs, ys, s=12, c="lightgrey", zorder=1)
        scatter = ax.scatter(xs, ys, c=colours, cmap="viridis_r", vmin=0, vmax=vmax, s=28, zorder=2)
        facilities = {f[0]: f for f in layouts[name]["facilities"]}
        for fid, kind, node, units in facilities.values():
            if kind not in MAP_MARKERS or node not in positions:
                continue
            changed = base.get(fid) != [fid, kind, node, units]
            lon, lat = positions[node]
            ax.scatter([lon], [lat], marker=MAP_MARKERS[kind], s=30 + 15 * units, facecolors="none",
                       edgecolors="tab:blue" if changed else ("red" if units else "grey"),
                       linewidths=2.0 if changed else 0.8, zorder=3)
        for fid, kind, node, _ in base.values():
            if fid not in facilities and kind in MAP_MARKERS and node in positions:
                ax.scatter(*positions[node], marker="x", s=60, c="black", zorder=4)
        ax.set_title(plot_label(name), fontsize=9)
        ax.set_aspect(1 / math.cos(math.radians(float(np.mean(ys)))) if ys else 1.0)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    if scatter is not None:
        fig.colorbar(scatter, ax=axes, shrink=0.8, label="mean response time at the node (min)")
    fig.suptitle("Layouts: ^ fire station, s township station, D team base, P helipad; size = units; "
                 "blue = changed, x = removed", fontsize=9)
    return save_figure(fig, path, tight=False)


def export_results(result: BatchResult, out: Path, fmt: str = "csv") -> list[Path]:
    """Write the KPIs (long), the variants and the tasks as CSV or Parquet."""
    if fmt not in ("csv", "parquet"):
        raise SimError(f"unknown export format {fmt!r} (csv or parquet)")
    if fmt == "parquet":
        try:
            import pyarrow  # type: ignore[import-untyped]  # noqa: F401  (no stubs; only checked for)
        except ImportError:
            raise SimError("Parquet export needs pyarrow: pip install 'sim[parquet]'") from None
    output_folder(out)
    frames = {"kpis": result.kpis, "variants": result.variants.drop(columns=["layout"]),
              "tasks": result.store.tasks(), "node_response": result.node_response()}
    paths = []
    for name, frame in frames.items():
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            write_csv(path, frame)
        else:
            with replacing(path) as temp:
                frame.to_parquet(temp, index=False)
        paths.append(path)
    return paths


def write_batch_report(result: BatchResult, kpis: list[str], out: Path, baseline: str | None = None
                       ) -> list[Path]:
    """The comparison tables (CSV), the plots and the KPI export for a batch."""
    output_folder(out)
    paths = export_results(result, out, "csv")
    for kpi in kpis:
        stem = kpi.replace(".", "_")
        table: pd.DataFrame = result.compare(kpi, baseline)
        paths.append(write_csv(out / f"compare_{stem}.csv", table))
        paths.append(kpi_plot(result, kpi, out / f"kpi_{stem}.png"))
    paths.append(response_cdfs(result, out / "response_cdfs.png"))
    paths.append(layout_maps(result, out / "layouts.png"))
    layouts = result.layouts()
    for name, text in batch_layers(layouts, result.node_response(), result.baseline).items():
        paths.append(write_text(out / f"{name}.geojson", text))
    base = layouts.get(result.baseline, next(iter(layouts.values())))["nodes"]
    nodes = pd.DataFrame([{"id": node, "lon": lon, "lat": lat} for node, (lon, lat) in base.items()])
    paths.append(write_csv(out / "nodes.csv", nodes))
    return paths
