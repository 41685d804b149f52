"""Which rater groups a report may show, given how many people answered in each.

This is the product's promise to raters, in plain words:

1. Nothing is shown for fewer than `threshold` people, and the threshold is never below 3.
2. A group with at least `threshold` responses is shown on its own.
3. A group with 1 to `threshold - 1` responses is hidden. Hidden groups are merged into one unit,
   "Other groups combined", only when at least two of them have responses and together they reach
   the threshold. Merging a single hidden group would just show it under another name, so a lone
   hidden group is never merged.
4. Hidden groups that are not merged are left out of everything: their scores, their comments, and
   every total. "All others" means the shown groups plus the combined unit only, so nobody can
   subtract the shown groups from a total and work a hidden group out.
5. A group with no responses shows nothing.
6. Once any invitation has gone out, the threshold can go up but never down, so a rater who
   answered under one promise is never shown under a weaker one.

The number of responses per group is shown to the leader: counts are not scores.
Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

from .questionnaire import Group

MIN_THRESHOLD = 3
COMBINED_UNIT_ID = "combined"
COMBINED_UNIT_LABEL = "Other groups combined"


@dataclass(frozen=True)
class ReportedUnit:
    """A set of raters whose answers are reported together: one shown group, or the combined one."""

    id: str
    label: str
    respondents: int
    group_ids: tuple[str, ...]


@dataclass(frozen=True)
class Visibility:
    """What a report may show for a round; every report figure goes through `unit_of`."""

    threshold: int
    counts: dict[str, int]
    units: tuple[ReportedUnit, ...]
    folded_groups: tuple[str, ...]
    hidden_groups: tuple[str, ...]

    def unit_of(self, group_id: str) -> str | None:
        """The unit a group's answers count in, or None when they must not count anywhere."""
        for unit in self.units:
            if group_id in unit.group_ids:
                return unit.id
        return None

    @property
    def reported_respondents(self) -> int:
        """Responses that count in the report (hidden groups excluded)."""
        return sum(unit.respondents for unit in self.units)


def validate_threshold(value: int) -> None:
    """Refuse thresholds that would let a reader pick out one or two people."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"The anonymity threshold must be a whole number, not {value!r}.")
    if value < MIN_THRESHOLD:
        raise ValueError(
            f"The anonymity threshold must be at least {MIN_THRESHOLD}; "
            f"{value} would let answers be traced to individuals."
        )


def can_change_threshold(current: int, new: int, invitations_sent: bool) -> str | None:
    """Return why the change is refused, or None: raters answered under the current promise."""
    try:
        validate_threshold(new)
    except ValueError as error:
        return str(error)
    if invitations_sent and new < current:
        return (
            f"Invitations have gone out with an anonymity threshold of {current}; "
            "it can be raised but not lowered."
        )
    return None


def visibility(
    group_counts: Mapping[str, int], threshold: int, groups: Sequence[Group]
) -> Visibility:
    """Apply the rules in the module docstring to the response count of every group.

    Group ids in `group_counts` that are not among `groups` are reported nowhere.
    """
    validate_threshold(threshold)
    if any(group.id == COMBINED_UNIT_ID for group in groups):
        raise ValueError(f"A group id may not be {COMBINED_UNIT_ID!r}: the combined unit uses it.")
    counts = {group.id: group_counts.get(group.id, 0) for group in groups}
    for group_id, count in counts.items():
        if count < 0:
            raise ValueError(f"Negative response count {count} for group {group_id!r}.")
    units = [
        ReportedUnit(id=g.id, label=g.plural, respondents=counts[g.id], group_ids=(g.id,))
        for g in groups
        if counts[g.id] >= threshold
    ]
    small = tuple(g.id for g in groups if 0 < counts[g.id] < threshold)
    small_total = sum(counts[g] for g in small)
    if len(small) >= 2 and small_total >= threshold:
        units.append(
            ReportedUnit(
                id=COMBINED_UNIT_ID,
                label=COMBINED_UNIT_LABEL,
                respondents=small_total,
                group_ids=small,
            )
        )
        folded, hidden = small, ()
    else:
        folded, hidden = (), small
    return Visibility(
        threshold=threshold,
        counts=counts,
        units=tuple(units),
        folded_groups=folded,
        hidden_groups=hidden,
    )
