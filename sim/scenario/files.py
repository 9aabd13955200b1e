"""Files named by input files: where a reference points, and whether the file may be read.

* A reference is resolved relative to the folder of the file that names it (a scenario's
  ``travel_matrix``, an experiment's or a drill's ``scenario``); an absolute path stays as it is.
* Only a bare name (no folder, no suffix: ``pinghu``) means a built-in scenario.
* Only regular files are read: a folder, a device (``/dev/zero``), a FIFO or a socket is
  refused before anything is opened, and so is a file over the size limit of its kind.
* Problems are told without quoting the file's content.

Every input file is read through :func:`read_input_text`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import SimError
from .limits import MAX_DATA_BYTES, MAX_FILE_BYTES

__all__ = ["MAX_DATA_BYTES", "MAX_FILE_BYTES", "InputFileError", "input_file_problem", "is_bare_name",
           "read_input_text", "resolve_reference"]


class InputFileError(SimError):
    """An input file that cannot be used; ``reason`` says why (never what the file holds)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def is_bare_name(reference: str | Path) -> bool:
    """Whether ``reference`` is a bare name (``pinghu``), which means a built-in scenario."""
    text = str(reference)
    return bool(text) and "/" not in text and "\\" not in text and not Path(text).suffix \
        and text not in (".", "..")


def resolve_reference(reference: str | Path, naming_file: Path | None) -> Path:
    """``reference`` as a path: relative to the folder of ``naming_file`` (the current folder
    when the reference comes from no file)."""
    path = Path(reference).expanduser()
    if path.is_absolute() or naming_file is None:
        return path
    return naming_file.parent / path


def _megabytes(size: float) -> str:
    return f"{size / 2**20:,.1f} MB"


def _a(what: str) -> str:
    """``what`` with its indefinite article."""
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def input_file_problem(path: str | Path, what: str = "file", limit: int = MAX_FILE_BYTES) -> str | None:
    """Why ``path`` cannot be read as a ``what`` (missing, a folder, not a regular file, over
    ``limit`` bytes, unreadable), or None when it can. Only the file's metadata is looked at."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"no such {what}"
    except NotADirectoryError:
        return f"no such {what} (a part of the path is a file, not a folder)"
    except OSError as exc:
        return f"cannot read the {what}: {exc.strerror or type(exc).__name__}"
    if stat.S_ISDIR(info.st_mode):
        return f"is a folder, not {_a(what)}"
    if not stat.S_ISREG(info.st_mode):
        return f"is not a regular file (a device, FIFO or socket), so it cannot be {_a(what)}"
    if info.st_size > limit:
        return f"is too large for {_a(what)} ({_megabytes(info.st_size)}; at most {_megabytes(limit)})"
    if not os.access(path, os.R_OK):
        return f"cannot read the {what}: permission denied"
    return None


def read_input_text(path: str | Path, what: str = "file", encoding: str = "utf-8",
                    limit: int = MAX_FILE_BYTES) -> str:
    """The text of the input file ``path``, or :class:`InputFileError` saying why it cannot be
    used: see :func:`input_file_problem`, and a file that is not UTF-8 text or holds NUL bytes
    (a binary file). A byte-order mark is dropped."""
    problem = input_file_problem(path, what, limit)
    if problem is not None:
        raise InputFileError(path, problem)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputFileError(path, f"cannot read the {what}: {exc.strerror or type(exc).__name__}") from None
    if len(data) > limit:
        raise InputFileError(path, f"is too large for {_a(what)} (at most {_megabytes(limit)})")
    if b"\x00" in data:
        raise InputFileError(path, f"is a binary file, not {_a(what)} (it holds NUL bytes)")
    try:
        return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"is not UTF-8 text (a byte at offset {exc.start} is not UTF-8)") from None
