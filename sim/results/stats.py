"""Confidence intervals across independent replications."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special  # type: ignore[import-untyped]  # scipy ships no type hints

__all__ = ["Estimate", "estimate"]


@dataclass(frozen=True)
class Estimate:
    """A mean across replications with the half-width of its confidence interval.

    ``half_width`` is NaN when fewer than two replications have a value.
    """

    mean: float
    half_width: float
    n: int
    level: float = 0.95

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def as_dict(self) -> dict[str, float | int | None]:
        """JSON-ready: non-finite figures become None."""
        return {"mean": _clean(self.mean), "ci_low": _clean(self.low), "ci_high": _clean(self.high),
                "half_width": _clean(self.half_width), "n": self.n}


def _clean(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def estimate(values: np.ndarray | list[float], level: float = 0.95) -> Estimate:
    """Student-t confidence interval of the mean of per-replication values (NaNs ignored)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Estimate(np.nan, np.nan, 0, level)
    mean = float(x.mean())
    if n < 2:
        return Estimate(mean, np.nan, n, level)
    sd = float(x.std(ddof=1))
    half = float(special.stdtrit(n - 1, 0.5 + level / 2) * sd / np.sqrt(n))  # Student t quantile
    return Estimate(mean, half, n, level)
