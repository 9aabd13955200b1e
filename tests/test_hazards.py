"""The hazard draws, each hazard's effect on its own: typhoons and heavy rain, landslides,
forest fires, chemical accidents and earthquakes (:mod:`sim.model.hazards`), and how they change
the incident stream (:mod:`sim.model.exogenous`).

Every test uses the "hazard county" below, adds one hazard and draws a replication with
:func:`sim.model.exogenous.draw_replication`; no response is simulated here. The county::

    P(chemical) --- G(forest_ha, no forest tag)
    |               |
    A(coast) --coast-- B(flood-prone) ---- C(mountain) --mountain-- D(mountain, forest) --mountain-- E(forest)
                       (B-G is a bridge)

Roads are numbered in the order of ``EDGES``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from scipy.special import ndtr

import sim
from sim.engine.streams import Streams
from sim.model.exogenous import draw_replication
from sim.scenario.geography import haversine_km

# ---------------------------------------------------------------- helpers: the hazard county

NODES = [
    # id, kind, lon, lat, population, forest_ha, tags
    ("A", "township", 121.00, 30.70, 2000, 0.0, ["coast"]),
    ("B", "village", 121.05, 30.70, 1000, 0.0, ["flood-prone"]),
    ("C", "village", 121.10, 30.70, 800, 0.0, ["mountain"]),
    ("D", "village", 121.15, 30.70, 400, 300.0, ["mountain", "forest"]),
    ("E", "village", 121.20, 30.70, 200, 100.0, ["forest"]),
    ("P", "facility_site", 121.00, 30.74, 300, 0.0, ["chemical"]),
    ("G", "village", 121.05, 30.74, 600, 1000.0, []),
]
IDS = [n[0] for n in NODES]
EDGES = [("A", "B", ["coast"]), ("B", "C", []), ("C", "D", ["mountain"]), ("D", "E", ["mountain"]),
         ("A", "P", []), ("P", "G", []), ("B", "G", ["bridge"])]
MOUNTAIN_ROADS = {2, 3}
START = dt.datetime(2025, 7, 1)
DAY = 1440.0


def node(name: str) -> int:
    return IDS.index(name)


def county(*hazards: dict, accident_rate: str = "3000 / y", horizon: str = "30 d",
           units: list[dict] | None = None, start: str = "2025-07-01 00:00") -> sim.Scenario:
    """The hazard county with the given hazards (accidents, fires and the types hazards create)."""
    nodes = [{"id": i, "kind": k, "lon": lon, "lat": lat, "population": pop, "forest_ha": ha,
              "tags": tags} for i, k, lon, lat, pop, ha, tags in NODES]
    edges = [{"from": a, "to": b, "minutes": 10, "tags": tags} for a, b, tags in EDGES]
    simple = {"requires": {"rescue": 1}, "on_scene": "30 min"}
    raw = {
        "name": "Hazard county",
        "region": {"nodes": nodes, "roads": {"edges": edges}},
        "facilities": [{"id": "fs", "kind": "fire_station", "node": "A"},
                       {"id": "ts", "kind": "township_station", "node": "C"}],
        "units": units or [
            {"id": "eng", "type": "engine", "capabilities": ["rescue", "fire"], "base": "fs", "count": 2},
            {"id": "crew", "type": "crew", "capabilities": ["forest"], "base": "ts",
             "line_production": "20 m/min"}],
        "incident_types": {
            "accident": {**simple, "detection_delay": {"dist": "exponential", "mean": "5 min"},
                         "report_delay": {"dist": "uniform", "low": "1 min", "high": "3 min"}},
            "fire": {"requires": {"fire": 1}, "on_scene": "30 min"},
            "rescue": simple, "collapse": simple, "leak": simple, "casualty": simple,
            "forest_fire": {"requires": {"forest": 1}, "on_scene": "2 h"},
        },
        "generators": [{"type": "accident", "rate": accident_rate},
                       {"type": "fire", "rate": "500 / y"}],
        "run": {"horizon": horizon, "start": start},
        "hazards": list(hazards),
    }
    return sim.load_scenario_data(raw)


def typhoon(**fields: object) -> dict:
    """A scripted typhoon at day 10 (warned 48 h before, lasting 24 h), full strength everywhere."""
    return {"kind": "typhoon", "id": "ty", "at": "10 d", "lead": "48 h", "duration": "24 h",
            "intensity": {"default": 1.0}, **fields}


def draw(scenario: sim.Scenario, seed: int = 1, rep: int = 0):
    """(incident stream, hazard timeline) of one replication."""
    return draw_replication(scenario, Streams(seed, rep))


def of_type(scenario: sim.Scenario, stream, name: str) -> np.ndarray:
    return stream.type_index == list(scenario.spec.incident_types).index(name)


def rows(stream, mask: np.ndarray) -> list[tuple]:
    """The incidents selected by ``mask`` as comparable tuples."""
    return list(zip(stream.time[mask].tolist(), stream.node[mask].tolist(),
                    stream.type_index[mask].tolist(), stream.on_scene[mask].tolist(),
                    stream.detection_delay[mask].tolist(), strict=True))


def km_from(name: str) -> np.ndarray:
    """Great-circle km from node ``name`` to every node."""
    lon, lat = NODES[node(name)][2:4]
    return haversine_km(np.array([n[2] for n in NODES]), np.array([n[3] for n in NODES]), lon, lat)


def plain(timeline) -> dict:
    """A hazard timeline as nested plain values (for equality checks)."""
    return dataclasses.asdict(timeline)


# ---------------------------------------------------------------- typhoons: the event and its footprint

def test_scripted_typhoon_times():
    """A scripted typhoon's landfall is 'at', its warning 'lead' earlier, its end 'duration' later."""
    _, timeline = draw(county(typhoon()))
    [event] = timeline.events
    assert (event.hazard, event.kind, event.name) == ("ty", "typhoon", "ty")
    assert event.start == 10 * DAY
    assert event.forecast == 10 * DAY - 48 * 60
    assert event.end == 11 * DAY


def test_typhoon_at_a_calendar_time():
    """'at' as a date and time counts from run.start."""
    _, timeline = draw(county(typhoon(at="2025-07-03 06:30")))
    assert timeline.events[0].start == 2 * DAY + 6.5 * 60


def test_intensity_by_node_tag_and_default():
    """Node ids win over tags, the largest matching tag wins, other nodes get the default."""
    spec = typhoon(intensity={"A": 0.9, "tag:mountain": 0.5, "tag:forest": 0.7, "tag:coast": 0.1,
                              "default": 0.2})
    _, timeline = draw(county(spec))
    expected = {"A": 0.9, "B": 0.2, "C": 0.5, "D": 0.7, "E": 0.7, "P": 0.2, "G": 0.2}
    assert dict(zip(IDS, timeline.events[0].intensity.tolist(), strict=True)) == pytest.approx(expected)


def test_intensity_without_default_is_zero():
    """Without 'default', nodes not named are untouched (0) and not counted as affected."""
    _, timeline = draw(county(typhoon(intensity={"B": 1.0})))
    event = timeline.events[0]
    assert event.intensity.tolist() == [0, 1, 0, 0, 0, 0, 0]
    assert event.people_affected == 1000


def test_intensity_from_track_and_radius():
    """A track gives 1 on the track, falls with distance, and 0 beyond the radius."""
    track = [{"at": "10 d", "lon": 121.00, "lat": 30.70}, {"at": "10 d", "lon": 121.05, "lat": 30.70}]
    _, timeline = draw(county(typhoon(intensity=None, track=track, radius="9 km")))
    intensity = dict(zip(IDS, timeline.events[0].intensity.tolist(), strict=True))
    assert intensity["A"] == pytest.approx(1.0) and intensity["B"] == pytest.approx(1.0)
    assert intensity["E"] == 0.0 and intensity["D"] == 0.0        # 14 and 9.6 km from B
    # C is 4.8 km east of B and P 4.4 km north of A: linear fall to 0 at 9 km
    assert intensity["C"] == pytest.approx(1 - km_from("B")[node("C")] / 9, abs=0.01)
    assert intensity["P"] == pytest.approx(1 - km_from("A")[node("P")] / 9, abs=0.01)


def test_severity_scales_intensity_and_clips_at_one():
    """The event's severity multiplies the footprint; intensities stay within 0-1."""
    _, timeline = draw(county(typhoon(intensity={"A": 0.8, "default": 0.3}, severity=2.0)))
    assert timeline.events[0].intensity.tolist() == pytest.approx([1.0, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6])


def test_wind_window_is_peak_wind_times_intensity():
    """A typhoon's wind window spans the event, with peak_wind x intensity at each node (km/h)."""
    _, timeline = draw(county(typhoon(intensity={"A": 1.0, "C": 0.5}, peak_wind="30 m/s")))
    [window] = timeline.wind
    assert (window.start, window.end) == (10 * DAY, 11 * DAY)
    assert window.wind.tolist() == pytest.approx([108.0, 0, 54.0, 0, 0, 0, 0])


def test_heavy_rain_has_no_wind():
    """Heavy rain (and a typhoon without peak_wind) draws no wind window."""
    rain = typhoon(kind="heavy_rain")
    _, timeline = draw(county(rain))
    assert timeline.events[0].kind == "heavy_rain"
    assert timeline.wind == []


def test_generated_typhoons_follow_their_season():
    """Generated typhoons land only in months with season weight, named id#1, id#2 ..."""
    season = [0.0] * 12
    season[8] = 1.0  # September
    spec = typhoon(at=None, rate="30 / y", season=season)
    scenario = county(spec, horizon="365 d", start="2025-01-01 00:00", accident_rate="1 / y")
    _, timeline = draw(scenario)
    assert len(timeline.events) > 5
    months = {(dt.datetime(2025, 1, 1) + dt.timedelta(minutes=e.start)).month for e in timeline.events}
    assert months == {9}
    assert [e.name for e in timeline.events] == [f"ty#{k + 1}" for k in range(len(timeline.events))]


# ---------------------------------------------------------------- typhoons: incident rates

def _window(stream, start: float = 10 * DAY, end: float = 11 * DAY) -> np.ndarray:
    return (stream.time >= start) & (stream.time < end)


def test_rate_multiplier_above_one_adds_incidents_only_in_the_window_where_it_blows():
    """m > 1: the everyday incidents stay the same (CRN); extras fall in the window at I > 0."""
    base = county()
    stormy = county(typhoon(intensity={"A": 1.0, "B": 0.5}, rate_multipliers={"accident": 4.0}))
    for seed in range(5):
        calm, _ = draw(base, seed)
        busy, timeline = draw(stormy, seed)
        everyday = busy.event < 0
        assert rows(busy, everyday) == rows(calm, np.ones(len(calm), bool))
        extra = ~everyday
        assert extra.sum() > 0
        assert _window(busy)[extra].all()
        assert set(busy.node[extra].tolist()) <= {node("A"), node("B")}
        assert of_type(stormy, busy, "accident")[extra].all()
        assert (busy.generator_index[extra] == 0).all()
        assert timeline.rate_changes[0].multiplier.tolist() == [4.0, 2.5, 1, 1, 1, 1, 1]


def test_rate_multiplier_above_one_adds_the_expected_number():
    """The extras average (m - 1) I x the generator's rate at that node over the window."""
    scenario = county(typhoon(intensity={"A": 1.0}, rate_multipliers={"accident": 3.0}))
    counts = [int((draw(scenario, seed)[0].event >= 0).sum()) for seed in range(300)]
    share_a = 2000 / sum(n[4] for n in NODES)
    mean = 3000 / 525600 * 1440 * share_a * 2.0
    assert abs(np.mean(counts) - mean) < 4 * math.sqrt(mean / len(counts))


def test_rate_multiplier_zero_removes_window_incidents_at_full_intensity():
    """m = 0 at I = 1: no incident of that type in the window there; the rest is unchanged."""
    base = county()
    stormy = county(typhoon(intensity={"A": 1.0}, rate_multipliers={"accident": 0.0}))
    for seed in range(5):
        calm, _ = draw(base, seed)
        thin, _ = draw(stormy, seed)
        accident = of_type(base, calm, "accident")
        gone = accident & _window(calm) & (calm.node == node("A"))
        assert gone.sum() > 0
        assert rows(thin, np.ones(len(thin), bool)) == rows(calm, ~gone)


def test_rate_multiplier_below_one_thins_in_proportion():
    """m = 0.2 at I = 0.5 keeps each window incident there with probability 1 - 0.8 x 0.5."""
    base = county(accident_rate="20000 / y")
    stormy = county(typhoon(intensity={"A": 0.5}, rate_multipliers={"accident": 0.2}),
                    accident_rate="20000 / y")
    before = after = 0
    for seed in range(40):
        for scenario, stream in ((base, draw(base, seed)[0]), (stormy, draw(stormy, seed)[0])):
            n = int((of_type(scenario, stream, "accident") & _window(stream)
                     & (stream.node == node("A"))).sum())
            if scenario is base:
                before += n
            else:
                after += n
    p = 0.6
    assert abs(after - p * before) < 4 * math.sqrt(before * p * (1 - p))


def test_rate_multipliers_leave_other_types_alone():
    """Only the listed incident types change."""
    stormy = county(typhoon(rate_multipliers={"accident": 0.0}))
    calm, _ = draw(county(), 3)
    thin, _ = draw(stormy, 3)
    fires = of_type(stormy, calm, "fire")
    assert rows(thin, of_type(stormy, thin, "fire")) == rows(calm, fires)


def test_hazard_incidents_only_in_window_at_matching_nodes():
    """A typhoon's own incidents fall in its window, at nodes of 'where' with intensity > 0."""
    spec = typhoon(intensity={"B": 1.0, "C": 0.6, "D": 0.0},
                   incidents=[{"type": "rescue", "rate": "40 / d",
                               "where": {"nodes": {"B": 1, "D": 1, "E": 1}}}])
    scenario = county(spec)
    for seed in range(5):
        stream, timeline = draw(scenario, seed)
        mine = stream.event >= 0
        assert mine.sum() > 10
        assert of_type(scenario, stream, "rescue")[mine].all()
        assert _window(stream)[mine].all()
        assert set(stream.node[mine].tolist()) == {node("B")}   # C not in 'where'; D, E at 0
        assert (stream.generator_index[mine] == -1).all()


def test_hazard_incidents_count_is_rate_times_intensity_share():
    """Their number averages rate x duration x the intensity-weighted share of 'where'."""
    spec = typhoon(intensity={"B": 1.0, "C": 0.5},
                   incidents=[{"type": "rescue", "rate": "10 / d", "where": {"weight": "uniform"}}])
    scenario = county(spec)
    counts = [int((draw(scenario, seed)[0].event >= 0).sum()) for seed in range(200)]
    mean = 10 * 1.5 / len(NODES)
    assert abs(np.mean(counts) - mean) < 4 * math.sqrt(mean / len(counts))


# ---------------------------------------------------------------- typhoons: road cuts

def test_no_road_cuts_without_probability_or_tags():
    """road_cuts with probability 0 and no tags cuts nothing, even at full intensity."""
    for seed in range(10):
        _, timeline = draw(county(typhoon(road_cuts={"probability": 0.0})), seed)
        assert timeline.closures == []


def test_tagged_roads_all_cut_at_full_intensity():
    """Tag probability 1 at intensity 1 cuts every road with that tag and no other."""
    spec = typhoon(road_cuts={"tags": {"mountain": 1.0}, "repair": "6 h"})
    for seed in range(5):
        _, timeline = draw(county(spec), seed)
        assert {c.road for c in timeline.closures} == MOUNTAIN_ROADS
        for c in timeline.closures:
            assert 10 * DAY <= c.start < 11 * DAY
            assert c.end == pytest.approx(c.start + 360)   # reopens after the repair time
            assert c.event == 0


def test_road_cuts_need_intensity_at_an_end():
    """A road whose two ends are untouched by the typhoon is never cut."""
    spec = typhoon(intensity={"E": 1.0}, road_cuts={"probability": 1.0})
    _, timeline = draw(county(spec))
    assert {c.road for c in timeline.closures} == {3}   # D-E, the only road to E


def test_road_cut_probability_scales_with_intensity():
    """p x I: probability 1 at intensity 0.3 cuts about 30% of the roads."""
    spec = typhoon(intensity={"default": 0.3}, road_cuts={"probability": 1.0})
    scenario = county(spec)
    cuts = sum(len(draw(scenario, seed)[1].closures) for seed in range(100))
    n = 100 * len(EDGES)
    assert abs(cuts - 0.3 * n) < 4 * math.sqrt(n * 0.21)


# ---------------------------------------------------------------- typhoons: outages

def test_communication_outage_multiplies_delays_exactly():
    """While communications are down at a node, its incidents' detection and report delays are
    multiplied by delay_factor; nothing else changes."""
    quiet = typhoon(intensity={"A": 1.0})
    cut = typhoon(intensity={"A": 1.0},
                  outages={"communication": 1.0, "restore": "12 h", "delay_factor": 3.0})
    hit_total = 0
    for seed in range(5):
        normal, _ = draw(county(quiet, accident_rate="20000 / y"), seed)
        slow, timeline = draw(county(cut, accident_rate="20000 / y"), seed)
        [outage] = timeline.outages
        assert (outage.node, outage.kind) == (node("A"), "communication")
        assert outage.end == pytest.approx(outage.start + 720)
        hit = (normal.node == node("A")) & (normal.time >= outage.start) & (normal.time < outage.end)
        hit_total += int(hit.sum())
        np.testing.assert_array_equal(slow.time, normal.time)
        factor = np.where(hit, 3.0, 1.0)
        np.testing.assert_allclose(slow.detection_delay, normal.detection_delay * factor)
        np.testing.assert_allclose(slow.report_delay, normal.report_delay * factor)
    assert hit_total > 10


def test_power_outages_only_where_the_typhoon_reaches():
    """Power outages with probability 1 hit every node at intensity 1 and none at intensity 0."""
    spec = typhoon(intensity={"B": 1.0, "C": 1.0}, outages={"power": 1.0})
    _, timeline = draw(county(spec))
    assert sorted((o.node, o.kind) for o in timeline.outages) == [(node("B"), "power"),
                                                                  (node("C"), "power")]


# ---------------------------------------------------------------- landslides

LANDSLIDE = {"kind": "landslide", "id": "slides", "probability": 1.0, "incident_type": "rescue",
             "incident_probability": 1.0, "cut_probability": 1.0, "repair": "24 h"}


def test_no_landslides_without_rain():
    """Landslides are triggered by rain events only: none without a typhoon or heavy rain."""
    for seed in range(5):
        stream, timeline = draw(county(LANDSLIDE), seed)
        assert timeline.events == [] and timeline.closures == []
        assert (stream.event < 0).all()


def test_landslides_at_susceptible_nodes_during_the_rain():
    """At probability 1 every susceptible (mountain) node with rain slides, during the rain."""
    rain = typhoon(kind="heavy_rain", id="rain", intensity={"default": 1.0})
    _, timeline = draw(county(rain, LANDSLIDE))
    slides = [e for e in timeline.events if e.kind == "landslide"]
    assert sorted(e.details["node"] for e in slides) == ["C", "D"]
    for e in slides:
        assert 10 * DAY <= e.start < 11 * DAY
        assert e.details["triggered_by"] == "rain"
        assert e.people_affected == NODES[node(e.details["node"])][4]


def test_landslides_need_rain_at_the_node():
    """A susceptible node the rain does not reach does not slide."""
    rain = typhoon(kind="heavy_rain", id="rain", intensity={"C": 1.0})
    _, timeline = draw(county(rain, LANDSLIDE))
    assert [e.details["node"] for e in timeline.events if e.kind == "landslide"] == ["C"]


def test_landslides_cut_the_roads_at_their_node():
    """Each landslide closes the roads ending at its node from its time until the repair."""
    rain = typhoon(kind="heavy_rain", id="rain", intensity={"C": 1.0})
    _, timeline = draw(county(rain, LANDSLIDE))
    slide = next(e for e in timeline.events if e.kind == "landslide")
    closures = [c for c in timeline.closures if c.event == slide.index]
    assert sorted(c.road for c in closures) == [1, 2]   # B-C and C-D
    for c in closures:
        assert c.start == slide.start and c.end == pytest.approx(slide.start + 24 * 60)
    assert slide.details["roads_cut"] == 2


def test_landslides_create_rescue_incidents():
    """A landslide that traps people adds one rescue incident at its node and time."""
    rain = typhoon(kind="heavy_rain", id="rain", intensity={"default": 1.0})
    scenario = county(rain, LANDSLIDE)
    stream, timeline = draw(scenario)
    slides = {e.index: e for e in timeline.events if e.kind == "landslide"}
    mine = np.isin(stream.event, list(slides))
    assert of_type(scenario, stream, "rescue")[mine].all()
    got = sorted((IDS[n], t) for n, t in zip(stream.node[mine], stream.time[mine], strict=True))
    assert got == sorted((e.details["node"], e.start) for e in slides.values())


def test_landslides_only_from_their_trigger():
    """triggered_by limits the landslides to the rain hazards it names."""
    rain = typhoon(kind="heavy_rain", id="rain")
    other = typhoon(kind="heavy_rain", id="other", at="20 d")
    _, timeline = draw(county(rain, other, {**LANDSLIDE, "triggered_by": ["other"]}))
    slides = [e for e in timeline.events if e.kind == "landslide"]
    assert slides and all(e.details["triggered_by"] == "other" for e in slides)
    assert all(20 * DAY <= e.start < 21 * DAY for e in slides)


# ---------------------------------------------------------------- forest fires

def forest_fire(**fields: object) -> dict:
    return {"kind": "forest_fire", "id": "ff", "incident_type": "forest_fire",
            "spread_rate": "0.5 km/h", **fields}


def test_forest_fires_only_at_forest_nodes_weighted_by_forest():
    """Ignitions fall at forest-tagged nodes only (G has forest but no tag), by forest area."""
    scenario = county(forest_fire(rate="2000 / y"))
    nodes = np.concatenate([[f.node for f in draw(scenario, seed)[1].fires] for seed in range(10)])
    assert len(nodes) > 1000
    assert set(nodes.tolist()) == {node("D"), node("E")}
    share_d = float(np.mean(nodes == node("D")))   # 300 ha of 400
    assert abs(share_d - 0.75) < 4 * math.sqrt(0.75 * 0.25 / len(nodes))


def test_forest_fire_season_is_respected():
    """With season weight only in March and November, every ignition is in those months."""
    season = [0.0] * 12
    season[2] = season[10] = 1.0
    scenario = county(forest_fire(rate="100 / y", season=season), horizon="365 d",
                      start="2025-01-01 00:00", accident_rate="1 / y")
    months = set()
    for seed in range(3):
        for fire in draw(scenario, seed)[1].fires:
            months.add((dt.datetime(2025, 1, 1) + dt.timedelta(minutes=fire.ignition)).month)
    assert months == {3, 11}


@pytest.mark.parametrize(("coverage", "delay", "covered"), [(1.0, 7.0, True), (0.0, 40.0, False)])
def test_forest_fire_detection_by_coverage(coverage, delay, covered):
    """Coverage 1: every fire is seen by sensors after 'covered'; coverage 0: by people after
    'uncovered'. The fire's incident carries that detection delay."""
    spec = forest_fire(rate="500 / y", detection={"coverage": coverage, "covered": "7 min",
                                                  "uncovered": "40 min"})
    scenario = county(spec)
    stream, timeline = draw(scenario)
    assert len(timeline.fires) > 10
    assert {f.covered for f in timeline.fires} == {covered}
    fires = stream.fire >= 0
    assert fires.sum() == len(timeline.fires)
    assert of_type(scenario, stream, "forest_fire")[fires].all()
    assert stream.detection_delay[fires].tolist() == [delay] * len(timeline.fires)
    assert sorted(stream.time[fires].tolist()) == sorted(f.ignition for f in timeline.fires)


def test_forest_fire_head_rate_formula():
    """head rate = base x fuel (largest of the node's tags) x month's dryness x exp(0.0338 U)."""
    dryness = [1.0] * 12
    dryness[6] = 1.8   # July
    spec = forest_fire(at="2025-07-20 06:00", node="D", spread_rate="0.5 km/h", wind="18 km/h",
                       fuel={"mountain": 1.5, "forest": 1.2}, dryness=dryness, max_duration="10 h")
    _, timeline = draw(county(spec))
    [fire] = timeline.fires
    expected = 0.5 * 1000 / 60 * 1.5 * 1.8 * math.exp(0.0338 * 18)
    assert fire.head_rate == pytest.approx(expected, rel=1e-12)
    assert (fire.node, fire.wind_kmh, fire.max_area_ha, fire.max_duration) == (node("D"), 18, 300, 600)
    assert fire.ignition == 19 * DAY + 360
    assert timeline.events[fire.event].details["head_rate_m_min"] == pytest.approx(expected)


def test_forest_fire_without_forest_area_has_no_area_cap():
    """A fire at a node without forest hectares is not capped by area."""
    spec = forest_fire(at="1 d", node="C")
    _, timeline = draw(county(spec))
    assert timeline.fires[0].max_area_ha == math.inf


# ---------------------------------------------------------------- chemical accidents

def chemical(**fields: object) -> dict:
    return {"kind": "chemical", "id": "chem", "casualty_type": "casualty", **fields}


def test_chemical_outcome_with_probability_one_always_happens():
    """Of outcomes with probabilities 0 and 1, the one with probability 1 is always drawn."""
    outcomes = {"leak": {"probability": 0.0, "incident_type": "rescue", "radius": "1 km"},
                "explosion": {"probability": 1.0, "incident_type": "leak", "radius": "2 km"}}
    scenario = county(chemical(rate="500 / y", outcomes=outcomes))
    stream, timeline = draw(scenario)
    assert len(timeline.events) > 10
    assert {e.details["outcome"] for e in timeline.events} == {"explosion"}
    assert {e.details["node"] for e in timeline.events} == {"P"}   # the only chemical site
    assert of_type(scenario, stream, "leak")[stream.event >= 0].all()


def disc_share_by_sampling(centre_km: tuple[float, float], radius: float, circle: float,
                           n: int = 400) -> float:
    """Share of a disc (centre ``centre_km`` from the circle's centre at the origin) inside the
    circle, by a fine grid of points over the disc (an independent check of the lens formula)."""
    if radius == 0:
        return float(math.hypot(*centre_km) <= circle)
    u = (np.arange(n) + 0.5) / n * 2 - 1
    x, y = np.meshgrid(u, u)
    disc = x ** 2 + y ** 2 <= 1
    px, py = centre_km[0] + radius * x[disc], centre_km[1] + radius * y[disc]
    return float(np.mean(px ** 2 + py ** 2 <= circle ** 2))


def test_chemical_evacuation_takes_the_share_of_each_place_inside_the_radius():
    """A place is an area: the share of its disc inside the radius (great-circle distance of
    the centres) is its intensity and the share of its people in danger; the danger zone, where
    no shelter is safe, is the places whose centre is inside."""
    from sim.model.areas import radius_km
    outcomes = {"explosion": {"probability": 1.0, "incident_type": "leak", "radius": "6 km"}}
    scenario = county(chemical(at="5 d", node="P", outcomes=outcomes))
    stream, timeline = draw(scenario)
    [event] = timeline.events
    km = km_from("P")
    inside = km <= 6.0
    assert [IDS[i] for i in np.nonzero(inside)[0]] == ["A", "P", "G"]
    assert event.danger.tolist() == inside.tolist()
    radius = radius_km(scenario.spec.region)
    for i in range(len(IDS)):
        expected = disc_share_by_sampling((float(km[i]), 0.0), float(radius[i]), 6.0)
        assert event.intensity[i] == pytest.approx(expected, abs=0.01), IDS[i]
    assert 0 < event.intensity[node("B")] < 1  # B's centre is outside, part of its area inside
    assert event.details["evacuation_nodes"] == [IDS[i] for i in np.nonzero(event.intensity > 0)[0]]
    population = np.array([n[4] for n in NODES], dtype=float)
    assert event.people_affected == round(float((population * event.intensity).sum()))
    # casualties with mean 0: only the accident's own incident, at the site and time
    mine = stream.event >= 0
    assert rows(stream, mine)[0][:3] == (5 * DAY, node("P"), list(scenario.spec.incident_types).index("leak"))
    assert mine.sum() == 1 and event.details["casualties"] == 0


def test_chemical_casualties_are_poisson():
    """Casualty incidents per accident average the outcome's mean, with Poisson spread."""
    outcomes = {"leak": {"probability": 1.0, "incident_type": "leak", "radius": "1 km",
                         "casualties": 2.5}}
    scenario = county(chemical(rate="2000 / y", outcomes=outcomes))
    counts = []
    for seed in range(3):
        stream, timeline = draw(scenario, seed)
        casualty = of_type(scenario, stream, "casualty")
        for e in timeline.events:
            mine = casualty & (stream.event == e.index)
            assert mine.sum() == e.details["casualties"]
            assert (stream.time[mine] == e.start).all() and (stream.node[mine] == node("P")).all()
            counts.append(int(mine.sum()))
    assert len(counts) > 300
    assert abs(np.mean(counts) - 2.5) < 4 * math.sqrt(2.5 / len(counts))
    assert np.var(counts) == pytest.approx(2.5, rel=0.25)


# ---------------------------------------------------------------- earthquakes

def quake(**fields: object) -> dict:
    return {"kind": "earthquake", "id": "eq", "at": "5 d", "epicentre": {"lon": 121.0, "lat": 30.7},
            "magnitude": 6.5, "depth": "10 km",
            "collapse": {"incident_type": "collapse", "per_10k": 3000, "median": 8.0,
                         "within": "20 min"}, **fields}


def expected_intensity(magnitude: float = 6.5, depth: float = 10.0) -> np.ndarray:
    """a + b M - c ln(R + r0) with the default attenuation, R the hypocentral distance."""
    hypo = np.hypot(km_from("A"), depth)
    return 6.0 + 1.4 * magnitude - 2.0 * np.log(hypo + 25.0)


def test_earthquake_intensity_attenuation():
    """Seismic intensity follows a + b M - c ln(R + r0) with R the hypocentral distance."""
    _, timeline = draw(county(quake()))
    [event] = timeline.events
    np.testing.assert_allclose(event.intensity, expected_intensity(), rtol=1e-12)
    assert event.details["magnitude"] == 6.5
    assert event.people_affected == sum(n[4] for n, i in zip(NODES, event.intensity, strict=True)
                                        if i >= 6.0)


def test_collapses_concentrate_near_the_epicentre():
    """Collapses per capita fall with distance; their total matches the fragility curve."""
    scenario = county(quake())
    population = np.array([n[4] for n in NODES], dtype=float)
    per_node = np.zeros(len(NODES))
    seeds = 20
    for seed in range(seeds):
        stream, timeline = draw(scenario, seed)
        mine = stream.event >= 0
        assert (stream.time[mine] == 5 * DAY + 20).all()   # reported 'within' after the shock
        per_node += np.bincount(stream.node[mine], minlength=len(NODES))
    per_capita = per_node / population
    assert per_capita[node("A")] > 1.5 * per_capita[node("E")]
    assert per_capita[node("B")] > per_capita[node("D")]
    mean = (3000 * population / 10_000 * ndtr(expected_intensity() - 8.0)).sum() * seeds
    assert abs(per_node.sum() - mean) < 4 * math.sqrt(mean)


@pytest.mark.parametrize(("median", "cut"), [(0.0, set(range(len(EDGES)))), (99.0, set())])
def test_earthquake_road_damage(median, cut):
    """Road fragility with median 0 cuts every road at the shock; with median 99, none."""
    _, timeline = draw(county(quake(road_damage={"median": median, "repair": "48 h"})))
    assert {c.road for c in timeline.closures} == cut
    for c in timeline.closures:
        assert c.start == 5 * DAY and c.end == 7 * DAY


def test_generated_earthquake_magnitudes_within_range():
    """Generated earthquakes draw magnitudes from the range and epicentres within the region."""
    spec = {"kind": "earthquake", "id": "eq", "rate": "200 / y", "magnitude_range": [5.0, 6.0],
            "collapse": {"incident_type": "collapse", "per_10k": 1}}
    _, timeline = draw(county(spec))
    assert len(timeline.events) > 5
    for e in timeline.events:
        assert 5.0 <= e.details["magnitude"] <= 6.0
        lon, lat = e.details["epicentre"]
        assert 121.0 <= lon <= 121.2 and 30.7 <= lat <= 30.74


# ---------------------------------------------------------------- reproducible, independent of the layout

ALL = (typhoon(peak_wind="30 m/s", rate_multipliers={"accident": 2.0, "fire": 0.5},
               incidents=[{"type": "rescue", "rate": "20 / d", "where": {"tags": ["flood-prone"]}}],
               road_cuts={"probability": 0.3, "tags": {"mountain": 0.5}},
               outages={"communication": 0.5, "power": 0.5}),
       LANDSLIDE, forest_fire(rate="50 / y"),
       chemical(rate="20 / y", outcomes={"fire": {"probability": 1.0, "incident_type": "leak",
                                                  "radius": "3 km", "casualties": 1.5}}),
       quake(road_damage={"median": 8.0}))


def assert_same_draw(one, two) -> None:
    (s1, t1), (s2, t2) = one, two
    np.testing.assert_equal(plain(t1), plain(t2))
    for column in ("time", "node", "type_index", "event", "fire", "detection_delay", "report_delay",
                   "on_scene", "turnout_u"):
        np.testing.assert_array_equal(getattr(s1, column), getattr(s2, column))


def test_hazard_draws_are_reproducible():
    """The same seed and replication give the same timeline and incidents; another seed not."""
    scenario = county(*ALL)
    first = draw(scenario, 7)
    assert first[1].closures and first[1].outages and first[1].fires and first[1].batches
    assert_same_draw(first, draw(scenario, 7))
    assert_same_draw(first, draw(county(*ALL), 7))
    other = draw(scenario, 8)
    assert plain(other[1])["closures"] != plain(first[1])["closures"]


def test_hazard_draws_do_not_depend_on_units_or_stations():
    """More units, a moved station: the same hazard timeline and incident stream (CRN)."""
    units = [{"id": "eng", "type": "engine", "capabilities": ["rescue", "fire"], "base": "ts", "count": 5},
             {"id": "crew", "type": "crew", "capabilities": ["forest"], "base": "fs", "count": 3,
              "line_production": "5 m/min"}]
    for seed in range(3):
        assert_same_draw(draw(county(*ALL), seed), draw(county(*ALL, units=units), seed))


def test_adding_a_hazard_does_not_change_another():
    """Each hazard draws from its own streams: adding a chemical hazard leaves the typhoon as is."""
    one = draw(county(ALL[0]), 4)[1]
    two = draw(county(ALL[0], ALL[3]), 4)[1]
    typhoon_events = [e for e in plain(two)["events"] if e["kind"] == "typhoon"]
    np.testing.assert_equal(typhoon_events, plain(one)["events"])
    np.testing.assert_equal(plain(two)["closures"], plain(one)["closures"])
    np.testing.assert_equal(plain(two)["outages"], plain(one)["outages"])
