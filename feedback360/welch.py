"""Student's t and Welch's interval for a change between two independent samples.

The pulse's report (`pulse_compare`) needs a 95 % margin for the change in a statement's mean
between a round and its follow-up. Nobody, the app included, knows who rated both times, so
the samples are independent (Welch, not paired), and small, so the t distribution rather than
the normal one. The t quantile comes from the regularised incomplete beta function (continued
fraction, as in Numerical Recipes), inverted by bisection: exact to far more than the printed
decimal, for any degrees of freedom Welch's formula gives, with no scipy.

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularised incomplete beta (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularised incomplete beta function, for 0 <= x <= 1."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1 - math.exp(log_front) * _beta_fraction(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` (not necessarily whole) degrees of freedom."""
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t with P(T <= t) = p, by bisection on `t_cdf`: exact enough, and no scipy."""
    if not 0 < p < 1 or df <= 0:
        raise ValueError("t_quantile needs 0 < p < 1 and df > 0.")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2


@dataclass(frozen=True)
class WelchInterval:
    change: float  # mean of `after` minus mean of `before`, unrounded
    margin: float  # half the width of the interval, unrounded
    df: float

    @property
    def low(self) -> float:
        return self.change - self.margin

    @property
    def high(self) -> float:
        return self.change + self.margin


def _mean_and_variance(values: Sequence[float]) -> tuple[float, float]:
    mean = math.fsum(values) / len(values)
    return mean, math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)


def welch_interval(
    before: Sequence[float], after: Sequence[float], confidence: float = CONFIDENCE
) -> WelchInterval:
    """Welch's interval for the change in mean between two independent samples (2+ values each).

    Welch rather than paired: nobody knows who rated both times. When neither sample varies the
    margin is 0 (every rating was the same both times).
    """
    if len(before) < 2 or len(after) < 2:
        raise ValueError("Welch's interval needs at least two values on each side.")
    mean_1, var_1 = _mean_and_variance(before)
    mean_2, var_2 = _mean_and_variance(after)
    part_1, part_2 = var_1 / len(before), var_2 / len(after)
    se_squared = part_1 + part_2
    change = mean_2 - mean_1
    if se_squared == 0:
        return WelchInterval(change, 0.0, float(len(before) + len(after) - 2))
    df = se_squared**2 / (part_1**2 / (len(before) - 1) + part_2**2 / (len(after) - 1))
    quantile = t_quantile(1 - (1 - confidence) / 2, df)
    return WelchInterval(change, quantile * math.sqrt(se_squared), df)
