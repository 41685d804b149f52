"""The history of focus targets across rounds, lined up for the next full round's report."""

from __future__ import annotations

from datetime import date

from feedback360.focus import resolve_target
from feedback360.focus_history import FocusRecord
from feedback360.focus_history import FollowUp
from feedback360.focus_history import focus_history
from feedback360.pulse_compare import CLEARLY_UP
from feedback360.pulse_compare import ItemComparison
from feedback360.pulse_compare import PulseComparison
from feedback360.pulse_compare import TargetComparison
from tests import handmade

Q = handmade.questionnaire(
    (handmade.dimension("listen", ("a", "b")), handmade.dimension("share", ("c", "d"))),
    handmade.groups("peer"),
)


def _compared(target_id: str, before: float, after: float) -> TargetComparison:
    target = resolve_target(Q, target_id)
    items = tuple(ItemComparison(i, i, before, after, 5, 6, 0.5) for i in target.item_ids)
    return TargetComparison(target_id, "Listen", target.title, items, None)


SPRING = FocusRecord(
    "Spring round",
    date(2026, 3, 1),
    (resolve_target(Q, "a"), resolve_target(Q, "share")),
    (
        # Given newest first: the history puts them oldest first.
        FollowUp(
            "Autumn round",
            date(2026, 9, 1),
            PulseComparison((_compared("a", 3.0, 4.1),)),
        ),
        FollowUp(
            "Pulse, May",
            date(2026, 5, 10),
            PulseComparison((_compared("a", 3.0, 3.8), _compared("share", 2.0, 2.2))),
        ),
    ),
)
AUTUMN = FocusRecord("Autumn round", date(2026, 9, 1), (resolve_target(Q, "a"),))
EMPTY = FocusRecord("Winter round", date(2025, 12, 1), ())


def test_no_plan_no_history():
    assert not focus_history([])
    assert not focus_history([EMPTY])


def test_rounds_and_follow_ups_oldest_first_targets_in_plan_order():
    history = focus_history([AUTUMN, SPRING, EMPTY])
    assert history
    spring, autumn = history.sections
    assert (spring.label, autumn.label) == ("Spring round", "Autumn round")
    a_row, share_row = spring.rows
    assert [cell.label for cell in a_row.cells] == ["Pulse, May", "Autumn round"]
    assert [cell.comparison.items[0].after_mean for cell in a_row.cells] == [3.8, 4.1]
    assert a_row.cells[1].comparison.items[0].reading == CLEARLY_UP  # 1.1 > 0.5
    # The autumn round compared only "a": "share" has an empty cell there.
    assert share_row.cells[0].comparison.items[1].item_id == "d"
    assert share_row.cells[1].comparison is None
    assert spring.followed_up and not autumn.followed_up
    (again,) = autumn.rows
    assert again.target.id == "a" and again.chosen_before and not a_row.chosen_before
    assert history.times_chosen() == {"a": 2, "share": 1}
