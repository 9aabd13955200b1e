"""User-facing scenario errors: one test per class of bad input.

Each test writes a YAML file (as text, so the line numbers are known), loads it, and checks
the message, the field path, the file and the 1-based line of the problem reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SCENARIOS

import sim
import sim.cli
from sim.errors import Problem, format_path

BASE = """\
name: Test county
region:
  nodes:
    - {id: a, kind: township, lon: 121.00, lat: 30.70, population: 1000}
    - {id: b, kind: village, lon: 121.05, lat: 30.70, population: 500}
    - {id: c, kind: village, lon: 121.00, lat: 30.75, population: 500, tags: [forest]}
  roads:
    speeds: {default: "60 km/h"}
    edges:
      - {from: a, to: b, km: 5}
      - {from: a, to: c, minutes: 8}
facilities:
  - {id: fs, kind: fire_station, node: a}
  - {id: ts, kind: township_station, node: b}
  - {id: h, kind: hospital, node: a}
units:
  - {type: engine, capabilities: [fire], base: fs, count: 2}
  - {type: rescue, capabilities: [rescue, fire], base: ts, count: 1}
incident_types:
  fire:
    requires: {fire: 1}
    on_scene: "30 min"
    target: "15 min"
generators:
  - {type: fire, rate: "200 / y"}
run:
  horizon: "30 d"
  seed: 1
  replications: 1
"""


def edit(*replacements: tuple[str, str], text: str = BASE) -> str:
    """BASE with each ``(old, new)`` replaced once; ``old`` must occur exactly once."""
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def line_of(text: str, needle: str) -> int:
    """1-based line of the only line of ``text`` containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path | str) -> list[Problem]:
    with pytest.raises(sim.ScenarioError) as exc:
        sim.load_scenario(path)
    assert exc.value.problems, "a ScenarioError must list at least one problem"
    return exc.value.problems


def single_problem(tmp_path: Path, text: str) -> tuple[Problem, Path]:
    """Load ``text`` from a file and return its only problem."""
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0], path


def check(problem: Problem, path: Path, field: str, message: str, line: int | None) -> None:
    assert message in problem.message, problem.message
    assert format_path(problem.path) == field
    assert problem.file == str(path)
    assert problem.line == line


def test_base_text_is_valid(tmp_path):
    """Guards the other tests: the unedited text loads, so each edit causes its own problem."""
    scenario = sim.load_scenario(write(tmp_path, BASE))
    assert scenario.spec.name == "Test county"
    assert len(scenario.spec.region.nodes) == 3


# ---------------------------------------------------------------- structure and syntax

def test_unknown_key_suggests_the_close_match(tmp_path):
    """A misspelt key (``speds`` inside roads) is named, with 'did you mean' and the allowed keys."""
    text = edit(('speeds: {default: "60 km/h"}', 'speds: {default: "60 km/h"}'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "region.roads.speds", "unknown key (did you mean 'speeds'?)",
          line_of(text, "speds:"))
    assert "allowed keys: speeds, edges" in problem.message


def test_unknown_top_level_section(tmp_path):
    """An unknown section is reported at its own line with the list of sections."""
    text = BASE + "stations:\n  - {id: x}\n"
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "stations", "unknown key", line_of(text, "stations:"))
    assert "allowed keys: name, description, region, facilities, units" in problem.message


def test_duplicate_key_in_a_mapping(tmp_path):
    """A key given twice is a problem (PyYAML would silently keep the last value)."""
    text = edit(("  seed: 1\n", "  seed: 1\n  seed: 2\n"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "run.seed", "this key appears twice in the same mapping",
          line_of(text, "seed: 2"))


def test_yaml_syntax_error_has_its_line(tmp_path):
    """Broken YAML gives one problem at the line of the fault, not a parser traceback."""
    text = edit(("{id: b, kind: village,", "{id: b, kind: village,,"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "(top level)", "YAML syntax error", line_of(text, ",,"))


def test_file_not_found_lists_builtin_scenarios(tmp_path):
    """A missing file says so and lists the built-in scenario names to choose from."""
    missing = tmp_path / "nope.yaml"
    problems = problems_of(missing)
    assert len(problems) == 1
    check(problems[0], missing, "(top level)", "no such file", None)
    assert "built-in scenarios, named without .yaml: " in problems[0].message
    assert "tiny" in problems[0].message


# ---------------------------------------------------------------- quantities

def test_duration_without_unit(tmp_path):
    """A bare number where a duration is expected asks for a unit."""
    text = edit(('target: "15 min"', "target: 15"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "incident_types.fire.target", "a duration needs a unit, e.g. '45 min'",
          line_of(text, "target:"))


def test_misspelt_unit(tmp_path):
    """A misspelt unit is named and the accepted units are listed."""
    text = edit(('target: "15 min"', 'target: "15 minuts"'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "incident_types.fire.target", "unknown duration unit 'minuts'",
          line_of(text, "target:"))
    assert "use one of:" in problem.message


def test_negative_duration(tmp_path):
    """A negative warm-up is refused with the value written in the file."""
    text = edit(("  seed: 1\n", '  seed: 1\n  warmup: "-1 d"\n'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "run.warmup", "must not be negative (got '-1 d')",
          line_of(text, "warmup:"))


def test_zero_on_scene_time(tmp_path):
    """Work on scene must take some time: a zero on-scene duration is refused."""
    text = edit(('on_scene: "30 min"', 'on_scene: "0 min"'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "incident_types.fire.on_scene", "must be positive",
          line_of(text, "on_scene:"))


def test_zero_horizon(tmp_path):
    """A run of zero length is refused."""
    text = edit(('horizon: "30 d"', 'horizon: "0 d"'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "run.horizon", "must be positive (got '0 d')", line_of(text, "horizon:"))


def test_warmup_not_shorter_than_horizon(tmp_path):
    """A warm-up as long as the horizon leaves nothing to measure."""
    text = edit(("  seed: 1\n", '  seed: 1\n  warmup: "30 d"\n'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "run.warmup", "warm-up must be shorter than the horizon",
          line_of(text, "warmup:"))


# ---------------------------------------------------------------- region

def test_unknown_node_kind(tmp_path):
    """An unknown node kind lists the accepted kinds and echoes the bad one."""
    text = edit(("kind: village, lon: 121.05", "kind: city, lon: 121.05"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "region.nodes[1].kind", "(got 'city')", line_of(text, "kind: city"))
    assert "'township'" in problem.message and "'junction'" in problem.message


def test_duplicate_node_ids(tmp_path):
    """Two nodes with one id: the second one is reported."""
    text = edit(("tags: [forest]}\n",
                 "tags: [forest]}\n    - {id: b, kind: junction, lon: 121.1, lat: 30.7}\n"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "region.nodes[3].id", "node id 'b' is used twice",
          line_of(text, "kind: junction"))


def test_road_edge_to_unknown_node(tmp_path):
    """An edge naming a node that does not exist, with a suggestion."""
    text = edit(("{from: a, to: b, km: 5}", "{from: a, to: bb, km: 5}"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "region.roads.edges[0].to", "unknown node 'bb' (did you mean 'b'?)",
          line_of(text, "to: bb"))


def test_edge_with_both_km_and_minutes(tmp_path):
    """An edge is either a length or a time, never both."""
    text = edit(("{from: a, to: b, km: 5}", "{from: a, to: b, km: 5, minutes: 4}"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "region.roads.edges[0]", "give either km (with a speed) or minutes",
          line_of(text, "minutes: 4"))


def test_km_edge_without_speed(tmp_path):
    """A km edge whose class has no speed says how to give one."""
    text = edit(('speeds: {default: "60 km/h"}', 'speeds: {main: "60 km/h"}'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "region.roads.edges[0]", "no speed for this edge",
          line_of(text, "km: 5"))
    assert "class 'default'" in problem.message


def test_two_travel_forms(tmp_path):
    """Roads and auto_roads together are ambiguous; both are named."""
    text = edit(("  roads:\n", "  auto_roads: {}\n  roads:\n"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "region", "give one way to travel", line_of(text, "region:"))
    assert "'roads'" in problem.message and "'auto_roads'" in problem.message


def test_unreachable_node(tmp_path):
    """A node only reachable through a one-way edge cannot get back: it is reported."""
    text = edit(("{from: a, to: c, minutes: 8}", "{from: a, to: c, minutes: 8, one_way: true}"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "region.nodes[2]", "unreachable: node(s) 'c'",
          line_of(text, "{id: c,"))


# ---------------------------------------------------------------- forces and incidents

def test_unit_at_unknown_facility(tmp_path):
    """A unit group based at a facility that does not exist, with a suggestion."""
    text = edit(("base: ts", "base: tss"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "units[1].base", "unknown facility 'tss' (did you mean 'ts'?)",
          line_of(text, "base: tss"))


def test_facility_at_unknown_node(tmp_path):
    """A facility placed at a node that does not exist."""
    text = edit(("node: b}", "node: q}"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "facilities[1].node", "unknown node 'q'", line_of(text, "node: q"))


def test_required_capability_no_unit_has(tmp_path):
    """An incident needing a capability no unit has could never be served."""
    text = edit(("requires: {fire: 1}", "requires: {fire: 1, hazmat: 1}"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "incident_types.fire.requires.hazmat",
          "no unit has capability 'hazmat' (units have: fire, rescue)", line_of(text, "requires:"))


def test_requirement_larger_than_supply(tmp_path):
    """Needing more units of a capability than exist in the whole scenario."""
    text = edit(("requires: {fire: 1}", "requires: {fire: 5}"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "incident_types.fire.requires.fire",
          "needs 5 units with 'fire' but the scenario has only 3", line_of(text, "requires:"))


def test_hospital_transport_without_hospital(tmp_path):
    """Taking patients to hospital needs a facility of kind hospital."""
    text = edit(("  - {id: h, kind: hospital, node: a}\n", ""),
                ('target: "15 min"', 'target: "15 min"\n    hospital: {probability: 0.5}'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "incident_types.fire.hospital",
          "transports patients but no facility is a hospital", line_of(text, "hospital:"))


def test_generator_of_unknown_incident_type(tmp_path):
    """A generator naming an incident type that is not defined, with a suggestion."""
    text = edit(("{type: fire, rate", "{type: fyre, rate"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "generators[0].type", "unknown incident type 'fyre' (did you mean 'fire'?)",
          line_of(text, "fyre"))


def test_generator_tag_no_node_has(tmp_path):
    """Restricting a generator to a tag no node carries would give no incidents."""
    text = edit(('{type: fire, rate: "200 / y"}',
                 '{type: fire, rate: "200 / y", where: {tags: [swamp]}}'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "generators[0].where.tags", "no node has the tag 'swamp'",
          line_of(text, "swamp"))


def test_population_weights_over_empty_nodes(tmp_path):
    """Population weighting over nodes with no population suggests weight: uniform."""
    text = edit(("population: 500, tags: [forest]", "population: 0, tags: [forest]"),
                ('{type: fire, rate: "200 / y"}',
                 '{type: fire, rate: "200 / y", where: {tags: [forest]}}'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "generators[0].where",
          "weighted by population but the matching nodes have no population",
          line_of(text, "where:"))
    assert "weight: uniform" in problem.message


def test_time_of_day_wrong_length(tmp_path):
    """A time-of-day profile needs 24 hourly weights."""
    text = edit(('{type: fire, rate: "200 / y"}',
                 '{type: fire, rate: "200 / y", time_of_day: [1, 2, 3]}'))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "generators[0].time_of_day", "needs 24 weights, one per hour (got 3)",
          line_of(text, "time_of_day"))


def test_unknown_dispatch_policy(tmp_path):
    """An unknown policy name lists the built-in policies."""
    text = edit(("run:\n", "dispatch:\n  policy: closest\nrun:\n"))
    problem, path = single_problem(tmp_path, text)
    check(problem, path, "dispatch.policy", "unknown dispatch policy 'closest'",
          line_of(text, "policy:"))
    assert "nearest_available" in problem.message


# ---------------------------------------------------------------- people, supplies and hazards

PEOPLE = """\
hazards:
  - {kind: typhoon, id: storm, at: "3 d", duration: "24 h", intensity: {default: 1.0}}
shelters:
  - {id: sh-a, node: a, capacity: 300}
evacuation:
  own_vehicle: 1
  zones:
    - {hazard: storm, min_intensity: 0.5, share: 0.2}
items:
  water: {weight: "1 kg", per_person_day: 3}
  quilts: {weight: "2 kg", per_person: 1}
depots:
  - {id: dep-county, node: a, tier: county, stock: {water: 500, quilts: 100}}
  - {id: dep-city, node: b, tier: city, stock: {water: 5000}}
"""


def test_people_and_supplies_text_is_valid(tmp_path):
    """Guards the tests below: the unedited sections load."""
    scenario = sim.load_scenario(write(tmp_path, BASE + PEOPLE))
    assert [d.id for d in scenario.spec.depots] == ["dep-county", "dep-city"]


@pytest.mark.parametrize("old,new,field,message,needle", [
    ("{id: sh-a, node: a,", "{id: sh-a, node: x,", "shelters[0].node", "unknown node 'x'", "sh-a"),
    ("stock: {water: 500,", "stock: {water: -500,", "depots[0].stock.water",
     "greater than or equal to 0", "dep-county"),
    ('quilts: {weight: "2 kg", per_person: 1}', 'quilts: {weight: "2 kg"}', "items.quilts",
     "no need defined: give per_person_day, per_person or per_incident", "quilts: {weight"),
    ("{hazard: storm,", "{hazard: flood,", "evacuation.zones[0].hazard",
     "no hazard with id or kind 'flood'", "hazard: flood"),
    ("stock: {water: 500, quilts: 100}}", "stock: {water: 500, quilts: 100}, replenish: {from: dep-city}}",
     "depots[0].replenish.from", "replenishes quilts from dep-city, which holds none", "dep-county"),
    ("tier: county, stock: {water: 500,", "tier: county, stock: {tents: 5, water: 500,",
     "depots[0].stock.tents", "unknown item 'tents'", "dep-county"),
    ("tier: county,", "tier: district,", "depots[0].tier", "township", "dep-county"),
    ('at: "3 d"', 'at: "40 d"', "hazards[0].at", "outside the run (horizon 30 d)", "id: storm"),
])
def test_people_and_supply_problems(tmp_path, old, new, field, message, needle):
    """A shelter at an unknown node, negative stock, an item with no need, a zone naming no
    hazard, a replenishment that could never come, an unknown item, tier or a scripted time
    outside the run: each is one problem at its field and line."""
    text = BASE + edit((old, new), text=PEOPLE)
    problem, path = single_problem(tmp_path, text)
    check(problem, path, field, message, line_of(text, needle))


# ---------------------------------------------------------------- travel-matrix CSV

MATRIX_TEXT = """\
name: Matrix county
region:
  nodes:
    - {id: a, kind: township, lon: 121.00, lat: 30.70, population: 1000}
    - {id: b, kind: village, lon: 121.05, lat: 30.70, population: 500}
    - {id: c, kind: village, lon: 121.00, lat: 30.75, population: 500}
  travel_matrix: times.csv
facilities:
  - {id: fs, kind: fire_station, node: a}
units:
  - {type: engine, capabilities: [fire], base: fs, count: 2}
incident_types:
  fire: {requires: {fire: 1}, on_scene: "30 min"}
generators:
  - {type: fire, rate: "200 / y"}
run: {horizon: "30 d"}
"""
GOOD_CSV = "from,a,b,c\na,0,5,9\nb,6,0,4\nc,9,4,0\n"


def matrix_problems(tmp_path: Path, csv_text: str) -> tuple[list[Problem], Path]:
    """Problems of the matrix scenario with ``csv_text`` as times.csv next to it."""
    csv_path = tmp_path / "times.csv"
    csv_path.write_text(csv_text, encoding="utf-8")
    return problems_of(write(tmp_path, MATRIX_TEXT)), csv_path


def check_csv(problem: Problem, csv_path: Path, message: str, line: int | None) -> None:
    assert message in problem.message, problem.message
    assert problem.file == str(csv_path)
    assert problem.line == line
    assert problem.path[-1] == "travel_matrix"


def test_matrix_good_csv_loads(tmp_path):
    """Guards the CSV tests: the unedited matrix is valid."""
    (tmp_path / "times.csv").write_text(GOOD_CSV, encoding="utf-8")
    scenario = sim.load_scenario(write(tmp_path, MATRIX_TEXT))
    assert scenario.travel.minutes.tolist() == [[0, 5, 9], [6, 0, 4], [9, 4, 0]]


def test_matrix_non_numeric_cell(tmp_path):
    """A cell that is not a number is named by row and column, at its CSV line."""
    problems, csv_path = matrix_problems(tmp_path, GOOD_CSV.replace("b,6,0,4", "b,6,0,x"))
    assert len(problems) == 1
    check_csv(problems[0], csv_path, "row 'b', column 'c': not a number ('x')", 3)


def test_matrix_negative_value(tmp_path):
    """Negative minutes are refused."""
    problems, csv_path = matrix_problems(tmp_path, GOOD_CSV.replace("c,9,4,0", "c,-9,4,0"))
    assert len(problems) == 1
    check_csv(problems[0], csv_path, "row 'c', column 'a': minutes must be a finite number >= 0", 4)


def test_matrix_missing_column(tmp_path):
    """A node without a column is named."""
    problems, csv_path = matrix_problems(tmp_path, "from,a,b\na,0,5\nb,6,0\nc,9,4\n")
    assert len(problems) == 1
    assert "no column for node(s) c" in problems[0].message
    assert problems[0].file == str(csv_path)


def test_matrix_missing_column_points_at_header(tmp_path):
    """A missing column is a fault of the header row, line 1 of the CSV."""
    problems, csv_path = matrix_problems(tmp_path, "from,a,b\na,0,5\nb,6,0\nc,9,4\n")
    check_csv(problems[0], csv_path, "no column for node(s) c", 1)


def test_matrix_unknown_node_in_header(tmp_path):
    """A header naming a node that is not in the region, at line 1."""
    problems, csv_path = matrix_problems(tmp_path, GOOD_CSV.replace("from,a,b,c", "from,a,b,z"))
    unknown = [p for p in problems if "'z'" in p.message]
    assert len(unknown) == 1
    check_csv(unknown[0], csv_path, "column node 'z' is not a node of the region", 1)


def test_matrix_ragged_row(tmp_path):
    """A row with too few values says how many it has and how many are expected."""
    problems, csv_path = matrix_problems(tmp_path, GOOD_CSV.replace("b,6,0,4", "b,6,0"))
    assert len(problems) == 1
    check_csv(problems[0], csv_path, "row 'b' has 2 values, expected 3", 3)


def test_matrix_non_zero_diagonal(tmp_path):
    """Travel from a node to itself must take no time."""
    problems, csv_path = matrix_problems(tmp_path, GOOD_CSV.replace("b,6,0,4", "b,6,2,4"))
    assert len(problems) == 1
    check_csv(problems[0], csv_path, "travel time from 'b' to itself must be 0 (got 2)", 3)


def test_matrix_line_counts_blank_lines(tmp_path):
    """The reported line is the physical CSV line even after a blank line."""
    csv_text = "from,a,b,c\n\na,0,5,9\nb,6,0,4\nc,9,4,x\n"
    problems, csv_path = matrix_problems(tmp_path, csv_text)
    check_csv(problems[0], csv_path, "row 'c', column 'c': not a number ('x')", 5)


def test_matrix_problem_field_path(tmp_path):
    """CSV problems point at the scenario field that names the CSV."""
    problems, _ = matrix_problems(tmp_path, GOOD_CSV.replace("b,6,0,4", "b,6,0,x"))
    assert format_path(problems[0].path) == "region.travel_matrix"


# ---------------------------------------------------------------- all problems at once

MANY = """\
name: Broken county
region:
  nodes:
    - {id: a, kind: township, lon: 121.00, lat: 30.70, population: 1000}
    - {id: b, kind: city, lon: 121.05, lat: 30.70, population: 500}
  roads:
    speeds: {default: "60 km/h"}
    edges:
      - {from: a, to: b, km: 5}
facilities:
  - {id: fs, kind: fire_station, node: a}
units:
  - {type: engine, capabilities: [fire], base: fss, count: 2}
incident_types:
  fire:
    requires: {fire: 1}
    on_scene: "30 min"
    target: 15
generators:
  - {type: fyre, rate: "200 / y", time_of_day: [1, 2]}
dispatch:
  policy: closest
run:
  horizon: "30 d"
  warmup: "-1 d"
colour: blue
"""
MANY_EXPECTED = {
    "region.nodes[1].kind": "kind: city",
    "units[0].base": "base: fss",
    "incident_types.fire.target": "target: 15",
    "generators[0].time_of_day": "time_of_day",
    "generators[0].type": "time_of_day",
    "dispatch.policy": "policy: closest",
    "run.warmup": "warmup:",
    "colour": "colour:",
}


def test_many_problems_reported_together(tmp_path):
    """Schema problems and cross-reference problems from one file come in one ScenarioError."""
    path = write(tmp_path, MANY)
    problems = problems_of(path)
    found = {format_path(p.path): p for p in problems}
    assert len(found) >= 6
    assert set(MANY_EXPECTED) <= set(found)
    for field, needle in MANY_EXPECTED.items():
        assert found[field].line == line_of(MANY, needle), field
        assert found[field].file == str(path)


def test_problems_sorted_by_line(tmp_path):
    """Problems are listed in file order, so the user can work down the file."""
    problems = problems_of(write(tmp_path, MANY))
    lines = [p.line for p in problems]
    assert None not in lines
    assert lines == sorted(lines)
    assert len(set(lines)) >= 6


def test_error_text_lists_every_problem(tmp_path):
    """The exception text has a count header and one ``file:line: path: message`` per problem."""
    path = write(tmp_path, MANY)
    with pytest.raises(sim.ScenarioError) as exc:
        sim.load_scenario(path)
    text = str(exc.value)
    assert text.startswith(f"{len(exc.value.problems)} problems in the scenario:")
    assert f"{path}:{line_of(MANY, 'base: fss')}: units[0].base: unknown facility 'fss'" in text


# ---------------------------------------------------------------- command line

def test_cli_validate_bad_file(tmp_path, capsys):
    """``sim validate`` exits 2 and prints every problem to stderr, without a traceback."""
    path = write(tmp_path, MANY)
    problems = problems_of(path)
    code = sim.cli.main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    for problem in problems:
        assert str(problem) in err
    assert "Traceback" not in out + err
    assert "OK" not in out


def test_cli_validate_good_file(capsys):
    """``sim validate`` exits 0 and says OK for the tiny built-in scenario."""
    code = sim.cli.main(["validate", str(SCENARIOS / "tiny.yaml")])
    out, err = capsys.readouterr()
    assert code == 0
    assert "OK" in out
    assert "Tiny county" in out
    assert err == ""


def test_cli_run_bad_file(tmp_path, capsys, monkeypatch):
    """``sim run`` on a bad file exits 2 before simulating, without a traceback."""
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, MANY)
    code = sim.cli.main(["run", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "units[0].base" in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "out").exists()


def test_cli_validate_missing_file(tmp_path, capsys):
    """A missing file is an input problem (exit 2), not a crash."""
    code = sim.cli.main(["validate", str(tmp_path / "nope.yaml")])
    out, err = capsys.readouterr()
    assert code == 2
    assert "no such file" in err
    assert "Traceback" not in out + err


# ---------------------------------------------------------------- facility kinds mean something

def _kinds_raw() -> dict:
    from conftest import base_raw
    raw = base_raw()
    raw["facilities"].append({"id": "next", "kind": "external_base", "node": "c"})
    raw["facilities"].append({"id": "post", "kind": "staging_post", "node": "c"})
    return raw


@pytest.mark.parametrize("change, field, words", [
    (lambda r: r["units"].append({"id": "aid", "type": "engine", "capabilities": ["fire"], "base": "fs",
                                  "mutual_aid": {"region": "Next"}}),
     "units[2].base", "external_base"),
    (lambda r: r["units"].append({"id": "theirs", "type": "engine", "capabilities": ["fire"],
                                  "base": "next"}),
     "units[2].mutual_aid", "neighbour"),
    (lambda r: r.update(prepositioning=[{"hazard": "typhoon",
                                         "moves": [{"units": "engine@fs", "to": "ts"}]}],
                        hazards=[{"kind": "typhoon", "id": "t", "at": "1 d", "intensity": {"default": 1}}]),
     "prepositioning[0].moves[0].to", "staging_post"),
])
def test_facility_kinds_are_checked(change, field, words):
    raw = _kinds_raw()
    change(raw)
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario_data(raw)
    assert field in str(err.value) and words in str(err.value)
