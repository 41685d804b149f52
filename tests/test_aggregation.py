"""Report figures on hand-made rounds whose answers are worked out by hand."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from feedback360.aggregation import CommentRow
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.aggregation import select_comments
from feedback360.aggregation import specificity
from feedback360.anonymity import COMBINED_UNIT_ID
from feedback360.anonymity import visibility
from feedback360.questionnaire import OpenQuestion
from tests import handmade

GROUPS = handmade.groups("peer", "report", "manager", "follower")
Q = handmade.questionnaire(
    (handmade.dimension("listen", ("l1", "l2")), handmade.dimension("share", ("s1",))),
    GROUPS,
    (OpenQuestion(id="advice", text="Advice?", prompt=""),),
)

# response id -> (group, {item: value}); None means "not observed".
BASE = {
    "p1": ("peer", {"l1": 4, "l2": 5, "s1": 3}),
    "p2": ("peer", {"l1": 5, "l2": 5, "s1": 2}),
    "p3": ("peer", {"l1": 3, "l2": 3, "s1": 4}),
    "r1": ("report", {"l1": 2, "l2": 3, "s1": 5}),
    "r2": ("report", {"l1": 3, "l2": None, "s1": 5}),
    "r3": ("report", {"l1": 4, "l2": 2, "s1": 4}),
    "m1": ("manager", {"l1": 1, "l2": 1, "s1": 1}),
    "m2": ("manager", {"l1": 1, "l2": None, "s1": 1}),
}
SELF = {"l1": 5, "l2": None, "s1": 3}


def rows_of(responses: dict) -> list[RatingRow]:
    return [
        RatingRow(response_id=rid, group=group, item_id=item, value=value)
        for rid, (group, answers) in responses.items()
        for item, value in answers.items()
    ]


def counts_of(responses: dict) -> dict[str, int]:
    return dict(Counter(group for group, _ in responses.values()))


def run(responses: dict = BASE, self_ratings: dict = SELF, threshold: int = 3):
    return aggregate(Q, rows_of(responses), self_ratings, counts_of(responses), threshold)


def item(results, item_id: str):
    return next(i for i in results.items if i.item_id == item_id)


def test_hidden_group_is_out_of_every_item_figure():
    results = run()
    assert results.visibility.hidden_groups == ("manager",)
    assert results.total_responses == 8
    l1 = item(results, "l1")
    assert l1.others_n == 6
    assert l1.distribution == (0, 1, 2, 2, 1)  # 2 / 3 3 / 4 4 / 5; the managers' 1s are absent
    assert l1.unit_means == {"peer": 4.0, "report": 3.0}
    assert item(results, "l2").not_observed == 1  # r2 only; m2's "not observed" is not counted


def test_subtraction_attack_reveals_nothing_about_a_hidden_group():
    l1 = item(run(), "l1")
    shown_pooled = (4 + 5 + 3 + 2 + 3 + 4) / 6
    with_hidden = (4 + 5 + 3 + 2 + 3 + 4 + 1 + 1) / 8
    assert l1.others_mean == shown_pooled == 3.5
    assert l1.others_mean != with_hidden
    # all others minus the shown groups leaves nothing over.
    peers, reports = l1.unit_means["peer"], l1.unit_means["report"]
    assert l1.others_mean * l1.others_n - 3 * peers - 3 * reports == 0


def test_unit_with_enough_respondents_but_two_ratings_is_withheld():
    l2 = item(run(), "l2")
    # Reports: 3 responses, but r2 said "not observed", so only 2 ratings.
    assert l2.unit_means["report"] is None
    # Peers (3 ratings) are withheld too: all others minus peers would give the 2 reports' ratings.
    assert l2.unit_means["peer"] is None
    assert l2.others_mean == (5 + 5 + 3 + 3 + 2) / 5
    assert l2.others_n == 5


def test_withholding_sacrifices_the_smallest_shown_unit_only():
    responses = {
        **{f"p{k}": ("peer", {"l1": 2 if k < 2 else None}) for k in range(3)},
        **{f"r{k}": ("report", {"l1": 3}) for k in range(3)},
        **{f"f{k}": ("follower", {"l1": 5}) for k in range(4)},
    }
    l1 = item(run(responses, {}), "l1")
    assert l1.unit_means == {"peer": None, "report": None, "follower": 5.0}
    assert l1.others_mean == (2 + 2 + 3 + 3 + 3 + 5 * 4) / 9


def test_distribution_and_mean_withheld_under_threshold():
    responses = {
        "p1": ("peer", {"s1": 4}),
        "p2": ("peer", {"s1": 2}),
        "p3": ("peer", {"s1": None}),
    }
    s1 = item(run(responses, {"s1": 5}), "s1")
    assert s1.others_mean is None
    assert s1.others_n == 2
    assert s1.not_observed == 1
    assert s1.distribution == (0, 0, 0, 0, 0)
    assert s1.unit_means == {"peer": None}
    assert s1.gap is None


def test_self_gap():
    results = run()
    assert item(results, "l1").self_value == 5
    assert item(results, "l1").gap == 5 - 3.5
    assert item(results, "l2").gap is None  # no self rating
    # Gaps are taken between the printed one-decimal figures: 3.0 - 3.8 (23/6 = 3.83...).
    assert item(results, "s1").gap == -0.8


def test_dimension_means_by_hand():
    responses = {
        "a": ("peer", {"l1": 1, "l2": 5}),
        "b": ("peer", {"l1": 2, "l2": 5}),
        "c": ("peer", {"l1": 3, "l2": 4}),
    }
    listen = run(responses, {"l1": 4, "l2": 2}).dimension("listen")
    assert listen.self_mean == 3.0
    assert listen.others_mean == 20 / 6
    assert listen.others_respondents == 3
    assert listen.unit_means == {"peer": 20 / 6}
    assert listen.gap == -0.3  # 3.0 - 3.3 as printed (20/6 = 3.33...)


def test_dimension_means_pool_only_shown_item_figures():
    results = run()
    listen = results.dimension("listen")
    # All others: l1 and l2 are both shown, so all 11 ratings from peers and reports count.
    assert listen.others_mean == (12 + 9 + 13 + 5) / 11
    assert listen.others_respondents == 6
    # Per unit, l2 is withheld; pooling it would let peers' l2 be read off as 4.0 * 6 - 12.
    assert listen.unit_means == {"peer": 4.0, "report": 3.0}
    assert listen.self_mean == 5.0
    share = results.dimension("share")
    assert share.others_mean == 23 / 6
    assert share.unit_means == {"peer": 3.0, "report": 14 / 3}
    assert [i.item_id for i in results.items_of("listen")] == ["l1", "l2"]
    assert [d.dimension_id for d in results.dimensions] == ["listen", "share"]


def test_dimension_without_enough_respondents():
    responses = {"a": ("peer", {"l1": 1}), "b": ("peer", {"l1": 2}), "c": ("peer", {"l1": None})}
    listen = run(responses, {}).dimension("listen")
    assert listen.others_mean is None
    assert listen.unit_means == {"peer": None}
    assert listen.self_mean is None


def test_folded_groups_report_as_one_unit():
    responses = {
        **{f"p{k}": ("peer", {"l1": 4}) for k in range(3)},
        "r1": ("report", {"l1": 1}),
        "r2": ("report", {"l1": 2}),
        "f1": ("follower", {"l1": 5}),
    }
    l1 = item(run(responses, {}), "l1")
    assert l1.unit_means == {"peer": 4.0, COMBINED_UNIT_ID: 8 / 3}
    assert l1.others_mean == 20 / 6


def test_unknown_item_is_ignored():
    rows = rows_of(BASE) + [RatingRow("p1", "peer", "retired-item", 1)]
    assert aggregate(Q, rows, SELF, counts_of(BASE), 3) == run()


def test_bad_rows_are_refused():
    with pytest.raises(ValueError):
        aggregate(Q, [RatingRow("a", "peer", "l1", 6)], {}, {"peer": 1}, 3)
    with pytest.raises(ValueError):
        aggregate(Q, [RatingRow("a", "peer", "l1", 2)] * 2, {}, {"peer": 1}, 3)
    with pytest.raises(ValueError):
        aggregate(Q, [], {"l1": 0}, {}, 3)


def _random_round(rng: random.Random) -> dict:
    responses = {}
    for k in range(rng.randint(0, 14)):
        group = rng.choice(GROUPS).id
        answers = {i.id: rng.choice([None, 1, 2, 3, 4, 5]) for i in Q.items if rng.random() < 0.9}
        responses[f"{group}-{k}"] = (group, answers)
    return responses


@pytest.mark.parametrize("seed", range(40))
def test_row_order_never_changes_results(seed):
    rng = random.Random(seed)
    responses = _random_round(rng)
    rows = rows_of(responses)
    threshold = rng.choice([3, 3, 4])
    expected = aggregate(Q, rows, SELF, counts_of(responses), threshold)
    for _ in range(5):
        rng.shuffle(rows)
        assert aggregate(Q, rows, SELF, counts_of(responses), threshold) == expected


@pytest.mark.parametrize("seed", range(40))
def test_no_withheld_cell_can_be_derived(seed):
    rng = random.Random(seed)
    responses = _random_round(rng)
    results = aggregate(Q, rows_of(responses), {}, counts_of(responses), 3)
    vis = results.visibility
    for result in results.items:
        cell_n = Counter(
            vis.unit_of(group)
            for group, answers in responses.values()
            if answers.get(result.item_id) is not None and vis.unit_of(group) is not None
        )
        assert result.others_n == sum(cell_n.values())
        assert set(result.unit_means) == {u.id for u in vis.units}
        withheld = sum(cell_n[u] for u, mean in result.unit_means.items() if mean is None)
        shown = [u for u, mean in result.unit_means.items() if mean is not None]
        for unit in shown:
            assert cell_n[unit] >= 3
        if shown:
            assert withheld == 0 or withheld >= 3


# --- Comments -------------------------------------------------------------------------------

VAGUE = "Great stuff!"
FULL_SBI = (
    "Last month on LinkedIn, her post about the reorg answered our questions before we asked, "
    "so I felt calmer."
)


@pytest.mark.parametrize(
    ("text", "score"),
    [
        (VAGUE, 0),
        ("Keep going, you are doing fine.", 0),
        ("x marks the spot", 0),
        ("She is very active on Threads", 1),
        ("Her LinkedIn posts", 2),
        ("His newsletter, recently", 2),
        ("I learned a lot", 1),
        ("He replied to every comment on X in March", 3),
        ("During the 2025 launch her YouTube livestream made me want to try it", 4),
        (FULL_SBI, 4),
    ],
)
def test_specificity(text, score):
    assert specificity(text) == score


VIS = visibility({"peer": 3, "report": 3, "manager": 2}, 3, GROUPS)
KEYS = ("listen", "share", "advice")


def test_comments_from_hidden_groups_never_appear():
    rows = [
        CommentRow("5b0c", "manager", "listen", "A manager's note " + FULL_SBI),
        CommentRow("9e1a", "peer", "listen", VAGUE),
    ]
    shown, left_out = select_comments(rows, VIS, KEYS)
    assert [c.text for c in shown["listen"]] == [VAGUE]
    assert left_out == {"listen": 0, "share": 0, "advice": 0}


def test_comment_order_is_specific_first_then_random_id_not_submission_order():
    rows = [  # in submission order
        CommentRow("d41e8f2a-0000-4000-8000-000000000001", "peer", "advice", "First, vague."),
        CommentRow("07c9b3aa-0000-4000-8000-000000000002", "report", "advice", "Second, vague."),
        CommentRow("a3f0c611-0000-4000-8000-000000000003", "peer", "advice", FULL_SBI),
        CommentRow("5e72d0b4-0000-4000-8000-000000000004", "report", "advice", "Her blog post."),
    ]
    shown, _ = select_comments(rows, VIS, KEYS)
    texts = [c.text for c in shown["advice"]]
    assert texts == [FULL_SBI, "Her blog post.", "Second, vague.", "First, vague."]
    assert texts != [r.text for r in rows]
    assert [c.specificity for c in shown["advice"]] == [4, 2, 0, 0]
    again, _ = select_comments(list(reversed(rows)), VIS, KEYS)
    assert again == shown


def test_comments_carry_no_group_or_respondent_label():
    shown, _ = select_comments([CommentRow("1", "peer", "share", "Nice thread")], VIS, KEYS)
    (comment,) = shown["share"]
    assert set(vars(comment)) == {"key", "text", "specificity"}


def test_comment_limit_counts_the_rest_as_left_out():
    rows = [CommentRow(f"{k:04d}", "peer", "listen", f"Comment {k}") for k in range(5)]
    rows += [CommentRow("x", "report", "share", "Only one")]
    shown, left_out = select_comments(rows, VIS, KEYS, limit_per_key=2)
    assert [c.text for c in shown["listen"]] == ["Comment 0", "Comment 1"]
    assert left_out == {"listen": 3, "share": 0, "advice": 0}
    assert [c.text for c in shown["share"]] == ["Only one"]
    assert shown["advice"] == []


def test_blank_comments_and_unknown_keys_are_skipped():
    rows = [
        CommentRow("1", "peer", "listen", "   \n "),
        CommentRow("2", "peer", "listen", "  Trimmed  "),
        CommentRow("3", "peer", "retired", "Old key"),
    ]
    shown, left_out = select_comments(rows, VIS, KEYS, limit_per_key=5)
    assert [c.text for c in shown["listen"]] == ["Trimmed"]
    assert set(shown) == set(left_out) == set(KEYS)
