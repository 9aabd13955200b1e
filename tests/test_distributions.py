"""The distribution vocabulary of scenario files (sim.scenario.distributions)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from sim.errors import FieldProblem
from sim.scenario.distributions import (
    VOCABULARY,
    Constant,
    DistributionError,
    Empirical,
    Exponential,
    Gamma,
    LogNormal,
    Triangular,
    TruncNormal,
    Uniform,
    Weibull,
    parse_distribution,
)

N = 200_000


def _trunc_normal_moments(mu: float, sd: float, lo: float, hi: float) -> tuple[float, float]:
    """Mean and sd of a normal truncated to [lo, hi], by numerical integration (independent of
    the package's closed form)."""
    hi = min(hi, mu + 12 * sd)
    x = np.linspace(lo, hi, 400_001)
    w = np.exp(-0.5 * ((x - mu) / sd) ** 2)
    mass = np.trapezoid(w, x)
    mean = np.trapezoid(x * w, x) / mass
    var = np.trapezoid((x - mean) ** 2 * w, x) / mass
    return float(mean), float(math.sqrt(var))


def _triangular_sd(a: float, c: float, b: float) -> float:
    return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)


def _weibull_moments(shape: float, scale: float) -> tuple[float, float]:
    m1 = scale * math.gamma(1 + 1 / shape)
    m2 = scale * scale * math.gamma(1 + 2 / shape)
    return m1, math.sqrt(m2 - m1 * m1)


_NORMAL_LOW0 = _trunc_normal_moments(5, 10, 0, math.inf)
_NORMAL_30_45 = _trunc_normal_moments(40, 10, 30, 45)
_WEIBULL = _weibull_moments(1.5, 40)

# id -> (spec, expected class, expected mean in minutes computed independently, expected sd or None)
CASES = {
    "constant-text": ("45 min", Constant, 45.0, 0.0),
    "constant-mapping": ({"dist": "constant", "value": "10 min"}, Constant, 10.0, 0.0),
    "exponential": ({"dist": "exponential", "mean": "30 min"}, Exponential, 30.0, 30.0),
    "uniform": ({"dist": "uniform", "low": "10 min", "high": "20 min"}, Uniform, 15.0,
                10 / math.sqrt(12)),
    "triangular": ({"dist": "triangular", "low": "5 min", "mode": "10 min", "high": "30 min"},
                   Triangular, 15.0, _triangular_sd(5, 10, 30)),
    "normal-default-low": ({"dist": "normal", "mean": "5 min", "sd": "10 min"}, TruncNormal,
                           *_NORMAL_LOW0),
    "normal-low-high": ({"dist": "normal", "mean": "40 min", "sd": "10 min", "low": "30 min",
                         "high": "45 min"}, TruncNormal,
                        *_NORMAL_30_45),
    "lognormal": ({"dist": "lognormal", "mean": "60 min", "sd": "30 min"}, LogNormal, 60.0, 30.0),
    "gamma-mean-sd": ({"dist": "gamma", "mean": "60 min", "sd": "30 min"}, Gamma, 60.0, 30.0),
    "gamma-shape-scale": ({"dist": "gamma", "shape": 2.5, "scale": "8 min"}, Gamma, 20.0,
                          math.sqrt(2.5) * 8),
    "weibull": ({"dist": "weibull", "shape": 1.5, "scale": "40 min"}, Weibull, *_WEIBULL),
    "empirical-weights": ({"dist": "empirical", "values": ["10 min", "25 min", "40 min"],
                           "weights": [1, 2, 1]}, Empirical, 25.0, math.sqrt(112.5)),
    "empirical-equal": ({"dist": "empirical", "values": ["10 min", "25 min", "40 min"]},
                        Empirical, 25.0, math.sqrt(150)),
    "unit-min-bare-numbers": ({"dist": "uniform", "low": 1, "high": 3, "unit": "min"}, Uniform,
                              2.0, 2 / math.sqrt(12)),
    "unit-h-bare-number": ({"dist": "exponential", "mean": 2, "unit": "h"}, Exponential, 120.0, 120.0),
    "unit-min-empirical": ({"dist": "empirical", "values": [5, 15], "unit": "min"}, Empirical,
                           10.0, 5.0),
}
IDS = list(CASES)

U_GRID = np.concatenate([np.linspace(0.0, 1.0, 2001)[:-1], [1 - 1e-9, 1 - 1e-12]])


def _dist(case: str):
    spec, cls, _, _ = CASES[case]
    dist = parse_distribution(spec)
    assert isinstance(dist, cls)
    return dist


@functools.cache
def _draws(case: str) -> np.ndarray:
    """200,000 draws from ``sample(default_rng(1), N)``, shared by the tests of one case."""
    x = _dist(case).sample(np.random.default_rng(1), N)
    x.setflags(write=False)
    return x


def test_every_vocabulary_entry_is_covered():
    """The cases below exercise every distribution name the file format accepts."""
    used = {spec["dist"] for spec, *_ in CASES.values() if isinstance(spec, dict)}
    assert used == set(VOCABULARY)


@pytest.mark.parametrize("case", IDS)
def test_mean_property_is_the_intended_mean(case):
    """``dist.mean`` equals the mean computed independently from the parameters."""
    _, _, mean, _ = CASES[case]
    assert _dist(case).mean == pytest.approx(mean, rel=1e-9)


@pytest.mark.parametrize("case", IDS)
def test_sample_mean_matches_mean(case):
    """200,000 draws average to ``dist.mean`` within 4 standard errors (and 0.5 %)."""
    dist = _dist(case)
    x = _draws(case)
    assert x.shape == (N,)
    tolerance = 4 * x.std() / math.sqrt(N) + 1e-12
    assert abs(x.mean() - dist.mean) <= tolerance
    assert x.mean() == pytest.approx(dist.mean, rel=5e-3, abs=1e-12)


@pytest.mark.parametrize("case", IDS)
def test_sample_sd_matches_intended_sd(case):
    """The spread of the draws is the intended one (given sd for lognormal/gamma)."""
    _, _, _, sd = CASES[case]
    x = _draws(case)
    assert x.std() == pytest.approx(sd, rel=2e-2, abs=1e-12)


@pytest.mark.parametrize("case", IDS)
def test_no_draw_is_negative(case):
    """Durations are never negative, and never below the distribution's own ``low``."""
    dist = _dist(case)
    x = _draws(case)
    assert np.all(np.isfinite(x))
    assert x.min() >= 0.0
    assert x.min() >= dist.low - 1e-12


@pytest.mark.parametrize("case", IDS)
def test_ppf_is_non_decreasing(case):
    """The quantile function never decreases on a fine grid of u in [0, 1)."""
    q = _dist(case).ppf(U_GRID)
    assert q.shape == U_GRID.shape
    assert np.all(np.isfinite(q))
    assert np.all(np.diff(q) >= 0)


@pytest.mark.parametrize("case", IDS)
def test_ppf1_agrees_with_ppf(case):
    """The scalar quantile used in the event loop equals the vectorised one."""
    dist = _dist(case)
    # includes the triangular's kink (u = 0.2) and the empirical's steps (1/4, 3/4, 1/3, 2/3)
    for u in (0.0, 1e-9, 0.001, 0.2, 0.25, 1 / 3, 0.5, 2 / 3, 0.75, 0.9, 0.999999):
        expected = dist.ppf(np.array([u]))[0]
        got = dist.ppf1(u)
        assert isinstance(got, float)
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_normal_is_truncated_at_zero_by_default():
    """A normal with much mass below zero is cut at 0 (the lowest value), not shifted."""
    dist = parse_distribution({"dist": "normal", "mean": "5 min", "sd": "10 min"})
    assert dist.low == 0.0
    assert dist.ppf(np.array([0.0]))[0] == pytest.approx(0.0, abs=1e-9)
    assert dist.mean > 5.0  # truncation raises the mean


def test_empirical_frequencies_follow_weights():
    """Each observed value is drawn in proportion to its weight; no other value appears."""
    dist = parse_distribution({"dist": "empirical", "values": ["10 min", "25 min", "40 min"],
                               "weights": [1, 2, 1]})
    x = dist.sample(np.random.default_rng(1), N)
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == [10.0, 25.0, 40.0]
    assert counts / N == pytest.approx([0.25, 0.5, 0.25], abs=5e-3)


def test_gamma_by_mean_and_sd_has_matching_shape_and_scale():
    """mean 60, sd 30 gives shape (60/30)^2 = 4 and scale 30^2/60 = 15."""
    dist = parse_distribution({"dist": "gamma", "mean": "60 min", "sd": "30 min"})
    assert (dist.shape, dist.scale) == pytest.approx((4.0, 15.0))


def test_lognormal_median_below_mean():
    """A right-skewed lognormal (mean 60, sd 30) has median exp(mu) < mean."""
    dist = parse_distribution({"dist": "lognormal", "mean": "60 min", "sd": "30 min"})
    sigma2 = math.log1p(0.25)
    assert dist.ppf1(0.5) == pytest.approx(math.exp(math.log(60) - sigma2 / 2), rel=1e-9)


def test_positive_allows_non_zero_and_delay_allows_zero():
    """``positive`` only matters for zero-mean durations; delays may be exactly zero."""
    assert parse_distribution("0 min").mean == 0.0
    assert parse_distribution("1 s", positive=True).mean == pytest.approx(1 / 60)


# ---------------------------------------------------------------- bad specs

BAD = {
    "unknown-dist": ({"dist": "beta", "mean": "3 min"}, {}, ("dist",), "unknown distribution 'beta'"),
    "missing-dist": ({"mean": "3 min"}, {}, ("dist",), "unknown distribution None"),
    "unknown-key": ({"dist": "exponential", "mean": "3 min", "sd": "1 min"}, {}, ("sd",),
                    "unknown key for a exponential distribution"),
    "missing-key": ({"dist": "uniform", "low": "1 min"}, {}, ("high",),
                    "a uniform distribution needs 'high'"),
    "missing-triangular-mode": ({"dist": "triangular", "low": "1 min", "high": "3 min"}, {},
                                ("mode",), "needs 'mode'"),
    "negative-sd-normal": ({"dist": "normal", "mean": "40 min", "sd": "-10 min"}, {}, ("sd",),
                           "must be positive (got -10)"),
    "negative-sd-lognormal": ({"dist": "lognormal", "mean": "40 min", "sd": "-10 min"}, {}, ("sd",),
                              "must be positive"),
    "negative-sd-gamma": ({"dist": "gamma", "mean": "40 min", "sd": "-10 min"}, {}, ("sd",),
                          "must be positive"),
    "zero-mean-exponential": ({"dist": "exponential", "mean": "0 min"}, {}, ("mean",),
                              "must be positive"),
    "high-below-low": ({"dist": "uniform", "low": "10 min", "high": "5 min"}, {}, ("high",),
                       "high (5 min) is below low (10 min)"),
    "normal-high-below-low": ({"dist": "normal", "mean": "40 min", "sd": "10 min",
                               "low": "50 min", "high": "45 min"}, {}, ("high",),
                              "high must be above low"),
    "mode-above-high": ({"dist": "triangular", "low": "5 min", "mode": "40 min", "high": "30 min"},
                        {}, ("mode",), "low <= mode <= high"),
    "mode-below-low": ({"dist": "triangular", "low": "5 min", "mode": "1 min", "high": "30 min"},
                       {}, ("mode",), "low <= mode <= high"),
    "negative-constant": ("-5 min", {}, (), "negative durations"),
    "negative-low": ({"dist": "uniform", "low": "-5 min", "high": "5 min"}, {}, None,
                     "negative durations (lowest value -5 min)"),
    "zero-constant-positive": ("0 min", {"positive": True}, (), "must be positive"),
    "zero-uniform-positive": ({"dist": "uniform", "low": "0 min", "high": "0 min"},
                              {"positive": True}, (), "zero duration is not allowed"),
    "bare-number-in-mapping": ({"dist": "exponential", "mean": 30}, {}, ("mean",), "needs a unit"),
    "bare-number-constant": (30, {}, (), "needs a unit"),
    "unknown-unit": ({"dist": "exponential", "mean": 3, "unit": "fortnight"}, {}, ("unit",),
                     "unknown duration unit 'fortnight'"),
    "bad-unit-in-value": ({"dist": "uniform", "low": "1 min", "high": "3 minuts"}, {}, ("high",),
                          "unknown duration unit 'minuts'"),
    "weights-wrong-length": ({"dist": "empirical", "values": ["1 min", "2 min"], "weights": [1]},
                             {}, ("weights",), "needs one weight per value"),
    "negative-weight": ({"dist": "empirical", "values": ["1 min", "2 min"], "weights": [1, -1]},
                        {}, ("weights", 1), "non-negative number, got -1"),
    "zero-weights": ({"dist": "empirical", "values": ["1 min", "2 min"], "weights": [0, 0]},
                     {}, ("weights",), "must not all be zero"),
    "empty-values": ({"dist": "empirical", "values": []}, {}, ("values",), "non-empty list"),
    "gamma-mixed-keys": ({"dist": "gamma", "mean": "3 min", "shape": 2}, {}, (),
                         "mean + sd or shape + scale"),
    "weibull-shape-text": ({"dist": "weibull", "shape": "1.5", "scale": "3 min"}, {}, ("shape",),
                           "expected a plain number"),
    "boolean": (True, {}, (), "expected a duration like '30 min'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_spec_names_key_and_problem(case):
    """A bad spec raises DistributionError naming the key at fault and what is wrong."""
    spec, kwargs, subpath, message = BAD[case]
    with pytest.raises(DistributionError) as exc:
        parse_distribution(spec, **kwargs)
    assert message in str(exc.value)
    if subpath is not None:
        assert exc.value.subpath == subpath


def test_unknown_dist_lists_the_vocabulary():
    """The message for an unknown name lists every accepted name."""
    with pytest.raises(DistributionError) as exc:
        parse_distribution({"dist": "beta"})
    for name in VOCABULARY:
        assert name in str(exc.value)


def test_unknown_key_lists_allowed_keys():
    """The message for an unknown key says which keys this distribution takes."""
    with pytest.raises(DistributionError) as exc:
        parse_distribution({"dist": "normal", "mean": "3 min", "sd": "1 min", "mode": "2 min"})
    assert exc.value.subpath == ("mode",)
    assert "allowed: high, low, mean, sd, unit" in str(exc.value)


def test_distribution_error_is_a_field_problem():
    """Validators rely on DistributionError being a FieldProblem (hence a ValueError)."""
    assert issubclass(DistributionError, FieldProblem)
    assert issubclass(DistributionError, ValueError)


@pytest.mark.parametrize(("spec", "key"), [
    ({"dist": "constant", "value": "-5 min"}, "value"),
    ({"dist": "uniform", "low": "-5 min", "high": "5 min"}, "low"),
])
def test_negative_value_in_mapping_names_the_key(spec, key):
    """The subpath of a negative bound names that bound, as the docstring promises."""
    with pytest.raises(DistributionError) as exc:
        parse_distribution(spec)
    assert exc.value.subpath == (key,)
