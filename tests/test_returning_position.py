"""Where a unit on the road is when it is sent again (dispatch.returning_position): on its
route (the next node of its path, or back to the last one) by default, or ELASPY's rule, the
node nearest its straight-line interpolated position."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import base_raw, load

import sim
from sim.engine.travel import NearestNode


def test_nearest_node_snaps_to_the_node_nearest_the_interpolated_point():
    lon = np.array([0.0, 1.0, 0.5, 0.2])
    lat = np.array([0.0, 0.0, 0.1, 0.0])
    snap = NearestNode(lon, lat)
    assert snap(0, 1, 0.0) == 0 and snap(0, 1, 1.0) == 1
    assert snap(0, 1, 0.5) == 2      # the point (0.5, 0) is nearest node 2 at (0.5, 0.1)
    assert snap(0, 1, 0.25) == 3
    assert snap(1, 0, 0.8) == 3      # the same line driven the other way


def line_raw(rule: str) -> dict:
    """Four places on a line 10 minutes apart (a - b - c - d), one engine based at a; the first
    call at d keeps it busy 30 minutes, the second comes at c while it drives back."""
    raw = base_raw()
    raw["region"]["nodes"] = [{"id": k, "kind": "village", "lon": 121.0 + 0.1 * i, "lat": 30.7,
                               "population": 100, "area_km2": 0} for i, k in enumerate("abcd")]
    raw["region"]["roads"] = {"edges": [{"from": x, "to": y, "minutes": 10} for x, y in ("ab", "bc", "cd")]}
    raw["facilities"] = [{"id": "fs", "kind": "fire_station", "node": "a"}]
    raw["units"] = [{"id": "engine", "type": "engine", "capabilities": ["fire"], "base": "fs",
                     "turnout": "0 min"}]
    raw["incident_types"] = {"fire": {"requires": {"fire": 1}, "on_scene": "30 min"}}
    raw["generators"] = [{"type": "fire", "rate": "1 / y"}]
    raw["dispatch"] = {"returning_position": rule}
    return raw


def two_calls(rule: str) -> list[float]:
    from sim.engine.response import ResponseEngine
    from sim.model.incidents import IncidentStream
    scenario = load(line_raw(rule))
    index = scenario.node_index
    zeros = np.zeros(2)
    stream = IncidentStream(
        time=np.array([0.0, 30.0 + 30.0 + 14.0]), node=np.array([index["d"], index["b"]], dtype=np.int64),
        type_index=np.zeros(2, dtype=np.int64), generator_index=np.zeros(2, dtype=np.int64),
        detection_delay=zeros, report_delay=zeros, handling_time=zeros, on_scene=np.array([30.0, 30.0]),
        transport=np.zeros(2, dtype=bool), handover=zeros, turnout_u=np.zeros((2, 1)),
        type_names=("fire",), generator_names=("g",))
    records = ResponseEngine(scenario, stream, 0, 1).run()
    inc = records.incidents
    return (np.asarray(inc["first_arrival"]) - np.asarray(inc["occurrence"])).tolist()


@pytest.mark.parametrize("rule, minutes", [
    # it left d at 60 and has driven 14 of its 30 minutes home: 4 minutes past c toward b
    ("route", 6.0),          # on its path: the 6 minutes still to b
    ("nearest_node", 10.0),  # at c (the node nearest 0.4 of the way from c to b), 10 minutes to b
])
def test_a_unit_driving_home_is_sent_from_where_its_rule_puts_it(rule, minutes):
    first, then = two_calls(rule)
    assert first == pytest.approx(30.0)
    assert then == pytest.approx(minutes)


def test_the_default_rule_is_route():
    assert load(line_raw("route")).spec.dispatch.returning_position == "route"
    assert sim.load_scenario_data(base_raw()).spec.dispatch.returning_position == "route"
