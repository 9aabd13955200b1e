"""Every built-in scenario validates and runs (short horizon), and Pinghu is what calibration derives."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from conftest import REPO, SCENARIOS

import sim

BUILTIN = sorted(SCENARIOS.glob("*.yaml"))


def test_builtin_scenarios_are_found_by_name():
    names = sim.builtin_scenarios()
    assert {"tiny", "pinghu"} <= set(names)
    assert sim.load_scenario("tiny").path == SCENARIOS / "tiny.yaml"


@pytest.mark.parametrize("path", BUILTIN, ids=[p.stem for p in BUILTIN])
def test_every_scenario_runs(path: Path):
    """Loads, runs two replications over 30 days, and produces incidents and responses."""
    scenario = sim.load_scenario(path, ["run.horizon=30 d", "run.warmup=1 d"])
    result = sim.run(scenario, replications=2)
    assert len(result.incidents) > 0
    assert result.incidents["first_arrival"].notna().any()
    assert set(result.summary) == {*scenario.spec.incident_types, "all"}


def _calibration(name: str = "pinghu"):
    spec = importlib.util.spec_from_file_location(f"{name}_calibration", REPO / "calibration" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


CALIBRATED = ["pinghu", "fenghua", "qinhuangdao"]


@pytest.mark.parametrize("name", CALIBRATED)
def test_scenario_is_what_calibration_derives(name):
    """scenarios/<name>.yaml is exactly the text calibration/<name>.py renders from its figures."""
    cal = _calibration(name)
    figures = cal.read_figures(cal.FIGURES)
    expected = cal.render(cal.derive(figures), figures)
    assert (SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8") == expected, \
        f"run: python calibration/{name}.py"


def test_pinghu_uses_the_derived_parameters():
    """Spot checks of the loaded scenario against the derivation (counts, rates, populations)."""
    cal = _calibration()
    p = cal.derive(cal.read_figures(cal.FIGURES))
    spec = sim.load_scenario("pinghu").spec
    own = [u for u in spec.units if u.mutual_aid is None]  # Jinshan's and Jiaxing's are not counted
    units_of = lambda t: sum(u.count for u in own if u.type == t)  # noqa: E731
    assert units_of("engine") == 9 * p["engines_per_station"] == 18
    assert units_of("volunteer_team") == 71
    assert units_of("micro_station") == 39
    assert units_of("rescue_team") + units_of("water_rescue_team") + units_of("hazmat_team") == 21
    assert units_of("social_team") == 7
    assert sum(1 for f in spec.facilities if f.kind == "fire_station") == 9
    assert sum(n.population for n in spec.region.nodes) == 671326
    rates = {g.incident_type: g.rate * sim.scenario.quantities.MINUTES_PER_YEAR for g in spec.generators}
    rates.update({h.id: h.rate * sim.scenario.quantities.MINUTES_PER_YEAR for h in spec.hazards})
    for name, per_year in p["rates_per_year"].items():
        key = {"chemical_accidents": "dushan-chemical"}.get(name, name)
        assert rates[key] == pytest.approx(per_year)
    # fires scaled from Fenghua (85 fires, 577,505 people) to Pinghu (671,326)
    assert rates["building_fire"] + rates["outdoor_fire"] == pytest.approx(85 / 577505 * 671326, abs=0.02)
    assert rates["accident"] == 20
    assert sim.load_scenario("pinghu").travel.synthetic


@pytest.mark.parametrize("name", CALIBRATED)
def test_calibration_figures_cite_their_sources(name):
    """Document figures quote the source text; when the source files are present, the quote is in them."""
    cal = _calibration(name)
    figures = cal.read_figures(cal.FIGURES)
    seeds = REPO.parent / "shared" / "seeds"
    files = {p.name[:3]: p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")} if seeds.is_dir() else {}
    for fig in figures.values():
        assert fig.kind in {"document", "external", "assumption"}, fig
        if fig.kind == "document":
            assert fig.quote and fig.source, fig
            if files:
                assert any(fig.quote in files[src.strip()] for src in fig.source.split("/")), fig
        if fig.kind == "assumption":
            assert "ASSUMPTION" in fig.cite()


def test_fenghua_uses_the_derived_parameters():
    """Spot checks of Fenghua against its derivation and the documents."""
    cal = _calibration("fenghua")
    p = cal.derive(cal.read_figures(cal.FIGURES))
    spec = sim.load_scenario("fenghua").spec
    own = [u for u in spec.units if u.mutual_aid is None]
    engine_groups = [u for u in own if u.type == "engine"]
    assert sum(1 for u in engine_groups if u.count > 0) == 5  # 5 brigades built (doc 001)
    assert len(engine_groups) == 7                            # of 7 planned
    assert sum(1 for f in spec.facilities if f.kind == "township_station") == 12
    assert [u.base for u in own if u.mode == "air"] == ["xikou-heli"]  # the helicopter at Xikou
    assert sum(n.population for n in spec.region.nodes) == 577505
    assert sum(n.forest_ha for n in spec.region.nodes) == p["forest_total_ha"]
    fire = next(h for h in spec.hazards if h.kind == "forest_fire")
    assert fire.detection.coverage == 0.55 and fire.damage_target == 0.3  # doc 003
    rates = {g.incident_type: g.rate * sim.scenario.quantities.MINUTES_PER_YEAR for g in spec.generators}
    assert rates["building_fire"] + rates["outdoor_fire"] == pytest.approx(85)  # doc 001
    assert rates["accident"] == pytest.approx(8)


def _aggregated(name: str) -> int:
    """How many real shelters or depots an aggregate stands for ("12 shelters")."""
    return int(name.split()[0])


def test_pinghu_people_and_supplies():
    """127 shelters, 1 city depot, 13 departmental and 17 township depots (doc 002), aggregated."""
    spec = sim.load_scenario("pinghu").spec
    assert sum(_aggregated(s.name) for s in spec.shelters) == 127
    assert sum(s.capacity for s in spec.shelters) == round(127 * 150000 / 216)  # Fenghua's mean (doc 001)
    tiers = {}
    for d in spec.depots:
        tiers.setdefault(d.tier, []).append(d)
    assert sum(_aggregated(d.name) for d in tiers["township"]) == 17
    # one at each seat, the other 8 at villages: 17 places
    assert len({d.node for d in tiers["township"]}) == 17 and {d.node for d in tiers["township"]} >= {
        n.id for n in spec.region.nodes if n.kind in ("township", "subdistrict")}
    assert [d.id for d in tiers["county"]] == ["dep-pinghu", "dep-departments"]
    assert "13 departmental" in tiers["county"][1].name
    assert [d.tier for d in spec.depots if d.node == "jinshan"] == ["aid"]  # Jinshan agreement
    assert spec.supply.target_for("county") == 360 and spec.supply.target_for("city") == 480
    # every town's nodes form its disaster area
    area_of = {n.id: n.area_id for n in spec.region.nodes}
    towns = {n.area_id for n in spec.region.nodes if n.population}
    assert towns == {area_of[d.node] for d in tiers["township"]}


def test_fenghua_people_and_supplies():
    """216 shelters for 150,000 people; the 1,500 m2 flood depot holds 900,000 CNY of doc 001's items."""
    cal = _calibration("fenghua")
    spec = sim.load_scenario("fenghua").spec
    assert sum(_aggregated(s.name) for s in spec.shelters) == 216
    assert sum(s.capacity for s in spec.shelters) == 150000
    depot = next(d for d in spec.depots if d.id == "dep-fenghua")
    assert depot.tier == "county" and depot.lift is not None
    value = sum(depot.stock[i] * spec.items[i].unit_cost for i in cal.FLOOD_DEPOT_ITEMS)
    assert value == pytest.approx(900000, rel=0.01)
    assert sum(1 for d in spec.depots if d.tier == "township") == 12


def test_qinhuangdao_depots_and_targets():
    """A county depot at every county and district seat, township depots only in the mountains,
    the city depot, neighbours' aid, and doc 004's 6 h / 8 h targets."""
    cal = _calibration("qinhuangdao")
    spec = sim.load_scenario("qinhuangdao").spec
    seats = [c[0] for c in cal.COUNTIES]
    county = [d for d in spec.depots if d.tier == "county"]
    assert sorted(d.node for d in county) == sorted(seats)
    nodes = {n.id: n for n in spec.region.nodes}
    township = [d for d in spec.depots if d.tier == "township"]
    assert township and all("mountain" in nodes[d.node].tags for d in township)
    assert {d.tier for d in spec.depots} == {"township", "county", "city", "province", "aid"}
    assert spec.supply.targets == {"county": 360.0, "city": 480.0}
    assert sum(n.population for n in spec.region.nodes) == 3098100
    assert {n.area_id for n in spec.region.nodes if n.population} == set(seats)
