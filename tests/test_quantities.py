"""Quantities with units: durations, rates, speeds and distances (sim.scenario.quantities)."""

from __future__ import annotations

import pytest

from sim.scenario.quantities import (
    MINUTES_PER_YEAR,
    format_duration,
    parse_distance,
    parse_duration,
    parse_rate,
    parse_speed,
)


@pytest.mark.parametrize(("text", "minutes"), [
    ("45 min", 45.0),
    ("1.5 h", 90.0),
    ("2 d", 2880.0),
    ("1 w", 10080.0),
    ("1 y", 525600.0),
    ("30 s", 0.5),
    ("3 hours", 180.0),
    ("45 MIN", 45.0),
    (" 2 d ", 2880.0),
    ("45min", 45.0),
    ("1e3 s", 1000 / 60),
    (".5 h", 30.0),
])
def test_parse_duration_units(text, minutes):
    """Every duration unit converts to the right number of minutes."""
    assert parse_duration(text) == pytest.approx(minutes, rel=1e-12)


def test_year_is_365_days():
    """``y`` is a 365-day year (525600 min), the basis of every annual rate."""
    assert MINUTES_PER_YEAR == 525600
    assert parse_duration("1 y") == parse_duration("365 d")


@pytest.mark.parametrize(("text", "per_minute"), [
    ("85 / y", 85 / 525600),
    ("85/y", 85 / 525600),
    ("3 per day", 3 / 1440),
    ("3 per d", 3 / 1440),
    ("85 / 2 y", 85 / (2 * 525600)),
    ("12 / h", 12 / 60),
    ("0 / y", 0.0),
])
def test_parse_rate(text, per_minute):
    """Rates are events per minute; ``N / k unit`` divides by the k-unit period."""
    assert parse_rate(text) == pytest.approx(per_minute, rel=1e-12)


@pytest.mark.parametrize(("text", "kmh"), [
    ("60 km/h", 60.0),
    ("60 km / h", 60.0),
    ("45 kph", 45.0),
    ("10 m/s", 36.0),
])
def test_parse_speed(text, kmh):
    """Speeds are km/h; m/s converts by 3.6."""
    assert parse_speed(text) == pytest.approx(kmh, rel=1e-12)


@pytest.mark.parametrize(("text", "km"), [("800 m", 0.8), ("12.5 km", 12.5), ("1 km", 1.0)])
def test_parse_distance(text, km):
    """Distances are km; metres convert by 1/1000."""
    assert parse_distance(text) == pytest.approx(km, rel=1e-12)


@pytest.mark.parametrize("parse", [parse_duration, parse_speed, parse_distance, parse_rate])
@pytest.mark.parametrize("bare", [45, 2.5])
def test_bare_number_needs_a_unit(parse, bare):
    """A bare YAML number is refused with a message saying a unit is needed."""
    with pytest.raises(ValueError, match="needs a unit"):
        parse(bare)


@pytest.mark.parametrize(("parse", "text", "unit"), [
    (parse_duration, "5 fortnights", "fortnights"),
    (parse_duration, "15 minuts", "minuts"),
    (parse_rate, "85 / fortnight", "fortnight"),
    (parse_speed, "60 mph", "mph"),
    (parse_distance, "3 miles", "miles"),
])
def test_unknown_unit_is_named(parse, text, unit):
    """An unknown unit is named in the message, together with the accepted ones."""
    with pytest.raises(ValueError) as exc:
        parse(text)
    message = str(exc.value)
    assert "unknown" in message
    assert repr(unit) in message
    assert "use one of" in message


def test_unknown_duration_unit_lists_accepted_units():
    """The list of accepted units lets the user fix the typo without the docs."""
    with pytest.raises(ValueError) as exc:
        parse_duration("15 minuts")
    for unit in ("min", "h", "d", "y", "s"):
        assert unit in str(exc.value)


@pytest.mark.parametrize(("parse", "text", "example"), [
    (parse_duration, "abc", "45 min"),
    (parse_duration, "min", "45 min"),
    (parse_duration, "45", "45 min"),
    (parse_duration, "", "45 min"),
    (parse_rate, "lots", "85 / y"),
    (parse_rate, "often per day", "85 / y"),
    (parse_speed, "fast", "60 km/h"),
    (parse_distance, "far", "12.5 km"),
])
def test_garbage_text_shows_an_example(parse, text, example):
    """Text that is not a quantity at all gets a message with a well-formed example."""
    with pytest.raises(ValueError) as exc:
        parse(text)
    assert example in str(exc.value)
    assert repr(text) in str(exc.value)


@pytest.mark.parametrize("parse", [parse_duration, parse_rate, parse_speed, parse_distance])
@pytest.mark.parametrize("value", [True, False, None, [45, "min"]])
def test_non_text_values_are_refused(parse, value):
    """Booleans (``yes``/``no`` in YAML), null and lists are never quantities."""
    with pytest.raises(ValueError) as exc:
        parse(value)
    assert repr(value) in str(exc.value)


def test_rate_period_must_be_positive():
    """``N / 0 y`` would divide by zero; it is refused with the offending text."""
    with pytest.raises(ValueError, match="must be positive") as exc:
        parse_rate("85 / 0 y")
    assert "85 / 0 y" in str(exc.value)


@pytest.mark.parametrize(("minutes", "text"), [
    (1440, "1 d"),
    (2880, "2 d"),
    (525600, "1 y"),
    (2 * 525600, "2 y"),
    (60, "1 h"),
    (90, "1.5 h"),
    (45, "45 min"),
    (0, "0 min"),
    (0.5, "0.5 min"),
    (1441, "1441 min"),
    (43200, "30 d"),
])
def test_format_duration(minutes, text):
    """Minutes are written in the largest unit that gives a short number."""
    assert format_duration(minutes) == text


@pytest.mark.parametrize("minutes", [0, 0.25, 1, 7.5, 45, 59, 60, 90, 100, 1439, 1440, 1441,
                                     2880, 10080, 43200, 525600, 788400, 1051200])
def test_format_duration_round_trips(minutes):
    """Parsing the formatted text gives back the same number of minutes."""
    assert parse_duration(format_duration(minutes)) == pytest.approx(minutes, rel=1e-12, abs=1e-12)
