"""The Python face of batches: run an experiment, or open a finished store, and get DataFrames."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SimError
from . import compare as stats
from .backends import CONNECT_TIMEOUT
from .batch import run_experiment
from .experiment import Experiment, load_experiment
from .store import ResultsStore

__all__ = ["BatchResult", "open_batch", "run_batch"]


@dataclass
class BatchResult:
    """A batch's results, read from its store."""

    store: ResultsStore

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """Every KPI of every replication of every variant (long: variant, variant_name,
        replication, section, group, metric, value)."""
        return self.store.kpis()

    @cached_property
    def variants(self) -> pd.DataFrame:
        frame = self.store.variants()
        frame["replications"] = [int(self.kpis.loc[self.kpis["variant"] == v, "replication"].nunique())
                                 for v in frame["variant"]]
        return frame

    @cached_property
    def experiment(self) -> dict:
        return json.loads(self.store.meta()["experiment"])

    @property
    def complete(self) -> bool:
        """Whether the batch ran every replication it asked for."""
        return self.store.complete

    def shortfall(self) -> pd.DataFrame:
        """Variants with fewer replications stored than the experiment asks for: ``name``,
        ``stored``, ``asked`` (empty for a complete batch)."""
        asked = int(self.experiment.get("replications", 0))
        frame = self.variants[["name", "replications"]].rename(columns={"replications": "stored"})
        frame["asked"] = asked
        return frame[frame["stored"] < asked].reset_index(drop=True)

    def incomplete_text(self) -> str:
        """What an unfinished batch is missing, in one line (empty when it is complete)."""
        if self.complete:
            return ""
        short = self.shortfall()
        parts = [f"{row.name!r} has {row.stored} of {row.asked}" for row in short.itertuples(index=False)]
        detail = ", ".join(parts[:8]) + (f" and {len(parts) - 8} more" if len(parts) > 8 else "")
        return (f"the batch in {self.store.path} is not finished"
                + (f" (variant {detail} replications)" if parts
                   else " (its sequential stopping did not end)"))

    def check_complete(self, partial: bool = False) -> str:
        """Refuse an unfinished batch unless ``partial``; return the warning to show with a
        partial comparison (empty for a complete batch)."""
        text = self.incomplete_text()
        if text and not partial:
            raise SimError(f"{text}: finish it with `sim batch EXPERIMENT --store {self.store.path} "
                           "--resume`, "
                           "or pass --partial to compare what is there (paired on the replications that "
                           "both variants have)")
        return text

    @property
    def baseline(self) -> str:
        return self.experiment.get("baseline") or str(self.variants["name"].iloc[0])

    def matrix(self, kpi: str) -> pd.DataFrame:
        """One KPI: a row per replication, a column per variant."""
        return stats.kpi_matrix(self.kpis, kpi)

    def summary(self, kpi: str) -> pd.DataFrame:
        """Per variant: mean and 95 % CI of one KPI."""
        return stats.summary(self.kpis, kpi)

    def compare(self, kpi: str, baseline: str | None = None) -> pd.DataFrame:
        """Variants ranked on one KPI, with paired differences against the baseline."""
        return stats.compare(self.kpis, kpi, baseline or self.baseline)

    def response_histograms(self) -> dict[str, np.ndarray]:
        """Per variant name, response-time counts in one-minute bins (all replications)."""
        names = dict(zip(self.variants["variant"], self.variants["name"], strict=True))
        return {names[v]: counts for v, counts in self.store.histograms().items()}

    def layouts(self) -> dict[str, dict]:
        """Per variant name, node positions and facilities (with their unit counts)."""
        return {name: json.loads(layout) for name, layout in zip(self.variants["name"],
                                                                self.variants["layout"], strict=True)}

    def node_response(self) -> pd.DataFrame:
        """Per variant name and node: incidents and mean response time over all replications."""
        frame = self.store.node_response()
        names = dict(zip(self.variants["variant"], self.variants["name"], strict=True))
        frame.insert(0, "variant_name", frame["variant"].map(names))
        frame["response_mean"] = frame["response_sum"] / frame["incidents"]
        return frame


def run_batch(experiment: str | Path | dict | Experiment, store: str | Path, *, jobs: int = 1,
              backend: str = "processes", scheduler: str | None = None, resume: bool = False,
              records: bool = False, chunk: int | None = None,
              progress: bool | Callable[[int, int], None] = False,
              connect_timeout: float = CONNECT_TIMEOUT) -> BatchResult:
    """Run an experiment (a file, a mapping or a loaded :class:`Experiment`) into ``store`` and
    return its results. ``resume=True`` finishes an interrupted batch in the same store;
    ``progress`` is True for a progress bar, or a function called with (done, total)."""
    loaded = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    return BatchResult(run_experiment(loaded, store, jobs=jobs, backend=backend, scheduler=scheduler,
                                      resume=resume, keep_records=records, chunk=chunk, progress=progress,
                                      connect_timeout=connect_timeout))


def open_batch(store: str | Path) -> BatchResult:
    """The results of a batch already run."""
    path = Path(store)
    if not path.is_file():
        raise SimError(f"{path}: no such results store")
    opened = ResultsStore(path)
    if opened.is_new:
        raise SimError(f"{path}: an empty file, not a results store")
    return BatchResult(opened)
