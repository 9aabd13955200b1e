"""Checks between sections of a scenario: every reference points at something that exists,
and every requirement can be met.

They read the raw mapping with light guards, so that references are checked even in sections
that also have structural problems: every problem is reported in one go.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from ..errors import shown
from ..plugins import ENTRY_POINT_GROUPS, plugin_names
from .limits import MAX_UNITS
from .schema import NODE_KINDS, text_id

__all__ = ["cross_checks", "known_policies", "max_simultaneous", "policy_problem"]

Found = list[tuple[tuple[Any, ...], str]]


def _items(raw: object, *keys: str) -> list[tuple[int, dict]]:
    """``(index, item)`` for the mapping items of the list at ``raw[keys...]``."""
    for key in keys:
        raw = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(raw, list):
        return []
    return [(i, item) for i, item in enumerate(raw) if isinstance(item, dict)]


def _mapping(raw: object, *keys: str) -> dict:
    for key in keys:
        raw = raw.get(key) if isinstance(raw, dict) else None
    return raw if isinstance(raw, dict) else {}


def _id(value: object) -> str | None:
    value = text_id(value)
    return value if isinstance(value, str) and value else None


def _count(value: object, default: int = 1) -> int | None:
    """A valid count, the default when absent, or None when it is malformed or beyond any limit
    (the schema says which)."""
    if value is None:
        return default
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_UNITS
    return value if ok else None  # type: ignore[return-value]


def _strings(value: object) -> list[str]:
    """The string items of a list (anything else in it is the schema's to report)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _duplicates(ids: Sequence[tuple[int, str | None]]) -> list[tuple[int, str]]:
    """Second and later uses of an id, with their positions (missing ids are left out)."""
    seen: set[str] = set()
    repeats = []
    for pos, value in ids:
        if value is None:
            continue
        if value in seen:
            repeats.append((pos, value))
        seen.add(value)
    return repeats


def known_policies() -> dict[str, Any]:
    from ..model.dispatch import POLICIES  # local import: the model depends on the scenario

    return POLICIES


def _registered_problem(kind: str, what: str, name: str, builtin: list[str]) -> str | None:
    """None when ``name`` is a built-in or registered policy of ``kind``; nothing is imported."""
    if name in builtin or name in plugin_names(kind):
        return None
    known = ", ".join([*builtin, *plugin_names(kind)])
    hint = (" (a scenario file cannot name code to import: register the class under a name with "
            f"sim.register_policy or an entry point in group {shown(ENTRY_POINT_GROUPS[kind])}, and give "
            "that name)") if ":" in name or "." in name else ""
    return f"unknown {what} {shown(name)}; known: {known}{hint}"


def policy_problem(name: str) -> str | None:
    """None when ``name`` is a built-in or registered dispatch policy (see :mod:`sim.plugins`)."""
    return _registered_problem("dispatch", "dispatch policy", name, list(known_policies()))


def _format_need(requires: dict) -> str:
    return ", ".join(f"{cap}: {n}" for cap, n in requires.items())


def max_simultaneous(requires: dict[str, int], groups: list[tuple[frozenset[str], int]]) -> int:
    """How many of the required slots distinct units can fill at once (a maximum flow from
    capabilities, each needing its count, to unit groups, each offering its count)."""
    caps = list(requires)
    n = 2 + len(caps) + len(groups)
    source, sink = 0, n - 1
    capacity = np.zeros((n, n), dtype=np.int64)
    for i, cap in enumerate(caps):
        capacity[source, 1 + i] = requires[cap]
        for j, (offered, _) in enumerate(groups):
            if cap in offered:
                capacity[1 + i, 1 + len(caps) + j] = requires[cap]
    for j, (_, count) in enumerate(groups):
        capacity[1 + len(caps) + j, sink] = count
    return int(maximum_flow(csr_matrix(capacity), source, sink).flow_value)


def _unknown(what: str, value: str, known: Any) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    hint = f" (did you mean {shown(close[0])}?)" if close else ""
    return f"unknown {what} {shown(value)}{hint}"


def cross_checks(raw: dict) -> Found:
    """Problems between sections: unknown references, impossible requirements."""
    out: list[tuple[tuple[Any, ...], str]] = []
    node_items = _items(raw, "region", "nodes")
    nodes = {nid: item for _, item in node_items if (nid := _id(item.get("id")))}
    for i, nid in _duplicates([(i, _id(n.get("id"))) for i, n in node_items if _id(n.get("id"))]):
        out.append((("region", "nodes", i, "id"), f"node id {shown(nid)} is used twice"))
    for network in ("roads", "waterways"):
        for i, edge in _items(raw, "region", network, "edges"):
            ends = {key: _id(edge.get(key)) for key in ("from", "to")}
            for key, node in ends.items():
                if node is not None and nodes and node not in nodes:
                    out.append((("region", network, "edges", i, key), _unknown("node", node, nodes)))
            if ends["from"] is not None and ends["from"] == ends["to"]:
                out.append((("region", network, "edges", i), "an edge must join two different nodes"))


    facility_items = _items(raw, "facilities")
    facilities = {fid: item for _, item in facility_items if (fid := _id(item.get("id")))}
    for i, fid in _duplicates([(i, _id(f.get("id"))) for i, f in facility_items if _id(f.get("id"))]):
        out.append((("facilities", i, "id"), f"facility id {shown(fid)} is used twice"))
    for i, f in facility_items:
        node = _id(f.get("node"))
        if node is not None and nodes and node not in nodes:
            out.append((("facilities", i, "node"), _unknown("node", node, nodes)))

    supply: Counter[str] = Counter()
    groups: list[tuple[frozenset[str], int]] = []
    modes: list[object] = []
    total_units = 0
    counts_known = True  # a malformed count (reported already) makes supply checks meaningless
    unit_items = _items(raw, "units")
    group_ids = [(i, _id(u.get("id")) or f"{u.get('type')}@{u.get('base')}") for i, u in unit_items]
    for i, gid in _duplicates(group_ids):
        out.append((("units", i), f"unit group {shown(gid)} appears twice (give each an 'id')"))
    for i, u in unit_items:
        base = _id(u.get("base"))
        if base is not None and facilities and base not in facilities:
            out.append((("units", i, "base"), _unknown("facility", base, facilities)))
        base_kind = facilities[base].get("kind") if base in facilities else None
        if u.get("mutual_aid") is not None and base_kind is not None and base_kind != "external_base":
            out.append((("units", i, "base"), "a neighbouring region's unit (with mutual_aid) is based at "
                        f"an external_base facility, not at the {base_kind} {shown(base)}"))
        elif u.get("mutual_aid") is None and base_kind == "external_base":
            out.append((("units", i, "mutual_aid"), f"{shown(base)} is an external_base (a neighbour's "
                        "forces): give the unit mutual_aid (region, when, activation), or base it at one "
                        "of the region's own facilities"))
        count = _count(u.get("count"))
        if count is None:
            counts_known = False
            continue
        total_units += count
        caps = u.get("capabilities")
        caps = frozenset(c for c in caps if isinstance(c, str)) if isinstance(caps, list) else frozenset()
        groups.append((caps, count))
        modes.append(u.get("mode", "road"))
        for cap in caps:
            supply[cap] += count

    types = _mapping(raw, "incident_types")
    has_hospital = any(f.get("kind") == "hospital" for f in facilities.values())
    for name, itype in types.items():
        if not isinstance(itype, dict):
            continue
        requires = itype.get("requires")
        if isinstance(requires, dict) and unit_items and counts_known:
            reported = len(out)
            for cap, n in requires.items():
                have = supply.get(str(cap), 0)
                if have == 0:
                    known = ", ".join(sorted(supply)) or "none"
                    out.append((("incident_types", name, "requires", cap),
                                f"no unit has capability {shown(cap)} (units have: {known})"))
                elif isinstance(n, int) and have < n:
                    out.append((("incident_types", name, "requires", cap),
                                f"needs {n} units with {shown(cap)} but the scenario has only {have}"))
            for step in _list(itype.get("escalation")):
                for cap, n in _mapping(step, "add").items():
                    if _count(n, 0) is not None and _count(requires.get(cap), 0) is not None:
                        requires = {**requires, cap: (requires.get(cap) or 0) + n}
            needed = sum(n for n in requires.values() if _count(n, 0) is not None)
            if needed > total_units and len(out) == reported:
                out.append((("incident_types", name, "requires"),
                            f"needs {needed} units but the scenario has {total_units}"))
            elif len(out) == reported and all(_count(n, 0) is not None for n in requires.values()):
                allowed = _strings(itype.get("modes")) if isinstance(itype.get("modes"), list) else None
                usable = [g for g, m in zip(groups, modes, strict=True) if allowed is None or m in allowed]
                most = max_simultaneous(requires, usable)
                if most < needed:
                    how = f" by {'/'.join(allowed)}" if allowed is not None else ""
                    out.append((("incident_types", name, "requires"),
                                f"needs {needed} distinct units ({_format_need(requires)}) but at most "
                                f"{most} can be sent together{how}: a unit with several of these "
                                "capabilities counts once"))
        hospital = itype.get("hospital")
        if isinstance(hospital, dict) and facilities and not has_hospital \
                and isinstance(hospital.get("probability"), (int, float)) and hospital["probability"] > 0:
            out.append((("incident_types", name, "hospital"),
                        "transports patients but no facility is a hospital"))

    generator_items = _items(raw, "generators")
    streams = [(i, _id(g.get("id")) or _id(g.get("type"))) for i, g in generator_items]
    for i, sid in _duplicates([(i, s) for i, s in streams if s]):
        out.append((("generators", i), f"two generators named {shown(sid)} (give each an 'id')"))
    for i, g in generator_items:
        gtype = _id(g.get("type"))
        if gtype is not None and types and gtype not in types:
            out.append((("generators", i, "type"), _unknown("incident type", gtype, types)))
        where = g.get("where", {})
        if isinstance(where, dict) and nodes:
            out.extend((("generators", i, "where", *loc), msg)
                       for loc, msg in _where_problems(where, nodes, points=True))

    out.extend(_hazard_checks(raw, nodes, facilities, types, unit_items))
    out.extend(_people_and_supply_checks(raw, nodes, facilities, types))

    policy = _mapping(raw, "dispatch").get("policy")
    if isinstance(policy, str):
        message = policy_problem(policy)
        if message:
            out.append((("dispatch", "policy"), message))
    out.extend(_move_up_checks(raw, facilities, unit_items))
    return out


def _move_up_checks(raw: dict, facilities: dict[str, dict], unit_items: list[tuple[int, dict]]) -> Found:
    """Move-up names unit types that exist (road units) and bases that are facilities."""
    move = _mapping(raw, "dispatch", "move_up")
    out: list[tuple[tuple[Any, ...], str]] = []
    types = {str(u.get("type")): u.get("mode", "road") for _, u in unit_items}
    for k, name in enumerate(_strings(move.get("units"))):
        if types and name not in types:
            out.append((("dispatch", "move_up", "units", k), _unknown("unit type", name, types)))
        elif types.get(name, "road") != "road":
            out.append((("dispatch", "move_up", "units", k), f"move-up moves road units; {shown(name)} "
                        f"units travel by {types[name]}"))
    chosen = move.get("policy")
    if isinstance(chosen, str) and chosen:
        from ..engine.moveup import MOVE_UP_POLICIES  # local import: the engine depends on the scenario

        message = _registered_problem("move_up", "move-up policy", chosen, list(MOVE_UP_POLICIES))
        if message:
            out.append((("dispatch", "move_up", "policy"), message))
    for k, base in enumerate(_strings(move.get("bases"))):
        if facilities and base not in facilities:
            out.append((("dispatch", "move_up", "bases", k), _unknown("facility", base, facilities)))
    return out


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _where_problems(where: dict, nodes: dict[str, dict], points: bool = False) -> Found:
    """Problems of a ``where`` (``points`` allowed only where ``points`` is true: generators)."""
    out: list[tuple[tuple[Any, ...], str]] = []
    if where.get("points") is not None:
        if not points:
            out.append((("points",), "incident spots from a file are for generators; a hazard's incidents go "
                                     "by nodes, tags or kinds"))
        return out  # a file of spots: read and checked when the scenario is built
    explicit = where.get("nodes")
    if isinstance(explicit, dict):
        for node in explicit:
            if _id(node) not in nodes:
                out.append((("nodes", node), _unknown("node", str(node), nodes)))
        return out
    tags = [t for t in _list(where.get("tags")) if isinstance(t, str)]
    kinds = [k for k in _list(where.get("kinds")) if isinstance(k, str)]
    for kind in kinds:
        if kind not in NODE_KINDS:
            out.append((("kinds",), f"unknown node kind {shown(kind)} (use one of: {', '.join(NODE_KINDS)})"))
    node_tags = {nid: set(_strings(n.get("tags"))) for nid, n in nodes.items()}
    for tag in tags:
        if not any(tag in t for t in node_tags.values()):
            out.append((("tags",), f"no node has the tag {shown(tag)}"))
    if out:
        return out
    eligible = [nid for nid, n in nodes.items()
                if (not tags or set(tags) & node_tags[nid]) and (not kinds or n.get("kind") in kinds)]
    if not eligible:
        out.append(((), "no node matches both the tags and the kinds"))
    elif where.get("weight", "population") == "population" \
            and sum(_count(nodes[nid].get("population"), 0) or 0 for nid in eligible) == 0:
        out.append(((), "weighted by population but the matching nodes have no population "
                        "(use weight: uniform)"))
    return out


RAIN = ("typhoon", "heavy_rain")
NEEDS_ROADS = "need roads or auto_roads, not a travel matrix"


def _hazard_checks(raw: dict, nodes: dict, facilities: dict, types: dict, unit_items: list) -> Found:
    """References inside ``hazards`` and ``prepositioning``."""
    out: Found = []
    region = _mapping(raw, "region")
    has_roads = "travel_matrix" not in region
    node_tags = {t for n in nodes.values() for t in _strings(n.get("tags"))}
    edges = _items(raw, "region", "roads", "edges")
    road_tags = {t for _, e in edges for t in _strings(e.get("tags"))}
    if isinstance(region.get("auto_roads"), dict):  # synthetic roads take terrain tags from nodes
        terrain = region["auto_roads"].get("terrain_tags", ["mountain", "flood-prone", "low-lying",
                                                              "coast", "bridge"])
        road_tags |= node_tags & set(_strings(terrain))
    if isinstance(region.get("road_network"), dict):  # imported roads: their places' terrain, bridges
        road_tags |= (node_tags & {"mountain", "flood-prone", "low-lying", "coast", "bridge"}) | {"bridge",
                                                                                                 "tunnel"}
    hazards = _items(raw, "hazards")
    ids = [(i, _id(h.get("id"))) for i, h in hazards if _id(h.get("id"))]
    for i, hid in _duplicates(ids):
        out.append((("hazards", i, "id"), f"hazard id {shown(hid)} is used twice"))
    kinds = {hid: h.get("kind") for (_, hid), (_, h) in zip(ids, hazards, strict=False)}
    groups = {(_id(u.get("id")) or f"{u.get('type')}@{u.get('base')}"): u for _, u in unit_items}

    def known_type(loc: tuple, value: object) -> None:
        name = _id(value)
        if name is not None and types and name not in types:
            out.append((loc, _unknown("incident type", name, types)))

    def known_node(loc: tuple, value: object) -> None:
        node = _id(value)
        if node is not None and nodes and node not in nodes:
            out.append((loc, _unknown("node", node, nodes)))

    for i, h in hazards:
        kind, at = h.get("kind"), ("hazards", i)
        where = h.get("where")
        if isinstance(where, dict) and nodes:
            out.extend(((*at, "where", *loc), msg) for loc, msg in _where_problems(where, nodes))
        known_node((*at, "node"), h.get("node"))
        if kind in RAIN:
            intensity = h.get("intensity")
            for key in intensity if isinstance(intensity, dict) else ():
                key = str(key)
                if key.startswith("tag:"):
                    if key[4:] not in node_tags:
                        out.append(((*at, "intensity", key), f"no node has the tag {shown(key[4:])}"))
                elif key != "default" and nodes and key not in nodes:
                    out.append(((*at, "intensity", key),
                                _unknown("node", key, nodes) + " (or use 'default' or 'tag:NAME')"))
            for key in _mapping(h, "rate_multipliers"):
                known_type((*at, "rate_multipliers", key), key)
            for j, item in _items(h, "incidents"):
                known_type((*at, "incidents", j, "type"), item.get("type"))
                if isinstance(item.get("where"), dict) and nodes:
                    out.extend(((*at, "incidents", j, "where", *loc), msg)
                               for loc, msg in _where_problems(item["where"], nodes))
            cuts = h.get("road_cuts")
            if isinstance(cuts, dict):
                if not has_roads:
                    out.append(((*at, "road_cuts"), "road cuts " + NEEDS_ROADS))
                for tag in _mapping(cuts, "tags"):
                    if tag not in road_tags:
                        out.append(((*at, "road_cuts", "tags", tag), f"no road has the tag {shown(tag)}"))
                isolation = cuts.get("isolation")
                if isinstance(isolation, dict):
                    known_type((*at, "road_cuts", "isolation", "incident_type"),
                               isolation.get("incident_type"))
                    for tag in _mapping(isolation, "tags"):
                        if tag not in node_tags:
                            out.append(((*at, "road_cuts", "isolation", "tags", tag),
                                        f"no node has the tag {shown(tag)}"))
        elif kind == "landslide":
            for k, trigger in enumerate(_list(h.get("triggered_by"))):
                if kinds.get(_id(trigger)) not in RAIN:
                    out.append(((*at, "triggered_by", k), f"{shown(trigger)} is not a rain hazard"))
            known_type((*at, "incident_type"), h.get("incident_type"))
            if not has_roads:
                out.append((at, "landslides cut roads: they " + NEEDS_ROADS))
        elif kind == "forest_fire":
            known_type((*at, "incident_type"), h.get("incident_type"))
            for tag in _mapping(h, "fuel"):
                if tag not in node_tags:
                    out.append(((*at, "fuel", tag), f"no node has the tag {shown(tag)}"))
            out.extend(_fire_line_problems(at, _mapping(types, _id(h.get("incident_type")) or ""),
                                           groups, facilities))
        elif kind == "chemical":
            for name, outcome in _mapping(h, "outcomes").items():
                if isinstance(outcome, dict):
                    known_type((*at, "outcomes", name, "incident_type"), outcome.get("incident_type"))
            known_type((*at, "casualty_type"), h.get("casualty_type"))
        elif kind == "earthquake":
            known_type((*at, "collapse", "incident_type"), _mapping(h, "collapse").get("incident_type"))
            if isinstance(h.get("road_damage"), dict) and not has_roads:
                out.append(((*at, "road_damage"), "road damage " + NEEDS_ROADS))

    warned = {hid for hid, kind in kinds.items() if kind in RAIN} | set(RAIN)
    for i, rule in _items(raw, "prepositioning"):
        hazard = _id(rule.get("hazard"))
        if hazard is not None and hazard not in warned:
            out.append((("prepositioning", i, "hazard"),
                        f"{shown(hazard)} is not a warned hazard (a typhoon or heavy-rain id, or those "
                        "kinds)"))
        for j, move in _items(rule, "moves"):
            group = _id(move.get("units"))
            if group is not None and groups and group not in groups:
                out.append((("prepositioning", i, "moves", j, "units"),
                            _unknown("unit group", group, groups)))
            to = _id(move.get("to"))
            if to is not None and facilities and to not in facilities:
                out.append((("prepositioning", i, "moves", j, "to"), _unknown("facility", to, facilities)))
            elif to is not None and facilities.get(to, {}).get("kind") != "staging_post":
                out.append((("prepositioning", i, "moves", j, "to"),
                            f"units are pre-positioned at a staging_post; {shown(to)} is a "
                            f"{facilities[to].get('kind')}"))
    return out


def _fire_line_problems(at: tuple, itype: dict, groups: dict, facilities: dict) -> Found:
    """A forest fire's units must be able to build fire line, or it is never contained."""
    requires = _mapping(itype, "requires")
    builders = []
    for group in groups.values():
        caps = set(_strings(group.get("capabilities")))
        if not caps & set(requires):
            continue
        if group.get("line_production") is not None:
            builders.append(group)
        elif group.get("mode") == "air" and _mapping(group, "air").get("bucket_line"):
            builders.append(group)
            if not any(f.get("kind") == "water_source" for f in facilities.values()):
                return [((*at, "incident_type"),
                         "helicopters with buckets need a facility of kind water_source to refill")]
    if requires and groups and not builders:
        return [((*at, "incident_type"),
                 "no unit sent to these fires builds fire line: give ground crews a line_production "
                 "(e.g. '10 m/min') or helicopters air.bucket_line")]
    return []


def _people_and_supply_checks(raw: dict, nodes: dict, facilities: dict, types: dict) -> Found:
    """References inside ``shelters``, ``evacuation``, ``items``, ``depots`` and ``supply``."""
    out: Found = []

    def known(loc: tuple, value: object, what: str, pool: dict) -> None:
        key = _id(value)
        if key is not None and pool and key not in pool:
            out.append((loc, _unknown(what, key, pool)))

    shelters = _items(raw, "shelters")
    for i, sid in _duplicates([(i, _id(s.get("id"))) for i, s in shelters if _id(s.get("id"))]):
        out.append((("shelters", i, "id"), f"shelter id {shown(sid)} is used twice"))
    for i, shelter in shelters:
        known(("shelters", i, "node"), shelter.get("node"), "node", nodes)
    evacuation = raw.get("evacuation")
    if isinstance(evacuation, dict):
        if not shelters:
            out.append((("evacuation",), "people need shelters to go to: add a 'shelters' section"))
        hazards = {_id(h.get("id")): h.get("kind") for _, h in _items(raw, "hazards")}
        kinds = {kind for kind in hazards.values() if isinstance(kind, str)}
        for i, zone in _items(evacuation, "zones"):
            hazard = _id(zone.get("hazard"))
            if hazard is not None and hazard not in hazards and hazard not in kinds:
                out.append((("evacuation", "zones", i, "hazard"),
                            f"no hazard with id or kind {shown(hazard)} in this scenario"))
        for section, key in (("buses", "depot"), ("boats", "base")):
            part = evacuation.get(section)
            if isinstance(part, dict):
                known(("evacuation", section, key), part.get(key), "facility", facilities)
        buses = evacuation.get("buses")
        bus_base = _id(buses.get("depot")) if isinstance(buses, dict) else None
        if bus_base in facilities and facilities[bus_base].get("kind") != "bus_depot":
            out.append((("evacuation", "buses", "depot"), "buses are based at a bus_depot; "
                        f"{shown(bus_base)} is a {facilities[bus_base].get('kind')}"))
    items = _mapping(raw, "items")
    for name, item in items.items():
        for itype in _mapping(item, "per_incident"):
            known(("items", name, "per_incident", itype), itype, "incident type", types)
    depots = _items(raw, "depots")
    depot_ids = {did: d for _, d in depots if (did := _id(d.get("id")))}
    for i, did in _duplicates([(i, _id(d.get("id"))) for i, d in depots if _id(d.get("id"))]):
        out.append((("depots", i, "id"), f"depot id {shown(did)} is used twice"))
    for i, depot in depots:
        known(("depots", i, "node"), depot.get("node"), "node", nodes)
        for item in _mapping(depot, "stock"):
            if items and item not in items:
                out.append((("depots", i, "stock", item), _unknown("item", str(item), items)))
        source = _mapping(depot, "replenish").get("from")
        if source is not None:
            known(("depots", i, "replenish", "from"), source, "depot", depot_ids)
            if _id(source) == _id(depot.get("id")):
                out.append((("depots", i, "replenish", "from"), "a depot cannot replenish from itself"))
            upstream = _mapping(depot_ids.get(_id(source) or "", {}), "stock")
            if _id(source) in depot_ids:
                for item, qty in _mapping(depot, "stock").items():
                    if _positive(qty) and not _positive(upstream.get(item)):
                        problem = f"replenishes {item} from {source}, which holds none: it would never come"
                        fix = f"stock {item} at {source}, or replenish from outside with 'lead'"
                        out.append((("depots", i, "replenish", "from"), f"{problem} ({fix})"))
    if items and not depots:
        out.append((("items",), "items are defined but no depot holds them: add a 'depots' section"))
    policy = _mapping(raw, "supply").get("policy")
    if isinstance(policy, str):
        message = _registered_problem("allocation", "allocation policy", policy, ["nearest_tier_first"])
        if message:
            out.append((("supply", "policy"), message))
    return out


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0
