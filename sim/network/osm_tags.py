"""What the OSM tags of a way mean for a vehicle: may it drive there, in which direction, and
is the way a bridge or a tunnel.

* Access: the most specific of ``motorcar``, ``motor_vehicle``, ``vehicle`` and ``access``
  that is tagged decides; ``no`` or ``private`` leaves the way out (``destination``,
  ``permissive``, ``delivery`` and the rest keep it: an emergency vehicle may go there).
* Direction (:func:`way_direction`): ``oneway=yes/true/1`` forward only, ``-1/reverse``
  backward only, ``no/false/0`` both ways; ``junction=roundabout`` (or ``circular``) is one-way
  forward unless tagged ``oneway=no``. Anything else (``reversible``, ``alternating``, no tag)
  is two-way: a motorway is one-way only when tagged so (mappers tag nearly every motorway
  carriageway ``oneway=yes``; an untagged one is not guessed). ``oneway:conditional`` and
  ``maxspeed:forward``/``:backward`` are not read.
* ``bridge`` and ``tunnel``: any value but ``no`` (``yes``, ``viaduct``, ``building_passage``...).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["BACKWARD", "BOTH", "FORWARD", "is_yes", "motor_access_denied", "oneway_direction",
           "way_direction"]

FORWARD, BACKWARD, BOTH = 1, -1, 0

_NO_ACCESS = {"no", "private"}
_ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
_NO = {"no", "false", "0", ""}


def motor_access_denied(get: Callable[[str], str | None]) -> bool:
    """Whether a way's tags (``get(key)`` gives a tag's value or None) keep cars out."""
    for key in _ACCESS_KEYS:
        value = get(key)
        if value is not None:
            return value.strip().lower() in _NO_ACCESS
    return False


def oneway_direction(oneway: str | None) -> int | None:
    """:data:`FORWARD`, :data:`BACKWARD` or :data:`BOTH` for an ``oneway`` value, None when it
    says nothing (absent or unknown)."""
    if oneway is None:
        return None
    value = oneway.strip().lower()
    if value in ("yes", "true", "1"):
        return FORWARD
    if value in ("-1", "reverse"):
        return BACKWARD
    if value in ("no", "false", "0"):
        return BOTH
    return None


def way_direction(oneway: str | None, junction: str | None) -> int:
    """The directions a vehicle may drive a way (see the module's rules)."""
    direction = oneway_direction(oneway)
    if direction is not None:
        return direction
    if junction is not None and junction.strip().lower() in ("roundabout", "circular"):
        return FORWARD
    return BOTH


def is_yes(value: str | None) -> bool:
    """A ``bridge`` or ``tunnel`` value that says it is one (any value but no/false/0)."""
    return value is not None and value.strip().lower() not in _NO
