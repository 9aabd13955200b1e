"""The command line and the README's examples."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from conftest import REPO, SCENARIOS

import sim
from sim.cli import main

README = (REPO / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def readme_sim_commands() -> list[str]:
    """The `sim ...` lines of the README's shell blocks (the quick-start lines are what CI runs)."""
    return [line.strip() for block in _blocks("sh") for line in block.splitlines()
            if line.strip().startswith("sim ")]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty folder with the built-in scenarios reachable as ./scenarios."""
    (tmp_path / "scenarios").symlink_to(SCENARIOS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_run_prints_the_kpi_table_and_writes_the_report_files(workdir, capsys):
    code = main(["run", "tiny", "--replications", "2", "--out", "out/t"])
    out = capsys.readouterr().out
    assert code == 0
    for heading in ("Response time", "within target", "Reports and queue", "Units by type", "busy fraction"):
        assert heading in out
    assert "building_fire" in out and "road_accident" in out
    files = {p.name for p in (workdir / "out" / "t").iterdir()}
    assert files == {"incidents.csv", "assignments.csv", "units.csv", "summary.json", "response_cdf.png",
                     "nodes.csv", "facilities.csv", "places.geojson", "roads.geojson", "facilities.geojson",
                     "incidents.geojson", "response_by_place.geojson", "coverage.geojson"}
    for name in ("incidents", "assignments", "units"):
        frame = pd.read_csv(workdir / "out" / "t" / f"{name}.csv")
        assert set(frame["replication"]) == {0, 1}
    summary = json.loads((workdir / "out" / "t" / "summary.json").read_text())
    assert summary["run"]["replications"] == 2
    rt = summary["incident_types"]["building_fire"]["response_mean"]
    assert rt["ci_low"] <= rt["mean"] <= rt["ci_high"] and rt["n"] == 2
    assert (workdir / "out" / "t" / "response_cdf.png").stat().st_size > 10_000


def test_printed_numbers_match_summary_json(workdir, capsys):
    main(["run", "tiny", "--replications", "3", "--out", "o"])
    out = capsys.readouterr().out
    summary = json.loads((workdir / "o" / "summary.json").read_text())
    mean = summary["incident_types"]["all"]["response_mean"]
    row = next(line for line in out.splitlines() if line.startswith("all "))
    assert f"{mean['mean']:.1f} ± {mean['half_width']:.1f}" in row


def test_synthetic_roads_are_labelled(workdir, capsys):
    main(["run", "pinghu", "--replications", "1", "--set", "run.horizon=30 d", "--out", "p"])
    out = capsys.readouterr().out
    assert "SYNTHETIC roads" in out
    assert json.loads((workdir / "p" / "summary.json").read_text())["scenario"]["synthetic_travel"] is True


def test_set_seed_and_replications_options(workdir, capsys):
    main(["run", "tiny", "-r", "2", "--seed", "5", "--set", "run.horizon=20 d", "--out", "a"])
    main(["run", "tiny", "-r", "2", "--seed", "5", "--set", "run.horizon=20 d", "--out", "b"])
    main(["run", "tiny", "-r", "2", "--seed", "6", "--set", "run.horizon=20 d", "--out", "c"])
    capsys.readouterr()
    a, b, c = (pd.read_csv(workdir / d / "incidents.csv") for d in "abc")
    pd.testing.assert_frame_equal(a, b)
    assert not a["occurrence"].equals(c["occurrence"])
    assert a["occurrence"].max() < 20 * 1440


@pytest.mark.parametrize("argv", [["run", "nonexistent.yaml"], ["run", "tiny", "--set", "run.horizon"],
                                  ["run", "tiny", "--set", "run.horizon=0 d"],
                                  ["run", "tiny", "--replications", "0"], ["validate", "nonexistent"]])
def test_user_errors_exit_2_without_traceback(workdir, capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"sim {argv[0]}: ") and "Traceback" not in err


def test_scenarios_lists_builtins(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "tiny" in out and "pinghu" in out


def test_python_dash_m_and_console_script_work(workdir):
    done = subprocess.run([sys.executable, "-m", "sim", "validate", "tiny"], capture_output=True, text=True)
    assert done.returncode == 0 and "OK" in done.stdout
    done = subprocess.run([sys.executable, "-m", "sim", "validate", "nope"], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def _slow(command: str) -> bool:
    """Reserve sizing and layout optimisation of whole scenarios take minutes."""
    return command.startswith("sim reserves") or (command.startswith("sim optimize")
                                                  and "--static-only" not in command)


@pytest.mark.parametrize("command", [pytest.param(c, marks=pytest.mark.slow) if _slow(c)
                                     else c for c in readme_sim_commands()])
def test_readme_command_runs(workdir, capsys, command):
    """Every README command works (reserve sizing and optimisation of whole scenarios take
    minutes: slow). The scoring example scores the README's typhoon drill with a one-line
    observed log."""
    if command.startswith("sim drill score"):
        drill = [c for c in readme_sim_commands() if c.startswith("sim drill generate") and "typhoon" in c][0]
        assert main(shlex.split(drill)[1:]) == 0
        (workdir / "observed.csv").write_text("action,minutes\n1.1,30\n", encoding="utf-8")
    assert main(shlex.split(command)[1:]) == 0


def test_readme_people_and_supplies_sections_are_valid():
    """The README's people-and-supplies example, put into Pinghu in place of its own sections."""
    (block,) = [b for b in _blocks("yaml") if "shelters:" in b]
    raw = yaml.safe_load((SCENARIOS / "pinghu.yaml").read_text(encoding="utf-8"))
    raw.update(yaml.safe_load(block))
    scenario = sim.load_scenario_data(raw)
    assert [d.id for d in scenario.spec.depots] == ["dep-pinghu", "dep-zhejiang"]


def test_readme_python_example_runs(workdir, capsys):
    for block in _blocks("python"):
        exec(compile(block, "README.md", "exec"), {})
    assert "Estimate(" in capsys.readouterr().out


def test_readme_quick_start_is_what_ci_runs():
    commands = [line for block in _blocks("sh") for line in block.splitlines() if "-m venv" in line]
    assert len(commands) == 2
    ci = (REPO / ".ci" / "run").read_text()
    assert commands[1] in ci
    assert "sim run pinghu" in commands[0]


def test_help_and_version_import_nothing_heavy():
    """`sim --help` and `sim --version` start at once: neither imports numpy, pandas, scipy,
    simpy or pydantic (measured: about 0.1 s in all, against 2.4 s before)."""
    code = ("import sys\nfrom sim.cli import main\n"
            "for argv in (['--help'], ['--version'], ['run', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "names = ('numpy', 'pandas', 'scipy', 'simpy', 'pydantic', 'matplotlib')\n"
            "heavy = [m for m in names if m in sys.modules]\n"
            "print('HEAVY', heavy)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in done.stdout, done.stdout[-500:] + done.stderr[-500:]
