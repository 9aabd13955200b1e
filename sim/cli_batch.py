"""The batch commands of ``sim``: ``batch``, ``sweep``, ``compare`` and ``export``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .errors import SimError

__all__ = ["BATCH_COMMANDS", "add_batch_commands", "describe_experiment"]

DEFAULT_KPI = "response.all.response_mean"


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", type=Path, help="results file (default: <out>/results.sqlite)")
    p.add_argument("--out", "-o", type=Path, help="output folder (default: out/<experiment name>)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: one per CPU)")
    p.add_argument("--chunk", type=int, help="replications per task (default: about 4 tasks per worker, "
                                            "at most 25)")
    p.add_argument("--backend", choices=("processes", "dask"),
                   help="local processes (default) or a Dask cluster (default with --scheduler)")
    p.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786 (default "
                                       "with --backend dask: a local cluster of --jobs workers)")
    p.add_argument("--connect-timeout", type=float, default=20.0, metavar="SECONDS",
                   help="seconds to reach the Dask scheduler and find a worker there (default 20)")
    p.add_argument("--resume", action="store_true",
                   help="finish an interrupted batch in an existing --store (nothing is run twice)")
    p.add_argument("--records", action="store_true", help="also store every replication's record tables")
    p.add_argument("--kpi", action="append", default=[], metavar="SECTION.GROUP.METRIC",
                   help=f"KPI to compare variants on (repeatable; default {DEFAULT_KPI})")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def add_batch_commands(sub: argparse._SubParsersAction) -> None:
    batch = sub.add_parser("batch", help="run an experiment file: variants x replications, resumable",
                           description="Run every variant of an experiment file with common random numbers "
                                       "into a SQLite results store, then rank the variants.")
    batch.add_argument("experiment", type=Path, help="experiment file (YAML)")
    batch.add_argument("--check", action="store_true",
                       help="only check the experiment and every variant's scenario, then stop")
    _run_options(batch)

    sweep = sub.add_parser("sweep", help="run a parameter grid over a scenario, resumable",
                           description="Run every combination of the --vary values over a scenario "
                                       "(an experiment without a file), then rank the combinations.")
    sweep.add_argument("scenario", help="scenario file, or a built-in name")
    sweep.add_argument("--vary", action="append", default=[], metavar="PATH=[V1, V2, ...]", required=True,
                       help="a field and its values, e.g. --vary 'units.engine.count=[1, 2, 3]' (repeatable)")
    sweep.add_argument("--replications", "-r", type=int, default=20, help="replications per combination")
    sweep.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    sweep.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                       help="override a scenario field in every combination (repeatable)")
    _run_options(sweep)

    comp = sub.add_parser("compare", help="rank the variants of a finished batch",
                          description="Rank variants on KPIs, with paired differences against the baseline, "
                                      "and write the comparison tables and plots.")
    comp.add_argument("store", type=Path, help="results file of a batch")
    comp.add_argument("--kpi", action="append", default=[], metavar="SECTION.GROUP.METRIC",
                      help=f"KPI (repeatable; default {DEFAULT_KPI})")
    comp.add_argument("--baseline", help="variant to compare against (default: the experiment's baseline)")
    comp.add_argument("--out", "-o", type=Path, help="output folder (default: the store's folder)")
    comp.add_argument("--list", action="store_true", help="list the KPIs the store holds")
    comp.add_argument("--partial", action="store_true",
                      help="compare an unfinished batch as it is (with a warning) instead of refusing")

    exp = sub.add_parser("export", help="export a batch's results as CSV or Parquet")
    exp.add_argument("store", type=Path, help="results file of a batch")
    exp.add_argument("--format", choices=("csv", "parquet"), default="csv")
    exp.add_argument("--out", "-o", type=Path, help="output folder (default: the store's folder)")


def _finish(result, kpis: list[str], out: Path, baseline: str | None = None) -> None:
    from .report.batch_report import comparison_text, write_batch_report

    for kpi in kpis:
        print(comparison_text(result, kpi, baseline))
        print()
    paths = write_batch_report(result, kpis, out, baseline)
    print(f"Wrote {', '.join(p.name for p in paths)} to {out}/")


def _execute(experiment, args: argparse.Namespace, name: str) -> int:
    from .experiments.batch import run_experiment
    from .experiments.batch_result import BatchResult

    out = args.out or Path("out") / name
    store_path = args.store or out / "results.sqlite"
    reps = sum(experiment.spec.replications for _ in experiment.variants)
    print(f"{experiment.spec.name}: {len(experiment.variants)} variants x {experiment.spec.replications} "
          f"replications (seed {experiment.spec.seed}) into {store_path}"
          + (f", with sequential stopping on {experiment.spec.stop.kpi}" if experiment.spec.stop else ""))
    started = time.perf_counter()
    try:
        backend = args.backend or ("dask" if args.scheduler else "processes")
        store = run_experiment(experiment, store_path, jobs=args.jobs, backend=backend,
                               scheduler=args.scheduler, resume=args.resume, keep_records=args.records,
                               chunk=args.chunk, progress=not args.quiet,
                               connect_timeout=args.connect_timeout)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the finished tasks are in {store_path}; run the same command with --resume "
              "to finish", file=sys.stderr)
        return 130
    elapsed = time.perf_counter() - started
    result = BatchResult(store)
    done = int(result.variants["replications"].sum())
    print(f"{done} replications stored ({reps} asked before any sequential stopping), "
          f"{elapsed:.1f} s this run\n")
    _finish(result, args.kpi or [DEFAULT_KPI], out)
    return 0


def describe_experiment(experiment) -> str:
    """One line saying what a valid experiment holds."""
    spec = experiment.spec
    base = experiment.variants[0].scenario
    stop = f", sequential stopping on {spec.stop.kpi} up to {spec.stop.max_replications}" if spec.stop else ""
    return (f"{experiment.path or '<experiment>'}: OK - {spec.name}: {len(experiment.variants)} variants x "
            f"{spec.replications} replications (seed {spec.seed}{stop}) of {base.spec.name} [{base.path}]")


def _cmd_batch(args: argparse.Namespace) -> int:
    from .experiments.experiment import load_experiment

    experiment = load_experiment(args.experiment)
    if args.check:
        print(describe_experiment(experiment))
        return 0
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in args.experiment.stem)
    return _execute(experiment, args, name)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .experiments.experiment import load_experiment
    from .scenario.loader import resolve_scenario_path
    from .scenario.overrides import parse_assignment

    if args.replications < 1:
        raise SimError("--replications must be at least 1")
    grid = {}
    for text in args.vary:
        path, values = parse_assignment(text)
        if not isinstance(values, list) or not values:
            raise SimError(f"--vary {text!r}: give a list of values, e.g. {path}=[1, 2, 3]")
        grid[path] = values
    settings = dict(parse_assignment(t) for t in args.overrides)
    scenario = resolve_scenario_path(args.scenario)
    raw = {"name": f"sweep of {scenario.stem}", "scenario": str(scenario.resolve()) if scenario.is_file()
           else args.scenario, "replications": args.replications, "seed": args.seed, "grid": grid,
           "set": settings}
    return _execute(load_experiment(raw), args, f"{scenario.stem}-sweep")


def _cmd_compare(args: argparse.Namespace) -> int:
    from .experiments.batch_result import open_batch

    result = open_batch(args.store)
    if args.list:
        keys = result.kpis[["section", "group", "metric"]].drop_duplicates()
        for s, g, m in keys.itertuples(index=False):
            print(f"{s}.{g}.{m}")
        return 0
    warning = result.check_complete(args.partial)
    if warning:
        print(f"WARNING: {warning}; the comparison below covers only the replications stored.\n")
    _finish(result, args.kpi or [DEFAULT_KPI], args.out or args.store.parent, args.baseline)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .experiments.batch_result import open_batch
    from .report.batch_report import export_results

    paths = export_results(open_batch(args.store), args.out or args.store.parent, args.format)
    for path in paths:
        print(path)
    return 0


BATCH_COMMANDS = {"batch": _cmd_batch, "sweep": _cmd_sweep, "compare": _cmd_compare, "export": _cmd_export}
