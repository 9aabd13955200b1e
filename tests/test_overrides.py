"""``--set PATH=VALUE`` overrides (sim.scenario.overrides) and their use when loading."""

from __future__ import annotations

import copy

import pytest
from conftest import SCENARIOS, base_raw, load

import sim
from sim.errors import FieldProblem, format_path
from sim.scenario.overrides import apply_overrides, parse_assignment, set_path


def two_engine_groups() -> dict:
    """base_raw with a second engine group (at the township station) that has an id."""
    raw = base_raw()
    raw["units"].append({"id": "e2", "type": "engine", "capabilities": ["fire"], "base": "ts",
                         "count": 1})
    return raw


def test_set_nested_mapping_field():
    """A dotted path walks mappings: run.horizon."""
    out = apply_overrides(base_raw(), ["run.horizon=30 d"])
    assert out["run"]["horizon"] == "30 d"
    assert load(out).spec.run.horizon == 30 * 1440


def test_set_list_item_by_index():
    """A number selects a list item by index: units.0.count."""
    out = apply_overrides(base_raw(), ["units.0.count=3"])
    assert [u["count"] for u in out["units"]] == [3, 1]


def test_set_list_item_by_negative_index():
    """A negative index counts from the end, as in Python."""
    out = apply_overrides(base_raw(), ["units.-1.count=4"])
    assert [u["count"] for u in out["units"]] == [2, 4]


def test_set_list_item_by_id():
    """A word selects the list item whose id it is."""
    out = apply_overrides(two_engine_groups(), ["units.e2.count=4"])
    assert [u["count"] for u in out["units"]] == [2, 1, 4]


def test_set_list_items_by_type_selects_all():
    """A type selects every item of that type: both engine groups change, the rescue does not."""
    out = apply_overrides(two_engine_groups(), ["units.engine.count=5"])
    assert [(u["type"], u["count"]) for u in out["units"]] == [
        ("engine", 5), ("rescue", 1), ("engine", 5)]
    scenario = load(out)
    assert sum(u.count for u in scenario.spec.units if u.type == "engine") == 10


def test_id_takes_precedence_over_type():
    """When a word is an id, only that item changes even if it is also some item's type."""
    raw = two_engine_groups()
    raw["units"][2]["id"] = "rescue"  # an id equal to another group's type
    out = apply_overrides(raw, ["units.rescue.count=7"])
    assert [u["count"] for u in out["units"]] == [2, 1, 7]


def test_creates_missing_optional_keys():
    """Missing optional keys, and whole missing sections, are created."""
    raw = base_raw()
    assert "dispatch" not in raw and "warmup" not in raw["run"]
    out = apply_overrides(raw, ["dispatch.when_no_unit=lost", "run.warmup=2 d",
                                "incident_types.fire.report_delay=1 min"])
    assert out["dispatch"] == {"when_no_unit": "lost"}
    scenario = load(out)
    assert scenario.spec.dispatch.when_no_unit == "lost"
    assert scenario.spec.run.warmup == 2880
    assert scenario.spec.incident_types["fire"].report_delay.mean == 1.0


@pytest.mark.parametrize(("assignment", "path", "value"), [
    ("run.replications=3", "run.replications", 3),
    ("units.0.speed_factor=1.5", "units.0.speed_factor", 1.5),
    ("incident_types.fire.target=20 min", "incident_types.fire.target", "20 min"),
    ("units.0.capabilities=[fire, rescue]", "units.0.capabilities", ["fire", "rescue"]),
    ("run.drain=false", "run.drain", False),
    ("name='3'", "name", "3"),
    ("name=x=y", "name", "x=y"),
    (" run.seed = 9", "run.seed", 9),
])
def test_values_are_parsed_as_yaml(assignment, path, value):
    """The value is read as YAML: int, float, quantity string, list, bool, quoted string."""
    parsed_path, parsed = parse_assignment(assignment)
    assert parsed_path == path
    assert parsed == value
    assert type(parsed) is type(value)


def test_typed_values_reach_the_scenario():
    """Parsed values validate into the right fields of the scenario."""
    scenario = load(base_raw(), **{"run.replications": 4, "units.0.speed_factor": 1.5,
                                   "run.drain": False})
    assert scenario.spec.run.replications == 4
    assert scenario.spec.units[0].speed_factor == 1.5
    assert scenario.spec.run.drain is False


def test_set_path_sets_in_place_and_copies_value():
    """set_path changes the given dict; a later change to the value does not leak in."""
    raw = base_raw()
    weights = [1.0] * 24
    set_path(raw, "generators.0.time_of_day", weights)
    weights[0] = 99.0
    assert raw["generators"][0]["time_of_day"] == [1.0] * 24


@pytest.mark.parametrize("assignment", ["run.horizon", "=3", "  =3"])
def test_missing_equals_or_path(assignment):
    """An assignment without ``PATH=`` is refused, quoting what was given."""
    with pytest.raises(FieldProblem) as exc:
        apply_overrides(base_raw(), [assignment])
    assert "expected PATH=VALUE" in str(exc.value)
    assert repr(assignment) in str(exc.value)


def test_index_out_of_range():
    """An index past the end names the index and the number of items."""
    with pytest.raises(FieldProblem) as exc:
        apply_overrides(base_raw(), ["units.5.count=1"])
    assert "--set units.5.count" in str(exc.value)
    assert "index 5 is out of range (2 items)" in str(exc.value)
    assert exc.value.subpath == ("units",)


def test_selector_matching_nothing():
    """A word that is neither an id nor a type of any item is refused."""
    with pytest.raises(FieldProblem) as exc:
        apply_overrides(base_raw(), ["units.ladder.count=1"])
    assert "no item with id or type 'ladder'" in str(exc.value)
    assert exc.value.subpath == ("units",)


def test_cannot_walk_into_a_scalar():
    """A path that continues below a plain value says where it stopped."""
    with pytest.raises(FieldProblem) as exc:
        apply_overrides(base_raw(), ["run.horizon.x=3"])
    assert "cannot go into a str with 'x'" in str(exc.value)
    assert exc.value.subpath == ("run", "horizon")


def test_selector_none_matches_nothing():
    """'None' is not the id of items that have no id: nothing matches, so it is an error."""
    with pytest.raises(FieldProblem, match="no item with id or type 'None'"):
        apply_overrides(base_raw(), ["units.None.count=9"])


def test_override_errors_become_scenario_errors():
    """Through load_scenario_data a bad override is a ScenarioError from '--set'."""
    with pytest.raises(sim.ScenarioError) as exc:
        sim.load_scenario_data(base_raw(), overrides=["units.9.count=1"])
    (problem,) = exc.value.problems
    assert problem.file == "--set"
    assert "index 9 is out of range" in problem.message


def test_override_creating_unknown_key_is_reported(tmp_path):
    """A misspelt override path is caught by validation as an unknown key, with a suggestion."""
    with pytest.raises(sim.ScenarioError) as exc:
        sim.load_scenario(SCENARIOS / "tiny.yaml", overrides=["run.horizn=10 d"])
    (problem,) = exc.value.problems
    assert format_path(problem.path) == "run.horizn"
    assert "unknown key (did you mean 'horizon'?)" in problem.message
    assert problem.file == str(SCENARIOS / "tiny.yaml")


def test_override_with_invalid_value_is_reported():
    """An override with a bad value is validated like the file itself."""
    with pytest.raises(sim.ScenarioError) as exc:
        load(base_raw(), **{"run.horizon": "0 d"})
    (problem,) = exc.value.problems
    assert format_path(problem.path) == "run.horizon"
    assert "must be positive" in problem.message


def test_original_raw_not_mutated():
    """apply_overrides and loading with overrides never change the caller's mapping."""
    raw = two_engine_groups()
    before = copy.deepcopy(raw)
    out = apply_overrides(raw, ["units.engine.count=5", "dispatch.policy=nearest_available"])
    load(raw, **{"run.horizon": "10 d", "units.0.count": 1})
    assert raw == before
    assert out is not raw and out["units"] is not raw["units"]


def test_load_scenario_file_with_overrides():
    """load_scenario(path, overrides=[...]) applies list and mapping overrides."""
    scenario = sim.load_scenario(SCENARIOS / "tiny.yaml",
                                 overrides=["units.engine.count=3", "run.horizon=10 d"])
    assert scenario.spec.units[0].count == 3
    assert scenario.spec.run.horizon == 14400
    by_mapping = sim.load_scenario(SCENARIOS / "tiny.yaml", overrides={"run.horizon": "10 d"})
    assert by_mapping.spec.run.horizon == 14400
    assert by_mapping.spec.units[0].count == 2


def test_with_overrides_returns_new_validated_scenario():
    """Scenario.with_overrides leaves the original alone and validates the new one."""
    scenario = load(base_raw())
    changed = scenario.with_overrides(["run.horizon=10 d", "units.engine.count=4"])
    assert changed is not scenario
    assert isinstance(changed, sim.Scenario)
    assert changed.spec.run.horizon == 14400
    assert changed.spec.units[0].count == 4
    assert scenario.spec.run.horizon == 30 * 1440
    assert scenario.raw["run"]["horizon"] == "30 d"
    assert changed.digest != scenario.digest
    with pytest.raises(sim.ScenarioError, match="must be positive"):
        scenario.with_overrides({"run.horizon": "0 d"})


def test_with_overrides_keeps_the_file_path():
    """A scenario loaded from a file keeps its path (for relative travel matrices, outputs)."""
    scenario = sim.load_scenario(SCENARIOS / "tiny.yaml")
    changed = scenario.with_overrides(["run.replications=2"])
    assert changed.path == scenario.path
    assert changed.spec.run.replications == 2
