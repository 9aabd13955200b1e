"""The engine and ELASPY side by side on Utrecht's ambulance workload: calls per CPU-second.

    python benchmarks/peer_elaspy.py --elaspy DIR [--python PY] [--data DIR] [--seeds 116,117,118,119]

Optional: ELASPY (https://github.com/NanneD/ELASPY, GPL-3) is never part of this repository.
Give ``--elaspy`` a checkout of it and ``--python`` an interpreter with its dependencies (it
needs ``numpy<2``, ``pandas``, ``simpy``, ``scipy``, ``matplotlib`` and ``pytest``; e.g.
``python -m venv /tmp/elaspy-venv && /tmp/elaspy-venv/bin/pip install "numpy<2" "pandas<2.2"
simpy scipy matplotlib pytest``). Without a checkout it says so and exits 0.

ELASPY runs in its own process, its diesel scenario (no charging) for one week per seed, with
its own input data, draws and rules (``run_simulation`` from its ``main`` settings, prints and
output off): its CPU seconds per run include its setup, its draws and its event loop. The
engine replays the same seeds' call streams (``../shared/peers/elaspy-utrecht``, sampled by
ELASPY: see peer_utrecht.py) in this process: its CPU seconds per run include building the
engine and its records, not loading the scenario (done once). The figure is the ratio of
calls per CPU-second, both measured by ``time.process_time``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from output import print_rows  # noqa: E402
from peer_utrecht import DEFAULT_DATA, engine_run, load_workload, scenario_for  # noqa: E402

DRIVER = '''
import contextlib, io, json, sys, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
with contextlib.redirect_stdout(io.StringIO()):
    import main as settings
from ambulance_simulation import run_simulation
from input_output_functions import check_input_parameters
params = dict(settings.SIMULATION_PARAMETERS)
params.update(SCENARIO="Diesel", ENGINE_TYPE="diesel", BATTERY_CAPACITY=float("inf"), IDLE_USAGE=None,
              DRIVING_USAGE=None, INTERVAL_CHECK_WP=None, TIME_AFTER_LAST_ARRIVAL=None,
              CHARGING_SCENARIO_FILE="charging_scenario_21_22_Diesel.csv", PROCESS_TIME=10080.0,
              SAVE_OUTPUT=False, PRINT=False, PRINT_STATISTICS=False, PLOT_FIGURES=False)
check_input_parameters(params)
out = {}
for seed in [int(s) for s in sys.argv[2].split(",")]:
    params["SEED_VALUE"] = seed
    data = {"DATA_COLUMNS_PATIENT": settings.DATA_COLUMNS_PATIENT,
            "DATA_COLUMNS_AMBULANCE": settings.DATA_COLUMNS_AMBULANCE}
    start = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        run_simulation(params, data)
    out[seed] = {"calls": len(data["output_patient"]), "cpu_seconds": time.process_time() - start}
print(json.dumps(out))
'''


def elaspy_runs(elaspy: Path, python: str, seeds: list[int]) -> dict[int, dict]:
    """ELASPY's calls and CPU seconds per seed, from a process of its own."""
    with tempfile.TemporaryDirectory() as folder:
        driver = Path(folder) / "driver.py"
        driver.write_text(DRIVER, encoding="utf-8")
        done = subprocess.run([python, str(driver), str(elaspy / "elaspy"), ",".join(map(str, seeds))],
                              check=True, capture_output=True, text=True, cwd=elaspy / "elaspy")
    return {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def engine_runs(data: Path, seeds: list[int]) -> dict[int, dict]:
    """The engine's calls and CPU seconds per seed's stream."""
    work = load_workload(data)
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        scenario = scenario_for(work, Path(folder))
        engine_run(scenario, work["streams"][seeds[0]], seeds[0])  # caches built outside the timing
        for seed in seeds:
            stream = work["streams"][seed]
            start = time.process_time()
            engine_run(scenario, stream, seed)
            out[seed] = {"calls": len(stream), "cpu_seconds": time.process_time() - start}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elaspy", type=Path, help="a checkout of ELASPY")
    parser.add_argument("--python", default=sys.executable, help="an interpreter with ELASPY's dependencies")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", default="116,117,118,119")
    args = parser.parse_args(argv)
    if args.elaspy is None or not (args.elaspy / "elaspy" / "main.py").is_file():
        print(f"skipped: no ELASPY checkout given (--elaspy DIR; {args.elaspy} has no elaspy/main.py)")
        return 0
    if not (args.data / "travel_min.csv").is_file():
        print(f"skipped: no Utrecht workload at {args.data}")
        return 0
    seeds = [int(s) for s in args.seeds.split(",")]
    theirs = elaspy_runs(args.elaspy, args.python, seeds)
    ours = engine_runs(args.data, seeds)
    rows = []
    for seed in seeds:
        t, o = theirs[seed], ours[seed]
        rows.append((f"seed {seed}", f"{t['calls']:,} / {o['calls']:,} calls",
                     f"ELASPY {t['calls'] / t['cpu_seconds']:,.0f} calls/CPU-s, "
                     f"engine {o['calls'] / o['cpu_seconds']:,.0f}"))
    rate = {name: sum(r["calls"] for r in runs.values()) / sum(r["cpu_seconds"] for r in runs.values())
            for name, runs in (("elaspy", theirs), ("engine", ours))}
    rows.append(("calls per CPU-second", f"{rate['engine'] / rate['elaspy']:.0f}x ELASPY's",
                 f"engine {rate['engine']:,.0f}, ELASPY {rate['elaspy']:,.0f} (target: 100x)"))
    print_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
