"""The one error a road-network file that cannot be imported raises."""

from __future__ import annotations

from ..errors import SimError

__all__ = ["NetworkError"]


class NetworkError(SimError):
    """A road-network file that cannot be imported: the message names the file, what is wrong
    and where (a line, a node) when that is known, and never quotes what the file holds.
    ``problems`` holds each (line, reason) found (one, or several for a CSV file)."""

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        self.file = file
        self.problems: list[tuple[int | None, str]] = [(line, reason)]
        super().__init__(f"{_where(file, line)}: {reason}")

    @classmethod
    def listing(cls, file: str, problems: list[tuple[int | None, str]], more: int = 0) -> NetworkError:
        """One error for several problems of ``file`` ((line, reason) each; ``more`` not listed)."""
        if len(problems) == 1 and not more:
            return cls(file, problems[0][1], problems[0][0])
        total = len(problems) + more
        text = (f"{total} problems in {file}:\n" + "\n".join(f"  {_where(file, line)}: {reason}"
                                                           for line, reason in problems)
                + (f"\n  ... and {more} more" if more else ""))
        error = cls.__new__(cls)
        SimError.__init__(error, text)
        error.file, error.problems = file, list(problems)
        return error


def _where(file: str, line: int | None) -> str:
    return file if line is None else f"{file}:{line}"
