"""Derive the built-in Qinhuangdao scenario (scenarios/qinhuangdao.yaml) from
calibration/qinhuangdao_figures.csv.

Qinhuangdao (秦皇岛市, Hebei): 4 districts and 3 counties between the Yanshan mountains and the
Bohai coast. Doc 004 (the city's 2025 work points) sets the relief targets this scenario is for:
the first batch of supplies in a disaster area within 6 h from county level and 8 h from city
level, county depots everywhere, township depots in disaster-prone areas, flood stock raised
before the main flood season, supply agreements with neighbours, the call-and-respond warning
chain and drones for places cut off. Doc 004 gives targets, not counts: forces, stock and
geography are ASSUMPTIONS (marked in the figures table); populations are external figures.

    python calibration/qinhuangdao.py           # rewrite scenarios/qinhuangdao.yaml
    python calibration/qinhuangdao.py --check   # exit 1 if the scenario differs from the derivation
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Figure, flow, largest_remainder, node_line, read_figures, write_or_check  # noqa: E402
from relief import (  # noqa: E402
    AID_ACTIVATION,
    PROVINCE_ACTIVATION,
    SUDDEN_WARNING,
    aggregate_shelters,
    depot_line,
    incident_stock,
    people_stock,
    read_items,
    render_evacuation,
    render_items,
    supply_settings,
)
from settlements import Town, coast_km, land_cells, node_dict, settle, town_land_km2  # noqa: E402

HERE = Path(__file__).resolve().parent
FIGURES = HERE / "qinhuangdao_figures.csv"
SCENARIO = HERE.parent / "scenarios" / "qinhuangdao.yaml"

# Seats (approximate WGS84, about +-5 km), whether urban, seat tags; then clusters with absolute
# positions and terrain tags read off public maps (ASSUMPTIONS: which places are mountain,
# forest or flood-prone, and where the clusters sit).
COUNTIES = [
    # id,           zh,                 en,            urban, lon,    lat,   seat tags
    ("haigang", "海港区", "Haigang", True, 119.600, 39.940, ["coast"]),
    ("shanhaiguan", "山海关区", "Shanhaiguan", True, 119.755, 40.005, ["coast"]),
    ("beidaihe", "北戴河区", "Beidaihe", True, 119.485, 39.835, ["coast"]),
    ("funing", "抚宁区", "Funing", True, 119.245, 39.885, []),
    ("changli", "昌黎县", "Changli", False, 119.165, 39.710, []),
    ("lulong", "卢龙县", "Lulong", False, 118.890, 39.890, ["flood-prone"]),
    ("qinglong", "青龙满族自治县", "Qinglong", False, 118.950, 40.410, ["mountain"]),
]
CLUSTERS = {
    "haigang": [("Shimenzhai", 119.620, 40.080, ["mountain", "forest"]),
                ("west", 119.520, 39.950, ["flood-prone"])],
    "shanhaiguan": [("north", 119.730, 40.070, ["mountain", "forest"])],
    "beidaihe": [("west", 119.420, 39.800, ["coast"])],
    "funing": [("north", 119.300, 40.100, ["mountain", "forest"]),
               ("south", 119.340, 39.750, ["coast", "flood-prone"])],
    "changli": [("Luan river mouth", 119.300, 39.620, ["coast", "flood-prone"]),
                ("Luan river west", 119.000, 39.650, ["flood-prone"])],
    "lulong": [("Taolinkou", 118.850, 40.050, ["mountain", "forest"]),
               ("south", 118.950, 39.800, ["flood-prone"])],
    "qinglong": [("west", 118.700, 40.500, ["mountain", "forest"]),
                 ("east", 119.150, 40.300, ["mountain", "forest"]),
                 ("south", 118.850, 40.250, ["mountain", "forest"])],
}
TANGSHAN = ("tangshan", "唐山 Tangshan (supply agreement, mutual aid)", 118.400, 39.700)
# The Bohai shore, south-west to north-east (read off public maps, about +-2 km): the sea is south-east.
COAST = [(119.10, 39.40), (119.28, 39.47), (119.38, 39.68), (119.50, 39.81), (119.62, 39.92), (119.80, 40.00),
         (119.90, 40.06)]
TORRENTS_PER_RAINSTORM = 2.0
SHELTER_ITEMS = ["water", "meals", "quilts", "tents"]
FLOOD_ITEMS = ["sandbags", "life_jackets", "rubber_boats"]
RESCUE_ITEMS = ["generators", "satellite_phones"]
TYPE_NAMES = {"building_fire", "outdoor_fire", "accident", "flood_rescue", "landslide_rescue", "collapse",
              "forest_fire"}
LIFT_COUNTIES = ("qinglong", "funing", "lulong")  # county depots with drones (ASSUMPTION)


def derive(f: dict[str, Figure]) -> dict:
    """All parameters of the Qinhuangdao scenario."""
    urban_rest = f["urban_population_2022"].value - f["shanhaiguan_population_2020"].value
    counties_total = f["population_2022"].value - f["urban_population_2022"].value
    county_pop = {"shanhaiguan": int(f["shanhaiguan_population_2020"].value)}
    for cid, shares, total in (
            (("haigang", "beidaihe", "funing"), "urban", urban_rest),
            (("changli", "lulong", "qinglong"), "counties", counties_total)):
        split = largest_remainder(int(total), [f[f"{c}_share_{shares}"].value for c in cid])
        county_pop.update(zip(cid, split, strict=True))
    seats: list[Town] = []
    for cid, zh, en, urban, lon, lat, tags in COUNTIES:
        clusters = CLUSTERS[cid]
        seat = f["seat_share_urban" if urban else "seat_share_county"].value
        pops = largest_remainder(county_pop[cid], [seat] + [(1 - seat) / len(clusters)] * len(clusters))
        seats.append(Town(cid, f"{zh} {en}", en, "subdistrict" if urban else "township", lon, lat, pops[0], 1, 0,
                          f["seat_centre_share"].value, tuple(tags)))
        for k, ((name, clon, clat, ctags), pop) in enumerate(zip(clusters, pops[1:], strict=True)):
            seats.append(Town(f"{cid}-{k + 1}", f"{en} {name}", f"{en} {name}", "township", clon, clat, pop, 1, 0,
                              f["cluster_centre_share"].value, tuple(ctags)))
    land = land_cells(seats, f["qinhuangdao_area_km2"].value, cell_km=1.0, coast=COAST)
    villages = largest_remainder(round(f["qinhuangdao_area_km2"].value / f["settlement_area_km2"].value),
                                 town_land_km2(land, len(seats)))
    towns = [Town(t.id, t.name, t.en, t.kind, t.lon, t.lat, t.population,
                  max(1, round(t.population * t.centre_share / f["community_population"].value)), v,
                  t.centre_share, t.tags) for t, v in zip(seats, villages, strict=True)]
    places = settle(towns, land)
    forest_villages = [s for s in places if s.kind == "village" and "forest" in s.tags]
    forest = dict(zip((s.id for s in forest_villages),
                      largest_remainder(int(f["forest_area_ha"].value), [1.0] * len(forest_villages)), strict=True))
    band = f["coast_band_km"].value
    nodes = []
    for place in places:
        tags = set(place.tags) - {"coast"}
        if place.kind != "village":
            tags.discard("forest")
        if coast_km(place.lon, place.lat, COAST) <= band:
            tags.add("coast")
        county = place.town.split("-")[0]
        nodes.append({**node_dict(place, tags=sorted(tags), forest_ha=forest.get(place.id, 0)), "area": county})
    tid, tname, tlon, tlat = TANGSHAN
    nodes.append({"id": tid, "name": tname, "kind": "junction", "lon": tlon, "lat": tlat, "population": 0,
                  "tags": [], "area": None, "forest_ha": 0})
    population = sum(n["population"] for n in nodes)
    per_person = 1 / f["fenghua_population_2020"].value
    fires = f["fenghua_fires_2020"].value * per_person * population
    building = f["building_fire_share"].value
    capacity = round(population * f["shelter_capacity_share"].value)
    return {
        "nodes": nodes,
        "mountain_places": sum("mountain" in n["tags"] for n in nodes),
        "county_population": county_pop,
        "cluster_towns": [t.id for t in seats if "-" in t.id],
        "population": population,
        "shelters": aggregate_shelters([n for n in nodes if n["area"]], int(f["shelters"].value), capacity),
        "shelter_capacity": capacity,
        "township_depots": [t.id for t in seats if "mountain" in t.tags and "-" in t.id],
        "rates_per_year": {
            "building_fire": round(fires * building, 1),
            "outdoor_fire": round(fires * (1 - building), 1),
            "accident": round(f["fenghua_accidents_2020"].value * per_person * population, 1),
        },
        "accident_transport": round(f["fenghua_accident_deaths_2020"].value / f["fenghua_accidents_2020"].value, 3),
    }


def render(p: dict, f: dict[str, Figure]) -> str:
    """The scenario file text, with the source of each number in comments."""
    rate = p["rates_per_year"]
    pop = p["county_population"]
    out = [
        "# Qinhuangdao (秦皇岛市), Hebei: rainstorms, mountain torrents, earthquakes and forest fires,",
        "# and relief supplies checked against the 6 h / 8 h first-batch targets.",
        "# GENERATED by calibration/qinhuangdao.py from calibration/qinhuangdao_figures.csv - edit those, not this.",
        "# Sources: doc 004 = Qinhuangdao 2025 work points, 001 = Fenghua review (../shared/seeds);",
        "# 'external' = published population figures; ASSUMPTION = not in any source. Doc 004 sets",
        "# targets, not counts: forces and stock are ASSUMPTIONS. Geography is APPROXIMATE (seats within",
        "# about 5 km, cluster towns placed from maps, villages generated: calibration/settlements.py) and roads",
        "# are a generated planar network.",
        "name: Qinhuangdao 秦皇岛市 (approximate geography, generated villages and roads)",
        "description: >",
        "  Qinhuangdao's 4 districts and 3 counties with a county depot at every seat, township depots in",
        "  the mountain clusters, the city depot at Haigang, a Hebei provincial depot and Tangshan's under",
        "  a supply agreement; rainstorms with mountain torrents and landslides, rare earthquakes and",
        "  forest fires; evacuation through the call-and-respond chain. Forces and stock are assumptions.",
        "",
        "region:",
        f"  # population {p['population']}: {f['population_2022'].cite()}; {f['urban_population_2022'].cite()};",
        f"  #   {f['shanhaiguan_population_2020'].cite()}; the split of the rest: ASSUMPTIONS",
        "  #   (" + ", ".join(f"{c} {pop[c]}" for c, *_ in COUNTIES) + ")",
        f"  # seat shares: urban {f['seat_share_urban'].value:g}, counties {f['seat_share_county'].value:g} "
        "(ASSUMPTION); the rest over the cluster towns, whose villages are generated places",
        f"  # forest: {f['forest_area_ha'].cite()}, split evenly over the villages of the forest towns",
        f"  # land {f['qinhuangdao_area_km2'].cite()}; villages: {f['settlement_area_km2'].cite()};",
        f"  #   town centres: {f['seat_centre_share'].cite()}; {f['cluster_centre_share'].cite()};",
        f"  #   {f['community_population'].cite()}; coast within {f['coast_band_km'].value:g} km of the shore (ASSUMPTION)",
        "  nodes:",
    ]
    for n in p["nodes"]:
        out.append(node_line(n, ("id", "name", "kind", "lon", "lat", "population")))
    out += [
        "  # ASSUMPTION: generated roads: the Gabriel graph of the places (planar, about two roads a",
        "  #   place), trunk roads (main) along the paths between neighbouring towns, local roads elsewhere",
        "  auto_roads: {method: planar, main_roads: trunk, main_kinds: [township, subdistrict, junction], "
        "detour: 1.3, speeds: {main: \"70 km/h\", local: \"40 km/h\"}}",
        "",
        "facilities:",
        "  # one fire station, rescue base and hospital at each seat (ASSUMPTION)",
    ]
    seats = [c[0] for c in COUNTIES]
    for c in seats:
        out.append(f"  - {flow({'id': 'fs-' + c, 'kind': 'fire_station', 'node': c})}")
    for c in seats:
        out.append(f"  - {flow({'id': 'hosp-' + c, 'kind': 'hospital', 'node': c})}")
    clusters = [c for c in p["cluster_towns"]]
    out.append("  # a township fire and rescue station in each cluster (ASSUMPTION; doc 004: 基層救援隊伍)")
    for c in clusters:
        out.append(f"  - {flow({'id': 'ts-' + c, 'kind': 'township_station', 'node': c})}")
    out += [
        "  - {id: city-teams, name: 市综合应急救援队 city rescue base, kind: team_base, node: haigang}",
        "  - {id: qinglong-teams, name: 青龙县应急救援队 Qinglong rescue base, kind: team_base, node: qinglong}",
        "  - {id: crew-qinglong, kind: team_base, node: qinglong}",
        "  - {id: crew-funing, kind: team_base, node: funing-1}",
        "  - {id: crew-haigang, kind: team_base, node: haigang-1}",
        "  - {id: crew-lulong, kind: team_base, node: lulong-1}",
        "  - {id: water-changli, kind: team_base, node: changli}",
        "  - {id: tangshan, name: 唐山 Tangshan forces (mutual aid), kind: external_base, node: tangshan}",
        "  - {id: bus-qhd, name: 公交 public transport depot (evacuation buses), kind: bus_depot, node: haigang}",
        "",
        "units:",
        "  # forces: ASSUMPTIONS (doc 004 names the kinds of teams, not their numbers)",
    ]
    for c in seats:
        engines = 6 if c == "haigang" else 2
        out.append(f"  - {{id: engine-{c}, type: engine, capabilities: [fire, first_attack, rescue], crew: 5, "
                   f"base: fs-{c}, count: {engines}, turnout: \"1 min\"}}")
    for c in seats:
        ambulances = 6 if c == "haigang" else 2
        out.append(f"  - {{id: ambulance-{c}, type: ambulance, capabilities: [ems], crew: 3, base: hosp-{c}, "
                   f"count: {ambulances}, turnout: \"1 min\"}}")
    for c in clusters:
        out.append(f"  - {{id: station-{c}, type: township_team, capabilities: [first_attack, fire, rescue], "
                   f"crew: 6, base: ts-{c}, count: 1, turnout: \"3 min\"}}")
    out += [
        "  - {id: rescue-qinglong, type: rescue_team, capabilities: [rescue, hoist], crew: 15, base: qinglong-teams,"
        " count: 1, turnout: \"5 min\"}",
        "  - {id: rescue-city, type: rescue_team, capabilities: [rescue, hoist], crew: 20, base: city-teams, count: 3,"
        " turnout: \"5 min\"}",
        "  - {id: water-changli, type: water_rescue_team, capabilities: [rescue, water_rescue], crew: 15,"
        " base: water-changli, count: 2, turnout: \"5 min\"}",
        "  - {id: water-city, type: water_rescue_team, capabilities: [rescue, water_rescue], crew: 15,"
        " base: city-teams, count: 1, turnout: \"5 min\"}",
        f"  # forest crews attack early ({f['fight_early_small'].cite()})",
        "  - {id: crew-qinglong, type: forest_crew, capabilities: [forest_crew], crew: 20, base: crew-qinglong,"
        " count: 2, line_production: \"10 m/min\", turnout: {dist: uniform, low: \"5 min\", high: \"15 min\"}}",
    ]
    for c in ("funing", "haigang", "lulong"):
        out.append(f"  - {{id: crew-{c}, type: forest_crew, capabilities: [forest_crew], crew: 20, base: crew-{c}, "
                   "count: 1, line_production: \"10 m/min\", turnout: {dist: uniform, low: \"5 min\", high: "
                   "\"15 min\"}}")
    out += [
        "  - {id: engine-tangshan, type: engine, capabilities: [fire, first_attack, rescue], crew: 5, base: tangshan,"
        " count: 4, mutual_aid: {region: Tangshan 唐山, when: [exhausted], activation: \"30 min\"}}",
        "  - {id: rescue-tangshan, type: rescue_team, capabilities: [rescue, hoist], crew: 30, base: tangshan,"
        " count: 2, mutual_aid: {region: Tangshan 唐山, when: [exhausted], activation: \"60 min\"}}",
        "",
        "# On-scene times, delays and needs below are ASSUMPTIONS; report target: " + f["report_target"].cite(),
        "incident_types:",
        "  building_fire: {label: 建筑火灾 building fire, priority: 1, requires: {fire: 2, first_attack: 1},",
        "    on_scene: {dist: lognormal, mean: \"75 min\", sd: \"40 min\"}, detection_delay: {dist: exponential,"
        " mean: \"5 min\"}, target: \"15 min\"}",
        "  outdoor_fire: {label: 其他火灾 other fires, priority: 2, requires: {first_attack: 1},",
        "    on_scene: {dist: lognormal, mean: \"30 min\", sd: \"15 min\"}, target: \"15 min\",",
        "    # grass, rubbish and vehicle fires are seen by passers-by later than alarms see a building fire",
        "    detection_delay: {dist: exponential, mean: \"10 min\"}, report_delay: {dist: uniform, low: \"1 min\","
        " high: \"3 min\"}}",
        "  accident: {label: 生产安全事故 work-safety accident, priority: 1, requires: {rescue: 1, ems: 1},",
        "    on_scene: {dist: gamma, mean: \"60 min\", sd: \"30 min\"}, report_delay: {dist: lognormal, mean: \"10 min\","
        " sd: \"15 min\"},",
        f"    target: \"15 min\", report_target: \"{f['report_target'].value:g} min\","
        f" hospital: {{probability: {p['accident_transport']}, by: ems, handover: \"15 min\"}}}}",
        "  flood_rescue: {label: 洪涝救援 flood rescue, priority: 1, requires: {water_rescue: 1},",
        "    on_scene: {dist: gamma, mean: \"90 min\", sd: \"45 min\"}, target: \"45 min\",",
        "    detection_delay: {dist: exponential, mean: \"15 min\"}, report_delay: {dist: uniform, low: \"5 min\","
        " high: \"20 min\"}}",
        "  landslide_rescue: {label: 山洪地质灾害救援 torrent and landslide rescue, priority: 1,"
        " requires: {rescue: 1, hoist: 1},",
        "    on_scene: {dist: lognormal, mean: \"4 h\", sd: \"2 h\"}, target: \"60 min\",",
        "    # found by villagers or patrols, then up the chain (ASSUMPTION)",
        "    detection_delay: {dist: exponential, mean: \"30 min\"}, report_delay: {dist: uniform, low: \"5 min\","
        " high: \"20 min\"}}",
        "  collapse: {label: 房屋倒塌 collapsed building, priority: 1, requires: {rescue: 1},",
        "    on_scene: {dist: lognormal, mean: \"3 h\", sd: \"2 h\"}, target: \"30 min\"}",
        "  forest_fire: {label: 森林火灾 forest fire, priority: 1, requires: {forest_crew: 2},",
        "    on_scene: \"2 h\", report_delay: {dist: uniform, low: \"2 min\", high: \"10 min\"},",
        "    escalation: [{after: \"2 h\", add: {forest_crew: 1}}]}",
        "",
        "generators:",
        f"  # {f['fenghua_fires_2020'].cite()}, per resident of Fenghua ({f['fenghua_population_2020'].cite()});",
        f"  #   {f['fenghua_accidents_2020'].cite()}; building share {f['building_fire_share'].cite()}",
        f"  - {{type: building_fire, rate: \"{rate['building_fire']} / y\", where: {{weight: population}},",
        "     season: [1.4, 1.3, 1.1, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.3]}",
        f"  - {{type: outdoor_fire, rate: \"{rate['outdoor_fire']} / y\", where: {{weight: population}},",
        "     season: [1.3, 1.3, 1.4, 1.3, 1.0, 0.8, 0.7, 0.7, 0.8, 1.0, 1.1, 1.2]}",
        f"  - {{type: accident, rate: \"{rate['accident']} / y\", where: {{weight: population}}}}",
        "",
        "hazards:",
        f"  # rainstorms: {f['rainstorms_per_year'].cite()}; short-range forecasts ({f['warning_window'].cite()});",
        "  #   footprint, cuts and outages ASSUMPTIONS",
        "  - kind: heavy_rain",
        "    id: rainstorms",
        f"    rate: \"{f['rainstorms_per_year'].value:g} / y\"",
        "    season: [0, 0, 0, 0, 0.1, 0.8, 5.0, 4.5, 0.6, 0, 0, 0]",
        "    lead: {dist: uniform, low: \"6 h\", high: \"36 h\"}",
        "    duration: {dist: lognormal, mean: \"30 h\", sd: \"12 h\"}",
        "    severity: {dist: uniform, low: 0.4, high: 1.0}",
        "    intensity: {default: 0.4, tag:mountain: 1.0, tag:flood-prone: 0.9, tag:coast: 0.6}",
        "    rate_multipliers: {accident: 1.6, outdoor_fire: 0.3, building_fire: 0.8}",
        "    incidents:",
        "      - {type: flood_rescue, rate: \"6 / d\", where: {tags: [flood-prone, mountain], weight: population}}",
        "    road_cuts: {probability: 0.02, tags: {mountain: 0.3, flood-prone: 0.15}, repair: {dist: lognormal,"
        " mean: \"24 h\", sd: \"12 h\"},",
        "      # roads under water but passable: driven 2.5x slower while it lasts (ASSUMPTION); the",
        "      #   probabilities are for a road of 25 km (as calibrated on the earlier lumped roads; per_km),",
        "      #   changes reported on the hour (step)",
        "      per_km: \"25 km\", step: \"1 h\",",
        "      flooding: {probability: 0.05, tags: {flood-prone: 0.3, mountain: 0.1}, factor: 2.5,"
        " lasts: {dist: lognormal, mean: \"6 h\", sd: \"4 h\"}}}",
        "    outages: {communication: 0.3, power: 0.5, restore: {dist: lognormal, mean: \"12 h\", sd: \"8 h\"},"
        " delay_factor: 2.5,",
        "      power_factor: 1.5}  # no video, alarms or sensors without power (ASSUMPTION)",
        "  - kind: landslide",
        "    id: torrents",
        "    triggered_by: [rainstorms]",
        "    where: {tags: [mountain], weight: uniform}",
        f"    # {TORRENTS_PER_RAINSTORM:g} torrents or landslides per rainstorm at full intensity over the city",
        f"    #   (ASSUMPTION, as calibrated on 8 lumped mountain places at 0.25 each), spread over {p['mountain_places']}",
        f"    probability: {TORRENTS_PER_RAINSTORM / p['mountain_places']:.4f}",
        "    incident_type: landslide_rescue",
        "    incident_probability: 0.5",
        "    cut_probability: 0.8",
        "    repair: {dist: lognormal, mean: \"36 h\", sd: \"18 h\"}",
        f"  # earthquakes: {f['earthquakes_per_year'].cite()}",
        "  - kind: earthquake",
        "    id: earthquakes",
        f"    rate: \"{f['earthquakes_per_year'].value:g} / y\"",
        "    magnitude_range: [4.5, 7.0]",
        "    collapse: {incident_type: collapse, per_10k: 5, median: 7.5, spread: 1.0}",
        "    road_damage: {median: 8.5, spread: 1.0, repair: {dist: lognormal, mean: \"24 h\", sd: \"12 h\"},",
        "      slowed: {median: 7.0, spread: 1.0, factor: 2.0}}  # cracked or strewn roads, still open (ASSUMPTION)",
        f"  # forest fires: {f['forest_fires_per_year'].cite()}; {f['forest_sensing_coverage'].cite()}",
        "  - kind: forest_fire",
        "    id: forest_fires",
        f"    rate: \"{f['forest_fires_per_year'].value:g} / y\"",
        "    season: [1.0, 1.5, 2.5, 2.5, 1.0, 0.2, 0.1, 0.1, 0.3, 1.0, 1.5, 0.8]",
        "    incident_type: forest_fire",
        "    spread_rate: {dist: lognormal, mean: \"0.8 m/min\", sd: \"0.5 m/min\"}",
        "    wind: {dist: weibull, shape: 2, scale: \"15 km/h\"}",
        f"    detection: {{coverage: {f['forest_sensing_coverage'].value:g}, covered: {{dist: exponential, "
        "mean: \"10 min\"}, uncovered: {dist: exponential, mean: \"45 min\"}}",
        "    max_duration: \"48 h\"",
        "",
        *render_people_and_supplies(p, f),
        "dispatch:",
        "  policy: nearest_available",
        "  when_no_unit: queue",
        "  handling_time: {dist: uniform, low: \"0.5 min\", high: \"1.5 min\"}",
        "",
        "run:",
        "  horizon: \"365 d\"",
        "  warmup: \"7 d\"",
        "  seed: 2025",
        "  replications: 20",
        "",
    ]
    return "\n".join(out)


def render_people_and_supplies(p: dict, f: dict[str, Figure]) -> list[str]:
    """Shelters, evacuation, relief items, depots and supply settings."""
    items = read_items()
    out = [
        f"# Shelters: places for {f['shelter_capacity_share'].value:.0%} of the people ({p['shelter_capacity']}) in "
        f"{int(f['shelters'].value)} shelters (ASSUMPTIONS),",
        "#   aggregated one per populated node in proportion to population; many are open-air sites, so",
        "#   sheltered people need tents.",
        "shelters:",
        *(f"  - {flow(s)}" for s in p["shelters"]),
        "",
        f"# Warnings: {f['warning_chain'].cite()}; {f['five_level_responsibility'].cite()}.",
        f"# Who moves in a rainstorm reaching 0.6: {f['rain_evacuation_share_mountain'].value:.0%} of mountain nodes, "
        f"{f['rain_evacuation_share_flood'].value:.0%} of flood-prone",
        f"#   ones; after an earthquake, {f['quake_evacuation_share'].value:.0%} of nodes shaken to VII or more; "
        f"vulnerable {f['vulnerable_share'].value:.0%}; cars {f['own_vehicle_share'].value:.0%};",
        f"#   {int(f['evacuation_buses'].value)} buses; water-rescue boats from Changli (ASSUMPTIONS).",
        *render_evacuation(
            [f"    - {{hazard: rainstorms, min_intensity: 0.6, tags: [mountain], "
             f"share: {f['rain_evacuation_share_mountain'].value:g}}}",
             f"    - {{hazard: rainstorms, min_intensity: 0.6, tags: [flood-prone], "
             f"share: {f['rain_evacuation_share_flood'].value:g}}}",
             "    # a torrent or slide under way: the households below it leave (ASSUMPTION: share, and",
             "    #   that they are told through the chain, which an outage at the place slows)",
             "    - {hazard: torrents, min_intensity: 1, share: 0.2}",
             f"    - {{hazard: earthquakes, min_intensity: 7, share: {f['quake_evacuation_share'].value:g},",
             *SUDDEN_WARNING],
            f["vulnerable_share"].value, f["own_vehicle_share"].value,
            ("bus-qhd", int(f["evacuation_buses"].value)), ("water-changli", 4)),
        "",
        *render_items(items, SHELTER_ITEMS + FLOOD_ITEMS + RESCUE_ITEMS, TYPE_NAMES),
        "",
        f"# Depots. {f['county_depots_everywhere'].cite()}; {f['township_depots_disaster_prone'].cite()};",
        f"#   {f['flood_stock_before_season'].cite()} (the stock below is after it);",
        f"#   {f['drone_platform'].cite()}: drones at the mountain counties' depots (2 x 50 kg, ASSUMPTION).",
        "#   Stock, trucks and loading rates: ASSUMPTIONS.",
        "depots:",
    ]

    def stock(prefix: str, kits: str | None = None, scale: float = 1.0) -> dict[str, int]:
        out = people_stock(items, SHELTER_ITEMS, f[f"{prefix}_depot_people"].value * scale, 1)
        if kits:
            out.update(incident_stock(items, FLOOD_ITEMS, "flood_rescue", f[kits].value * scale))
            out.update(incident_stock(items, RESCUE_ITEMS, "landslide_rescue", f[kits].value * scale / 2))
        return out

    out.append(f"  # county depots: stock for {int(f['county_depot_people'].value)} people and "
               f"{int(f['county_depot_flood_kits'].value)} flood rescues each")
    for cid, zh, en, *_ in COUNTIES:
        depot = {"id": f"dep-{cid}", "name": f"{zh}储备库 {en} county depot", "node": cid, "tier": "county",
                 "stock": stock("county", "county_depot_flood_kits"), "loading": "10 t/h",
                 "trucks": {"count": 4, "capacity": "5 t"}}
        if cid in LIFT_COUNTIES:
            depot["lift"] = {"count": 2, "capacity": "50 kg", "speed": "60 km/h", "load_time": "10 min"}
        depot["replenish"] = {"from": "dep-city", "below": 0.5}
        out.append(depot_line(depot))
    out.append(f"  # township depots in the mountain clusters: stock for {int(f['township_depot_people'].value)} "
               f"people and {int(f['township_depot_flood_kits'].value)} flood rescues each")
    for node in p["township_depots"]:
        out.append(depot_line({"id": f"dep-{node}", "node": node, "tier": "township",
                               "stock": stock("township", "township_depot_flood_kits"), "loading": "5 t/h",
                               "trucks": {"count": 1, "capacity": "2 t"},
                               "replenish": {"from": f"dep-{node.split('-')[0]}", "below": 0.3}}))
    out += [
        f"  # the city depot: stock for {int(f['city_depot_people'].value)} people and "
        f"{int(f['city_depot_flood_kits'].value)} flood rescues",
        depot_line({"id": "dep-city", "name": "秦皇岛市级应急物资储备库 city depot", "node": "haigang",
                    "tier": "city", "stock": stock("city", "city_depot_flood_kits"), "loading": "40 t/h",
                    "trucks": {"count": 12, "capacity": "8 t"},
                    "replenish": {"from": "dep-hebei", "below": 0.5}}),
        f"  # {f['provincial_depot_project'].cite()}: its trucks come by expressway through Tangshan; activation",
        "  #   covers the request, approval and loading (ASSUMPTION)",
        depot_line({"id": "dep-hebei", "name": "河北省应急物资储备库 provincial depot", "node": "tangshan",
                    "tier": "province", "stock": stock("province", "city_depot_flood_kits", 5), "loading": "60 t/h",
                    "trucks": {"count": 20, "capacity": "10 t"},
                    "activation": PROVINCE_ACTIVATION,
                    "replenish": {"lead": {"dist": "uniform", "low": "24 h", "high": "72 h"}, "below": 0.3}}),
        f"  # {f['supply_mutual_aid'].cite()}",
        depot_line({"id": "dep-tangshan", "name": "唐山 Tangshan supplies (agreement)", "node": "tangshan",
                    "tier": "aid", "stock": stock("aid"), "loading": "30 t/h",
                    "trucks": {"count": 8, "capacity": "8 t"},
                    "activation": AID_ACTIVATION}),
        "",
        *supply_settings(),
        "",
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    figures = read_figures(FIGURES)
    return write_or_check(SCENARIO, lambda: render(derive(figures), figures), argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())
