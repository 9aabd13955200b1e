"""The forest-fire growth and containment model, and sunrise/sunset."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.scenes import FireScene
from sim.model.daylight import daylight_windows, sunrise_sunset
from sim.model.fire import FireGrowth, back_spread, length_to_breadth


def test_length_to_breadth_follows_alexander_1985():
    """LB = 1 + 8.729 (1 - exp(-0.030 U))^2.155: 1 in calm air, about 2.6 at 20 km/h."""
    assert length_to_breadth(0) == pytest.approx(1.0)
    assert length_to_breadth(20) == pytest.approx(1 + 8.729 * (1 - math.exp(-0.6)) ** 2.155)
    assert 2.5 < length_to_breadth(20) < 2.7
    assert length_to_breadth(10) < length_to_breadth(20) < length_to_breadth(40)


def test_calm_fire_is_a_circle():
    """Without wind the back fire spreads as fast as the head: a circle of radius R t."""
    growth = FireGrowth(head_rate=2.0, wind_kmh=0.0)
    assert back_spread(2.0, 1.0) == pytest.approx(2.0)
    radius = 2.0 * 60  # m after an hour
    assert growth.area_ha(60) == pytest.approx(math.pi * radius**2 / 10_000)
    assert growth.perimeter(60) == pytest.approx(2 * math.pi * radius)


def test_area_grows_with_the_square_and_perimeter_linearly():
    growth = FireGrowth(head_rate=3.0, wind_kmh=15.0)
    assert growth.area_ha(120) == pytest.approx(4 * growth.area_ha(60))
    assert growth.perimeter(120) == pytest.approx(2 * growth.perimeter(60))


def test_area_is_capped_by_the_forest():
    growth = FireGrowth(head_rate=5.0, wind_kmh=10.0, max_area_ha=50.0)
    assert growth.area_ha(10_000) == 50.0
    age = growth.burnout_age()
    assert growth.area_ha(age) == pytest.approx(50.0)
    assert growth.area_ha(age * 0.99) < 50.0


def test_containment_needs_production_above_perimeter_growth():
    growth = FireGrowth(head_rate=2.0, wind_kmh=10.0)
    k = growth.perimeter_rate
    assert growth.containment_age(30, 0.0, 0.9 * k) == math.inf
    age = growth.containment_age(30, 0.0, 2 * k)
    # line built from minute 30 at 2k catches the perimeter k t at t = 60
    assert age == pytest.approx(60)
    assert 2 * k * (age - 30) == pytest.approx(growth.perimeter(age))


@settings(max_examples=200, deadline=None)
@given(head=st.floats(0.1, 10), wind=st.floats(0, 60), attack=st.floats(1, 600), delay=st.floats(0, 300),
       production=st.floats(1, 200))
def test_earlier_first_attack_never_burns_more(head, wind, attack, delay, production):
    """Fight early, fight small: the same crews starting later never stop the fire smaller."""
    growth = FireGrowth(head_rate=head, wind_kmh=wind, max_area_ha=5000, max_duration=4320)
    early, late = FireScene(growth, 0.0, 60), FireScene(growth, 0.0, 60)
    stop_early = early.update(attack, production)
    stop_late = late.update(attack + delay, production)
    assert stop_early <= stop_late + 1e-9
    assert growth.area_ha(stop_early) <= growth.area_ha(stop_late) + 1e-9


@settings(max_examples=200, deadline=None)
@given(head=st.floats(0.1, 10), wind=st.floats(0, 60), attack=st.floats(1, 600),
       production=st.floats(1, 200), extra=st.floats(0, 200))
def test_more_production_never_burns_more(head, wind, attack, production, extra):
    growth = FireGrowth(head_rate=head, wind_kmh=wind, max_area_ha=5000, max_duration=4320)
    few, many = FireScene(growth, 0.0, 60), FireScene(growth, 0.0, 60)
    assert many.update(attack, production + extra) <= few.update(attack, production) + 1e-9


def test_fire_scene_banks_line_between_changes():
    """Line built before a crew leaves counts; containment comes when the line reaches the perimeter."""
    growth = FireGrowth(head_rate=1.0, wind_kmh=0.0)
    k = growth.perimeter_rate  # metres of perimeter added per minute
    scene = FireScene(growth, 0.0, 30)
    scene.update(10, 3 * k)          # three crews' worth from minute 10
    due = scene.update(20, 2 * k)    # one leaves at minute 20: 30k of line built by then
    assert scene.line == pytest.approx(30 * k)
    # 30k + 2k (t - 20) = k t  ->  t = 10
    assert due == pytest.approx(20)  # the line already equals the perimeter (20k < 30k): contained now
    scene2 = FireScene(growth, 0.0, 30)
    scene2.update(10, 1.5 * k)
    due2 = scene2.update(20, 1.5 * k)
    # 15k + 1.5k (t - 20) = k t  ->  t = 30
    assert due2 == pytest.approx(30)
    scene2.contain(due2)
    assert scene2.how == "contained"
    assert scene2.area_at(1000) == pytest.approx(growth.area_ha(30))
    assert scene2.update(30, 0.0, present=2) == pytest.approx(30 + 30)  # mop-up of 30 minutes


def test_mop_up_starts_when_someone_is_there():
    """A fire that burned out before anyone came is mopped up from the first arrival."""
    growth = FireGrowth(head_rate=1.0, wind_kmh=0.0, max_duration=60)
    scene = FireScene(growth, 0.0, 20)
    assert scene.update(10, 0.0, present=0) == pytest.approx(60)  # burnout at its max duration
    scene.contain(60)
    assert scene.how == "burned out"
    assert scene.update(60, 0.0, present=0) == math.inf
    assert scene.update(95, 5.0, present=1) == pytest.approx(95 + 20)


@pytest.mark.parametrize(("day", "rise", "sets"), [
    (dt.date(2025, 6, 21), "04:58", "19:01"),   # Ningbo, published times within a few minutes
    (dt.date(2025, 12, 21), "06:38", "17:04"),
])
def test_sunrise_sunset_near_published_times(day, rise, sets):
    r, s = sunrise_sunset(day, 121.55, 29.87, 8.0)
    to_min = lambda hm: int(hm[:2]) * 60 + int(hm[3:])  # noqa: E731
    assert abs(r - to_min(rise)) < 10
    assert abs(s - to_min(sets)) < 10


def test_daylight_windows_cover_the_horizon_in_local_clock():
    windows = daylight_windows(dt.datetime(2025, 6, 21), 3 * 1440, 121.55, 29.87, 8.0)
    assert len(windows) == 3
    for k, (a, b) in enumerate(windows):
        assert 4 * 60 < a - k * 1440 < 6 * 60 and 18 * 60 < b - k * 1440 < 20 * 60
