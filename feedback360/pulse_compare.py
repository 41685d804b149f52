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

from collections.abc import Mapping
from dataclasses import dataclass

from .aggregation import ItemResult
from .aggregation import RoundResults
from .aggregation import printed_gap
from .pulse import ChangeDistribution
from .pulse import PulseSurvey
from .welch import welch_interval

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
