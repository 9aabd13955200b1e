"""Move-up: idle units moved among the stations to keep demand covered (``dispatch.move_up``).

The pool is the region's own road units of the named types; the bases are the named
facilities (default: the pool's own stations). Demand is the people at each place; a place is
covered from a base when the drive takes at most ``radius`` (as the roads are at that moment,
for :class:`DMEXCLP`; with all roads open for the compliance table). Each unit is taken to be
busy a fraction ``q`` = ``busy`` of the time, independently of the others (MEXCLP's
assumption), so a place covered by ``k`` idle units is served by a covering unit with
probability ``1 - q^k``.

* ``dmexclp`` (Jagtenberg, Bhulai and van der Mei 2015): when a unit becomes free it goes to
  the base where it adds most to the expected covered demand, given where the other idle units
  stand or are going: ``argmax_b sum_i w_i c_bi (1 - q) q^k_i`` with ``c_bi`` = 1 when base
  ``b`` covers place ``i`` and ``k_i`` the other idle units covering ``i`` (with
  ``correction``, Larson's ``g[k_i]`` for ``(1 - q) q^k_i``). Nobody else moves.
* ``compliance_table``: for ``n`` = 1 .. the pool size, the MEXCLP layout of ``n`` units over
  the bases (:func:`sim.optimize.location.mexclp`, solved once per scenario); whenever the
  number of idle units changes (a unit sent or free again), the idle units move to the layout
  of their number, matched to its places by the least total drive (the Hungarian method), so
  units already in place stay.

A moved unit takes the new base as its own until the next move; it is available on the way,
as a unit driving home is. Every move is recorded (time, unit, from, to, planned minutes).

Policies plug in as dispatch policies do (:mod:`sim.plugins`): subclass :class:`MoveUpPolicy`
and register it under a name (kind ``move_up``) that ``dispatch.move_up.policy`` gives.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from ..model.units import AT_BASE, AWAY, BUSY, HOMING, ROAD, Unit

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.loader import Scenario
    from .interface import Core

__all__ = ["MOVE_UP_POLICIES", "DMEXCLP", "ComplianceTable", "MoveUpControl", "MoveUpPolicy",
           "compliance_table", "make_move_up_policy"]


def compliance_table(scenario: Scenario, bases: list[int], weights: np.ndarray, places: np.ndarray,
                     radius: float, busy: float, units: int, correction: bool = False) -> list[list[int]]:
    """Row ``n - 1``: the bases (indices into ``bases``, one per unit, sorted) of the MEXCLP
    layout of ``n`` units, ``n`` = 1 .. ``units``; kept in the scenario's cache."""
    key = (tuple(bases), radius, busy, units, correction)
    tables: dict = scenario.cache.setdefault("move_up_tables", {})
    found = tables.get(key)
    if found is not None:
        return found
    from ..optimize.location import mexclp
    from .calls import travel_modes

    rows = travel_modes(scenario)[ROAD].rows
    times = np.array([[rows[b][i] for b in bases] for i in places], dtype=float)
    table = [sorted(mexclp(times, weights, radius, n, busy, correction=correction).sites)
             for n in range(1, units + 1)]
    tables[key] = table
    return table


class MoveUpPolicy(ABC):
    """Decides where idle units go. Subclass it and name it in ``dispatch.move_up.policy``
    (register it with :func:`sim.register_policy` as kind ``move_up``, or an entry point in
    ``sim.move_up_policies``). It reads the pool, bases, coverage and gains of the
    :class:`MoveUpControl` and moves units with :meth:`MoveUpControl.relocate`."""

    name = "custom"

    def start(self, control: MoveUpControl) -> None:  # noqa: B027  (optional, nothing by default)
        """Called once per replication before the first event."""

    @abstractmethod
    def freed(self, control: MoveUpControl, unit: Unit) -> None:
        """``unit`` of the pool is free again and about to go home (or stays at its base):
        relocate it (with ``sending=False``: the engine sends it) or others."""

    def sent(self, control: MoveUpControl, unit: Unit) -> None:  # noqa: B027
        """``unit`` of the pool was sent to a call: one idle unit fewer."""


class DMEXCLP(MoveUpPolicy):
    """The freed unit goes where it adds the most expected coverage (see the module notes)."""

    name = "dmexclp"

    def freed(self, control: MoveUpControl, unit: Unit) -> None:
        cover = control.cover()
        where = {b: k for k, b in enumerate(control.bases)}
        k = np.zeros(len(control.places))
        for other in control.idle(unit):
            b = where.get(other.base_node)
            if b is not None:
                k += cover[b]
        added = control.gains[np.minimum(k, len(control.gains) - 1).astype(int)]
        gain = cover.astype(float) @ (control.weights * added)
        now = where.get(unit.base_node)
        best = int(np.argmax(gain))
        if now is not None and gain[now] >= gain[best] * (1 - 1e-12):
            return   # its own base is as good as any: no move
        control.relocate(unit, control.bases[best], sending=False)


class ComplianceTable(MoveUpPolicy):
    """The idle units follow the MEXCLP layout of their number (see the module notes)."""

    name = "compliance_table"

    def start(self, control: MoveUpControl) -> None:
        self.table = compliance_table(control.engine.scenario, control.bases, control.weights,
                                      control.places, control.radius, control.q, len(control.pool),
                                      control.correction)

    def freed(self, control: MoveUpControl, unit: Unit) -> None:
        self._comply(control)

    def sent(self, control: MoveUpControl, unit: Unit) -> None:
        self._comply(control)

    def _comply(self, control: MoveUpControl) -> None:
        idle = control.idle()
        if not idle or not self.table:
            return
        slots = [control.bases[b] for b in self.table[min(len(idle), len(self.table)) - 1]]
        rows = control.rows()
        cost = np.array([[0.0 if u.base_node == s else rows[u.node][s] / u.speed for s in slots]
                         for u in idle])
        cost[~np.isfinite(cost)] = 1e9
        picked, slot = linear_sum_assignment(cost)
        for a, b in zip(picked, slot, strict=True):
            if idle[a].base_node != slots[b] and cost[a, b] < 1e9:
                control.relocate(idle[a], slots[b], sending=True)


MOVE_UP_POLICIES: dict[str, type[MoveUpPolicy]] = {DMEXCLP.name: DMEXCLP,
                                                   ComplianceTable.name: ComplianceTable}


def make_move_up_policy(name: str) -> MoveUpPolicy:
    """The built-in move-up policy ``name``, or the one registered under it (:mod:`sim.plugins`)."""
    from ..plugins import make_policy_named

    policy: MoveUpPolicy = make_policy_named("move_up", name, MOVE_UP_POLICIES, "freed")
    return policy


class MoveUpControl:
    """Move-up in one replication: the pool, bases, demand and coverage the policy reads, and
    the moves it makes (see the module notes)."""

    def __init__(self, engine: Core) -> None:
        self.engine = engine
        scenario = engine.scenario
        spec = scenario.spec
        cfg = spec.dispatch.move_up
        assert cfg is not None  # built only when the scenario asks for move-up
        types = set(cfg.units)
        self.pool = [u for u in engine.units if u.info.type in types and u.mode == ROAD
                     and not u.info.mutual_aid]
        self.members = {u.index for u in self.pool}
        index = scenario.node_index
        facility_node = {f.id: index[f.node] for f in spec.facilities}
        homes = sorted({u.home_base for u in self.pool})
        self.bases = [facility_node[b] for b in cfg.bases] if cfg.bases else homes
        nodes = spec.region.nodes
        population = np.array([float(n.population) for n in nodes])
        self.places = np.flatnonzero(population > 0)
        self.weights = population[self.places]
        self.radius = cfg.radius
        self.q = cfg.busy
        self.correction = cfg.correction
        self._cover_key: object = None
        self._cover = np.zeros((len(self.bases), len(self.places)), dtype=bool)
        # what the k-th idle unit covering a place adds to its chance of finding one free
        from ..optimize.location import larson_gains

        n = max(len(self.pool), 1)
        self.gains = np.append(larson_gains(n, self.q) if cfg.correction else
                               (1.0 - self.q) * self.q ** np.arange(n), 0.0)
        self.log: list[tuple[float, str, str, str, float]] = []   # (time, unit, from, to, minutes)
        self._releasing: Unit | None = None
        self.policy = make_move_up_policy(cfg.policy)
        self.policy.start(self)

    # ---------------------------------------------------------------- what policies read

    def rows(self) -> list:
        """Road minutes as the roads are now (``rows[origin][destination]``)."""
        return self.engine.modes[ROAD].rows

    def cover(self) -> np.ndarray:
        """``cover[b, i]``: base ``b`` reaches place ``i`` within the radius, roads as they are."""
        rows = self.rows()
        if self._cover_key is not rows:
            self._cover_key = rows
            self._cover = np.array([[rows[b][i] <= self.radius for i in self.places] for b in self.bases],
                                   dtype=bool).reshape(len(self.bases), len(self.places))
        return self._cover

    def idle(self, unit: Unit | None = None) -> list[Unit]:
        """Idle pool units (at base or on their way to one), ``unit`` left out."""
        return [u for u in self.pool if u is not unit and u.status in (AT_BASE, AWAY, HOMING)]

    # ---------------------------------------------------------------- events

    def freed(self, unit: Unit) -> None:
        """``unit`` is free again and about to go home (or stays at its base): the engine sends
        it wherever the policy puts it."""
        if unit.index in self.members:
            self._releasing = unit
            try:
                self.policy.freed(self, unit)
            finally:
                self._releasing = None

    def sent(self, unit: Unit) -> None:
        """``unit`` was sent to a call."""
        if unit.index in self.members:
            self.policy.sent(self, unit)

    def relocate(self, unit: Unit, node: int, sending: bool) -> None:
        """Make ``node`` the unit's base; an idle unit starts for it (``sending``) or, being
        released now, is sent by the engine."""
        engine = self.engine
        engine.settle(unit)
        if unit.status == BUSY:
            return
        sending = sending and unit is not self._releasing   # the engine sends the unit it releases
        minutes = self.rows()[unit.node][node] / unit.speed
        self.log.append((engine.env.now, unit.info.id, engine.node_ids[unit.base_node], engine.node_ids[node],
                         float(minutes) if math.isfinite(minutes) else math.nan))
        unit.base_node = node
        engine.fleet.bases_changed()
        if unit.status == AT_BASE and unit.node != node:
            unit.status = AWAY
            engine.fleet.away[unit.index] = unit
            if sending:
                engine.send_home(unit)
        elif unit.status in (AWAY, HOMING) and sending:
            engine.send_home(unit)   # on its way elsewhere: it turns for the new base
