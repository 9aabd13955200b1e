"""``drill.json`` as scoring reads it: the part of a generated drill that rating needs, checked
on reading, so a damaged or foreign file is one clear error naming it (never a traceback)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ..errors import SimError, clip_problem_message, format_path
from ..scenario.files import InputFileError, read_input_text

__all__ = [
    "WALL_CLOCK",
    "DrillRecord",
    "RecordedAction",
    "RecordedInject",
    "RecordedSpec",
    "read_drill_record",
]

WALL_CLOCK = "%Y-%m-%d %H:%M"
_FROM = "not a drill.json written by `sim drill generate`"


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RecordedAction(_Record):
    """An expected action and its time standard (minutes after its inject)."""

    id: str
    text_en: str
    responsible: str
    capability: str
    measure: str
    median: float | None
    p90: float | None


class RecordedInject(_Record):
    number: int
    wall_clock: str
    actions: list[RecordedAction]

    @field_validator("wall_clock")
    @classmethod
    def _wall_clock(cls, value: str) -> str:
        try:
            dt.datetime.strptime(value, WALL_CLOCK)
        except ValueError:
            raise ValueError("not a wall-clock time YYYY-MM-DD HH:MM") from None
        return value

    @property
    def time(self) -> dt.datetime:
        return dt.datetime.strptime(self.wall_clock, WALL_CLOCK)


class RecordedSpec(_Record):
    name: str
    start: str
    standards: int

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("not an ISO date and time") from None
        return value

    @property
    def start_time(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.start)


class DrillRecord(_Record):
    """The drill's settings, its injects with their expected actions, and the simulated times
    behind each standard (per measure)."""

    spec: RecordedSpec
    injects: list[RecordedInject]
    samples: dict[str, list[float]]

    @model_validator(mode="after")
    def _unique_actions(self) -> DrillRecord:
        seen: set[str] = set()
        for inject in self.injects:
            for act in inject.actions:
                if act.id in seen:
                    raise ValueError(f"action id {act.id!r} appears twice")
                seen.add(act.id)
        return self

    def actions(self) -> list[tuple[RecordedInject, RecordedAction]]:
        return [(i, a) for i in self.injects for a in i.actions]


def _shape_error(source: Path, exc: ValidationError) -> SimError:
    first = exc.errors()[0]
    where = format_path(tuple(first["loc"]))
    message = clip_problem_message(str(first["msg"]).removeprefix("Value error, "))
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return SimError(f"{source}: {_FROM}: {where}: {message}{more}")


def read_drill_record(drill_dir: str | Path) -> DrillRecord:
    """Read ``drill_dir/drill.json``; raises :class:`SimError` naming the file when the folder
    or the file is missing or the file is not a drill's JSON."""
    folder = Path(drill_dir)
    source = folder / "drill.json"
    hint = "generate the drill with `sim drill generate` first"
    if not folder.exists():
        raise SimError(f"{folder}: no such folder, so no drill.json ({hint})")
    if not folder.is_dir():
        raise SimError(f"{folder}: not a folder (give the folder `sim drill generate` wrote)")
    if not source.exists():
        raise SimError(f"{folder}: no drill.json ({hint})")
    try:
        text = read_input_text(source, "drill.json")
        data = json.loads(text)
    except InputFileError as exc:
        raise SimError(f"{source}: {_FROM}: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise SimError(
            f"{source}: {_FROM}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise SimError(f"{source}: {_FROM}: nested too deeply") from None
    try:
        return DrillRecord.model_validate(data)
    except ValidationError as exc:
        raise _shape_error(source, exc) from None
