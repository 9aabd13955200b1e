"""What ``sim reserves`` prints and writes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from ..experiments.reserve_diagnosis import summary_lines
from ..experiments.reserves import Confirmation, ReserveResult
from ..scenario.loader import Scenario
from ..scenario.quantities import format_duration
from .plots import plot_label, pyplot, save_figure
from .writing import output_folder, write_csv, write_text

__all__ = ["reserves_report", "write_reserves"]


def _targets(scenario: Scenario, fill: float | None, first_batch: bool) -> str:
    parts = []
    if first_batch:
        targets = ", ".join(f"{t} {format_duration(v)}" for t, v in scenario.spec.supply.targets.items())
        parts.append(f"first batch on time ({targets})")
    if fill is not None:
        parts.append(f"fill rate at least {fill:.0%}")
    return " and ".join(parts)


def reserves_report(scenario: Scenario, result: ReserveResult, check: Confirmation | None,
                    fill: float | None, first_batch: bool) -> str:
    table = result.table(scenario)
    lines = [
        f"Reserve sizing for {scenario.spec.name}",
        f"Targets: {_targets(scenario, fill, first_batch)}, in at least {result.service_level:.0%} of "
        f"disasters, with {result.confidence:.0%} confidence",
        f"Disasters asking for supplies: {result.trials + len(result.beyond_stock)} replications (seed "
        f"{result.seed}); with unlimited stock {result.unlimited_successes} of them meet the targets",
        "",
    ]
    if result.beyond_stock:
        lines += [f"{len(result.beyond_stock)} of them miss the targets whatever the stock: the answer below "
                  f"holds for the other {result.trials}. Late first batches with unlimited stock, and what "
                  "would fix them (each one: reserves_failures.csv):", *summary_lines(result.late), ""]
    width = max(len(str(d)) for d in table["depot"]) if len(table) else 5
    lines.append(f"{'depot':<{width}}  {'item':<12} {'stock':>12} {'cost':>14}")
    for row in table.itertuples(index=False):
        lines.append(f"{row.depot:<{width}}  {row.item:<12} {row.stock:>12,.0f} {row.cost:>14,.0f}")
    lines += ["", f"Total cost {result.cost:,.0f}. In the search it met the targets in {result.successes} of "
                  f"{result.trials} disasters (optimistic: the stock was tuned to them)."]
    if check is not None:
        share = check.successes / max(check.trials, 1)
        aside = (f" ({check.set_aside} more that no stock serves in time set aside)" if check.set_aside
                 else "")
        lines.append(f"Confidence statement, from {check.trials} fresh disasters (seed {check.seed}){aside}: "
                     f"the targets are met in {check.successes} ({share:.1%}); with {result.confidence:.0%} "
                     f"confidence in at least {check.lower_bound:.1%} of disasters.")
        if check.confirmed:
            lines.append(f"The fresh disasters confirm the answer: they do not show it below the "
                         f"{result.service_level:.0%} service level (upper bound {check.upper_bound:.1%}).")
        else:
            lines.append(f"The fresh disasters do NOT confirm the answer: with {result.confidence:.0%} "
                         f"confidence it meets the targets in at most {check.upper_bound:.1%} of disasters; "
                         "raise --replications so the search sees more disasters.")
    return "\n".join(lines)


def write_reserves(scenario: Scenario, result: ReserveResult, check: Confirmation | None, out: Path,
                   fill: float | None, first_batch: bool) -> list[Path]:
    out = output_folder(out)
    paths = [write_csv(out / "reserves.csv", result.table(scenario)),
             write_csv(out / "reserves_curve.csv", result.curve)]
    if result.late:
        paths.append(write_csv(out / "reserves_failures.csv", pd.DataFrame([vars(b) for b in result.late])))
    summary = {
        "scenario": scenario.spec.name, "digest": scenario.digest,
        "targets": _targets(scenario, fill, first_batch),
        "service_level": result.service_level, "confidence": result.confidence, "seed": result.seed,
        "disasters": result.trials, "successes": result.successes, "lower_bound": result.lower_bound,
        "unlimited_successes": result.unlimited_successes, "cost": result.cost,
        "set_aside": result.beyond_stock,
        "late_first_batches": [{k: (v if not isinstance(v, float) or math.isfinite(v) else None)
                                for k, v in vars(b).items()} for b in result.late],
        "simulations": result.simulations, "reused": result.reused,
        "stock": [{"depot": d, "item": i, "stock": q} for (d, i), q in sorted(result.stock.items())],
        "confirmation": None if check is None else {
            "seed": check.seed, "disasters": check.trials, "successes": check.successes,
            "lower_bound": check.lower_bound, "upper_bound": check.upper_bound, "confirmed": check.confirmed,
            "set_aside": check.set_aside},
    }
    paths.append(out / "reserves.json")
    write_text(paths[-1], json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    curve = result.curve
    ax.plot(curve["cost"], curve["service"], marker="o", label="share of disasters meeting the targets")
    ax.fill_between(curve["cost"], curve["lower_bound"], curve["upper_bound"], alpha=0.2,
                    label=f"{result.confidence:.0%} confidence band")
    ax.axhline(result.service_level, linestyle="--", color="grey", label="service level")
    ax.axvline(result.cost, linestyle=":", color="black", label="answer")
    ax.set_xlabel("stock cost (the answer scaled from 0 to 1.5)")
    ax.set_ylabel("share of disasters")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(plot_label(f"{scenario.spec.name}: cost against service"))
    paths.append(save_figure(fig, out / "reserves_curve.png"))
    return paths
