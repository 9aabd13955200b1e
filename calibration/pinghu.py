"""Derive the built-in Pinghu scenario (scenarios/pinghu.yaml) from calibration/pinghu_figures.csv.

Every number in the scenario comes from a row of the figures table, which says whether it is a
*document* figure (quoted from the Pinghu, Fenghua or "XX" district plans in ../shared/seeds),
an *external* figure (census populations, cited), or an *assumption* (marked as such). The
geography is approximate and synthetic, and the scenario says so: town seats within about 3 km
of their real positions, every village and community its own generated place
(calibration/settlements.py), joined by a generated planar road network with a hierarchy.

    python calibration/pinghu.py           # rewrite scenarios/pinghu.yaml
    python calibration/pinghu.py --check   # exit 1 if the scenario differs from the derivation
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    SOCIAL_TEAM_HOURS,
    VOLUNTEER_HOURS,
    Figure,
    flow,
    hours,
    largest_remainder,
    node_line,
    read_figures,
    write_or_check,
)
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
FIGURES = HERE / "pinghu_figures.csv"
SCENARIO = HERE.parent / "scenarios" / "pinghu.yaml"


# Town/street seats: approximate WGS84 positions read off public maps (about +-3 km), and the
# share of the 2020 population living there. Only Danghu's share rests on a report (above
# 200,000 residents); the other shares are ASSUMPTIONS chosen to sum to 1.
TOWNS = [
    # id,         zh,          en,           kind,          lon,     lat,    population share
    ("danghu", "当湖街道", "Danghu", "subdistrict", 121.015, 30.698, None),
    ("zhongdai", "钟埭街道", "Zhongdai", "subdistrict", 121.055, 30.735, 0.10),
    ("caoqiao", "曹桥街道", "Caoqiao", "subdistrict", 120.965, 30.690, 0.08),
    ("xindai", "新埭镇", "Xindai", "township", 121.065, 30.815, 0.09),
    ("lindai", "林埭镇", "Lindai", "township", 120.960, 30.745, 0.06),
    ("guangchen", "广陈镇", "Guangchen", "township", 121.130, 30.780, 0.07),
    ("xincang", "新仓镇", "Xincang", "township", 121.060, 30.655, 0.07),
    ("zhapu", "乍浦镇", "Zhapu", "township", 121.090, 30.600, 0.13),
    ("dushangang", "独山港镇", "Dushangang", "township", 121.005, 30.630, 0.10),
]
# The Hangzhou Bay shore, west to east (read off public maps, about +-1 km): the sea is south.
COAST = [(120.90, 30.640), (121.00, 30.612), (121.09, 30.595), (121.20, 30.660)]
CHEMICAL_PARK = ("dushan-chem", "独山港化工园区", 120.985, 30.612)
HOSPITALS = [("hosp-first", "平湖市第一人民医院 First People's Hospital", "danghu", 5),
             ("hosp-zhapu", "乍浦医院 Zhapu hospital", "zhapu", 3)]
LANDING_POINTS = ("danghu", "zhapu", "xindai")  # placement ASSUMPTION
# Neighbours outside Pinghu, joined by the synthetic roads (approximate positions).
OUTSIDE = [("jinshan", "金山区 Jinshan, Shanghai (mutual aid)", 121.250, 30.790),
           ("jiaxing", "嘉兴市区 Jiaxing city (mutual aid)", 120.850, 30.760)]
DEPARTMENTAL_DEPOT = "zhongdai"  # where the 13 departmental depots are aggregated (ASSUMPTION)
SHELTER_ITEMS = ["water", "meals", "quilts"]
FLOOD_ITEMS = ["sandbags", "life_jackets", "rubber_boats"]


def _outcome_shares(leak: float) -> tuple[float, float, float]:
    fire = round((1 - leak) * 5 / 6, 4)
    return leak, fire, round(1 - leak - fire, 4)


def derive(f: dict[str, Figure]) -> dict:
    """All parameters of the Pinghu scenario, with the figure each rests on."""
    total = int(f["pinghu_population_2020"].value)
    shares = [f["danghu_population_share"].value if t[6] is None else t[6] for t in TOWNS]
    town_pop = largest_remainder(total, shares)
    centre = [f[f"{t[3]}_centre_share"].value for t in TOWNS]
    seats = [Town(t[0], f"{t[1]} {t[2]}", t[2], t[3], t[4], t[5], pop, 1, 0, c)
             for t, pop, c in zip(TOWNS, town_pop, centre, strict=True)]
    land = land_cells(seats, f["pinghu_land_area_km2"].value, coast=COAST)
    communities = largest_remainder(int(f["community_micro_fire_stations"].value),
                                    [pop * c for pop, c in zip(town_pop, centre, strict=True)])
    villages = largest_remainder(int(f["villages_and_communities"].value) - len(TOWNS) - sum(communities),
                                 town_land_km2(land, len(TOWNS)))
    towns = [Town(t.id, t.name, t.en, t.kind, t.lon, t.lat, t.population, c + 1, v, t.centre_share)
             for t, c, v in zip(seats, communities, villages, strict=True)]
    band = f["coast_band_km"].value
    nodes = []
    for place in settle(towns, land):
        tags = (["flood-prone"] if place.kind == "village" else []) + \
            (["coast"] if coast_km(place.lon, place.lat, COAST) <= band else [])
        nodes.append(node_dict(place, tags=tags))
    cid, czh, clon, clat = CHEMICAL_PARK
    nodes.append({"id": cid, "name": f"{czh} Dushan port chemical park", "kind": "facility_site",
                  "lon": clon, "lat": clat, "population": 0, "town": "dushangang",
                  "tags": ["chemical", "coast"], "area": "dushangang"})
    for oid, name, lon, lat in OUTSIDE:
        nodes.append({"id": oid, "name": name, "kind": "junction", "lon": lon, "lat": lat,
                      "population": 0, "town": "", "tags": [], "area": None})

    centres = [n for n in nodes if n["kind"] in ("township", "subdistrict")]
    by_size = sorted((n for n in nodes if n["kind"] == "village"), key=lambda n: (-n["population"], n["id"]))
    volunteers = sorted(n["id"] for n in by_size[: int(f["village_volunteer_fire_teams"].value)])
    micro = [n["id"] for n in nodes if n["kind"] == "community"]

    fires = f["fenghua_fires_2020"].value / f["fenghua_population_2020"].value * total
    building = f["building_fire_share"].value
    township_teams = int(f["township_rescue_teams"].value)
    city_teams = int(f["rescue_teams"].value) - township_teams
    hazmat, water = int(f["hazmat_teams"].value), int(f["water_rescue_teams"].value)
    shelter_capacity = f["fenghua_shelter_capacity"].value / f["fenghua_shelters"].value
    shelters = int(f["shelters"].value)
    # one township depot at each seat, the others at the largest village of the towns with most villages
    extra = int(f["township_supply_depots"].value) - len(centres)
    most = sorted(range(len(towns)), key=lambda k: (-towns[k].villages, k))[:extra]
    township_depots = [n["id"] for n in centres] + [
        max((n for n in nodes if n["kind"] == "village" and n["town"] == towns[k].id),
            key=lambda n: (n["population"], n["id"]))["id"] for k in sorted(most)]
    return {
        "nodes": nodes,
        "shelters": aggregate_shelters([n for n in nodes if n["town"]], shelters,
                                       round(shelters * shelter_capacity)),
        "shelter_capacity_mean": round(shelter_capacity),
        "township_depots": {node: 1 for node in township_depots},
        "volunteer_teams": {node: 1 for node in volunteers},
        "micro_stations": {node: 1 for node in micro},
        "fire_stations": int(f["full_time_fire_stations"].value),
        "engines_per_station": int(f["fire_engines_per_station"].value),
        "township_teams": township_teams,
        "city_general_teams": city_teams - hazmat - water,
        "water_teams": water,
        "hazmat_teams": hazmat,
        "team_crew": int(f["rescue_team_members"].value // f["rescue_teams"].value),
        "social_teams": int(f["social_rescue_teams"].value),
        "social_crew": int(f["social_rescue_members"].value // f["social_rescue_teams"].value),
        "ambulances": int(f["ambulances"].value),
        "rates_per_year": {
            "building_fire": round(fires * building, 2),
            "outdoor_fire": round(fires * (1 - building), 2),
            "accident": round(f["accidents_excluding_fires_2020"].value, 2),
            "chemical_accidents": round(f["hazmat_incidents"].value, 2),
            "typhoons": round(f["typhoons_per_year"].value, 2),
        },
        "landing_points": LANDING_POINTS[: int(f["helicopter_landing_points"].value)],
        "jinshan_engines": int(f["jinshan_engines"].value),
        "jinshan_hazmat": int(f["jinshan_hazmat_teams"].value),
        # leaks, then fires and explosions 5 : 1 (ASSUMPTION)
        "outcomes": _outcome_shares(f["chemical_leak_share"].value),
        "accident_transport": round(f["accident_deaths_2020"].value
                                    / f["accidents_excluding_fires_2020"].value, 3),
        "response_target_min": f["response_target"].value,
        "report_target_min": f["report_target_larger_accidents"].value,
    }


def render(p: dict, f: dict[str, Figure]) -> str:
    """The scenario file text, with the source of each number in comments."""
    rate = p["rates_per_year"]
    out = [
        "# Pinghu (平湖市), Jiaxing: the built-in county scenario.",
        "# GENERATED by calibration/pinghu.py from calibration/pinghu_figures.csv - edit those, not this.",
        "# Sources: doc 001 = Fenghua review, 002 = Pinghu 14th five-year plan, 003 = district 'XX' work",
        "# points (../shared/seeds); 'external' = census figures; ASSUMPTION = not in any source.",
        "# Geography is APPROXIMATE: town seats are placed within about 3 km of their real positions;",
        "# the villages and communities are generated places (calibration/settlements.py: each town's",
        "# land is the Voronoi cell of its seat, villages spread over it by k-means), and roads are",
        "# a generated planar network (no list of villages or roads was at hand).",
        "name: Pinghu 平湖市 (approximate geography, generated villages and roads)",
        "description: >",
        "  Pinghu's 9 towns and streets with its documented forces: 9 full-time fire stations, 71 village",
        "  volunteer fire teams, 39 community micro fire stations, 21 rescue teams and 7 social rescue",
        "  teams, and a hazardous-chemical team at the Dushan port chemical park. Incident rates are",
        "  derived in calibration/pinghu.py. Its 131 villages and communities are generated places joined by",
        "  a generated planar road network.",
        "",
        "region:",
        f"  # population: {f['pinghu_population_2020'].cite()}, {int(f['pinghu_population_2020'].value)};",
        f"  #   Danghu {f['danghu_population_share'].cite()}",
        f"  #   in the seat and communities: streets {f['subdistrict_centre_share'].cite()}; towns "
        f"{f['township_centre_share'].cite()}",
        f"  # land: {f['pinghu_land_area_km2'].cite()}; coast: within {f['coast_band_km'].value:g} km of the "
        "shore (ASSUMPTION)",
        f"  # {int(f['towns_and_streets'].value)} towns/streets ({f['towns_and_streets'].cite()}); "
        f"{int(f['villages_and_communities'].value)} villages/communities",
        f"  #   ({f['villages_and_communities'].cite()}), each its own place: villages flood-prone (plain",
        "  #   of rivers and canals: ASSUMPTION); populations split by seeded weights (ASSUMPTION)",
        "  nodes:",
    ]
    for n in p["nodes"]:
        out.append(node_line(n, ("id", "name", "kind", "lon", "lat", "population")))
    out += [
        "  # ASSUMPTION: generated roads: the Gabriel graph of the places (planar, about two roads a",
        "  #   place), county roads (main) along the paths between neighbouring seats, village roads",
        "  #   (local) elsewhere; 1.25 x the straight line",
        "  auto_roads: {method: planar, main_roads: trunk, main_kinds: [township, subdistrict, junction], "
        "detour: 1.25, speeds: {main: \"60 km/h\", local: \"35 km/h\"}}",
        "",
        "facilities:",
        f"  # full-time fire stations: {f['full_time_fire_stations'].cite()}; one per seat (ASSUMPTION)",
    ]
    centres = [n for n in p["nodes"] if n["kind"] in ("township", "subdistrict")]
    for n in centres:
        out.append(f"  - {flow({'id': 'fs-' + n['id'], 'kind': 'fire_station', 'node': n['id']})}")
    out.append("  # township emergency-and-fire stations, one per town/street seat")
    for n in centres:
        out.append(f"  - {flow({'id': 'ts-' + n['id'], 'kind': 'township_station', 'node': n['id']})}")
    out.append(f"  # village volunteer fire teams: {f['village_volunteer_fire_teams'].cite()}")
    for node in p["volunteer_teams"]:
        out.append(f"  - {flow({'id': 'vol-' + node, 'kind': 'volunteer_team', 'node': node})}")
    out.append(f"  # community micro fire stations: {f['community_micro_fire_stations'].cite()}")
    for node in p["micro_stations"]:
        out.append(f"  - {flow({'id': 'micro-' + node, 'kind': 'micro_station', 'node': node})}")
    out += [
        f"  # rescue teams: {f['rescue_teams'].cite()}",
        "  - {id: city-teams, kind: team_base, node: danghu}",
        "  - {id: zhapu-teams, kind: team_base, node: zhapu}",
        f"  - {{id: dushan-hazmat, kind: team_base, node: {CHEMICAL_PARK[0]}}}",
        f"  # social rescue teams: {f['social_rescue_teams'].cite()}",
        "  - {id: social-teams, kind: team_base, node: danghu}",
        f"  # hospitals: {f['ambulances'].cite()}",
    ]
    for hid, _, node, _ in HOSPITALS:
        out.append(f"  - {flow({'id': hid, 'kind': 'hospital', 'node': node})}")
    out.append(f"  # helicopter landing points: {f['helicopter_landing_points'].cite()}")
    for node in p["landing_points"]:
        out.append(f"  - {flow({'id': 'lp-' + node, 'kind': 'landing_point', 'node': node})}")
    out += [
        "  - {id: stage-dushangang, kind: staging_post, node: dushangang}",
        "  - {id: stage-xindai, kind: staging_post, node: xindai}",
        f"  # Jinshan (Shanghai) under mutual aid: {f['jinshan_mutual_aid'].cite()}",
        "  - {id: jinshan, name: 金山区应急救援力量 Jinshan forces, kind: external_base, node: jinshan}",
        "  - {id: jiaxing-heli, name: 嘉兴航空救援 Jiaxing rescue helicopter, kind: external_base, node: jiaxing}",
        "  - {id: bus-pinghu, name: 平湖公交 public transport depot (evacuation buses), kind: bus_depot, node: danghu}",
    ]

    crew = p["team_crew"]
    out += [
        "",
        "units:",
        f"  # {p['engines_per_station']} engines per station: {f['fire_engines_per_station'].cite()};"
        " 1 min turnout (ASSUMPTION)",
    ]
    for n in centres:
        out.append(f"  - {{id: engine-{n['id']}, type: engine, capabilities: [fire, first_attack], crew: 5, "
                   f"base: fs-{n['id']}, count: {p['engines_per_station']}, turnout: \"1 min\"}}")
    out.append(f"  # one rescue team per township station: {f['township_rescue_teams'].cite()}; "
               f"crew {crew} = 829 members / 21 teams")
    for n in centres:
        out.append(f"  - {{id: rescue-{n['id']}, type: rescue_team, capabilities: [rescue], crew: {crew}, "
                   f"base: ts-{n['id']}, count: 1, turnout: \"3 min\"}}")
    out.append("  # volunteer teams: slower to turn out and smaller vehicles; answer by hour of the day "
               "(ASSUMPTIONS)")
    for node, count in p["volunteer_teams"].items():
        out.append(f"  - {{id: volunteer-{node}, type: volunteer_team, capabilities: [first_attack], crew: 6, "
                   f"base: vol-{node}, count: {count}, speed_factor: 0.8, turnout: "
                   "{dist: triangular, low: \"3 min\", mode: \"5 min\", high: \"12 min\"}, "
                   f"availability: {hours(VOLUNTEER_HOURS)}}}")
    out.append("  # micro stations: staffed around the clock in communities (ASSUMPTION)")
    for node, count in p["micro_stations"].items():
        out.append(f"  - {{id: micro-{node}, type: micro_station, capabilities: [first_attack], crew: 3, "
                   f"base: micro-{node}, count: {count}, speed_factor: 0.8, turnout: "
                   "{dist: uniform, low: \"1 min\", high: \"2 min\"}}")
    out += [
        f"  # city-level teams: 21 - {p['township_teams']} township teams = "
        f"{p['city_general_teams'] + p['water_teams'] + p['hazmat_teams']}: "
        f"{f['water_rescue_teams'].cite()}; {f['hazmat_teams'].cite()}",
        f"  - {{id: rescue-city, type: rescue_team, capabilities: [rescue], crew: {crew}, base: city-teams, "
        f"count: {p['city_general_teams']}, turnout: \"5 min\"}}",
        f"  - {{id: water-danghu, type: water_rescue_team, capabilities: [rescue, water_rescue], crew: {crew}, "
        f"base: city-teams, count: {p['water_teams'] // 2 + p['water_teams'] % 2}, turnout: \"5 min\"}}",
        f"  - {{id: water-zhapu, type: water_rescue_team, capabilities: [rescue, water_rescue], crew: {crew}, "
        f"base: zhapu-teams, count: {p['water_teams'] // 2}, turnout: \"5 min\"}}",
        f"  - {{id: hazmat-dushan, type: hazmat_team, capabilities: [hazmat, rescue], crew: {crew}, "
        f"base: dushan-hazmat, count: {p['hazmat_teams']}, turnout: \"3 min\"}}",
        f"  # social teams activate slowly: {f['social_rescue_teams'].cite()}; delay, water rescue (boats,",
        "  #   as Pinghu's volunteer rescue teams train for) and answers by hour of the day are ASSUMPTIONS",
        f"  - {{id: social, type: social_team, capabilities: [rescue, water_rescue], crew: {p['social_crew']}, "
        f"base: social-teams, count: {p['social_teams']}, turnout: "
        "{dist: triangular, low: \"20 min\", mode: \"40 min\", high: \"90 min\"}, "
        f"availability: {hours(SOCIAL_TEAM_HOURS)}}}",
        f"  # ambulances: {f['ambulances'].cite()}",
    ]
    for hid, _, _, count in HOSPITALS:
        out.append(f"  - {{id: ambulance-{hid}, type: ambulance, capabilities: [ems], crew: 3, base: {hid}, "
                   f"count: {count}, turnout: \"1 min\"}}")
    out += [
        f"  # Jinshan units when Pinghu's own are busy ({f['jinshan_engines'].cite()}; "
        f"{f['jinshan_hazmat_teams'].cite()});",
        "  #   Jinshan's own calls keep them busy part of the time: they answer 70 % of requests (ASSUMPTION)",
        f"  - {{id: engine-jinshan, type: engine, capabilities: [fire, first_attack], crew: 5, base: jinshan, "
        f"count: {p['jinshan_engines']}, availability: 0.7, mutual_aid: {{region: Jinshan 金山, when: [exhausted], "
        "activation: \"20 min\"}}",
        f"  - {{id: hazmat-jinshan, type: hazmat_team, capabilities: [hazmat, rescue], crew: 20, base: jinshan, "
        f"count: {p['jinshan_hazmat']}, availability: 0.7, mutual_aid: {{region: Jinshan 金山, when: [exhausted], "
        "activation: \"30 min\"}}",
        "  # Jiaxing's rescue helicopter for the most urgent calls (ASSUMPTION: not in the documents): it",
        "  #   hoists people out of floodwater and carries patients, landing at the landing points above",
        "  - {id: heli-jiaxing, type: helicopter, capabilities: [hoist, water_rescue, ems], crew: 4, base: jiaxing-heli,",
        "     count: 1, mode: air, speed: \"230 km/h\", turnout: {dist: uniform, low: \"15 min\", high: \"30 min\"},",
        "     air: {daylight_only: true, max_wind: \"15 m/s\"}, mutual_aid: {region: Jiaxing 嘉兴, when: [severe],",
        "     max_priority: 1, activation: {dist: uniform, low: \"15 min\", high: \"30 min\"}}}",
    ]

    target = f'"{p["response_target_min"]:g} min"'
    report_target = f'"{p["report_target_min"]:g} min"'
    out += [
        "",
        "# Response target: " + f["response_target"].cite(),
        "# Report target of larger accidents: " + f["report_target_larger_accidents"].cite(),
        "# On-scene times, delays and profiles below are ASSUMPTIONS.",
        "incident_types:",
        "  building_fire:",
        "    label: 建筑火灾 building fire",
        "    priority: 1",
        "    requires: {fire: 2, first_attack: 1}",
        "    on_scene: {dist: lognormal, mean: \"75 min\", sd: \"40 min\"}",
        "    detection_delay: {dist: exponential, mean: \"5 min\"}",
        "    report_delay: {dist: uniform, low: \"1 min\", high: \"3 min\"}",
        f"    target: {target}",
        "  outdoor_fire:",
        "    label: 其他火灾 vehicle, e-bike, rubbish and grass fires",
        "    priority: 2",
        "    requires: {first_attack: 1}",
        "    on_scene: {dist: lognormal, mean: \"30 min\", sd: \"15 min\"}",
        "    detection_delay: {dist: exponential, mean: \"5 min\"}",
        "    report_delay: {dist: uniform, low: \"1 min\", high: \"3 min\"}",
        f"    target: {target}",
        "  accident:",
        "    label: 生产安全和交通事故 work-safety and traffic accident",
        "    priority: 1",
        "    requires: {rescue: 1, ems: 1}",
        "    on_scene: {dist: gamma, mean: \"60 min\", sd: \"30 min\"}",
        "    detection_delay: {dist: exponential, mean: \"3 min\"}",
        "    report_delay: {dist: lognormal, mean: \"10 min\", sd: \"15 min\"}",
        f"    target: {target}",
        f"    report_target: {report_target}",
        f"    # transport share = deaths / accidents in 2020 ({f['accident_deaths_2020'].cite()})",
        f"    hospital: {{probability: {p['accident_transport']}, by: ems, handover: "
        "{dist: triangular, low: \"10 min\", mode: \"15 min\", high: \"30 min\"}}",
        "  flood_rescue:",
        "    label: 洪涝救援 flood rescue",
        "    priority: 1",
        "    requires: {water_rescue: 1}",
        "    on_scene: {dist: gamma, mean: \"90 min\", sd: \"45 min\"}",
        "    detection_delay: {dist: exponential, mean: \"15 min\"}  # the trapped or neighbours call",
        "    report_delay: {dist: uniform, low: \"5 min\", high: \"20 min\"}  # village, township, county",
        "    target: \"45 min\"",
        "  casualty:",
        "    label: 伤员 casualty of a chemical accident",
        "    priority: 1",
        "    requires: {ems: 1}",
        "    on_scene: \"10 min\"",
        "    target: \"20 min\"",
        "    hospital: {probability: 1.0, by: ems, handover: \"15 min\"}",
        "  hazmat_leak:",
        "    label: 危化品事故 hazardous-chemical accident at Dushan port",
        "    priority: 1",
        "    requires: {hazmat: 1, fire: 2}",
        "    on_scene: {dist: lognormal, mean: \"180 min\", sd: \"90 min\"}",
        "    # still going after an hour: a second hazardous-chemical team and two more engines (Pinghu has",
        "    #   one such team, so the second comes from Jinshan under mutual aid: ASSUMPTION)",
        "    escalation: [{after: \"1 h\", add: {hazmat: 1, fire: 2}}]",
        "    detection_delay: {dist: exponential, mean: \"2 min\"}",
        "    report_delay: {dist: uniform, low: \"2 min\", high: \"10 min\"}",
        f"    target: {target}",
        f"    report_target: {report_target}",
        "",
        "generators:",
        f"  # fires: {f['fenghua_fires_2020'].cite()} for {int(f['fenghua_population_2020'].value)} residents",
        f"  #   ({f['fenghua_population_2020'].cite()}), scaled to Pinghu's population;",
        f"  #   building share {f['building_fire_share'].cite()}",
        "  # time-of-day and seasonal profiles: ASSUMPTIONS (evening peak, winter peak)",
        f"  - {{type: building_fire, rate: \"{rate['building_fire']} / y\", where: {{weight: population}},",
        "     time_of_day: [0.6, 0.5, 0.5, 0.4, 0.4, 0.5, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.2, 1.2, 1.2, 1.3,"
        " 1.4, 1.5, 1.5, 1.4, 1.2, 1.0, 0.8],",
        "     season: [1.4, 1.3, 1.1, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.3]}",
        f"  - {{type: outdoor_fire, rate: \"{rate['outdoor_fire']} / y\", where: {{weight: population}},",
        "     time_of_day: [0.5, 0.4, 0.4, 0.3, 0.3, 0.4, 0.6, 0.9, 1.1, 1.3, 1.4, 1.5, 1.5, 1.5, 1.5, 1.5, 1.4,"
        " 1.3, 1.2, 1.1, 1.0, 0.9, 0.7, 0.6],",
        "     season: [1.3, 1.3, 1.3, 1.2, 1.0, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.2]}",
        f"  # accidents: {f['accidents_excluding_fires_2020'].cite()}",
        f"  - {{type: accident, rate: \"{rate['accident']} / y\", where: {{weight: population}},",
        "     time_of_day: [0.4, 0.3, 0.3, 0.3, 0.4, 0.6, 0.9, 1.3, 1.4, 1.4, 1.3, 1.2, 1.1, 1.2, 1.3, 1.3, 1.4,"
        " 1.5, 1.4, 1.1, 0.9, 0.7, 0.6, 0.5]}",
        "",
        "hazards:",
        f"  # {f['typhoon_flood_prone'].cite()}; {f['typhoons_per_year'].cite()};",
        "  # footprint, cuts, outages and flood incidents: ASSUMPTIONS",
        "  - kind: typhoon",
        "    id: typhoons",
        f"    rate: \"{rate['typhoons']} / y\"",
        "    season: [0, 0, 0, 0, 0.2, 0.8, 2.5, 3.5, 3.0, 1.0, 0.2, 0]",
        "    lead: {dist: uniform, low: \"24 h\", high: \"72 h\"}",
        "    duration: {dist: lognormal, mean: \"24 h\", sd: \"10 h\"}",
        "    severity: {dist: uniform, low: 0.4, high: 1.0}",
        "    intensity: {default: 0.7, tag:coast: 1.0, tag:flood-prone: 0.9}",
        "    peak_wind: \"33 m/s\"",
        "    rate_multipliers: {accident: 1.8, outdoor_fire: 0.3, building_fire: 0.8}",
        "    incidents:",
        "      - {type: flood_rescue, rate: \"6 / d\", where: {tags: [flood-prone], weight: population}}",
        "    road_cuts: {probability: 0.02, tags: {flood-prone: 0.12, coast: 0.1}, repair: {dist: lognormal, "
        "mean: \"12 h\", sd: \"8 h\"},",
        "      # roads under water but passable: driven 2.5x slower while it lasts (ASSUMPTION); the",
        "      #   probabilities are for a road of 6 km (as calibrated on the earlier lumped roads; per_km),",
        "      #   changes reported on the hour (step)",
        "      per_km: \"6 km\", step: \"1 h\",",
        "      flooding: {probability: 0.1, tags: {flood-prone: 0.5, coast: 0.2}, factor: 2.5,"
        " lasts: {dist: lognormal, mean: \"6 h\", sd: \"4 h\"}},",
        "      # a low-lying village surrounded by water, every road to it under; half of them call for",
        "      #   rescue while cut off (ASSUMPTIONS)",
        "      isolation: {tags: {flood-prone: 0.04}, lasts: {dist: lognormal, mean: \"12 h\", sd: \"6 h\"},",
        "        incident_type: flood_rescue, incident_probability: 0.5}}",
        "    outages: {communication: 0.2, power: 0.5, restore: {dist: lognormal, mean: \"10 h\", sd: \"6 h\"}, "
        "delay_factor: 2.0, power_factor: 1.5}  # no video, alarms or sensors without power (ASSUMPTION)",
        f"  # chemical-park accidents: {f['hazmat_incidents'].cite()}; {f['chemical_leak_share'].cite()};",
        "  #   radii and casualties ASSUMPTIONS",
        "  - kind: chemical",
        "    id: dushan-chemical",
        f"    rate: \"{rate['chemical_accidents']} / y\"",
        "    where: {tags: [chemical], weight: uniform}",
        "    outcomes:",
        f"      leak: {{probability: {p['outcomes'][0]:g}, incident_type: hazmat_leak, radius: \"1 km\", "
        "casualties: 1}",
        f"      fire: {{probability: {p['outcomes'][1]:g}, incident_type: hazmat_leak, radius: \"1.5 km\", "
        "casualties: 2}",
        f"      explosion: {{probability: {p['outcomes'][2]:g}, incident_type: hazmat_leak, radius: \"3 km\", "
        "casualties: 6}",
        "    casualty_type: casualty",
        "",
        "# On a typhoon warning, the social rescue teams (water-capable) move 'one level down' to Xindai,",
        "# the flood-prone north that no water-rescue team covers (doc 003: 力量下沉一级 in high-risk",
        "# periods; which teams and where: ASSUMPTION, chosen by simulation: moving the city's water team",
        "# to Dushangang instead, next to Zhapu's, made flood rescues slower; README, pre-positioning).",
        "prepositioning:",
        "#   Staged, they stand by at the post: 10 minutes to turn out instead of 20 to 90 (ASSUMPTION).",
        "  - {hazard: typhoons, moves: [{units: social, to: stage-xindai, turnout: \"10 min\"}], return_after: \"12 h\"}",
        "",
        *render_people_and_supplies(p, f),
        "dispatch:",
        "  policy: nearest_available",
        "  when_no_unit: queue",
        "  redispatch_returning: true",
        "  handling_time: {dist: uniform, low: \"0.5 min\", high: \"1.5 min\"}  # ASSUMPTION",
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
        f"# Shelters: {f['shelters'].cite()}, spread over the places in proportion to population",
        f"#   (largest remainders: about one at each of the most populous places); capacity: Pinghu gives none, so each has Fenghua's mean of {p['shelter_capacity_mean']}",
        f"#   people ({f['fenghua_shelter_capacity'].cite()}; {f['fenghua_shelters'].cite()}).",
        "shelters:",
    ]
    out += [f"  - {flow(s)}" for s in p["shelters"]]
    vehicles = (f"{int(f['evacuation_buses'].value)} buses and {int(f['evacuation_boats'].value)} boats: "
                f"{f['evacuation_buses'].cite()}; {f['evacuation_boats'].cite()}")
    out += [
        "",
        f"# Who moves: {f['typhoon_evacuation_share'].value:.0%} of the people of flood-prone villages when a",
        "#   typhoon's intensity there reaches 0.6 (ASSUMPTION); "
        f"{f['chemical_evacuation_share'].value:.0%} of the people of nodes within a",
        "#   chemical accident's radius (ASSUMPTION: the others shelter indoors).",
        f"# Vulnerable people one to one (doc 003: 一对一): {f['vulnerable_share'].value:.0%} (ASSUMPTION).",
        f"# Chain delays, compliance, departures and cars ({f['own_vehicle_share'].value:.0%}): ASSUMPTIONS;",
        f"#   {vehicles}",
        *render_evacuation(
            [f"    - {{hazard: typhoons, min_intensity: 0.6, tags: [flood-prone], "
             f"share: {f['typhoon_evacuation_share'].value:g}}}",
             "    # the people of each place in proportion to its area inside the radius, who leave it",
             f"    - {{hazard: dushan-chemical, min_intensity: 0, share: {f['chemical_evacuation_share'].value:g},",
             *SUDDEN_WARNING],
            f["vulnerable_share"].value, f["own_vehicle_share"].value,
            ("bus-pinghu", int(f["evacuation_buses"].value)), ("zhapu-teams", int(f["evacuation_boats"].value))),
        "",
        *render_items(items, SHELTER_ITEMS + FLOOD_ITEMS, {"flood_rescue"}),
        "",
        "# Depots, by tier for the 6 h / 8 h first-batch targets (doc 004): Pinghu's own depots (a",
        "# county-level city) are county tier, Jiaxing's city tier. Stock, trucks, loading and",
        "# replenishment are ASSUMPTIONS (see the figures table).",
        "depots:",
        f"  # {f['city_supply_depots'].cite()}; stock for {int(f['city_depot_people'].value)} people and "
        f"{int(f['city_depot_flood_kits'].value)} flood rescues",
    ]

    def stock(prefix: str, scale: float = 1.0, flood: list[str] = FLOOD_ITEMS) -> dict[str, int]:
        return {**people_stock(items, SHELTER_ITEMS, f[f"{prefix}_depot_people"].value * scale, 1),
                **incident_stock(items, flood, "flood_rescue", f[f"{prefix}_depot_flood_kits"].value * scale)}

    out.append(depot_line({"id": "dep-pinghu", "name": "平湖市级物资储备库 Pinghu city depot", "node": "danghu",
                           "tier": "county", "stock": stock("city"), "loading": "20 t/h",
                           "trucks": {"count": 6, "capacity": "5 t"},
                           "replenish": {"from": "dep-jiaxing", "below": 0.5}}))
    out.append(f"  # {f['departmental_supply_depots'].cite()}; stock for {int(f['departmental_depot_people'].value)} "
               f"people and {int(f['departmental_depot_flood_kits'].value)} flood rescues")
    out.append(depot_line({"id": "dep-departments", "name": "部门单位储备库 13 departmental depots",
                           "node": DEPARTMENTAL_DEPOT, "tier": "county", "stock": stock("departmental"),
                           "loading": "20 t/h", "trucks": {"count": 8, "capacity": "5 t"},
                           "replenish": {"lead": {"dist": "uniform", "low": "24 h", "high": "72 h"},
                                         "below": 0.3}}))
    out.append(f"  # {f['township_supply_depots'].cite()}; each: stock for {int(f['township_depot_people'].value)} "
               f"people and {int(f['township_depot_flood_kits'].value)} flood rescues")
    for town, k in p["township_depots"].items():
        out.append(depot_line({"id": f"dep-{town}", "name": f"{k} township depot{'s' if k > 1 else ''}",
                               "node": town, "tier": "township",
                               "stock": stock("township", k, ["sandbags", "life_jackets"]),
                               "loading": "5 t/h", "trucks": {"count": k, "capacity": "2 t"},
                               "replenish": {"from": "dep-pinghu", "below": 0.3}}))
    out += [
        f"  # Jiaxing city depot: stock for {int(f['jiaxing_depot_people'].value)} people and "
        f"{int(f['jiaxing_depot_flood_kits'].value)} flood rescues (ASSUMPTION)",
        depot_line({"id": "dep-jiaxing", "name": "嘉兴市级物资储备库 Jiaxing city depot", "node": "jiaxing",
                    "tier": "city", "stock": stock("jiaxing"), "loading": "40 t/h",
                    "trucks": {"count": 10, "capacity": "8 t"},
                    "replenish": {"lead": {"dist": "uniform", "low": "24 h", "high": "48 h"}, "below": 0.5}}),
        "  # Zhejiang provincial depot (ASSUMPTION: not in the documents): its trucks come by expressway",
        "  #   through Jiaxing; activation covers the request, approval and loading (ASSUMPTION)",
        depot_line({"id": "dep-zhejiang", "name": "浙江省救灾物资储备库 provincial depot", "node": "jiaxing",
                    "tier": "province", "stock": stock("jiaxing", 5), "loading": "60 t/h",
                    "trucks": {"count": 20, "capacity": "10 t"},
                    "activation": PROVINCE_ACTIVATION}),
        f"  # Jinshan (Shanghai) under the cross-border agreement: {f['supply_mutual_aid'].cite()}",
        depot_line({"id": "dep-jinshan", "name": "金山区 Jinshan supplies (agreement)", "node": "jinshan",
                    "tier": "aid", "stock": stock("city"), "loading": "20 t/h",
                    "trucks": {"count": 6, "capacity": "5 t"},
                    "activation": AID_ACTIVATION}),
        "",
        *supply_settings(applied_to="Pinghu"),
        "",
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    figures = read_figures(FIGURES)
    return write_or_check(SCENARIO, lambda: render(derive(figures), figures), argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())
