"""Forest-fire growth and containment.

**Growth.** A free-burning fire from a point ignition grows as an ellipse (Van Wagner 1969;
Alexander 1985). The head fire spreads at ``R`` m/min, the back fire at ``Rb``; after ``t``
minutes the fire is ``L = (R + Rb) t`` long and ``W = L / LB`` wide, where ``LB``, the
length-to-breadth ratio, grows with wind speed ``U`` (km/h, Alexander 1985)::

    LB = 1 + 8.729 (1 - exp(-0.030 U)) ** 2.155
    Rb = R (LB - sqrt(LB^2 - 1)) / (LB + sqrt(LB^2 - 1))

so area ``A(t) = pi L W / 4`` grows with ``t^2`` and the perimeter ``P(t)`` (Ramanujan's
approximation for the ellipse) with ``t``: ``P(t) = k t``.

**Containment** ("fight early, fight small"). Crews build fire line at a combined rate ``p``
(m/min; helicopter bucket drops add the line their drops hold). The fire is contained when the
line built since the first attack reaches the perimeter. The line gains on the fire only while
``p`` exceeds the perimeter growth ``k``; with less, the fire is never caught. Production may
change as units arrive and leave; between changes it is constant, so the containment time is
found piece by piece. A fire also stops when it has burned all the forest at its node, or when
it reaches its maximum duration (weather, natural barriers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FireGrowth", "back_spread", "length_to_breadth"]

M2_PER_HA = 10_000.0


def length_to_breadth(wind_kmh: float) -> float:
    """Length-to-breadth ratio of a wind-driven fire (Alexander 1985), wind at 10 m in km/h."""
    return 1.0 + 8.729 * (1.0 - math.exp(-0.030 * max(wind_kmh, 0.0))) ** 2.155


def back_spread(head_rate: float, lb: float) -> float:
    """Back-fire rate of spread from the head rate and the length-to-breadth ratio."""
    root = math.sqrt(max(lb * lb - 1.0, 0.0))
    return head_rate * (lb - root) / (lb + root)


@dataclass(frozen=True)
class FireGrowth:
    """One fire's elliptical growth: head rate (m/min), wind (km/h) and limits."""

    head_rate: float
    wind_kmh: float
    max_area_ha: float = math.inf
    max_duration: float = math.inf

    @property
    def lb(self) -> float:
        return length_to_breadth(self.wind_kmh)

    @property
    def length_rate(self) -> float:
        """Growth of the fire's length, m/min."""
        return self.head_rate + back_spread(self.head_rate, self.lb)

    @property
    def perimeter_rate(self) -> float:
        """Growth of the perimeter, m/min (Ramanujan's ellipse perimeter)."""
        a = self.length_rate / 2
        b = a / self.lb
        h = ((a - b) / (a + b)) ** 2 if a + b > 0 else 0.0
        return math.pi * (a + b) * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h)))

    def area_ha(self, minutes: float) -> float:
        """Burned area after ``minutes`` of free burning, capped at the forest available."""
        length = self.length_rate * max(minutes, 0.0)
        return min(math.pi * length * (length / self.lb) / 4 / M2_PER_HA, self.max_area_ha)

    def perimeter(self, minutes: float) -> float:
        return self.perimeter_rate * max(minutes, 0.0)

    def burnout_age(self) -> float:
        """Age (minutes since ignition) at which the fire stops by itself: all the forest at
        its node burned, or the maximum duration reached."""
        age = self.max_duration
        if math.isfinite(self.max_area_ha) and self.length_rate > 0:
            full = math.sqrt(self.max_area_ha * M2_PER_HA * 4 * self.lb / math.pi) / self.length_rate
            age = min(age, full)
        return age

    def containment_age(self, age: float, line: float, production: float) -> float:
        """The age at which the line catches the perimeter, if production stays at
        ``production`` m/min from ``age`` on with ``line`` metres already built; ``inf`` when
        it never does (the fire outruns the crews)."""
        k = self.perimeter_rate
        if line >= k * age:
            return age
        if production <= k:
            return math.inf
        return (production * age - line) / (production - k)
