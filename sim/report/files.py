"""Files written by ``sim run``: record tables as CSV, a JSON summary and the CDF plot."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .. import __version__
from ..results.outcome import RunResult
from ..results.stats import Estimate
from .aside import Aside
from .gis import node_positions, write_gis
from .plots import hazards_plot, people_supplies_plot, response_cdf_plot
from .writing import output_folder, write_csv, write_text

__all__ = ["HAZARD_TABLES", "summary_dict", "write_outputs"]

HAZARD_TABLES = ("hazards", "fires", "road_closures", "road_slowdowns", "cut_off", "outages", "staging_moves")
EVACUATION_TABLES = ("evacuation", "evacuation_nodes", "shelter_occupancy")
SUPPLY_TABLES = ("supply_requests", "shipments", "stock", "stockouts", "shelter_needs")


def _minutes(x: float | None) -> float | None:
    return None if x is None else float(x)


def summary_dict(result: RunResult) -> dict:
    """Everything ``sim run`` prints, as JSON-ready data."""
    sc, spec = result.scenario, result.scenario.spec
    types = {}
    for name, metrics in result.summary.items():
        itype = spec.incident_types.get(name)
        types[name] = {
            "target_min": _minutes(itype.target) if itype else None,
            "report_target_min": _minutes(itype.report_target) if itype else None,
            **{metric: est.as_dict() for metric, est in metrics.items()},
        }
    def unit_rows(table, key: str) -> list[dict]:
        return [{
            key: g[key], **({"type": g["type"]} if key != "type" else {}), "base": g["base"],
            "units": int(g["units"]),
            "busy_fraction": Estimate(g["busy_fraction"], g["busy_fraction_half_width"],
                                      result.replications).as_dict(),
            "assignments_per_unit": Estimate(g["assignments_per_unit"], g["assignments_half_width"],
                                             result.replications).as_dict(),
        } for _, g in table.iterrows()]
    extra: dict[str, object] = {}
    if any(u.mode != "road" or u.mutual_aid for u in spec.units):
        extra["response_by_mode"] = _estimates(result.mode_summary)
    if result.has_hazards:
        extra["hazards"] = _estimates(result.hazard_summary)
        if "forest_fire" in result.hazard_kinds:
            fires: dict[str, object] = {m: e.as_dict() for m, e in result.fire_summary.items()}
            fires["damage_target_permille_per_year"] = result.fire_damage_target
            extra["forest_fires"] = fires
    if result.has_evacuation:
        extra["evacuation"] = _estimates(result.evacuation_summary)
    if result.has_supplies:
        supplies: dict[str, object] = {m: e.as_dict() for m, e in result.supply_summary.items()}
        supplies["targets_min"] = dict(spec.supply.targets)
        extra["supplies"] = supplies
        extra["stockout_hours"] = result.stockout_summary.to_dict(orient="records")
    return {
        "scenario": {"name": spec.name, "file": str(sc.path) if sc.path else None, "digest": sc.digest,
                     "travel": sc.travel.description, "synthetic_travel": bool(sc.travel.synthetic)},
        "run": {"seed": result.seed, "replications": result.replications,
                "horizon_min": spec.run.horizon, "warmup_min": spec.run.warmup,
                "drain": spec.run.drain, "policy": spec.dispatch.policy,
                "when_no_unit": spec.dispatch.when_no_unit},
        "confidence_level": 0.95,
        "incident_types": types,
        "unit_types": unit_rows(result.unit_type_summary, "type"),
        "unit_groups": unit_rows(result.unit_summary, "group"),
        **extra,
        "simpy_events": result.events,
        "software": {"sim": __version__},
    }


def _estimates(summary: dict[str, dict[str, Estimate]]) -> dict:
    return {key: {m: e.as_dict() for m, e in metrics.items()} for key, metrics in summary.items()}


def _json_safe(obj: object) -> object:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    return obj


def write_outputs(result: RunResult, out_dir: str | Path, parallel: bool = True) -> list[Path]:
    """Write the record tables (CSV), ``summary.json``, the plots (PNG) and the GIS layers into
    ``out_dir`` (created if needed); return their paths. With ``parallel``, the plots are drawn
    in a second process meanwhile, where the platform allows (see :mod:`.aside`)."""
    out = output_folder(out_dir)
    plots: list[Callable[[], Path]] = [functools.partial(response_cdf_plot, result, out / "response_cdf.png")]
    if result.has_hazards:
        plots.append(functools.partial(hazards_plot, result, out / "hazards.png"))
    if result.has_evacuation or result.has_supplies:
        plots.append(functools.partial(people_supplies_plot, result, out / "shelters_and_stock.png"))
    paths = []
    lon, lat = node_positions(result.scenario)
    where = dict(zip(result.scenario.travel.node_ids, zip(lon.tolist(), lat.tolist(), strict=True),
                     strict=True))
    tables = [("incidents", _with_position(result.incidents, "node", where)),
              ("assignments", result.assignments),
              ("units", _with_position(result.units, "base_node", where))]
    if result.has_hazards:
        tables += [(name, result.table(name)) for name in HAZARD_TABLES]
    if result.has_evacuation:
        tables += [(name, result.table(name)) for name in EVACUATION_TABLES]
    if result.has_supplies:
        tables += [(name, result.table(name)) for name in SUPPLY_TABLES]
        tables.append(("first_batches", result.first_batches))
    # the tables are built first, so the process drawing the plots inherits them
    drawing = Aside(plots, parallel)  # drawn while the tables are written
    for name, frame in tables:
        path = out / f"{name}.csv"
        write_csv(path, frame, float_format="%.4f")
        paths.append(path)
    path = out / "summary.json"
    write_text(path, json.dumps(_json_safe(summary_dict(result)), indent=2, ensure_ascii=False) + "\n")
    paths.append(path)
    gis = write_gis(result, out)
    return [*paths, *drawing.paths(), *gis]


def _with_position(frame: pd.DataFrame, column: str, where: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """``frame`` with ``lon`` and ``lat`` columns of the node in ``column`` (WGS84)."""
    frame = frame.copy()
    points = [where.get(str(node), (math.nan, math.nan)) for node in frame[column]]
    frame["lon"] = [p[0] for p in points]
    frame["lat"] = [p[1] for p in points]
    return frame
