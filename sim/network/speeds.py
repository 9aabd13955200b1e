"""Road speeds: the table of speeds per highway class and the reading of OSM ``maxspeed``.

The speed table (km/h per OSM ``highway`` class) says which classes are roads a vehicle drives
on (a class not in the table is left out) and how fast it goes where no ``maxspeed`` says
otherwise. :data:`DEFAULT_SPEEDS` suits rural China and most places: motorway 100, trunk 80,
primary 60, secondary 50, tertiary 40, unclassified and ``road`` 30, residential 25, service
15, living street 10, each ``_link`` a little below its class. Override entries with
:func:`speed_table` (``{"track": 20}`` adds tracks; a speed of 0 leaves a class out).

``maxspeed`` (:func:`parse_maxspeed`) is honoured where it can be read: ``50`` and ``50 km/h``
(km/h), ``30 mph``, ``10 knots``; ``none``, ``signals`` and ``variable`` set no number (the
class speed is used); ``walk`` is 6 km/h; national zones such as ``DE:urban`` or ``RU:rural``
come from :data:`ZONE_SPEEDS` and ``XX:zone30`` is 30; a list ``50;30`` takes the **lowest**
(the cautious choice for a response time). Anything else is unreadable: the way goes at its
class speed and the load report counts it, with an example way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from ..errors import SimError, shown

__all__ = ["CLASS_ORDER", "DEFAULT_SPEEDS", "MPH_KMH", "WALK_KMH", "ZONE_SPEEDS", "class_rank",
           "parse_maxspeed", "parse_speed_overrides", "speed_table"]

DEFAULT_SPEEDS: Mapping[str, float] = {
    "motorway": 100.0, "motorway_link": 60.0,
    "trunk": 80.0, "trunk_link": 50.0,
    "primary": 60.0, "primary_link": 45.0,
    "secondary": 50.0, "secondary_link": 40.0,
    "tertiary": 40.0, "tertiary_link": 30.0,
    "unclassified": 30.0, "road": 30.0,
    "residential": 25.0, "service": 15.0, "living_street": 10.0,
}
"""km/h per drivable ``highway`` class; footway, cycleway, path, steps, track, construction,
proposed and the rest are not in it, so they are left out."""

CLASS_ORDER: tuple[str, ...] = (
    "motorway", "trunk", "primary", "secondary", "tertiary", "motorway_link", "trunk_link",
    "primary_link", "secondary_link", "tertiary_link", "unclassified", "road", "residential",
    "living_street", "service")
"""Classes from the highest down: a road merged from several classes keeps the highest
(a class not listed here ranks below all of these)."""

MPH_KMH = 1.609344
KNOT_KMH = 1.852
WALK_KMH = 6.0
_MAX_KMH = 300.0

ZONE_SPEEDS: Mapping[str, float | None] = {
    "AT:urban": 50, "AT:rural": 100, "AT:trunk": 100, "AT:motorway": 130,
    "CH:urban": 50, "CH:rural": 80, "CH:trunk": 100, "CH:motorway": 120,
    "CZ:urban": 50, "CZ:rural": 90, "CZ:motorway": 130,
    "DE:urban": 50, "DE:rural": 100, "DE:motorway": None, "DE:living_street": 7, "DE:bicycle_road": 30,
    "FR:urban": 50, "FR:rural": 80, "FR:motorway": 130,
    "GB:nsl_single": 60 * MPH_KMH, "GB:nsl_dual": 70 * MPH_KMH, "GB:motorway": 70 * MPH_KMH,
    "IT:urban": 50, "IT:rural": 90, "IT:motorway": 130,
    "NL:urban": 50, "NL:rural": 80, "NL:motorway": 100,
    "PL:urban": 50, "PL:rural": 90, "PL:motorway": 140,
    "RU:urban": 60, "RU:rural": 90, "RU:motorway": 110, "RU:living_street": 20,
    "UA:urban": 50, "UA:rural": 90, "UA:motorway": 130,
}
"""km/h of the national symbolic ``maxspeed`` values read (None: no limit, the class speed)."""

_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?$")
_ZONE = re.compile(r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?:zone:?(\d+)$")
_NO_NUMBER = {"none", "signals", "variable", "unlimited"}


def _one_maxspeed(text: str) -> float | None:
    value = text.strip()
    low = value.lower()
    if low in _NO_NUMBER:
        return None
    if low == "walk":
        return WALK_KMH
    match = _NUMBER.match(low)
    if match:
        number = float(match.group(1))
        unit = match.group(2)
        kmh = number * MPH_KMH if unit == "mph" else number * KNOT_KMH if unit == "knots" else number
        if not 0 < kmh <= _MAX_KMH:
            raise ValueError(f"a speed of {kmh:g} km/h is not a road's")
        return kmh
    zone = _ZONE.match(value)
    if zone:
        return _one_maxspeed(zone.group(1))
    if value in ZONE_SPEEDS:
        return ZONE_SPEEDS[value]
    if re.match(r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?:[a-z_]+$", value):
        raise ValueError("an unknown national speed zone")
    raise ValueError("not a speed")


def parse_maxspeed(value: str) -> float | None:
    """The km/h of an OSM ``maxspeed`` value, or None when it sets no number (``none``,
    ``signals``, ``variable``, ``DE:motorway``): the class speed applies. A list (``50;30``,
    ``50|30``) gives its lowest number. Raises ``ValueError`` for a value that cannot be read."""
    parts = [p for p in re.split(r"[;|]", value) if p.strip()]
    if not parts:
        raise ValueError("empty")
    speeds = [_one_maxspeed(p) for p in parts]
    numbers = [s for s in speeds if s is not None]
    return min(numbers) if numbers else None


def speed_table(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """:data:`DEFAULT_SPEEDS` with ``overrides`` (km/h per class) applied: a new class is added,
    a speed of 0 leaves the class out. Raises :class:`SimError` for a speed that is not a finite
    number between 0 and 300 km/h."""
    table = dict(DEFAULT_SPEEDS)
    for name, speed in (overrides or {}).items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_:.-]{1,60}", name):
            raise SimError(f"speed table: {shown(name, 60)} is not a highway class name")
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not math.isfinite(speed) \
                or not 0 <= speed <= _MAX_KMH:
            raise SimError(f"speed table: the speed of {name} must be a number of km/h from 0 to "
                           f"{_MAX_KMH:g} (0 leaves the class out), got {shown(speed, 40)}")
        if speed == 0:
            table.pop(name, None)
        else:
            table[name] = float(speed)
    if not table:
        raise SimError("speed table: every class is left out, so no road would be kept")
    return table


def parse_speed_overrides(text: str) -> dict[str, float]:
    """``"motorway=90,track=20"`` as ``{"motorway": 90.0, "track": 20.0}`` (km/h; ``km/h`` may
    follow the number). Raises :class:`SimError` naming the entry it cannot read."""
    result: dict[str, float] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        name, sep, speed = entry.partition("=")
        number = re.sub(r"\s*(km/h|kmh)$", "", speed.strip())
        try:
            value = float(number)
        except ValueError:
            value = math.nan
        if not sep or not name.strip() or not math.isfinite(value):
            raise SimError(f"--speeds: {shown(entry, 60)} is not CLASS=KMH (e.g. motorway=90,track=20)")
        result[name.strip()] = value
    return result


def class_rank(road_class: str) -> int:
    """The position of a class in :data:`CLASS_ORDER` (0 is the highest; unlisted classes last)."""
    try:
        return CLASS_ORDER.index(road_class)
    except ValueError:
        return len(CLASS_ORDER)
