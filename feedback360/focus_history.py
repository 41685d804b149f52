"""The history of focus targets across a leader's rounds, for the next full round's report.

Each earlier round with a plan contributes its focus targets and every follow-up that compared
them (its pulse, a later full round): `pulse_compare.compare_pulse` results, which hold only
figures those reports show. The history adds no figure of its own; it orders and lines them up:
rounds oldest first, follow-ups oldest first within a round, targets in the plan's order. A
target the leader chose in more than one round is marked, so the report can say they came back
to it.

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .focus import FocusTarget
from .pulse_compare import PulseComparison
from .pulse_compare import TargetComparison


@dataclass(frozen=True)
class FollowUp:
    """One later measurement of a round's focus: a pulse, or the next full round."""

    label: str
    when: date
    comparison: PulseComparison


@dataclass(frozen=True)
class FocusRecord:
    """A round with a plan: its label, when it closed, its targets and their follow-ups."""

    label: str
    when: date
    targets: Sequence[FocusTarget]
    follow_ups: Sequence[FollowUp] = ()


@dataclass(frozen=True)
class HistoryCell:
    label: str  # the follow-up's
    when: date
    comparison: TargetComparison | None  # None: this follow-up did not ask about the target


@dataclass(frozen=True)
class HistoryRow:
    target: FocusTarget
    cells: tuple[HistoryCell, ...]  # one per follow-up of the round, oldest first
    chosen_before: bool  # an earlier round had this target too


@dataclass(frozen=True)
class HistorySection:
    label: str
    when: date
    rows: tuple[HistoryRow, ...]

    @property
    def followed_up(self) -> bool:
        return any(row.cells for row in self.rows)


@dataclass(frozen=True)
class FocusHistory:
    sections: tuple[HistorySection, ...]

    def __bool__(self) -> bool:
        """False when no earlier round had a plan: the report then shows no section."""
        return bool(self.sections)

    def times_chosen(self) -> dict[str, int]:
        """How many rounds chose each target, by target id."""
        return dict(Counter(row.target.id for s in self.sections for row in s.rows))


def focus_history(records: Sequence[FocusRecord]) -> FocusHistory:
    """The rounds' plans and follow-ups, ordered as in the module docstring.

    Rounds without a target are left out; records on the same date keep their given order.
    """
    sections = []
    seen: set[str] = set()
    for record in sorted((r for r in records if r.targets), key=lambda r: r.when):
        follow_ups = sorted(record.follow_ups, key=lambda f: f.when)
        rows = []
        for target in record.targets:
            cells = tuple(
                HistoryCell(
                    follow_up.label,
                    follow_up.when,
                    next(
                        (t for t in follow_up.comparison.targets if t.target_id == target.id),
                        None,
                    ),
                )
                for follow_up in follow_ups
            )
            rows.append(HistoryRow(target, cells, target.id in seen))
        seen.update(target.id for target in record.targets)
        sections.append(HistorySection(record.label, record.when, tuple(rows)))
    return FocusHistory(tuple(sections))
