"""Score a real drill against its generated standards and write the after-action report.

The observed log is a CSV with one row per expected action: ``action`` (the action id of the
evaluation guide, e.g. ``12.2``) and either ``time`` (wall-clock, ``YYYY-MM-DD HH:MM`` or
``HH:MM`` on the drill's day) or ``minutes`` (after the inject), left empty when the action
was not performed; an optional ``note``. Actions missing from the log count as not performed.
A log that cannot be read, an unknown action, an action given twice, or a time that is not a
finite number of minutes at or after its inject is an error naming the file, line and column.

Ratings (HSEEP): **P** performed without challenges (within the simulated median), **S**
performed with some challenges (within the 90th percentile), **M** performed with major
challenges (later than that), **U** unable to be performed (not observed). Each observed time
is also placed in the simulated distribution (the share of simulated cases that were faster).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import SimError, shown
from ..report.writing import output_folder, write_text
from ..scenario.files import read_input_text
from .escaping import csv_text, md_cell, md_text
from .record import DrillRecord, RecordedAction, RecordedInject, read_drill_record

__all__ = ["RATINGS", "Observation", "Rating", "rate", "read_observed", "score_drill", "write_after_action"]

RATINGS = {
    "P": "performed without challenges",
    "S": "performed with some challenges",
    "M": "performed with major challenges",
    "U": "unable to be performed",
}


@dataclass
class Rating:
    action: str
    inject: int
    text: str
    responsible: str
    capability: str
    median: float | None
    p90: float | None
    observed: float | None
    rating: str
    percentile: float | None
    note: str = ""


def rate(observed: float | None, median: float | None, p90: float | None) -> str:
    """P, S, M or U for an action done ``observed`` minutes after its inject (None: not done);
    ``-`` when there is no standard to rate against."""
    if observed is None:
        return "U"
    if median is None or p90 is None:
        return "-"
    if observed <= median:
        return "P"
    if observed <= p90:
        return "S"
    return "M"


_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%H:%M", "%H:%M:%S")
RATINGS_COLUMNS = [
    "action",
    "inject",
    "expected",
    "responsible",
    "capability",
    "median",
    "p90",
    "observed_minutes",
    "rating",
    "share_of_simulated_faster",
    "note",
]


@dataclass(frozen=True)
class Observation:
    """One row of the observed log: minutes after the inject (None: not performed), the note
    and the line it is on."""

    minutes: float | None
    note: str
    line: int


def _given_minutes(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SimError(f"{where}: minutes: not a number: {shown(text)}") from None
    if not math.isfinite(value):
        raise SimError(f"{where}: minutes: {shown(text)} is not a finite number of minutes")
    if value < 0:
        raise SimError(f"{where}: minutes: {shown(text)} is negative (minutes count from the inject)")
    return value


def _clock_minutes(stamp: str, inject_time: dt.datetime, where: str) -> float:
    for fmt in _TIME_FORMATS:
        try:
            when = dt.datetime.strptime(stamp, fmt)
        except ValueError:
            continue
        if fmt.startswith("%H"):
            when = dt.datetime.combine(inject_time.date(), when.time())
        minutes = (when - inject_time).total_seconds() / 60
        if minutes < 0:
            raise SimError(
                f"{where}: time: {shown(stamp)} is before its inject ({inject_time:%Y-%m-%d %H:%M}); "
                "give YYYY-MM-DD HH:MM for another day"
            )
        return minutes
    raise SimError(f"{where}: time: {shown(stamp)} is not YYYY-MM-DD HH:MM or HH:MM")


def _minutes(row: dict[str, str], inject_time: dt.datetime, where: str) -> float | None:
    """Minutes from the inject to the observed action (``minutes`` first, else ``time``)."""
    minutes = (row.get("minutes") or "").strip()
    if minutes:
        return _given_minutes(minutes, where)
    stamp = (row.get("time") or "").strip()
    return _clock_minutes(stamp, inject_time, where) if stamp else None


def _csv_rows(path: Path, text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of the observed log, after checking its header."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fields = reader.fieldnames
        if not fields:
            raise SimError(f"{path}: is empty: it needs a header row (action, time or minutes, note)")
        if "action" not in fields:
            raise SimError(
                f"{path}: needs an 'action' column (and 'time' or 'minutes'); "
                f"it has {shown(', '.join(fields))}"
            )
        if "time" not in fields and "minutes" not in fields:
            raise SimError(
                f"{path}: needs a 'time' or a 'minutes' column (it has only {shown(', '.join(fields))})"
            )
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise SimError(f"{path}:{reader.reader.line_num}: not a readable CSV file ({exc})") from None


def read_observed(
    observed: str | Path, actions: dict[str, tuple[RecordedInject, RecordedAction]]
) -> dict[str, Observation]:
    """The observed log, per action id; every problem is a :class:`SimError` naming the file,
    the line and the column."""
    path = Path(observed)
    text = read_input_text(path, "observed log (CSV)", encoding="utf-8-sig")
    seen: dict[str, Observation] = {}
    for line, row in _csv_rows(path, text):
        where = f"{path}:{line}"
        key = (row.get("action") or "").strip()
        if not key:
            raise SimError(f"{where}: action: empty (give the action's id in the evaluation guide)")
        if key not in actions:
            raise SimError(f"{where}: action {shown(key)} is not in this drill's evaluation guide")
        if key in seen:
            raise SimError(
                f"{where}: action {shown(key)} is given twice (lines {seen[key].line} and {line})"
            )
        inject = actions[key][0]
        seen[key] = Observation(_minutes(row, inject.time, where), (row.get("note") or "").strip(), line)
    return seen


def _rating(
    inject: RecordedInject, act: RecordedAction, seen: Observation | None, samples: list[float]
) -> Rating:
    observed = None if seen is None else seen.minutes
    values = np.asarray(samples, dtype=float)
    percentile = float((values <= observed).mean()) if observed is not None and len(values) else None
    return Rating(
        act.id,
        inject.number,
        act.text_en,
        act.responsible,
        act.capability,
        act.median,
        act.p90,
        observed,
        rate(observed, act.median, act.p90),
        percentile,
        "" if seen is None else seen.note,
    )


def score_drill(drill_dir: Path, observed: Path) -> tuple[DrillRecord, list[Rating]]:
    """Rate every expected action of the drill in ``drill_dir`` against the observed log."""
    drill = read_drill_record(drill_dir)
    actions = {a.id: (i, a) for i, a in drill.actions()}
    seen = read_observed(observed, actions)
    ratings = [
        _rating(inject, act, seen.get(key), drill.samples.get(act.measure, []))
        for key, (inject, act) in actions.items()
    ]
    return drill, ratings


def _fmt(x: float | None) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:.0f}"


def _report_lines(drill: DrillRecord, ratings: list[Rating]) -> list[str]:
    """The after-action report in Markdown; every text from drill.json is escaped."""
    spec = drill.spec
    counts = {r: sum(1 for x in ratings if x.rating == r) for r in RATINGS}
    lines = [
        f"# 演练评估报告 After-action report: {md_text(spec.name)}",
        "",
        f"Drill of {md_text(spec.start)}; {len(ratings)} expected actions rated against the simulated time "
        f"standards ({spec.standards} simulated drills).",
        "",
        "| rating | meaning | actions |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {r} | {meaning} | {counts[r]} |" for r, meaning in RATINGS.items()]
    lines += ["", "## By capability", "", "| capability | P | S | M | U |", "| --- | --- | --- | --- | --- |"]
    for capability in dict.fromkeys(r.capability for r in ratings):
        mine = [r for r in ratings if r.capability == capability]
        lines.append(
            f"| {md_cell(capability)} | "
            + " | ".join(str(sum(1 for r in mine if r.rating == k)) for k in RATINGS)
            + " |"
        )
    lines += [
        "",
        "## Expected actions",
        "",
        "| action | inject | expected | responsible | median | P90 | observed | rating "
        "| faster simulated cases |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in ratings:
        share = "-" if r.percentile is None else f"{r.percentile:.0%}"
        lines.append(
            f"| {md_cell(r.action)} | {r.inject} | {md_cell(r.text)} | {md_cell(r.responsible)} | "
            f"{_fmt(r.median)} | {_fmt(r.p90)} | {_fmt(r.observed)} | {r.rating} | {share} |"
        )
    return lines + _plan_lines(drill, ratings)


def _plan_lines(drill: DrillRecord, ratings: list[Rating]) -> list[str]:
    """The improvement-plan table: one row per M or U rating."""
    due = (drill.spec.start_time + dt.timedelta(days=90)).date().isoformat()
    lines = [
        "",
        "## 整改计划 Improvement plan",
        "",
        "| capability | issue | corrective action | responsible | due |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in ratings:
        if r.rating not in ("M", "U"):
            continue
        issue = (
            f"{r.action} ({r.text}) not performed"
            if r.rating == "U"
            else f"{r.action} ({r.text}) took {_fmt(r.observed)} min against a P90 of {_fmt(r.p90)} min"
        )
        lines.append(
            f"| {md_cell(r.capability)} | {md_cell(issue)} | to be agreed in the debrief | "
            f"{md_cell(r.responsible)} | {due} |"
        )
    return lines


def _ratings_csv(ratings: list[Rating]) -> str:
    rows = [
        [
            r.action,
            r.inject,
            r.text,
            r.responsible,
            r.capability,
            _fmt(r.median),
            _fmt(r.p90),
            "" if r.observed is None else f"{r.observed:.1f}",
            r.rating,
            "" if r.percentile is None else f"{r.percentile:.3f}",
            r.note,
        ]
        for r in ratings
    ]
    return csv_text(RATINGS_COLUMNS, rows, line_end="\r\n")


def write_after_action(drill: DrillRecord, ratings: list[Rating], out: Path) -> list[Path]:
    """The after-action report (Markdown) with the ratings and an improvement-plan table, and
    the ratings as CSV (formula-like cells neutralised). Each file is written whole or not at
    all; an output place that cannot be written raises ``OutputError``."""
    folder = output_folder(out)
    report = write_text(folder / "after_action.md", "\n".join(_report_lines(drill, ratings)) + "\n")
    table = write_text(folder / "ratings.csv", _ratings_csv(ratings))
    return [report, table]
