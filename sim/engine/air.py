"""Helicopter rules: daylight, wind, refuelling, bucket drops.

* **Daylight**: a day-only helicopter is not sent from sunset to sunrise
  (:mod:`sim.model.daylight`, at the region's mean position). One on a call at sunset leaves it
  (its place is asked for again), except when carrying a patient, and flies home. Day and
  night cost no events of their own: a sunset is scheduled only for a helicopter on a mission,
  and a sunrise only when a call waits at night for something a helicopter could bring.
* **Wind**: a helicopter is not sent while the wind at its base or at the scene exceeds its
  ``max_wind`` (typhoon wind windows); waiting calls try again when a wind window closes. A
  flight already under way is not recalled.
* **Refuelling**: after every mission a helicopter flies home and refuels (``refuel``) before it
  is available again.
* **Bucket drops**: on a forest fire, a helicopter shuttles between the fire and the nearest
  water source. Each drop holds ``bucket_line`` metres of fire line; a cycle is the flight
  there and back plus ``fill_time``. Within its ``endurance`` it flies as many cycles as fit
  around the transit from and to its base, then refuels; its line production is averaged over
  that whole rotation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from ..model.daylight import sunrise_sunset
from ..model.units import AIR, AT_BASE, BUSY, GROUNDED, HOMING, Unit

if TYPE_CHECKING:  # pragma: no cover
    from .interface import Core
    from .scheduling import Fired

__all__ = ["AirControl"]


class AirControl:
    """The helicopter rules of one replication."""

    def __init__(self, engine: Core) -> None:
        self.engine = engine
        spec = engine.scenario.spec
        self.air_units = [u for u in engine.units if u.mode == AIR]
        self.day_units = [u for u in self.air_units if u.info.air.daylight_only]
        nodes = spec.region.nodes
        self.lon = float(np.mean([n.lon for n in nodes]))
        self.lat = float(np.mean([n.lat for n in nodes]))
        self.start_time = spec.run.start
        self.utc_offset = spec.run.utc_offset
        self.wind = engine.timeline.wind
        self.water = [engine.scenario.node_index[f.node] for f in spec.facilities if f.kind == "water_source"]
        self.refuelling: set[int] = set()
        # where each helicopter on a call put down, and the network minutes back to it from the
        # spot (ground transfer or hoist; sim.engine.landing)
        self.put_down: dict[int, tuple[int, float]] = {}
        self._days: dict[int, tuple[float, float]] = {}
        self._sunrise_pending = False
        self.day_capabilities = frozenset(c for u in self.day_units for c in u.capabilities)

    # ---------------------------------------------------------------- day and night

    def _sun(self, day: int) -> tuple[float, float]:
        """Sunrise and sunset of day ``day`` (0 = the start's date), minutes from the start."""
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._compute_sun(day)
        return known

    def _compute_sun(self, day: int) -> tuple[float, float]:
        midnight = dt.datetime(self.start_time.year, self.start_time.month, self.start_time.day)
        date = midnight.date() + dt.timedelta(days=day)
        rise, sets = sunrise_sunset(date, self.lon, self.lat, self.utc_offset)
        base = day * 1440.0 - (self.start_time - midnight).total_seconds() / 60.0
        return base + rise, base + sets

    def is_night(self, t: float) -> bool:
        day = math.floor(t / 1440.0)
        for d in (day - 1, day, day + 1):
            rise, sets = self._sun(d)
            if rise <= t < sets:
                return False
        return True

    def _transitions(self, t: float) -> Iterator[tuple[float, bool]]:
        """Sunrises and sunsets after ``t`` in order: (time, is_sunrise)."""
        day = math.floor(t / 1440.0) - 1
        while True:
            rise, sets = self._sun(day)
            for when, is_rise in ((rise, True), (sets, False)):
                if when > t:
                    yield when, is_rise
            day += 1

    def start(self) -> None:
        """When a wind window closes, waiting calls try again (helicopters may fly now)."""
        if not self.air_units:
            return
        now = self.engine.env.now
        for end in sorted({w.end for w in self.wind}):
            self.engine.at(end - now, self._on_wind_drop)

    def _on_wind_drop(self, _: Fired[None]) -> None:
        if self.engine.queue:
            self.engine.serve_queue_all()
            self._check_queue()

    def _check_queue(self) -> None:
        """Calls still waiting at night for what a helicopter brings: retry at sunrise."""
        for call in self.engine.queue:
            self.waiting_at_night(call.need)

    def dispatched(self, unit: Unit) -> None:
        """A day-only helicopter took off: it must leave its call at the next sunset."""
        if unit.mode != AIR or not unit.info.air.daylight_only:
            return
        now = self.engine.env.now
        sunset = next(t for t, rise in self._transitions(now) if not rise)
        self.engine.at(sunset - now, self._on_sunset, (unit, unit.assignment))

    def _on_sunset(self, event: Fired[tuple[Unit, tuple | None]]) -> None:
        unit, assignment = event.value
        if unit.status == BUSY and unit.assignment is assignment:
            self.engine.withdraw(unit)

    def waiting_at_night(self, need: dict[str, int]) -> None:
        """A call waits for something a day-only helicopter could bring: retry at sunrise."""
        if self._sunrise_pending or self.day_capabilities.isdisjoint(need):
            return
        now = self.engine.env.now
        if not self.is_night(now):
            return
        sunrise = next(t for t, rise in self._transitions(now) if rise)
        self._sunrise_pending = True
        self.engine.at(sunrise - now, self._on_sunrise)

    def _on_sunrise(self, _: Fired[None]) -> None:
        self._sunrise_pending = False
        self.engine.serve_queue_all()

    # ---------------------------------------------------------------- flying

    def wind_at(self, node: int, t: float) -> float:
        """Wind (km/h) at ``node`` at ``t`` from the hazards' wind windows."""
        return max((w.wind[node] for w in self.wind if w.start <= t < w.end), default=0.0)

    def can_fly(self, unit: Unit, target: int) -> bool:
        """Not grounded by night, and the wind at its base and at the target within limits."""
        ops = unit.info.air
        now = self.engine.env.now
        if ops.daylight_only and self.is_night(now):
            return False
        if not self.wind:
            return True
        return self.wind_at(unit.base_node, now) <= ops.max_wind and self.wind_at(target, now) <= ops.max_wind

    def after_mission(self, unit: Unit) -> None:
        """Fly home to refuel (never available on the way)."""
        self.engine.send_home(unit)
        unit.status = HOMING

    def landed(self, unit: Unit) -> None:
        unit.status = GROUNDED
        self.refuelling.add(unit.index)
        self.engine.at(unit.info.air.refuel, self._on_refuelled, unit)

    def _on_refuelled(self, event: Fired[Unit]) -> None:
        unit = event.value
        self.refuelling.discard(unit.index)
        unit.status = AT_BASE
        self.engine.serve_queue(unit)
        if self.engine.queue:
            self._check_queue()

    def bucket_line_rate(self, unit: Unit, node: int) -> float:
        """Fire line (m/min) a helicopter holds at ``node`` by bucket drops, averaged over its
        rotations (cycles within its endurance, then the trip home to refuel)."""
        ops = unit.info.air
        if ops.bucket_line <= 0 or not self.water:
            return 0.0
        rows = self.engine.modes[AIR].rows
        water = min(self.water, key=lambda w: rows[node][w])
        cycle = 2 * rows[node][water] / unit.speed + ops.fill_time
        transit = rows[node][unit.base_node] / unit.speed
        cycles = max(1, math.floor((ops.endurance - 2 * transit) / cycle)) if cycle > 0 else 1
        return ops.bucket_line * cycles / (cycles * cycle + 2 * transit + ops.refuel)
