"""The KPI table ``sim run`` prints."""

from __future__ import annotations

import math
from pathlib import Path

from ..results.outcome import RunResult
from ..results.stats import Estimate
from ..scenario.quantities import format_duration

__all__ = ["kpi_table"]


def _fixed(x: float, digits: int) -> str:
    """``x`` with ``digits`` decimals, never as "-0.0"."""
    return f"{round(x, digits) + 0.0:.{digits}f}"


def _num(e: Estimate, digits: int = 1) -> str:
    if not math.isfinite(e.mean):
        return "-"
    if not math.isfinite(e.half_width):
        return _fixed(e.mean, digits)
    return f"{_fixed(e.mean, digits)} ± {_fixed(e.half_width, digits)}"


def _pct(e: Estimate) -> str:
    if not math.isfinite(e.mean):
        return "-"
    if not math.isfinite(e.half_width):
        return f"{100 * e.mean:.1f}%"
    return f"{100 * e.mean:.1f}% ± {100 * e.half_width:.1f}"


def _shown(path: Path | None) -> str:
    """A path relative to the working folder when it lies below it."""
    if path is None:
        return "<in memory>"
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if k == 0 else c.rjust(w)  # noqa: E731
                              for k, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
    return [fmt(header), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]


def _goal(minutes: float | None) -> str:
    return f" (<= {format_duration(minutes)})" if minutes else ""


def kpi_table(result: RunResult) -> str:
    """Plain-text KPI report: response times, reports and queue, unit workload."""
    sc = result.scenario
    spec = sc.spec
    run = spec.run
    summary = result.summary
    lines = [
        f"{spec.name}: {result.replications} replication{'s' * (result.replications != 1)} x "
        f"{format_duration(run.horizon)} (warm-up {format_duration(run.warmup)}), seed {result.seed}",
        f"Scenario: {_shown(sc.path)} (digest {sc.digest})",
        f"Travel: {sc.travel.description}",
        f"Dispatch: {spec.dispatch.policy}, calls "
        f"{'wait in a queue' if spec.dispatch.when_no_unit == 'queue' else 'are lost'} when no unit fits",
        "Values: mean across replications ± half-width of the 95% confidence interval.",
        "",
        "Response time (minutes from occurrence to first arrival)",
    ]
    types = [*spec.incident_types, "all"]
    rows = []
    for name in types:
        s = summary[name]
        target = spec.incident_types[name].target if name != "all" else None
        tgt = f" (<= {format_duration(target)})" if target else ""
        rows.append([name, _num(s["incidents"]), _num(s["response_mean"]), _num(s["response_median"]),
                     _num(s["response_p90"]), _num(s["response_p95"]), _pct(s["within_target"]) + tgt])
    lines += _grid(["type", "incidents/rep", "mean", "median", "p90", "p95", "within target"], rows)
    lines += ["", "Who arrives (minutes from occurrence): the first unit able to do the job",
              "(capability-matched) and the full complement the type requires"]
    rows = []
    for name in types:
        s = summary[name]
        itype = spec.incident_types[name] if name != "all" else None
        rows.append([name, ", ".join(itype.capable_capabilities) if itype else "",
                     _num(s["capable_mean"]), _num(s["capable_p90"]),
                     _pct(s["capable_within_target"])
                     + _goal(itype.capable_target_minutes if itype else None),
                     _num(s["complement_mean"]), _num(s["complement_p90"]),
                     _pct(s["complement_within_target"])
                     + _goal(itype.complement_target_minutes if itype else None)])
    lines += _grid(["type", "able to do it", "capable mean", "p90", "within target", "complement mean",
                    "p90", "within target"], rows)
    lines += ["", "Reports and queue"]
    rows = []
    for name in types:
        s = summary[name]
        rt = spec.incident_types[name].report_target if name != "all" else None
        rows.append([name, _num(s["report_mean"]),
                     _pct(s["report_within_target"]) + (f" (<= {format_duration(rt)})" if rt else ""),
                     _pct(s["waited_share"]), _num(s["queue_wait_mean"], 2), _num(s["lost"]),
                     _num(s["open"])])
    lines += _grid(["type", "report delay", "report within target", "waited", "queue wait",
                    "lost/rep", "open/rep"], rows)
    lines += ["", "Units by type (busy = from dispatch until free again, inside [warm-up, horizon];"
              " per unit: units.csv)"]
    rows = []
    for _, g in result.unit_type_summary.iterrows():
        busy = Estimate(g["busy_fraction"], g["busy_fraction_half_width"], result.replications)
        jobs = Estimate(g["assignments_per_unit"], g["assignments_half_width"], result.replications)
        rows.append([g["type"], g["base"], str(g["units"]), _pct(busy), _num(jobs)])
    lines += _grid(["unit type", "based at", "units", "busy fraction", "assignments/unit/rep"], rows)
    lines += _modes_table(result)
    if result.has_hazards:
        lines += _hazard_tables(result)
    if result.has_evacuation:
        lines += _evacuation_table(result)
    if result.has_supplies:
        lines += _supply_table(result)
    return "\n".join(lines)


def _evacuation_table(result: RunResult) -> list[str]:
    summary = result.evacuation_summary
    rows = []
    for hazard, e in summary.items():
        rows.append([hazard, _num(e["told"], 0), _num(e.get("warning_hours", _NONE)),
                     _num(e["at_risk_at_impact"], 0), _pct(e.get("evacuated_before_impact", _NONE)),
                     _pct(e.get("vulnerable_reached", _NONE)), _num(e.get("hours_to_clear", _NONE)),
                     _num(e["villages_not_cleared"]), _num(e["overflow"], 0)])
    everyone = summary["all"]
    return ["", "Evacuation (per replication; 'in zone at impact' is the 'no deaths' measure, all of the "
                "people told for sudden events with no warning)",
            *_grid(["hazard", "told to move", "warning h", "in zone at impact", "left before impact",
                    "vulnerable reached", "hours to clear", "villages not cleared", "overflow"], rows),
            f"most people in shelters at once {_num(everyone['shelter_peak'], 0)} "
            "(occupancy over time: shelter_occupancy.csv, shelters_and_stock.png)"]


_NONE = Estimate(math.nan, math.nan, 0)
STOCKOUT_ROWS = 12


def _supply_table(result: RunResult) -> list[str]:
    s = result.supply_summary
    targets = result.scenario.spec.supply.targets
    target_text = ", ".join(f"{tier} {format_duration(t)}" for tier, t in targets.items())
    share = result.scenario.spec.supply.first_batch_share
    batch = "all of" if share >= 1 else f"{share:.0%} of"
    lines = ["", f"Relief supplies (per replication; first batch = {batch} what an area first asks for, "
                 f"its target by the tier that completes it: {target_text})"]
    if not math.isfinite(s.get("fill_rate", _NONE).mean):
        return [*lines, "no shelter or incident asked for supplies"]
    lines.append(f"disaster areas asking {_num(s['areas'])}; hours from first request to first batch "
                 f"{_num(s.get('first_batch_hours', _NONE), 2)}; on time "
                 f"{_pct(s.get('first_batch_on_time', _NONE))} (each area and event: first_batches.csv)")
    lines.append(f"fill rate (delivered / asked by the end) {_pct(s['fill_rate'])}; sheltered people's daily "
                 f"needs met when needed {_pct(s.get('needs_met', _NONE))} (per shelter and item: "
                 "shelter_needs.csv)")
    outs = result.stockout_summary
    outs = outs[outs["hours"] > 0].sort_values(["hours", "depot", "item"], ascending=[False, True, True])
    if len(outs):
        shown = outs.head(STOCKOUT_ROWS)
        rows = [[d, i, _num(Estimate(h, w, result.replications))] for d, i, h, w in
                shown[["depot", "item", "hours", "half_width"]].itertuples(index=False)]
        more = f"; {len(outs) - len(shown)} more in stockouts.csv" if len(outs) > len(shown) else ""
        lines += [f"Stock-outs (hours per replication, longest first{more})",
                  *_grid(["depot", "item", "hours out"], rows)]
    return lines


def _modes_table(result: RunResult) -> list[str]:
    """Response by mode, shown when anything but road units exists."""
    spec = result.scenario.spec
    if all(u.mode == "road" and u.mutual_aid is None for u in spec.units):
        return []
    rows = []
    for mode, s in result.mode_summary.items():
        if mode != "mutual aid" and not any(u.mode == mode for u in spec.units):
            continue
        rows.append([mode, _num(s["units_sent"]), _num(s["mean_travel_min"]),
                     _num(s["first_to_arrive"]) if mode != "mutual aid" else ""])
    return ["", "Response by mode (per replication)",
            *_grid(["mode", "units sent", "mean travel (min)", "first to arrive"], rows)]


_HAZARD_LABELS = {"typhoon": "typhoon", "heavy_rain": "heavy rain", "landslide": "landslide",
                  "forest_fire": "forest fire", "chemical": "chemical accident", "earthquake": "earthquake"}


def _hazard_tables(result: RunResult) -> list[str]:
    summary = result.hazard_summary
    rows = []
    for kind in result.hazard_kinds:
        s = summary[kind]
        rows.append([_HAZARD_LABELS.get(kind, kind), _num(s["events"], 2), _num(s["people_affected"], 0),
                     _num(s["roads_cut"]), _num(s["power_out_people_hours"], 0)])
    cut = summary["cut off"]
    lines = ["", "Hazards (per replication)",
             *_grid(["hazard", "events", "people affected", "roads cut", "power-out people-hours"], rows),
             f"Cut off from every road unit's station: {_num(cut['node_hours'])} node-hours, "
             f"{_num(cut['people_hours'], 0)} people-hours per replication"]
    if "forest_fire" in result.hazard_kinds:
        f = result.fire_summary
        target = result.fire_damage_target
        damage = f["damage_permille_per_year"]
        verdict = ""
        if target is not None and math.isfinite(damage.mean):
            verdict = " - meets" if damage.high <= target else (" - misses" if damage.low > target
                                                                 else " - not clearly above or below")
            verdict += f" the {target:g} per-mille target"
        lines += ["", "Forest fires (per replication)",
                  f"fires {_num(f['fires'], 2)}; burned {_num(f['burned_ha'], 2)} ha; damage rate "
                  f"{_num(damage, 4)} per mille of forest a year{verdict}",
                  f"first attack {_num(f['minutes_to_first_attack'])} min after ignition, when the fire "
                  f"was {_num(f['area_at_first_attack_ha'], 2)} ha; stopped by the crews: "
                  f"{_pct(f['contained_share'])} (the rest burned out)"]
    return lines
