"""The ``sim`` command line: a thin layer over the public API.

Exit codes: 0 success, 2 a problem with the input (invalid scenario, bad option), 1 an
unexpected internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .cli_batch import BATCH_COMMANDS, add_batch_commands
from .cli_drill import DRILL_COMMANDS, add_drill_commands
from .cli_network import NETWORK_COMMANDS, add_network_commands
from .cli_optimize import OPTIMIZE_COMMANDS, add_optimize_commands
from .errors import FieldProblem, SimError

__all__ = ["main"]


def _add_scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field, e.g. --set run.horizon='30 d' or "
                        "--set units.engine.count=3 (repeatable)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim", description="Emergency-response simulation: scenarios, dispatch, service targets.")
    parser.add_argument("--version", action="version", version=f"sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="simulate a scenario and report response KPIs",
                         description="Simulate replications of a scenario, print the KPI table and "
                                     "write incidents.csv, assignments.csv, units.csv, summary.json "
                                     "and response_cdf.png.")
    run.add_argument("scenario", help="scenario file, or a built-in name (see `sim scenarios`)")
    run.add_argument("--seed", type=int, help="root seed (default: run.seed of the scenario)")
    run.add_argument("--replications", "-r", type=int,
                     help="number of replications (default: run.replications)")
    run.add_argument("--out", "-o", type=Path,
                     help="output folder (default: out/<scenario file name>)")
    run.add_argument("--quiet", "-q", action="store_true", help="print only the output paths")
    run.add_argument("--force", action="store_true",
                     help="run even when the projected size is very large (see the message)")
    _add_scenario_options(run)

    val = sub.add_parser("validate", help="check a scenario, experiment or drill file and list every problem",
                         description="Check a scenario, an experiment or a drill file (told apart by their "
                                     "sections) without running anything, and print every problem at once. "
                                     "Exit code 2 when there is any.")
    val.add_argument("scenario", help="scenario, experiment or drill file, or a built-in scenario name")
    _add_scenario_options(val)

    res = sub.add_parser(
        "reserves", help="size relief stocks to meet the supply targets with a given probability",
        description="Find the least-cost stock per depot and item that meets the first-batch targets "
                    "(and a fill rate) in a share of disasters of at least the service level, with the "
                    "given confidence. Writes reserves.csv, reserves_curve.csv, reserves_curve.png and "
                    "reserves.json.")
    res.add_argument("scenario", help="scenario file, or a built-in name")
    res.add_argument("--service-level", type=float, default=0.95,
                     help="share of disasters that must meet the targets (default 0.95)")
    res.add_argument("--confidence", type=float, default=0.9,
                     help="confidence of the statement that the service level is met (default 0.9)")
    res.add_argument("--replications", "-r", type=int, default=60,
                     help="replications to draw disasters from (default 60)")
    res.add_argument("--seed", type=int, help="root seed (default: run.seed)")
    res.add_argument("--fill-rate", type=float,
                     help="also require this fill rate (default: supply.fill_target); 0 to drop it")
    res.add_argument("--no-first-batch", action="store_true",
                     help="do not require the first batch on time (size for the fill rate only)")
    res.add_argument("--depots", help="comma-separated depots to size (default: all but province and aid)")
    res.add_argument("--items", help="comma-separated items to size (default: all)")
    res.add_argument("--confirm", type=int, metavar="N",
                     help="fresh replications that confirm the answer and give its confidence statement "
                          "(default: as many as --replications; 0 to skip)")
    res.add_argument("--out", "-o", type=Path, help="output folder (default: out/<scenario>-reserves)")
    res.add_argument("--quiet", "-q", action="store_true", help="no progress lines on standard error")
    _add_scenario_options(res)

    sub.add_parser("scenarios", help="list the built-in scenarios")
    add_batch_commands(sub)
    add_drill_commands(sub)
    add_network_commands(sub)
    add_optimize_commands(sub)
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from .engine.runner import run
    from .report.files import write_outputs
    from .report.table import kpi_table
    from .scenario.loader import load_scenario
    from .scenario.projection import size_problem

    scenario = load_scenario(args.scenario, args.overrides)
    if args.replications is not None and args.replications < 1:
        raise SimError("--replications must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise SimError("--seed must be non-negative")
    too_large = size_problem(scenario.spec, args.replications or scenario.spec.run.replications)
    if too_large and not args.force:
        raise SimError(too_large)
    for note in getattr(scenario.travel, "notes", ()):
        if note.startswith("WARNING"):
            print(note, file=sys.stderr)
    started = time.perf_counter()
    result = run(scenario, replications=args.replications, seed=args.seed)
    elapsed = time.perf_counter() - started
    out = args.out or Path("out") / Path(str(scenario.path)).stem
    paths = write_outputs(result, out)
    if not args.quiet:
        print(kpi_table(result))
        print()
        n_inc = len(result.incidents)
        print(f"Simulated {n_inc} incidents in {elapsed:.2f} s ({result.events} SimPy events).")
        print(f"Wrote {len(paths)} files to {out}/: {', '.join(p.name for p in paths)}")
    else:
        for path in paths:
            print(path)
    return 0


def _file_kind(name: str) -> str:
    """``scenario``, ``experiment``, ``optimization`` or ``drill``, by the sections of the file (a
    built-in name or a file that cannot be read counts as a scenario, whose loader tells what is
    wrong)."""
    from .scenario.files import InputFileError, is_bare_name, read_input_text
    from .scenario.yamlio import YamlSyntaxError, parse_yaml

    if is_bare_name(name):
        return "scenario"
    try:
        data = parse_yaml(read_input_text(Path(name), "scenario file")).data
    except (InputFileError, YamlSyntaxError):
        return "scenario"
    if not isinstance(data, dict) or "region" in data:
        return "scenario"
    if "participants" in data or "objectives" in data:
        return "drill"
    if "scenario" in data and "place" in data:
        return "optimization"
    return "experiment" if "scenario" in data else "scenario"


def _cmd_validate(args: argparse.Namespace) -> int:
    from .scenario.loader import load_scenario

    kind = _file_kind(args.scenario)
    if kind != "scenario" and args.overrides:
        article = "an" if kind[0] in "aeiou" else "a"
        raise SimError(f"--set applies to scenario files; {args.scenario} is {article} {kind} file")
    if kind == "experiment":
        from .cli_batch import describe_experiment
        from .experiments.experiment import load_experiment

        print(describe_experiment(load_experiment(Path(args.scenario))))
        return 0
    if kind == "drill":
        from .cli_drill import check_drill_file

        return check_drill_file(Path(args.scenario))
    if kind == "optimization":
        from .optimize.problem import load_optimization_spec
        from .optimize.search import base_scenario

        opt, path, _ = load_optimization_spec(Path(args.scenario))
        base = base_scenario(opt, path).variants[0].scenario
        print(f"{args.scenario}: OK - {opt.name}: {opt.place.replace('_', ' ')} by {opt.model} on "
              f"{base.spec.name} [{base.path}]")
        return 0
    scenario = load_scenario(args.scenario, args.overrides)
    spec = scenario.spec
    units = sum(u.count for u in spec.units)
    print(f"{scenario.path}: OK - {spec.name}: {len(spec.region.nodes)} nodes, "
          f"{len(spec.facilities)} facilities, {units} units, {len(spec.incident_types)} incident "
          f"types, {len(spec.generators)} generators")
    print(f"Travel: {scenario.travel.description}")
    for note in getattr(scenario.travel, "notes", ()):
        print(note)
    return 0


def _cmd_reserves(args: argparse.Namespace) -> int:
    from .experiments.reserves import confirm, size_reserves
    from .report.reserves import reserves_report, write_reserves
    from .scenario.loader import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    for name, value, low, high in (("--service-level", args.service_level, 0, 1),
                                   ("--confidence", args.confidence, 0, 1)):
        if not low < value < high:
            raise SimError(f"{name} must be between 0 and 1 (exclusive), got {value}")
    if args.replications < 1:
        raise SimError("--replications must be at least 1")
    fill = scenario.spec.supply.fill_target if args.fill_rate is None else args.fill_rate
    fill = fill if fill > 0 else None
    split = lambda text: [x.strip() for x in text.split(",") if x.strip()] if text else None  # noqa: E731
    started = time.perf_counter()

    def progress(step: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {step}", file=sys.stderr, flush=True)

    result = size_reserves(scenario, service_level=args.service_level, confidence=args.confidence,
                           replications=args.replications, seed=args.seed, fill_rate=fill,
                           first_batch=not args.no_first_batch, depots=split(args.depots),
                           items=split(args.items), progress=None if args.quiet else progress)
    fresh_count = args.replications if args.confirm is None else args.confirm
    if fresh_count > 0 and not args.quiet:
        progress(f"confirming on {fresh_count} fresh replications")
    check = confirm(scenario, result, fresh_count, fill_rate=fill, first_batch=not args.no_first_batch) \
        if fresh_count > 0 else None
    elapsed = time.perf_counter() - started
    out = args.out or Path("out") / f"{Path(str(scenario.path)).stem}-reserves"
    paths = write_reserves(scenario, result, check, out, fill, not args.no_first_batch)
    print(reserves_report(scenario, result, check, fill, not args.no_first_batch))
    fresh = check.trials if check is not None else 0
    print(f"\n{result.simulations} simulations in the search ({result.reused} replication results reused "
          f"without simulating) and {fresh} to confirm, in {elapsed:.1f} s. Wrote "
          f"{', '.join(p.name for p in paths)} to {out}/")
    return 0


def _cmd_scenarios(_: argparse.Namespace) -> int:
    from .scenario.loader import builtin_scenarios, load_scenario

    for name, path in builtin_scenarios().items():
        try:
            title = load_scenario(path).spec.name
        except SimError:
            title = "(invalid)"
        print(f"{name:<16} {title}  [{path}]")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sim`` command."""
    args = _parser().parse_args(argv)
    handler = {"run": _cmd_run, "validate": _cmd_validate, "reserves": _cmd_reserves,
               "scenarios": _cmd_scenarios, **BATCH_COMMANDS, **DRILL_COMMANDS,
               **NETWORK_COMMANDS, **OPTIMIZE_COMMANDS}[args.command]
    try:
        return handler(args)
    except (SimError, FieldProblem) as exc:
        print(f"sim {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went to a program that stopped reading (| head)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
