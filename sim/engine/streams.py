"""Named random streams: one root seed, one child per replication, one stream per source.

``streams(seed, replication)["arrivals/building_fire"]`` is a :class:`numpy.random.Generator`
that depends only on the root seed, the replication index and the stream's name. Adding a
generator, moving a station or changing the number of units never shifts another stream, so
two layouts compared on the same seed see the same incidents (common random numbers).
The global ``random`` and ``np.random`` states are never used.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["Streams", "keyed_uniform", "stream_key"]


def stream_key(name: str) -> int:
    """A stable 64-bit integer for a stream name (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


class Streams:
    """Factory of independent, named generators for one replication."""

    def __init__(self, seed: int, replication: int) -> None:
        if seed < 0 or replication < 0:
            raise ValueError("seed and replication must be non-negative")
        self.seed = seed
        self.replication = replication
        self._cache: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._cache.get(name)
        if gen is None:
            sequence = np.random.SeedSequence(self.seed, spawn_key=(self.replication, stream_key(name)))
            gen = np.random.Generator(np.random.PCG64(sequence))
            self._cache[name] = gen
        return gen


_MASK = (1 << 64) - 1


def keyed_uniform(*keys: int) -> float:
    """A uniform in [0, 1) fixed by integer keys (splitmix64 mixing), for the few random choices
    made inside the event loop: the same keys (seed, replication, call, unit...) always give the
    same value, whatever else happens in the run."""
    x = 0x9E3779B97F4A7C15
    for key in keys:
        x = (x ^ (key & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _MASK
        x ^= x >> 31
    return (x >> 11) / float(1 << 53)
