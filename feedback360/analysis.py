"""Reading a round's figures: agreement, blind spots, extremes, spread, words, platforms, trend.

`aggregation` decides which figures may be shown; this module only reads shown figures, so it
cannot reveal anything the anonymity rules withheld. Every rule below is printed in the report
in plain words (see `rule_texts`), so a reader can check each flag by hand:

- Gap: self minus all raters, both rounded to one decimal first (the figures a reader sees).
  A gap is big when it is more than a third of the scale range (1.4 on a 1–5 scale).
- Self–other agreement (Atwater & Yammarino): over-rater ("Self rates higher") when the gap is
  big and positive, under-rater ("Others rate higher") when big and negative, otherwise in
  agreement: high ("Agreed strength") when all raters' mean is at least half a point above the
  scale's midpoint (3.5 on 1–5), low ("Agreed, room to grow") below it.
- Agreement index: 1 − SD / maximum possible SD, from 0 (raters split between the ends of the
  scale) to 1 (everyone gave the same rating). Below 0.5, raters disagree. It is read from the
  item's distribution, so it exists only where `aggregation` shows that (enough raters).
- Blind spot: a big positive gap on an item where raters agree (index at least 0.5); hidden
  strength: the same with a big negative gap. A big gap where raters disagree is listed apart,
  because one outlier could have made it; so is a big gap on an item with too few raters to
  show their agreement (calling it a blind spot would say they agree).
- Highest and lowest: the five items with the highest and lowest all-raters mean; ties keep
  questionnaire order.
- Recurring words: words and two-word phrases used in at least two different answers in the
  same language, each answer's language read from its own text (`words`, `languages`); whether
  shown answers came in several languages is said, never which or how many.
- Platforms: a platform's figures appear only when at least `threshold` respondents named it
  and either all or at least `threshold` respondents did not, and when `disclosure` finds that
  no combination of every figure shown (items, groups, dimensions, other platforms) singles out
  fewer than `threshold` people; otherwise platforms are withheld, fewest named first.
- Trend: the change in all raters' mean per dimension since an earlier closed round on the same
  questionnaire, with a 95% margin from the spread and the number of respondents each time.

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from . import disclosure
from .aggregation import CellRow
from .aggregation import Comment
from .aggregation import ItemResult
from .aggregation import RoundResults
from .aggregation import printed_gap
from .anonymity import comment_rule
from .languages import several_languages
from .questionnaire import Questionnaire
from .wording import N_
from .wording import _
from .words import IntentComparison
from .words import Term
from .words import compare_intent
from .words import recurring_terms

AGREEMENT_CUTOFF = 0.5
EXTREMES = 5
SUMMARY_SIZE = 3
TREND_Z = 1.96  # 95% margin

OVER = "over"
UNDER = "under"
AGREE_HIGH = "agree-high"
AGREE_LOW = "agree-low"
# Plain names for the four self–other agreement categories of 360 research (over-rater,
# under-rater, in agreement high or low), each with a line that says what it means.
# In English (the msgids): shown through `category_label` / `category_meaning`.
CATEGORY_LABELS = {
    OVER: N_("Self rates higher"),
    UNDER: N_("Others rate higher"),
    AGREE_HIGH: N_("Agreed strength"),
    AGREE_LOW: N_("Agreed, room to grow"),
}
CATEGORY_MEANINGS = {
    OVER: N_("The self-rating is clearly above all raters’ mean: a big gap above zero."),
    UNDER: N_("The self-rating is clearly below all raters’ mean: a big gap below zero."),
    AGREE_HIGH: N_("Self and all raters roughly agree, and all raters rate it high."),
    AGREE_LOW: N_("Self and all raters roughly agree, and all raters rate it lower: room to grow."),
}


def category_label(key: str | None, empty: str = "–") -> str:
    """A category's name in the language being rendered."""
    return _(CATEGORY_LABELS[key]) if key in CATEGORY_LABELS else empty


def category_meaning(key: str) -> str:
    """What a category means, in the language being rendered."""
    return _(CATEGORY_MEANINGS[key])


def one_decimal(value: float) -> str:
    """The default number format of `rule_texts`: the app passes the reader's own."""
    return f"{value:.1f}"


def big_gap(scale_max: int) -> float:
    """The smallest one-decimal gap that is more than a third of the scale range (1.4 on 1–5)."""
    return math.floor((scale_max - 1) / 3 * 10 + 1e-9) / 10 + 0.1


def high_cutoff(scale_max: int) -> float:
    """All-raters means from here up count as high: half a point above the midpoint."""
    return (1 + scale_max) / 2 + 0.5


def is_big(gap: float | None, scale_max: int) -> bool:
    return gap is not None and abs(gap) >= big_gap(scale_max) - 1e-9


def agreement_index(distribution: Sequence[int]) -> float | None:
    """1 − SD / (half the scale range), rounded to two decimals; None for fewer than 2 ratings.

    Half the range is the largest SD a bounded scale allows (half the raters at each end).
    """
    n = sum(distribution)
    if n < 2 or len(distribution) < 2:
        return None
    mean = sum((value + 1) * count for value, count in enumerate(distribution)) / n
    variance = sum(count * (value + 1 - mean) ** 2 for value, count in enumerate(distribution)) / n
    return round(1 - math.sqrt(variance) / ((len(distribution) - 1) / 2), 2)


def agreement_category(
    self_value: float | None, others_mean: float | None, scale_max: int
) -> str | None:
    """One of OVER, UNDER, AGREE_HIGH, AGREE_LOW; None when either figure is missing."""
    gap = printed_gap(self_value, others_mean)
    if gap is None or others_mean is None:
        return None
    if is_big(gap, scale_max):
        return OVER if gap > 0 else UNDER
    return AGREE_HIGH if round(others_mean, 1) >= high_cutoff(scale_max) else AGREE_LOW


@dataclass(frozen=True)
class ItemReading:
    item_id: str
    category: str | None
    agreement: float | None

    @property
    def disagree(self) -> bool:
        return self.agreement is not None and self.agreement < AGREEMENT_CUTOFF


def read_item(item: ItemResult, scale_max: int) -> ItemReading:
    shown = item.others_mean is not None and item.distribution_shown
    return ItemReading(
        item_id=item.item_id,
        category=agreement_category(item.self_value, item.others_mean, scale_max),
        agreement=agreement_index(item.distribution) if shown else None,
    )


def highest(items: Sequence[ItemResult], n: int = EXTREMES) -> list[ItemResult]:
    """The `n` items with the highest all-raters mean; ties keep questionnaire order."""
    rated = [item for item in items if item.others_mean is not None]
    return sorted(rated, key=lambda item: -round(item.others_mean, 1))[:n]


def lowest(items: Sequence[ItemResult], n: int = EXTREMES) -> list[ItemResult]:
    """The `n` lowest, never repeating one of the highest when there are few items."""
    top = {item.item_id for item in highest(items, n)}
    rated = [item for item in items if item.others_mean is not None and item.item_id not in top]
    return sorted(rated, key=lambda item: round(item.others_mean, 1))[:n]


# --- Platforms --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformResult:
    platform_id: str
    respondents: int
    shown: bool
    dimension_means: dict[str, float | None]
    # Why the platform's figures are not shown, in plain words; "" when shown.
    withheld: str = ""
    # How many named it, as printed: exact only when at least `threshold` did and did not.
    named_label: str = ""


def named_count_label(named: int, total: int, threshold: int) -> str:
    """A platform's "named by" count as the report prints it.

    A tick is an answer too: "named by 1" tells a leader who knows the one rater on X that this
    person answered. So a count below the threshold, or one that leaves fewer than the threshold
    who did not name it, is printed as a range, the same words for 0 as for threshold - 1.
    """
    if named < threshold:
        return _("fewer than %(threshold)s", threshold=threshold)
    if 0 < total - named < threshold:
        return _("all but fewer than %(threshold)s", threshold=threshold)
    return str(named)


def platform_results(
    platforms_by_response: Mapping[str, frozenset[str]],
    cells: Iterable[CellRow],
    results: RoundResults,
    questionnaire: Questionnaire,
    platform_ids: Sequence[str],
    dimension_ids: Sequence[str],
) -> list[PlatformResult]:
    """Per platform: how many reported respondents named it, and, when safe, dimension means.

    Only respondents in reported units count. A dimension mean pools the items whose all-raters
    mean is shown and needs `threshold` different respondents, as everywhere else. A platform
    passing those counts is shown only if `disclosure.release_platforms` keeps it: no combination
    with the other figures may single out fewer than `threshold` people.
    """
    vis = results.visibility
    threshold = vis.threshold
    shown_items = {item.item_id for item in results.items if item.others_mean is not None}
    dimension_of = {item.id: item.dimension_id for item in questionnaire.items}
    checked = set(dimension_ids)
    reported: dict[str, str] = {}  # response id -> unit
    answers: dict[str, dict[str, int | None]] = defaultdict(dict)
    values: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    unit_of = {group.id: vis.unit_of(group.id) for group in questionnaire.groups}
    for group, item_id, value, response_ids in cells:
        unit = unit_of.get(group)
        if unit is None:
            continue
        for response_id in response_ids:
            reported[response_id] = unit
        if dimension_of.get(item_id) not in checked:
            continue
        for response_id in response_ids:
            answers[response_id][item_id] = value
        if value is None or item_id not in shown_items:
            continue
        for response_id in response_ids:
            for platform in platforms_by_response.get(response_id, ()):
                values[platform, dimension_of[item_id]].append((response_id, value))
    total = len(reported)
    named = {
        platform: sum(1 for r in reported if platform in platforms_by_response.get(r, ()))
        for platform in platform_ids
    }
    reasons: dict[str, str] = {}
    means: dict[str, dict[str, float | None]] = {}
    for platform in platform_ids:
        rest = total - named[platform]
        if named[platform] < threshold:
            reasons[platform] = _("named by fewer than %(threshold)s", threshold=threshold)
        elif 0 < rest < threshold:
            reasons[platform] = _("fewer than %(threshold)s did not name it", threshold=threshold)
        means[platform] = {}
        for dim in dimension_ids:
            cell = values.get((platform, dim), [])
            enough = platform not in reasons and len({r for r, _ in cell}) >= threshold
            means[platform][dim] = sum(v for _, v in cell) / len(cell) if enough else None
    candidates = [p for p in platform_ids if p not in reasons]
    respondents = [
        disclosure.Respondent(unit, platforms_by_response.get(r, frozenset()), answers[r])
        for r, unit in sorted(reported.items())
    ]
    released = disclosure.release_platforms(
        results,
        respondents,
        candidates,
        {p: [d for d, mean in means[p].items() if mean is not None] for p in candidates},
        named,
    )
    for platform in candidates:
        if platform not in released:
            reasons[platform] = _("could be combined with other figures to single people out")
    return [
        PlatformResult(
            platform,
            named[platform],
            platform not in reasons,
            means[platform] if platform not in reasons else dict.fromkeys(dimension_ids),
            reasons.get(platform, ""),
            named_count_label(named[platform], total, threshold),
        )
        for platform in platform_ids
    ]


# --- Trend ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionChange:
    dimension_id: str
    earlier_mean: float | None
    current_mean: float | None
    earlier_n: int
    current_n: int
    margin: float | None  # 95% margin of the change

    @property
    def change(self) -> float | None:
        return printed_gap(self.current_mean, self.earlier_mean)

    @property
    def clear(self) -> bool:
        """The change is larger than its margin: unlikely to be rater noise alone."""
        return (
            self.change is not None and self.margin is not None and abs(self.change) > self.margin
        )


def trend(current: RoundResults, earlier: RoundResults) -> list[DimensionChange]:
    """Change per dimension since an earlier round on the same questionnaire."""
    if current.questionnaire_version != earlier.questionnaire_version:
        raise ValueError("A trend compares rounds on the same questionnaire only.")
    changes = []
    for now in current.dimensions:
        before = earlier.dimension(now.dimension_id)
        margin = None
        if None not in (now.others_sd, before.others_sd, now.others_mean, before.others_mean):
            margin = round(
                TREND_Z
                * math.sqrt(
                    now.others_sd**2 / now.others_respondents
                    + before.others_sd**2 / before.others_respondents
                ),
                1,
            )
        changes.append(
            DimensionChange(
                dimension_id=now.dimension_id,
                earlier_mean=before.others_mean,
                current_mean=now.others_mean,
                earlier_n=before.others_respondents if before.others_mean is not None else 0,
                current_n=now.others_respondents if now.others_mean is not None else 0,
                margin=margin,
            )
        )
    return changes


# --- The whole reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pointer:
    """An item for the summary page, with the reason it was picked."""

    item_id: str
    reason: str


@dataclass(frozen=True)
class Analysis:
    items: dict[str, ItemReading]
    dimension_categories: dict[str, str | None]
    blind_spots: list[ItemResult]
    hidden_strengths: list[ItemResult]
    unclear_gaps: list[ItemResult]  # big gaps where raters disagree
    highest: list[ItemResult]
    lowest: list[ItemResult]
    disagreements: list[ItemResult]
    strengths: list[Pointer]
    work_on: list[Pointer]
    intent: IntentComparison
    themes: dict[str, list[Term]]
    platforms: list[PlatformResult] = field(default_factory=list)
    trend: list[DimensionChange] | None = None
    # Big gaps on items with too few raters to show whether they agree.
    untold_gaps: list[ItemResult] = field(default_factory=list)
    # Shown comments came in several languages, so words were compared within each. Never
    # which languages or how many answers each: in a small group that names a person.
    several_languages: bool = False


def _by_gap(items: Iterable[ItemResult], sign: int) -> list[ItemResult]:
    return sorted(items, key=lambda item: -sign * item.gap)


def analyse(
    results: RoundResults,
    comments: Mapping[str, Sequence[Comment]],
    why: str,
    intent_key: str | None = "intent",
    platforms: list[PlatformResult] | None = None,
    earlier: RoundResults | None = None,
) -> Analysis:
    """Everything the report says about a round beyond its figures, from shown figures only."""
    scale_max = results.scale_max
    readings = {item.item_id: read_item(item, scale_max) for item in results.items}
    flagged = [item for item in results.items if is_big(item.gap, scale_max)]
    untold = [item for item in flagged if readings[item.item_id].agreement is None]
    agreed = [
        item
        for item in flagged
        if readings[item.item_id].agreement is not None and not readings[item.item_id].disagree
    ]
    blind = _by_gap((i for i in agreed if i.gap > 0), 1)
    hidden = _by_gap((i for i in agreed if i.gap < 0), -1)
    unclear = [item for item in flagged if readings[item.item_id].disagree]
    top, bottom = highest(results.items), lowest(results.items)
    disagreements = sorted(
        (item for item in results.items if readings[item.item_id].disagree),
        key=lambda item: readings[item.item_id].agreement,
    )
    blind_ids = {item.item_id for item in blind}
    strengths = [
        Pointer(
            item.item_id,
            _("among the highest rated, and raters agree")
            if readings[item.item_id].agreement is not None
            else _("among the highest rated (too few ratings to say whether raters agree)"),
        )
        for item in top
        if not readings[item.item_id].disagree and item.item_id not in blind_ids
    ][:SUMMARY_SIZE]
    work_on = [
        Pointer(item.item_id, _("a blind spot: self-rating clearly above others’"))
        for item in blind
    ]
    work_on += [
        Pointer(item.item_id, _("among the lowest rated"))
        for item in bottom
        if item.item_id not in blind_ids
    ]
    intent_answers = [c.text for c in comments.get(intent_key, ())] if intent_key else []
    return Analysis(
        items=readings,
        dimension_categories={
            d.dimension_id: agreement_category(d.self_mean, d.others_mean, scale_max)
            for d in results.dimensions
        },
        blind_spots=blind,
        hidden_strengths=hidden,
        unclear_gaps=unclear,
        highest=top,
        lowest=bottom,
        disagreements=disagreements,
        strengths=strengths,
        work_on=work_on[:SUMMARY_SIZE],
        intent=compare_intent(why, intent_answers),
        themes={
            key: recurring_terms(c.text for c in shown)
            for key, shown in comments.items()
            if key != intent_key
        },
        platforms=platforms or [],
        trend=trend(results, earlier) if earlier is not None else None,
        untold_gaps=untold,
        several_languages=several_languages([c.text for shown in comments.values() for c in shown]),
    )


def rule_texts(
    scale_max: int,
    threshold: int,
    comment_threshold: int,
    number: Callable[[float], str] = one_decimal,
) -> dict[str, str]:
    """The rules above in the words the report prints, in the language being rendered.

    `number` writes a one-decimal figure: the app passes the reader's (3,4 in French); this
    module stays free of Flask."""
    gap = number(big_gap(scale_max))
    high = number(high_cutoff(scale_max))
    cutoff = number(AGREEMENT_CUTOFF)
    return {
        "gap": _(
            "A gap of %(gap)s points or more (over a third of the scale) is a big gap.", gap=gap
        ),
        "categories": _(
            "“%(over)s”: a big gap above zero. “%(under)s”: a big gap below zero. Otherwise "
            "self and raters roughly agree: “%(agree_high)s” when all raters’ mean is %(high)s "
            "or more, “%(agree_low)s” below it.",
            over=category_label(OVER),
            under=category_label(UNDER),
            agree_high=category_label(AGREE_HIGH),
            agree_low=category_label(AGREE_LOW),
            high=high,
        ),
        "agreement": _(
            "Agreement says how alike raters’ answers are: from 0 (raters split between the two "
            "ends of the scale) to 1 (everyone gave the same rating). Below %(cutoff)s, raters "
            "disagree.",
            cutoff=cutoff,
        ),
        "agreement_key": _(
            "Agreement: 1 when everyone gave the same rating, 0 when raters split between the "
            "two ends of the scale; underlined below %(cutoff)s, where they disagree.",
            cutoff=cutoff,
        ),
        "detail": _(
            "How ratings were spread, and the agreement read from it, are shown only for "
            "statements that at least %(threshold)s people rated; with fewer, the mean only, "
            "because counts per answer would list each person’s answer.",
            threshold=comment_threshold,
        ),
        "blind_spot": _(
            "A blind spot is a gap of +%(gap)s or more on a statement where raters agree "
            "(agreement %(cutoff)s or more); a hidden strength is a gap of −%(gap)s or more "
            "where they agree. Where raters disagree, one person could have made the gap, so it "
            "is listed apart; so is a big gap on a statement with too few ratings to say whether "
            "raters agree.",
            gap=gap,
            cutoff=cutoff,
        ),
        "extremes": _(
            "The %(count)s statements with the highest and the lowest mean of all raters; on a "
            "tie, questionnaire order.",
            count=EXTREMES,
        ),
        "words": _("Recurring words are words and two-word phrases used in at least two answers."),
        "languages": _(
            "Answers came in several languages, so words are compared within each language: "
            "a word recurs only where answers in the same language use it."
        ),
        "platforms": _(
            "A platform is shown when at least %(threshold)s respondents named it, either all "
            "or at least %(threshold)s did not, and no sum or difference of the figures in this "
            "report (statements, groups, dimensions and the other platforms) could single out "
            "fewer than %(threshold)s people. Where it could, platforms are left out, those "
            "named by the fewest first, until none can.",
            threshold=threshold,
        ),
        "comments": comment_rule(comment_threshold),
        "untold": _(
            "Fewer than %(threshold)s people rated these, so their agreement is not shown and "
            "the gap cannot be called a blind spot or a hidden strength.",
            threshold=comment_threshold,
        ),
        "trend": _(
            "A change is clear when it is larger than its 95%% margin, worked out from how much "
            "raters varied and how many answered each time. The margin needs at least "
            "%(threshold)s respondents each time, as how they varied would otherwise narrow "
            "down their answers. Raters differ between rounds, so read every change as a "
            "question to ask, not a verdict.",
            threshold=comment_threshold,
        ),
    }
