"""Digests of every record table the engine writes, to show a change leaves the records as they
were (bit for bit): the built-in scenarios, a few replications each, and Utrecht's ambulance
workload when ``../shared/peers/elaspy-utrecht`` is there.

    python benchmarks/digests.py                       # print the digests
    python benchmarks/digests.py --save before.json    # keep them
    python benchmarks/digests.py --check before.json   # exit 1 if any differs, naming it

A digest hashes each table's columns in order, with their dtypes and every value's bytes (floats
by their IEEE representation, so 1e-15 of difference shows).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sim  # noqa: E402
from sim.results.records import ReplicationRecords  # noqa: E402

SCENARIOS = {"tiny": 3, "pinghu": 3, "fenghua": 3, "qinhuangdao": 2}


def frame_digest(frame: pd.DataFrame) -> str:
    """A digest of a table: its column names, dtypes and values, in order."""
    h = hashlib.sha256()
    for name in frame.columns:
        column = frame[name]
        h.update(f"{name}\0{column.dtype}\0".encode())
        values = column.to_numpy()
        if values.dtype == object:
            h.update("\x1f".join(map(repr, values.tolist())).encode())
        else:
            h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()[:16]


def records_digest(records: ReplicationRecords) -> dict[str, str]:
    tables = {"incidents": records.incident_frame(), "assignments": records.assignment_frame(),
              "units": records.unit_frame(),
              **{name: records.table_frame(name) for name in sorted(records.tables)}}
    return {name: frame_digest(frame) for name, frame in tables.items()}


def scenario_digests() -> dict[str, dict[str, str]]:
    out = {}
    for name, reps in SCENARIOS.items():
        scenario = sim.load_scenario(name)
        for rep in range(reps):
            out[f"{name}/{rep}"] = records_digest(sim.simulate(scenario, rep))
    return out


def utrecht_digests(streams: int = 3) -> dict[str, dict[str, str]]:
    from peer_utrecht import DEFAULT_DATA, incident_stream, load_workload, scenario_for

    from sim.engine.response import ResponseEngine

    if not DEFAULT_DATA.is_dir():
        return {}
    work = load_workload(DEFAULT_DATA)
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        scenario = scenario_for(work, Path(folder))
        for seed in sorted(work["streams"])[:streams]:
            stream = incident_stream(scenario, work["streams"][seed])
            out[f"utrecht/{seed}"] = records_digest(ResponseEngine(scenario, stream, 0, seed).run())
    return out


def all_digests() -> dict[str, dict[str, str]]:
    return {**scenario_digests(), **utrecht_digests()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", type=Path, help="write the digests to this JSON file")
    parser.add_argument("--check", type=Path, help="compare with the digests in this JSON file")
    args = parser.parse_args(argv)
    digests = all_digests()
    if args.save:
        args.save.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.check:
        before = json.loads(args.check.read_text(encoding="utf-8"))
        changed = [f"{run}: {table}" for run in sorted(set(before) | set(digests))
                   for table in sorted(set(before.get(run, {})) | set(digests.get(run, {})))
                   if before.get(run, {}).get(table) != digests.get(run, {}).get(table)]
        for line in changed:
            print("differs:", line)
        print(f"{len(digests)} runs, {sum(len(t) for t in digests.values())} tables: "
              + ("all as before" if not changed else f"{len(changed)} differ"))
        return 1 if changed else 0
    for run, tables in digests.items():
        print(run, " ".join(f"{t}={d}" for t, d in tables.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
