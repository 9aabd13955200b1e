"""Bad scenario values get one clear, fast error: alias bombs and oversized files, numbers that
overflow to infinity or are not numbers, sizes no run could hold, a mapping where a list of
names belongs, and messages that quote at most about 100 characters of a bad value."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_scenario_errors import write

import sim
from sim.errors import SHOWN_CHARS, Problem, ScenarioError, shown
from sim.scenario import limits
from sim.scenario.distributions import DistributionError, parse_distribution
from sim.scenario.quantities import NUMBER, SPEED, parse_distance, parse_duration, parse_rate, parse_speed
from sim.scenario.yamlio import YamlLimitError, YamlSyntaxError, parse_yaml, read_yaml_mapping, read_yaml_text


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
    size, for scenarios read through read_yaml_text and for experiment and drill files."""
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(limits.MAX_FILE_BYTES + 1)
    with pytest.raises(YamlLimitError, match="too large: 50,000,001 bytes"):
        read_yaml_text(path)
    with pytest.raises(ScenarioError, match="at most 50,000,000 bytes"):
        read_yaml_mapping(path, "experiment")


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
