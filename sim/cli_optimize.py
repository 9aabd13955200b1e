"""The ``sim optimize`` command: where should it go, and how sure are we."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

__all__ = ["OPTIMIZE_COMMANDS", "add_optimize_commands"]


def add_optimize_commands(sub: argparse._SubParsersAction) -> None:
    opt = sub.add_parser(
        "optimize",
        help="place stations, landing points or depots: static models checked by simulation",
        description="Solve the static location model an optimisation file names, simulate its best answers "
        "and the current layout with common random numbers, and choose by procedure KN "
        "(resumable through the results store).",
    )
    opt.add_argument("file", type=Path, help="optimisation file (YAML)")
    opt.add_argument("--out", "-o", type=Path, help="output folder (default: out/<file name>)")
    opt.add_argument("--store", type=Path, help="results file (default: <out>/optimize.sqlite)")
    opt.add_argument("--resume", action="store_true", help="finish an interrupted run in an existing --store")
    opt.add_argument(
        "--jobs", "-j", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per CPU)"
    )
    opt.add_argument("--backend", choices=("processes", "dask"), default="processes")
    opt.add_argument("--scheduler", help="address of a running Dask scheduler")
    opt.add_argument("--static-only", action="store_true", help="solve the static model only, no simulation")
    opt.add_argument("--quiet", "-q", action="store_true", help="no progress display")


def _cmd_optimize(args: argparse.Namespace) -> int:
    from .optimize.problem import load_optimization_spec
    from .optimize.search import optimize, prepare

    started = time.perf_counter()
    spec, path, _ = load_optimization_spec(args.file)

    def say(text: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - started:7.1f} s] {text}", file=sys.stderr, flush=True)

    say("static model")
    prepared = prepare(spec, path)
    say(f"{len(prepared.answers)} layouts to simulate: " + ", ".join(a.name for a in prepared.answers))
    if args.static_only:
        from .report.optimize_report import static_text

        print(static_text(prepared))
        return 0
    out = args.out or Path("out") / args.file.stem
    store = args.store or out / "optimize.sqlite"
    try:
        result = optimize(
            prepared,
            store,
            jobs=args.jobs,
            backend=args.backend,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=not args.quiet,
            say=say,
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: the finished replications are in {store}; run the same command with --resume "
            "to go on",
            file=sys.stderr,
        )
        return 130
    from .report.optimize_report import optimize_text, write_optimize

    paths = write_optimize(result, out)
    print(optimize_text(result))
    print(f"\n{time.perf_counter() - started:.1f} s. Wrote {', '.join(p.name for p in paths)} to {out}/")
    return 0


OPTIMIZE_COMMANDS = {"optimize": _cmd_optimize}
