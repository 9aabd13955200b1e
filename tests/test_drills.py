"""Drills: reproducible generation, unscripted draws within the template's ranges, a participant
package that leaks nothing, CAP 1.2 alerts that validate, time standards that are the simulated
distribution's, scoring, exports and the command line."""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pytest
from conftest import REPO

from sim.cli import main
from sim.drills.exports import write_drill
from sim.drills.generate import generate_drill
from sim.drills.score import rate, score_drill
from sim.drills.spec import load_drill_spec
from sim.errors import ScenarioError, SimError

DRILLS = REPO / "scenarios" / "drills"
TEMPLATES = sorted(p.stem for p in DRILLS.glob("*.yaml"))


def spec_of(name: str, **changes):
    spec, base = load_drill_spec(DRILLS / f"{name}.yaml")
    return spec.model_copy(update={"standards": 8, **changes}), base


def generated(name: str, **changes):
    spec, base = spec_of(name, **changes)
    return generate_drill(spec, base)


@pytest.fixture(scope="module")
def typhoon():
    return generated("pinghu-typhoon-evacuation")


@pytest.fixture(scope="module")
def unscripted_fire():
    return generated("fenghua-forest-fire-air-ground", seed=3)


def test_there_are_three_built_in_templates():
    assert TEMPLATES == ["fenghua-forest-fire-air-ground", "pinghu-chemical-jinshan",
                         "pinghu-typhoon-evacuation"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_generates_injects_with_standards(name):
    drill = generated(name)
    assert drill.injects and any(a.median is not None for _, a in drill.actions())
    assert [i.number for i in drill.injects] == list(range(1, len(drill.injects) + 1))
    times = [i.minutes for i in drill.injects]
    assert times == sorted(times) and times[0] >= 0 and times[-1] <= drill.spec.duration


def test_the_same_seed_gives_an_identical_drill(typhoon):
    again = generated("pinghu-typhoon-evacuation")
    assert json.dumps(again.as_json(), sort_keys=True) == json.dumps(typhoon.as_json(), sort_keys=True)


def test_scripted_ranges_take_their_middle(typhoon):
    assert typhoon.drawn == {"hazards[0].at": "2.5 h", "hazards[0].lead": "80 min"}
    warning = next(i for i in typhoon.injects if i.kind == "warning")
    assert warning.minutes == pytest.approx(150 - 80)


def test_unscripted_seeds_draw_different_times_and_places_within_the_ranges(unscripted_fire):
    other = generated("fenghua-forest-fire-air-ground", seed=4)
    draws = [unscripted_fire.drawn, other.drawn] + [generated("fenghua-forest-fire-air-ground", seed=s).drawn
                                                   for s in (5, 6)]
    ats = [float(d["hazards[0].at"].split()[0]) for d in draws]
    assert len(set(ats)) == len(ats)
    assert all(20 <= a <= 120 for a in ats)
    chosen = ("xikou-v01", "xikou-v05", "dayan-v01", "shangtian-v01")
    assert all(d["hazards[0].node"] in chosen for d in draws)
    first = [i.minutes for i in unscripted_fire.injects if i.kind == "incident"][0]
    second = [i.minutes for i in other.injects if i.kind == "incident"][0]
    assert first != second


def _controller_texts(drill) -> list[str]:
    texts = []
    for i in drill.injects:
        texts += [a.text_en for a in i.actions] + [a.text_zh for a in i.actions] + [i.notes]
        if i.controller_only:
            texts += [i.message_en, i.message_zh]
    return [t for t in texts if t]


@pytest.mark.parametrize("fixture", ["typhoon", "unscripted_fire"])
def test_the_participant_package_holds_no_controller_text(fixture, request, tmp_path):
    drill = request.getfixturevalue(fixture)
    write_drill(drill, tmp_path)
    files = [p for p in (tmp_path / "participant").rglob("*") if p.is_file()]
    package = "".join(p.read_text(encoding="utf-8") for p in files)
    for secret in _controller_texts(drill):
        assert secret not in package, secret
    for word in ("P90", "median", "expected action", "contingency", "Evaluator"):
        assert word.lower() not in package.lower()


def test_an_unscripted_participant_package_gives_away_no_later_inject(unscripted_fire, tmp_path):
    write_drill(unscripted_fire, tmp_path)
    package = (tmp_path / "participant" / "briefing.md").read_text(encoding="utf-8")
    shown = [i for i in unscripted_fire.injects if not i.controller_only]
    assert shown[0].message_en in package
    for later in shown[1:]:
        assert later.message_en not in package and later.message_zh not in package
    for key in ("dayan-v01", "xikou-v01", "xikou-v05", "shangtian-v01"):
        assert key not in package


def test_cap_alerts_validate_against_the_cap_1_2_schema(typhoon, tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(REPO / "tests" / "data" / "cap-1.2.xsd"))
    write_drill(typhoon, tmp_path)
    alerts = sorted((tmp_path / "controller" / "cap").glob("*.xml"))
    assert alerts
    for path in alerts:
        schema.validate(str(path))
        text = path.read_text(encoding="utf-8")
        assert "<status>Exercise</status>" in text and "+08:00</sent>" in text
    broken = alerts[0].read_text(encoding="utf-8").replace("<status>Exercise</status>",
                                                           "<status>Drill</status>")
    assert not schema.is_valid(broken)


def test_time_standards_are_the_simulated_distributions_median_and_p90(typhoon):
    checked = 0
    for _, act in typhoon.actions():
        samples = typhoon.samples.get(act.measure, [])
        if act.median is None:
            assert not samples
            continue
        assert act.median == pytest.approx(np.median(samples))
        assert act.p90 == pytest.approx(np.quantile(samples, 0.9))
        assert act.median <= act.p90
        checked += 1
    assert checked >= 5
    # the contingency for an action comes at its P90
    by_id = {a.id: (i, a) for i, a in typhoon.actions()}
    for inject in typhoon.injects:
        if inject.controller_only:
            source, act = by_id[inject.contingency_for]
            assert inject.minutes == pytest.approx(source.minutes + act.p90)


def test_ratings_follow_the_standard():
    assert rate(None, 10, 20) == "U"
    assert rate(5, 10, 20) == "P" and rate(10, 10, 20) == "P"
    assert rate(15, 10, 20) == "S" and rate(20, 10, 20) == "S"
    assert rate(25, 10, 20) == "M"
    assert rate(5, None, None) == "-"


def test_scoring_a_synthetic_log_gives_the_expected_ratings(typhoon, tmp_path):
    write_drill(typhoon, tmp_path)
    rated = [(i, a) for i, a in typhoon.actions() if a.median is not None and a.p90 > a.median + 2]
    assert len(rated) >= 3
    (i1, a1), (i2, a2), (i3, a3) = rated[:3]
    log = tmp_path / "observed.csv"
    on_time = dt.datetime.strptime(i1.wall_clock, "%Y-%m-%d %H:%M") + dt.timedelta(minutes=int(a1.median) - 1)
    with open(log, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["action", "time", "minutes", "note"])
        writer.writerow([a1.id, on_time.strftime("%H:%M"), "", "wall-clock time"])
        writer.writerow([a2.id, "", f"{(a2.median + a2.p90) / 2:.1f}", ""])
        writer.writerow([a3.id, "", f"{a3.p90 + 30:.1f}", "late"])
    drill, ratings = score_drill(tmp_path, log)
    got = {r.action: r for r in ratings}
    assert got[a1.id].rating == "P" and got[a1.id].observed == pytest.approx(int(a1.median) - 1)
    assert got[a2.id].rating == "S"
    assert got[a3.id].rating == "M" and got[a3.id].percentile == pytest.approx(
        float(np.mean(np.asarray(typhoon.samples[a3.measure]) <= a3.p90 + 30)))
    others = [r for r in ratings if r.action not in (a1.id, a2.id, a3.id)]
    assert others and all(r.rating == "U" for r in others)


def test_scoring_rejects_unknown_actions_and_bad_times(typhoon, tmp_path):
    write_drill(typhoon, tmp_path)
    log = tmp_path / "observed.csv"
    log.write_text("action,time\n999.9,10:00\n", encoding="utf-8")
    with pytest.raises(SimError, match="999.9.*not in this drill"):
        score_drill(tmp_path, log)
    first = typhoon.actions()[0][1].id
    log.write_text(f"action,time\n{first},ten past ten\n", encoding="utf-8")
    with pytest.raises(SimError, match="observed.csv:2: time"):
        score_drill(tmp_path, log)
    with pytest.raises(SimError, match="no drill.json"):
        score_drill(tmp_path / "nowhere", log)


def test_exports_have_their_formats(typhoon, tmp_path):
    paths = write_drill(typhoon, tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in paths}
    assert {"drill.json", "controller/msel.csv", "controller/msel_excel.csv", "controller/msel.json",
            "controller/evaluation_guide.csv", "controller/script.md", "controller/script_zh.md",
            "controller/script.html", "controller/schedule.ics", "participant/briefing.md"} <= names
    excel = (tmp_path / "controller" / "msel_excel.csv").read_bytes()
    assert excel.startswith("\ufeff".encode()) and b"\r\n" in excel
    with open(tmp_path / "controller" / "msel.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(typhoon.injects) and rows[0]["Inject No."] == "1"
    assert "Expected Player Action" in rows[0] and "Time Standard P90 (min)" in rows[0]
    ics = (tmp_path / "controller" / "schedule.ics").read_bytes()
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n") and ics.count(b"BEGIN:VEVENT") == len(typhoon.injects) + 1
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    zh = (tmp_path / "controller" / "script_zh.md").read_text(encoding="utf-8")
    assert "| 时间 | 情景 | 责任单位 | 指令 |" in zh
    assert json.loads((tmp_path / "drill.json").read_text(encoding="utf-8"))["seed"] == typhoon.seed


@pytest.mark.parametrize("edit,message", [
    ({"objectives": ["juggling"]}, "unknown objective 'juggling'"),
    ({"participants": [{"role": "eoc", "name": "EOC"}]}, "participants need the roles dispatch"),
    ({"duration": "0 h"}, "a drill must last some time"),
    ({"mode": "surprise"}, "mode"),
])
def test_bad_drill_files_are_named(tmp_path, edit, message):
    import yaml

    raw = yaml.safe_load((DRILLS / "pinghu-chemical-jinshan.yaml").read_text(encoding="utf-8"))
    raw.update(edit)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError, match=message) as exc:
        load_drill_spec(path)
    assert str(path) in str(exc.value)


def test_cli_generate_and_score(tmp_path, capsys):
    out = tmp_path / "drill"
    assert main(["drill", "generate", str(DRILLS / "pinghu-chemical-jinshan.yaml"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "injects" in printed and "contingency" in printed
    with open(out / "controller" / "evaluation_guide.csv", encoding="utf-8-sig") as handle:
        guide = list(csv.DictReader(handle))
    log = tmp_path / "observed.csv"
    log.write_text("action,minutes\n" + f"{guide[0]['Action ID']},1\n", encoding="utf-8")
    assert main(["drill", "score", str(out), str(log)]) == 0
    assert "expected actions" in capsys.readouterr().out
    report = (out / "evaluation" / "after_action.md").read_text(encoding="utf-8")
    assert "Improvement plan" in report and "| U |" in report
    assert main(["drill", "generate", str(tmp_path / "missing.yaml")]) == 2


def test_a_hazard_template_the_scenario_refuses_names_the_drill_file(tmp_path, capsys):
    import yaml

    raw = yaml.safe_load((DRILLS / "pinghu-chemical-jinshan.yaml").read_text(encoding="utf-8"))
    raw["hazards"][0]["node"] = "nowhere"
    raw["scenario"] = str(REPO / "scenarios" / "pinghu.yaml")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert main(["drill", "generate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{path} (on " in err and "hazards[0].node: unknown node 'nowhere'" in err
