"""Relief supplies during a run: requests, allocation, loading, trucks, lift, replenishment.

**Demand.** A shelter asks ``supply.request_delay`` after its first evacuees arrive, then every
``supply.review`` while people stay, for what its people need over ``supply.cover`` (per person
per day) and once (per person: quilts, tents), less what it holds or has coming; it uses up the
per-day items as people stay. An incident asks at its call for its type's ``per_incident``
needs. A request's *disaster area* is the area of
its node (``area`` in the region, e.g. the township).

**Allocation** (pluggable, :class:`AllocationPolicy`; default :class:`NearestTierFirst`): tier by
tier (township, county, city, province, then neighbours under aid agreements), nearest depot
with stock first, partial shipments allowed; a township depot serves its own area only. What
no depot holds waits and is retried whenever stock comes in.

**Shipping.** A depot's bay loads truck load after truck load at its loading rate: the first
shipment to a disaster area in an event goes ahead of the others (it waits for one truck load
at most), the rest in order. Each load leaves as soon as it is on and a truck is free (first
batches first; trucks come back empty). Trucks
drive the roads as they are; to a place cut off by road the depot's helicopter lift flies
instead, in its own loads, or the goods wait for the road. A depot with an ``activation`` delay
(an aid agreement, a provincial release) starts loading that long after it is first asked.

**Replenishment.** When an item's stock plus what is on order falls below ``below`` of its
starting stock, the depot orders back up to it: from its upstream depot (shipped like any
request) or from outside after a lead time.

After the horizon (a run that drains its incidents goes on) shelters stop asking and depots stop
ordering; what is under way still arrives.

Everything shipped is counted out of stock at loading and into the destination on arrival, so
at any time goods shipped = goods received + goods in transit, and stock is never negative.
"""

from __future__ import annotations

import heapq
import math
from bisect import insort
from typing import TYPE_CHECKING, Protocol

from ..model.units import AIR, ROAD
from .allocation import (
    ALLOCATION_POLICIES,
    AllocationPolicy,
    DepotState,
    Loads,
    NearestTierFirst,
    Request,
    make_allocation,
)
from .streams import keyed_uniform

if TYPE_CHECKING:  # pragma: no cover
    from .interface import Core
    from .scheduling import Fired

__all__ = ["AllocationPolicy", "DepotState", "NearestTierFirst", "Request", "ShelterState", "SupplyControl",
           "ALLOCATION_POLICIES"]

class ShelterState(Protocol):
    """What supplies read of the shelters (an evacuation, or its replay: :mod:`.shelter_script`):
    the people in each, and the event they fled."""

    occupancy: list[int]
    shelter_event: dict[int, int]


class SupplyControl:
    """Relief supplies of one replication."""

    def __init__(self, engine: Core, stocks: dict[tuple[str, str], float] | None = None,
                 evacuation: ShelterState | None = None) -> None:
        self.engine = engine
        self.evacuation = evacuation  # the shelters' occupancy
        spec = engine.scenario.spec
        self.cfg = spec.supply
        self.items = spec.items
        self.active = bool(spec.items) and bool(spec.depots)
        index = engine.scenario.node_index
        nodes = spec.region.nodes
        self.area_of = [n.area_id for n in nodes]
        self.depots: list[DepotState] = []
        for k, d in enumerate(spec.depots):
            stock = {item: float(stocks.get((d.id, item), d.stock.get(item, 0.0)) if stocks else
                                 d.stock.get(item, 0.0)) for item in spec.items}
            self.depots.append(DepotState(
                index=k, id=d.id, node=index[d.node], area=nodes[index[d.node]].area_id, tier=d.tier,
                stock=stock, start=dict(stock), loading=d.loading, trucks_free=d.trucks.count,
                truck_capacity=d.trucks.capacity, truck_speed=d.trucks.speed_factor,
                lifts_free=d.lift.count if d.lift else 0, lift=d.lift, activation=d.activation))
        self.by_id = {d.id: d for d in self.depots}
        self.replenish = {d.id: d.replenish for d in spec.depots}
        self.policy = make_allocation(self.cfg.policy)
        self.requests: list[Request] = []
        self.backorders: list[Request] = []
        self._waiting: set[int] = set()  # indices of the requests in backorders
        self.shipments: list[dict] = []
        self.stock_log: list[tuple[float, str, str, float]] = []
        for depot in self.depots:
            for item, qty in depot.stock.items():
                self.stock_log.append((0.0, depot.id, item, qty))
        self.stockouts: list[tuple[str, str, float, float]] = []  # (depot, item, from, to)
        self._activated: dict[int, float] = {}
        self._first_sent: set[tuple[int, str]] = set()  # (event, area) pairs with a shipment
        self._orders = 0
        # goods on their way to shelters and incidents: (arrival, order sent, trip), a heap
        self._arriving: list[tuple[float, int, tuple[DepotState, Request, dict, float]]] = []
        self._arrivals = 0
        shelters = spec.shelters
        self.shelter_node = [index[s.node] for s in shelters]
        self.shelter_ids = [s.id for s in shelters]
        self.held = [{item: 0.0 for item in self.items} for _ in shelters]      # at the shelter
        self.coming = [{item: 0.0 for item in self.items} for _ in shelters]    # on the way
        self.last_use = [0.0] * len(shelters)
        self.reviewing = [False] * len(shelters)
        self.consumed = [{item: 0.0 for item in self.items} for _ in shelters]
        self.short = [{item: 0.0 for item in self.items} for _ in shelters]     # needed, not held
        self._incident_needs: dict[str, list[tuple[str, float]]] = {}  # per incident type
        self._daily = [(item, spec.per_person_day) for item, spec in self.items.items()
                       if spec.per_person_day > 0]  # what shelters use up per person and day

    # ---------------------------------------------------------------- demand

    def shelter_arrival(self, shelter: int, now: float) -> None:
        """People arrived at a shelter: start its reviews if they have not started."""
        if not self.active or self.reviewing[shelter]:
            return
        self.reviewing[shelter] = True
        self.engine.at(self.cfg.request_delay, self._on_review, shelter)

    def occupancy_changes(self, shelter: int, now: float) -> None:
        """A shelter's occupancy is about to change: account what its people used until now."""
        if self.active:
            self._use(shelter, now)

    def _occupancy(self, shelter: int) -> int:
        evac = self.evacuation
        return evac.occupancy[shelter] if evac is not None else 0

    def _use(self, shelter: int, now: float) -> None:
        """Take what the shelter's people used since the last look out of its stock; what they
        needed and did not have is counted short (goods delivered by then first)."""
        self._deliver_due(now)
        self._account(shelter, now)

    def _account(self, shelter: int, now: float) -> None:
        days = (now - self.last_use[shelter]) / 1440.0
        self.last_use[shelter] = now
        people = self._occupancy(shelter)
        if people == 0 or days <= 0:
            return
        held, consumed, short = self.held[shelter], self.consumed[shelter], self.short[shelter]
        for item, per_day in self._daily:
            need = people * per_day * days
            have = held[item]
            used = need if need < have else have
            held[item] = have - used
            consumed[item] += used
            short[item] += need - used

    def _on_review(self, event: Fired[int]) -> None:
        shelter = event.value
        now = self.engine.env.now
        self._use(shelter, now)
        people = self._occupancy(shelter)
        if people == 0 or now >= self.engine.horizon:  # no one left, or past the horizon: no more asking
            self.reviewing[shelter] = False
            return
        evac = self.evacuation
        assert evac is not None  # only shelters with people in them are reviewed
        node = self.shelter_node[shelter]
        for item, spec in self.items.items():
            want = people * (spec.per_person_day * self.cfg.cover / 1440.0 + spec.per_person)
            order = spec.whole(want - self.held[shelter][item] - self.coming[shelter][item])
            if order > 1e-9:
                self.coming[shelter][item] += order
                self.request("shelter", node, item, order, self.shelter_ids[shelter],
                             event=evac.shelter_event.get(shelter, -1), shelter=shelter)
        self.engine.at(self.cfg.review, self._on_review, shelter)

    def incident_called(self, type_name: str, node: int, incident: int, event: int) -> None:
        if not self.active:
            return
        needs = self._incident_needs.get(type_name)
        if needs is None:  # what an incident of this type asks for, in whole units
            needs = self._incident_needs[type_name] = [
                (item, qty) for item, spec in self.items.items()
                if (qty := spec.whole(spec.per_incident.get(type_name, 0.0))) > 0]
        for item, qty in needs:
            self.request("incident", node, item, qty, f"incident {incident}", event=event)

    def request(self, kind: str, node: int, item: str, quantity: float, source: str,
                from_depot: str | None = None, event: int = -1, shelter: int = -1) -> Request:
        now = self.engine.env.now
        req = Request(len(self.requests), now, kind, node, self.area_of[node], item, quantity, source,
                      left=quantity, from_depot=from_depot, event=event, shelter=shelter)
        self.requests.append(req)
        self._allocate(req)
        return req

    # ---------------------------------------------------------------- allocation and loading

    def _road_minutes(self, depot: DepotState, node: int) -> float:
        return self.engine.modes[ROAD].rows[depot.node][node] / depot.truck_speed

    def _allocate(self, req: Request) -> None:
        eligible = [self.by_id[req.from_depot]] if req.from_depot is not None else self.depots
        picks = self.policy.allocate(req, eligible, lambda d: self._road_minutes(d, req.node))
        for depot, qty in picks:
            qty = min(qty, depot.stock.get(req.item, 0.0), req.left)
            if qty <= 0:
                continue
            req.left -= qty
            self._take(depot, req.item, qty)
            self._load(depot, req, qty)
        if req.left > 1e-9 and req.index not in self._waiting:
            self.backorders.append(req)
            self._waiting.add(req.index)

    def _take(self, depot: DepotState, item: str, qty: float) -> None:
        now = self.engine.env.now
        depot.stock[item] -= qty
        if depot.stock[item] < 1e-9:
            depot.stock[item] = 0.0
            depot.empty_since.setdefault(item, now)
        self.stock_log.append((now, depot.id, item, depot.stock[item]))
        self._maybe_replenish(depot, item)

    def _load(self, depot: DepotState, req: Request, qty: float) -> None:
        """Queue the shipment at the depot's loading bay."""
        now = self.engine.env.now
        weight = qty * self.items[req.item].weight
        shipment = {"request": req.index, "depot": depot.id, "tier": depot.tier, "item": req.item,
                    "quantity": qty, "area": req.area, "to_node": req.node, "allocated": now,
                    "loaded": math.nan, "departed": math.nan, "arrived": math.nan, "mode": "",
                    "weight": weight, "received": 0.0}
        self.shipments.append(shipment)
        first = req.event >= 0 and (req.event, req.area) not in self._first_sent
        if req.event >= 0:
            self._first_sent.add((req.event, req.area))
        loads = Loads(req, shipment, weight, first=first, order=len(self.shipments))
        insort(depot.waiting_loads, loads, key=Loads.rank)
        if not depot.bay_busy:
            self._next_chunk(depot)

    def _next_chunk(self, depot: DepotState) -> None:
        """Load the next truck load: of a first batch to a disaster area if one waits, otherwise
        of the oldest shipment (so a first batch waits for one truck load at most)."""
        # waiting_loads is kept in rank order
        loads = next((loads for loads in depot.waiting_loads if loads.ready < loads.weight), None)
        if loads is None:
            depot.bay_busy = False
            return
        now = self.engine.env.now
        chunk = min(depot.truck_capacity, loads.weight - loads.ready)
        if loads.weight - loads.ready - chunk <= loads.tolerance:
            chunk = loads.weight - loads.ready
        depot.bay_busy = True
        start = max(now, self._active_from(depot, now))
        self.engine.at(start - now + chunk / depot.loading, self._on_chunk_loaded, (depot, loads, chunk))

    def _active_from(self, depot: DepotState, now: float) -> float:
        """When a depot can start loading: its activation delay (an aid agreement, a provincial
        release; zero by default) after the first time it is asked, once per replication, the
        delay fixed by the seed whatever else happens."""
        if depot.index not in self._activated:
            u = keyed_uniform(self.engine.seed, self.engine.replication, 7, depot.index)
            self._activated[depot.index] = now + depot.activation.ppf1(u)
        return self._activated[depot.index]

    def _on_chunk_loaded(self, event: Fired[tuple[DepotState, Loads, float]]) -> None:
        depot, loads, chunk = event.value
        loads.ready += chunk
        if loads.weight - loads.ready <= loads.tolerance:
            loads.ready = loads.weight
            loads.shipment["loaded"] = self.engine.env.now
        self._send(depot)
        self._next_chunk(depot)

    # ---------------------------------------------------------------- trucks and lift

    def _send(self, depot: DepotState) -> None:
        """Send what is loaded while vehicles are free, first batches first, then the oldest: trucks by road,
        the lift to places cut off by road (in its own, smaller loads); otherwise the goods wait
        for a road or a vehicle."""
        now = self.engine.env.now
        depot.reclaim(now)
        done = []
        waits_for: list[list[float]] = []  # the vehicles some loaded goods wait for
        for loads in depot.waiting_loads:
            if loads.ready - loads.sent <= loads.tolerance:
                continue  # nothing loaded to send yet
            shipment = loads.shipment
            road = self._road_minutes(depot, loads.request.node)
            while loads.ready - loads.sent > loads.tolerance:
                if road < math.inf:
                    if not depot.trucks_free:
                        waits_for.append(depot.trucks_back)
                        break
                    depot.trucks_free -= 1
                    mode, minutes, capacity = "road", road, depot.truck_capacity
                elif depot.lifts_free:
                    lift = depot.lift
                    assert lift is not None  # only a depot with a lift has lifts free
                    depot.lifts_free -= 1
                    mode, capacity = "air", lift.capacity
                    minutes = self.engine.modes[AIR].rows[depot.node][loads.request.node] / lift.speed \
                        + lift.load_time
                else:
                    if depot.lift is not None:
                        waits_for.append(depot.lifts_back)
                    break  # by lift when one is back, otherwise by road when it reopens
                carry = min(capacity, loads.ready - loads.sent)
                loads.sent += carry
                if math.isnan(shipment["departed"]):
                    shipment["departed"] = now
                if shipment["mode"] != mode and mode not in shipment["mode"].split("+"):
                    shipment["mode"] = "+".join(filter(None, [shipment["mode"], mode]))
                qty = shipment["quantity"] * carry / loads.weight
                trip = (depot, loads.request, shipment, qty)
                if loads.request.kind == "replenish":  # stock coming in: others may take it at once
                    self.engine.at(minutes, self._on_delivered, trip)
                else:  # only the shelter's accounts and the records see it: no event
                    self._arrivals += 1
                    heapq.heappush(self._arriving, (now + (minutes if minutes > 0.0 else 0.0), self._arrivals,
                                                    trip))
                # it drives back empty the way it came: free again at the depot then
                heapq.heappush(depot.lifts_back if mode == "air" else depot.trucks_back,
                               (now + minutes) + minutes)
            if loads.sent >= loads.weight * (1 - 1e-9):
                done.append(loads)
        for loads in done:
            depot.waiting_loads.remove(loads)
        back = min((vehicles[0] for vehicles in waits_for if vehicles), default=math.inf) \
            if waits_for else math.inf
        if back < depot.wake:
            depot.wake = back
            self.engine.at(back - now, self._on_wake, (depot, back))

    def _on_delivered(self, event: Fired[tuple[DepotState, Request, dict, float]]) -> None:
        self._delivered(event.value, self.engine.env.now)

    def _deliver_due(self, now: float) -> None:
        """Deliver, in order, the goods for shelters and incidents that arrived by ``now``."""
        arriving = self._arriving
        while arriving and arriving[0][0] <= now:
            when, _, trip = heapq.heappop(arriving)
            self._delivered(trip, when)

    def last_arrival(self) -> float:
        """When the last goods under way with no event arrive (-inf if none)."""
        return max((when for when, _, _ in self._arriving), default=-math.inf)

    def _delivered(self, trip: tuple[DepotState, Request, dict, float], now: float) -> None:
        depot, req, shipment, qty = trip
        shipment["arrived"] = now
        shipment["received"] += qty
        req.delivered += qty
        if math.isnan(req.first_delivery):
            req.first_delivery = now
            req.first_tier = depot.tier
        if req.kind == "shelter":
            s = req.shelter
            self._account(s, now)
            self.coming[s][req.item] -= qty
            self.held[s][req.item] += qty
        elif req.kind == "replenish":
            self._arrive_stock(self.by_id[req.source], req.item, qty)

    def _on_wake(self, event: Fired[tuple[DepotState, float]]) -> None:
        """A vehicle that loaded goods wait for is back: send them."""
        depot, back = event.value
        depot.reclaim(back)  # by the clock it was asked for (now may differ in the last bit)
        if depot.wake == back:
            depot.wake = math.inf
        self._send(depot)

    def roads_changed(self) -> None:
        for depot in self.depots:
            if depot.waiting_loads:
                self._send(depot)

    # ---------------------------------------------------------------- stock coming in

    def _maybe_replenish(self, depot: DepotState, item: str) -> None:
        """Order back up to the starting stock when stock plus what is on order falls below
        ``below`` of it."""
        rule = self.replenish.get(depot.id)
        if rule is None:
            return
        start = depot.start.get(item, 0.0)
        position = depot.stock[item] + depot.on_order.get(item, 0.0)
        late = self.engine.env.now >= self.engine.horizon
        if start <= 0 or position >= rule.below * start or late:
            return
        qty = start - position
        depot.on_order[item] = depot.on_order.get(item, 0.0) + qty
        if rule.from_ is not None:
            self.request("replenish", depot.node, item, qty, depot.id, from_depot=rule.from_)
        else:
            self._orders += 1
            u = keyed_uniform(self.engine.seed, self.engine.replication, 11, depot.index, self._orders)
            self.engine.at(rule.lead.ppf1(u), self._on_supplier, (depot, item, qty))

    def _on_supplier(self, event: Fired[tuple[DepotState, str, float]]) -> None:
        depot, item, qty = event.value
        self._arrive_stock(depot, item, qty)

    def _arrive_stock(self, depot: DepotState, item: str, qty: float) -> None:
        now = self.engine.env.now
        depot.stock[item] += qty
        depot.on_order[item] = max(0.0, depot.on_order.get(item, 0.0) - qty)
        if depot.stock[item] > 0 and item in depot.empty_since:
            since = depot.empty_since.pop(item)
            self.stockouts.append((depot.id, item, since, now))
        self.stock_log.append((now, depot.id, item, depot.stock[item]))
        for req in list(self.backorders):  # waiting demand gets another chance, oldest first
            if req.item == item and depot.stock[item] > 0:
                self.backorders.remove(req)
                self._waiting.discard(req.index)
                self._allocate(req)

    def finish(self, end: float, delivered_by: float) -> None:
        """Deliver what arrived by ``delivered_by`` (the end, or just before the horizon: what it
        stopped did not happen), account shelters' use up to the end; close the stock-outs still
        running."""
        self._deliver_due(delivered_by)
        if self.active:
            for shelter in range(len(self.shelter_ids)):
                self._account(shelter, end)
        for depot in self.depots:
            for item, since in depot.empty_since.items():
                self.stockouts.append((depot.id, item, since, end))
            depot.empty_since.clear()
