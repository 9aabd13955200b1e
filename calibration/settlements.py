"""Places for every village and community of a county, where no list of them is at hand.

The documents give how many villages and communities each county has, and public maps where
the town seats are; nobody here has the list of villages with their positions. So the places
are generated, reproducibly, by this recipe (every step an ASSUMPTION the scenarios mark):

1. **The county's land.** A grid of cells (``cell_km``) around the seats; a cell belongs to the
   town whose seat is nearest (the towns' territories are the Voronoi cells of their seats),
   and is land when it is within ``reach`` of that seat and on the land side of the coastline
   (a polyline read off public maps). ``reach`` is solved by bisection so that the land adds up
   to the county's published area.
2. **Communities** of a town cluster around its seat: the seat itself and ``communities - 1``
   more on a ring in its built-up core (the core holds the town centre's population at an
   urban density).
3. **Villages** spread over the rest of the town's land: the centres of a k-means partition of
   its cells (Lloyd's algorithm from a seeded start), so each village stands amid the land it
   farms, about evenly spaced as villages on a plain or in a valley are.
4. **Populations**: the town centre's share split over the seat and communities, the rest over
   the villages, each by seeded gamma weights (shape 4: a village is typically within half
   to twice the mean, as the censuses' village tables show).

Positions are rounded to 0.001 degree (about 100 m). The roads between the places are not made
here: the scenarios join them with ``auto_roads: {method: planar, main_roads: trunk}``.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Land", "Settlement", "Town", "coast_km", "land_cells", "node_dict", "settle", "town_land_km2"]

KM_PER_DEG_LAT = 111.2


@dataclass(frozen=True)
class Town:
    """A town or street: its seat, population, how many communities and villages it has."""

    id: str
    name: str  # shown name of the seat ("当湖街道 Danghu")
    en: str
    kind: str  # township | subdistrict
    lon: float
    lat: float
    population: int
    communities: int  # including the seat
    villages: int
    centre_share: float  # of the population living in the seat and its communities
    tags: tuple[str, ...] = ()


@dataclass
class Settlement:
    id: str
    name: str
    kind: str
    lon: float
    lat: float
    population: int
    town: str
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Land:
    """The land cells: positions (degrees), the town each belongs to, and the cell size."""

    lon: np.ndarray
    lat: np.ndarray
    town: np.ndarray  # index into the towns
    cell_km2: float
    reach_km: float
    coast: list[tuple[float, float]] | None = None
    sea: str = "south"

    @property
    def area_km2(self) -> float:
        return float(len(self.lon) * self.cell_km2)


def _xy(lon: np.ndarray, lat: np.ndarray, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    return lon * KM_PER_DEG_LAT * math.cos(math.radians(lat0)), lat * KM_PER_DEG_LAT


def _on_land(lon: np.ndarray, lat: np.ndarray, coast: list[tuple[float, float]] | None,
             sea: str) -> np.ndarray:
    """True on the land side of the coastline (``sea`` is "south" or "east" of it)."""
    if not coast:
        return np.ones(len(lon), dtype=bool)
    xs, ys = np.array([c[0] for c in coast]), np.array([c[1] for c in coast])
    if sea == "south":
        inside = (lon >= xs.min()) & (lon <= xs.max())
        return ~inside | (lat >= np.interp(lon, xs, ys))
    order = np.argsort(ys)
    inside = (lat >= ys.min()) & (lat <= ys.max())
    return ~inside | (lon <= np.interp(lat, ys[order], xs[order]))


def land_cells(towns: list[Town], area_km2: float, *, cell_km: float = 0.5,
               coast: list[tuple[float, float]] | None = None, sea: str = "south") -> Land:
    """The county's land as grid cells assigned to the nearest seat (see the module text)."""
    lat0 = float(np.mean([t.lat for t in towns]))
    sx, sy = _xy(np.array([t.lon for t in towns]), np.array([t.lat for t in towns]), lat0)
    span = math.sqrt(area_km2) * 1.5
    gx = np.arange(sx.min() - span, sx.max() + span, cell_km)
    gy = np.arange(sy.min() - span, sy.max() + span, cell_km)
    xx, yy = (a.ravel() for a in np.meshgrid(gx + cell_km / 2, gy + cell_km / 2))
    lon = xx / (KM_PER_DEG_LAT * math.cos(math.radians(lat0)))
    lat = yy / KM_PER_DEG_LAT
    dist = np.hypot(xx[:, None] - sx[None, :], yy[:, None] - sy[None, :])
    nearest = np.argmin(dist, axis=1)
    own = dist[np.arange(len(xx)), nearest]
    land = _on_land(lon, lat, coast, sea)
    cell_km2 = cell_km * cell_km
    low, high = 0.0, span * 2
    for _ in range(60):  # bisection on the reach: land area grows with it
        mid = (low + high) / 2
        if float(np.count_nonzero(land & (own <= mid))) * cell_km2 < area_km2:
            low = mid
        else:
            high = mid
    keep = land & (own <= high)
    return Land(lon[keep], lat[keep], nearest[keep], cell_km2, high, coast, sea)


def _rng(key: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(key.encode("utf-8")))


def _kmeans(x: np.ndarray, y: np.ndarray, k: int, rng: np.random.Generator,
            iterations: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Centres of a k-means partition of the points (Lloyd's algorithm, seeded start)."""
    start = rng.choice(len(x), size=k, replace=False)
    cx, cy = x[start].copy(), y[start].copy()
    for _ in range(iterations):
        label = np.argmin((x[:, None] - cx[None, :]) ** 2 + (y[:, None] - cy[None, :]) ** 2, axis=1)
        for j in range(k):
            mine = label == j
            if mine.any():
                cx[j], cy[j] = x[mine].mean(), y[mine].mean()
    order = np.lexsort((cx, -cy))  # north to south, then west to east: stable, readable numbering
    return cx[order], cy[order]


def _split(total: int, k: int, rng: np.random.Generator) -> list[int]:
    from common import largest_remainder

    if k == 0:
        return []
    return largest_remainder(total, list(rng.gamma(4.0, 1.0, size=k)))


def settle(towns: list[Town], land: Land, *, urban_density: float = 8000.0) -> list[Settlement]:
    """Every town's seat, communities and villages (see the module text), towns in order."""
    lat0 = float(np.mean([t.lat for t in towns]))
    kx = KM_PER_DEG_LAT * math.cos(math.radians(lat0))
    out: list[Settlement] = []
    for ti, town in enumerate(towns):
        rng = _rng(town.id)
        centre = round(town.population * town.centre_share)
        seat_pop, *community_pops = _split(centre, town.communities, rng) if town.communities > 1 else [centre]
        out.append(Settlement(town.id, town.name, town.kind, town.lon, town.lat, seat_pop, town.id,
                              list(town.tags)))
        core_km = max(0.8, math.sqrt(centre / urban_density / math.pi))
        ring = len(community_pops)
        for j, pop in enumerate(community_pops):
            angle = 2 * math.pi * j / ring + rng.uniform(-0.3, 0.3)
            r = core_km * rng.uniform(0.6, 1.0)
            for turn in (0.0, math.pi / 2, -math.pi / 2, math.pi):  # turned inland if it fell in the sea
                lon = round(town.lon + r * math.cos(angle + turn) / kx, 3)
                lat = round(town.lat + r * math.sin(angle + turn) / KM_PER_DEG_LAT, 3)
                if _on_land(np.array([lon]), np.array([lat]), land.coast, land.sea)[0]:
                    break
            out.append(Settlement(f"{town.id}-c{j + 1}", f"{town.en} community {j + 1}", "community",
                                  lon, lat, pop, town.id, list(town.tags)))
        if town.villages == 0:
            continue
        mine = land.town == ti
        x, y = land.lon[mine] * kx, land.lat[mine] * KM_PER_DEG_LAT
        rural = np.hypot(x - town.lon * kx, y - town.lat * KM_PER_DEG_LAT) > core_km
        if np.count_nonzero(rural) >= town.villages:
            x, y = x[rural], y[rural]
        if len(x) < town.villages:
            raise ValueError(f"{town.id}: {town.villages} villages on {len(x)} land cells; use smaller cells")
        cx, cy = _kmeans(x, y, town.villages, rng)
        pops = _split(town.population - centre, town.villages, rng)
        width = len(str(town.villages))
        for j, (vx, vy, pop) in enumerate(zip(cx, cy, pops, strict=True)):
            out.append(Settlement(f"{town.id}-v{j + 1:0{width}d}", f"{town.en} village {j + 1}", "village",
                                  round(float(vx / kx), 3), round(float(vy / KM_PER_DEG_LAT), 3), pop,
                                  town.id, list(town.tags)))
    return out


def town_land_km2(land: Land, towns: int) -> list[float]:
    """The land area of each town (its Voronoi share of the county)."""
    return [float(a) for a in np.bincount(land.town, minlength=towns) * land.cell_km2]


def coast_km(lon: float, lat: float, coast: list[tuple[float, float]]) -> float:
    """Distance from a place to the coastline polyline, in km (local projection)."""
    kx = KM_PER_DEG_LAT * math.cos(math.radians(lat))
    px, py = lon * kx, lat * KM_PER_DEG_LAT
    best = math.inf
    for (x0, y0), (x1, y1) in zip(coast, coast[1:], strict=False):
        ax, ay, bx, by = x0 * kx, y0 * KM_PER_DEG_LAT, x1 * kx, y1 * KM_PER_DEG_LAT
        t = max(0.0, min(1.0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
        best = min(best, math.hypot(px - ax - t * (bx - ax), py - ay - t * (by - ay)))
    return best


def node_dict(s: Settlement, **extra: object) -> dict:
    """A settlement as the calibration scripts' node entry."""
    return {"id": s.id, "name": s.name, "kind": s.kind, "lon": s.lon, "lat": s.lat, "population": s.population,
            "town": s.town, "tags": sorted(set(s.tags)), "area": s.town, **extra}
