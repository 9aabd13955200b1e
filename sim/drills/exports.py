"""Write a generated drill: the controller package (MSEL as CSV, Excel-ready CSV and JSON, the
evaluation guide, readable scripts in Markdown and HTML, the Chinese script form, CAP 1.2
alerts for warning injects, an iCalendar schedule) and the participant package (the initial
situation and task cards, nothing that gives away a later inject).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from ..report.writing import OutputError, output_folder, write_text
from .escaping import csv_text, md_cell, md_text
from .generate import Drill, Inject
from .spec import CAPABILITIES

__all__ = [
    "CAP_NAMESPACE",
    "cap_alert",
    "guide_rows",
    "ical",
    "msel_rows",
    "participant_briefing",
    "script_chinese",
    "script_html",
    "script_markdown",
    "write_drill",
]

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
MSEL_COLUMNS = [
    "Inject No.",
    "Scenario Time",
    "Wall-Clock Time",
    "From",
    "To",
    "Delivery Method",
    "Message (zh)",
    "Message (en)",
    "Expected Player Action",
    "Responsible",
    "Objective / Capability",
    "Time Standard Median (min)",
    "Time Standard P90 (min)",
    "Evaluator Notes",
    "Contingency For",
]
GUIDE_COLUMNS = [
    "Action ID",
    "Inject No.",
    "Wall-Clock Time",
    "Expected Action (zh)",
    "Expected Action (en)",
    "Responsible",
    "Objective / Capability",
    "Median (min)",
    "P90 (min)",
    "Simulated in This Drill (min)",
    "Observed Time",
    "Rating (P/S/M/U)",
    "Evaluator Notes",
]
ROLE_DUTIES = {
    "eoc": (
        "统筹指挥、发布预警、组织转移、协调增援",
        "Command, warnings, evacuation orders, requests for aid",
    ),
    "dispatch": (
        "接警、核实、调派力量、跟踪到场",
        "Take and verify calls, dispatch units, track their arrival",
    ),
    "township": (
        "叫应到村到户，组织群众转移安置",
        "Pass warnings to villages and households, move people to shelters",
    ),
    "roads": ("道路抢通、交通管制、绕行方案", "Clear roads, control traffic, plan detours"),
    "supplies": ("调拨、运送救灾物资", "Release and deliver relief supplies"),
}
CAP_CATEGORY = {
    "typhoon": "Met",
    "heavy_rain": "Met",
    "chemical": "CBRNE",
    "earthquake": "Geo",
    "forest_fire": "Fire",
    "landslide": "Geo",
}


def _hhmm(minutes: float) -> str:
    return f"T+{int(minutes // 60):02d}:{int(minutes % 60):02d}"


def _standards(inject: Inject) -> tuple[str, str]:
    med = "; ".join(f"{a.id}: {a.median:.0f}" for a in inject.actions if a.median is not None)
    p90 = "; ".join(f"{a.id}: {a.p90:.0f}" for a in inject.actions if a.p90 is not None)
    return med, p90


def msel_rows(drill: Drill) -> list[list[str]]:
    rows = []
    for i in drill.injects:
        med, p90 = _standards(i)
        rows.append(
            [
                str(i.number),
                _hhmm(i.minutes),
                i.wall_clock,
                i.source,
                drill.spec.role_name(i.target),
                i.method,
                i.message_zh,
                i.message_en,
                "; ".join(f"{a.id} {a.text_zh} / {a.text_en}" for a in i.actions),
                "; ".join(dict.fromkeys(a.responsible for a in i.actions)),
                CAPABILITIES.get(i.capability, i.capability),
                med,
                p90,
                i.notes,
                i.contingency_for,
            ]
        )
    return rows


def guide_rows(drill: Drill) -> list[list[str]]:
    def num(x: float | None) -> str:
        return "" if x is None else f"{x:.0f}"

    return [
        [
            a.id,
            str(i.number),
            i.wall_clock,
            a.text_zh,
            a.text_en,
            a.responsible,
            CAPABILITIES.get(a.capability, a.capability),
            num(a.median),
            num(a.p90),
            num(a.simulated),
            "",
            "",
            "",
        ]
        for i, a in drill.actions()
    ]


def _csv(rows: list[list[str]], header: list[str], excel: bool = False) -> str:
    """A CSV table with formula-like cells neutralised; ``excel``: BOM and CRLF line ends."""
    return csv_text(header, rows, line_end="\r\n" if excel else "\n", bom=excel)


def _utc_offset(drill: Drill) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=drill.utc_offset))


def cap_alert(drill: Drill, inject: Inject, kind: str) -> str:
    """A CAP 1.2 alert (status Exercise) for a warning inject."""
    ET.register_namespace("", CAP_NAMESPACE)

    def sub(parent: ET.Element, tag: str, value: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{CAP_NAMESPACE}}}{tag}")
        el.text = value
        return el

    local = dt.datetime.strptime(inject.wall_clock, "%Y-%m-%d %H:%M").replace(tzinfo=_utc_offset(drill))
    sent = local.isoformat(timespec="seconds")
    alert = ET.Element(f"{{{CAP_NAMESPACE}}}alert")
    sub(alert, "identifier", f"sim-drill-{drill.seed}-{inject.number:03d}")
    sub(alert, "sender", "drill-control@sim.invalid")
    sub(alert, "sent", sent)
    sub(alert, "status", "Exercise")
    sub(alert, "msgType", "Alert")
    sub(alert, "scope", "Public")
    sub(alert, "note", f"演练 EXERCISE - {drill.spec.name}")
    for language, event, headline, description in (
        ("zh-CN", kind, inject.message_zh[:60], inject.message_zh),
        ("en-US", kind, inject.message_en[:80], inject.message_en),
    ):
        info = ET.SubElement(alert, f"{{{CAP_NAMESPACE}}}info")
        sub(info, "language", language)
        sub(info, "category", CAP_CATEGORY.get(kind, "Other"))
        sub(info, "event", event)
        sub(info, "urgency", "Expected" if kind in ("typhoon", "heavy_rain") else "Immediate")
        sub(info, "severity", "Severe")
        sub(info, "certainty", "Likely" if kind in ("typhoon", "heavy_rain") else "Observed")
        sub(info, "senderName", drill.spec.role_name("eoc"))
        sub(info, "headline", headline)
        sub(info, "description", description)
        sub(
            info,
            "instruction",
            "听从镇村干部指挥，前往就近安置点。演练信息。"
            if language == "zh-CN"
            else "Follow the instructions of township and village officials and go to the nearest shelter. "
            "Exercise message.",
        )
        if inject.area:
            area = ET.SubElement(info, f"{{{CAP_NAMESPACE}}}area")
            sub(area, "areaDesc", drill.scenario_name)
            sub(
                area,
                "circle",
                f"{inject.area['lat']:.4f},{inject.area['lon']:.4f} {inject.area['radius_km']:.1f}",
            )
    ET.indent(alert)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(alert, encoding="unicode") + "\n"


def _ical_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 section 3.1)."""
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return "\r\n ".join(out)


def ical(drill: Drill) -> str:
    """The drill's schedule (the drill itself and every inject) as an iCalendar file."""
    offset = _utc_offset(drill)

    def utc(wall: str, minutes: float = 0.0) -> str:
        local = dt.datetime.strptime(wall, "%Y-%m-%d %H:%M").replace(tzinfo=offset) + dt.timedelta(
            minutes=minutes
        )
        return local.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

    start_wall = drill.spec.start.strftime("%Y-%m-%d %H:%M")
    stamp = utc(start_wall)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//sim//drill schedule//EN",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:drill-{drill.seed}@sim",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{utc(start_wall)}",
        f"DTEND:{utc(start_wall, drill.spec.duration)}",
        f"SUMMARY:{_ical_text(drill.spec.name)}",
        "END:VEVENT",
    ]
    for i in drill.injects:
        summary = f"Inject {i.number} ({i.kind}) to {drill.spec.role_name(i.target)}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:drill-{drill.seed}-inject-{i.number}@sim",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc(i.wall_clock)}",
            f"DTEND:{utc(i.wall_clock, 5)}",
            f"SUMMARY:{_ical_text(summary)}",
            f"DESCRIPTION:{_ical_text(i.message_zh + chr(10) + i.message_en + chr(10) + i.notes)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _facts(drill: Drill) -> list[str]:
    """The drill's settings, one plain-text line each (escaped by the caller)."""
    s = drill.spec
    drawn = ", ".join(f"{k} = {v}" for k, v in drill.drawn.items()) or "none"
    return [
        f"Type: {s.type_label}",
        f"Mode: {s.mode}",
        f"Start: {s.start:%Y-%m-%d %H:%M}, duration {s.duration / 60:g} h",
        f"Scenario: {drill.scenario_name}; seed {drill.seed}; drawn: {drawn}",
        f"Objectives: {', '.join(CAPABILITIES[o] for o in s.objectives)}",
        "Participants: " + "; ".join(f"{p.name} ({p.role})" for p in s.participants),
    ]


def _header(drill: Drill) -> list[str]:
    return [f"# {md_text(drill.spec.name)}", ""] + [f"* {md_text(f)}" for f in _facts(drill)] + [""]


def script_markdown(drill: Drill) -> str:
    """The readable script: one table row per inject, every input text escaped."""
    lines = _header(drill) + [
        "| # | time | to | situation | expected actions | standard (median / P90 min) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for i in drill.injects:
        acts = "<br>".join(md_cell(f"{a.id} {a.text_en}") for a in i.actions) or (
            md_cell("contingency for " + i.contingency_for) if i.contingency_for else ""
        )
        std = "<br>".join(
            f"{a.median:.0f} / {a.p90:.0f}" for a in i.actions if a.median is not None and a.p90 is not None
        )
        lines.append(
            f"| {i.number} | {md_cell(i.wall_clock[11:])} | {md_cell(drill.spec.role_name(i.target))} "
            f"| {md_cell(i.message_en)} | {acts} | {std} |"
        )
    return "\n".join(lines) + "\n"


def script_chinese(drill: Drill) -> str:
    """The Chinese script form: 时间 / 情景 / 责任单位 / 指令."""
    s = drill.spec
    lines = [
        f"# {md_text(s.name)} 演练脚本",
        "",
        f"演练时间：{s.start:%Y年%m月%d日 %H:%M}，时长{s.duration / 60:g}小时",
        "",
        "| 时间 | 情景 | 责任单位 | 指令 |",
        "| --- | --- | --- | --- |",
    ]
    for i in drill.injects:
        orders = "；".join(a.text_zh for a in i.actions) or (
            "（备用）" + i.notes.split(" / ")[0] if i.notes else ""
        )
        lines.append(
            f"| {md_cell(i.wall_clock[11:])} | {md_cell(i.message_zh)} | {md_cell(s.role_name(i.target))} "
            f"| {md_cell(orders)} |"
        )
    return "\n".join(lines) + "\n"


def script_html(drill: Drill) -> str:
    """The script as one HTML page; every text is escaped."""
    rows = "".join(
        f"<tr><td>{i.number}</td><td>{html.escape(i.wall_clock[11:])}</td>"
        f"<td>{html.escape(drill.spec.role_name(i.target))}</td>"
        f"<td>{html.escape(i.message_zh)}<br>{html.escape(i.message_en)}</td>"
        f"<td>{'<br>'.join(html.escape(f'{a.id} {a.text_zh} / {a.text_en}') for a in i.actions)}</td>"
        f"<td>{html.escape(i.notes)}</td></tr>"
        for i in drill.injects
    )
    header = "".join(f"<li>{html.escape(fact)}</li>" for fact in _facts(drill))
    return (
        f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>{html.escape(drill.spec.name)}'
        "</title><style>table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px;"
        "vertical-align:top}</style></head><body>"
        f"<h1>{html.escape(drill.spec.name)}</h1><ul>{header}</ul><table><tr><th>#</th><th>time</th>"
        "<th>to</th><th>situation</th><th>expected actions</th><th>evaluator notes</th></tr>"
        f"{rows}</table></body></html>\n"
    )


def participant_briefing(drill: Drill) -> str:
    """What players get: the setting, the initial situation and task cards; in a scripted drill
    also the outline of situations. Never expected actions, standards, notes or contingencies."""
    s = drill.spec
    first = next((i for i in drill.injects if not i.controller_only), None)
    lines = [
        f"# {md_text(s.name)}",
        "",
        f"* 演练类型 Type: {s.type_label}",
        f"* 开始 Start: {s.start:%Y-%m-%d %H:%M}, 时长 duration {s.duration / 60:g} h",
        "",
    ]
    if first is not None:
        lines += [
            "## 初始情况 Initial situation",
            "",
            f"{first.wall_clock}: {md_text(first.message_zh)}",
            "",
            md_text(first.message_en),
            "",
        ]
    if s.mode == "scripted":
        lines += ["## 情景概要 Scenario outline", ""]
        lines += [
            f"* {i.wall_clock[11:]} {md_text(i.message_zh)} / {md_text(i.message_en)}"
            for i in drill.injects
            if not i.controller_only
        ]
        lines.append("")
    else:
        lines += [
            "本次为不预先通知情景的演练：后续情况将由导调组按实际下达。",
            "This is an unscripted drill: what happens next will be given to you as it happens.",
            "",
        ]
    lines += ["## 任务卡 Task cards", ""]
    for p in s.participants:
        zh, en = ROLE_DUTIES.get(p.role, ("按职责处置", "Act within your remit"))
        lines += [f"### {md_text(p.name)} ({md_text(p.role)})", "", f"* 职责 Duties: {zh} / {en}"]
        if p.units:
            lines.append(f"* 参演力量 Units: {md_text(', '.join(p.units))}")
        lines += ["* 演练目标 Objectives: " + ", ".join(CAPABILITIES[o] for o in s.objectives), ""]
    return "\n".join(lines)


def _clear_alerts(folder: Path) -> None:
    """Remove the CAP alerts of an earlier drill written to the same place."""
    for old in folder.glob("*.xml"):
        try:
            old.unlink()
        except OSError as exc:
            raise OutputError(f"cannot remove the old alert {old}: {exc.strerror or exc}") from None


def write_drill(drill: Drill, out: Path) -> list[Path]:
    """Write both packages and ``drill.json`` (what scoring reads). Every file is written whole
    or not at all; an output place that cannot be written raises ``OutputError``."""
    out = output_folder(out)
    controller = output_folder(out / "controller")
    participant = output_folder(out / "participant")
    _clear_alerts(output_folder(controller / "cap"))
    files = {
        out / "drill.json": json.dumps(drill.as_json(), ensure_ascii=False, indent=1) + "\n",
        controller / "msel.csv": _csv(msel_rows(drill), MSEL_COLUMNS),
        controller / "msel_excel.csv": _csv(msel_rows(drill), MSEL_COLUMNS, excel=True),
        controller / "msel.json": json.dumps(drill.as_json()["injects"], ensure_ascii=False, indent=1) + "\n",
        controller / "evaluation_guide.csv": _csv(guide_rows(drill), GUIDE_COLUMNS, excel=True),
        controller / "script.md": script_markdown(drill),
        controller / "script_zh.md": script_chinese(drill),
        controller / "script.html": script_html(drill),
        controller / "schedule.ics": ical(drill),
        participant / "briefing.md": participant_briefing(drill),
    }
    for inject in drill.injects:
        if inject.kind == "warning":
            files[controller / "cap" / f"inject-{inject.number:03d}.xml"] = cap_alert(
                drill, inject, inject.hazard
            )
    for path, content in files.items():
        write_text(path, content)
    return list(files)
