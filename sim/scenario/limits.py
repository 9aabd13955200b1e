"""Ceilings on scenario input: what a file may hold and what a run can simulate.

A value above one of these is refused when the scenario is read or validated, with the limit
named in the message, instead of running for hours or exhausting memory. Each limit sits far
above any real county or city (the built-in scenarios use well under a thousandth of each).

============================== ================ ==============================================
limit                          value            what it bounds
============================== ================ ==============================================
MAX_FILE_BYTES                 50 MB            a scenario, experiment or drill file
MAX_DATA_BYTES                 512 MB           a data file a scenario names (travel matrix, roads, places)
MAX_ALIAS_VALUES               1,000,000        values a YAML file adds through aliases (``*a``)
MAX_ALIASES                    1,000            alias uses (``*a``, ``<<: *a``) in one file
MAX_YAML_DEPTH                 100              nesting of mappings and lists in a YAML file
MAX_NODES                      2,000,000        ``region.nodes``
MAX_DENSE_NODES                5,000            nodes with ``auto_roads`` or ``travel_matrix``
                                                (both hold a node-by-node matrix)
MAX_EDGES                      10,000,000       road or waterway edges
MAX_POPULATION                 2,000,000,000    people at one node, and the capacity of a shelter
MAX_UNITS_PER_GROUP            10,000           ``count`` of one unit group
MAX_UNITS                      100,000          units of all groups together
MAX_CREW                       1,000            ``crew`` of one unit
MAX_VEHICLES                   10,000           buses, boats, trucks or helicopters of one fleet
MAX_REQUIRED                   100,000          units one incident type requires (or adds)
MAX_HORIZON                    1,000 years      ``run.horizon``
MAX_REPLICATIONS               100,000          ``run.replications``
MAX_INCIDENTS                  10,000,000       expected incidents in one replication
MAX_HAZARD_EVENTS              100,000          expected hazard events in one replication
MAX_RATE_MULTIPLIER            1,000            a typhoon's ``rate_multipliers``
MAX_CASUALTIES                 100,000          mean casualties of a chemical accident
MAX_STOCK                      1e12             stock of one item at one depot, and needs
============================== ================ ==============================================
"""

from __future__ import annotations

from collections.abc import Sized
from typing import TypeVar

from pydantic import AfterValidator, BeforeValidator

from ..errors import shown

N = TypeVar("N", int, float)

__all__ = [
    "MAX_ALIASES",
    "MAX_ALIAS_VALUES",
    "MAX_CASUALTIES",
    "MAX_CREW",
    "MAX_DENSE_NODES",
    "MAX_EDGES",
    "MAX_DATA_BYTES",
    "MAX_FILE_BYTES",
    "MAX_HAZARD_EVENTS",
    "MAX_HORIZON",
    "MAX_HORIZON_YEARS",
    "MAX_INCIDENTS",
    "MAX_NODES",
    "MAX_POPULATION",
    "MAX_RATE_MULTIPLIER",
    "MAX_REPLICATIONS",
    "MAX_REQUIRED",
    "MAX_STOCK",
    "MAX_UNITS",
    "MAX_UNITS_PER_GROUP",
    "MAX_VEHICLES",
    "MAX_YAML_DEPTH",
    "at_most",
    "at_most_items",
    "count_text",
]

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_DATA_BYTES = 512 * 1024 * 1024
MAX_ALIAS_VALUES = 1_000_000
MAX_ALIASES = 1_000
MAX_YAML_DEPTH = 100

MAX_NODES = 2_000_000
MAX_DENSE_NODES = 5_000
MAX_EDGES = 10_000_000
MAX_POPULATION = 2_000_000_000

MAX_UNITS_PER_GROUP = 10_000
MAX_UNITS = 100_000
MAX_CREW = 1_000
MAX_VEHICLES = 10_000
MAX_REQUIRED = 100_000

MAX_HORIZON_YEARS = 1_000
MAX_HORIZON = MAX_HORIZON_YEARS * 365 * 24 * 60.0  # minutes (a year is 365 days)
MAX_REPLICATIONS = 100_000
MAX_INCIDENTS = 10_000_000
MAX_HAZARD_EVENTS = 100_000
MAX_RATE_MULTIPLIER = 1_000.0
MAX_CASUALTIES = 100_000.0
MAX_STOCK = 1e12


def count_text(value: float) -> str:
    """A limit or a count as people write it: ``10,000``, ``2,000,000``, ``1e+12``."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.3g}"


def at_most(limit: float, what: str) -> AfterValidator:
    """A validator refusing a number above ``limit``: "at most 10,000 units per group (got ...)"."""

    def check(value: N) -> N:
        if value > limit:
            raise ValueError(f"at most {count_text(limit)} {what} (got {shown(value)})")
        return value

    return AfterValidator(check)


def at_most_items(limit: int, what: str) -> BeforeValidator:
    """A validator refusing a list or mapping of more than ``limit`` entries, before its entries
    are validated (so a list of ten million nodes is refused at once)."""

    def check(value: object) -> object:
        if isinstance(value, Sized) and not isinstance(value, str) and len(value) > limit:
            raise ValueError(f"at most {count_text(limit)} {what} (got {len(value):,})")
        return value

    return BeforeValidator(check)
