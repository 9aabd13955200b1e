"""Real road networks: import OpenStreetMap (``.osm``, ``.osm.bz2``, ``.osm.pbf``), osmnx
GraphML and CSV files into a clean directed graph the simulator drives on.

:func:`load_network` reads a file (or its cached import) into an :class:`ImportedNetwork`
(junctions, arcs, roads with their ways, names and geometry, and the :class:`LoadReport`);
:func:`to_road_network` turns that into the engine's ``RoadNetwork``, with extra nodes and arcs
(:class:`ExtraArcs`) appended. The rules are in each module: speeds and ``maxspeed`` in
:mod:`~sim.network.speeds`, access and one-way tags in :mod:`~sim.network.osm_tags`,
splitting and the largest strongly connected part in :mod:`~sim.network.build`, contraction in
:mod:`~sim.network.contract`, the cache in :mod:`~sim.network.cache`.

Maps made from OSM data: © OpenStreetMap contributors (ODbL).
"""

from .cache import CACHE_FORMAT, cache_folder
from .convert import ExtraArcs, road_tags, to_road_network
from .errors import NetworkError
from .geojson import network_geojson, write_network_geojson
from .imported import ImportedNetwork
from .load import FORMATS, NetworkSource, detect_format, load_network
from .report import LoadReport
from .speeds import DEFAULT_SPEEDS, ZONE_SPEEDS, parse_maxspeed, parse_speed_overrides, speed_table

__all__ = ["CACHE_FORMAT", "DEFAULT_SPEEDS", "FORMATS", "ZONE_SPEEDS", "ExtraArcs", "ImportedNetwork",
           "LoadReport", "NetworkError", "NetworkSource", "cache_folder", "detect_format", "load_network",
           "network_geojson", "parse_maxspeed", "parse_speed_overrides", "road_tags", "speed_table",
           "to_road_network", "write_network_geojson"]
