"""The word back to raters: a draft from the report's summary and the plan, never from comments."""

from __future__ import annotations

import dataclasses

from feedback360.aggregation import Comment
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.analysis import analyse
from feedback360.focus import ANY_PLATFORM
from feedback360.focus import FocusEntry
from feedback360.questionnaire import Dimension
from feedback360.questionnaire import Item
from feedback360.questionnaire import Platform
from feedback360.word_back import WORD_BACK_MAX
from feedback360.word_back import check_word_back
from feedback360.word_back import draft_word_back
from feedback360.word_back import what_i_heard
from tests import handmade

TITLES = {
    "listen": "Listening",
    "share": "Sharing",
    "learn": "Learning in public",
    "voice": "Own voice",
}


def _dimension(dim_id: str) -> Dimension:
    items = tuple(
        Item(f"{dim_id}{n}", dim_id, f"They {dim_id} ({n}).", f"I {dim_id} well ({n}).")
        for n in (1, 2)
    )
    return Dimension(dim_id, TITLES[dim_id], "", "", "", items)


Q = dataclasses.replace(
    handmade.questionnaire(tuple(_dimension(d) for d in TITLES), handmade.groups("peer")),
    platforms=(Platform("linkedin", "LinkedIn"),),
)
# Five peers, all giving the same rating (raters agree). Highest: listen1, listen2, learn1 (5),
# learn2, voice1 (4). Lowest of the rest: share1 (1), share2 (2), voice2 (3). The leader rates
# share1 5: a blind spot. Summary: strengths listen1, listen2, learn1; work on share1 (blind
# spot), share2, voice2 (lowest).
OTHERS = {
    "listen1": 5,
    "listen2": 5,
    "learn1": 5,
    "learn2": 4,
    "voice1": 4,
    "share1": 1,
    "share2": 2,
    "voice2": 3,
}
PLAN = (
    FocusEntry("share1", "Share two posts by others each week.", "linkedin", "Count them."),
    FocusEntry("voice", "Write my own posts, not the comms team.", ANY_PLATFORM, "Ask Sam."),
)


def _analysis(comments=None, why=""):
    rows = [RatingRow(f"p{n}", "peer", item, v) for item, v in OTHERS.items() for n in range(5)]
    results = aggregate(Q, rows, {"share1": 5}, {"peer": 5}, 3)
    return analyse(results, comments or {}, why)


def test_what_i_heard_names_dimension_titles_from_the_summary():
    analysis = _analysis()
    assert [p.item_id for p in analysis.strengths] == ["listen1", "listen2", "learn1"]
    assert [p.item_id for p in analysis.work_on] == ["share1", "share2", "voice2"]
    assert what_i_heard(analysis, Q) == (
        "What I heard: you see me at my strongest in “Listening” and “Learning in public”. "
        "I have most room to grow in “Sharing” and “Own voice”."
    )


def test_the_draft_in_the_leaders_voice():
    draft = draft_word_back(Q, _analysis(), PLAN, pulse_planned=True)
    assert draft == (
        "Thank you for your feedback on how I show up online.\n\n"
        "What I heard: you see me at my strongest in “Listening” and “Learning in public”. "
        "I have most room to grow in “Sharing” and “Own voice”.\n\n"
        "What I will do:\n"
        "- “I share well (1)”, on LinkedIn: Share two posts by others each week.\n"
        "- “Own voice”: Write my own posts, not the comms team.\n\n"
        "In a few weeks I will send a short follow-up, under two minutes, to ask whether you "
        "have noticed a change.\n\n"
        "Thank you again for taking the time."
    )
    assert "Count them" not in draft and "Ask Sam" not in draft  # the measure is the leader's


def test_no_summary_and_no_plan_leave_their_paragraphs_out():
    analysis = dataclasses.replace(_analysis(), strengths=[], work_on=[])
    draft = draft_word_back(Q, analysis, ())
    assert draft == (
        "Thank you for your feedback on how I show up online.\n\n"
        "Thank you again for taking the time."
    )


def test_no_comment_ever_reaches_the_draft():
    comments = {
        "share": [
            Comment("share", "I loved the thread on hiring last week", 3),
            Comment("share", "Sharing", 0),  # equal to a dimension title
            Comment("share", "Listen", 0),  # a substring of one
            Comment("share", "my strongest", 0),  # words of the draft itself
            Comment("share", "Sharing hiring news was useful", 1),
        ],
        "listen": [Comment("listen", "Sharing posts by others helped me", 2)],
        "intent": [
            Comment("intent", "Wants to hire engineers in Berlin", 0),
            Comment("intent", "Hire engineers for Berlin", 0),
        ],
    }
    with_comments = _analysis(comments, why="To hire engineers in Berlin")
    assert with_comments.themes["share"]  # the comments did reach the analysis
    assert with_comments.intent.perceived
    draft = draft_word_back(Q, with_comments, PLAN, pulse_planned=True)
    assert draft == draft_word_back(Q, _analysis(), PLAN, pulse_planned=True)
    for text in ("loved", "hiring", "Berlin", "engineers", "helped me", "Sharing posts"):
        assert text not in draft
    # "Sharing" appears once, as the dimension's title; no comment added another.
    assert draft.count("Sharing") == 1


def test_check_word_back():
    assert check_word_back("  Thank you.\r\n ") == ("Thank you.", [])
    assert check_word_back("   ") == ("", ["Write a message before sending it."])
    long = "x" * (WORD_BACK_MAX + 1)
    assert check_word_back(long)[1] == [
        f"Please keep the message to {WORD_BACK_MAX} characters; it has {WORD_BACK_MAX + 1}."
    ]
