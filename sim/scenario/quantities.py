"""Quantities with units in scenario files: durations, rates, speeds and distances.

Scenario files write every physical quantity as a string with its unit, so a reader never has to
guess: ``"45 min"``, ``"6 h"``, ``"2 d"``, ``"85 / y"``, ``"60 km/h"``, ``"12.5 km"``.
Internally the simulator uses one unit per dimension:

========== ================= =========================================================
dimension  internal unit     accepted units
========== ================= =========================================================
duration   minutes           s, min, h, d, w, y (``y`` is 365 days)
rate       events per minute ``N / unit`` or ``N per unit`` with any duration unit
speed      km/h              km/h, m/s, m/min
distance   km                m, km
mass       kg                kg, t
mass rate  kg per minute     ``10 t/h``, ``500 kg/min`` (a mass per duration)
========== ================= =========================================================
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import shown

__all__ = [
    "DISTANCE",
    "DURATION",
    "DURATION_UNITS",
    "NUMBER",
    "Quantity",
    "SPEED",
    "MINUTES_PER_YEAR",
    "parse_distance",
    "parse_duration",
    "parse_mass",
    "parse_mass_rate",
    "parse_rate",
    "parse_speed",
    "finite",
    "format_duration",
]

MINUTES_PER_YEAR = 365 * 24 * 60

DURATION_UNITS: dict[str, float] = {
    "s": 1 / 60, "sec": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
    "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0,
    "h": 60.0, "hr": 60.0, "hour": 60.0, "hours": 60.0,
    "d": 1440.0, "day": 1440.0, "days": 1440.0,
    "w": 10080.0, "week": 10080.0, "weeks": 10080.0,
    "y": float(MINUTES_PER_YEAR), "yr": float(MINUTES_PER_YEAR),
    "year": float(MINUTES_PER_YEAR), "years": float(MINUTES_PER_YEAR),
}
_SPEED_UNITS = {"km/h": 1.0, "kmh": 1.0, "kph": 1.0, "m/s": 3.6, "m/min": 0.06}
_DISTANCE_UNITS = {"km": 1.0, "m": 0.001}
_MASS_UNITS = {"kg": 1.0, "t": 1000.0}

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*([^\d\s].*?)\s*$")
_RATE = re.compile(rf"^\s*({_NUMBER})\s*(?:/|per\b)\s*(.+?)\s*$")


def finite(value: float, text: object) -> float:
    """``value`` (read from ``text``) if it is a finite number; otherwise a ``ValueError``.

    ``1e400`` reads as infinity and ``.nan`` as not-a-number; a simulation can use neither."""
    if math.isnan(value):
        raise ValueError(f"not a number (got {shown(text)}): give a finite number")
    if math.isinf(value):
        raise ValueError(f"too large a number to compute with (got {shown(text)}): give a finite "
                         "number")
    return value


def _split(text: object, what: str, example: str) -> tuple[float, str]:
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ValueError(f"expected a {what} like {example!r}, got {shown(text)}")
    if isinstance(text, (int, float)):
        raise ValueError(f"a {what} needs a unit, e.g. {example!r} (got the bare number {shown(text)})")
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"expected a {what} like {example!r}, got {shown(text)}")
    return finite(float(match.group(1)), text), match.group(2).strip()


def _unknown_unit(unit: str, known: dict[str, float], what: str) -> ValueError:
    names = ", ".join(sorted({k for k in known if len(k) <= 5}))
    return ValueError(f"unknown {what} unit {shown(unit)} (use one of: {names})")


def _parse(text: object, what: str, example: str, units: dict[str, float]) -> float:
    value, unit = _split(text, what, example)
    factor = units.get(unit.lower().replace(" ", ""))
    if factor is None:
        raise _unknown_unit(unit, units, what)
    return finite(value * factor, text)


def parse_duration(text: object) -> float:
    """Parse a duration such as ``"45 min"`` or ``"1.5 h"`` into minutes."""
    return _parse(text, "duration", "45 min", DURATION_UNITS)


def parse_rate(text: object) -> float:
    """Parse a rate such as ``"85 / y"`` or ``"3 per day"`` into events per minute."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"a rate needs a unit, e.g. '85 / y' (got {shown(text)})")
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"expected a rate like '85 / y' or '3 per day', got {shown(text)}")
    value, unit = finite(float(match.group(1)), text), match.group(2).strip().lower()
    per = unit
    count = 1.0
    inner = _QUANTITY.match(unit)  # "85 / 2 y"
    if inner:
        count, per = finite(float(inner.group(1)), text), inner.group(2).strip().lower()
    factor = DURATION_UNITS.get(per)
    if factor is None:
        raise _unknown_unit(unit, DURATION_UNITS, "rate")
    if count * factor <= 0:  # also a period so short it reads as zero ("1 / 1e-400 y")
        raise ValueError(f"the period of a rate must be positive, got {shown(text)}")
    return finite(value / (count * factor), text)


def parse_speed(text: object) -> float:
    """Parse a speed such as ``"60 km/h"`` into km/h."""
    return _parse(text, "speed", "60 km/h", _SPEED_UNITS)


def parse_distance(text: object) -> float:
    """Parse a distance such as ``"12.5 km"`` or ``"800 m"`` into km."""
    return _parse(text, "distance", "12.5 km", _DISTANCE_UNITS)


def parse_mass(text: object) -> float:
    """Parse a mass such as ``"5 t"`` or ``"800 kg"`` into kg."""
    return _parse(text, "mass", "5 t", _MASS_UNITS)


def parse_mass_rate(text: object) -> float:
    """Parse a loading rate such as ``"10 t/h"`` into kg per minute."""
    value, unit = _split(text, "mass rate", "10 t/h")
    mass, _, per = unit.replace(" ", "").partition("/")
    if mass.lower() not in _MASS_UNITS or per.lower() not in DURATION_UNITS:
        raise ValueError(f"expected a mass rate like '10 t/h', got {shown(text)}")
    return finite(value * _MASS_UNITS[mass.lower()] / DURATION_UNITS[per.lower()], text)


def format_duration(minutes: float) -> str:
    """Write minutes back in the largest unit that keeps the number readable."""
    for unit, factor in (("y", MINUTES_PER_YEAR), ("d", 1440.0), ("h", 60.0)):
        if abs(minutes) >= factor and (minutes / factor) == round(minutes / factor, 3):
            return f"{minutes / factor:g} {unit}"
    return f"{minutes:g} min"


def _as_float(value: float) -> float:
    """``float(value)``, with an integer too large for a float read as infinity."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _plain_number(value: object) -> float:
    """A bare number (the reader of :data:`NUMBER`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a plain number, got {shown(value)}")
    return finite(_as_float(value), value)


@dataclass(frozen=True)
class Quantity:
    """A kind of quantity a distribution can describe: how to read it and its units."""

    name: str
    parse: Callable[[object], float]
    units: dict[str, float]
    example: str
    internal: str = ""  # the internal unit, for messages

    def show(self, value: float) -> str:
        return f"{value:g} {self.internal}".rstrip()

    def read(self, value: object, unit: str | None = None) -> float:
        """A value with its unit, or a bare number in ``unit`` (bare numbers only for NUMBER)."""
        if not self.units:
            return self.parse(value)
        if unit is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
            return finite(_as_float(value) * self.units[unit.lower()], value)
        return self.parse(value)


DURATION = Quantity("duration", parse_duration, DURATION_UNITS, "30 min", "min")
SPEED = Quantity("speed", parse_speed, _SPEED_UNITS, "2 m/min", "km/h")
DISTANCE = Quantity("distance", parse_distance, _DISTANCE_UNITS, "1.5 km", "km")
NUMBER = Quantity("number", _plain_number, {}, "0.5")
