"""Focus suggestions from the report's reading, and the plan's checks, on hand-made rounds."""

from __future__ import annotations

import dataclasses

from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.analysis import OVER
from feedback360.analysis import analyse
from feedback360.focus import ACTION_MAX
from feedback360.focus import ANY_PLATFORM
from feedback360.focus import BLIND_SPOT_REASON
from feedback360.focus import DIMENSION
from feedback360.focus import ITEM
from feedback360.focus import LOWEST_REASON
from feedback360.focus import MEASURE_MAX
from feedback360.focus import OVER_RATED_DIMENSION_REASON
from feedback360.focus import EntryInput
from feedback360.focus import FocusEntry
from feedback360.focus import check_plan
from feedback360.focus import platform_choices
from feedback360.focus import platform_label
from feedback360.focus import resolve_target
from feedback360.focus import suggest_focus
from feedback360.questionnaire import Platform
from tests import handmade

Q = dataclasses.replace(
    handmade.questionnaire(
        (
            handmade.dimension("listen", ("l1", "l2", "l3", "l4"), "Listens {}"),
            handmade.dimension("share", ("s1", "s2", "s3", "s4"), "Shares {}"),
            handmade.dimension("learn", ("n1", "n2", "n3", "n4"), "Learns {}"),
        ),
        handmade.groups("peer"),
    ),
    platforms=(Platform("linkedin", "LinkedIn"), Platform("x", "X")),
)

# Five peers. Everyone gives the same rating on listen and share (agreement 1.0); on learn they
# split 1,1,1,5,5 (mean 2.6, agreement 0.02: raters disagree).
SAME = {"l1": 3, "l2": 4, "l3": 4, "l4": 5, "s1": 2, "s2": 2, "s3": 1, "s4": 5}
SPLIT = (1, 1, 1, 5, 5)
# l1: self 5 v 3 and s1: self 4 v 2, gaps +2.0 where raters agree: blind spots. learn: self 5
# everywhere v 2.6, gaps +2.4 where raters disagree: no blind spot, but the dimension's gap
# (5.0 - 2.6) makes the leader an over-rater there. listen: 5.0 v 4.0, no big gap.
SELF = {"l1": 5, "l2": 5, "s1": 4, "s2": 2, "s3": 1, "n1": 5, "n2": 5, "n3": 5, "n4": 5}


def _analysis():
    rows = [
        RatingRow(f"p{n}", "peer", item, value) for item, value in SAME.items() for n in range(5)
    ]
    rows += [
        RatingRow(f"p{n}", "peer", item, value)
        for item in ("n1", "n2", "n3", "n4")
        for n, value in enumerate(SPLIT)
    ]
    return analyse(aggregate(Q, rows, SELF, {"peer": 5}, 3), {}, "")


def test_the_hand_made_reading():
    analysis = _analysis()
    assert [i.item_id for i in analysis.blind_spots] == ["l1", "s1"]
    assert analysis.dimension_categories["learn"] == OVER
    assert analysis.dimension_categories["listen"] != OVER
    # Highest: l4, s4 (5), l2, l3 (4), l1 (3). Lowest of the rest: s3 (1), s1, s2 (2), n1, n2.
    assert [i.item_id for i in analysis.lowest] == ["s3", "s1", "s2", "n1", "n2"]


def test_suggestions_blind_spots_then_over_rated_dimensions_then_lowest_each_once():
    suggestions = suggest_focus(_analysis(), Q)
    assert [(s.target.id, s.reason) for s in suggestions] == [
        ("l1", BLIND_SPOT_REASON),
        ("s1", BLIND_SPOT_REASON),
        ("learn", OVER_RATED_DIMENSION_REASON),
        ("s3", LOWEST_REASON),
        ("s2", LOWEST_REASON),  # s1 is lowest too, but already suggested
    ]
    assert suggestions[0].target.kind == ITEM and suggestions[0].target.title == "Listens l1"
    assert suggestions[2].target.kind == DIMENSION and suggestions[2].target.title == "Learn"
    longer = suggest_focus(_analysis(), Q, limit=10)
    assert [s.target.id for s in longer] == ["l1", "s1", "learn", "s3", "s2", "n1", "n2"]
    assert suggest_focus(_analysis(), Q, limit=0) == []
    assert suggest_focus(_analysis(), Q) == suggestions  # stable


def test_resolve_target():
    assert resolve_target(Q, "learn").item_ids == ("n1", "n2", "n3", "n4")
    item = resolve_target(Q, "s2")
    assert (item.kind, item.dimension_id, item.item_ids) == (ITEM, "share", ("s2",))
    assert resolve_target(Q, "nothing") is None


def test_a_valid_plan_is_cleaned_and_skips_empty_slots():
    check = check_plan(
        [
            EntryInput("l1", "  Reply to every question within a day. ", "linkedin", "Replies."),
            EntryInput("", "", ANY_PLATFORM, ""),  # an unused slot
            EntryInput("share", "Share two posts by others a week.", ANY_PLATFORM, "Count."),
        ],
        Q,
    )
    assert check.ok
    assert check.entries == (
        FocusEntry("l1", "Reply to every question within a day.", "linkedin", "Replies."),
        FocusEntry("share", "Share two posts by others a week.", ANY_PLATFORM, "Count."),
    )
    assert platform_label(Q, "linkedin") == "LinkedIn"
    assert platform_label(Q, ANY_PLATFORM) == "Any platform"
    assert platform_choices(Q)[0] == (ANY_PLATFORM, "Any platform")


def test_a_plan_needs_one_to_three_entries():
    empty = check_plan([EntryInput()] * 3, Q)
    assert not empty.ok and empty.entries == ()
    assert empty.errors_for(None) == ["Choose at least one thing to focus on."]
    entry = ("do it", ANY_PLATFORM, "see it")
    four = check_plan([EntryInput(t, *entry) for t in ("l1", "l2", "s1", "s2")], Q)
    (message,) = four.errors_for(None)
    assert "at most 3" in message and "You have 4" in message


def test_each_field_says_what_is_wrong():
    check = check_plan(
        [
            EntryInput("", "do it", ANY_PLATFORM, "see it"),
            EntryInput("nothing", "", "myspace", ""),
            EntryInput("s1", "x" * (ACTION_MAX + 1), "x", "y" * (MEASURE_MAX + 1)),
        ],
        Q,
    )
    assert not check.ok and check.entries == ()
    assert check.errors_for(0, "target") == ["Choose a statement or an area to focus on."]
    assert check.errors_for(1, "target") == ["This is not a statement or area of this round."]
    assert check.errors_for(1, "action") == ["Say what you will do."]
    assert check.errors_for(1, "platform") == [
        "Choose a platform from the list, or “Any platform”."
    ]
    assert check.errors_for(1, "measure") == ["Say how you will know it worked."]
    assert check.errors_for(2, "action") == [
        f"Please keep this to {ACTION_MAX} characters; it has {ACTION_MAX + 1}."
    ]
    assert check.errors_for(2, "measure") == [
        f"Please keep this to {MEASURE_MAX} characters; it has {MEASURE_MAX + 1}."
    ]
    assert check.errors_for(2, "target") == [] and check.errors_for(2, "platform") == []


def test_the_same_target_twice_or_a_statement_inside_a_chosen_area_is_refused():
    entry = ("do it", ANY_PLATFORM, "see it")
    twice = check_plan([EntryInput("l1", *entry), EntryInput("l1", *entry)], Q)
    assert twice.errors_for(1, "target") == ["You chose this one twice: keep it once."]
    inside = check_plan([EntryInput("learn", *entry), EntryInput("n2", *entry)], Q)
    (message,) = inside.errors_for(1, "target")
    assert "“Learn”" in message and "keep one" in message
    around = check_plan([EntryInput("n2", *entry), EntryInput("learn", *entry)], Q)
    assert "“Learn”" in around.errors_for(1, "target")[0]
