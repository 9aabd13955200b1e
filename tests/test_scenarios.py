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


def _calibration():
    spec = importlib.util.spec_from_file_location("pinghu_calibration", REPO / "calibration" / "pinghu.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_pinghu_scenario_is_what_calibration_derives():
    """scenarios/pinghu.yaml is exactly the text calibration/pinghu.py renders from the figures."""
    cal = _calibration()
    figures = cal.read_figures()
    expected = cal.render(cal.derive(figures), figures)
    assert (SCENARIOS / "pinghu.yaml").read_text(encoding="utf-8") == expected, \
        "run: python calibration/pinghu.py"


def test_pinghu_uses_the_derived_parameters():
    """Spot checks of the loaded scenario against the derivation (counts, rates, populations)."""
    cal = _calibration()
    p = cal.derive(cal.read_figures())
    spec = sim.load_scenario("pinghu").spec
    units_of = lambda t: sum(u.count for u in spec.units if u.type == t)  # noqa: E731
    assert units_of("engine") == 9 * p["engines_per_station"] == 18
    assert units_of("volunteer_team") == 71
    assert units_of("micro_station") == 39
    assert units_of("rescue_team") + units_of("water_rescue_team") + units_of("hazmat_team") == 21
    assert units_of("social_team") == 7
    assert sum(1 for f in spec.facilities if f.kind == "fire_station") == 9
    assert sum(n.population for n in spec.region.nodes) == 671326
    rates = {g.incident_type: g.rate * sim.scenario.quantities.MINUTES_PER_YEAR for g in spec.generators}
    for name, per_year in p["rates_per_year"].items():
        assert rates[name] == pytest.approx(per_year)
    # fires scaled from Fenghua (85 fires, 577,505 people) to Pinghu (671,326)
    assert rates["building_fire"] + rates["outdoor_fire"] == pytest.approx(85 / 577505 * 671326, abs=0.02)
    assert rates["accident"] == 20
    assert sim.load_scenario("pinghu").travel.synthetic


def test_calibration_figures_cite_their_sources():
    """Document figures quote the source text; when the source files are present, the quote is in them."""
    cal = _calibration()
    figures = cal.read_figures()
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
