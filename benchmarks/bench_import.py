"""Road-network import benchmark: Helsinki (a real OSM extract) and a synthetic grid of about
10^5 junctions, each imported from scratch and then again from the cache.

    python benchmarks/bench_import.py [--junctions 100000] [--osm ../shared/peers/osm] [--keep DIR]

The synthetic grid is written as OSM PBF with pyosmium into a temporary folder (never into the
repository): a square grid of streets, one shape point between neighbouring junctions, the
streets cut into several ways (so pass-through junctions are contracted), every fifth street
one-way, some ``maxspeed`` tags, and one-way spurs that the largest strongly connected part
leaves out. The cache goes to a temporary folder too, so the first load is a cold build.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import osmium

from sim.network import load_network

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OSM = REPO.parent / "shared" / "peers" / "osm"   # next to the repository, never copied in


def write_grid(path: Path, junctions: int) -> int:
    """Write a synthetic grid of about ``junctions`` junctions to ``path``; return the OSM
    nodes written."""
    side = int(math.ceil(math.sqrt(junctions)))
    step = 0.001  # degrees between junctions (about 110 m north-south)
    lon0, lat0 = 116.0, 39.5

    def node_id(i: int, j: int, half: int) -> int:
        """Junction (i, j) for half = 0; the shape point after it along a row (1) or a column (2)."""
        return 1 + (i * side + j) * 3 + half

    written = 0
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        for i in range(side):
            for j in range(side):
                lon, lat = lon0 + j * step, lat0 + i * step
                writer.add_node(osmium.osm.mutable.Node(id=node_id(i, j, 0), location=(lon, lat)))
                writer.add_node(osmium.osm.mutable.Node(id=node_id(i, j, 1),
                                                        location=(lon + step / 2, lat + step / 10)))
                writer.add_node(osmium.osm.mutable.Node(id=node_id(i, j, 2),
                                                        location=(lon + step / 10, lat + step / 2)))
                written += 3
        way = 1
        for line in range(side):
            for across in (True, False):
                refs: list[int] = []
                for k in range(side):
                    i, j = (line, k) if across else (k, line)
                    refs.append(node_id(i, j, 0))
                    if k < side - 1:
                        refs.append(node_id(i, j, 1 if across else 2))
                tags = {"highway": "residential" if line % 10 else "secondary", "name": f"Street {way}"}
                if line % 5 == 2:
                    tags["oneway"] = "yes" if line % 2 else "-1"
                if line % 7 == 3:
                    tags["maxspeed"] = "40"
                # cut each street into ways of about 12 blocks, at shape points (odd positions),
                # which become pass-through junctions for the contraction to remove
                cut = [0, *range(25, len(refs) - 1, 24), len(refs) - 1]
                for a, b in zip(cut[:-1], cut[1:], strict=True):
                    writer.add_way(osmium.osm.mutable.Way(id=way, nodes=refs[a:b + 1], tags=tags))
                    way += 1
        for k in range(0, side, max(1, side // 20)):  # one-way spurs off the grid: dead ends
            spur = 10**9 + k
            writer.add_node(osmium.osm.mutable.Node(id=spur, location=(lon0 - step, lat0 + k * step)))
            writer.add_way(osmium.osm.mutable.Way(id=way, nodes=[node_id(k, 0, 0), spur],
                                                  tags={"highway": "service", "oneway": "yes"}))
            way += 1
            written += 1
    return written


def timed(path: Path, cache_dir: Path) -> tuple[float, float, object]:
    first = load_network(path, cache_dir=cache_dir)
    assert not first.report.from_cache
    started = time.perf_counter()
    second = load_network(path, cache_dir=cache_dir)
    reload = time.perf_counter() - started
    assert second.report.from_cache
    return first.report.seconds, reload, first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junctions", type=int, default=100_000, help="junctions of the synthetic grid")
    parser.add_argument("--osm", type=Path, default=DEFAULT_OSM, help="folder of the shared OSM extracts")
    parser.add_argument("--keep", type=Path,
                        help="write the synthetic file here instead of a temporary folder")
    args = parser.parse_args(argv)
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        helsinki = args.osm / "helsinki.osm.pbf"
        if helsinki.is_file():
            rows.append(("helsinki.osm.pbf", helsinki, *timed(helsinki, folder / "cache")))
        else:
            print(f"(no {helsinki}: Helsinki skipped)")
        grid = (args.keep or folder) / f"grid-{args.junctions}.osm.pbf"
        started = time.perf_counter()
        points = write_grid(grid, args.junctions)
        print(f"wrote {grid.name}: {points:,} OSM nodes, {os.path.getsize(grid) / 2**20:.1f} MB, "
              f"in {time.perf_counter() - started:.1f} s")
        rows.append((grid.name, grid, *timed(grid, folder / "cache")))
    print(f"{'file':<26} {'junctions':>10} {'arcs':>10} {'roads':>9} {'km':>9} {'import s':>9} "
          f"{'cached s':>9} {'speed-up':>9}")
    for name, _, build, reload, net in rows:
        report = net.report
        print(f"{name:<26} {report.nodes:>10,} {report.arcs:>10,} {report.roads:>9,} {report.km:>9,.1f} "
              f"{build:>9.3f} {reload:>9.3f} {build / reload:>8.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
