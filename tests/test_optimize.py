"""``sim optimize``: optimisation files are checked like scenarios, the static problems keep to
their rules (moves, areas, landing sites), the layouts become scenarios that run, and the
simulated choice is written, resumable and reproducible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import write_yaml

from sim.cli import main
from sim.errors import ScenarioError
from sim.optimize.problem import load_optimization_spec
from sim.optimize.search import prepare
from sim.optimize.sites import HOIST
from sim.optimize.static import measure
from sim.scenario.loader import load_scenario, resolve_scenario_path

PINGHU = str(resolve_scenario_path("pinghu"))
SHORT = {"run.horizon": "60 d"}


def spec_of(**fields) -> dict:
    return {"name": "t", "scenario": PINGHU, "seed": 3, "set": SHORT, **fields}


def year_of(**fields) -> dict:
    """A year per replication: typhoons (and their flood rescues) come in most years."""
    return {**spec_of(**fields), "set": {}}


def test_bad_files_name_the_file_the_field_and_the_problem(tmp_path, capsys):
    path = write_yaml(tmp_path / "o.yaml", spec_of(place="landing_points", count=3, modle="mclp",
                                                   selection={"pcx": 0.9}))
    with pytest.raises(ScenarioError) as err:
        load_optimization_spec(path)
    text = str(err.value)
    assert str(path) in text and "modle: unknown key (did you mean 'model'?)" in text
    assert "selection.pcx: unknown key (did you mean 'pcs'?)" in text
    for fields, message in ((dict(place="landing_points", count=2, model="mclp"), "needs a coverage radius"),
                            (dict(place="landing_points"), "say how many landing points"),
                            (dict(place="depots"), "place: Input should be"),
                            (dict(place="fire_stations", selection={"n0": 20, "max_replications": 10}),
                             "max_replications: must be at least n0")):
        write_yaml(path, spec_of(**fields))
        assert main(["optimize", str(path)]) == 2
        err_text = capsys.readouterr().err
        assert message in err_text and "Traceback" not in err_text and str(path) in err_text


def test_one_station_moves_at_most_and_the_static_best_is_no_worse():
    spec, _, _ = load_optimization_spec(spec_of(place="fire_stations", moves=1, within="15 min",
                                                demand={"incident_types": ["building_fire"],
                                                        "replications": 3},
                                                selection={"alternatives": 2, "neighbours": 2}))
    prep = prepare(spec, None)
    problem, answers = prep.problem, prep.answers
    assert [a.name for a in answers][:2] == ["current", "static best"]
    current, best = answers[0], answers[1]
    assert best.objective <= current.objective + 1e-9
    stations = [f for f in prep.scenario.spec.facilities if f.kind == "fire_station"]
    assert [problem.columns[j] for j in problem.existing] == [f.node for f in stations]
    for answer, variant in zip(answers, prep.experiment.variants, strict=True):
        assert len(set(answer.sites) - set(problem.existing)) <= 1
        moved = {f.node for f in variant.scenario.spec.facilities if f.kind == "fire_station"}
        assert moved == {problem.columns[j] for j in answer.sites}   # the layout is the answer
        units = {g.base for g in variant.scenario.spec.units}
        assert all(f.id in units for f in stations)                   # units stay with their station
    # the p-median objective is the weighted mean of each place's nearest open station
    t = problem.times[:, list(best.sites)].min(axis=1)
    assert best.objective == pytest.approx(float(problem.weights @ t / problem.weights.sum()))


def test_landing_points_keep_the_helibases_and_the_hoist_open():
    floods = {"incident_types": ["flood_rescue"], "replications": 6}
    spec, _, _ = load_optimization_spec(year_of(place="landing_points", count=2, within="30 min",
                                                demand=floods))
    prep = prepare(spec, None)
    problem = prep.problem
    assert problem.columns[-1] == HOIST and len(problem.fixed) >= 1
    hoist = problem.times[:, -1]
    assert np.isfinite(hoist).all() and (hoist > 15).all()   # the flight plus the 15-min hoist
    for answer, variant in zip(prep.answers[1:], prep.experiment.variants[1:], strict=True):
        points = sorted(f.node for f in variant.scenario.spec.facilities if f.kind == "landing_point")
        assert points == sorted(problem.columns[j] for j in answer.sites) and len(points) == 2
    # landing anywhere can only help: the best of two sites is no slower than hoisting alone
    alone = measure(problem, (), None, "p_median", "")
    assert prep.answers[1].mean_minutes <= alone.mean_minutes


def test_township_depots_stay_in_their_own_area():
    spec, _, _ = load_optimization_spec(spec_of(place="township_depots", within="6 h",
                                                selection={"alternatives": 1, "neighbours": 1}))
    prep = prepare(spec, None)
    base = prep.scenario.spec
    area = {n.id: n.area_id for n in base.region.nodes}
    home = {d.id: area[d.node] for d in base.depots}
    assert len(prep.answers) >= 2
    for variant in prep.experiment.variants:
        for d in variant.scenario.spec.depots:
            assert area[d.node] == home[d.id]


@pytest.fixture(scope="module")
def run_once(tmp_path_factory):
    folder = tmp_path_factory.mktemp("opt")
    path = write_yaml(folder / "fs.yaml", spec_of(
        place="fire_stations", moves=1, within="15 min", demand={"incident_types": ["building_fire"],
                                                                  "replications": 3},
        selection={"kpi": "response.building_fire.capable_mean", "delta": 0.5, "n0": 4, "step": 2,
                   "max_replications": 8, "alternatives": 1, "neighbours": 1}))
    out = folder / "out"
    code = main(["optimize", str(path), "--out", str(out), "--jobs", "1", "--quiet"])
    return path, out, code


def test_the_run_writes_the_choice_and_a_scenario_that_runs(run_once, capsys):
    path, out, code = run_once
    assert code == 0
    for name in ("optimize_layouts.csv", "optimize_sites.csv", "optimize.geojson", "optimize_map.png",
                 "chosen_scenario.yaml", "optimize.sqlite"):
        assert (out / name).exists(), name
    import pandas as pd

    table = pd.read_csv(out / "optimize_layouts.csv")
    assert table["chosen"].sum() == 1 and (table["replications"] >= 4).all()
    chosen = load_scenario(out / "chosen_scenario.yaml")
    layout = table.loc[table["chosen"], "layout"].iloc[0]
    sites = set(pd.read_csv(out / "optimize_sites.csv")["site"])
    assert {f.node for f in chosen.spec.facilities if f.kind == "fire_station"} == sites, layout
    geo = yaml.safe_load((out / "optimize.geojson").read_text(encoding="utf-8"))
    layers = {f["properties"]["layer"] for f in geo["features"]}
    assert {"candidate", "chosen", "demand", "assignment"} <= layers
    assert main(["run", str(out / "chosen_scenario.yaml"), "--replications", "1", "--out",
                 str(out / "run")]) == 0


def test_a_resumed_run_adds_nothing_and_gives_the_same_answer(run_once, capsys):
    path, out, _ = run_once
    before = (out / "optimize_layouts.csv").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["optimize", str(path), "--out", str(out), "--jobs", "1", "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err   # an existing store is not overwritten
    assert main(["optimize", str(path), "--out", str(out), "--jobs", "1", "--quiet", "--resume"]) == 0
    assert (out / "optimize_layouts.csv").read_text(encoding="utf-8") == before


def test_static_only_prints_the_static_table(tmp_path, capsys):
    floods = {"incident_types": ["flood_rescue"], "replications": 4}
    path = write_yaml(tmp_path / "lp.yaml", year_of(place="landing_points", count=2, within="30 min",
                                                    demand=floods))
    assert main(["optimize", str(path), "--static-only", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "static best" in text and "current" in text and "within 30 min" in text
    assert not Path("out/lp").exists()


def test_every_share_of_targets_met_ranks_higher_as_better():
    """KN maximizes these (a first-batch or within-target share), minimizes the rest."""
    from sim.experiments.compare import higher_is_better
    from sim.results.kpis import INCIDENT_METRICS

    for metric in INCIDENT_METRICS:
        assert higher_is_better(f"response.all.{metric}") == ("within_target" in metric), metric
    assert higher_is_better("supplies.all.first_batch_on_time")
    assert not higher_is_better("units.helicopter.arrival_mean")


def test_roads_at_the_call_see_the_villages_the_storm_cut_off():
    """With the roads as at each flood rescue's call, a village cut off whole is reached from no
    landing site but its own (the helicopter hoists there); with all roads open, from many."""
    floods = {"incident_types": ["flood_rescue"], "replications": 4}
    cut = load_optimization_spec(year_of(place="landing_points", count=2, seed=2025,
                                         demand={**floods, "roads": "at_the_call"}))[0]
    problem = prepare(cut, None).problem
    land = [j for j, c in enumerate(problem.columns) if c != HOIST]
    isolated = [i for i, place in enumerate(problem.rows)
                if all(np.isinf(problem.times[i, j]) for j in land if problem.columns[j] != place)]
    assert isolated, "a storm in these draws cuts a village off"
    assert np.isfinite(problem.times[isolated, -1]).all()   # the hoist still reaches them
    open_roads = prepare(load_optimization_spec(year_of(place="landing_points", count=2, seed=2025,
                                                        demand=floods))[0], None).problem
    assert len(open_roads.rows) == len(set(open_roads.rows)) <= len(problem.rows)
    i = open_roads.rows.index(problem.rows[isolated[0]])
    assert np.isfinite(open_roads.times[i, :-1]).sum() > 1


def test_township_stations_and_fixed_sites():
    """Township stations move like fire stations; a site named in ``fixed`` stays in every
    layout; an unknown one is named."""
    spec, _, _ = load_optimization_spec(spec_of(place="township_stations", within="20 min",
                                                fixed=["ts-zhapu"], demand={"replications": 3},
                                                selection={"alternatives": 2, "neighbours": 2}))
    prep = prepare(spec, None)
    problem = prep.problem
    zhapu = problem.existing[problem.existing_ids.index("ts-zhapu")]
    assert problem.keep == (zhapu,)
    assert all(zhapu in a.sites for a in prep.answers)
    assert prep.answers[1].objective <= prep.answers[0].objective + 1e-9
    bad = spec_of(place="township_stations", fixed=["ts-nowhere"], demand={"replications": 1})
    with pytest.raises(Exception, match="ts-nowhere"):
        prepare(load_optimization_spec(bad)[0], None)


def test_the_cover_model_opens_the_fewest_landing_points_for_the_target():
    floods = {"incident_types": ["flood_rescue"], "replications": 4, "roads": "at_the_call"}
    spec, _, _ = load_optimization_spec(year_of(place="landing_points", model="cover", within="20 min",
                                                coverage=0.6, demand=floods))
    prep = prepare(spec, None)
    best = next(a for a in prep.answers if a.name == "static best")
    assert best.covered >= 0.6
    for answer in prep.answers:
        if answer.name != "current":
            assert answer.covered >= 0.6 - 1e-9 and len(answer.sites) >= len(best.sites)
    fewer = [measure(prep.problem, s, 20.0, "cover", "") for s in
             [(j,) for j in range(len(prep.problem.columns)) if j not in prep.problem.fixed]]
    if len(best.sites) == 2:
        assert all(f.covered < 0.6 for f in fewer)   # no single landing point would do
    with pytest.raises(ScenarioError, match="coverage"):
        load_optimization_spec(year_of(place="landing_points", model="cover", within="20 min"))


def test_what_a_users_file_can_get_wrong_is_named_before_anything_runs(tmp_path):
    from sim.errors import SimError

    for fields, message in (
        (dict(place="fire_stations", selection={"kpi": "response.bilding_fire.capable_mean"}), "no group"),
        (dict(place="fire_stations", selection={"kpi": "response.all.capable_men"}), "no metric"),
        (dict(place="fire_stations", selection={"kpi": "evacuaton.all.x"}), "no section"),
        (dict(place="fire_stations", candidates={"nodes": ["atlantis"]}), "no place 'atlantis'"),
    ):
        with pytest.raises(SimError, match=message):
            prepare(load_optimization_spec(spec_of(demand={"replications": 2}, **fields))[0], None)
    (tmp_path / "c.csv").write_text('name,node\nA,"zhapu-c2"\nB\n', encoding="utf-8")
    path = write_yaml(tmp_path / "o.yaml", spec_of(place="fire_stations", candidates={"file": "c.csv"},
                                                   demand={"replications": 2}))
    with pytest.raises(SimError, match="line 3: no node"):
        prepare(load_optimization_spec(path)[0], path)
    (tmp_path / "c.csv").write_text('name,node\nA,"zhapu-c2"\n', encoding="utf-8")
    spec, src, _ = load_optimization_spec(write_yaml(tmp_path / "o.yaml", spec_of(
        place="fire_stations", candidates={"kinds": [], "file": "c.csv"}, demand={"replications": 2})))
    problem = prepare(spec, src).problem
    assert "zhapu-c2" in problem.columns and len(problem.columns) == 10   # the file's place, the 9 stations


def test_a_current_layout_that_is_already_optimal_is_named_so():
    """With no move allowed the static optimum is the current layout: one answer, named so."""
    spec, _, _ = load_optimization_spec(spec_of(place="fire_stations", moves=0, demand={"replications": 2}))
    prep = prepare(spec, None)
    assert prep.answers[0].name == "current = static best"
    assert all(a.name != "static best" for a in prep.answers)


def test_units_of_a_type_are_placed_by_mexclp_and_copied_to_new_stations(tmp_path):
    """Everyone lives at c, which only a station there covers within 5 minutes: MEXCLP puts the
    engines there; the layout copies the engine group to the empty station."""
    from conftest import base_raw

    raw = base_raw()
    for node in raw["region"]["nodes"]:
        node["population"] = 1000 if node["id"] == "c" else 0
    raw["facilities"].append({"id": "fs-c", "kind": "fire_station", "node": "c"})
    scenario_path = write_yaml(tmp_path / "s.yaml", raw)
    spec, src, _ = load_optimization_spec(write_yaml(tmp_path / "o.yaml", {
        "name": "engines", "scenario": "s.yaml", "place": "units", "unit_type": "engine", "model": "mexclp",
        "within": "5 min", "busy": 0.3, "demand": {"population": True}, "candidates": {"kinds": ["village",
                                                                                             "township"]}}))
    prep = prepare(spec, src)
    problem = prep.problem
    c = problem.columns.index("c")
    best = next(a for a in prep.answers if a.name == "static best")
    assert best.sites == (c, c) and problem.count == 2 and problem.busy == 0.3
    assert best.objective == pytest.approx(1 - 0.3 ** 2)   # both engines cover c: 1 - q^2
    variant = prep.experiment.variants[[a.name for a in prep.answers].index("static best")]
    engines = {g.base: g.count for g in variant.scenario.spec.units if g.type == "engine"}
    assert engines == {"fs": 0, "fs-c": 2}
    assert scenario_path.exists()
    with pytest.raises(ScenarioError, match="place: units goes with model: mexclp"):
        load_optimization_spec(spec_of(place="units", unit_type="engine", within="8 min"))


def test_candidates_from_a_geojson_layer_go_to_their_nearest_places(tmp_path):
    import json

    from sim.errors import SimError

    zhapu = next(n for n in load_scenario(PINGHU).spec.region.nodes if n.id == "zhapu-c2")
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point",
                                                           "coordinates": [zhapu.lon + 0.001, zhapu.lat]}}]}
    (tmp_path / "c.geojson").write_text(json.dumps(layer), encoding="utf-8")
    only_the_file = {"kinds": [], "file": "c.geojson"}
    path = write_yaml(tmp_path / "o.yaml", spec_of(place="fire_stations", candidates=only_the_file,
                                                   demand={"replications": 2}))
    assert "zhapu-c2" in prepare(load_optimization_spec(path)[0], path).problem.columns
    layer["features"][0]["geometry"]["coordinates"] = [100.0, 10.0]
    (tmp_path / "c.geojson").write_text(json.dumps(layer), encoding="utf-8")
    with pytest.raises(SimError, match="from the nearest place"):
        prepare(load_optimization_spec(path)[0], path)


def test_shelters_to_open_within_their_capacities():
    """Which Pinghu shelters to open for the people who leave in the drawn typhoons: the
    capacitated p-median's answer opens ``count`` places, the closed ones are removed from the
    layout's scenario, and too small a count leaves people unserved (reported, not an error)."""
    spec, _, _ = load_optimization_spec(year_of(place="shelters", count=40, within="30 min",
                                                demand={"replications": 4},
                                                selection={"alternatives": 1, "neighbours": 1}))
    prep = prepare(spec, None)
    problem = prep.problem
    assert problem.capacity is not None and problem.weights.sum() > 0
    best = next(a for a in prep.answers if a.name == "static best")
    assert len(best.sites) == 40 and best.unreached == 0.0
    variant = prep.experiment.variants[[a.name for a in prep.answers].index("static best")]
    kept = {s.node for s in variant.scenario.spec.shelters}
    assert kept == {problem.columns[j] for j in best.sites}
    tiny = load_optimization_spec(year_of(place="shelters", count=1, demand={"replications": 4},
                                          selection={"alternatives": 0, "neighbours": 0}))[0]
    one = next(a for a in prepare(tiny, None).answers if a.name == "static best")
    assert one.unreached > 0.5   # one shelter cannot take an evacuation's people
    with pytest.raises(ScenarioError, match="how many of the shelters"):
        load_optimization_spec(year_of(place="shelters"))


def test_a_budget_pays_for_new_sites_only():
    """Landing points there now cost nothing, a new one ``site_cost``: a budget of 1.5 buys one
    new site, so every answer keeps at least two of today's three."""
    floods = {"incident_types": ["flood_rescue"], "replications": 4, "roads": "at_the_call"}
    spec, _, _ = load_optimization_spec(year_of(place="landing_points", count=3, within="30 min", budget=1.5,
                                                site_cost=1.0, demand=floods))
    prep = prepare(spec, None)
    problem = prep.problem
    assert problem.costs is not None
    for answer in prep.answers:
        assert len(set(answer.sites) - set(problem.existing)) <= 1, answer.name
    with pytest.raises(ScenarioError, match="budget goes with"):
        load_optimization_spec(year_of(place="landing_points", count=3, model="p_center", budget=1.0))


def test_sim_validate_checks_an_optimisation_file(tmp_path, capsys):
    path = write_yaml(tmp_path / "o.yaml", spec_of(place="fire_stations"))
    assert main(["validate", str(path)]) == 0
    assert "OK - t: fire stations by p_median" in capsys.readouterr().out
    bad = spec_of(place="fire_stations")
    bad["scenario"] = "no-such-place"
    write_yaml(path, bad)
    assert main(["validate", str(path)]) == 2
    assert "no built-in scenario or scenario file" in capsys.readouterr().err
    assert main(["validate", str(path), "--set", "run.horizon=1 d"]) == 2
    assert "is an optimization file" in capsys.readouterr().err
