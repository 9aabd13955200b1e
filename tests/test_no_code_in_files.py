"""Input files never import or call code: a policy is named only by a registered name (the
Python API or an installed package's entry point), and validating a file imports nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import base_raw

import sim
from sim.errors import ScenarioError

PLANTED = '''
from pathlib import Path
Path(__file__).with_name("IMPORTED").write_text("the file made Python import this module")

class Thing:
    def __init__(self):
        Path(__file__).with_name("CALLED").write_text("called")
'''

POLICY_PACKAGE = '''
from sim import DispatchPolicy


class HighestIndex(DispatchPolicy):
    def select(self, call, need, fleet):
        picks, taken = [], set()
        for capability, count in need.items():
            free = [u for u in reversed(fleet.available(capability)) if u.index not in taken]
            for chosen in free[:count]:
                picks.append((chosen, capability))
                taken.add(chosen.index)
        return picks
'''


def _scenario(folder: Path, **dispatch) -> Path:
    raw = base_raw()
    raw["dispatch"] = dispatch
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("policy", ["planted:Thing", "planted", "sys:exit", "os:getcwd"])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_scenario_cannot_make_sim_import_or_call_code(tmp_path, policy, command):
    """A module in the current folder (which ``python -m`` puts on the path) named as the
    policy is never imported, and nothing is called: exit 2 with one message."""
    (tmp_path / "planted.py").write_text(PLANTED, encoding="utf-8")
    path = _scenario(tmp_path, policy=policy)
    done = subprocess.run([sys.executable, "-m", "sim", command, str(path), "--out", str(tmp_path / "out")]
                          if command == "run" else [sys.executable, "-m", "sim", command, str(path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "unknown dispatch policy" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "IMPORTED").exists() and not (tmp_path / "CALLED").exists()


def test_a_supply_policy_cannot_name_code_either(tmp_path, monkeypatch):
    (tmp_path / "planted.py").write_text(PLANTED, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    raw = yaml.safe_load(Path(sim.builtin_scenarios()["pinghu"]).read_text(encoding="utf-8"))
    raw["supply"]["policy"] = "planted:Thing"
    with pytest.raises(ScenarioError, match="unknown allocation policy 'planted:Thing'.*cannot name code"):
        sim.load_scenario_data(raw)
    assert "planted" not in sys.modules and not (tmp_path / "IMPORTED").exists()


def _install_entry_point(folder: Path) -> None:
    """A package with an entry point in the dispatch group, as `pip install` would leave it."""
    (folder / "mypolicies").mkdir()
    (folder / "mypolicies" / "__init__.py").write_text(POLICY_PACKAGE, encoding="utf-8")
    info = folder / "mypolicies-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mypolicies\nVersion: 1.0\n",
                                   encoding="utf-8")
    entry = "[sim.dispatch_policies]\nhighest_index = mypolicies:HighestIndex\n"
    (info / "entry_points.txt").write_text(entry, encoding="utf-8")


def test_an_installed_entry_point_is_usable_by_name_and_imported_only_to_run(tmp_path, monkeypatch):
    _install_entry_point(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mypolicies", raising=False)
    raw = base_raw()
    raw["dispatch"] = {"policy": "highest_index"}
    scenario = sim.load_scenario_data(raw)
    assert "mypolicies" not in sys.modules   # validating imported nothing
    assert "highest_index" in sim.plugins.plugin_names("dispatch")
    result = sim.run(scenario, replications=1)
    assert "mypolicies" in sys.modules
    default = sim.run(sim.load_scenario_data(base_raw()), replications=1)
    assert set(result.assignments["unit"]) != set(default.assignments["unit"])


def test_an_unknown_name_lists_what_is_registered():
    sim.register_policy("dispatch", "test-listed", lambda: sim.NearestAvailable())
    raw = base_raw()
    raw["dispatch"] = {"policy": "closest"}
    with pytest.raises(ScenarioError,
                       match="unknown dispatch policy 'closest'; known: nearest_available.*test-listed"):
        sim.load_scenario_data(raw)


@pytest.mark.parametrize("name", ["", "a:b", "x" * 65, "has space"])
def test_registered_names_are_plain_words(name):
    with pytest.raises(ValueError, match="a policy name is a word"):
        sim.register_policy("dispatch", name, sim.NearestAvailable)
