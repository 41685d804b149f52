"""A pulse's report: each focus statement then and now, with a 95 % margin for the change.

Rules, printed with the comparison (`PULSE_NOTES`, `margin_rule`):

- Each side is its report's own "all raters" figure for the statement (`ItemResult`): the
  reported units of that round, by that round's threshold. No new pool is formed (say "groups
  shown both times"): a pool over fewer units than the report's could give a withheld unit's
  mean away by subtraction. A side below its threshold has no figure, and then no change.
- Change: now minus then, both at one decimal first (`aggregation.printed_gap`).
- Margin: Welch's 95 % interval for two independent samples. Nobody, the app included, knows
  who rated both times, so the ratings cannot be paired; the people may also differ. It is read
  from each side's distribution, so it exists only where both reports show that (at least the
  detail threshold of raters each time), as the trend's margin does.
- A change is clear when it is larger than its margin (the interval leaves out 0).

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

from .aggregation import ItemResult
from .aggregation import RoundResults
from .aggregation import printed_gap
from .pulse import ChangeDistribution
from .pulse import PulseSurvey

CONFIDENCE = 0.95
CLEARLY_UP = "Clearly up"
CLEARLY_DOWN = "Clearly down"
NO_CLEAR_CHANGE = "No clear change"
MARGIN_UNKNOWN = "Too few ratings to tell whether the change is clear"
NOT_COMPARED = "Too few ratings to compare"

NOBODY_KNOWS_WHO = "Nobody, the app included, knows who rated both times."
RATERS_MAY_DIFFER = (
    "The people who answered the follow-up may not be the same as those who answered the round, "
    "so a change can come from who answered as well as from what you did: read it as a question "
    "to ask, not a verdict."
)
PULSE_NOTES = (NOBODY_KNOWS_WHO, RATERS_MAY_DIFFER)


def margin_rule(detail_threshold: int) -> str:
    return (
        "A change is clear when it is larger than its 95% margin, worked out from how much "
        "raters varied and how many rated each time, as for two separate groups of people. The "
        f"margin needs at least {detail_threshold} ratings each time, as how they varied would "
        "otherwise narrow down their answers."
    )


# --- Student's t and Welch's interval --------------------------------------------------------


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


# --- Comparing the statements ----------------------------------------------------------------


def ratings_of(item: ItemResult) -> list[int]:
    """The ratings a shown distribution lists, as values; empty when it is not shown."""
    if not item.distribution_shown:
        return []
    return [value for value, n in enumerate(item.distribution, start=1) for _ in range(n)]


@dataclass(frozen=True)
class ItemComparison:
    item_id: str
    text: str
    before_mean: float | None
    after_mean: float | None
    before_n: int  # 0 where the mean is withheld, so no withheld count is printed
    after_n: int
    margin: float | None  # at one decimal, like the trend's

    @property
    def change(self) -> float | None:
        return printed_gap(self.after_mean, self.before_mean)

    @property
    def reading(self) -> str:
        change = self.change
        if change is None:
            return NOT_COMPARED
        if self.margin is None:
            return MARGIN_UNKNOWN
        if abs(change) <= self.margin:
            return NO_CLEAR_CHANGE
        return CLEARLY_UP if change > 0 else CLEARLY_DOWN


def compare_item(before: ItemResult, after: ItemResult, text: str = "") -> ItemComparison:
    """One statement in two reports, from figures each report shows."""
    margin = None
    earlier, later = ratings_of(before), ratings_of(after)
    if None not in (before.others_mean, after.others_mean) and len(earlier) > 1 and len(later) > 1:
        margin = round(welch_interval(earlier, later).margin, 1)
    return ItemComparison(
        item_id=before.item_id,
        text=text,
        before_mean=before.others_mean,
        after_mean=after.others_mean,
        before_n=before.others_n if before.others_mean is not None else 0,
        after_n=after.others_n if after.others_mean is not None else 0,
        margin=margin,
    )


@dataclass(frozen=True)
class TargetComparison:
    target_id: str
    heading: str  # the dimension's title
    title: str  # the target's own title: a statement's text or the dimension's title
    items: tuple[ItemComparison, ...]
    change: ChangeDistribution | None  # "Have you noticed a change?", None if not given


@dataclass(frozen=True)
class PulseComparison:
    targets: tuple[TargetComparison, ...]
    notes: tuple[str, ...] = PULSE_NOTES


def compare_pulse(
    original: RoundResults,
    later: RoundResults,
    survey: PulseSurvey,
    changes: Mapping[str, ChangeDistribution] | None = None,
) -> PulseComparison:
    """Every focus statement of `survey` in the original round and in a later one (the pulse's
    `aggregate`, or the next full round's), target by target."""
    if original.scale_max != later.scale_max:
        raise ValueError("A pulse compares statements rated on the same scale only.")
    text_of = {item.id: item.text for item in survey.questionnaire.items}
    before = {item.item_id: item for item in original.items}
    after = {item.item_id: item for item in later.items}
    targets = []
    for target in survey.targets:
        items = tuple(
            compare_item(before[item_id], after[item_id], text_of[item_id])
            for item_id in target.item_ids
            if item_id in before and item_id in after
        )
        targets.append(
            TargetComparison(
                target_id=target.target.id,
                heading=target.heading,
                title=target.target.title,
                items=items,
                change=(changes or {}).get(target.target.id),
            )
        )
    return PulseComparison(tuple(targets))
