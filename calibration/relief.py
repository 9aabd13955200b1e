"""What the scenarios' people-and-supplies sections share: the relief item catalogue
(calibration/relief_items.csv, every weight, need and unit cost an ASSUMPTION), shelters
aggregated onto nodes, stock expressed as people supplied for some days, and depot lines."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from common import flow, largest_remainder

__all__ = ["AID_ACTIVATION", "PROVINCE_ACTIVATION", "ReliefItem", "aggregate_shelters", "depot_line", "incident_stock", "people_stock", "read_items",
           "render_items"]

ITEMS_CSV = Path(__file__).resolve().parent / "relief_items.csv"

# Outside supply comes late (ASSUMPTIONS; the documents give only the county 6 h and city 8 h
# first-batch targets): a provincial release needs the county's request, the city's forwarding
# and the province's approval before loading (8 to 16 h, in line with the national aim of
# initial relief within 12 h); a neighbour's supplies under an agreement 12 to 24 h.
PROVINCE_ACTIVATION = {"dist": "uniform", "low": "8 h", "high": "16 h"}
AID_ACTIVATION = {"dist": "uniform", "low": "12 h", "high": "24 h"}


@dataclass(frozen=True)
class ReliefItem:
    key: str
    label: str
    weight_kg: float
    per_person_day: float
    per_person: float
    per_incident: dict[str, float]
    unit_cost: float
    divisible: bool
    note: str


def read_items(path: Path = ITEMS_CSV) -> dict[str, ReliefItem]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = {}
    for row in rows:
        per_incident = {}
        for part in filter(None, row["per_incident"].split(";")):
            type_name, qty = part.split(":")
            per_incident[type_name] = float(qty)
        out[row["key"]] = ReliefItem(row["key"], row["label"], float(row["weight_kg"]),
                                     float(row["per_person_day"]), float(row["per_person"]), per_incident,
                                     float(row["unit_cost_cny"]), row["divisible"] == "true", row["note"])
    return out


def render_items(items: dict[str, ReliefItem], keys: list[str], incident_types: set[str]) -> list[str]:
    """The ``items:`` section for ``keys``; per-incident needs only for the scenario's types."""
    out = ["items:", "  # catalogue: calibration/relief_items.csv; weights, needs and unit costs (CNY) are"
                     " ASSUMPTIONS"]
    for key in keys:
        item = items[key]
        entry: dict = {"label": item.label, "weight": f"{item.weight_kg:g} kg"}
        if item.per_person_day:
            entry["per_person_day"] = f"{item.per_person_day:g}"
        if item.per_person:
            entry["per_person"] = f"{item.per_person:g}"
        per_incident = {t: f"{q:g}" for t, q in item.per_incident.items() if t in incident_types}
        if per_incident:
            entry["per_incident"] = per_incident
        if len(entry) == 2:
            raise ValueError(f"item {key} has no need in this scenario")
        entry["unit_cost"] = f"{item.unit_cost:g}"
        if not item.divisible:
            entry["divisible"] = "false"
        out.append(f"  {key}: {flow(entry)}" + (f"  # {item.note}" if item.note else ""))
    return out


def aggregate_shelters(nodes: list[dict], count: int, capacity: int, prefix: str = "sh") -> list[dict]:
    """``count`` shelters holding ``capacity`` people: one at each of the ``count`` most populous
    places when there are enough, capacity in proportion to population; with fewer places,
    one aggregate per populated place, the number in proportion to population."""
    populated = [n for n in nodes if n["population"] > 0]
    if count <= len(populated):
        chosen = {n["id"] for n in sorted(populated, key=lambda n: (-n["population"], n["id"]))[:count]}
        counts = [1 if n["id"] in chosen else 0 for n in populated]
        weights = [n["population"] * k for n, k in zip(populated, counts, strict=True)]
    else:
        counts = largest_remainder(count, [n["population"] for n in populated])
        weights = [float(k) for k in counts]
    capacities = largest_remainder(capacity, weights)
    return [{"id": f"{prefix}-{n['id']}", "name": f"{k} shelter{'s' if k > 1 else ''}", "node": n["id"],
             "capacity": cap}
            for n, k, cap in zip(populated, counts, capacities, strict=True) if k > 0]


def people_stock(items: dict[str, ReliefItem], keys: list[str], people: float, days: float) -> dict[str, int]:
    """Stock of the shelter items among ``keys`` that supplies ``people`` for ``days``."""
    out = {}
    for key in keys:
        item = items[key]
        qty = people * (item.per_person_day * days + item.per_person)
        if qty > 0:
            out[key] = round(qty)
    return out


def depot_line(depot: dict) -> str:
    """One ``depots:`` list entry: where, the stock, then loading, vehicles and replenishment."""
    head = {k: depot[k] for k in ("id", "name", "node", "tier") if k in depot}
    rest = {k: v for k, v in depot.items() if k not in head and k != "stock"}
    lines = [flow(head)[:-1] + ","]
    if "stock" in depot:
        lines.append(f"stock: {flow(depot['stock'])}" + ("," if rest else ""))
    if rest:
        lines.append(flow(rest)[1:-1])
    return "  - " + "\n     ".join(lines) + "}"


def incident_stock(items: dict[str, ReliefItem], keys: list[str], incident_type: str, kits: float
                   ) -> dict[str, int]:
    """Stock of the items among ``keys`` that equips ``kits`` incidents of ``incident_type``."""
    out = {}
    for key in keys:
        qty = items[key].per_incident.get(incident_type, 0.0) * kits
        if qty > 0:
            out[key] = round(qty)
    return out


def render_evacuation(zones: list[str], vulnerable_share: float, own_vehicle: float, buses: tuple[str, int],
                      boats: tuple[str, int] | None) -> list[str]:
    """The ``evacuation:`` section: the scenario's ``zones`` (YAML list lines), and the warning
    chain, compliance, departures, walking and vehicles the built-in scenarios share (delays and
    compliance are ASSUMPTIONS)."""
    out = ["evacuation:", "  zones:", *zones,
           '  chain: {township: {dist: uniform, low: "10 min", high: "40 min"}, village: {dist: uniform, '
           'low: "10 min", high: "60 min"},',
           '          household: {dist: uniform, low: "0 min", high: "2 h"}}',
           f'  vulnerable: {{share: {vulnerable_share:g}, delay: {{dist: uniform, low: "30 min", high: "3 h"}}, '
           "compliance: 0.95}",
           "  compliance: 0.9",
           '  departure: {dist: exponential, mean: "45 min"}',
           f"  own_vehicle: {own_vehicle:g}",
           '  walking: {max_km: 1.5, speed: "4 km/h"}',
           f'  buses: {{depot: {buses[0]}, count: {buses[1]}, capacity: 40, load_time: "10 min"}}']
    if boats is not None:
        out.append(f'  boats: {{base: {boats[0]}, count: {boats[1]}, capacity: 8, speed: "15 km/h"}}')
    out.append('  return_after: "12 h"')
    return out


SUDDEN_WARNING = ['       # sirens and cell broadcast, not the chain (ASSUMPTION)',
                  '       chain: {township: "5 min", village: "5 min", household: {dist: uniform, low: "0 min", '
                  'high: "15 min"}},',
                  '       departure: {dist: exponential, mean: "10 min"}}']


def supply_settings(applied_to: str | None = None) -> list[str]:
    """The ``supply:`` section the built-in scenarios share (doc 004's targets, which are
    Qinhuangdao's: ``applied_to`` names another region they are applied to)."""
    note = f" (Qinhuangdao's; applied to {applied_to}: ASSUMPTION)" if applied_to else ""
    return ["# Shelters ask an hour after their first people arrive, then twice a day, for a day's needs;",
            f"# targets: doc 004 确保首批应急物资县级6小时内、市级8小时内运抵灾区{note}.",
            "supply:",
            '  request_delay: "1 h"',
            '  review: "12 h"',
            '  cover: "24 h"',
            '  targets: {county: "6 h", city: "8 h"}']
