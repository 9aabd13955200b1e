"""The drill commands of ``sim``: ``sim drill generate``, ``sim drill check`` and ``sim drill score``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import SimError

__all__ = ["DRILL_COMMANDS", "add_drill_commands", "check_drill_file"]


def add_drill_commands(sub: argparse._SubParsersAction) -> None:
    drill = sub.add_parser(
        "drill",
        help="generate drill scenarios (MSEL) and score real drills",
        description="Generate a drill from a drill file, check one, or score a drill that took place.",
    )
    actions = drill.add_subparsers(dest="drill_command", required=True, metavar="ACTION")
    gen = actions.add_parser("generate", help="simulate a drill file and write its MSEL and packages")
    gen.add_argument(
        "drill", type=Path, help="drill file (YAML), e.g. scenarios/drills/pinghu-typhoon-evacuation.yaml"
    )
    gen.add_argument("--seed", type=int, help="seed (default: the drill file's)")
    gen.add_argument("--mode", choices=("scripted", "unscripted"), help="override the drill file's mode")
    gen.add_argument("--out", "-o", type=Path, help="output folder (default: out/drills/<drill file name>)")
    check = actions.add_parser(
        "check",
        help="validate a drill file, its scenario and overrides without simulating",
        description="Check a drill file completely (the drill, its hazard templates with every choice and "
        "both ends of every range, its scenario and set: overrides) without simulating. Prints one OK "
        "line, or every problem with exit code 2.",
    )
    check.add_argument("drill", type=Path, help="drill file (YAML)")
    score = actions.add_parser(
        "score", help="rate a drill's observed times and write the after-action report"
    )
    score.add_argument("drill_dir", type=Path, help="the folder `sim drill generate` wrote")
    score.add_argument("observed", type=Path, help="CSV of observed times: action, time or minutes, note")
    score.add_argument("--out", "-o", type=Path, help="output folder (default: DRILL_DIR/evaluation)")


def _cmd_drill(args: argparse.Namespace) -> int:
    if args.drill_command == "generate":
        return _generate(args)
    if args.drill_command == "check":
        return _check(args)
    return _score(args)


def _check(args: argparse.Namespace) -> int:
    return check_drill_file(args.drill)


def check_drill_file(path: Path) -> int:
    """Check a drill file fully without simulating and print its one-line summary."""
    from .drills.check import check_drill

    print(check_drill(path).summary())
    return 0


def _generate(args: argparse.Namespace) -> int:
    from .drills.exports import write_drill
    from .drills.generate import generate_drill
    from .drills.spec import load_drill_spec

    if args.seed is not None and args.seed < 0:
        raise SimError("--seed must be non-negative")
    spec, base = load_drill_spec(args.drill)
    if args.mode:
        spec = spec.model_copy(update={"mode": args.mode})
    drill = generate_drill(spec, base, args.seed, args.drill)
    out = args.out or Path("out") / "drills" / args.drill.stem
    paths = write_drill(drill, out)
    actions = drill.actions()
    contingencies = sum(1 for i in drill.injects if i.controller_only)
    print(
        f"{spec.name}: {spec.mode} drill, seed {drill.seed}, {spec.start:%Y-%m-%d %H:%M} for "
        f"{spec.duration / 60:g} h"
    )
    if drill.drawn:
        print("Drawn: " + ", ".join(f"{k} = {v}" for k, v in drill.drawn.items()))
    print(
        f"{len(drill.injects) - contingencies} injects, {contingencies} contingency injects, {len(actions)} "
        f"expected actions with time standards from {spec.standards} simulated drills"
    )
    for inject in drill.injects[:12]:
        print(f"  {inject.number:>3}  {inject.wall_clock[11:]}  {inject.kind:<11} {inject.message_en[:90]}")
    if len(drill.injects) > 12:
        print(f"  ... {len(drill.injects) - 12} more in controller/msel.csv")
    print(
        f"Wrote {len(paths)} files to {out}/ "
        "(controller/ for controllers and evaluators, participant/ for players)"
    )
    return 0


def _score(args: argparse.Namespace) -> int:
    from .drills.score import RATINGS, score_drill, write_after_action

    drill, ratings = score_drill(args.drill_dir, args.observed)
    paths = write_after_action(drill, ratings, args.out or args.drill_dir / "evaluation")
    counts = {r: sum(1 for x in ratings if x.rating == r) for r in RATINGS}
    print(
        f"{drill.spec.name}: {len(ratings)} expected actions: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    for r in ratings:
        if r.rating in ("M", "U"):
            shown = "not performed" if r.observed is None else f"{r.observed:.0f} min (P90 {r.p90:.0f})"
            print(f"  {r.action:<7} {r.rating}  {r.text[:70]}: {shown}")
    print(f"Wrote {', '.join(str(p) for p in paths)}")
    return 0


DRILL_COMMANDS = {"drill": _cmd_drill}
