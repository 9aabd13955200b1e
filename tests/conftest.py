"""Shared helpers: small valid scenarios built in Python, to be varied per test."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import sim

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"

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
