"""Writing output files safely: a file appears whole or not at all, and a problem with the
output place (read-only, full disk, a path under a file) is one clear error.

Every output goes to a temporary name in the same folder and is renamed into place when it is
complete (``os.replace`` is atomic on one file system), so an interrupted or failed write never
leaves a truncated file behind, and a file that was there before stays as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import SimError

__all__ = ["OutputError", "output_folder", "replacing", "write_bytes", "write_csv", "write_text"]


class OutputError(SimError):
    """An output file or folder that cannot be written."""


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return "a part of the path is a file, not a folder"
    if exc.errno == errno.EISDIR:
        return "a folder of that name is in the way"
    return exc.strerror or str(exc)


def output_folder(path: str | Path) -> Path:
    """Create the output folder ``path`` (and its parents) and return it, or raise
    :class:`OutputError` saying why it cannot be."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {folder}: {_reason(exc)}") from None
    if not folder.is_dir():
        raise OutputError(f"cannot use {folder} as the output folder: it is a file")
    return folder


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix, so writers that go by the suffix
    choose the right format); when the block ends normally the file is renamed to ``path``,
    otherwise it is removed. Any ``OSError`` becomes an :class:`OutputError` naming ``path``."""
    target = Path(path)
    temp = target.with_name(f".{target.stem}.{os.getpid()}.partial{target.suffix}")
    try:
        yield temp
        os.replace(temp, target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {_reason(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole (see :func:`replacing`)."""
    with replacing(path) as temp, open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` whole, as UTF-8 with its line ends as they are."""
    return write_bytes(path, text.encode("utf-8"))


def write_csv(path: str | Path, frame: Any, **options: Any) -> Path:
    """Write a DataFrame as CSV to ``path`` whole (``options`` go to ``DataFrame.to_csv``)."""
    with replacing(path) as temp:
        frame.to_csv(temp, index=False, **options)
    return Path(path)
