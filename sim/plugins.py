"""Plug-ins: your own dispatch, supply-allocation and move-up policies, chosen by a registered name.

Input files (scenarios, experiments, drills) name a policy only by a name; they never import
or call code. A name means one of:

* a built-in policy (``nearest_available``, ``nearest_tier_first``, ``dmexclp``,
  ``compliance_table``);
* a policy registered in this process through the Python API::

      import sim
      sim.register_policy("dispatch", "highest_index", HighestIndex)

* a policy that an installed package declares as an entry point, in the group
  ``sim.dispatch_policies``, ``sim.allocation_policies`` or ``sim.move_up_policies`` of its
  ``pyproject.toml``::

      [project.entry-points."sim.dispatch_policies"]
      highest_index = "mypackage.policies:HighestIndex"

  Only installing the package makes the name known; its module is imported when a scenario
  that names it runs, never while a file is validated. Entry points reach every batch worker
  (local processes, Dask workers with the package installed); API registrations reach the
  local worker processes of a batch started after them.

A policy is a class (or any callable) that builds the policy object with no arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

from .errors import SimError

__all__ = ["ENTRY_POINT_GROUPS", "KINDS", "make_plugin", "make_policy_named", "plugin_names",
           "register_policy"]

KINDS = ("dispatch", "allocation", "move_up")
ENTRY_POINT_GROUPS = {"dispatch": "sim.dispatch_policies", "allocation": "sim.allocation_policies",
                      "move_up": "sim.move_up_policies"}
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")

_REGISTERED: dict[str, dict[str, Callable[[], Any]]] = {kind: {} for kind in KINDS}


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of plug-in {kind!r} (one of: {', '.join(KINDS)})")
    return kind


def register_policy(kind: str, name: str, factory: Callable[[], Any]) -> None:
    """Make ``name`` usable in scenario files as a ``kind`` policy (``dispatch``:
    ``dispatch.policy``; ``allocation``: ``supply.policy``; ``move_up``:
    ``dispatch.move_up.policy``), built by calling ``factory()``."""
    if not NAME.match(name):
        raise ValueError(f"a policy name is a word of letters, digits, '_', '-' or '.' (got {name!r})")
    if not callable(factory):
        raise TypeError("factory must be a class or another callable that takes no arguments")
    _REGISTERED[_kind(kind)][name] = factory


def _entry_points(kind: str) -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUPS[kind])}


def plugin_names(kind: str) -> list[str]:
    """Names registered for ``kind`` through the API or entry points (nothing is imported)."""
    return sorted({*_REGISTERED[_kind(kind)], *_entry_points(kind)})


def make_plugin(kind: str, name: str) -> Any:
    """Build the ``kind`` policy registered as ``name`` (importing its package if it comes from
    an entry point). Raises :class:`~sim.errors.SimError` when no such name is registered."""
    factory = _REGISTERED[_kind(kind)].get(name)
    if factory is None:
        entry = _entry_points(kind).get(name)
        if entry is None:
            raise SimError(f"no {kind} policy named {name!r} is registered (registered: "
                           f"{', '.join(plugin_names(kind)) or 'none'})")
        try:
            factory = entry.load()
        except Exception as exc:
            raise SimError(f"the {kind} policy {name!r} (entry point {entry.value}) cannot be loaded: "
                           f"{type(exc).__name__}: {exc}") from None
    return factory()


def make_policy_named(kind: str, name: str, builtins: Mapping[str, Callable[[], Any]], method: str) -> Any:
    """The built-in ``kind`` policy ``name`` (from ``builtins``), or the one registered under it,
    which must have a ``method``."""
    if name in builtins:
        return builtins[name]()
    policy = make_plugin(kind, name)
    if not callable(getattr(policy, method, None)):
        raise SimError(f"the {kind} policy registered as {name!r} has no {method}() method")
    return policy

