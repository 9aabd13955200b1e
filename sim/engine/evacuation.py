"""Moving people to shelters during a run.

Each household group of the evacuation plan (:mod:`sim.model.evacuation_plan`) leaves at its
departure time, if it complies:

* on foot, to the shelters within walking distance (straight line times a detour) that have
  room;
* the rest: its car owners drive, and the others wait for a bus (a pool of buses based at a
  depot takes waiting groups first come first served, carrying up to its capacity per trip);
* from a place from which no shelter with room can be reached by road (cut off), everyone
  waits for a boat (over water, straight lines or waterways); without boats they wait for the
  road to reopen (or, with a shelter in walking reach, crowd into it as overflow).

Everyone goes to the nearest shelter outside the danger zone they leave (the group's
``avoid`` nodes: a flood-prone place, a chemical radius, a slope; see
:mod:`sim.model.evacuation_plan`), by the way they travel and with roads as they are at that
moment, that still has room, and on to the next for the rest; when none has room, the rest go
to the nearest safe one anyway and are recorded as overflow. A shelter inside the zone is
never chosen (unless the zone has ``shelter_in_zone``); with no safe shelter in reach,
people wait for a road (or a boat) to one. Places are held from the moment people set off.
People go home ``return_after`` the event ends (those still on their way, when they arrive).
A bus whose way out is cut while people board leaves them waiting, first in line.

Records: one row per movement (a group's people going one way to one shelter), one row per
node and event (how many were told, left before impact, stayed, and when the node was clear),
and shelter occupancy over time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from ..model.areas import radius_km
from ..model.evacuation_plan import EvacGroup
from ..model.units import ROAD, WATER

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.people_schema import Evacuation
    from .interface import Core
    from .scheduling import Fired

__all__ = ["EvacuationControl", "Move"]

Minutes = Callable[[int, int], float]  # travel minutes from node a to node b, one way of going
ShelterHook = Callable[[int, float], None]  # called with (shelter index, time)


class Move(TypedDict):
    """One group's people going one way to one shelter (a row of the ``evacuation`` table)."""

    group: int        # index into the evacuation plan
    node: int
    people: int
    mode: str         # walk, car, bus or boat
    shelter: int      # index into the shelters
    left: float
    arrived: float    # NaN until they arrive
    overflow: bool    # the shelter had no room left for them


class _Vehicle:
    __slots__ = ("node", "busy")

    def __init__(self, node: int) -> None:
        self.node = node
        self.busy = False


class EvacuationControl:
    """Evacuation of one replication."""

    def __init__(self, engine: Core) -> None:
        self.engine = engine
        spec = engine.scenario.spec
        cfg = spec.evacuation
        assert cfg is not None  # the engine builds one only for scenarios with an evacuation
        self.cfg: Evacuation = cfg
        index = engine.scenario.node_index
        self.shelters = [(s.id, index[s.node], s.capacity) for s in spec.shelters]
        self._shelter_nodes = np.array([where for _, where, _ in self.shelters], dtype=np.int64)
        self._avoid_masks: dict[frozenset[int], np.ndarray] = {}
        self.occupancy = [0] * len(self.shelters)
        self.held = [0] * len(self.shelters)  # places taken by people on their way
        self.plan: list[EvacGroup] = engine.timeline.evacuation
        self.moves: list[Move] = []
        self.occupancy_log: list[tuple[float, int, int]] = []  # (time, shelter, occupancy)
        self.staying: dict[tuple[int, int], list[int]] = {}  # (event, shelter) -> people arrived
        self.shelter_event: dict[int, int] = {}  # shelter -> the event of its latest evacuees
        self.on_arrival: ShelterHook | None = None  # supplies hooks: called with (shelter index,
        self.before_change: ShelterHook | None = None  # time) after people arrive, and before a
        # shelter's occupancy changes
        self.returned: set[int] = set()  # events whose evacuees have gone home
        nodes = spec.region.nodes
        lon = np.array([n.lon for n in nodes])
        lat = np.array([n.lat for n in nodes])
        from .travel import LazyRows, straight_line_km
        self._whole_rows = (list, LazyRows)  # rows held whole, not columns of a large network
        self.km = straight_line_km(lon, lat)
        self.radius = radius_km(spec.region).tolist()  # the area of each node (sim.model.areas)
        self._walkable: dict[int, list[int]] = {}  # node -> shelters in walking reach
        self._order_rows: object = None  # the road rows the cached shelter orders were made from
        self._order_cache: dict[tuple[int, frozenset[int]], list[int]] = {}
        facility_node = {f.id: index[f.node] for f in spec.facilities}
        self.buses = [_Vehicle(facility_node[cfg.buses.depot]) for _ in range(cfg.buses.count)] \
            if cfg.buses is not None else []
        self.boats = [_Vehicle(facility_node[cfg.boats.base]) for _ in range(cfg.boats.count)] \
            if cfg.boats is not None else []
        self.bus_queue: deque[list] = deque()   # [group, node, people waiting, since]
        self.boat_queue: deque[list] = deque()

    # ---------------------------------------------------------------- start

    def start(self) -> None:
        if not self.plan:
            return
        now = self.engine.env.now
        for k, group in enumerate(self.plan):
            if group.compliant:
                self.engine.at(group.departs - now, self._on_departure, k)
        for event in {g.event for g in self.plan}:
            end = self.engine.timeline.events[event].end + self.cfg.return_after
            self.engine.at(end - now, self._on_return, event)

    # ---------------------------------------------------------------- leaving

    def _road_rows(self) -> list[list[float]]:
        return self.engine.modes[ROAD].rows

    def _room_by_road(self, node: int, avoid: frozenset[int]) -> bool:
        """Some shelter outside ``avoid`` with room can be reached from ``node`` by road."""
        rows = self._road_rows()[node]
        return any(math.isfinite(rows[where]) and cap - self.occupancy[s] - self.held[s] > 0
                   for s, (_, where, cap) in enumerate(self.shelters) if where not in avoid)

    def _on_departure(self, event: Fired[int]) -> None:
        k = event.value
        group = self.plan[k]
        node, people, avoid = group.node, group.compliant, group.avoid
        walkable = [s for s in self._walkable_from(node) if self.shelters[s][1] not in avoid]
        if walkable:  # walk to the shelters in reach that have room; the rest ride
            people -= self._go(k, node, people, "walk", self._walk_minutes, among=walkable, overflow=False)
            if people <= 0:
                return
        if not self._room_by_road(node, avoid) and self.boats:
            # cut off (or only full shelters by road): boats take them over the water
            self._wait(self.boat_queue, k, node, people, self._next_boat)
        elif not self._reachable(node, self._drive_minutes, avoid):
            if walkable:  # no road and no boat: the nearest shelter on foot takes them, full or not
                self._go(k, node, people, "walk", self._walk_minutes, among=walkable)
            else:  # they wait for a road (buses come when one reopens)
                self._wait(self.bus_queue, k, node, people, self._next_bus)
        else:
            cars = int(round(people * self.cfg.own_vehicle))
            if cars:
                self._go(k, node, cars, "car", self._drive_minutes)
            if people - cars:
                self._wait(self.bus_queue, k, node, people - cars, self._next_bus)

    def _walkable_from(self, node: int) -> list[int]:
        """Shelters within walking reach of ``node`` (straight line times the detour)."""
        shelters = self._walkable.get(node)
        if shelters is None:
            walk = self.cfg.walking
            km = self.km[node]
            shelters = self._walkable[node] = [s for s, (_, where, _) in enumerate(self.shelters)
                                               if km[where] * walk.detour <= walk.max_km]
        return shelters

    def _reachable(self, node: int, minutes: Minutes, avoid: frozenset[int]) -> bool:
        """Some shelter outside ``avoid`` can be reached from ``node`` travelling by ``minutes``."""
        if minutes == self._drive_minutes:
            return bool(self._order(node, avoid, minutes, None))  # kept per road state
        return any(math.isfinite(minutes(node, where)) for _, where, _ in self.shelters if where not in avoid)

    def _stretch(self, k: int, node: int, mode: str) -> float:
        """Minutes from the group's homes, inside the node's area, to the node: on foot or by
        car (buses and boats pick people up at the node, where they walk while it comes)."""
        km = self.radius[node] * self.plan[k].spot
        if mode == "walk":
            return km * self.cfg.walking.detour / self.cfg.walking.speed * 60
        if mode == "car":
            areas = self.engine.scenario.spec.region.areas
            return km * areas.detour / areas.speed * 60
        return 0.0

    def _walk_minutes(self, a: int, b: int) -> float:
        walk = self.cfg.walking
        return self.km[a][b] * walk.detour / walk.speed * 60

    def _drive_minutes(self, a: int, b: int) -> float:
        return self._road_rows()[a][b]

    def _boat_minutes(self, a: int, b: int) -> float:
        boats = self.cfg.boats
        assert boats is not None  # boats are sent only in scenarios that have them
        return self.engine.modes[WATER].rows[a][b] / boats.speed

    def _places(self, k: int, node: int, people: int, minutes: Minutes, among: list[int] | None = None,
                overflow: bool = True) -> list[tuple[int, int, bool]]:
        """Shelters for ``people`` of group ``k`` from ``node`` (of ``among``, default all; never
        one in the group's danger zone), nearest with room first: (shelter, people, overflow).
        When none has room, the nearest takes the rest as overflow (unless ``overflow`` is
        false: then they are left out). Places are held at once."""
        avoid = self.plan[k].avoid
        order = self._order(node, avoid, minutes, among)
        out: list[tuple[int, int, bool]] = []
        left = people
        for s in order:
            if left <= 0:
                break
            room = self.shelters[s][2] - self.occupancy[s] - self.held[s]
            if room > 0:
                take = min(room, left)
                out.append((s, take, False))
                self.held[s] += take
                left -= take
        if left > 0 and order and overflow:
            out.append((order[0], left, True))
            self.held[order[0]] += left
        return out

    def _order(self, node: int, avoid: frozenset[int], minutes: Minutes,
               among: list[int] | None) -> list[int]:
        """Shelters outside ``avoid`` reachable from ``node``, nearest first (ties by number);
        by road, kept per road state (the same order serves every bus and car from a place)."""
        rows = self._road_rows()
        if among is None and minutes == self._drive_minutes and isinstance(rows, self._whole_rows):
            if rows is not self._order_rows:
                self._order_rows, self._order_cache = rows, {}
            key = (node, avoid)
            cached = self._order_cache.get(key)
            if cached is None:
                times = np.asarray(rows[node], dtype=float)[self._shelter_nodes]
                keep = np.isfinite(times) & ~self._avoid_mask(avoid)
                chosen = np.nonzero(keep)[0]
                # nearest first, ties by shelter number: as sorting (minutes, shelter) pairs
                cached = self._order_cache[key] = chosen[np.argsort(times[chosen], kind="stable")].tolist()
            return cached
        candidates = range(len(self.shelters)) if among is None else among
        timed = [(t, s) for s in candidates if (where := self.shelters[s][1]) not in avoid
                 and math.isfinite(t := minutes(node, where))]
        return [s for _, s in sorted(timed)]

    def _avoid_mask(self, avoid: frozenset[int]) -> np.ndarray:
        """Which shelters stand in the nodes ``avoid`` (kept per zone)."""
        mask = self._avoid_masks.get(avoid)
        if mask is None:
            mask = self._avoid_masks[avoid] = np.isin(self._shelter_nodes, np.fromiter(avoid, dtype=np.int64))
        return mask

    def _go(self, k: int, node: int, people: int, mode: str, minutes: Minutes, start: float | None = None,
            among: list[int] | None = None, overflow: bool = True) -> int:
        """Send ``people`` from ``node`` to shelters; returns how many got a place."""
        now = self.engine.env.now
        start = now if start is None else start
        sent = 0
        stretch = self._stretch(k, node, mode)
        for shelter, count, over in self._places(k, node, people, minutes, among, overflow):
            arrive = start + stretch + minutes(node, self.shelters[shelter][1])
            move: Move = {"group": k, "node": node, "people": count, "mode": mode, "shelter": shelter,
                          "left": start, "arrived": math.nan, "overflow": over}
            self.moves.append(move)
            self.engine.at(arrive - now, self._on_arrival, move)
            sent += count
        return sent

    def _on_arrival(self, event: Fired[Move]) -> None:
        move = event.value
        now = self.engine.env.now
        move["arrived"] = now
        s = move["shelter"]
        group = self.plan[move["group"]]
        self._occupancy_changes(s, now)
        self.held[s] -= move["people"]
        self.occupancy[s] += move["people"]
        self.occupancy_log.append((now, s, self.occupancy[s]))
        if group.event in self.returned:  # they arrive after the others went home: home too
            self._occupancy_changes(s, now)
            self.occupancy[s] -= move["people"]
            self.occupancy_log.append((now, s, self.occupancy[s]))
            return
        self.staying.setdefault((group.event, s), []).append(move["people"])
        self.shelter_event[s] = group.event
        if self.on_arrival is not None:
            self.on_arrival(s, now)

    def _occupancy_changes(self, shelter: int, now: float) -> None:
        if self.before_change is not None:
            self.before_change(shelter, now)

    def _on_return(self, event: Fired[int]) -> None:
        """The event is over: its evacuees go home (and those still on their way, on arrival)."""
        ev = event.value
        now = self.engine.env.now
        self.returned.add(ev)
        for (e, s), counts in list(self.staying.items()):
            if e == ev:
                self._occupancy_changes(s, now)
                self.occupancy[s] -= sum(counts)
                del self.staying[(e, s)]
                self.occupancy_log.append((now, s, self.occupancy[s]))

    # ---------------------------------------------------------------- buses and boats

    def _wait(self, queue: deque[list], k: int, node: int, people: int, serve: Callable[[], None]) -> None:
        queue.append([k, node, people, self.engine.env.now])
        serve()

    def _next_bus(self) -> None:
        self._dispatch(self.buses, self.bus_queue, self._drive_minutes, "bus",
                       self.cfg.buses.capacity if self.cfg.buses else 0,
                       self.cfg.buses.load_time if self.cfg.buses else 0.0)

    def _next_boat(self) -> None:
        self._dispatch(self.boats, self.boat_queue, self._boat_minutes, "boat",
                       self.cfg.boats.capacity if self.cfg.boats else 0,
                       self.cfg.boats.load_time if self.cfg.boats else 0.0)

    def _dispatch(self, fleet: list[_Vehicle], queue: deque[list], minutes: Minutes, mode: str, capacity: int,
                  load: float) -> None:
        """Free vehicles take the oldest waiting groups they can reach and take somewhere."""
        for vehicle in fleet:
            if vehicle.busy or not queue:
                continue
            for entry in list(queue):
                k, node, waiting, _ = entry
                to_them = minutes(vehicle.node, node)
                if not math.isfinite(to_them) or not self._reachable(node, minutes, self.plan[k].avoid):
                    continue
                take = min(capacity, waiting)
                entry[2] -= take
                if entry[2] == 0:
                    queue.remove(entry)
                vehicle.busy = True
                self.engine.at(to_them + load, self._on_loaded, (vehicle, k, node, take, mode, minutes, fleet,
                                                                 queue))
                break

    def _on_loaded(self, event: Fired[tuple[_Vehicle, int, int, int, str, Minutes, list[_Vehicle],
                                                 deque[list]]]) -> None:
        vehicle, k, node, take, mode, minutes, fleet, queue = event.value
        now = self.engine.env.now
        vehicle.node = node
        places = self._places(k, node, take, minutes)
        if not places:  # the way out was cut while they boarded: they wait again, first in line
            vehicle.busy = False
            if mode == "bus" and self.boats and not self._reachable(node, minutes, self.plan[k].avoid):
                self._wait(self.boat_queue, k, node, take, self._next_boat)
            else:
                queue.appendleft([k, node, take, now])
            (self._next_bus if mode == "bus" else self._next_boat)()
            return
        last = now
        for shelter, count, overflow in places:
            arrive = now + minutes(node, self.shelters[shelter][1])
            move: Move = {"group": k, "node": node, "people": count, "mode": mode, "shelter": shelter,
                          "left": now, "arrived": math.nan, "overflow": overflow}
            self.moves.append(move)
            self.engine.at(arrive - now, self._on_arrival, move)
            last = max(last, arrive)
        self.engine.at(last - now, self._on_vehicle_free, (vehicle, places[-1][0], fleet, queue, mode))

    def _on_vehicle_free(self, event: Fired[tuple[_Vehicle, int, list[_Vehicle], deque[list], str]]) -> None:
        vehicle, drop, fleet, queue, mode = event.value
        vehicle.node = self.shelters[drop][1]
        vehicle.busy = False
        (self._next_bus if mode == "bus" else self._next_boat)()

    def roads_changed(self) -> None:
        """Roads reopened or closed: waiting groups may now be reachable."""
        if self.bus_queue:
            self._next_bus()
        if self.boat_queue:
            self._next_boat()
