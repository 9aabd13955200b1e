"""Score a real drill against its generated standards and write the after-action report.

The observed log is a CSV with one row per expected action: ``action`` (the action id of the
evaluation guide, e.g. ``12.2``) and either ``time`` (wall-clock, ``YYYY-MM-DD HH:MM`` or
``HH:MM`` on the drill's day) or ``minutes`` (after the inject), left empty when the action
was not performed; an optional ``note``. Actions missing from the log count as not performed.

Ratings (HSEEP): **P** performed without challenges (within the simulated median), **S**
performed with some challenges (within the 90th percentile), **M** performed with major
challenges (later than that), **U** unable to be performed (not observed). Each observed time
is also placed in the simulated distribution (the share of simulated cases that were faster).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import SimError

__all__ = ["Rating", "rate", "score_drill", "write_after_action"]

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


def _minutes(row: dict[str, str], inject_time: dt.datetime, path: Path, line: int) -> float | None:
    minutes = (row.get("minutes") or "").strip()
    stamp = (row.get("time") or "").strip()
    if minutes:
        try:
            return float(minutes)
        except ValueError:
            raise SimError(f"{path}:{line}: minutes: not a number: {minutes!r}") from None
    if not stamp:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%H:%M", "%H:%M:%S"):
        try:
            when = dt.datetime.strptime(stamp, fmt)
        except ValueError:
            continue
        if fmt.startswith("%H"):
            when = dt.datetime.combine(inject_time.date(), when.time())
        return (when - inject_time).total_seconds() / 60
    raise SimError(f"{path}:{line}: time: {stamp!r} is not YYYY-MM-DD HH:MM or HH:MM")


def score_drill(drill_dir: Path, observed: Path) -> tuple[dict, list[Rating]]:
    """Rate every expected action of the drill in ``drill_dir`` against the observed log."""
    source = Path(drill_dir) / "drill.json"
    try:
        drill = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SimError(
            f"{drill_dir}: no drill.json (generate the drill with `sim drill generate` first)"
        ) from None
    try:
        with open(observed, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            fields = rows[0].keys() if rows else []
    except FileNotFoundError:
        raise SimError(f"{observed}: no such file") from None
    if rows and "action" not in fields:
        raise SimError(
            f"{observed}: needs an 'action' column (and 'time' or 'minutes'); it has {', '.join(fields)}"
        )
    actions = {a["id"]: (i, a) for i in drill["injects"] for a in i["actions"]}
    seen: dict[str, tuple[float | None, str]] = {}
    for line, row in enumerate(rows, start=2):
        key = (row.get("action") or "").strip()
        if key not in actions:
            raise SimError(f"{observed}:{line}: action {key!r} is not in this drill's evaluation guide")
        inject = actions[key][0]
        inject_time = dt.datetime.strptime(inject["wall_clock"], "%Y-%m-%d %H:%M")
        seen[key] = (_minutes(row, inject_time, Path(observed), line), (row.get("note") or "").strip())
    ratings = []
    for key, (inject, act) in actions.items():
        observed_minutes, note = seen.get(key, (None, ""))
        samples = np.asarray(drill["samples"].get(act["measure"], []), dtype=float)
        percentile = (
            float((samples <= observed_minutes).mean())
            if observed_minutes is not None and len(samples)
            else None
        )
        ratings.append(
            Rating(
                key,
                inject["number"],
                act["text_en"],
                act["responsible"],
                act["capability"],
                act["median"],
                act["p90"],
                observed_minutes,
                rate(observed_minutes, act["median"], act["p90"]),
                percentile,
                note,
            )
        )
    return drill, ratings


def _fmt(x: float | None) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:.0f}"


def write_after_action(drill: dict, ratings: list[Rating], out: Path) -> list[Path]:
    """The after-action report (Markdown) with the ratings and an improvement-plan table, and
    the ratings as CSV."""
    out.mkdir(parents=True, exist_ok=True)
    spec = drill["spec"]
    counts = {r: sum(1 for x in ratings if x.rating == r) for r in RATINGS}
    lines = [
        f"# 演练评估报告 After-action report: {spec['name']}",
        "",
        f"Drill of {spec['start']}; {len(ratings)} expected actions rated against the simulated time "
        f"standards ({spec['standards']} simulated drills).",
        "",
        "| rating | meaning | actions |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {r} | {meaning} | {counts[r]} |" for r, meaning in RATINGS.items()]
    lines += ["", "## By capability", "", "| capability | P | S | M | U |", "| --- | --- | --- | --- | --- |"]
    for capability in dict.fromkeys(r.capability for r in ratings):
        mine = [r for r in ratings if r.capability == capability]
        lines.append(
            f"| {capability} | "
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
            f"| {r.action} | {r.inject} | {r.text} | {r.responsible} | {_fmt(r.median)} | {_fmt(r.p90)} | "
            f"{_fmt(r.observed)} | {r.rating} | {share} |"
        )
    due = (dt.datetime.fromisoformat(spec["start"]) + dt.timedelta(days=90)).date().isoformat()
    lines += [
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
            else f"{r.action} ({r.text}) took {r.observed:.0f} min against a P90 of {r.p90:.0f} min"
        )
        lines.append(f"| {r.capability} | {issue} | to be agreed in the debrief | {r.responsible} | {due} |")
    report = out / "after_action.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = out / "ratings.csv"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
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
        )
        for r in ratings:
            writer.writerow(
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
            )
    return [report, table]
