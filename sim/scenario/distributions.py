"""The distribution vocabulary of scenario files.

Every random duration in a scenario is one of these. A distribution is written either as a
plain quantity (a constant) or as a mapping with a ``dist`` key::

    on_scene: "45 min"                                     # constant
    on_scene: {dist: exponential, mean: "30 min"}
    on_scene: {dist: uniform, low: "10 min", high: "20 min"}
    on_scene: {dist: triangular, low: "5 min", mode: "10 min", high: "30 min"}
    on_scene: {dist: normal, mean: "40 min", sd: "10 min"}  # truncated to [low, high]; low defaults to 0
    on_scene: {dist: lognormal, mean: "60 min", sd: "30 min"}
    on_scene: {dist: gamma, mean: "60 min", sd: "30 min"}   # or shape + scale
    on_scene: {dist: weibull, shape: 1.5, scale: "40 min"}
    on_scene: {dist: empirical, values: ["10 min", "25 min", "40 min"], weights: [1, 2, 1]}

Bare numbers are allowed only together with ``unit: min`` (or another duration unit).

All draws go through the inverse CDF (:meth:`Distribution.ppf`) of uniforms taken from a named
random stream. That keeps every draw reproducible, vectorised, and comparable across layouts
(common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import special  # type: ignore[import-untyped]

from ..errors import FieldProblem, shown
from .quantities import DURATION, NUMBER, Quantity

__all__ = [
    "Constant",
    "Distribution",
    "DistributionError",
    "Empirical",
    "Exponential",
    "Gamma",
    "LogNormal",
    "TruncNormal",
    "Triangular",
    "Uniform",
    "Weibull",
    "parse_distribution",
    "VOCABULARY",
]


class DistributionError(FieldProblem):
    """A bad distribution; ``subpath`` names the offending key inside the mapping."""


@dataclass(frozen=True)
class Distribution:
    """Base class: a univariate distribution sampled by inverse transform."""

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Quantile function applied element-wise to uniforms in (0, 1)."""
        raise NotImplementedError

    def ppf1(self, u: float) -> float:
        """Scalar quantile, for the few draws made inside the event loop."""
        return float(self.ppf(np.array([u]))[0])

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def low(self) -> float:
        """Smallest value the distribution can take."""
        return float(self.ppf(np.array([0.0]))[0])

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values from ``rng``."""
        return self.ppf(rng.random(size))

    def describe(self) -> str:
        """A short human-readable form, e.g. ``exponential(mean 30 min)``."""
        return type(self).__name__.lower()

    @property
    def is_constant(self) -> bool:
        return False


@dataclass(frozen=True)
class Constant(Distribution):
    value: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value, dtype=float)

    def ppf1(self, u: float) -> float:
        return self.value

    @property
    def mean(self) -> float:
        return self.value

    @property
    def low(self) -> float:
        return self.value

    @property
    def is_constant(self) -> bool:
        return True

    def describe(self) -> str:
        return f"constant {self.value:g} min"


@dataclass(frozen=True)
class Exponential(Distribution):
    mean_: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return -self.mean_ * np.log1p(-np.asarray(u, dtype=float))

    def ppf1(self, u: float) -> float:
        return -self.mean_ * math.log1p(-u)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def low(self) -> float:
        return 0.0

    def describe(self) -> str:
        return f"exponential(mean {self.mean_:g} min)"


@dataclass(frozen=True)
class Uniform(Distribution):
    lo: float
    hi: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.lo + (self.hi - self.lo) * np.asarray(u, dtype=float)

    def ppf1(self, u: float) -> float:
        return self.lo + (self.hi - self.lo) * u

    @property
    def mean(self) -> float:
        return 0.5 * (self.lo + self.hi)

    @property
    def low(self) -> float:
        return self.lo

    def describe(self) -> str:
        return f"uniform({self.lo:g}-{self.hi:g} min)"


@dataclass(frozen=True)
class Triangular(Distribution):
    lo: float
    mode: float
    hi: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        lo, c, hi = self.lo, self.mode, self.hi
        width = hi - lo
        if width == 0:
            return np.full(u.shape, lo)
        cut = (c - lo) / width
        left = lo + np.sqrt(u * width * (c - lo))
        right = hi - np.sqrt((1 - u) * width * (hi - c))
        return np.where(u < cut, left, right)

    def ppf1(self, u: float) -> float:
        lo, c, hi = self.lo, self.mode, self.hi
        width = hi - lo
        if width == 0:
            return lo
        if u < (c - lo) / width:
            return lo + math.sqrt(u * width * (c - lo))
        return hi - math.sqrt((1 - u) * width * (hi - c))

    @property
    def mean(self) -> float:
        return (self.lo + self.mode + self.hi) / 3

    @property
    def low(self) -> float:
        return self.lo

    def describe(self) -> str:
        return f"triangular({self.lo:g}, {self.mode:g}, {self.hi:g} min)"


@dataclass(frozen=True)
class TruncNormal(Distribution):
    mu: float
    sd: float
    lo: float = -math.inf
    hi: float = math.inf
    _cdf_lo: float = field(init=False, repr=False, compare=False)
    _cdf_hi: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cdf_lo", float(special.ndtr((self.lo - self.mu) / self.sd)))
        object.__setattr__(self, "_cdf_hi", float(special.ndtr((self.hi - self.mu) / self.sd)))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        p = self._cdf_lo + np.asarray(u, dtype=float) * (self._cdf_hi - self._cdf_lo)
        p = np.clip(p, 1e-300, 1 - 1e-16)
        x = self.mu + self.sd * special.ndtri(p)
        return np.clip(x, self.lo, self.hi)

    @property
    def mean(self) -> float:
        a, b = (self.lo - self.mu) / self.sd, (self.hi - self.mu) / self.sd
        pdf = lambda z: math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) if math.isfinite(z) else 0.0  # noqa: E731
        mass = self._cdf_hi - self._cdf_lo
        return self.mu + self.sd * (pdf(a) - pdf(b)) / mass

    @property
    def low(self) -> float:
        return self.lo

    def describe(self) -> str:
        return f"normal(mean {self.mu:g}, sd {self.sd:g} min, truncated to [{self.lo:g}, {self.hi:g}])"


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Lognormal given by the mean and standard deviation of the variable itself."""

    mean_: float
    sd: float

    @property
    def _params(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        mu, sigma = self._params
        return np.exp(mu + sigma * special.ndtri(np.asarray(u, dtype=float)))

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def low(self) -> float:
        return 0.0

    def describe(self) -> str:
        return f"lognormal(mean {self.mean_:g}, sd {self.sd:g} min)"


@dataclass(frozen=True)
class Gamma(Distribution):
    shape: float
    scale: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.scale * special.gammaincinv(self.shape, np.asarray(u, dtype=float))

    @property
    def mean(self) -> float:
        return self.shape * self.scale

    @property
    def low(self) -> float:
        return 0.0

    def describe(self) -> str:
        return f"gamma(shape {self.shape:g}, scale {self.scale:g} min)"


@dataclass(frozen=True)
class Weibull(Distribution):
    shape: float
    scale: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.scale * (-np.log1p(-np.asarray(u, dtype=float))) ** (1 / self.shape)

    def ppf1(self, u: float) -> float:
        return self.scale * (-math.log1p(-u)) ** (1 / self.shape)

    @property
    def mean(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)

    @property
    def low(self) -> float:
        return 0.0

    def describe(self) -> str:
        return f"weibull(shape {self.shape:g}, scale {self.scale:g} min)"


@dataclass(frozen=True)
class Empirical(Distribution):
    """Draws one of the observed ``values`` with probability proportional to ``weights``."""

    values: tuple[float, ...]
    weights: tuple[float, ...]

    @property
    def _cum(self) -> np.ndarray:
        w = np.asarray(self.weights, dtype=float)
        return np.cumsum(w) / w.sum()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self._cum, np.asarray(u, dtype=float), side="right")
        return np.asarray(self.values, dtype=float)[np.minimum(idx, len(self.values) - 1)]

    @property
    def mean(self) -> float:
        w = np.asarray(self.weights, dtype=float)
        return float(np.dot(self.values, w) / w.sum())

    @property
    def low(self) -> float:
        return min(self.values)

    def describe(self) -> str:
        return f"empirical({len(self.values)} values, mean {self.mean:g} min)"


# ---------------------------------------------------------------- parsing

def _quantity_reader(spec: Mapping[str, object], quantity: Quantity) -> Callable[[object, str], float]:
    unit = spec.get("unit")
    if unit is not None and (not isinstance(unit, str) or unit.lower() not in quantity.units):
        raise DistributionError(f"unknown {quantity.name} unit {shown(unit)}", ("unit",))

    def read(value: object, key: str) -> float:
        try:
            return quantity.read(value, unit if isinstance(unit, str) else None)
        except ValueError as exc:
            raise DistributionError(str(exc), (key,)) from None

    return read


def _number(spec: Mapping[str, object], key: str) -> float:
    try:
        return NUMBER.read(spec[key])
    except ValueError as exc:
        raise DistributionError(str(exc), (key,)) from None


def _positive(value: float, key: str) -> float:
    if not value > 0:
        raise DistributionError(f"must be positive (got {value:g})", (key,))
    return value


_PARAMS: dict[str, tuple[set[str], set[str]]] = {
    # dist: (required keys, optional keys) besides "dist" and "unit"
    "constant": ({"value"}, set()),
    "exponential": ({"mean"}, set()),
    "uniform": ({"low", "high"}, set()),
    "triangular": ({"low", "mode", "high"}, set()),
    "normal": ({"mean", "sd"}, {"low", "high"}),
    "lognormal": ({"mean", "sd"}, set()),
    "gamma": (set(), {"mean", "sd", "shape", "scale"}),
    "weibull": ({"shape", "scale"}, set()),
    "empirical": ({"values"}, {"weights"}),
}
VOCABULARY = tuple(_PARAMS)
# the key that sets the lowest value, named when a distribution would go below zero
_LOWEST_KEY = {"constant": "value", "uniform": "low", "triangular": "low", "normal": "low",
               "empirical": "values"}


def _weights(weights: object, count: int) -> tuple[float, ...]:
    """The weights of an empirical distribution: ``count`` finite non-negative numbers."""
    if not isinstance(weights, list) or len(weights) != count:
        raise DistributionError("needs one weight per value", ("weights",))
    out = []
    for i, w in enumerate(weights):
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0 <= w < math.inf:
            raise DistributionError(f"must be a finite non-negative number, got {shown(w)}",
                                    ("weights", i))
        out.append(float(w))
    total = sum(out)  # inf when the weights overflow (math.fsum would raise)
    if not 0 < total < math.inf:
        raise DistributionError("weights must not all be zero" if total == 0 else
                                "the weights are too large to add up", ("weights",))
    return tuple(out)


def _computable(dist: Distribution, quantity: Quantity) -> Distribution:
    """``dist`` if its mean and quantiles are finite numbers (parameters can be finite and yet
    too extreme: a Weibull shape of 1e-300 has an infinite mean)."""
    try:
        with np.errstate(all="ignore"):
            numbers = [dist.mean, *dist.ppf(np.array([0.0, 0.5, 0.999]))]
    except (ArithmeticError, ValueError):
        numbers = [math.nan]
    if not all(math.isfinite(x) for x in numbers):
        raise DistributionError(f"its parameters are too extreme to compute with (the mean or a "
                                f"quantile is not a finite {quantity.name})")
    return dist


def _build(kind: str, spec: Mapping[str, object], quantity: Quantity) -> Distribution:
    q = _quantity_reader(spec, quantity)
    if kind == "constant":
        return Constant(q(spec["value"], "value"))
    if kind == "exponential":
        return Exponential(_positive(q(spec["mean"], "mean"), "mean"))
    if kind == "uniform":
        lo, hi = q(spec["low"], "low"), q(spec["high"], "high")
        if hi < lo:
            raise DistributionError(f"high ({hi:g} min) is below low ({lo:g} min)", ("high",))
        return Uniform(lo, hi)
    if kind == "triangular":
        lo, mode, hi = q(spec["low"], "low"), q(spec["mode"], "mode"), q(spec["high"], "high")
        if not lo <= mode <= hi:
            raise DistributionError("needs low <= mode <= high", ("mode",))
        return Triangular(lo, mode, hi)
    if kind == "normal":
        mu, sd = q(spec["mean"], "mean"), _positive(q(spec["sd"], "sd"), "sd")
        lo = q(spec["low"], "low") if "low" in spec else 0.0
        hi = q(spec["high"], "high") if "high" in spec else math.inf
        if hi <= lo:
            raise DistributionError("high must be above low", ("high",))
        if float(special.ndtr((hi - mu) / sd) - special.ndtr((lo - mu) / sd)) < 1e-9:
            raise DistributionError("the truncation interval holds no probability", ("low",))
        return TruncNormal(mu, sd, lo, hi)
    if kind == "lognormal":
        return LogNormal(_positive(q(spec["mean"], "mean"), "mean"),
                         _positive(q(spec["sd"], "sd"), "sd"))
    if kind == "gamma":
        keys = set(spec) - {"dist", "unit"}
        if keys == {"mean", "sd"}:
            mean = _positive(q(spec["mean"], "mean"), "mean")
            sd = _positive(q(spec["sd"], "sd"), "sd")
            return Gamma((mean / sd) ** 2, sd * sd / mean)
        if keys == {"shape", "scale"}:
            return Gamma(_positive(_number(spec, "shape"), "shape"),
                         _positive(q(spec["scale"], "scale"), "scale"))
        raise DistributionError("gamma takes either mean + sd or shape + scale")
    if kind == "weibull":
        return Weibull(_positive(_number(spec, "shape"), "shape"),
                       _positive(q(spec["scale"], "scale"), "scale"))
    if kind == "empirical":
        values = spec["values"]
        if not isinstance(values, list) or not values:
            raise DistributionError("must be a non-empty list", ("values",))
        parsed = tuple(q(v, "values") for v in values)
        return Empirical(parsed, _weights(spec.get("weights", [1.0] * len(parsed)), len(parsed)))
    raise AssertionError(kind)  # pragma: no cover


def parse_distribution(raw: object, *, positive: bool = False, quantity: Quantity = DURATION) -> Distribution:
    """Parse a scenario-file distribution (of durations in minutes, unless ``quantity`` says
    otherwise: speeds in km/h, or plain numbers).

    Parameters
    ----------
    raw
        A quantity string (a constant) or a mapping with a ``dist`` key.
    positive
        Require a strictly positive mean (for on-scene times and other work durations);
        otherwise zero is allowed (for delays). Negative values are never allowed.
    quantity
        What the values are (:data:`~sim.scenario.quantities.DURATION` by default).

    Raises
    ------
    DistributionError
        With ``subpath`` naming the key at fault.
    """
    if isinstance(raw, Distribution):
        dist = raw
    elif isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
        try:
            dist = Constant(quantity.read(raw))
        except ValueError as exc:
            raise DistributionError(str(exc)) from None
    elif isinstance(raw, Mapping):
        kind = raw.get("dist")
        if not isinstance(kind, str) or kind not in _PARAMS:
            raise DistributionError(
                f"unknown distribution {shown(kind)}; use one of: {', '.join(VOCABULARY)}", ("dist",))
        required, optional = _PARAMS[kind]
        allowed = required | optional | {"dist", "unit"}
        for key in raw:
            if key not in allowed:
                raise DistributionError(
                    f"unknown key for a {kind} distribution (allowed: "
                    f"{', '.join(sorted(allowed - {'dist'}))})", (str(key),))
        for key in sorted(required):
            if key not in raw:
                raise DistributionError(f"a {kind} distribution needs {key!r}", (key,))
        try:
            dist = _computable(_build(kind, raw, quantity), quantity)
        except ArithmeticError:  # e.g. (mean / sd) ** 2 of a gamma overflows
            raise DistributionError("its parameters are too extreme to compute with") from None
    else:
        raise DistributionError(f"expected a {quantity.name} like {quantity.example!r} or a mapping "
                                f"with 'dist', got {shown(raw)}")

    if dist.low < 0:
        key = _LOWEST_KEY.get(str(raw.get("dist"))) if isinstance(raw, Mapping) else None
        raise DistributionError(f"can produce negative {quantity.name}s (lowest value "
                                f"{quantity.show(dist.low)})",
                                (key,) if key else ())
    if positive and not dist.mean > 0:
        raise DistributionError(f"must be positive (a zero {quantity.name} is not allowed here)")
    return dist
