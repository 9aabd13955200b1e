"""What the "three cuts" slow: factors per hazard event, and a delay stretched by outages.

A communication outage at a node multiplies the detection and report delays of incidents that
happen there while it lasts (:mod:`sim.model.exogenous`) and slows the warning chain: time
spent passing a warning to the node's people while communications are down counts
``1 / factor`` (:func:`stretched`). A power outage multiplies detection delays. Factors come
from each hazard's ``outages`` section (``delay_factor``, ``power_factor``).
"""

from __future__ import annotations

from ..scenario.loader import Scenario
from .hazards import HazardTimeline

__all__ = ["outage_factors", "stretched", "windows_by_node"]


def outage_factors(scenario: Scenario, timeline: HazardTimeline) -> dict[int, dict[str, float]]:
    """Per hazard event (index): how much a communication and a power outage slow what they
    slow (1 for events of hazards without outages)."""
    by_id = {h.id: h for h in scenario.spec.hazards}
    out = {}
    for event in timeline.events:
        outages = getattr(by_id[event.hazard], "outages", None)
        out[event.index] = ({"communication": outages.delay_factor, "power": outages.power_factor}
                            if outages is not None else {"communication": 1.0, "power": 1.0})
    return out


def windows_by_node(scenario: Scenario, timeline: HazardTimeline,
                    kind: str) -> dict[int, list[tuple[float, float, float]]]:
    """Per node, its outages of ``kind`` as (start, end, factor), sorted by start."""
    factors = outage_factors(scenario, timeline)
    out: dict[int, list[tuple[float, float, float]]] = {}
    for o in timeline.outages:
        if o.kind == kind:
            out.setdefault(o.node, []).append((o.start, o.end, factors[o.event][kind]))
    for windows in out.values():
        windows.sort()
    return out


def stretched(start: float, minutes: float, windows: list[tuple[float, float, float]]) -> float:
    """When work of ``minutes`` begun at ``start`` is done, if inside each (from, to, factor)
    window it goes ``factor`` times slower (the strongest window counts where they overlap)."""
    if minutes <= 0 or not windows:
        return start + max(minutes, 0.0)
    # the times at which the pace changes, after start
    cuts = sorted({t for a, b, _ in windows for t in (a, b) if t > start})
    now, left = start, minutes
    for edge in [*cuts, float("inf")]:
        factor = max((f for a, b, f in windows if a <= now < b), default=1.0)
        span = edge - now
        if left * factor <= span:
            return now + left * factor
        left -= span / factor
        now = edge
    return now  # not reached: the last span is unbounded
