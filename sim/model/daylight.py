"""Sunrise and sunset, for helicopters that fly by day only.

The NOAA solar calculator's low-precision formulas (equation of time and solar declination
from the fractional year): accurate to a few minutes, which is all a flying-hours rule needs.
Times are local clock times for a region whose clock runs ``utc_offset_h`` hours ahead of UTC.
"""

from __future__ import annotations

import datetime as dt
import math

__all__ = ["daylight_windows", "sunrise_sunset"]


def sunrise_sunset(day: dt.date, lon: float, lat: float, utc_offset_h: float) -> tuple[float, float]:
    """Sunrise and sunset on ``day`` as minutes after local midnight (0 and 1440 under midnight
    sun, 720 and 720 in polar night)."""
    doy = day.timetuple().tm_yday
    gamma = 2 * math.pi / 365 * (doy - 1)
    eqtime = 229.18 * (0.000075 + 0.001868 * math.cos(gamma) - 0.032077 * math.sin(gamma)
                       - 0.014615 * math.cos(2 * gamma) - 0.040849 * math.sin(2 * gamma))
    decl = (0.006918 - 0.399912 * math.cos(gamma) + 0.070257 * math.sin(gamma)
            - 0.006758 * math.cos(2 * gamma) + 0.000907 * math.sin(2 * gamma)
            - 0.002697 * math.cos(3 * gamma) + 0.00148 * math.sin(3 * gamma))
    phi = math.radians(lat)
    cos_ha = (math.cos(math.radians(90.833)) / (math.cos(phi) * math.cos(decl))
              - math.tan(phi) * math.tan(decl))
    if cos_ha <= -1:
        return 0.0, 1440.0
    if cos_ha >= 1:
        return 720.0, 720.0
    ha = math.degrees(math.acos(cos_ha))
    noon = 720 - 4 * lon - eqtime + 60 * utc_offset_h
    return noon - 4 * ha, noon + 4 * ha


def daylight_windows(start: dt.datetime, horizon: float, lon: float, lat: float,
                     utc_offset_h: float) -> list[tuple[float, float]]:
    """Daylight intervals (sunrise, sunset) in minutes from ``start`` covering [0, horizon]."""
    windows = []
    midnight = dt.datetime(start.year, start.month, start.day)
    offset = (start - midnight).total_seconds() / 60
    days = int(math.ceil((horizon + offset) / 1440)) + 1
    for k in range(days):
        day = midnight.date() + dt.timedelta(days=k)
        rise, sets = sunrise_sunset(day, lon, lat, utc_offset_h)
        base = k * 1440 - offset
        if sets > rise:
            windows.append((base + rise, base + sets))
    return [(a, b) for a, b in windows if b > 0 and a < horizon]
