"""Turning a round's raw answers into the figures a report may show.

Input is grouped rows, never ORM objects or a row per rating: the report's query groups a
round's ratings per group, item and answer in the database and lists the responses behind each
(`CellRow`), so 10,000 responses arrive as a few hundred rows. `aggregate` takes one row per
rating instead, for plain data and tests; both give the same results.

Anonymity rules, on top of those in `anonymity` (which decides the reported units):

- Only reported units count. A hidden group is left out of every figure, "all others" included,
  so subtracting shown groups from a total reveals nothing about it.
- A mean is shown only when it pools at least `threshold` ratings from different people. For an
  item that means `threshold` numeric ratings ("not observed" does not count); for a dimension,
  `threshold` different respondents.
- No withheld figure can be worked out by subtraction. On each item, if the units whose mean is
  withheld hold between 1 and `threshold - 1` ratings between them, the smallest shown units are
  withheld too until the withheld ratings reach `threshold` (or every unit is withheld).
  Otherwise "all others" minus the shown units would give one or two people's ratings.
- Dimension means pool only ratings whose item-level figure is shown (the unit's item means for a
  unit, the "all others" item means for all others). A dimension mean that also held withheld
  ratings would give them away once the shown item means are subtracted from it.
- An item's distribution (how many chose each scale point), and everything read from it (the
  spread strip, the agreement index), is shown only when at least `detail_threshold` people
  rated the item (the comment threshold, never below `threshold`); otherwise it is all zeros and
  `distribution_shown` is False. With three raters answering 1, 3 and 5 the counts
  [1, 0, 1, 0, 1] are every answer: a mean pools, a distribution lists. The same holds for a
  dimension's spread of respondents (`others_sd`, which the trend's margin uses).

Comments come from reported units only, without any group or respondent label, most specific
first (`specificity`, read in each comment's own language) and otherwise in the order of their
random ids, so the order says nothing about who wrote them or when. Pure module: no Flask or
SQLAlchemy import.
"""

from __future__ import annotations

import math
from collections import Counter
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .anonymity import NO_POOLS
from .anonymity import LivePools
from .anonymity import Visibility
from .anonymity import visibility as compute_visibility
from .questionnaire import Questionnaire
from .specificity import lacks_context as lacks_context  # re-exported for older imports
from .specificity import specificity


class RatingRow(NamedTuple):
    """One rating: a row per respondent and item."""

    response_id: str
    group: str
    item_id: str
    value: int | None


class CellRow(NamedTuple):
    """Everyone in one group who gave one item one answer (None: "not observed").

    The report's query returns these, grouped in the database: a few hundred rows for a round
    of any size, rather than a row per rating.
    """

    group: str
    item_id: str
    value: int | None
    response_ids: Sequence[str]


def cell_rows(ratings: Iterable[RatingRow]) -> list[CellRow]:
    """Group ratings as the report's query does; for plain data and tests."""
    grouped: dict[tuple[str, str, int | None], list[str]] = defaultdict(list)
    for response_id, group, item_id, value in ratings:
        grouped[group, item_id, value].append(response_id)
    return [CellRow(*key, ids) for key, ids in grouped.items()]


@dataclass(frozen=True)
class CommentRow:
    comment_id: str
    group: str
    key: str
    text: str


def printed_gap(self_value: float | None, others: float | None) -> float | None:
    """The gap between the one-decimal figures a reader sees, so printed numbers add up."""
    if self_value is None or others is None:
        return None
    return round(round(self_value, 1) - round(others, 1), 1)


@dataclass(frozen=True)
class ItemResult:
    """One item as the report may show it; withheld figures are None or zeros."""

    item_id: str
    dimension_id: str
    self_value: int | None
    others_mean: float | None
    others_n: int
    not_observed: int
    distribution: tuple[int, ...]  # all zeros unless `distribution_shown`
    unit_means: dict[str, float | None]
    # Counts per scale point and what is read from them (spread, agreement) may be shown: at
    # least `detail_threshold` raters. Otherwise the mean only.
    distribution_shown: bool = False

    @property
    def gap(self) -> float | None:
        """Self minus others: positive when the leader rates themself higher than others do."""
        return printed_gap(self.self_value, self.others_mean)


@dataclass(frozen=True)
class DimensionResult:
    """One dimension, pooling only ratings whose item-level figures are shown."""

    dimension_id: str
    self_mean: float | None
    others_mean: float | None
    others_respondents: int
    unit_means: dict[str, float | None]
    # Spread of the respondents' own dimension means (population SD); None when the mean is,
    # and below `detail_threshold` respondents (with the mean it narrows down their answers).
    others_sd: float | None = None

    @property
    def gap(self) -> float | None:
        """Self minus others, as for items."""
        return printed_gap(self.self_mean, self.others_mean)


@dataclass(frozen=True)
class RoundResults:
    questionnaire_version: str
    scale_max: int
    visibility: Visibility
    total_responses: int
    dimensions: tuple[DimensionResult, ...]
    items: tuple[ItemResult, ...]

    def dimension(self, dimension_id: str) -> DimensionResult:
        for result in self.dimensions:
            if result.dimension_id == dimension_id:
                return result
        raise KeyError(dimension_id)

    def items_of(self, dimension_id: str) -> tuple[ItemResult, ...]:
        return tuple(item for item in self.items if item.dimension_id == dimension_id)


# (item id, unit id or None for a hidden group) -> answer (None: "not observed") -> the ids of
# the responses that gave it. Lists of ids per answer let the rest count in C: lengths give
# tallies, set.update gives respondents, Counter.update gives per-respondent sums.
_Cells = dict[tuple[str, str | None], dict[int | None, list[str]]]
_NO_CELL: dict[int | None, list[str]] = {}


def aggregate(
    questionnaire: Questionnaire,
    ratings: Iterable[RatingRow],
    self_ratings: Mapping[str, int | None],
    group_counts: Mapping[str, int],
    threshold: int,
    detail_threshold: int | None = None,
    pools: LivePools = NO_POOLS,
) -> RoundResults:
    """`aggregate_cells` on one row per rating."""
    return aggregate_cells(
        questionnaire,
        cell_rows(ratings),
        self_ratings,
        group_counts,
        threshold,
        detail_threshold,
        pools,
    )


DEFAULT_DETAIL_THRESHOLD = 5  # the default comment threshold (REPORT_COMMENT_THRESHOLD)


def effective_detail_threshold(threshold: int, detail_threshold: int | None) -> int:
    """Raters an item needs before its distribution shows: never below `threshold`."""
    wanted = DEFAULT_DETAIL_THRESHOLD if detail_threshold is None else detail_threshold
    return max(threshold, wanted)


def aggregate_cells(
    questionnaire: Questionnaire,
    cell_rows: Iterable[CellRow],
    self_ratings: Mapping[str, int | None],
    group_counts: Mapping[str, int],
    threshold: int,
    detail_threshold: int | None = None,
    pools: LivePools = NO_POOLS,
) -> RoundResults:
    """Compute every figure of a round's report; the result does not depend on row order.

    `detail_threshold` (the comment threshold; None: `DEFAULT_DETAIL_THRESHOLD`) is how many
    raters an item needs for its distribution, and a dimension for its spread. `pools`: how
    the leader's page counted the groups while the round was open (`anonymity.LivePools`).
    """
    vis = compute_visibility(group_counts, threshold, questionnaire.groups, pools)
    detail = effective_detail_threshold(threshold, detail_threshold)
    scale_max = questionnaire.scale_max
    unit_ids = tuple(unit.id for unit in vis.units)
    unit_by_group = {group.id: vis.unit_of(group.id) for group in questionnaire.groups}
    cells: _Cells = defaultdict(lambda: defaultdict(list))
    for group, item_id, value, response_ids in cell_rows:
        cells[item_id, unit_by_group.get(group)][value].extend(response_ids)
    _check_cells(questionnaire, cells, scale_max)

    items = tuple(
        _item_result(
            item.id,
            item.dimension_id,
            _self_value(self_ratings, item.id, scale_max),
            cells,
            unit_ids,
            threshold,
            detail,
            scale_max,
        )
        for item in questionnaire.items
    )
    by_item = {result.item_id: result for result in items}
    dimensions = tuple(
        _dimension_result(
            dim.id,
            [by_item[item.id] for item in dim.items],
            self_ratings,
            cells,
            unit_ids,
            threshold,
            detail,
        )
        for dim in questionnaire.dimensions
    )
    return RoundResults(
        questionnaire_version=questionnaire.version,
        scale_max=scale_max,
        visibility=vis,
        total_responses=sum(vis.counts.values()),
        dimensions=dimensions,
        items=items,
    )


def _check_cells(questionnaire: Questionnaire, cells: _Cells, scale_max: int) -> None:
    """Refuse answers outside the scale and a response rating one item twice."""
    rated_by: dict[str, list[str]] = defaultdict(list)
    known_items = {item.id for item in questionnaire.items}
    for (item_id, _), answers in cells.items():
        if item_id not in known_items:
            continue
        for value, response_ids in answers.items():
            if value is not None:
                _check_value(value, scale_max, item_id)
            rated_by[item_id].extend(response_ids)
    for item_id, response_ids in rated_by.items():
        if len(set(response_ids)) != len(response_ids):
            raise ValueError(f"One response rates item {item_id} twice.")


def _check_value(value: int, scale_max: int, item_id: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= scale_max:
        raise ValueError(f"Rating {value!r} on item {item_id} is outside 1..{scale_max}.")


def _mean(tally: Mapping[int, int]) -> float:
    """Integer sums first, so the result is exactly the same whatever the order of the rows."""
    return sum(value * n for value, n in tally.items()) / sum(tally.values())


def _numeric_answers(
    keys: Iterable[tuple[str, str]], cells: _Cells
) -> Iterator[tuple[int, list[str]]]:
    """(answer, response ids) over these cells, leaving out "not observed"."""
    for key in keys:
        for value, response_ids in cells.get(key, _NO_CELL).items():
            if value is not None:
                yield value, response_ids


def _tally(keys: Iterable[tuple[str, str]], cells: _Cells) -> Counter[int]:
    """How many gave each numeric answer over these cells."""
    tally: Counter[int] = Counter()
    for value, response_ids in _numeric_answers(keys, cells):
        tally[value] += len(response_ids)
    return tally


def _respondents(keys: Iterable[tuple[str, str]], cells: _Cells) -> set[str]:
    """Who gave a numeric answer in these cells."""
    respondents: set[str] = set()
    for _, response_ids in _numeric_answers(keys, cells):
        respondents.update(response_ids)
    return respondents


def _respondent_sd(keys: Iterable[tuple[str, str]], cells: _Cells) -> float:
    """Population SD of each respondent's own mean over the pooled cells."""
    totals: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for value, response_ids in _numeric_answers(keys, cells):
        counts.update(response_ids)
        for _ in range(value):  # adds `value` to each of them, counting in C
            totals.update(response_ids)
    # fsum is exactly rounded, so the result does not depend on the order of the respondents.
    means = [totals[r] / n for r, n in counts.items()]
    centre = math.fsum(means) / len(means)
    return math.sqrt(math.fsum([(m - centre) ** 2 for m in means]) / len(means))


def _shown_units(counts: dict[str, int], threshold: int) -> set[str]:
    """Units whose mean may be shown, after withholding enough that no small cell can be derived."""
    order = list(counts)
    shown = [unit for unit in order if counts[unit] >= threshold]
    withheld = sum(n for unit, n in counts.items() if unit not in shown)
    while 0 < withheld < threshold and shown:
        # Sacrifice the smallest shown unit; on a tie the later one (the combined unit is last).
        smallest = min(shown, key=lambda unit: (counts[unit], -order.index(unit)))
        shown.remove(smallest)
        withheld += counts[smallest]
    return set(shown)


def _self_value(self_ratings: Mapping[str, int | None], item_id: str, scale_max: int) -> int | None:
    value = self_ratings.get(item_id)
    if value is not None:
        _check_value(value, scale_max, item_id)
    return value


def _item_result(
    item_id: str,
    dimension_id: str,
    self_value: int | None,
    cells: _Cells,
    unit_ids: tuple[str, ...],
    threshold: int,
    detail_threshold: int,
    scale_max: int,
) -> ItemResult:
    unit_tallies = {unit: _tally([(item_id, unit)], cells) for unit in unit_ids}
    counts = {unit: tally.total() for unit, tally in unit_tallies.items()}
    shown = _shown_units(counts, threshold)
    tally = sum(unit_tallies.values(), Counter())
    enough = tally.total() >= threshold
    detailed = enough and tally.total() >= detail_threshold
    return ItemResult(
        item_id=item_id,
        dimension_id=dimension_id,
        self_value=self_value,
        others_mean=_mean(tally) if enough else None,
        others_n=tally.total(),
        not_observed=sum(len(cells.get((item_id, u), _NO_CELL).get(None, ())) for u in unit_ids),
        distribution=tuple(tally[v] if detailed else 0 for v in range(1, scale_max + 1)),
        unit_means={
            unit: _mean(unit_tallies[unit]) if unit in shown else None for unit in unit_ids
        },
        distribution_shown=detailed,
    )


def _dimension_result(
    dimension_id: str,
    items: Sequence[ItemResult],
    self_ratings: Mapping[str, int | None],
    cells: _Cells,
    unit_ids: tuple[str, ...],
    threshold: int,
    detail_threshold: int,
) -> DimensionResult:
    """Pool only cells whose item-level figure is shown, so no withheld cell can be derived."""
    own = [v for v in (self_ratings.get(item.item_id) for item in items) if v is not None]
    shown = [i.item_id for i in items if i.others_mean is not None]
    shown_keys = [(item_id, unit) for item_id in shown for unit in unit_ids]
    # Units are disjoint (a response has one group), so the pool's respondents are the sum of
    # each unit's, and a unit whose item means are all shown pools exactly those.
    by_unit = {unit: _respondents([(i, unit) for i in shown], cells) for unit in unit_ids}
    respondents = sum(len(ids) for ids in by_unit.values())
    enough = respondents >= threshold
    unit_means: dict[str, float | None] = {}
    for unit in unit_ids:
        unit_keys = [(i.item_id, unit) for i in items if i.unit_means[unit] is not None]
        unit_respondents = by_unit[unit]
        if len(unit_keys) < len(shown):  # fewer: a unit mean is shown only where the pool's is
            unit_respondents = _respondents(unit_keys, cells)
        unit_means[unit] = (
            _mean(_tally(unit_keys, cells)) if len(unit_respondents) >= threshold else None
        )
    return DimensionResult(
        dimension_id=dimension_id,
        self_mean=sum(own) / len(own) if own else None,
        others_mean=_mean(_tally(shown_keys, cells)) if enough else None,
        others_respondents=respondents,
        unit_means=unit_means,
        others_sd=(
            _respondent_sd(shown_keys, cells)
            if enough and respondents >= detail_threshold
            else None
        ),
    )


# --- Comments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    key: str
    text: str
    specificity: int


def select_comments(
    rows: Iterable[CommentRow],
    visibility: Visibility,
    keys: Sequence[str],
    limit_per_key: int | None = None,
    comment_threshold: int = 0,
) -> tuple[dict[str, list[Comment]], dict[str, int]]:
    """Comments to show per key, and how many were cut by `limit_per_key` per key.

    Comments count only from reported units with at least `comment_threshold` respondents (a
    stricter rule than for scores: words can be recognised). Comments that do not count are
    dropped before anything is counted, so the left-out numbers never reveal that a hidden group
    wrote something. Rows with a key outside `keys` are ignored.
    """
    if limit_per_key is not None and limit_per_key < 0:
        raise ValueError("limit_per_key must not be negative.")
    speaking = {
        group
        for unit in visibility.units
        if unit.respondents >= comment_threshold
        for group in unit.group_ids
    }
    ranked: dict[str, list[tuple[int, str, Comment]]] = {key: [] for key in keys}
    for row in rows:
        if row.key not in ranked or row.group not in speaking:
            continue
        text = row.text.strip()
        if not text:
            continue
        score = specificity(text)
        ranked[row.key].append((-score, str(row.comment_id), Comment(row.key, text, score)))
    ordered = {}
    for key, entries in ranked.items():
        entries.sort(key=lambda entry: entry[:2])
        ordered[key] = [comment for _, _, comment in entries]
    return limit_comments(ordered, limit_per_key)


def limit_comments(
    comments: Mapping[str, list[Comment]], limit_per_key: int | None
) -> tuple[dict[str, list[Comment]], dict[str, int]]:
    """The first `limit_per_key` comments per key (all when None), and how many were cut."""
    if limit_per_key is not None and limit_per_key < 0:
        raise ValueError("limit_per_key must not be negative.")
    shown = {
        key: list(c if limit_per_key is None else c[:limit_per_key]) for key, c in comments.items()
    }
    return shown, {key: len(comments[key]) - len(shown[key]) for key in comments}
