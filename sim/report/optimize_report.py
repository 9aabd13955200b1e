"""What ``sim optimize`` prints and writes.

* ``optimize_layouts.csv``: every layout simulated: its sites, static figures (the model's
  objective, weighted mean minutes, share within ``within``, worst minutes) and simulated
  figures (replications, KPI mean and 95 % CI half-width, when KN eliminated it, chosen);
* ``optimize_sites.csv``: the chosen layout's sites: place, position, status (kept, new,
  fixed) and the demand each serves in the static model, with its mean minutes;
* ``optimize.geojson``: layers ``candidate``, ``chosen``, ``closed`` (sites there now that the
  chosen layout gives up), ``demand`` (each place's weight, its minutes to the chosen sites and
  whether that is within ``within``) and ``assignment`` (a line from each place to its site);
* ``optimize_map.png``: the same on a map;
* ``chosen_scenario.yaml``: the scenario with the chosen layout, which ``sim run`` accepts as it
  is.
"""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..optimize.search import OptimizeResult, Prepared, paired
from ..optimize.sites import HOIST
from ..scenario.quantities import format_duration
from .plots import pyplot, save_figure
from .writing import write_csv, write_text

__all__ = ["changes", "optimize_text", "per_place", "static_text", "write_optimize"]

PLACE_WORDS = {
    "fire_stations": "fire stations",
    "township_stations": "township stations",
    "units": "units",
    "shelters": "shelters",
    "landing_points": "landing points",
    "township_depots": "township depots",
}


def _minutes(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:.2f}"


def static_text(prep: Prepared) -> str:
    """The static model's answers as a table."""
    return "\n".join(_static_lines(prep))


def _static_lines(prep: Prepared) -> list[str]:
    spec, problem = prep.spec, prep.problem
    within = spec.within
    candidates = sum(1 for j in range(len(problem.columns)) if j not in problem.fixed)
    places = len(set(problem.rows))
    states = f" in {len(problem.rows)} road states" if places < len(problem.rows) else ""
    how_many = "the fewest" if spec.model == "cover" else str(problem.count)
    if spec.place == "units":
        how_many += f" {spec.unit_type}"
    lines = [
        f"{spec.name}: {how_many} {PLACE_WORDS[spec.place]} among {candidates} candidate sites "
        f"({spec.model.replace('_', '-')}, demand: {places} places{states}, "
        f"{problem.weights.sum():,.1f} {problem.weight_unit})",
    ]
    if problem.left_out > 0:
        lines.append(
            f"  left out: {problem.left_out:,.2f} {problem.weight_unit} that no candidate "
            "reaches by road at the call (cut off)"
        )
    lines.append("")
    roads = "roads as at each call" if spec.demand.roads == "at_the_call" else "all roads open"
    lines.append(f"Static model (travel minutes to each demand place, {roads}):")
    objective = {
        "p_median": "mean min",
        "mclp": "covered",
        "p_center": "worst min",
        "cover": "sites",
        "mexclp": "expected covered",
    }[spec.model]
    header = [
        "layout",
        f"model: {objective}",
        "mean min",
        f"within {format_duration(within)}" if within else "within",
        "worst min",
        "sites (against the current layout)" if problem.existing else "sites",
    ]
    rows = []
    for a in prep.answers:
        rows.append(
            [
                a.name,
                f"{a.objective:.1%}"
                if spec.model in ("mclp", "mexclp")
                else _minutes(a.objective)
                if spec.model != "cover"
                else str(int(a.objective)),
                _minutes(a.mean_minutes),
                f"{a.covered:.1%}" if within else "-",
                _minutes(a.worst_minutes),
                changes(prep, a.sites),
            ]
        )
    return lines + _grid(header, rows)


def changes(prep: Prepared, sites: tuple[int, ...]) -> str:
    """The sites of a layout, as what it changes against the current one when there is one:
    ``zhapu -> zhapu-c2`` (one site for another), ``-a +b`` otherwise, ``(as now)`` for none."""
    problem = prep.problem
    name = problem.columns
    if not problem.existing:
        return " ".join(name[j] for j in sites)
    if problem.kind == "units":  # counts per site
        was, now = Counter(problem.existing), Counter(sites)
        moved = [f"{name[j]} {was[j]}->{now[j]}" for j in sorted(set(was) | set(now)) if was[j] != now[j]]
        return ", ".join(moved) or "(as now)"
    gone = [name[j] for j in problem.existing if j not in sites]
    new = [name[j] for j in sites if j not in problem.existing]
    if not gone and not new:
        return "(as now)"
    if len(gone) == len(new) == 1:
        return f"{gone[0]} -> {new[0]}"
    if len(gone) + len(new) > 6:  # many: say how many, and the first few

        def few(names: list[str], sign: str) -> str:
            shown = " ".join(f"{sign}{x}" for x in names[:3]) + (" ..." if len(names) > 3 else "")
            return f"{len(names)} {'closed' if sign == '-' else 'opened'} ({shown})"

        return ", ".join(few(names, sign) for names, sign in ((gone, "-"), (new, "+")) if names)
    return " ".join([*(f"-{g}" for g in gone), *(f"+{n}" for n in new)])


def optimize_text(result: OptimizeResult) -> str:
    """The printed answer: static and simulated tables, the choice and the paired differences."""
    prep = result.prepared
    spec, sel = prep.spec, result.selection
    lines = _static_lines(prep)
    lines.append("")
    lines.append(
        f"Simulated ({prep.kpi}; procedure KN, probability of correct selection {spec.selection.pcs:.0%}"
        f" within {prep.delta:g}; common random numbers, seed {spec.seed}):"
    )
    rows = []
    for _, r in result.table.iterrows():
        out = r["eliminated_after"]
        rows.append(
            [
                str(r["layout"]),
                str(r["replications"]),
                f"{r['mean']:.3f} +- {r['half_width']:.3f}" if math.isfinite(r["mean"]) else "-",
                "chosen"
                if r["chosen"]
                else (
                    f"out after {int(out)}"
                    if out is not None and not (isinstance(out, float) and math.isnan(out))
                    else "in"
                ),
            ]
        )
    lines += _grid(["layout", "replications", "mean +- 95% CI", "KN"], rows)
    lines.append("")
    names = [a.name for a in prep.answers]
    state = (
        ("settled" if sel.settled else "NOT settled: the replication budget was spent; the leader is shown")
        if len(names) > 1
        else "one layout"
    )
    lines.append(
        f"Chosen: {names[result.chosen]} ({state}; {result.replications} replications in all, "
        f"{sel.dropped} without a value left out)"
    )
    best = result.static_best
    if result.chosen != best:
        d, h, n = paired(result, result.chosen, best)
        lines.append(f"  simulated best - static optimum: {d:+.3f} +- {h:.3f} ({n} paired replications)")
    else:
        lines.append("  the static optimum is the simulated best")
    cur = result.current
    if cur is not None:
        for other, label in ((best, "static optimum"), (result.chosen, "simulated best")):
            if other != cur:
                d, h, n = paired(result, cur, other)
                lines.append(f"  current - {label}: {d:+.3f} +- {h:.3f} ({n} paired replications)")
    return "\n".join(lines)


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [
        max(len(header[k]), *(len(r[k]) for r in rows)) if rows else len(header[k])
        for k in range(len(header))
    ]
    fmt = lambda r: "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return [fmt(header), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]


def _assigned(result: OptimizeResult) -> tuple[np.ndarray, np.ndarray]:
    """Per demand place in the chosen layout: the column it is served from (-1: none), minutes."""
    problem = result.prepared.problem
    chosen = result.prepared.answers[result.chosen]
    open_ = np.array(sorted(set(chosen.sites) | set(problem.fixed)))
    sub = problem.times[:, open_]
    best = np.argmin(sub, axis=1)
    minutes = sub[np.arange(len(best)), best]
    return np.where(np.isfinite(minutes), open_[best], -1), minutes


def write_optimize(result: OptimizeResult, out: Path) -> list[Path]:
    prep = result.prepared
    problem, scenario = prep.problem, prep.scenario
    nodes = {n.id: n for n in scenario.spec.region.nodes}
    chosen = prep.answers[result.chosen]
    column, minutes = _assigned(result)
    paths = [write_csv(out / "optimize_layouts.csv", result.table)]
    existing = set(problem.existing)
    site_rows = []
    for j in sorted(set(chosen.sites) | set(problem.fixed)):
        label = problem.columns[j]
        mine = column == j
        node = nodes.get(label)
        w = problem.weights[mine]
        site_rows.append(
            {
                "site": label,
                "name": node.name if node else "",
                "lon": node.lon if node else math.nan,
                "lat": node.lat if node else math.nan,
                "status": "fixed" if j in problem.fixed else ("kept" if j in existing else "new"),
                "demand": float(w.sum()),
                "mean_minutes": float(w @ minutes[mine] / w.sum()) if w.sum() > 0 else math.nan,
            }
        )
    paths.append(write_csv(out / "optimize_sites.csv", pd.DataFrame(site_rows)))
    paths.append(
        write_text(
            out / "optimize.geojson", json.dumps(_geojson(result, column, minutes), ensure_ascii=False)
        )
    )
    paths.append(_map(result, column, out / "optimize_map.png"))
    raw = prep.experiment.variants[result.chosen].raw
    if raw is not None:
        raw = _files_from(raw, Path(prep.scenario.path).parent if prep.scenario.path else Path.cwd())
        head = f"# {prep.spec.name}: the layout chosen by sim optimize ({chosen.name}), written out in full\n"
        paths.append(
            write_text(
                out / "chosen_scenario.yaml",
                head + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=110),
            )
        )
    return paths


def _files_from(raw: dict, folder: Path) -> dict:
    """The scenario mapping with the files it names (travel matrix, road network and its
    nodes, generators' points) as absolute paths, so that it runs from wherever it is written."""
    out = copy.deepcopy(raw)

    def fix(holder: object, key: str) -> None:
        if (
            isinstance(holder, dict)
            and isinstance(holder.get(key), str)
            and not Path(holder[key]).is_absolute()
        ):
            holder[key] = str((folder / holder[key]).resolve())

    region = out.get("region")
    if isinstance(region, dict):
        fix(region, "travel_matrix")
        fix(region.get("road_network"), "file")
        fix(region.get("road_network"), "nodes")
    for generator in out.get("generators") or []:
        if isinstance(generator, dict):
            fix(generator.get("where"), "points")
    return out


def per_place(result: OptimizeResult, column: np.ndarray, minutes: np.ndarray) -> list[dict[str, Any]]:
    """The demand rows of the chosen layout gathered per place (a place has a row per road state
    with ``roads: at_the_call``): its weight, the weighted mean minutes to its sites (over the
    rows they reach), the share of its weight within ``within`` and the site serving most of it."""
    problem = result.prepared.problem
    within = result.prepared.spec.within
    rows: dict[str, list[int]] = {}
    for i, label in enumerate(problem.rows):
        rows.setdefault(label, []).append(i)
    out = []
    for label, mine in rows.items():
        w = problem.weights[mine]
        m = minutes[mine]
        ok = np.isfinite(m)
        served: dict[str, float] = {}
        for i in mine:
            if column[i] >= 0:
                site = problem.columns[int(column[i])]
                served[site] = served.get(site, 0.0) + float(problem.weights[i])
        total = float(w.sum())
        out.append(
            {
                "place": label,
                "weight": total,
                "minutes": float(w[ok] @ m[ok] / w[ok].sum()) if ok.any() and w[ok].sum() > 0 else None,
                "within": float(w[ok & (m <= within)].sum() / total)
                if within is not None and total > 0
                else None,
                "site": max(served, key=lambda k: (served[k], k)) if served else "",
            }
        )
    return out


def _geojson(result: OptimizeResult, column: np.ndarray, minutes: np.ndarray) -> dict[str, Any]:
    prep = result.prepared
    problem = prep.problem
    nodes = {n.id: n for n in prep.scenario.spec.region.nodes}
    chosen = set(prep.answers[result.chosen].sites) | set(problem.fixed)
    features = []

    def point(label: str, props: dict[str, Any]) -> None:
        n = nodes[label]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [n.lon, n.lat]},
                "properties": {"place": label, "name": n.name or "", **props},
            }
        )

    for j, label in enumerate(problem.columns):
        if label == HOIST:
            continue
        point(label, {"layer": "candidate"})
        if j in chosen:
            point(
                label,
                {
                    "layer": "chosen",
                    "status": "fixed" if j in problem.fixed else ("kept" if j in problem.existing else "new"),
                },
            )
        elif j in problem.existing:
            point(label, {"layer": "closed"})
    for place in per_place(result, column, minutes):
        label, site = place["place"], place["site"]
        point(label, {"layer": "demand", **{k: v for k, v in place.items() if k != "place"}})
        if site and site != HOIST:
            a, b = nodes[label], nodes[site]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"layer": "assignment", "place": label, "site": site},
                    "geometry": {"type": "LineString", "coordinates": [[b.lon, b.lat], [a.lon, a.lat]]},
                }
            )
    return {"type": "FeatureCollection", "name": prep.spec.name, "features": features}


def _map(result: OptimizeResult, column: np.ndarray, path: Path) -> Path:
    plt = pyplot()
    prep = result.prepared
    problem = prep.problem
    nodes = {n.id: n for n in prep.scenario.spec.region.nodes}
    chosen = set(prep.answers[result.chosen].sites) | set(problem.fixed)
    fig, ax = plt.subplots(figsize=(8, 8))
    xy = lambda labels: (np.array([nodes[x].lon for x in labels]), np.array([nodes[x].lat for x in labels]))  # noqa: E731
    cands = [c for c in problem.columns if c != HOIST]
    x, y = xy(cands)
    ax.scatter(x, y, s=6, c="0.75", label="candidate", zorder=1)
    places = per_place(result, column, np.zeros(len(problem.rows)))
    for place in places:
        if place["site"] and place["site"] != HOIST:
            a, b = nodes[place["place"]], nodes[place["site"]]
            ax.plot([a.lon, b.lon], [a.lat, b.lat], color="0.85", lw=0.6, zorder=0)
    x, y = xy([p["place"] for p in places])
    w = np.array([p["weight"] for p in places])
    ax.scatter(
        x,
        y,
        s=10 + 150 * w / max(float(w.max()), 1e-9),
        facecolors="none",
        edgecolors="tab:blue",
        lw=0.8,
        label=f"demand ({problem.weight_unit})",
        zorder=2,
    )
    closed = [problem.columns[j] for j in problem.existing if j not in chosen]
    if closed:
        x, y = xy(closed)
        ax.scatter(x, y, marker="x", s=60, c="black", label="closed (there now)", zorder=3)
    kept = [
        problem.columns[j]
        for j in chosen
        if problem.columns[j] != HOIST and (j in problem.existing or j in problem.fixed)
    ]
    new = [
        problem.columns[j]
        for j in chosen
        if problem.columns[j] != HOIST and j not in problem.existing and j not in problem.fixed
    ]
    if kept:
        x, y = xy(kept)
        ax.scatter(x, y, marker="s", s=50, c="tab:green", label="kept / fixed", zorder=4)
    if new:
        x, y = xy(new)
        ax.scatter(x, y, marker="*", s=160, c="tab:red", label="new site", zorder=5)
    for label in [*closed, *new]:  # name the places that change
        ax.annotate(
            label, (nodes[label].lon, nodes[label].lat), xytext=(4, 4), textcoords="offset points", fontsize=7
        )
    ax.set_title(f"{prep.spec.name}: {prep.answers[result.chosen].name}")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect(1 / max(math.cos(math.radians(float(np.mean(y)))), 0.1))
    ax.legend(loc="best", fontsize=8)
    return save_figure(fig, path)
