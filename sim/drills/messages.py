"""Bilingual (zh/en) message templates for drill injects.

A message tells players the *situation*, never the answer; the expected action is written
separately, for controllers and evaluators only. Each template is formatted with the inject's
fields (``place``, ``people``, ``units``...).
"""

from __future__ import annotations

__all__ = ["ACTIONS", "MESSAGES", "CONTINGENCY", "text"]

MESSAGES: dict[str, dict[str, str]] = {
    "typhoon_warning": {
        "zh": "气象台发布台风预警：预计{lead}后台风在本地登陆，{places}等地风雨影响严重。",
        "en": "The weather bureau issues a typhoon warning: landfall expected in {lead}; "
        "{places} will be hit hardest by wind and rain.",
    },
    "heavy_rain_warning": {
        "zh": "气象台发布暴雨预警：预计{lead}后强降雨开始，{places}等地有山洪、内涝风险。",
        "en": "The weather bureau issues a heavy-rain warning: heavy rain expected in {lead}; {places} face "
        "flash floods and waterlogging.",
    },
    "landfall": {
        "zh": "台风已登陆，{places}风雨正在加大。",
        "en": "The typhoon has made landfall; wind and rain are rising over {places}.",
    },
    "rain_start": {
        "zh": "强降雨开始，{places}雨势加大。",
        "en": "Heavy rain has started; it is intensifying over {places}.",
    },
    "evacuation_needed": {
        "zh": "{place}：低洼和危房区域约{people}人处于危险区域。",
        "en": "{place}: about {people} people in low-lying and unsafe housing are in the danger zone.",
    },
    "evacuation_radius": {
        "zh": "{place}：约{people}人位于危险范围内，需要撤离。",
        "en": "{place}: about {people} people are inside the danger radius and must leave.",
    },
    "air_request": {
        "zh": "指挥中心请求直升机{unit}支援{place}。",
        "en": "The command centre requests helicopter {unit} for {place}.",
    },
    "aid_request": {
        "zh": "本地力量不足，请求跨区域增援{unit}前往{place}。",
        "en": "Local forces are committed: mutual aid ({unit}) is requested for {place}.",
    },
    "road_cut": {
        "zh": "{place_a}至{place_b}道路因{cause}中断。",
        "en": "The road from {place_a} to {place_b} is cut ({cause}).",
    },
    "incident": {
        "zh": "接报：{place}发生{type_zh}。",
        "en": "Call received: {type_en} at {place}.",
    },
    "chemical": {
        "zh": "{place}发生危化品{outcome_zh}，周边{radius}范围内约{people}人。",
        "en": "Hazardous-chemical {outcome_en} at {place}; about {people} people live within {radius}.",
    },
    "fire_detected": {
        "zh": "首批扑火力量到达{place}火场，过火面积约{hectares}公顷，火势仍在蔓延。",
        "en": "The first crews have reached the fire at {place}; about {hectares} ha have burned and it is "
        "still spreading.",
    },
    "earthquake": {
        "zh": "{place}附近发生{magnitude}级地震，有房屋倒塌报告。",
        "en": "A magnitude {magnitude} earthquake near {place}; houses are reported collapsed.",
    },
    "supplies_incident": {
        "zh": "{place}抢险现场请求物资：{items}。",
        "en": "The rescue at {place} asks for supplies: {items}.",
    },
    "supplies_request": {
        "zh": "{place}安置点报告：{people}名转移群众需要生活物资。",
        "en": "The {place} shelters report {people} evacuees who need relief supplies.",
    },
}

ACTIONS: dict[str, dict[str, str]] = {
    "relay_warning": {
        "zh": "启动应急响应，通过叫应机制将预警传达到镇、村、户，组织危险区域人员转移",
        "en": "Activate the response, pass the warning down the call-and-respond chain to "
        "townships, villages and households, and order the evacuation of danger zones",
    },
    "evacuate": {
        "zh": "组织危险区域人员转移至安置点（含弱势群体一对一转移），直至清零",
        "en": "Move everyone in the danger zone to shelters (vulnerable people one to one) until "
        "the zone is clear",
    },
    "reopen_road": {
        "zh": "组织抢通道路，调整救援路线；对孤立村庄改用水路或空中力量",
        "en": "Send road clearance, reroute responders, and reach cut-off villages by water or air",
    },
    "dispatch": {"zh": "调派{units}出动", "en": "Dispatch {units}"},
    "arrive": {"zh": "首支力量到达现场并开展处置", "en": "First unit on scene and at work"},
    "complete": {"zh": "完成现场处置", "en": "Work on scene completed"},
    "contain": {"zh": "控制火势（火线合围）", "en": "Fire contained (line around it)"},
    "first_batch": {
        "zh": "首批救灾物资运抵灾区（县级6小时、市级8小时内）",
        "en": "First batch of relief supplies delivered (within 6 h from county level, 8 h from city level)",
    },
}

CONTINGENCY: dict[str, dict[str, str]] = {
    "dispatch": {
        "zh": "（若未出动）报警人再次来电，称情况加重。",
        "en": "(If nobody has been sent) the caller phones again: the situation is getting worse.",
    },
    "arrive": {
        "zh": "（若未到达）现场群众反映仍未见救援力量。",
        "en": "(If nobody is there yet) people at the scene report that no responders have arrived.",
    },
    "evacuate": {
        "zh": "（若未清零）村干部报告仍有群众拒绝转移。",
        "en": "(If the zone is not clear) the village head reports people still refusing to leave.",
    },
    "reopen_road": {
        "zh": "（若未抢通）被困村庄请求送药送水。",
        "en": "(If the road is still cut) the cut-off village asks for medicine and water.",
    },
    "first_batch": {
        "zh": "（若物资未到）再次来电催要物资，称现有物资即将用完。",
        "en": "(If no supplies have come) they call again: what they have is about to run out.",
    },
    "contain": {
        "zh": "（若未控制）火场风向突变，火势向村庄蔓延。",
        "en": "(If not contained) the wind turns and the fire spreads towards a village.",
    },
    "complete": {
        "zh": "（若未完成）现场请求增援。",
        "en": "(If not done) the scene asks for reinforcements.",
    },
    "relay_warning": {
        "zh": "（若未响应）镇政府来电询问是否启动转移。",
        "en": "(If there is no response) a township calls to ask whether to start evacuating.",
    },
}


def text(table: dict[str, dict[str, str]], key: str, **fields: object) -> tuple[str, str]:
    """(zh, en) of a template, formatted."""
    entry = table[key]
    return entry["zh"].format(**fields), entry["en"].format(**fields)
