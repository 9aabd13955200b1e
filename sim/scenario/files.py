"""Files named by input files: where a reference points, and whether the file may be read.

* A reference is resolved relative to the folder of the file that names it (a scenario's
  ``travel_matrix``, an experiment's or a drill's ``scenario``); an absolute path stays as it is.
* Only a bare name (no folder, no suffix: ``pinghu``) means a built-in scenario.
* Only regular files are read: a folder, a device (``/dev/zero``), a FIFO or a socket is
  refused before anything is opened, and so is a file over the size limit of its kind.
* Problems are told without quoting the file's content.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["MAX_DATA_BYTES", "MAX_YAML_BYTES", "InputFileError", "is_bare_name", "read_input_text",
           "resolve_reference", "unreadable"]

MAX_YAML_BYTES = 20 * 1024 * 1024    # a scenario, experiment or drill file
MAX_DATA_BYTES = 512 * 1024 * 1024   # a data file (travel matrix, road network, places)


class InputFileError(ValueError):
    """A named file that cannot be used; the message says why, never what it holds."""


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


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def unreadable(path: Path, limit: int) -> str | None:
    """Why ``path`` cannot be read as an input file (None when it can): missing, a folder,
    not a regular file, or larger than ``limit`` bytes."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "no such file"
    except NotADirectoryError:
        return "no such file (a part of the path is a file, not a folder)"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a device, pipe or socket), so it is not read"
    if info.st_size > limit:
        return f"is {_size_text(info.st_size)}, more than the {_size_text(limit)} such a file may have"
    if not os.access(path, os.R_OK):
        return "cannot be read (permission denied)"
    return None


def read_input_text(path: Path, limit: int = MAX_YAML_BYTES) -> str:
    """The UTF-8 text of the regular file ``path``; raises :class:`InputFileError` (missing, a
    folder or special file, too large, unreadable, not UTF-8 text)."""
    problem = unreadable(path, limit)
    if problem is not None:
        raise InputFileError(problem)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot be read ({exc.strerror or exc})") from None
    if b"\0" in data:
        raise InputFileError("is not a text file (it holds NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"is not UTF-8 text (byte {exc.start} cannot be decoded)") from None
