"""The follow-up pulse: its survey, its length, its anonymity and its comparison, worked by hand."""

from __future__ import annotations

import itertools
import math

import pytest

from feedback360 import questionnaire
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.pulse import CANT_SAY
from feedback360.pulse import CHANGE_QUESTION
from feedback360.pulse import MAX_ITEMS_PER_TARGET
from feedback360.pulse import MAX_MINUTES
from feedback360.pulse import ChangeRow
from feedback360.pulse import change_distributions
from feedback360.pulse import estimate_pulse
from feedback360.pulse import pulse_survey
from feedback360.pulse_compare import CLEARLY_DOWN
from feedback360.pulse_compare import CLEARLY_UP
from feedback360.pulse_compare import MARGIN_UNKNOWN
from feedback360.pulse_compare import NO_CLEAR_CHANGE
from feedback360.pulse_compare import NOBODY_KNOWS_WHO
from feedback360.pulse_compare import NOT_COMPARED
from feedback360.pulse_compare import RATERS_MAY_DIFFER
from feedback360.pulse_compare import ItemComparison
from feedback360.pulse_compare import compare_pulse
from feedback360.pulse_compare import margin_rule
from feedback360.welch import t_cdf
from feedback360.welch import t_quantile
from feedback360.welch import welch_interval
from tests import handmade

GROUPS = handmade.groups("peer", "report", "follower")
Q = handmade.questionnaire(
    (handmade.dimension("listen", ("a", "b")), handmade.dimension("share", ("c", "d"))), GROUPS
)


# --- Student's t and Welch -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "expected"),  # two-sided 95% critical values from any printed t table
    [(1, 12.706), (2, 4.303), (5, 2.571), (8, 2.306), (10, 2.228), (30, 2.042), (100, 1.984)],
)
def test_t_quantile_matches_the_table(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=0.0005)
    assert t_quantile(0.025, df) == pytest.approx(-expected, abs=0.0005)


def test_t_quantile_between_table_rows_and_towards_the_normal():
    assert t_cdf(0, 7) == 0.5
    assert t_quantile(0.975, 8.5) < t_quantile(0.975, 8) and t_quantile(0.975, 8.5) > 2.262
    assert t_quantile(0.975, 1e7) == pytest.approx(1.95996, abs=1e-4)
    with pytest.raises(ValueError):
        t_quantile(1.0, 5)


def test_welch_interval_worked_by_hand():
    before, after = [2, 3, 3, 4, 3], [3, 4, 4, 5, 4, 4]
    # Means 3.0 and 4.0. Sample variances 2/4 = 0.5 and 2/5 = 0.4. Squared standard error
    # 0.5/5 + 0.4/6 = 1/6. Welch-Satterthwaite df = (1/6)² / (0.1²/4 + (1/15)²/5) = 8.197.
    # t(0.975) between t(8) = 2.306 and t(9) = 2.262: 2.306 - 0.197 × 0.044 = 2.297.
    # Margin 2.297 × √(1/6) = 2.297 × 0.408 = 0.94; interval 0.06 to 1.94.
    se = math.sqrt(0.5 / 5 + 0.4 / 6)
    df = (1 / 6) ** 2 / (0.1**2 / 4 + (1 / 15) ** 2 / 5)
    interval = welch_interval(before, after)
    assert interval.change == 1.0
    assert interval.df == pytest.approx(df) and round(df, 3) == 8.197
    assert round(interval.margin, 2) == round((2.306 - 0.197 * 0.044) * se, 2) == 0.94
    assert (round(interval.low, 2), round(interval.high, 2)) == (0.06, 1.94)


def test_welch_interval_without_spread_and_too_few_values():
    assert welch_interval([3, 3, 3], [4, 4, 4]).margin == 0.0
    with pytest.raises(ValueError):
        welch_interval([3], [4, 4])


# --- The pulse survey ------------------------------------------------------------------------


def test_the_pulse_asks_only_the_focus_statements():
    real = questionnaire.load("2026.3")
    survey = pulse_survey(real, ["purpose", "conversation_1", "value"])
    assert [t.target.id for t in survey.targets] == ["purpose", "conversation_1", "value"]
    assert [t.item_ids for t in survey.targets] == [
        ("purpose_1", "purpose_2"),
        ("conversation_1",),
        ("value_1", "value_2"),
    ]
    assert survey.targets[1].heading == real.dimension("conversation").title
    pq = survey.questionnaire
    assert [i.id for i in pq.items] == [
        "purpose_1",
        "purpose_2",
        "conversation_1",
        "value_1",
        "value_2",
    ]
    assert pq.scale == real.scale and pq.groups == real.groups and pq.version == real.version
    assert pq.open_questions == () and pq.platforms == ()
    assert survey.change_question == CHANGE_QUESTION
    assert "Not observed" in pq.introduction and "{minutes}" in pq.introduction


def test_a_dimension_target_brings_at_most_two_statements():
    old = questionnaire.load("2026.1")  # three statements per dimension
    dim = old.dimensions[0]
    assert len(dim.items) == 3
    (target,) = pulse_survey(old, [dim.id]).targets
    assert target.item_ids == tuple(i.id for i in dim.items[:MAX_ITEMS_PER_TARGET])


@pytest.mark.parametrize(
    "targets", [[], ["a", "b", "c", "d"], ["nothing"], ["listen", "a"], ["a", "a"]]
)
def test_a_pulse_refuses_what_a_checked_plan_cannot_hold(targets):
    with pytest.raises(ValueError):
        pulse_survey(Q, targets)


@pytest.mark.parametrize("version", questionnaire.available_versions())
def test_the_largest_pulse_takes_under_two_minutes(version):
    """Every choice of three dimensions (the longest targets), every group, open link or not."""
    real = questionnaire.load(version)
    slowest = max(
        (
            estimate_pulse(pulse_survey(real, [d.id for d in dims]), group.id, open_link, 10)
            for dims in itertools.combinations(real.dimensions, 3)
            for group in real.groups
            for open_link in (False, True)
        ),
        key=lambda estimate: estimate.seconds,
    )
    assert slowest.choices == 3 * MAX_ITEMS_PER_TARGET + 3
    assert slowest.open_questions == 0
    assert slowest.seconds < MAX_MINUTES * 60
    assert slowest.stated_minutes <= MAX_MINUTES


# --- Anonymity and the comparison ------------------------------------------------------------

SURVEY = pulse_survey(Q, ["a", "share"])
# The round: five peers. a: 2,3,3,4,3 (mean 3.0). c: 3,3,4,4,5 (3.8). d: all 1.
ROUND = {"a": (2, 3, 3, 4, 3), "b": (3, 3, 3, 3, 3), "c": (3, 3, 4, 4, 5), "d": (1, 1, 1, 1, 1)}
# The pulse: six peers. a: 3,4,4,5,4,4 (4.0). c: 3,4,4,4,5,4 (4.0). d: four say 2, two "not
# observed" (mean 2.0 from four ratings: shown, but fewer than the detail threshold of 5).
PULSE = {"a": (3, 4, 4, 5, 4, 4), "c": (3, 4, 4, 4, 5, 4), "d": (2, 2, 2, 2, None, None)}


def _rows(ratings, group, prefix):
    return [
        RatingRow(f"{prefix}{n}", group, item, value)
        for item, values in ratings.items()
        for n, value in enumerate(values)
    ]


def _original():
    return aggregate(Q, _rows(ROUND, "peer", "p"), {"a": 5}, {"peer": 5}, 3)


def _pulse(extra=(), counts=None, threshold=4):
    rows = _rows(PULSE, "peer", "q") + list(extra)
    return aggregate(SURVEY.questionnaire, rows, {}, counts or {"peer": 6}, threshold)


def test_the_comparison_worked_by_hand():
    comparison = compare_pulse(_original(), _pulse(), SURVEY)
    assert comparison.notes == (NOBODY_KNOWS_WHO, RATERS_MAY_DIFFER)
    assert NOBODY_KNOWS_WHO == "Nobody, the app included, knows who rated both times."
    assert "may not be the same" in RATERS_MAY_DIFFER
    only_a, share = comparison.targets
    assert (only_a.target_id, only_a.heading, only_a.title) == ("a", "Listen", "a")
    (a,) = only_a.items
    # a: 3.0 to 4.0, margin 0.94 (test_welch_interval_worked_by_hand) printed 0.9: clearly up.
    assert (a.before_mean, a.after_mean, a.before_n, a.after_n) == (3.0, 4.0, 5, 6)
    assert (a.change, a.margin, a.reading) == (1.0, 0.9, CLEARLY_UP)
    c, d = share.items
    # c: 3.8 to 4.0. Variances 2.8/4 = 0.7 and 2/5 = 0.4; √(0.7/5 + 0.4/6) = 0.455; df
    # 0.2067² / (0.14²/4 + 0.0667²/5) = 7.4, t 2.34: margin 1.06, printed 1.1 > 0.2: no clear
    # change.
    assert (c.before_mean, c.after_mean, c.change) == (3.8, 4.0, 0.2)
    assert (c.margin, c.reading) == (1.1, NO_CLEAR_CHANGE)
    # d: 1.0 to 2.0 from four ratings: a change, but no margin (fewer than 5 rated).
    assert (d.change, d.margin, d.reading) == (1.0, None, MARGIN_UNKNOWN)
    assert d.after_n == 4


def test_readings_of_a_comparison():
    def reading(before, after, margin):
        return ItemComparison("x", "", before, after, 5, 5, margin).reading

    assert reading(4.0, 3.0, 0.5) == CLEARLY_DOWN
    assert reading(4.0, 3.5, 0.5) == NO_CLEAR_CHANGE  # the interval reaches 0
    assert reading(3.0, 3.6, 0.5) == CLEARLY_UP
    assert reading(None, 3.6, None) == NOT_COMPARED


def test_a_pulse_group_below_the_pulses_own_threshold_counts_nowhere():
    # Three reports would be shown in the round (threshold 3), but the pulse's threshold is 4:
    # alone and small, they are left out; their 1s change no figure.
    reports = _rows({"a": (1, 1, 1), "c": (1, 1, 1), "d": (1, 1, 1)}, "report", "r")
    pulse = _pulse(reports, {"peer": 6, "report": 3})
    assert pulse.visibility.threshold == 4
    assert pulse.visibility.hidden_groups == ("report",)
    assert [u.id for u in pulse.visibility.units] == ["peer"]
    plain = compare_pulse(_original(), _pulse(), SURVEY)
    assert compare_pulse(_original(), pulse, SURVEY) == plain


def test_small_groups_folded_in_the_pulse_count_as_combined():
    reports = _rows({"a": (5, 5), "c": (5, 5), "d": (5, 5)}, "report", "r")
    follower = _rows({"a": (5, 5), "c": (5, 5), "d": (5, 5)}, "follower", "f")
    pulse = _pulse(reports + follower, {"peer": 6, "report": 2, "follower": 2})
    assert pulse.visibility.folded_groups == ("report", "follower")
    (a,) = compare_pulse(_original(), pulse, SURVEY).targets[0].items
    assert a.after_mean == pytest.approx((24 + 4 * 5) / 10) and a.after_n == 10


def test_below_the_threshold_there_is_no_figure_at_all():
    few = _rows({"a": (5, 5), "c": (5, 5), "d": (5, 5)}, "peer", "q")
    pulse = aggregate(SURVEY.questionnaire, few, {}, {"peer": 2}, 3)
    for target in compare_pulse(_original(), pulse, SURVEY).targets:
        for item in target.items:
            assert (item.after_mean, item.after_n, item.change, item.margin) == (
                None,
                0,
                None,
                None,
            )
            assert item.reading == NOT_COMPARED


def test_change_answers_show_only_from_enough_people_in_reported_units():
    vis = _pulse(counts={"peer": 6, "follower": 1}).visibility
    rows = [ChangeRow(f"q{n}", "peer", "a", "a_little_better") for n in range(3)]
    rows += [ChangeRow("q3", "peer", "a", "clearly_better")]
    rows += [ChangeRow(f"q{n}", "peer", "a", CANT_SAY) for n in (4, 5)]
    rows += [ChangeRow(f"q{n}", "peer", "share", "no_change") for n in range(5)]
    rows += [ChangeRow("q5", "peer", "share", CANT_SAY)]
    rows += [ChangeRow("f0", "follower", "share", "clearly_worse")]  # a hidden group
    found = change_distributions(rows, vis, ["a", "share"])
    # a: four real answers (two "can't say"), fewer than the detail threshold of 5: nothing.
    assert not found["a"].shown
    assert all(count == 0 for _, _, count in found["a"].counts)
    # share: five "no change" and one "can't say"; the hidden follower is not counted.
    assert found["share"].shown
    counts = {option: count for option, _, count in found["share"].counts}
    assert counts == {
        "clearly_worse": 0,
        "a_little_worse": 0,
        "no_change": 5,
        "a_little_better": 0,
        "clearly_better": 0,
        CANT_SAY: 1,
    }
    with_changes = compare_pulse(_original(), _pulse(), SURVEY, found)
    assert with_changes.targets[1].change == found["share"]
    assert compare_pulse(_original(), _pulse(), SURVEY).targets[1].change is None


def test_change_answers_are_checked():
    vis = _pulse().visibility
    with pytest.raises(ValueError):
        change_distributions([ChangeRow("q0", "peer", "a", "much_better")], vis, ["a"])
    twice = [ChangeRow("q0", "peer", "a", "no_change")] * 2
    with pytest.raises(ValueError):
        change_distributions(twice, vis, ["a"])


def test_the_margin_rule_in_words():
    assert "95%" in margin_rule(5) and "at least 5 ratings each time" in margin_rule(5)
