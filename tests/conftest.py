"""Shared helpers: small valid scenarios built in Python, to be varied per test."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import settings

import sim

# Property tests draw the same examples on every run (a test run, like a simulation, is
# reproducible); `pytest --hypothesis-profile=explore` draws new ones, and more of them.
settings.register_profile("default", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None, max_examples=500, print_blob=True)
settings.load_profile("default")

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
SHARED = REPO.parent / "shared"
"""Reference data next to the repository (``../shared``: OSM extracts, the Utrecht workload),
read from there and never copied in; tests that need it skip when it is absent."""

_BASE = {
    "name": "Test county",
    "region": {
        "nodes": [
            {"id": "a", "kind": "township", "lon": 121.00, "lat": 30.70, "population": 1000},
            {"id": "b", "kind": "village", "lon": 121.05, "lat": 30.70, "population": 500},
            {"id": "c", "kind": "village", "lon": 121.00, "lat": 30.75, "population": 500,
             "tags": ["forest"]},
        ],
        "roads": {
            "speeds": {"default": "60 km/h"},
            "edges": [
                {"from": "a", "to": "b", "km": 5},
                {"from": "a", "to": "c", "minutes": 8},
            ],
        },
    },
    "facilities": [
        {"id": "fs", "kind": "fire_station", "node": "a"},
        {"id": "ts", "kind": "township_station", "node": "b"},
        {"id": "h", "kind": "hospital", "node": "a"},
    ],
    "units": [
        {"type": "engine", "capabilities": ["fire"], "base": "fs", "count": 2},
        {"type": "rescue", "capabilities": ["rescue", "fire"], "base": "ts", "count": 1},
    ],
    "incident_types": {
        "fire": {"requires": {"fire": 1}, "on_scene": "30 min", "target": "15 min"},
    },
    "generators": [{"type": "fire", "rate": "200 / y"}],
    "run": {"horizon": "30 d", "seed": 1, "replications": 1},
}


def base_raw() -> dict:
    """A fresh copy of a small valid scenario mapping (3 nodes, 3 units, 1 incident type)."""
    return copy.deepcopy(_BASE)


@pytest.fixture
def raw() -> dict:
    return base_raw()


def load(raw: dict, **overrides: object) -> sim.Scenario:
    """Validate a raw mapping, applying dotted-path overrides (``run__horizon`` style not used)."""
    return sim.load_scenario_data(raw, overrides=dict(overrides) if overrides else None)


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# ---------------------------------------------------------------- record checks

def sent(assignments: pd.DataFrame, incident: int, unit: str | None = None) -> pd.Series:
    """The single assignment row of ``unit`` (or the only unit) at ``incident``."""
    rows = assignments[assignments["incident"] == incident]
    if unit is not None:
        rows = rows[rows["unit"] == unit]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def check(row: pd.Series, **expected: object) -> None:
    """Every named field of ``row`` equals the expected value (numbers approximately, NaN = NaN)."""
    numbers = {key: value for key, value in expected.items()
               if isinstance(value, int | float) and not isinstance(value, bool)}
    others = {key: value for key, value in expected.items() if key not in numbers}
    assert {key: row[key] for key in others} == others
    assert {key: float(row[key]) for key in numbers} == pytest.approx(numbers, nan_ok=True)


def draw_requirement(draw, capability_sets: list, max_units: int) -> tuple[dict[str, int], list[int]]:
    """A requirement distinct units can meet: some of the units (one capability set each) are
    given one of their capabilities (a hypothesis ``draw``). Returns it and the units chosen."""
    from hypothesis import strategies as st

    chosen = draw(st.lists(st.integers(0, len(capability_sets) - 1), min_size=1,
                           max_size=min(max_units, len(capability_sets)), unique=True))
    requires: dict[str, int] = {}
    for k in chosen:
        cap = draw(st.sampled_from(capability_sets[k]))
        requires[cap] = requires.get(cap, 0) + 1
    return requires, chosen
