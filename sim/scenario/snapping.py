"""Nearest nodes: which node of a network a point (a place, an incident spot) is closest to.

Points and nodes are projected onto a plane tangent at their mean latitude (equirectangular:
good to a fraction of a percent over a county) and searched with a k-d tree
(:class:`scipy.spatial.cKDTree`); the distance returned is the great-circle one.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .geography import EARTH_RADIUS_KM, haversine_km

__all__ = ["nearest_nodes"]


def _plane(lon: np.ndarray, lat: np.ndarray, lat0: float) -> np.ndarray:
    k = np.pi / 180 * EARTH_RADIUS_KM
    return np.column_stack([np.asarray(lon, dtype=float) * k * np.cos(np.radians(lat0)),
                            np.asarray(lat, dtype=float) * k])


def nearest_nodes(lon: np.ndarray, lat: np.ndarray, node_lon: np.ndarray, node_lat: np.ndarray,
                  among: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each point, the index of the nearest node (of ``among``, default all) and the
    great-circle km to it."""
    candidates = np.arange(len(node_lon)) if among is None else np.asarray(among, dtype=np.int64)
    if not len(candidates):
        raise ValueError("no node to snap to")
    lat0 = float(np.mean(node_lat[candidates]))
    tree = cKDTree(_plane(node_lon[candidates], node_lat[candidates], lat0))
    _, k = tree.query(_plane(lon, lat, lat0))
    index = candidates[np.asarray(k, dtype=np.int64)]
    km = haversine_km(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), node_lon[index],
                      node_lat[index])
    return index, np.asarray(km, dtype=float)
