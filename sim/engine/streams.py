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

__all__ = ["Streams", "stream_key"]


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
