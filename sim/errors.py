"""User-facing errors: each names the file, the field path and the problem."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FieldProblem", "Problem", "ScenarioError", "SimError", "format_path"]


class SimError(Exception):
    """An error caused by the user's input; the CLI prints it without a traceback."""


class FieldProblem(ValueError):
    """Raised inside validators; ``subpath`` extends the field path pydantic knows."""

    def __init__(self, message: str, subpath: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.subpath = subpath


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
    """A scenario that cannot run, with every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the scenario"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))
