"""Drills against hostile and damaged input: formula-like spreadsheet cells neutralised, input
text escaped in Markdown and HTML, damaged observed logs and drill.json files refused with one
clear error, drill files and their scenario references checked, outputs written whole."""

from __future__ import annotations

import copy
import csv
import os
import re

import pytest
from conftest import REPO

from sim.drills.escaping import md_cell, md_text, safe_cell
from sim.drills.exports import write_drill
from sim.drills.generate import generate_drill
from sim.drills.spec import load_drill_spec
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


# ---------------------------------------------------------------- outputs written whole


def test_drill_outputs_under_a_file_are_one_clear_error(typhoon, drill_dir, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot create the output folder"):
        write_drill(typhoon, blocker / "drill")
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
        assert {p: p.read_bytes() for p in locked.rglob("*") if p.is_file()} == before
    finally:
        for folder in [locked, *[p for p in locked.rglob("*") if p.is_dir()]]:
            folder.chmod(0o755)
