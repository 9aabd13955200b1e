"""Real road networks: import OpenStreetMap (``.osm``, ``.osm.bz2``, ``.osm.pbf``), osmnx
GraphML and CSV files into a clean directed graph the simulator drives on.

Maps made from OSM data: © OpenStreetMap contributors (ODbL).
"""

from .errors import NetworkError
from .speeds import DEFAULT_SPEEDS, ZONE_SPEEDS, parse_maxspeed, parse_speed_overrides, speed_table

__all__ = ["DEFAULT_SPEEDS", "ZONE_SPEEDS", "NetworkError", "parse_maxspeed", "parse_speed_overrides",
           "speed_table"]
