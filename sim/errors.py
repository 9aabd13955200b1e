"""User-facing errors: each names the file, the field path and the problem."""

from __future__ import annotations

import re
import reprlib
from dataclasses import dataclass

__all__ = ["FieldProblem", "Problem", "SHOWN_CHARS", "ScenarioError", "SimError", "brief_problem",
           "clip_problem_message", "format_path", "one_line",
           "shown"]

SHOWN_CHARS = 100
"""At most this many characters of a bad value are quoted in a message."""

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple = 3, 6, 8, 8
_REPR.maxstring = _REPR.maxother = SHOWN_CHARS


class SimError(Exception):
    """An error caused by the user's input; the CLI prints it without a traceback."""


class FieldProblem(ValueError):
    """Raised inside validators; ``subpath`` extends the field path pydantic knows."""

    def __init__(self, message: str, subpath: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.subpath = subpath


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` cut to about ``limit`` characters (``...`` marks the cut), for messages.

    The work is bounded too: a huge list or string is not written out in full first."""
    if isinstance(value, int) and value.bit_length() > 1000:  # str() refuses 4,300+ digits
        return f"<an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits>"
    text = _REPR.repr(value) if isinstance(value, (str, list, tuple, dict, set, frozenset)) else repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def format_path(path: tuple[str | int, ...]) -> str:
    """``('units', 2, 'base')`` -> ``units[2].base``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is and what is wrong."""

    file: str
    path: tuple[str | int, ...]
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {format_path(self.path)}: {self.message}"


class ScenarioError(SimError):
    """A scenario (or an experiment or drill file: ``what``) that cannot run, with every
    problem found."""

    def __init__(self, problems: list[Problem], what: str = "scenario") -> None:
        self.problems = list(problems)
        self.what = what
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the {what}"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


def clip_problem_message(message: str, limit: int = SHOWN_CHARS) -> str:
    """A validation message whose quoted value (``... (got VALUE)``) is cut to ``limit``
    characters, so a huge or hostile value is never repeated whole."""
    head, sep, tail = message.partition(" (got ")
    if not sep or len(tail) <= limit + 1:
        return message
    return f"{head}{sep}{tail[: limit - 3]}...)"


def brief_problem(problem: Problem) -> Problem:
    """``problem`` with its quoted value (see :func:`clip_problem_message`) and any field name
    longer than :data:`SHOWN_CHARS` characters cut short."""
    path = tuple(
        part if isinstance(part, int) or len(part) <= SHOWN_CHARS else part[: SHOWN_CHARS - 3] + "..."
        for part in problem.path
    )
    return Problem(problem.file, path, clip_problem_message(problem.message), problem.line)


def one_line(message: str, limit: int = 2 * SHOWN_CHARS) -> str:
    """``message`` on one line (line breaks and the indentation after them as one space), cut
    to ``limit`` characters with ``...``."""
    text = re.sub(r"\s*[\r\n]\s*", " ", message).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."
