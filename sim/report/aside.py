"""Work done aside: the plots of a run drawn in a forked child process while the parent writes
the tables, the summary and the GIS layers.

Importing matplotlib and rendering three figures is about half of what ``sim run`` spends
after simulating; on a machine with two cores or more the two halves overlap. The child is a
fork (it shares the finished results without copying or pickling them), so this is used only
where the platform can fork and more than one core is there; elsewhere the work is done in
turn, in this process. A failure in the child reaches the parent as an error with its message.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from ..errors import SimError

__all__ = ["Aside", "can_fork"]


def can_fork() -> bool:
    """Whether work can go aside here: the platform forks and has more than one core."""
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def _work(jobs: list[Callable[[], Path]], conn: Connection) -> None:
    try:
        conn.send([job() for job in jobs])
    except BaseException as exc:  # noqa: BLE001  # every failure goes back to the parent
        conn.send(f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


class Aside:
    """Run ``jobs`` (each returning the path it wrote) in a forked child, or in turn here when
    ``parallel`` is False or the platform cannot fork; :meth:`paths` waits for them."""

    def __init__(self, jobs: list[Callable[[], Path]], parallel: bool = True) -> None:
        self._done: list[Path] | None = None
        if not jobs or not parallel or not can_fork():
            self._done = [job() for job in jobs]
            return
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe(duplex=False)
        self._process = context.Process(target=_work, args=(jobs, child), daemon=True)
        self._process.start()
        child.close()

    def paths(self) -> list[Path]:
        """The paths the jobs wrote, in order, once all are done."""
        if self._done is not None:
            return self._done
        try:
            message = self._conn.recv()
        except EOFError:  # it died without a word
            message = None
        self._process.join()
        self._conn.close()
        if message is None:
            message = f"the process drawing them ended with exit code {self._process.exitcode}"
        if isinstance(message, str):
            raise SimError(f"could not draw the plots: {message}")
        self._done = message
        return message
