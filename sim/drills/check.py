"""``sim drill check``: validate a drill file completely without simulating it.

The drill spec, its hazard templates, its scenario and the ``set:`` overrides are checked as
``sim drill generate`` would use them (the drill's own mode and seed), and also with every
choice and both ends of every range, the values an unscripted draw can give, so a drill file
that passes does not fail later for another seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError, one_line
from ..scenario.loader import Scenario
from ..scenario.quantities import format_duration
from .base_scenario import drill_scenario
from .spec import DrillError, DrillSpec, load_drill_spec, resolve_templates, template_resolutions

__all__ = ["DrillCheck", "check_drill"]


@dataclass(frozen=True)
class DrillCheck:
    """A drill file that passed: its spec, scenario and how many resolutions were checked."""

    path: Path
    spec: DrillSpec
    scenario: Scenario
    resolutions: int

    def summary(self) -> str:
        """One line: the drill file is OK, and what it holds."""
        s = self.spec
        count = len(s.hazards)
        return (
            f"{self.path}: OK - {s.name}: {s.mode} {s.type} drill on {self.scenario.spec.name}, "
            f"{count} hazard{'s' if count != 1 else ''}, {len(s.objectives)} objectives, "
            f"{len(s.participants)} participants, {format_duration(s.duration)} "
            f"from {s.start:%Y-%m-%d %H:%M}; "
            f"{self.resolutions} resolution{'s' if self.resolutions != 1 else ''} of its templates checked"
        )


def _with_draws(problem: Problem, drawn: dict[str, Any]) -> Problem:
    shown = one_line(", ".join(f"{k} = {v}" for k, v in drawn.items()))
    return Problem(problem.file, problem.path, f"{problem.message} (when {shown})", problem.line)


_Key = tuple[str, tuple[str | int, ...], str]


def _try(
    spec: DrillSpec,
    base: Path,
    path: Path,
    hazards: list[dict[str, Any]],
    problems: dict[_Key, Problem],
    drawn: dict[str, Any] | None = None,
) -> Scenario | None:
    """The drill's scenario with ``hazards``, or None with its problems added to ``problems``
    (each once; ``drawn``, when given, is named in the message)."""
    try:
        return drill_scenario(spec, base, hazards, path)
    except ScenarioError as exc:
        for p in exc.problems:
            problems.setdefault((p.file, p.path, p.message), p if drawn is None else _with_draws(p, drawn))
        return None


def check_drill(path: str | Path) -> DrillCheck:
    """Check the drill file ``path``; raises :class:`ScenarioError` with every problem found."""
    path = Path(path)
    spec, base = load_drill_spec(path)
    hazards, _ = resolve_templates(spec, source=path)
    problems: dict[_Key, Problem] = {}
    scenario = _try(spec, base, path, hazards, problems)
    checked = [hazards]
    for other, drawn in template_resolutions(spec, path):
        if other not in checked:
            checked.append(other)
            _try(spec, base, path, other, problems, drawn)
    if problems or scenario is None:
        raise DrillError(list(problems.values()))
    return DrillCheck(path, spec, scenario, len(checked))
