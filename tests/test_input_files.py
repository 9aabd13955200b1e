"""Files that input files name: resolved relative to the naming file, only regular files are
read, a bare name alone means a built-in, and a file of the wrong kind is refused by its shape
without its content being quoted."""

from __future__ import annotations

import os

import pytest
import yaml
from conftest import base_raw

import sim
from sim.cli import main
from sim.errors import ScenarioError


def _matrix_scenario(folder, matrix: str):
    raw = base_raw()
    raw["region"].pop("roads")
    raw["region"]["travel_matrix"] = matrix
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


MATRIX = "from,a,b,c\na,0,5,8\nb,5,0,13\nc,8,13,0\n"


def test_a_travel_matrix_is_found_next_to_the_scenario_not_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "minutes.csv").write_text(MATRIX, encoding="utf-8")
    path = _matrix_scenario(tmp_path, "data/minutes.csv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    scenario = sim.load_scenario(path)
    assert scenario.travel.minutes[0, 2] == 8


@pytest.mark.parametrize("target,message", [
    ("/dev/zero", "is not a regular file"),
    ("/dev/null", "is not a regular file"),
    (".", "is a folder, not a travel matrix"),
    ("missing.csv", "no such travel matrix"),
])
def test_special_files_and_folders_are_refused_before_reading(tmp_path, target, message):
    if target.startswith("/dev/") and not os.path.exists(target):
        pytest.skip(f"{target} does not exist here")
    path = _matrix_scenario(tmp_path, target)
    with pytest.raises(ScenarioError, match=message) as caught:
        sim.load_scenario(path)
    problem = caught.value.problems[0]
    assert problem.file == str(path) and problem.path == ("region", "travel_matrix")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(ScenarioError, match="is not a regular file"):
        sim.load_scenario(_matrix_scenario(tmp_path, "pipe.csv"))
    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(ScenarioError, match="is not a regular file"):
        sim.load_scenario(tmp_path / "pipe.yaml")


def test_a_file_of_another_kind_is_refused_by_its_shape_and_never_quoted(tmp_path, capsys):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
                      encoding="utf-8")
    path = _matrix_scenario(tmp_path, str(secret))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "is not a travel matrix of this region" in err and err.count("\n") == 2
    assert "root" not in err.replace(str(tmp_path), "") and "daemon" not in err and "/bin/bash" not in err


def test_a_binary_file_is_not_read_as_a_matrix(tmp_path):
    (tmp_path / "m.csv").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(ScenarioError, match="is a binary file, not a travel matrix"):
        sim.load_scenario(_matrix_scenario(tmp_path, "m.csv"))


def test_long_bad_cells_are_quoted_short(tmp_path):
    (tmp_path / "m.csv").write_text(MATRIX.replace("a,0,5,8", "a,0,5," + "x" * 5000), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        sim.load_scenario(_matrix_scenario(tmp_path, "m.csv"))
    assert max(len(p.message) for p in caught.value.problems) < 300


def test_only_a_bare_name_means_a_built_in_scenario(tmp_path, capsys):
    assert sim.load_scenario("tiny").spec.name == "Tiny county"
    for missing in ("/no/such/dir/tiny.yaml", str(tmp_path / "tiny.yaml"), "tiny.yaml"):
        with pytest.raises(ScenarioError, match="no such file; the built-in scenario is named 'tiny'"):
            sim.load_scenario(missing)
    assert main(["run", "/no/such/dir/tiny.yaml", "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()
    assert "no such file" in capsys.readouterr().err


def test_an_experiment_scenario_is_relative_to_the_experiment_file(tmp_path, monkeypatch):
    (tmp_path / "exp").mkdir()
    scenario = tmp_path / "scen.yaml"
    scenario.write_text(yaml.safe_dump(base_raw()), encoding="utf-8")
    exp = tmp_path / "exp" / "e.yaml"
    exp.write_text("name: e\nscenario: ../scen.yaml\nreplications: 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "exp")
    assert sim.load_experiment(exp).variants[0].scenario.path == tmp_path / "exp" / ".." / "scen.yaml"


@pytest.mark.parametrize("content,target,message", [
    (None, "nowhere.yaml", "no scenario file 'nowhere.yaml'"),
    (None, "tiny.yaml", "no scenario file 'tiny.yaml'"),
    ("folder", "sub", "is a folder, not a scenario file"),
    (b"\xff\xfe\x00 not utf-8", "bad.yaml", "is a binary file"),
    (b"\xff\xfe not utf-8", "bad.yaml", "is not UTF-8 text"),
    ("name: [unclosed", "bad.yaml", "is not valid YAML"),
    ("- just\n- a list\n", "bad.yaml", "does not hold a mapping"),
])
def test_experiment_scenario_problems_name_the_experiment_file_and_field(tmp_path, content, target, message):
    if content == "folder":
        (tmp_path / target).mkdir()
    elif isinstance(content, bytes):
        (tmp_path / target).write_bytes(content)
    elif content is not None:
        (tmp_path / target).write_text(content, encoding="utf-8")
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: e\nscenario: {target}\nreplications: 1\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=message) as caught:
        sim.load_experiment(exp)
    problem = caught.value.problems[0]
    assert problem.file == str(exp) and problem.path == ("scenario",) and problem.line == 2


def test_an_experiment_of_a_million_variants_is_refused_before_building_any(tmp_path):
    grid = {"units.engine.count": list(range(1, 1001)), "run.seed": list(range(1000))}
    with pytest.raises(ScenarioError, match="makes 1,000,000 variants .* at most 10,000"):
        sim.load_experiment({"name": "huge", "scenario": "tiny", "grid": grid})


def test_validate_checks_experiment_files_too(tmp_path, capsys):
    assert main(["validate", "scenarios/experiments/pinghu-stations.yaml"]) == 0
    assert "OK - Pinghu fire-station layouts: 5 variants x 30 replications" in capsys.readouterr().out
    assert main(["batch", "scenarios/experiments/pinghu-stations.yaml", "--check"]) == 0
    assert "5 variants" in capsys.readouterr().out
    bad = tmp_path / "e.yaml"
    bad.write_text("name: e\nscenario: tiny\nreplications: 1\nlayouts: {x: {set: {units.nope.count: 2}}}\n",
                   encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert (f"{bad}:4: layouts.x.set.units.nope.count: variant 'base': units.nope.count: "
            "no item with id or type 'nope'") in err
    assert not (tmp_path / "out").exists()


def test_a_run_too_large_states_its_size_and_asks_for_force(tmp_path, capsys, monkeypatch):
    argv = ["run", "tiny", "--set", "generators.building_fire.rate=2000 / d", "-r", "20", "--out",
            str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "would simulate about 14,602,400 incidents (730,120 per replication x 20 replications)" in err
    assert "--force" in err and not (tmp_path / "o").exists()
    monkeypatch.setattr("sim.scenario.projection.RUN_INCIDENT_LIMIT", 0.1)
    small = ["run", "tiny", "-r", "1", "--set", "run.horizon=10 d", "--out", str(tmp_path / "f"), "--quiet"]
    assert main(small) == 2
    assert main([*small, "--force"]) == 0
