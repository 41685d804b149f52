"""The report's reading of a round, on hand-made figures whose answers are worked out by hand."""

from __future__ import annotations

import math

import pytest

from feedback360.aggregation import Comment
from feedback360.aggregation import CommentRow
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.aggregation import cell_rows
from feedback360.aggregation import select_comments
from feedback360.analysis import AGREE_HIGH
from feedback360.analysis import AGREE_LOW
from feedback360.analysis import OVER
from feedback360.analysis import UNDER
from feedback360.analysis import agreement_category
from feedback360.analysis import agreement_index
from feedback360.analysis import analyse
from feedback360.analysis import big_gap
from feedback360.analysis import compare_intent
from feedback360.analysis import high_cutoff
from feedback360.analysis import highest
from feedback360.analysis import lowest
from feedback360.analysis import named_count_label
from feedback360.analysis import platform_results
from feedback360.analysis import recurring_terms
from feedback360.analysis import rule_texts
from feedback360.analysis import trend
from feedback360.anonymity import visibility
from feedback360.questionnaire import Questionnaire
from tests import handmade

GROUPS = handmade.groups("peer", "report", "follower")
Q = handmade.questionnaire(
    (handmade.dimension("listen", ("a", "b")), handmade.dimension("share", ("c", "d"))), GROUPS
)

# Five peers. a: everyone says 3 (self 5: a blind spot). b: split 1,1,5,5,5 (self 5: a big gap,
# but raters disagree). c: 4,4,4,4,5 (self 1: a hidden strength). d: 2,3,3,3,4 (self 3).
RATINGS = {
    "a": (3, 3, 3, 3, 3),
    "b": (1, 1, 5, 5, 5),
    "c": (4, 4, 4, 4, 5),
    "d": (2, 3, 3, 3, 4),
}
SELF = {"a": 5, "b": 5, "c": 1, "d": 3}


def _rows(ratings=RATINGS, group="peer", prefix="p"):
    return [
        RatingRow(f"{prefix}{n}", group, item, value)
        for item, values in ratings.items()
        for n, value in enumerate(values)
    ]


def _results(ratings=RATINGS, self_ratings=SELF, n=5):
    return aggregate(Q, _rows(ratings), self_ratings, {"peer": n}, 3)


def test_scale_cut_offs_for_five_and_seven_points():
    assert big_gap(5) == pytest.approx(1.4)  # a third of 4 is 1.33…
    assert big_gap(7) == pytest.approx(2.1)  # a third of 6 is exactly 2: "more than" needs 2.1
    assert high_cutoff(5) == 3.5


@pytest.mark.parametrize(
    ("distribution", "expected"),
    [
        ((0, 0, 5, 0, 0), 1.0),  # everyone the same
        ((5, 0, 0, 0, 5), 0.0),  # split between the ends: the largest possible spread
        ((0, 1, 1, 1, 0), 0.59),  # 2, 3, 4: SD √(2/3) = 0.816, half range 2
        ((2, 0, 0, 0, 3), 0.02),  # 1,1,5,5,5: SD 1.96
        ((0, 0, 1, 0, 0), None),  # one rating has no spread to speak of
        ((0, 0, 0, 0, 0), None),
    ],
)
def test_agreement_index(distribution, expected):
    assert agreement_index(distribution) == expected


@pytest.mark.parametrize(
    ("self_value", "others", "expected"),
    [
        (5, 3.5, OVER),  # +1.5
        (5, 3.6, OVER),  # +1.4 exactly: big
        (5, 3.7, AGREE_HIGH),  # +1.3: not big, and 3.7 is high
        (2, 3.6, UNDER),  # −1.6
        (4, 3.46, AGREE_HIGH),  # 3.46 prints as 3.5: high, like the reader sees it
        (3, 3.44, AGREE_LOW),
        (None, 3.0, None),
        (3, None, None),
    ],
)
def test_agreement_category(self_value, others, expected):
    assert agreement_category(self_value, others, 5) == expected


def test_blind_spot_needs_raters_who_agree():
    analysis = analyse(_results(), {}, why="")
    assert [i.item_id for i in analysis.blind_spots] == ["a"]
    assert [i.item_id for i in analysis.unclear_gaps] == ["b"]  # +1.6, but agreement 0.02
    assert [i.item_id for i in analysis.hidden_strengths] == ["c"]  # −3.2 with agreement 0.8
    assert [i.item_id for i in analysis.disagreements] == ["b"]
    assert analysis.items["a"].agreement == 1.0
    assert analysis.items["a"].category == OVER
    assert analysis.items["c"].category == UNDER
    assert analysis.items["d"].category == AGREE_LOW  # 3 vs 3.0


def test_one_outlier_cannot_make_a_blind_spot():
    # Four raters give 5 like the leader, one gives 1: mean 4.2, gap +0.8: no flag at all.
    results = _results(
        {"a": (5, 5, 5, 5, 1), "b": (3,) * 5, "c": (3,) * 5, "d": (3,) * 5},
        {"a": 5, "b": 3, "c": 3, "d": 3},
    )
    analysis = analyse(results, {}, why="")
    assert analysis.blind_spots == [] and analysis.unclear_gaps == []


def test_highest_and_lowest_with_ties_in_questionnaire_order():
    results = _results({"a": (4,) * 5, "b": (2,) * 5, "c": (4,) * 5, "d": (2,) * 5})
    assert [i.item_id for i in highest(results.items, 2)] == ["a", "c"]
    assert [i.item_id for i in lowest(results.items, 2)] == ["b", "d"]
    # With few items the lowest never repeats one of the highest (a, c and then b on the tie).
    assert [i.item_id for i in lowest(results.items, 3)] == ["d"]


def test_summary_picks_strengths_and_things_to_work_on():
    analysis = analyse(_results(), {}, why="")
    # c (4.2) and d (3.0) are strengths; b (3.4) is high but split; a is a blind spot.
    assert [p.item_id for p in analysis.strengths] == ["c", "d"]
    # With four items all are among the five highest, so only the blind spot is left to work on.
    assert [(p.item_id, p.reason) for p in analysis.work_on] == [
        ("a", "a blind spot: self-rating clearly above others’")
    ]


def test_summary_on_a_long_questionnaire():
    items = tuple(f"i{n}" for n in range(12))
    q = Questionnaire(**{**Q.__dict__, "dimensions": (handmade.dimension("all", items),)})
    # Everyone gives the same rating per item; the leader gives 5 to i0.
    values = (1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5)
    ratings = {item: (value,) * 5 for item, value in zip(items, values, strict=True)}
    results = aggregate(q, _rows(ratings), {"i0": 5}, {"peer": 5}, 3)
    analysis = analyse(results, {}, why="")
    assert [p.item_id for p in analysis.strengths] == ["i10", "i11", "i8"]
    assert [p.item_id for p in analysis.work_on] == ["i0", "i1", "i2"]
    assert analysis.work_on[0].reason.startswith("a blind spot")
    assert analysis.work_on[1].reason == "among the lowest rated"


def test_dimension_categories():
    analysis = analyse(_results(), {}, why="")
    # listen: self 5.0, others (15 + 17) / 10 = 3.2: +1.8 → over; share: self 2.0, others 3.6.
    assert analysis.dimension_categories == {"listen": OVER, "share": UNDER}


def test_withheld_items_are_never_read():
    results = aggregate(Q, _rows({"a": (3, 3), "b": (3, 3)}), SELF, {"peer": 2}, 3)
    analysis = analyse(results, {}, why="")
    assert analysis.blind_spots == [] and analysis.highest == [] and analysis.strengths == []
    assert all(r.category is None and r.agreement is None for r in analysis.items.values())


def test_recurring_terms_prefer_phrases_and_count_answers_not_words():
    texts = [
        "Building a public service that listens. Public service, public service!",
        "Public services reform",
        "She writes about public service and open data",
        "Open data, mostly",
    ]
    terms = recurring_terms(texts)
    assert [(t.text, t.count) for t in terms] == [("public service", 3), ("open data", 2)]


def test_recurring_terms_need_two_answers():
    assert recurring_terms(["innovation innovation innovation"]) == []
    assert recurring_terms([]) == []


def test_recurring_terms_handle_odd_unicode():
    terms = recurring_terms(["Ça va: l’équipe d’Ünïcode", "l’équipe ünïcode 🎉", "\u0000\u200b"])
    # French elisions are split off, so "d’Ünïcode" meets "ünïcode" and "l’équipe" is "équipe".
    assert [(t.text, t.count) for t in terms] == [("équipe", 2), ("ünïcode", 2)]


def test_intent_comparison_names_shared_and_perceived_words():
    why = "I am online to open up local government data and to hear from residents."
    answers = [
        "Promoting open data in the council",
        "She is selling the council's data projects",
        "Getting residents to trust the council",
    ]
    comparison = compare_intent(why, answers)
    assert [t.text for t in comparison.perceived] == ["council", "data"]
    assert comparison.shared == ["data"]
    assert comparison.own_words[:3] == ["open", "local", "government"]  # "online" says nothing
    assert comparison.line == (
        "Respondents most often name “council”, “data”; “data” is also in the leader’s own why."
    )


def test_intent_line_without_answers_or_recurring_words():
    assert "No answer" in compare_intent("why", []).line
    assert "no word recurs" in compare_intent("why", ["apples", "pears"]).line


def test_platforms_need_enough_respondents_on_both_sides():
    ratings = _rows({"a": (3,) * 8, "b": (3,) * 8, "c": (3,) * 8, "d": (3,) * 8})
    platforms = {f"p{n}": frozenset({"linkedin"}) for n in range(8)}  # everyone: rest is 0
    platforms |= {f"p{n}": frozenset({"linkedin", "bluesky"}) for n in range(3)}  # 3 and 5
    platforms |= {f"p{n}": frozenset({"linkedin", "x"}) for n in (3, 4, 5, 6)}  # 4 and 4
    platforms |= {"p7": frozenset({"linkedin", "mastodon"})}  # 1 person
    results = aggregate(Q, ratings, SELF, {"peer": 8}, 3)
    by_id = {
        p.platform_id: p
        for p in platform_results(
            platforms,
            cell_rows(ratings),
            results,
            Q,
            ["linkedin", "bluesky", "mastodon", "x"],
            ["listen"],
        )
    }
    assert by_id["linkedin"].respondents == 8 and by_id["linkedin"].shown
    assert by_id["mastodon"].respondents == 1 and not by_id["mastodon"].shown
    assert by_id["mastodon"].dimension_means == {"listen": None}
    assert by_id["x"].respondents == 4 and by_id["x"].shown
    # Bluesky (3) passes the counts, but all raters − Bluesky − X would be p7 alone: the
    # fewer-named of the two is withheld (tests/test_disclosure.py has the general search).
    assert by_id["bluesky"].respondents == 3 and not by_id["bluesky"].shown
    assert by_id["bluesky"].dimension_means == {"listen": None}
    assert "combined" in by_id["bluesky"].withheld
    assert by_id["linkedin"].dimension_means == {"listen": 3.0}
    # A tick is an answer: the report prints no "named by 1" (who uses Mastodon answered).
    assert by_id["mastodon"].named_label == "fewer than 3"
    assert by_id["linkedin"].named_label == "8" and by_id["x"].named_label == "4"


def test_named_counts_print_as_ranges_near_zero_and_near_all():
    assert [named_count_label(n, 10, 3) for n in range(11)] == (
        ["fewer than 3"] * 3 + ["3", "4", "5", "6", "7"] + ["all but fewer than 3"] * 2 + ["10"]
    )
    assert named_count_label(0, 0, 3) == "fewer than 3"


def test_platform_complement_rule():
    ratings = _rows({"a": (1, 2, 3, 4), "b": (1, 2, 3, 4), "c": (3,) * 4, "d": (3,) * 4})
    # Three of four name LinkedIn: the one who did not could be found by subtraction.
    platforms = {f"p{n}": frozenset({"linkedin"}) for n in range(3)}
    results = aggregate(Q, ratings, SELF, {"peer": 4}, 3)
    (linkedin,) = platform_results(
        platforms, cell_rows(ratings), results, Q, ["linkedin"], ["listen"]
    )
    assert linkedin.respondents == 3 and not linkedin.shown
    assert linkedin.dimension_means == {"listen": None}


def test_platforms_ignore_hidden_groups():
    ratings = _rows({"a": (3,) * 3, "b": (3,) * 3, "c": (3,) * 3, "d": (3,) * 3})
    ratings += _rows({"a": (1,), "b": (1,), "c": (1,), "d": (1,)}, group="report", prefix="r")
    platforms = {"p0": frozenset({"x"}), "p1": frozenset({"x"}), "p2": frozenset({"x"})}
    platforms["r0"] = frozenset({"x"})
    results = aggregate(Q, ratings, SELF, {"peer": 3, "report": 1}, 3)
    (x,) = platform_results(platforms, cell_rows(ratings), results, Q, ["x"], ["listen"])
    assert x.respondents == 3  # the hidden report is not counted
    assert x.dimension_means == {"listen": 3.0}  # and their 1s are not pooled


def test_trend_change_and_margin_by_hand():
    before = _results({"a": (2, 4, 2, 4, 3), "b": (3,) * 5, "c": (3,) * 5, "d": (3,) * 5})
    now = _results({"a": (4, 4, 4, 4, 4), "b": (4,) * 5, "c": (3,) * 5, "d": (3,) * 5})
    listen, share = trend(now, before)
    # Before, each person's listen mean: 2.5, 3.5, 2.5, 3.5, 3 → mean 3.0, SD √0.2; now 4.0, SD 0.
    assert (listen.earlier_mean, listen.current_mean, listen.change) == (3.0, 4.0, 1.0)
    assert listen.margin == round(1.96 * math.sqrt(0.2 / 5), 1) == 0.4
    assert listen.clear
    assert share.change == 0.0 and not share.clear


def test_trend_refuses_another_questionnaire():
    other = aggregate(
        Questionnaire(**{**Q.__dict__, "version": "test.2"}), _rows(), SELF, {"peer": 5}, 3
    )
    with pytest.raises(ValueError):
        trend(_results(), other)


def test_themes_per_dimension_from_shown_comments():
    comments = {
        "listen": [
            Comment("listen", "Replies to every comment on LinkedIn", 2),
            Comment("listen", "She replies to every comment", 1),
        ],
        "share": [Comment("share", "Nothing recurs here", 0)],
    }
    analysis = analyse(_results(), comments, why="")
    assert [t.text for t in analysis.themes["listen"]] == [
        "comment",
        "replies",
    ]  # "every" is a stop word
    assert analysis.themes["share"] == []


def test_comments_need_the_stricter_threshold():
    vis = visibility({"peer": 5, "report": 3}, 3, GROUPS)
    rows = [
        CommentRow("1", "peer", "listen", "peer words"),
        CommentRow("2", "report", "listen", "report words"),
    ]
    shown, left_out = select_comments(rows, vis, ["listen"], comment_threshold=5)
    assert [c.text for c in shown["listen"]] == ["peer words"]
    assert left_out == {"listen": 0}  # the dropped comment is not even counted
    shown, _ = select_comments(rows, vis, ["listen"], comment_threshold=3)
    assert len(shown["listen"]) == 2


def test_rule_texts_state_the_numbers_used():
    rules = rule_texts(5, 3, 5)
    assert "1.4" in rules["gap"] and "3.5" in rules["categories"]
    assert "0.5" in rules["agreement"] and "+1.4" in rules["blind_spot"]
    assert "at least 5 people" in rules["comments"]


def test_a_listed_phrase_replaces_its_words():
    texts = ["Community energy", "community energy for all", "Energy bills", "energy prices"]
    assert [(t.text, t.count) for t in recurring_terms(texts)] == [("community energy", 2)]
