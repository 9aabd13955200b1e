"""How long ``sim optimize`` takes on the built-in optimisation files, and how many
replications its ranking and selection needed.

    python benchmarks/optimize_times.py [--jobs 2] [--only NAME] [--json FILE]

Each file of ``scenarios/optimizations`` (or the one named) is run from scratch into a
temporary folder, as ``sim optimize FILE --jobs N`` would: the static model, then the layouts
simulated with common random numbers until procedure KN settles or the budget is spent. The
table shows the candidates, the layouts simulated, the wall time of the static model and of
the whole run, the replications simulated in all, and whether the choice settled.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from output import print_rows, write_json  # noqa: E402

from sim.optimize.problem import load_optimization_spec  # noqa: E402
from sim.optimize.search import optimize, prepare  # noqa: E402

FILES = Path(__file__).resolve().parent.parent / "scenarios" / "optimizations"


def measure(path: Path, jobs: int) -> dict[str, object]:
    started = time.perf_counter()
    spec, source, _ = load_optimization_spec(path)
    prepared = prepare(spec, source)
    static = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        result = optimize(prepared, Path(folder) / "optimize.sqlite", jobs=jobs, progress=False)
    total = time.perf_counter() - started
    problem = prepared.problem
    candidates = sum(1 for j in range(len(problem.columns)) if j not in problem.fixed)
    return {"file": path.name, "candidates": candidates, "layouts": len(prepared.answers),
            "static_seconds": static, "seconds": total, "replications": result.replications,
            "settled": result.selection.settled, "chosen": prepared.answers[result.chosen].name}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="one file name of scenarios/optimizations")
    parser.add_argument("--json", type=Path,
                        default=Path(__file__).parent / "results" / "optimize_times.json")
    args = parser.parse_args(argv)
    files = [FILES / args.only] if args.only else sorted(FILES.glob("*.yaml"))
    out, rows = [], []
    for path in files:
        figures = measure(path, args.jobs)
        out.append(figures)
        rows.append((str(figures["file"]), f"{figures['seconds']:.0f} s",
                     f"{figures['candidates']} candidates, {figures['layouts']} layouts simulated, "
                     f"static model {figures['static_seconds']:.1f} s, "
                     f"{figures['replications']} replications, "
                     f"{'settled' if figures['settled'] else 'budget spent'}: {figures['chosen']}"))
    print(f"sim optimize on the built-in optimisation files, --jobs {args.jobs}")
    print_rows(rows, 8)
    write_json(args.json, {"jobs": args.jobs, "runs": out})
    return 0


if __name__ == "__main__":
    sys.exit(main())
