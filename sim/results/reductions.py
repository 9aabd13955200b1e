"""Sums and means of a column with the KPIs' rules for missing values (NaN).

:func:`nan_sum` and :func:`nan_mean` skip NaNs the way pandas' ``Series.sum``/``mean`` do:
NaNs are replaced by zeros and the whole column is summed (numpy's pairwise sum), the mean
dividing by the number of values that are not NaN. So they give the same bits as pandas.
:func:`group_sums` sums per group with compensation (Kahan), as pandas' ``groupby`` sums and means
do, so that a sum or mean per group has the bits of pandas'.
:func:`median_sorted` and :func:`quantile_sorted` give numpy's median and (linear) quantiles
of a sorted array, without numpy's per-call overhead.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["group_sums", "mean_or_nan", "median_sorted", "nan_mean", "nan_sum", "quantile_sorted"]


def nan_sum(values: np.ndarray) -> float:
    """Sum of the values that are not NaN (0 when there are none)."""
    missing = np.isnan(values)
    if missing.any():
        values = np.where(missing, 0.0, values)
    return float(values.sum())


def nan_mean(values: np.ndarray) -> float:
    """Mean of the values that are not NaN (NaN when there are none)."""
    missing = np.isnan(values)
    count = len(values) - int(missing.sum())
    if not count:
        return math.nan
    if count < len(values):
        values = np.where(missing, 0.0, values)
    return float(values.sum() / count)


def mean_or_nan(values: np.ndarray) -> float:
    """Mean of all the values (NaN when there are none)."""
    return float(values.mean()) if len(values) else math.nan


def median_sorted(values: np.ndarray) -> float:
    """The median of ascending values (NaN when there are none): the middle one, or the mean of
    the two middle ones; the same bits as ``np.median``."""
    n = len(values)
    if not n:
        return math.nan
    middle = n // 2
    if n % 2:
        return float(values[middle])
    return (float(values[middle - 1]) + float(values[middle])) / 2


def quantile_sorted(values: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ascending values (NaN when there are none), interpolated linearly
    between the two nearest ranks (numpy's default method, with the same bits as
    ``np.quantile``): at rank ``(n - 1) q``, ``a + (b - a) g`` for the fraction ``g`` of that
    rank, or ``b - (b - a) (1 - g)`` when ``g >= 0.5``."""
    n = len(values)
    if not n:
        return math.nan
    rank = (n - 1) * q
    if rank >= n - 1:
        return float(values[n - 1])
    below = math.floor(rank)
    gamma = rank - below
    a, b = float(values[below]), float(values[below + 1])
    return b - (b - a) * (1 - gamma) if gamma >= 0.5 else a + (b - a) * gamma


def group_sums(codes: list[int], values: list[float], groups: int) -> tuple[list[float], list[int]]:
    """Per group ``0 .. groups-1``: the compensated (Kahan) sum of its values that are not NaN,
    in row order, and how many there are: the sums (and, divided, the means) of pandas'
    ``groupby``. ``codes`` gives each value's group."""
    total, error, count = [0.0] * groups, [0.0] * groups, [0] * groups
    for group, value in zip(codes, values, strict=True):
        if value != value:
            continue
        count[group] += 1
        y = value - error[group]
        t = total[group] + y
        e = t - total[group] - y
        error[group] = 0.0 if e != e else e    # an infinite value: no compensation
        total[group] = t
    return total, count
