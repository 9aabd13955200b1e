"""How the work at a scene progresses, and when it ends.

* :class:`WorkScene`: ``on_scene`` minutes of work with the full complement; it goes at the rate
  of the units present out of those required (one engine of two works at half speed), so
  partly served calls always progress.
* :class:`FireScene`: a forest fire grows until the fire line built by the units present
  catches its perimeter (:mod:`sim.model.fire`), or until it burns out; then mop-up takes
  ``on_scene`` minutes.

The engine tells a scene when units arrive or leave; the scene answers when its next
transition is due (``inf`` when it will not come with the units present).
"""

from __future__ import annotations

import math

from ..model.fire import FireGrowth

__all__ = ["FireScene", "WorkScene"]


class WorkScene:
    """Work measured in minutes with the full complement (units sent on escalation, beyond the
    complement, make it go faster)."""

    __slots__ = ("work_left", "rate", "mark", "required")
    burning = False

    def __init__(self, work: float, required: int) -> None:
        self.work_left = work
        self.required = required
        self.rate = 0.0
        self.mark = 0.0

    def update(self, now: float, present: int) -> float:
        """Units on scene are now ``present``: bank the work done, return the end time."""
        self.work_left, self.rate, due = _work_step(self.work_left, self.rate, self.mark, now, present,
                                                    self.required)
        self.mark = now
        return due

    def end_after(self, present: int, arrivals: list[float]) -> float:
        """The clock time of the end, with ``present`` units on scene now and more arriving at
        ``arrivals`` (in order), as the end timer set at the last arrival before it would fire
        (``mark + (due - mark)``, the same float operations as an update at each arrival);
        ``inf`` when it will not end with them."""
        work, rate, mark = self.work_left, self.rate, self.mark
        due = mark + work / rate if rate > 0 else math.inf
        end = mark + (due - mark)
        for when in arrivals:
            if end < when:
                break  # done before the next one comes
            present += 1
            work, rate, due = _work_step(work, rate, mark, when, present, self.required)
            mark = when
            end = mark + (due - mark)
        return end


def _work_step(work: float, rate: float, mark: float, now: float, present: int,
               required: int) -> tuple[float, float, float]:
    """Work left and rate once ``present`` units work from ``now`` on, and the end time."""
    work = max(0.0, work - rate * (now - mark))
    rate = present / required
    return work, rate, (now + work / rate if rate > 0 else math.inf)


class FireScene:
    """A growing forest fire, then mop-up."""

    __slots__ = ("growth", "ignition", "mop_up", "line", "production", "mark", "burning",
                 "contained_at", "first_attack", "how", "mop_up_start")

    def __init__(self, growth: FireGrowth, ignition: float, mop_up: float) -> None:
        self.growth = growth
        self.ignition = ignition
        self.mop_up = mop_up
        self.line = 0.0
        self.production = 0.0
        self.mark = ignition
        self.burning = True
        self.contained_at = math.nan
        self.first_attack = math.nan
        self.how = ""
        self.mop_up_start = math.nan  # when someone is there after the fire stopped

    def burnout(self) -> float:
        """When the fire stops by itself (forest at its node burned, or maximum duration)."""
        return self.ignition + self.growth.burnout_age()

    def update(self, now: float, production: float, present: int = 1) -> float:
        """``present`` units build ``production`` m/min of line: the time of the next
        transition (containment or burnout while burning; the end of mop-up after, which starts
        when the fire has stopped and someone is there)."""
        if not self.burning:
            if math.isnan(self.mop_up_start) and present > 0:
                self.mop_up_start = max(now, self.contained_at)
            return self.mop_up_start + self.mop_up if present > 0 else math.inf
        if production > 0 and math.isnan(self.first_attack):
            self.first_attack = now
        self.line += self.production * (now - self.mark)
        self.mark = now
        self.production = production
        age = self.growth.containment_age(now - self.ignition, self.line, production)
        return min(self.ignition + age, self.burnout())

    def contain(self, now: float) -> None:
        """The fire stops growing now; mop-up starts."""
        self.burning = False
        self.contained_at = now
        self.mop_up_start = math.nan
        if now >= self.burnout() - 1e-9:
            full = self.growth.area_ha(now - self.ignition) >= self.growth.max_area_ha - 1e-9
            self.how = "forest burned" if full else "burned out"
        else:
            self.how = "contained"

    def area_at(self, when: float) -> float:
        """Burned hectares at ``when`` (the fire's size then, or its final size once stopped)."""
        if math.isnan(when):
            return math.nan
        age = when - self.ignition
        if not self.burning:
            age = min(age, self.contained_at - self.ignition)
        return self.growth.area_ha(age)
