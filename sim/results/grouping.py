"""Rows of one table in groups (incident types): per-group counts and values.

A :class:`Grouping` holds each row's group (``0 .. groups-1``). :meth:`Grouping.parts` gives
each group's values in their original row order, as slices of one array, so that a sum or mean
over a part has the same bits as over the group's rows picked out on their own.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Grouping"]


class Grouping:
    """Rows assigned to ``groups`` groups by ``codes`` (one int per row, ``0 .. groups-1``;
    a code of ``groups`` or more belongs to no group)."""

    def __init__(self, codes: np.ndarray, groups: int) -> None:
        self.codes = np.minimum(codes, groups)
        self.groups = groups

    def counts(self, mask: np.ndarray) -> list[int]:
        """How many rows of each group ``mask`` holds."""
        return np.bincount(self.codes[mask], minlength=self.groups + 1)[:self.groups].tolist()

    def parts(self, values: np.ndarray, mask: np.ndarray | None = None) -> list[np.ndarray]:
        """``values`` of each group's rows (where ``mask`` is true), in row order."""
        codes = self.codes if mask is None else self.codes[mask]
        picked = values if mask is None else values[mask]
        order = np.argsort(codes, kind="stable")
        ordered = picked[order]
        bounds = np.searchsorted(codes[order], np.arange(self.groups + 1)).tolist()
        return [ordered[bounds[i]:bounds[i + 1]] for i in range(self.groups)]
