"""The Dask worker plugin of a batch (imported only with the optional ``distributed``)."""

from __future__ import annotations

import importlib
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["Preload"]


class Preload(WorkerPlugin):
    """A worker imports ``modules`` once, when the plugin is registered (or when the worker
    joins the cluster later), not inside its first task. Every batch registers it under the
    same name, replacing the last; a worker that has the modules finds them in ``sys.modules``
    at no cost."""

    name = "sim-preload"
    idempotent = True

    def __init__(self, modules: tuple[str, ...]) -> None:
        self.modules = tuple(modules)

    def setup(self, worker: Any) -> None:
        for module in self.modules:
            importlib.import_module(module)
