"""Bad scenario values get one clear, fast error: alias bombs and oversized files, numbers that
overflow to infinity or are not numbers, sizes no run could hold, a mapping where a list of
names belongs, and messages that quote at most about 100 characters of a bad value."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
import yaml
from conftest import SCENARIOS
from pydantic import ValidationError
from test_scenario_errors import BASE, PEOPLE, edit, line_of, single_problem, write

import sim
from sim.errors import SHOWN_CHARS, Problem, ScenarioError, format_path, shown
from sim.scenario import limits
from sim.scenario.distributions import DistributionError, parse_distribution
from sim.scenario.files import InputFileError, read_input_text
from sim.scenario.problems import problems_from_validation
from sim.scenario.quantities import NUMBER, SPEED, parse_distance, parse_duration, parse_rate, parse_speed
from sim.scenario.schema import Region, ScenarioSpec
from sim.scenario.yamlio import YamlLimitError, YamlSyntaxError, parse_yaml, read_yaml_mapping


def billion_laughs(levels: int = 9) -> str:
    """The classic: each level a list of nine aliases of the level below (9**9 strings)."""
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    below = "a"
    for name in "bcdefghijklmnop"[:levels - 1]:
        text += f"{name}: &{name} [{', '.join(['*' + below] * 9)}]\n"
        below = name
    return text


def only_problem(path: Path | str) -> Problem:
    with pytest.raises(ScenarioError) as exc:
        sim.load_scenario(path)
    assert len(exc.value.problems) == 1, [str(p) for p in exc.value.problems]
    return exc.value.problems[0]


# ---------------------------------------------------------------- the shown helper

def test_shown_cuts_long_values():
    assert shown("abc") == "'abc'"
    assert shown(1.5) == "1.5"
    long = shown("x" * 10_000)
    assert len(long) <= SHOWN_CHARS and "..." in long
    assert len(shown(list(range(10_000)))) <= SHOWN_CHARS
    assert "digits" in shown(10**10_000)


# ---------------------------------------------------------------- YAML aliases and file size

def test_billion_laughs_is_refused_before_expanding(tmp_path):
    """Nine levels of nine aliases would be 387 million values: refused at once, with no data
    built (it used to take half a minute and gigabytes)."""
    start = time.perf_counter()
    with pytest.raises(YamlLimitError, match="expands to more than 1,000,000 values through YAML aliases"):
        parse_yaml(billion_laughs())
    assert time.perf_counter() - start < 5
    problem = only_problem(write(tmp_path, billion_laughs()))
    assert "through YAML aliases (&/*)" in problem.message


def test_aliases_below_the_limits_still_work():
    """Anchors, aliases and merge keys are ordinary YAML and keep working."""
    doc = parse_yaml(billion_laughs(levels=3) + "base: &base {x: 1}\nuse: {<<: *base, y: 2}\n")
    assert len(doc.data["c"]) == 9 and doc.data["c"][0][0] == ["lol"] * 9
    assert doc.data["use"] == {"x": 1, "y": 2}


@pytest.mark.parametrize("text", ["a: &x [1, *x]\n", "a: &x {b: *x}\n", "a: &x [[[*x]]]\n"])
def test_recursive_alias_is_refused(text):
    """An alias inside the very list or mapping it names would be infinite."""
    with pytest.raises(YamlLimitError, match="refers to a mapping or list that contains it") as exc:
        parse_yaml(text)
    assert exc.value.line == 1


def test_too_many_aliases():
    """More alias uses than MAX_ALIASES are refused even when each is small."""
    uses = ", ".join(["*a"] * (limits.MAX_ALIASES + 1))
    with pytest.raises(YamlLimitError, match="more than 1,000 YAML aliases"):
        parse_yaml(f"a: &a 1\nb: [{uses}]\n")
    parse_yaml(f"a: &a 1\nb: [{', '.join(['*a'] * limits.MAX_ALIASES)}]\n")


def test_deep_nesting_is_refused():
    depth = limits.MAX_YAML_DEPTH + 1
    with pytest.raises(YamlLimitError, match="nested more than 100 levels"):
        parse_yaml("[" * depth + "]" * depth)
    with pytest.raises(YamlSyntaxError):  # libyaml stops first, at its own limit
        parse_yaml("[" * 5000 + "]" * 5000)


def test_file_over_the_size_limit_is_not_read(tmp_path):
    """A file larger than MAX_FILE_BYTES (here sparse: nothing is written) is refused from its
    size, for scenarios read through read_input_text and for experiment and drill files."""
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(limits.MAX_FILE_BYTES + 1)
    with pytest.raises(InputFileError, match=r"too large for a scenario file \(50.0 MB; at most 50.0 MB\)"):
        read_input_text(path, "scenario file")
    with pytest.raises(ScenarioError, match="too large for an experiment file"):
        read_yaml_mapping(path, "experiment")
    with pytest.raises(ScenarioError, match="too large for a scenario file"):
        sim.load_scenario(path)


def test_text_over_the_size_limit_is_not_parsed(monkeypatch):
    monkeypatch.setattr(sim.scenario.yamlio, "MAX_FILE_BYTES", 100)
    with pytest.raises(YamlLimitError, match="too large"):
        parse_yaml("a: " + "x" * 200)


@pytest.mark.parametrize(("text", "message", "line"), [
    ("name: x\nday: 2025-13-45\n", "month must be in 1..12", 2),
    ("name: x\nbig: " + "9" * 5000 + "\n", "4300 digits", 2),
])
def test_scalar_yaml_cannot_build_is_a_problem(text, message, line):
    """A date or integer PyYAML matches but cannot build is a problem with its line, not a
    traceback."""
    with pytest.raises(YamlSyntaxError, match=message) as exc:
        parse_yaml(text)
    assert exc.value.line == line


# ---------------------------------------------------------------- quantities and distributions must be finite

@pytest.mark.parametrize(("parse", "text"), [
    (parse_duration, "1e400 min"), (parse_rate, "1e400 / y"), (parse_speed, "1e400 km/h"),
    (parse_distance, "1e400 km"), (parse_duration, "1e307 y"), (NUMBER.read, float("nan")),
    (NUMBER.read, 10**400),
])
def test_quantity_parsers_refuse_non_finite_values(parse, text):
    with pytest.raises(ValueError, match="too large a number|not a number"):
        parse(text)


def test_distribution_of_speeds_or_numbers_must_be_finite():
    with pytest.raises(DistributionError, match="too large a number"):
        parse_distribution({"dist": "uniform", "low": 0, "high": 1e400, "unit": "m/s"},
                           quantity=SPEED)
    with pytest.raises(DistributionError, match="not a number"):
        parse_distribution(float("nan"), quantity=NUMBER)


# ---------------------------------------------------------------- numbers in a scenario must be finite

@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ('target: "15 min"', 'target: "1e400 min"', "incident_types.fire.target", "too large a number"),
    ('rate: "200 / y"', 'rate: "1e400 / y"', "generators[0].rate", "too large a number"),
    ('rate: "200 / y"', 'rate: "1 / 1e-320 y"', "generators[0].rate", "too large a number"),
    ('{default: "60 km/h"}', '{default: "1e400 km/h"}', "region.roads.speeds.default", "too large a number"),
    ('horizon: "30 d"', 'horizon: "1e307 y"', "run.horizon", "too large a number"),
    ("km: 5}", "km: .inf}", "region.roads.edges[0].km", "finite number"),
    ("km: 5}", "km: 1e400}", "region.roads.edges[0].km", "finite number"),
    ("km: 5}", "km: .nan}", "region.roads.edges[0].km", "finite number"),
    ("minutes: 8}", "minutes: -.inf}", "region.roads.edges[1].minutes", "finite number"),
    ("lon: 121.05", "lon: .nan", "region.nodes[1].lon", "finite number"),
    ("population: 500}", "population: .nan}", "region.nodes[1].population", "finite number"),
    ("tags: [forest]}", "tags: [forest], forest_ha: .inf}", "region.nodes[2].forest_ha", "finite number"),
    ('on_scene: "30 min"', "on_scene: {dist: exponential, mean: .inf, unit: min}",
     "incident_types.fire.on_scene.mean", "too large a number"),
    ('on_scene: "30 min"', "on_scene: {dist: gamma, shape: .nan, scale: '30 min'}",
     "incident_types.fire.on_scene.shape", "not a number"),
    ('on_scene: "30 min"', "on_scene: {dist: weibull, shape: 1.0e-300, scale: '30 min'}",
     "incident_types.fire.on_scene", "too extreme to compute with"),
    ('on_scene: "30 min"', "on_scene: {dist: lognormal, mean: '1e-200 min', sd: '1e200 min'}",
     "incident_types.fire.on_scene", "too extreme to compute with"),
    ('on_scene: "30 min"', "on_scene: {dist: empirical, values: ['1 min', '2 min'], weights: [1, .inf]}",
     "incident_types.fire.on_scene.weights[1]", "finite non-negative number"),
    ('on_scene: "30 min"',
     "on_scene: {dist: empirical, values: ['1 min', '2 min'], weights: [1.0e+308, 1.0e+308]}",
     "incident_types.fire.on_scene.weights", "too large to add up"),
    ('target: "15 min"', 'target: "15 min"\n    hospital: {probability: .nan}',
     "incident_types.fire.hospital.probability", "finite number"),
    ('rate: "200 / y"}', 'rate: "200 / y", time_of_day: [.inf, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, '
     '1, 1, 1, 1, 1, 1, 1, 1]}', "generators[0].time_of_day[0]", "finite number"),
])
def test_non_finite_numbers_are_refused(tmp_path, old, new, field, message):
    """Infinity (1e400, .inf) and not-a-number (.nan) are refused wherever a number goes:
    quantities with units, plain float fields and distribution parameters."""
    problem, _ = single_problem(tmp_path, edit((old, new)))
    assert message in problem.message, problem.message
    assert format_path(problem.path) == field


# ---------------------------------------------------------------- sizes a run can hold

@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("base: fs, count: 2}", "base: fs, count: 1000000000}", "units[0].count",
     "at most 10,000 units per group (got 1000000000)"),
    ('horizon: "30 d"', 'horizon: "1001 y"', "run.horizon", "at most 1,000 years (got 1001 y)"),
    ('rate: "200 / y"', 'rate: "1e9 / min"', "generators[0].rate",
     "incidents expected in one replication (at most 10,000,000"),
    ("replications: 1", "replications: 100001", "run.replications", "at most 100,000 replications"),
    ("population: 500}", "population: 3000000000}", "region.nodes[1].population",
     "at most 2,000,000,000 people at a node"),
    ("base: fs, count: 2}", "base: fs, count: 2, crew: 5000}", "units[0].crew",
     "at most 1,000 people in a crew"),
    ("requires: {fire: 1}", "requires: {fire: 1000000}", "incident_types.fire.requires.fire",
     "at most 100,000 units"),
])
def test_sizes_that_cannot_be_simulated(tmp_path, old, new, field, message):
    """Each limit is named in the message, with the value given."""
    with pytest.raises(ScenarioError) as exc:
        sim.load_scenario(write(tmp_path, edit((old, new))))
    mine = [p.message for p in exc.value.problems if format_path(p.path) == field]
    assert any(message in m for m in mine), [str(p) for p in exc.value.problems]


def test_units_in_all_groups_together(tmp_path):
    groups = "".join(f"  - {{id: g{k}, type: engine, capabilities: [fire], base: fs, count: 10000}}\n"
                     for k in range(11))
    text = edit(("  - {type: engine, capabilities: [fire], base: fs, count: 2}\n", groups))
    problem, path = single_problem(tmp_path, text)
    assert format_path(problem.path) == "units"
    assert "at most 100,000 units in all groups together (got 110,001)" in problem.message


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("capacity: 300}", "capacity: 3000000000}", "shelters[0].capacity", "at most 2,000,000,000 people"),
    ("own_vehicle: 1\n", "own_vehicle: 1\n  buses: {depot: bd, count: 20000}\n", "evacuation.buses.count",
     "at most 10,000 vehicles in a fleet"),
    ("stock: {water: 500,", "stock: {water: 1.0e+15,", "depots[0].stock.water",
     "at most 1,000,000,000,000 units of an item"),
    ('at: "3 d", duration: "24 h",', 'rate: "1e9 / y", duration: "24 h",', "hazards[0]",
     "hazard events expected in one replication (at most 100,000)"),
    ('intensity: {default: 1.0}}', 'intensity: {default: 1.0}, incidents: [{type: fire, rate: "1e9 / h"}]}',
     "hazards[0]", "incidents expected in one replication (at most 10,000,000"),
])
def test_people_supply_and_hazard_sizes(tmp_path, old, new, field, message):
    base = BASE.replace("  - {id: h, kind: hospital, node: a}\n",
                        "  - {id: h, kind: hospital, node: a}\n  - {id: bd, kind: bus_depot, node: a}\n")
    problem, _ = single_problem(tmp_path, base + edit((old, new), text=PEOPLE))
    assert format_path(problem.path) == field
    assert message in problem.message, problem.message


def test_node_counts():
    """Nodes are refused by count before each is validated; the dense travel forms (a
    node-by-node matrix) have a lower ceiling than explicit roads."""
    node = {"id": "a", "kind": "village", "lon": 121.0, "lat": 30.0}
    roads = {"edges": [{"from": "a", "to": "b", "minutes": 1}]}
    start = time.perf_counter()
    with pytest.raises(ValidationError) as exc:  # (str() of this error would print the input)
        Region.model_validate({"nodes": [node] * (limits.MAX_NODES + 1), "roads": roads})
    assert time.perf_counter() - start < 5
    assert "at most 2,000,000 nodes (got 2,000,001)" in exc.value.errors()[0]["msg"]
    with pytest.raises(ValidationError, match="at most 5,000 nodes with auto_roads"):
        Region.model_validate({"nodes": [node] * (limits.MAX_DENSE_NODES + 1), "auto_roads": {}})
    Region.model_validate({"nodes": [node] * (limits.MAX_DENSE_NODES + 1), "roads": roads})


def test_builtin_scenarios_are_far_inside_the_limits():
    for name in ("pinghu", "fenghua", "qinhuangdao", "tiny"):
        spec = sim.load_scenario(name).spec
        assert sum(g.count for g in spec.units) < limits.MAX_UNITS / 100
        assert sum(g.rate for g in spec.generators) * spec.run.horizon < limits.MAX_INCIDENTS / 1000


# ---------------------------------------------------------------- wrong shapes

@pytest.mark.parametrize(("path", "value"), [
    (("region", "nodes", 0, "tags"), [{"a": 1}]),
    (("units", 0, "capabilities"), [{"x": "y"}]),
    (("units", 0, "capabilities"), {"x": "y"}),
    (("incident_types", "building_fire", "modes"), [{}]),
    (("incident_types", "building_fire", "on_scene", "dist"), ["lognormal"]),
    (("incident_types", "building_fire", "on_scene", "dist"), {"a": 1}),
    (("units", 0, "turnout"), [{"a": 1}]),
    (("generators", 0, "where", "kinds"), [{"a": 1}]),
    (("generators", 0, "where", "tags"), {"a": 1}),
    (("units", 0, "mode"), ["road"]),
    (("run", "horizon"), ["365 d"]),
    (("units", 0, "count"), "two"),
    pytest.param(("region", "nodes", 0, "id"), 10**5000, id="id-of-5000-digits"),
])
def test_wrong_shapes_are_field_errors(path, value):
    """A mapping where a list of names goes (or a list where a name goes) is a field error of
    the schema, never a TypeError."""
    raw = yaml.safe_load((SCENARIOS / "tiny.yaml").read_text(encoding="utf-8"))
    _set(raw, path, value)
    with pytest.raises(ValidationError) as exc:
        ScenarioSpec.model_validate(raw)
    problems = problems_from_validation(exc.value, "tiny.yaml", None)
    assert any(p.path[:len(path)] == path for p in problems), [str(p) for p in problems]


def _set(raw: object, path: tuple, value: object) -> None:
    for part in path[:-1]:
        raw = raw[part]  # type: ignore[index]
    raw[path[-1]] = value  # type: ignore[index]


def _paths(node: object, path: tuple = ()):
    yield path, node
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _paths(value, (*path, key))


def _wrong_shapes(value: object) -> list[object]:
    if isinstance(value, list):
        return [{"x": "y"}, [{"a": 1}], [[1]], "abc"]
    if isinstance(value, dict):
        return [["a"], "abc", {"x": {"y": 1}}]
    if isinstance(value, str):
        return [["a"], {"a": 1}, "x" * 300, "1e400 min"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ["abc", float("inf"), float("nan"), 10**30, [1], {"a": 1}]
    return []


def test_schema_never_crashes_on_wrong_shapes():
    """Every field of the tiny scenario replaced by values of the wrong shape: validation gives
    field errors (or accepts the value), never another exception, and every message quotes at
    most about SHOWN_CHARS characters of the value."""
    base = yaml.safe_load((SCENARIOS / "tiny.yaml").read_text(encoding="utf-8"))
    tried = 0
    for path, value in list(_paths(base)):
        for wrong in _wrong_shapes(value) if path else ():
            raw = copy.deepcopy(base)
            _set(raw, path, wrong)
            tried += 1
            try:
                ScenarioSpec.model_validate(raw)
            except ValidationError as exc:
                for problem in problems_from_validation(exc, "tiny.yaml", None):
                    assert "x" * (SHOWN_CHARS + 10) not in problem.message, (path, problem.message)
    assert tried > 500


# Cross-checks (sim/scenario/references.py) read the raw mapping and still fail on these; they
# are listed so the fix there can be checked.
@pytest.mark.parametrize(("path", "value"), [
    (("region", "nodes", 1, "tags"), [{"a": 1}]),
    (("units", 0, "count"), 10**30),
    (("units", 0, "capabilities"), [{"a": 1}]),
    (("incident_types", "building_fire", "modes"), [{"a": 1}]),
    (("incident_types", "building_fire", "requires", "fire"), "abc"),
])
def test_cross_checks_on_wrong_shapes(path, value):
    raw = yaml.safe_load((SCENARIOS / "tiny.yaml").read_text(encoding="utf-8"))
    _set(raw, path, value)
    with pytest.raises(ScenarioError):
        sim.load_scenario_data(raw, path=SCENARIOS / "tiny.yaml")


# ---------------------------------------------------------------- quoting bad values in messages

@pytest.mark.parametrize(("old", "new", "field"), [
    ('target: "15 min"', f'target: "{"9" * 500} minutes"', "incident_types.fire.target"),
    ("kind: village, lon: 121.05", f"kind: {'v' * 500}, lon: 121.05", "region.nodes[1].kind"),
    ('on_scene: "30 min"', f"on_scene: {{dist: {'q' * 500}}}", "incident_types.fire.on_scene.dist"),
    ('rate: "200 / y"', f'rate: "{"r" * 500}"', "generators[0].rate"),
])
def test_messages_quote_at_most_100_characters(tmp_path, old, new, field):
    text = edit((old, new))
    problem, path = single_problem(tmp_path, text)
    assert format_path(problem.path) == field
    assert problem.line == line_of(text, new.splitlines()[0][:20])
    assert "..." in problem.message and len(problem.message) < SHOWN_CHARS + 150, problem.message
