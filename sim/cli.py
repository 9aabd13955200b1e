"""The ``sim`` command line: a thin layer over the public API.

Exit codes: 0 success, 2 a problem with the input (invalid scenario, bad option), 1 an
unexpected internal error.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
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
    _add_scenario_options(run)

    val = sub.add_parser("validate", help="check a scenario file and list every problem",
                         description="Check a scenario and print every problem at once. "
                                     "Exit code 2 when there is any.")
    val.add_argument("scenario", help="scenario file, or a built-in name")
    _add_scenario_options(val)

    sub.add_parser("scenarios", help="list the built-in scenarios")
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from .engine.runner import run
    from .report.files import write_outputs
    from .report.table import kpi_table
    from .scenario.loader import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    if args.replications is not None and args.replications < 1:
        raise SimError("--replications must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise SimError("--seed must be non-negative")
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


def _cmd_validate(args: argparse.Namespace) -> int:
    from .scenario.loader import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    spec = scenario.spec
    units = sum(u.count for u in spec.units)
    print(f"{scenario.path}: OK - {spec.name}: {len(spec.region.nodes)} nodes, "
          f"{len(spec.facilities)} facilities, {units} units, {len(spec.incident_types)} incident "
          f"types, {len(spec.generators)} generators")
    print(f"Travel: {scenario.travel.description}")
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
    handler = {"run": _cmd_run, "validate": _cmd_validate, "scenarios": _cmd_scenarios}[args.command]
    try:
        return handler(args)
    except (SimError, FieldProblem) as exc:
        print(f"sim {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
