"""Drills against hostile and damaged input: formula-like spreadsheet cells neutralised, input
text escaped in Markdown and HTML, damaged observed logs and drill.json files refused with one
clear error, drill files and their scenario references checked, outputs written whole."""

from __future__ import annotations

import copy
import csv
import json
import os
import re

import pytest
import yaml
from conftest import REPO

from sim.cli import main
from sim.drills.base_scenario import drill_scenario
from sim.drills.escaping import md_cell, md_text, safe_cell
from sim.drills.exports import write_drill
from sim.drills.generate import generate_drill
from sim.drills.score import score_drill, write_after_action
from sim.drills.spec import load_drill_spec, resolve_templates
from sim.errors import ScenarioError
from sim.report.writing import OutputError

DRILLS = REPO / "scenarios" / "drills"
HOSTILE = '=HYPERLINK("http://evil.invalid","x") <script>alert(1)</script> | & <b>'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def typhoon():
    spec, base = load_drill_spec(DRILLS / "pinghu-typhoon-evacuation.yaml")
    return generate_drill(spec.model_copy(update={"standards": 8}), base)


@pytest.fixture(scope="module")
def drill_dir(typhoon, tmp_path_factory):
    out = tmp_path_factory.mktemp("drill")
    write_drill(typhoon, out)
    return out


def hostile(drill):
    """A copy of ``drill`` with hostile text in every field an input file can set."""
    bad = copy.deepcopy(drill)
    participants = [p.model_copy(update={"name": f"{p.role} {HOSTILE}"}) for p in bad.spec.participants]
    bad.spec = bad.spec.model_copy(update={"name": "<script>alert('name')</script>",
                                           "participants": participants})
    bad.scenario_name = "<i>scenario</i>"
    for inject in bad.injects:
        inject.message_en = "-" + HOSTILE
        inject.message_zh = "@" + HOSTILE
        inject.notes = "+" + HOSTILE + "\nsecond line"
        for act in inject.actions:
            act.text_en = "\t" + HOSTILE
            act.text_zh = "\r" + HOSTILE
            act.responsible = "=1+1"
    return bad


def csv_cells(path, encoding="utf-8"):
    with open(path, newline="", encoding=encoding) as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def is_number(text):
    return re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", text) is not None


# ---------------------------------------------------------------- spreadsheet cells


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-cmd", "'-cmd"), ("-inf", "'-inf"),
    ("-5", "-5"), ("-0.5", "-0.5"), ("+3", "+3"), ("-1e3", "-1e3"), ("-", "-"), ("", ""),
    ("12.2", "12.2"), ("T+00:30", "T+00:30"), ("a=b", "a=b"), (-5, "-5"), (None, ""),
])
def test_formula_like_cells_are_neutralised_and_numbers_are_not(value, expected):
    assert safe_cell(value) == expected


def test_markdown_text_and_cells_are_escaped():
    assert md_text("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert md_cell("a | b\nc") == "a \\| b c"


def test_every_csv_export_neutralises_formula_like_cells(typhoon, tmp_path):
    write_drill(hostile(typhoon), tmp_path)
    controller = tmp_path / "controller"
    for name, encoding in (("msel.csv", "utf-8"), ("msel_excel.csv", "utf-8-sig"),
                           ("evaluation_guide.csv", "utf-8-sig")):
        cells = csv_cells(controller / name, encoding)
        dangerous = [c for c in cells if c.startswith(FORMULA_STARTS) and not is_number(c) and c != "-"]
        assert not dangerous, (name, dangerous[:3])
        assert "'=1+1" in cells, name
    msel = csv_cells(controller / "msel.csv")
    for start in ("'-=HYPERLINK", "'@=HYPERLINK", "'+=HYPERLINK"):
        assert any(c.startswith(start) for c in msel), start
    guide = csv_cells(controller / "evaluation_guide.csv", "utf-8-sig")
    assert any(c.startswith("'\t") for c in guide) and any(c.startswith("'\r") for c in guide)


def test_score_ratings_csv_neutralises_notes(drill_dir, tmp_path):
    first = first_actions(drill_dir, 1)[0]
    log = tmp_path / "observed.csv"
    log.write_text(f"action,minutes,note\n{first},3,\"=cmd|' /C calc'!A0\"\n", encoding="utf-8")
    drill, ratings = score_drill(drill_dir, log)
    write_after_action(drill, ratings, tmp_path / "evaluation")
    cells = csv_cells(tmp_path / "evaluation" / "ratings.csv")
    assert "'=cmd|' /C calc'!A0" in cells and "=cmd|' /C calc'!A0" not in cells
    assert "3.0" in cells


# ---------------------------------------------------------------- Markdown and HTML


def table_rows(text):
    return [line for line in text.splitlines() if line.startswith("| ")]


def test_markdown_and_html_exports_escape_input_text(typhoon, tmp_path):
    write_drill(hostile(typhoon), tmp_path)
    for name in ("controller/script.md", "controller/script_zh.md", "participant/briefing.md",
                 "controller/script.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "<script" not in text and "<b>" not in text and "<i>" not in text, name
        assert "&lt;script&gt;" in text, name
    for name in ("controller/script.md", "controller/script_zh.md"):
        rows = table_rows((tmp_path / name).read_text(encoding="utf-8"))
        columns = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
        assert len(columns) == 1, (name, columns)


def test_after_action_report_escapes_drill_json_text(drill_dir, tmp_path):
    folder = tmp_path / "drill"
    folder.mkdir()
    data = json.loads((drill_dir / "drill.json").read_text(encoding="utf-8"))
    data["spec"]["name"] = "<script>alert(1)</script>"
    for inject in data["injects"]:
        for act in inject["actions"]:
            act["text_en"] = "<img src=x onerror=alert(1)> | broken"
            act["responsible"] = "a|b"
    (folder / "drill.json").write_text(json.dumps(data), encoding="utf-8")
    log = tmp_path / "observed.csv"
    log.write_text("action,minutes\n", encoding="utf-8")
    drill, ratings = score_drill(folder, log)
    write_after_action(drill, ratings, tmp_path / "evaluation")
    report = (tmp_path / "evaluation" / "after_action.md").read_text(encoding="utf-8")
    assert "<script" not in report and "<img" not in report and "&lt;img src=x" in report
    for table in report.split("\n\n"):
        rows = table_rows(table)
        assert len({len(re.split(r"(?<!\\)\|", row)) for row in rows}) <= 1


# ---------------------------------------------------------------- outputs written whole


def test_drill_outputs_under_a_file_are_one_clear_error(typhoon, drill_dir, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot create the output folder"):
        write_drill(typhoon, blocker / "drill")
    log = tmp_path / "observed.csv"
    log.write_text("action,minutes\n", encoding="utf-8")
    assert main(["drill", "score", str(drill_dir), str(log), "--out", str(blocker / "evaluation")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sim drill: cannot create the output folder") and "Traceback" not in err
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.skipif(AS_ROOT, reason="root ignores file permissions")
def test_drill_outputs_in_a_read_only_folder_are_one_clear_error(typhoon, drill_dir, tmp_path):
    locked = tmp_path / "locked"
    write_drill(typhoon, locked)
    before = {p: p.read_bytes() for p in locked.rglob("*") if p.is_file()}
    for folder in [locked, *[p for p in locked.rglob("*") if p.is_dir()]]:
        folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="(?i)permission denied"):
            write_drill(typhoon, locked)
        log = tmp_path / "observed.csv"
        log.write_text("action,minutes\n", encoding="utf-8")
        drill, ratings = score_drill(drill_dir, log)
        with pytest.raises(OutputError, match="(?i)permission denied"):
            write_after_action(drill, ratings, locked)
        assert {p: p.read_bytes() for p in locked.rglob("*") if p.is_file()} == before
    finally:
        for folder in [locked, *[p for p in locked.rglob("*") if p.is_dir()]]:
            folder.chmod(0o755)


# ---------------------------------------------------------------- sim drill score: the observed log


def first_actions(drill_dir, count=2):
    data = json.loads((drill_dir / "drill.json").read_text(encoding="utf-8"))
    return [a["id"] for i in data["injects"] for a in i["actions"]][:count]


def score_error(capsys, drill_dir, observed):
    """Run `sim drill score` expecting one clear error; return its message."""
    assert main(["drill", "score", str(drill_dir), str(observed), "--out", str(observed.parent / "ev")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sim drill: ") and "Traceback" not in err and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("minutes,problem", [
    ("-5", "is negative"), ("nan", "not a finite number"), ("inf", "not a finite number"),
    ("-inf", "not a finite number"), ("soon", "not a number"),
])
def test_observed_minutes_must_be_finite_and_not_negative(drill_dir, tmp_path, capsys, minutes, problem):
    first, second = first_actions(drill_dir)
    log = tmp_path / "observed.csv"
    log.write_text(f"action,minutes\n{first},4\n{second},{minutes}\n", encoding="utf-8")
    err = score_error(capsys, drill_dir, log)
    assert f"{log}:3: minutes: " in err and problem in err


def test_an_observed_time_before_its_inject_is_an_error(drill_dir, tmp_path, capsys):
    data = json.loads((drill_dir / "drill.json").read_text(encoding="utf-8"))
    inject = data["injects"][0]
    log = tmp_path / "observed.csv"
    log.write_text(f"action,time\n{inject['actions'][0]['id']},{inject['wall_clock'][:10]} 00:00\n",
                   encoding="utf-8")
    err = score_error(capsys, drill_dir, log)
    assert f"{log}:2: time: " in err and "before its inject" in err


def test_an_action_observed_twice_names_both_lines(drill_dir, tmp_path, capsys):
    first, second = first_actions(drill_dir)
    log = tmp_path / "observed.csv"
    log.write_text(f"action,minutes,note\n{first},4,a\n{second},5,\n\n{first},6,again\n", encoding="utf-8")
    err = score_error(capsys, drill_dir, log)
    assert f"{log}:5: action '{first}' is given twice (lines 2 and 5)" in err


@pytest.mark.parametrize("action,problem", [("999.9", "'999.9' is not in this drill's evaluation guide"),
                                            ("", "action: empty"),
                                            ("x" * 500, "...")])
def test_unknown_or_empty_actions_are_errors(drill_dir, tmp_path, capsys, action, problem):
    log = tmp_path / "observed.csv"
    log.write_text(f"action,minutes\n{action},3\n", encoding="utf-8")
    err = score_error(capsys, drill_dir, log)
    assert f"{log}:2: action" in err and problem in err and "x" * 120 not in err


@pytest.mark.parametrize("content,problem", [
    (b"\xff\xfe\x00a\x00c\x00t\x00", "binary file"),
    ("action,minutes\n1.1,3\n".encode("utf-16"), "binary file"),
    (b"action,minutes\n1.1,\xe9\n", "not UTF-8 text"),
    (b"", "is empty"),
    (b"step,minutes\n1.1,3\n", "needs an 'action' column"),
    (b"action,note\n1.1,ok\n", "needs a 'time' or a 'minutes' column"),
    (b"action,minutes\n1.1," + b"9" * 200_000 + b"\n", "2: not a readable CSV file (field larger"),
    (("=" * 5000 + ",minutes\n").encode(), "needs an 'action' column"),
])
def test_a_damaged_observed_log_is_one_clear_error(drill_dir, tmp_path, capsys, content, problem):
    log = tmp_path / "observed.csv"
    log.write_bytes(content)
    err = score_error(capsys, drill_dir, log)
    assert str(log) in err and problem in err and len(err) < 400


@pytest.mark.parametrize("make,problem", [
    (lambda p: p, "no such observed log"),
    (lambda p: p.mkdir() or p, "is a folder"),
    (lambda p: os.mkfifo(p) or p, "not a regular file"),
])
def test_an_observed_log_that_is_not_a_file_is_refused_before_reading(drill_dir, tmp_path, capsys, make,
                                                                      problem):
    if not hasattr(os, "mkfifo") and problem == "not a regular file":
        pytest.skip("no FIFOs here")
    log = make(tmp_path / "observed.csv")
    err = score_error(capsys, drill_dir, log)
    assert str(log) in err and problem in err


def test_dev_zero_is_not_read(drill_dir, capsys, tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    assert main(["drill", "score", str(drill_dir), "/dev/zero", "--out", str(tmp_path / "ev")]) == 2
    assert "/dev/zero: is not a regular file" in capsys.readouterr().err


# ---------------------------------------------------------------- sim drill score: drill.json


def damaged_drill_dir(tmp_path, drill_dir, edit):
    folder = tmp_path / "drill"
    folder.mkdir()
    data = json.loads((drill_dir / "drill.json").read_text(encoding="utf-8"))
    result = edit(data)
    text = json.dumps(data if result is None else result) if not isinstance(result, str | bytes) else result
    (folder / "drill.json").write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


def _drop(data, *path):
    *parents, last = path
    for key in parents:
        data = data[key]
    del data[last]


@pytest.mark.parametrize("edit,problem", [
    (lambda d: "{not json", "not JSON (line 1, column 2"),
    (lambda d: b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    (lambda d: "[1, 2, 3]", "(top level): Input should be a valid dictionary"),
    (lambda d: {"scenario": "a foreign file"}, "spec: Field required"),
    (lambda d: _drop(d, "samples"), "samples: Field required"),
    (lambda d: _drop(d, "injects", 0, "actions", 0, "p90"), "injects[0].actions[0].p90: Field required"),
    (lambda d: d["injects"][0].update(wall_clock="at dawn"), "injects[0].wall_clock: not a wall-clock time"),
    (lambda d: d["spec"].update(start="x" * 500), "spec.start: not an ISO date and time"),
    (lambda d: d["injects"][1]["actions"].append(d["injects"][0]["actions"][0]), "appears twice"),
])
def test_a_damaged_or_foreign_drill_json_is_one_clear_error(drill_dir, tmp_path, capsys, edit, problem):
    folder = damaged_drill_dir(tmp_path, drill_dir, edit)
    log = tmp_path / "observed.csv"
    log.write_text("action,minutes\n", encoding="utf-8")
    err = score_error(capsys, folder, log)
    assert f"{folder / 'drill.json'}: not a drill.json written by `sim drill generate`" in err
    assert problem in err and "x" * 120 not in err


def test_a_missing_drill_folder_or_drill_json_is_named(tmp_path, capsys):
    log = tmp_path / "observed.csv"
    log.write_text("action,minutes\n", encoding="utf-8")
    assert "no drill.json" in score_error(capsys, tmp_path / "nowhere", log)
    (tmp_path / "empty").mkdir()
    assert f"{tmp_path / 'empty'}: no drill.json" in score_error(capsys, tmp_path / "empty", log)
    assert "not a folder" in score_error(capsys, log, log)


# ---------------------------------------------------------------- drill files and their scenario


def drill_file(tmp_path, filename="drill.yaml", **changes):
    raw = yaml.safe_load((DRILLS / "pinghu-chemical-jinshan.yaml").read_text(encoding="utf-8"))
    raw["scenario"] = str(REPO / "scenarios" / "pinghu.yaml")
    raw.update(changes)
    path = tmp_path / filename
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def prepare(path):
    """Everything `sim drill generate` does before simulating."""
    spec, base = load_drill_spec(path)
    hazards, _ = resolve_templates(spec, source=path)
    return drill_scenario(spec, base, hazards, path)


def problems_of(path):
    with pytest.raises(ScenarioError) as caught:
        prepare(path)
    return [str(p) for p in caught.value.problems]


def one_problem(path):
    problems = problems_of(path)
    assert len(problems) == 1, problems
    return problems[0]


def test_a_bare_name_is_a_built_in_scenario_and_anything_else_a_path(tmp_path):
    assert prepare(drill_file(tmp_path, scenario="pinghu")).path == REPO / "scenarios" / "pinghu.yaml"
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "copy.yaml").write_bytes((REPO / "scenarios" / "pinghu.yaml").read_bytes())
    relative = drill_file(tmp_path / "sub", scenario="copy.yaml")
    assert prepare(relative).path == tmp_path / "sub" / "copy.yaml"
    for reference in ("/no/such/dir/tiny.yaml", "tiny.yaml", "./tiny", "../tiny.yaml"):
        path = drill_file(tmp_path, scenario=reference)
        message = one_problem(path)
        assert message.startswith(f"{path}: scenario: {reference!r}") and "no such scenario file" in message
    message = one_problem(drill_file(tmp_path, scenario="atlantis"))
    assert "'atlantis': no built-in scenario of that name (built-in: " in message


@pytest.mark.parametrize("make,problem", [
    (lambda p: p.mkdir(), "is a folder, not a scenario file"),
    (lambda p: p.write_bytes(b"name: \xff\xfe\n"), "is not UTF-8 text"),
    (lambda p: p.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00"), "is a binary file"),
    (lambda p: p.write_text("name: [unclosed\nregion: {\n", encoding="utf-8"), "not YAML (line"),
    (lambda p: p.write_text("- just\n- a list\n", encoding="utf-8"), "does not hold a mapping"),
    (lambda p: p.write_text("", encoding="utf-8"), "does not hold a mapping"),
    (lambda p: os.truncate(p.open("wb").name, 51 * 2**20), "is too large for a scenario file"),
    (lambda p: os.mkfifo(p), "is not a regular file"),
])
def test_a_scenario_reference_that_is_not_a_scenario_is_one_problem(tmp_path, make, problem):
    target = tmp_path / "target.yaml"
    make(target)
    path = drill_file(tmp_path, scenario=str(target))
    message = one_problem(path)
    assert message.startswith(f"{path}: scenario: {str(target)!r}: ") and problem in message, message
    assert "ELF" not in message and "unclosed" not in message


def test_a_scenario_reference_to_dev_zero_is_not_read(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    assert "'/dev/zero': is not a regular file" in one_problem(drill_file(tmp_path, scenario="/dev/zero"))


@pytest.mark.parametrize("make,problem", [
    (lambda p: p.mkdir(), "is a folder, not a drill file"),
    (lambda p: os.mkfifo(p), "is not a regular file"),
    (lambda p: os.truncate(p.open("wb").name, 51 * 2**20), "is too large for a drill file"),
    (lambda p: p.write_bytes(b"\x00\x01binary"), "is a binary file, not a drill file"),
    (lambda p: p.write_bytes(b"name: \xff\n"), "is not UTF-8 text"),
])
def test_a_drill_file_that_is_not_a_file_is_refused_before_reading(tmp_path, capsys, make, problem):
    path = tmp_path / "drill.yaml"
    make(path)
    assert main(["drill", "generate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{path}" in err and problem in err and "Traceback" not in err
    if os.path.exists("/dev/zero"):
        assert main(["drill", "generate", "/dev/zero", "--out", str(tmp_path / "out")]) == 2
        assert "/dev/zero: (top level): is not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize("overrides,where,problem", [
    ({"units.nosuch-group.count": 2}, "set.units.nosuch-group.count", "no item with id or type"),
    ({"run.seed": "many"}, "set.run.seed", "valid integer"),
    ({"dispatch.when_no_unit": "panic"}, "set.dispatch.when_no_unit", "panic"),
    ({"units.engine.count": -3}, "set.units.engine.count", "(at units["),
])
def test_set_overrides_are_blamed_on_the_drill_file(tmp_path, overrides, where, problem):
    path = drill_file(tmp_path, set=overrides)
    messages = problems_of(path)
    assert all(m.startswith(f"{path}: {where}: ") for m in messages), messages
    assert problem in messages[0]


@pytest.mark.parametrize("template,problem", [
    ({"between": ["15 min"]}, "hazards[0].at: between takes two values"),
    ({"between": ["soon", "later"]}, "hazards[0].at: between ['soon', 'later']: give two numbers"),
    ({"between": [".inf", "1 h"]}, "hazards[0].at: between"),
    ({"between": [float("nan"), 2]}, "both ends must be finite"),
    ({"choose": []}, "hazards[0].at: choose takes a list of one or more values"),
    ({"choose": "15 min"}, "hazards[0].at: choose takes a list"),
])
def test_bad_hazard_templates_name_the_drill_file_and_field(tmp_path, template, problem):
    raw = yaml.safe_load((DRILLS / "pinghu-chemical-jinshan.yaml").read_text(encoding="utf-8"))
    raw["hazards"][0]["at"] = template
    path = drill_file(tmp_path, hazards=raw["hazards"])
    message = one_problem(path)
    assert message.startswith(f"{path}: ") and problem in message, message


@pytest.mark.parametrize("changes", [{"objectives": ["x" * 500]}, {"mode": "y" * 500}, {"name": 7},
                                     {"start": "z" * 500}])
def test_bad_values_are_quoted_briefly(tmp_path, changes):
    path = drill_file(tmp_path, **changes)
    with pytest.raises(ScenarioError) as caught:
        load_drill_spec(path)
    message = str(caught.value)
    assert str(path) in message and "x" * 101 not in message and "y" * 101 not in message
    assert "z" * 101 not in message


def test_a_negative_seed_is_an_input_error(capsys):
    assert main(["drill", "generate", str(DRILLS / "pinghu-chemical-jinshan.yaml"), "--seed", "-1"]) == 2
    assert "sim drill: --seed must be non-negative" in capsys.readouterr().err


@pytest.mark.parametrize("changes,problem", [
    ({"duration": "1e300 h"}, "duration: a drill lasts at most 31 d"),
    ({"start": "9999-12-31 23:00"}, "start: the drill would end after the year 9999"),
])
def test_a_drill_that_cannot_be_simulated_is_refused(tmp_path, changes, problem):
    path = drill_file(tmp_path, **changes)
    with pytest.raises(ScenarioError, match=problem):
        load_drill_spec(path)


# ---------------------------------------------------------------- sim drill check


@pytest.mark.parametrize("name", sorted(p.stem for p in DRILLS.glob("*.yaml")))
def test_check_passes_the_built_in_drill_files_with_one_line(name, capsys):
    path = DRILLS / f"{name}.yaml"
    assert main(["drill", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: OK - ") and out.count("\n") == 1 and "templates checked" in out


def test_check_tries_every_choice_and_both_ends_of_every_range(tmp_path, capsys):
    raw = yaml.safe_load((DRILLS / "pinghu-chemical-jinshan.yaml").read_text(encoding="utf-8"))
    raw["hazards"][0]["node"] = {"choose": ["dushan-chem", "atlantis"]}
    path = drill_file(tmp_path, hazards=raw["hazards"])  # scripted: generate takes the first choice
    prepare(path)
    assert main(["drill", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path} (on " in err and "hazards[0].node: unknown node 'atlantis'" in err
    assert "(when hazards[0].at = 15 min, hazards[0].node = atlantis" in err
    assert "Traceback" not in err and not capsys.readouterr().out


def test_check_reports_every_problem_of_the_drill_file(tmp_path, capsys):
    path = drill_file(tmp_path, scenario="/no/such/dir/tiny.yaml")
    assert main(["drill", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sim drill: 1 problem") and f"{path}: scenario: '/no/such/dir/tiny.yaml'" in err
    path = drill_file(tmp_path, set={"units.nosuch.count": 1, "run.seed": "x"})
    assert main(["drill", "check", str(path)]) == 2
    assert f"{path}: set.units.nosuch.count: " in capsys.readouterr().err
    assert main(["drill", "check", str(tmp_path / "missing.yaml")]) == 2
    assert "no such drill file" in capsys.readouterr().err


def test_long_keys_are_quoted_briefly(tmp_path):
    path = drill_file(tmp_path, **{"k" * 5000: 1})
    with pytest.raises(ScenarioError) as caught:
        load_drill_spec(path)
    assert "unknown key" in str(caught.value) and "k" * 101 not in str(caught.value)
    messages = problems_of(drill_file(tmp_path, set={"units." + "q" * 5000 + ".count": 1}))
    assert "no item with id or type" in messages[0] and all("q" * 101 not in m for m in messages)
