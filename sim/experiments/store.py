"""The results store of a batch: one SQLite file (WAL mode).

Schema (version 1):

=================  ==========================================================================
``meta``           ``key``, ``value``: ``application`` (``sim-batch``), ``schema_version``,
                   ``experiment`` (the experiment settings, JSON), ``experiment_digest`` (the
                   settings and every variant's scenario digest), ``code_version`` (the
                   package version and a hash of its source), ``seed``, ``created``
``variants``       ``variant`` (index), ``name``, ``scenario_digest``, ``layout`` (JSON: what the
                   variant changes, node positions, facilities and their unit counts)
``tasks``          one row per finished task: ``variant``, ``first``, ``count`` (replications
                   ``first .. first+count-1``), ``seconds``, ``finished`` (UTC time)
``kpis``           ``variant``, ``replication``, ``section``, ``grp``, ``metric``, ``value``
                   (see :mod:`sim.results.kpi_rows`; NULL when a KPI has no value)
``histograms``     ``variant``, ``replication``, ``counts``: response times (all types) in
                   one-minute bins from 0 to 6 h, as JSON
``node_response``  ``variant``, ``replication``, ``node``, ``incidents``, ``response_sum``
``records``        with ``--records``: ``variant``, ``replication``, ``name``, ``data`` (the
                   record table as zlib-compressed JSON of its columns)
=================  ==========================================================================

A task's rows are written in one transaction together with its ``tasks`` row, so after a crash
the store holds whole tasks only, and a resumed batch runs exactly the tasks that are missing.
A store belongs to one experiment and one code version: opening it for another is refused, and
so is a task computed by a worker running other code. ``meta.complete`` is set when the batch
has run every replication it asked for.

While a batch runs (and after a crash), the store is the ``.sqlite`` file together with its
``-wal`` and ``-shm`` files: copy or move all three. Each finished task is also copied into the
main file at once (a WAL checkpoint), so even the ``.sqlite`` file alone holds every task but
perhaps the last; when a batch ends, the store is the ``.sqlite`` file alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import math
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..errors import SimError
from ..results.task_tables import KpiTable, NodeTable

__all__ = ["ResultsStore", "StoreError", "TaskOutput", "code_version"]

APPLICATION = "sim-batch"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS variants (variant INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    scenario_digest TEXT NOT NULL, layout TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (variant INTEGER NOT NULL, first INTEGER NOT NULL, count INTEGER NOT NULL,
    seconds REAL NOT NULL, finished TEXT NOT NULL, PRIMARY KEY (variant, first));
CREATE TABLE IF NOT EXISTS kpis (variant INTEGER NOT NULL, replication INTEGER NOT NULL,
    section TEXT NOT NULL, grp TEXT NOT NULL, metric TEXT NOT NULL, value REAL,
    PRIMARY KEY (variant, replication, section, grp, metric)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS histograms (variant INTEGER NOT NULL, replication INTEGER NOT NULL,
    counts TEXT NOT NULL, PRIMARY KEY (variant, replication));
CREATE TABLE IF NOT EXISTS node_response (variant INTEGER NOT NULL, replication INTEGER NOT NULL,
    node TEXT NOT NULL, incidents INTEGER NOT NULL, response_sum REAL NOT NULL,
    PRIMARY KEY (variant, replication, node));
CREATE TABLE IF NOT EXISTS records (variant INTEGER NOT NULL, replication INTEGER NOT NULL,
    name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (variant, replication, name));
"""
TABLES = ("meta", "variants", "tasks", "kpis", "histograms", "node_response", "records")


class StoreError(SimError):
    """A results store that cannot be used: corrupt, foreign, or from another experiment."""


@functools.cache
def code_version() -> str:
    """The package version and a hash of its Python source: results of different code differ
    (worked out once per process)."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


@dataclass
class TaskOutput:
    """What one task (a variant and a run of replications) produced."""

    variant: int
    first: int
    count: int
    seconds: float
    kpis: KpiTable
    histograms: dict[int, np.ndarray]
    nodes: NodeTable
    records: dict[int, dict[str, dict[str, list]]] = field(default_factory=dict)
    code: str = ""
    """The code version the task ran with (:func:`code_version` in the process that ran it)."""


class ResultsStore:
    """A batch's SQLite results file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a results store (not a readable SQLite database: "
                             f"{exc})") from None
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path}: an SQLite database, but not a sim results store "
                             f"(it has tables {', '.join(sorted(tables))}); choose another --store file")
        self._empty = not tables
        if tables:
            self._check_application()

    # ---------------------------------------------------------------- identity

    def _meta(self) -> dict[str, str]:
        try:
            return dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: the results store is damaged ({exc})") from None

    def _check_application(self) -> None:
        meta = self._meta()
        if meta.get("application") != APPLICATION:
            raise StoreError(f"{self.path}: not a sim results store (no application tag)")
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise StoreError(f"{self.path}: results store schema {meta.get('schema_version')} is not "
                             f"{SCHEMA_VERSION}, which this version reads")
        try:
            self.db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: the results store is damaged ({exc})") from None

    @property
    def is_new(self) -> bool:
        return self._empty

    def initialise(self, experiment_json: str, digest: str, seed: int,
                   variants: Iterable[tuple[int, str, str, str]]) -> None:
        """Create the tables and record which experiment and code this store belongs to."""
        with self.db:
            self.db.executescript(_SCHEMA)
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            self.db.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("application", APPLICATION), ("schema_version", SCHEMA_VERSION),
                ("experiment", experiment_json), ("experiment_digest", digest),
                ("code_version", code_version()), ("seed", str(seed)), ("created", now)])
            self.db.executemany("INSERT INTO variants VALUES (?, ?, ?, ?)", list(variants))
        self._empty = False

    def check_matches(self, digest: str, *, code: str | None = None) -> None:
        """Refuse to add results of another experiment or code version to this store."""
        meta = self._meta()
        if meta.get("experiment_digest") != digest:
            raise StoreError(f"{self.path} holds results of another experiment or scenario version "
                             f"(digest {meta.get('experiment_digest')}, this one {digest}): results are "
                             "not mixed; use another --store file or delete this one")
        code = code or code_version()
        if meta.get("code_version") != code:
            raise StoreError(f"{self.path} holds results of another code version "
                             f"({meta.get('code_version')}, this one {code}): results are not mixed; use "
                             "another --store file or delete this one")

    def meta(self) -> dict[str, str]:
        return self._meta()

    # ---------------------------------------------------------------- writing

    def done(self) -> set[tuple[int, int]]:
        """(variant, first replication) of every finished task."""
        if self._empty:
            return set()
        return {(v, f) for v, f in self.db.execute("SELECT variant, first FROM tasks")}

    def write(self, out: TaskOutput) -> None:
        """Store one finished task, all of it or nothing; refused when it ran other code."""
        stored = self._meta().get("code_version")
        if out.code != stored:
            raise StoreError(f"a task of variant {out.variant} (replications {out.first}-"
                             f"{out.first + out.count - 1}) ran other code ({out.code or 'unknown'}; "
                             "this store "
                             f"holds {stored}): it was not stored; install the same sim on every worker")
        k, n, variant = out.kpis, out.nodes, [out.variant]
        values = [v if math.isfinite(v) else None for v in k.value]
        kpi_rows = zip(variant * len(k), k.replication, k.section, k.group, k.metric, values, strict=True)
        hist_rows = [(out.variant, int(rep), json.dumps(counts.tolist()))
                     for rep, counts in out.histograms.items()]
        node_rows = zip(variant * len(n), n.replication, n.node, n.incidents, n.response_sum, strict=True)
        record_rows = [(out.variant, int(rep), name, _packed(columns))
                       for rep, tables in out.records.items() for name, columns in tables.items()]
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._writing(f"variant {out.variant}, replications {out.first}-{out.first + out.count - 1}"):
            with self.db:
                self.db.execute("INSERT INTO tasks VALUES (?, ?, ?, ?, ?)",
                                (out.variant, out.first, out.count, out.seconds, now))
                self.db.executemany("INSERT INTO kpis VALUES (?, ?, ?, ?, ?, ?)", kpi_rows)
                self.db.executemany("INSERT INTO histograms VALUES (?, ?, ?)", hist_rows)
                self.db.executemany("INSERT INTO node_response VALUES (?, ?, ?, ?, ?)", node_rows)
                self.db.executemany("INSERT INTO records VALUES (?, ?, ?, ?)", record_rows)
            self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextlib.contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """A write that fails (a full disk, a read-only file) is rolled back whole and told as
        one error: the store keeps every task stored before."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            reason = "the disk is full" if "full" in str(exc) else str(exc)
            stored = len(self.done())
            raise StoreError(f"{self.path}: cannot store the task of {what} ({reason}); the store is intact "
                             f"with the {stored} tasks stored before: make room and run the same command "
                             "with --resume") from None

    def mark_complete(self) -> None:
        """Record that the batch ran everything it asked for, and fold the write-ahead log into
        the main file (which alone is then the whole store)."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._writing("the end of the batch"):
            with self.db:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('complete', ?)", (now,))
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @property
    def complete(self) -> bool:
        """Whether the batch that wrote this store ran every replication it asked for."""
        return not self._empty and "complete" in self._meta()

    # ---------------------------------------------------------------- reading

    def variants(self) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT variant, name, scenario_digest, layout FROM variants ORDER BY variant", self.db)

    def kpis(self) -> pd.DataFrame:
        """Every stored KPI, with the variant's name, in a stable order."""
        frame = pd.read_sql_query(
            "SELECT k.variant, v.name AS variant_name, k.replication, k.section, k.grp AS \"group\", "
            "k.metric, k.value FROM kpis k JOIN variants v USING (variant) "
            "ORDER BY k.variant, k.replication, k.section, k.grp, k.metric", self.db)
        frame["value"] = frame["value"].astype(float)
        return frame

    def histograms(self) -> dict[int, np.ndarray]:
        """Per variant, the response-time counts summed over its replications."""
        out: dict[int, np.ndarray] = {}
        query = "SELECT variant, counts FROM histograms ORDER BY variant, replication"
        for variant, counts in self.db.execute(query):
            values = np.asarray(json.loads(counts), dtype=np.int64)
            out[variant] = out.get(variant, 0) + values
        return out

    def node_response(self) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT variant, node, SUM(incidents) AS incidents, SUM(response_sum) AS response_sum "
            "FROM node_response GROUP BY variant, node ORDER BY variant, node", self.db)

    def tasks(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT * FROM tasks ORDER BY variant, first", self.db)

    def record_table(self, variant: int, replication: int, name: str) -> pd.DataFrame:
        row = self.db.execute("SELECT data FROM records WHERE variant=? AND replication=? AND name=?",
                              (variant, replication, name)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no {name} records for variant {variant}, replication "
                             f"{replication} (run the batch with --records)")
        return pd.DataFrame(json.loads(zlib.decompress(row[0])))

    def close(self) -> None:
        self.db.close()


def _packed(columns: dict[str, list]) -> bytes:
    return zlib.compress(json.dumps(columns, default=_plain).encode())


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__}")
