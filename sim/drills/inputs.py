"""Reading the drill commands' input files safely.

An input must be a regular file (never a folder, a device such as ``/dev/zero`` or a FIFO) of
at most :data:`MAX_INPUT_BYTES`, checked before anything is read, and UTF-8 text. A file that
is not a valid input is refused with the reason only: messages never echo its content, and a
bad value is quoted with at most :data:`QUOTE_LIMIT` characters (:func:`shorten`).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ..errors import Problem, SimError

__all__ = [
    "MAX_INPUT_BYTES",
    "QUOTE_LIMIT",
    "InputFileError",
    "brief_problem",
    "clip_problem_message",
    "input_file_problem",
    "one_line",
    "read_input_text",
    "shorten",
]

MAX_INPUT_BYTES = 20 * 1024 * 1024
QUOTE_LIMIT = 100


class InputFileError(SimError):
    """An input file that cannot be used; ``reason`` says why (without the file's content)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def shorten(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, cut to ``limit`` characters with ``...`` when longer."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clip_problem_message(message: str, limit: int = QUOTE_LIMIT) -> str:
    """A validation message whose quoted value (``... (got VALUE)``) is cut to ``limit``
    characters, so a huge or hostile value is never repeated whole."""
    head, sep, tail = message.partition(" (got ")
    if not sep or len(tail) <= limit + 1:
        return message
    return f"{head}{sep}{tail[: limit - 3]}...)"


def brief_problem(problem: Problem) -> Problem:
    """``problem`` with its quoted value (see :func:`clip_problem_message`) and any field name
    longer than :data:`QUOTE_LIMIT` characters cut short."""
    path = tuple(
        part if isinstance(part, int) or len(part) <= QUOTE_LIMIT else part[: QUOTE_LIMIT - 3] + "..."
        for part in problem.path
    )
    return Problem(problem.file, path, clip_problem_message(problem.message), problem.line)


def one_line(message: str, limit: int = 2 * QUOTE_LIMIT) -> str:
    """``message`` on one line (line breaks and the indentation after them as one space), cut
    to ``limit`` characters with ``...``."""
    text = re.sub(r"\s*[\r\n]\s*", " ", message).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def input_file_problem(path: str | Path, what: str = "file", limit: int = MAX_INPUT_BYTES) -> str | None:
    """Why ``path`` cannot be read as an input (missing, a folder, not a regular file, too
    large), or None when it can. Only the file's metadata is looked at."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"no such {what}"
    except NotADirectoryError:
        return f"no such {what} (a part of the path is a file, not a folder)"
    except OSError as exc:
        return f"cannot read the {what}: {exc.strerror or type(exc).__name__}"
    if stat.S_ISDIR(info.st_mode):
        return f"is a folder, not a {what}"
    if not stat.S_ISREG(info.st_mode):
        return f"is not a regular file (a device, FIFO or socket), so it cannot be a {what}"
    if info.st_size > limit:
        return f"is too large for a {what} ({info.st_size / 2**20:.1f} MB; at most {limit / 2**20:g} MB)"
    return None


def read_input_text(
    path: str | Path, what: str = "file", encoding: str = "utf-8", limit: int = MAX_INPUT_BYTES
) -> str:
    """The text of the input file ``path``, or :class:`InputFileError` saying why it cannot be
    used: see :func:`input_file_problem`, and a file that is not UTF-8 text or holds NUL
    bytes (a binary file)."""
    problem = input_file_problem(path, what, limit)
    if problem is not None:
        raise InputFileError(path, problem)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputFileError(path, f"cannot read the {what}: {exc.strerror or type(exc).__name__}") from None
    if len(data) > limit:
        raise InputFileError(path, f"is too large for a {what} (at most {limit / 2**20:g} MB)")
    if b"\x00" in data:
        raise InputFileError(path, f"is a binary file, not a {what} (it holds NUL bytes)")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"is not UTF-8 text (a byte at offset {exc.start} is not UTF-8)") from None
