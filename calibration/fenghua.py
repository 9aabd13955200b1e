"""Derive the built-in Fenghua scenario (scenarios/fenghua.yaml) from calibration/fenghua_figures.csv.

Fenghua (奉化区, Ningbo): 12 towns and streets, mountain and forest townships in the west and
south, a coast in the south-east, the provincial rescue helicopter on standby at Xikou, 5
full-time fire brigades built of 7 planned, and a typhoon season. Every number comes from the
figures table (document, external, or assumption); geography is approximate and synthetic.

    python calibration/fenghua.py           # rewrite scenarios/fenghua.yaml
    python calibration/fenghua.py --check   # exit 1 if the scenario differs from the derivation
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    SOCIAL_TEAM_HOURS,
    Figure,
    flow,
    hours,
    largest_remainder,
    node_line,
    read_figures,
    write_or_check,
)
from relief import (  # noqa: E402
    PROVINCE_ACTIVATION,
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
FIGURES = HERE / "fenghua_figures.csv"
SCENARIO = HERE.parent / "scenarios" / "fenghua.yaml"

# Seats: approximate WGS84 positions (about +-3 km), kind, population share (ASSUMPTION, sums to
# 1), terrain tags (ASSUMPTION from public maps) and whether the town holds forest.
TOWNS = [
    # id,            zh,          en,             kind,          lon,     lat,    share, tags
    ("jinping", "锦屏街道", "Jinping", "subdistrict", 121.407, 29.657, 0.14, ["flood-prone"]),
    ("yuelin", "岳林街道", "Yuelin", "subdistrict", 121.432, 29.640, 0.16, ["flood-prone"]),
    ("jiangkou", "江口街道", "Jiangkou", "subdistrict", 121.440, 29.715, 0.10, ["flood-prone"]),
    ("xiwu", "西坞街道", "Xiwu", "subdistrict", 121.478, 29.676, 0.07, []),
    ("xiaowangmiao", "萧王庙街道", "Xiaowangmiao", "subdistrict", 121.330, 29.690, 0.06, []),
    ("fangqiao", "方桥街道", "Fangqiao", "subdistrict", 121.470, 29.748, 0.08, ["flood-prone"]),
    ("xikou", "溪口镇", "Xikou", "township", 121.245, 29.680, 0.13, ["mountain", "forest"]),
    ("dayan", "大堰镇", "Dayan", "township", 121.120, 29.560, 0.02, ["mountain", "forest"]),
    ("shangtian", "尚田街道", "Shangtian", "township", 121.360, 29.580, 0.06, ["mountain", "forest"]),
    ("chunhu", "莼湖街道", "Chunhu", "township", 121.490, 29.560, 0.09, ["coast", "flood-prone"]),
    ("qiucun", "裘村镇", "Qiucun", "township", 121.560, 29.570, 0.05, ["mountain", "forest", "coast"]),
    ("songao", "松岙镇", "Song'ao", "township", 121.640, 29.580, 0.04, ["mountain", "forest", "coast"]),
]
# The Xiangshan Bay shore, west to east (read off public maps, about +-1 km): the sea is south.
COAST = [(121.38, 29.520), (121.47, 29.545), (121.56, 29.555), (121.64, 29.565), (121.72, 29.600),
         (121.80, 29.640)]
# Where the 5 built full-time brigades stand, and the 2 planned ones (ASSUMPTION).
BRIGADES_BUILT = ["jinping", "jiangkou", "xikou", "chunhu", "songao"]
BRIGADES_PLANNED = ["dayan", "shangtian"]
RESERVOIRS = [("tingxia", "亭下水库 Tingxia reservoir", 121.205, 29.650),
              ("hengshan", "横山水库 Hengshan reservoir", 121.170, 29.585)]
BOAT_BASES = ["jiangkou", "chunhu", "songao"]
NINGBO = ("ningbo", "宁波市区 Ningbo city (mutual aid)", 121.520, 29.820)
SHELTER_ITEMS = ["water", "meals", "quilts"]
TYPE_NAMES = ("building_fire", "outdoor_fire", "accident", "flood_rescue", "landslide_rescue", "forest_fire")
LANDSLIDES_PER_TYPHOON = 3.0
FLOOD_DEPOT_ITEMS = ["sandbags", "rubber_boats", "generators", "satellite_phones"]  # doc 001's list


def derive(f: dict[str, Figure]) -> dict:
    """All parameters of the Fenghua scenario."""
    total = int(f["fenghua_population_2020"].value)
    town_pop = largest_remainder(total, [t[6] for t in TOWNS])
    forest_total = f["fenghua_area_ha"].value * f["forest_coverage"].value
    mountain_share = f["forest_share_mountain_towns"].value
    forest_towns = [t for t in TOWNS if "forest" in t[7]]
    plain_towns = [t for t in TOWNS if "forest" not in t[7]]
    centre = [f[f"{t[3]}_centre_share"].value for t in TOWNS]
    seats = [Town(t[0], f"{t[1]} {t[2]}", t[2], t[3], t[4], t[5], pop, 1, 0, c)
             for t, pop, c in zip(TOWNS, town_pop, centre, strict=True)]
    land = land_cells(seats, f["fenghua_area_ha"].value / 100, coast=COAST)
    communities = [max(1, round(pop * c / f["community_population"].value))
                   for pop, c in zip(town_pop, centre, strict=True)]
    villages = largest_remainder(int(f["villages_and_communities"].value) - sum(communities),
                                 town_land_km2(land, len(TOWNS)))
    towns = [Town(t.id, t.name, t.en, t.kind, t.lon, t.lat, t.population, c, v, t.centre_share,
                  tuple(x for x in town[7] if x != "forest"))
             for t, c, v, town in zip(seats, communities, villages, TOWNS, strict=True)]
    band = f["coast_band_km"].value
    places = settle(towns, land)
    nodes = []
    for town in TOWNS:
        share = mountain_share / len(forest_towns) if "forest" in town[7] else (1 - mountain_share) / len(plain_towns)
        mine = [s for s in places if s.town == town[0]]
        rural = [s for s in mine if s.kind == "village"]
        forest = largest_remainder(round(forest_total * share), [1.0] * len(rural))
        per_village = dict(zip((s.id for s in rural), forest, strict=True))
        for place in mine:
            tags = set(place.tags) - {"coast"}
            if place.id in per_village and per_village[place.id]:
                tags.add("forest")
            if coast_km(place.lon, place.lat, COAST) <= band:
                tags.add("coast")
            nodes.append(node_dict(place, tags=sorted(tags), forest_ha=per_village.get(place.id, 0)))
    for rid, name, lon, lat in RESERVOIRS:
        nodes.append({"id": rid, "name": name, "kind": "facility_site", "lon": lon, "lat": lat,
                      "population": 0, "forest_ha": 0, "tags": ["mountain"]})
    for nid, name, lon, lat in (NINGBO,):
        nodes.append({"id": nid, "name": name, "kind": "junction", "lon": lon, "lat": lat,
                      "population": 0, "forest_ha": 0, "tags": []})
    fires = f["fires_2020"].value
    towns = [n for n in nodes if n.get("area")]
    return {
        "nodes": nodes,
        "mountain_places": sum("mountain" in n["tags"] for n in nodes),
        "shelters": aggregate_shelters(towns, int(f["shelters"].value), int(f["shelter_capacity"].value)),
        "flood_depot_stock": {item: round(f["flood_materials_cost"].value * f[f"flood_cost_share_{item}"].value
                                          / read_items()[item].unit_cost) for item in FLOOD_DEPOT_ITEMS},
        "forest_total_ha": sum(n["forest_ha"] for n in nodes),
        "brigades_built": BRIGADES_BUILT[: int(f["full_time_fire_brigades_built"].value)],
        "brigades_planned": BRIGADES_PLANNED[: int(f["full_time_fire_brigades_planned"].value
                                                   - f["full_time_fire_brigades_built"].value)],
        "engines_per_station": int(f["fire_engines_per_station"].value),
        "forest_crews": [t[0] for t in forest_towns][: int(f["forest_crews"].value)],
        "boats": BOAT_BASES[: int(f["boats"].value)],
        "rates_per_year": {
            "building_fire": round(fires * f["building_fire_share"].value, 2),
            "outdoor_fire": round(fires * (1 - f["building_fire_share"].value), 2),
            "accident": round(f["work_safety_accidents_2020"].value, 2),
            "forest_fires": round(f["forest_fire_ignitions"].value, 2),
            "typhoons": round(f["typhoons_per_year"].value, 2),
        },
        "accident_transport": round(f["work_safety_deaths_2020"].value / f["work_safety_accidents_2020"].value, 3),
        "coverage": f["forest_sensing_coverage"].value,
        "damage_target": f["forest_damage_target"].value,
        "crew_line": f["forest_crew_line_production"].value,
        "bucket_line": f["helicopter_bucket_line"].value,
        "ambulances": int(f["ambulances"].value),
        "escalation_crews": int(f["fire_escalation_crews"].value),
        "provincial_crews": int(f["provincial_forest_crews"].value),
        "response_target": f["response_target"].value,
        "report_target": f["report_target_larger_accidents"].value,
    }


def render(p: dict, f: dict[str, Figure]) -> str:
    rate = p["rates_per_year"]
    target = f'"{p["response_target"]:g} min"'
    out = [
        "# Fenghua (奉化区), Ningbo: typhoons, mountain roads, forest fires and the Xikou helicopter.",
        "# GENERATED by calibration/fenghua.py from calibration/fenghua_figures.csv - edit those, not this.",
        "# Sources: doc 001 = Fenghua 2020 review, 003 = district 'XX' work points (../shared/seeds);",
        "# 'external' = census and public figures; ASSUMPTION = not in any source.",
        "# Geography is APPROXIMATE: seats within about 3 km; the villages and communities are generated",
        "# places (calibration/settlements.py: each town's land is the Voronoi cell of its seat, villages",
        "# spread over it by k-means) and roads a generated planar network; the Ningbo junction in the",
        "# north is outside the district.",
        "name: Fenghua 奉化区 (approximate geography, generated villages and roads)",
        "description: >",
        "  Fenghua's 12 towns and streets with its full-time fire brigades (5 built, 2 planned with no",
        "  engines yet), township fire work stations, forest crews in the mountain towns, the provincial",
        "  helicopter at Xikou with bucket drops from the Tingxia and Hengshan reservoirs, boats for",
        "  floods, and a typhoon season that cuts mountain and low-lying roads.",
        "",
        "region:",
        f"  # population {int(f['fenghua_population_2020'].value)} ({f['fenghua_population_2020'].cite()});",
        f"  # {int(f['towns_and_streets'].value)} towns/streets ({f['towns_and_streets'].cite()}); "
        f"{int(f['villages_and_communities'].value)} villages/communities ({f['villages_and_communities'].cite()})",
        f"  #   in the seat and communities: streets {f['subdistrict_centre_share'].cite()}; towns "
        f"{f['township_centre_share'].cite()}; {f['community_population'].cite()}",
        f"  #   terrain tags by town (ASSUMPTION from maps); coast: within {f['coast_band_km'].value:g} km of the "
        "shore (ASSUMPTION)",
        f"  # forest {p['forest_total_ha']} ha = area x coverage ({f['fenghua_area_ha'].cite()}; "
        f"{f['forest_coverage'].cite()}),",
        f"  #   {f['forest_share_mountain_towns'].cite()}; a town's forest split evenly over its villages",
        "  nodes:",
    ]
    for n in p["nodes"]:
        out.append(node_line(n, ("id", "name", "kind", "lon", "lat", "population", "forest_ha")))
    out += [
        "  # ASSUMPTION: generated roads: the Gabriel graph of the places (planar, about two roads a",
        "  #   place), county roads (main) along the paths between neighbouring seats, village and",
        "  #   mountain roads (local) elsewhere; 1.35 x the straight line (winding valleys)",
        "  auto_roads: {method: planar, main_roads: trunk, main_kinds: [township, subdistrict, junction], "
        "detour: 1.35, speeds: {main: \"50 km/h\", local: \"30 km/h\"}}",
        "",
        "facilities:",
        f"  # full-time fire brigades: {f['full_time_fire_brigades_built'].cite()} "
        "(placement ASSUMPTION; the planned ones have no engines yet)",
    ]
    for node in p["brigades_built"] + p["brigades_planned"]:
        out.append(f"  - {flow({'id': 'fs-' + node, 'kind': 'fire_station', 'node': node})}")
    out.append(f"  # {f['township_fire_work_stations'].cite()}")
    for town in TOWNS:
        out.append(f"  - {flow({'id': 'ts-' + town[0], 'kind': 'township_station', 'node': town[0]})}")
    out += [
        f"  # {f['helicopter_standby_base'].cite()}",
        "  - {id: xikou-heli, name: 溪口直升机备勤点 Xikou helicopter standby base, kind: helibase, node: xikou}",
        "  - {id: lp-dayan, kind: landing_point, node: dayan}",
        "  - {id: lp-songao, kind: landing_point, node: songao}",
        "  - {id: tingxia, kind: water_source, node: tingxia}",
        "  - {id: hengshan, kind: water_source, node: hengshan}",
        "  - {id: hosp-district, name: 奉化区人民医院 district hospital, kind: hospital, node: yuelin, helipad: true}",
        "  - {id: hosp-xikou, name: Xikou hospital, kind: hospital, node: xikou}",
        "  - {id: city-teams, name: 区消防综合应急救援队 district rescue team, kind: team_base, node: jinping}",
        "  - {id: social-teams, kind: team_base, node: yuelin}",
        "  - {id: stage-dayan, kind: staging_post, node: dayan}",
        "  - {id: stage-songao, kind: staging_post, node: songao}",
        "  - {id: ningbo, name: Ningbo fire and rescue (mutual aid), kind: external_base, node: ningbo}",
        "  - {id: bus-fenghua, name: 公交 public transport depot (evacuation buses), kind: bus_depot, node: yuelin}",
    ]
    for node in p["boats"]:
        out.append(f"  - {flow({'id': 'boats-' + node, 'kind': 'team_base', 'node': node})}")
    for node in p["forest_crews"]:
        out.append(f"  - {flow({'id': 'crew-' + node, 'kind': 'team_base', 'node': node})}")

    out += ["", "units:", f"  # {p['engines_per_station']} engines per built brigade "
            f"({f['fire_engines_per_station'].cite()}); planned brigades: count 0 (try --set)"]
    for node in p["brigades_built"]:
        out.append(f"  - {{id: engine-{node}, type: engine, capabilities: [fire, first_attack, rescue], crew: 5, "
                   f"base: fs-{node}, count: {p['engines_per_station']}, turnout: \"1 min\"}}")
    for node in p["brigades_planned"]:
        out.append(f"  - {{id: engine-{node}, type: engine, capabilities: [fire, first_attack, rescue], crew: 5, "
                   f"base: fs-{node}, count: 0, turnout: \"1 min\"}}")
    out.append("  # one first-response unit per township fire work station (ASSUMPTION)")
    for town in TOWNS:
        out.append(f"  - {{id: station-{town[0]}, type: township_team, capabilities: [first_attack, rescue], "
                   f"crew: 6, base: ts-{town[0]}, count: 1, turnout: \"3 min\"}}")
    out.append(f"  # forest crews: {f['forest_crews'].cite()}; line {f['forest_crew_line_production'].cite()}")
    for node in p["forest_crews"]:
        out.append(f"  - {{id: crew-{node}, type: forest_crew, capabilities: [forest_crew], crew: 20, "
                   f"base: crew-{node}, count: 1, line_production: \"{p['crew_line']:g} m/min\", "
                   "turnout: {dist: uniform, low: \"5 min\", high: \"15 min\"}}")
    out += [
        "  # the provincial helicopter (cruise, launch delay, limits: ASSUMPTIONS);",
        f"  #   bucket line per drop: {f['helicopter_bucket_line'].cite()}",
        "  - {id: heli-xikou, type: helicopter, capabilities: [hoist, bucket, air_ems], crew: 4, base: xikou-heli,",
        "     count: 1, mode: air, speed: \"230 km/h\", turnout: {dist: uniform, low: \"10 min\", high: \"20 min\"},",
        f"     air: {{daylight_only: true, max_wind: \"15 m/s\", endurance: \"2.5 h\", refuel: \"30 min\", "
        f"bucket_line: {p['bucket_line']:g}, fill_time: \"2 min\"}}}}",
        f"  # boats: {f['boats'].cite()}",
    ]
    for node in p["boats"]:
        out.append(f"  - {{id: boat-{node}, type: boat, capabilities: [water_rescue], crew: 4, base: boats-{node}, "
                   "count: 1, mode: water, speed: \"25 km/h\", turnout: \"15 min\"}")
    out += [
        "  - {id: rescue-city, type: rescue_team, capabilities: [rescue, hoist], crew: 20, base: city-teams, count: 2,"
        " turnout: \"5 min\"}  # hoist: rope rescue",
        "  - {id: social, type: social_team, capabilities: [rescue], crew: 15, base: social-teams, count: 3,"
        f" availability: {hours(SOCIAL_TEAM_HOURS)},"
        " turnout: {dist: triangular, low: \"20 min\", mode: \"40 min\", high: \"90 min\"}}"
        "  # ASSUMPTION: turnout, and answers by hour of the day",
        f"  # ambulances: {f['ambulances'].cite()}",
        f"  - {{id: ambulance-district, type: ambulance, capabilities: [ems], crew: 3, base: hosp-district, "
        f"count: {p['ambulances'] - 2}, turnout: \"1 min\"}}",
        "  - {id: ambulance-xikou, type: ambulance, capabilities: [ems], crew: 3, base: hosp-xikou, count: 2,"
        " turnout: \"1 min\"}",
        "  # Ningbo city engines under mutual aid when Fenghua's own are all busy (ASSUMPTION)",
        "  - {id: engine-ningbo, type: engine, capabilities: [fire, first_attack, rescue], crew: 5, base: ningbo,"
        " count: 2, mutual_aid: {region: Ningbo 宁波, when: [exhausted], activation: \"20 min\"}}",
        f"  # {f['provincial_forest_crews'].cite()}",
        f"  - {{id: crew-provincial, type: forest_crew, capabilities: [forest_crew], crew: 30, base: ningbo, "
        f"count: {p['provincial_crews']}, line_production: \"{p['crew_line']:g} m/min\", "
        "mutual_aid: {region: Ningbo and Zhejiang 宁波/浙江, when: [exhausted], activation: \"60 min\"}}",
        "",
        f"# Response target: {f['response_target'].cite()}",
        "# On-scene times, delays and profiles below are ASSUMPTIONS.",
        "incident_types:",
        "  building_fire: {label: 建筑火灾 building fire, priority: 1, requires: {fire: 2, first_attack: 1},",
        "    on_scene: {dist: lognormal, mean: \"75 min\", sd: \"40 min\"}, detection_delay: {dist: exponential, mean: \"5 min\"},",
        f"    report_delay: {{dist: uniform, low: \"1 min\", high: \"3 min\"}}, target: {target}}}",
        "  outdoor_fire: {label: 其他火灾 other fires, priority: 2, requires: {first_attack: 1},",
        "    on_scene: {dist: lognormal, mean: \"30 min\", sd: \"15 min\"}, detection_delay: {dist: exponential, mean: \"5 min\"},",
        f"    report_delay: {{dist: uniform, low: \"1 min\", high: \"3 min\"}}, target: {target}}}",
        "  accident: {label: 生产安全事故 work-safety accident, priority: 1, requires: {rescue: 1, ems: 1},",
        "    on_scene: {dist: gamma, mean: \"60 min\", sd: \"30 min\"}, report_delay: {dist: lognormal, mean: \"10 min\", sd: \"15 min\"},",
        f"    target: {target}, report_target: \"{p['report_target']:g} min\",",
        f"    hospital: {{probability: {p['accident_transport']}, by: ems, handover: \"15 min\"}}}}"
        f"  # {f['work_safety_deaths_2020'].cite()}",
        "  flood_rescue: {label: 洪涝救援 flood rescue, priority: 1, requires: {water_rescue: 1},",
        "    on_scene: {dist: gamma, mean: \"90 min\", sd: \"45 min\"}, target: \"45 min\",",
        "    detection_delay: {dist: exponential, mean: \"15 min\"}, report_delay: {dist: uniform, low: \"5 min\", high: \"20 min\"}}",
        "  landslide_rescue: {label: 山体滑坡救援 landslide rescue, priority: 1, requires: {rescue: 1, hoist: 1},",
        "    on_scene: {dist: lognormal, mean: \"4 h\", sd: \"2 h\"}, target: \"60 min\",",
        "    # found by villagers or patrols, then up the chain (ASSUMPTION)",
        "    detection_delay: {dist: exponential, mean: \"30 min\"}, report_delay: {dist: uniform, low: \"5 min\", high: \"20 min\"}}",
        "  forest_fire: {label: 森林火灾 forest fire, priority: 1, requires: {forest_crew: 2, bucket: 1},",
        "    on_scene: \"2 h\", report_delay: {dist: uniform, low: \"2 min\", high: \"10 min\"},  # on_scene: mop-up",
        f"    escalation: [{{after: \"2 h\", add: {{forest_crew: {p['escalation_crews']}}}}}, "
        f"{{after: \"4 h\", add: {{forest_crew: {p['escalation_crews']}}}}}]}}"
        f"  # {f['fire_escalation_crews'].cite()}",
        "",
        "generators:",
        f"  # fires: {f['fires_2020'].cite()}; building share {f['building_fire_share'].cite()}",
        f"  - {{type: building_fire, rate: \"{rate['building_fire']} / y\", where: {{weight: population}},",
        "     season: [1.4, 1.3, 1.1, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.3]}",
        f"  - {{type: outdoor_fire, rate: \"{rate['outdoor_fire']} / y\", where: {{weight: population}},",
        "     season: [1.3, 1.3, 1.3, 1.2, 1.0, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.2]}",
        f"  # {f['work_safety_accidents_2020'].cite()}",
        f"  - {{type: accident, rate: \"{rate['accident']} / y\", where: {{weight: population}}}}",
        "",
        "hazards:",
        f"  # typhoons and heavy rain: {f['typhoons_per_year'].cite()}; footprint, cuts and outages ASSUMPTIONS",
        "  - kind: typhoon",
        "    id: typhoons",
        f"    rate: \"{rate['typhoons']} / y\"",
        "    season: [0, 0, 0, 0, 0.2, 0.6, 2.5, 3.5, 3.0, 1.0, 0.2, 0]",
        "    lead: {dist: uniform, low: \"24 h\", high: \"72 h\"}",
        "    duration: {dist: lognormal, mean: \"30 h\", sd: \"12 h\"}",
        "    severity: {dist: uniform, low: 0.4, high: 1.0}",
        "    intensity: {default: 0.6, tag:mountain: 1.0, tag:flood-prone: 1.0, tag:coast: 0.9}",
        "    peak_wind: \"35 m/s\"",
        "    rate_multipliers: {accident: 2.0, outdoor_fire: 0.3, building_fire: 0.8}",
        "    incidents:",
        "      - {type: flood_rescue, rate: \"8 / d\", where: {tags: [flood-prone], weight: population}}",
        "    road_cuts: {probability: 0.02, tags: {mountain: 0.25, flood-prone: 0.15}, repair: {dist: lognormal, mean: \"18 h\", sd: \"12 h\"},",
        "      # roads under water but passable: driven 2.5x slower while it lasts (ASSUMPTION); the",
        "      #   probabilities are for a road of 6 km (as calibrated on the earlier lumped roads; per_km),",
        "      #   changes reported on the hour (step)",
        "      per_km: \"6 km\", step: \"1 h\",",
        "      flooding: {probability: 0.05, tags: {flood-prone: 0.3}, factor: 2.5, lasts: {dist: lognormal, mean: \"6 h\", sd: \"4 h\"}},",
        "      # a low-lying village surrounded by water, every road to it under; half of them call for",
        "      #   rescue while cut off (ASSUMPTIONS)",
        "      isolation: {tags: {flood-prone: 0.03}, lasts: {dist: lognormal, mean: \"12 h\", sd: \"6 h\"},",
        "        incident_type: flood_rescue, incident_probability: 0.5}}",
        "    outages: {communication: 0.3, power: 0.5, restore: {dist: lognormal, mean: \"12 h\", sd: \"8 h\"}, delay_factor: 2.5,",
        "      power_factor: 1.5}  # no video, alarms or sensors without power (ASSUMPTION)",
        "  - kind: landslide",
        "    id: landslides",
        "    triggered_by: [typhoons]",
        "    where: {tags: [mountain], weight: uniform}",
        f"    # {LANDSLIDES_PER_TYPHOON:g} landslides per typhoon at full intensity over the district (ASSUMPTION,",
        f"    #   as calibrated on 20 lumped mountain places at 0.15 each), spread over {p['mountain_places']}",
        f"    probability: {LANDSLIDES_PER_TYPHOON / p['mountain_places']:.4f}",
        "    incident_type: landslide_rescue",
        "    incident_probability: 0.4",
        "    cut_probability: 0.8",
        "    repair: {dist: lognormal, mean: \"24 h\", sd: \"12 h\"}",
        f"  # forest fires: {f['forest_fire_ignitions'].cite()}; coverage {f['forest_sensing_coverage'].cite()};",
        f"  #   target {f['forest_damage_target'].cite()}; spread and wind ASSUMPTIONS",
        "  - kind: forest_fire",
        "    id: forest_fires",
        f"    rate: \"{rate['forest_fires']} / y\"",
        "    season: [1.6, 1.8, 2.0, 2.2, 0.8, 0.3, 0.3, 0.4, 0.6, 0.8, 1.0, 1.2]",
        "    incident_type: forest_fire",
        "    spread_rate: {dist: lognormal, mean: \"0.8 m/min\", sd: \"0.5 m/min\"}  # without wind",
        "    wind: {dist: weibull, shape: 2, scale: \"12 km/h\"}",
        "    dryness: [1.3, 1.3, 1.2, 1.2, 0.9, 0.7, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]",
        f"    detection: {{coverage: {p['coverage']:g}, covered: {{dist: exponential, mean: \"8 min\"}}, "
        "uncovered: {dist: exponential, mean: \"40 min\"}}",
        "    max_duration: \"48 h\"",
        f"    damage_target: {p['damage_target']:g}",
        "",
        "# Move the district rescue team 'one level down' to the mountain and coast towns when a",
        "# typhoon is forecast (doc 003: 力量下沉一级 in high-risk periods); placement ASSUMPTION.",
        "prepositioning:",
        "  - {hazard: typhoons, moves: [{units: rescue-city, to: stage-dayan}], return_after: \"12 h\"}",
        "",
        *render_people_and_supplies(p, f),
        "dispatch:",
        "  policy: nearest_available",
        "  when_no_unit: queue",
        "  handling_time: {dist: uniform, low: \"0.5 min\", high: \"1.5 min\"}",
        "  air_margin: \"10 min\"",
        "",
        "run:",
        "  horizon: \"365 d\"",
        "  warmup: \"7 d\"",
        "  seed: 2020",
        "  replications: 20",
        "",
    ]
    return "\n".join(out)


def render_people_and_supplies(p: dict, f: dict[str, Figure]) -> list[str]:
    """Shelters, evacuation, relief items, depots and supply settings."""
    items = read_items()
    per_shelter = f["shelter_capacity"].value / f["shelters"].value
    out = [
        f"# Shelters: {f['shelters'].cite()}, {f['shelter_capacity'].cite()} (about {per_shelter:.0f} each);",
        "#   spread over the places in proportion to population (about one at each of the most populous).",
        "shelters:",
        *(f"  - {flow(s)}" for s in p["shelters"]),
        "",
        f"# Who moves when a typhoon's intensity reaches 0.6: {f['typhoon_evacuation_share_flood'].value:.0%} of the",
        f"#   people of flood-prone nodes, {f['typhoon_evacuation_share_mountain'].value:.0%} of mountain nodes "
        "(ASSUMPTIONS); vulnerable people",
        f"#   one to one: {f['vulnerable_share'].value:.0%}; cars {f['own_vehicle_share'].value:.0%}; "
        f"{int(f['evacuation_buses'].value)} buses; fishery boats from Jiangkou (ASSUMPTIONS).",
        *render_evacuation(
            [f"    - {{hazard: typhoons, min_intensity: 0.6, tags: [flood-prone], "
             f"share: {f['typhoon_evacuation_share_flood'].value:g}}}",
             f"    - {{hazard: typhoons, min_intensity: 0.6, tags: [mountain], "
             f"share: {f['typhoon_evacuation_share_mountain'].value:g}}}",
             "    # a slide under way: the households below it leave (ASSUMPTION: share, and that they",
             "    #   are told through the chain, which an outage at the place slows)",
             "    - {hazard: landslides, min_intensity: 1, share: 0.2}"],
            f["vulnerable_share"].value, f["own_vehicle_share"].value,
            ("bus-fenghua", int(f["evacuation_buses"].value)), ("boats-jiangkou", 3)),
        "",
        *render_items(items, SHELTER_ITEMS + ["sandbags", "life_jackets"] + FLOOD_DEPOT_ITEMS[1:],
                      set(TYPE_NAMES)),
        "",
        "# Depots by tier (6 h county, 8 h city: doc 004's targets, applied to Fenghua as an ASSUMPTION).",
        "depots:",
        f"  # {f['flood_depot_area'].cite()};",
        f"  #   {f['flood_materials_cost'].cite()}: split by value (ASSUMPTION: sandbags "
        f"{f['flood_cost_share_sandbags'].value:.0%}, boats {f['flood_cost_share_rubber_boats'].value:.0%},",
        f"  #   generators {f['flood_cost_share_generators'].value:.0%}, satellite phones "
        f"{f['flood_cost_share_satellite_phones'].value:.0%}) at the catalogue's unit costs; relief items for "
        f"{int(f['district_depot_people'].value)} people, life jackets for "
        f"{int(f['district_depot_flood_kits'].value)} flood rescues",
        "  #   and a contracted helicopter lift for villages cut off by road (ASSUMPTIONS)",
        depot_line({"id": "dep-fenghua", "name": "奉化区防汛救灾物资储备仓库 district flood-relief depot",
                    "node": "jinping", "tier": "county",
                    "stock": {**people_stock(items, SHELTER_ITEMS, f["district_depot_people"].value, 1),
                              **p["flood_depot_stock"],
                              **incident_stock(items, ["life_jackets"], "flood_rescue",
                                               f["district_depot_flood_kits"].value)},
                    "loading": "20 t/h", "trucks": {"count": 6, "capacity": "5 t"},
                    "lift": {"count": 1, "capacity": "1 t", "speed": "200 km/h", "load_time": "20 min"},
                    "replenish": {"from": "dep-ningbo", "below": 0.5}}),
        f"  # town/street reserve points, one per town: {f['township_depot_people'].cite()}",
    ]
    for town in TOWNS:
        out.append(depot_line({
            "id": f"dep-{town[0]}", "node": town[0], "tier": "township",
            "stock": {**people_stock(items, SHELTER_ITEMS, f["township_depot_people"].value, 1),
                      **incident_stock(items, ["sandbags", "life_jackets"], "flood_rescue",
                                       f["township_depot_flood_kits"].value)},
            "loading": "5 t/h", "trucks": {"count": 1, "capacity": "2 t"},
            "replenish": {"from": "dep-fenghua", "below": 0.3}}))
    ningbo_people, ningbo_kits = f["ningbo_depot_people"].value, f["ningbo_depot_flood_kits"].value
    flood = ["sandbags", "life_jackets", "rubber_boats"]
    out += [
        f"  # Ningbo city depot: stock for {int(ningbo_people)} people and {int(ningbo_kits)} flood rescues "
        "(ASSUMPTION)",
        depot_line({"id": "dep-ningbo", "name": "宁波市级物资储备库 Ningbo city depot", "node": "ningbo",
                    "tier": "city",
                    "stock": {**people_stock(items, SHELTER_ITEMS, ningbo_people, 1),
                              **incident_stock(items, flood, "flood_rescue", ningbo_kits),
                              "generators": 200, "satellite_phones": 100},
                    "loading": "40 t/h", "trucks": {"count": 10, "capacity": "8 t"},
                    "replenish": {"lead": {"dist": "uniform", "low": "24 h", "high": "48 h"}, "below": 0.5}}),
        "  # Zhejiang provincial depot (ASSUMPTION: not in the documents): its trucks come by expressway",
        "  #   through Ningbo; activation covers the request, approval and loading (ASSUMPTION)",
        depot_line({"id": "dep-zhejiang", "name": "浙江省救灾物资储备库 provincial depot", "node": "ningbo",
                    "tier": "province",
                    "stock": {**people_stock(items, SHELTER_ITEMS, 5 * ningbo_people, 1),
                              **incident_stock(items, flood, "flood_rescue", 5 * ningbo_kits)},
                    "loading": "60 t/h", "trucks": {"count": 20, "capacity": "10 t"},
                    "activation": PROVINCE_ACTIVATION}),
        "",
        *supply_settings(applied_to="Fenghua"),
        "",
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    figures = read_figures(FIGURES)
    return write_or_check(SCENARIO, lambda: render(derive(figures), figures), argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())
