"""The leader's forecast beside the groups' actual means, on hand-made rounds worked out by hand."""

from __future__ import annotations

import pytest

from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.forecast import ABOUT_AS_EXPECTED
from feedback360.forecast import HIGHER_THAN_EXPECTED
from feedback360.forecast import LOWER_THAN_EXPECTED
from feedback360.forecast import compare_forecast
from feedback360.forecast import forecast_error
from feedback360.forecast import parse_forecast
from tests import handmade

GROUPS = handmade.groups("peer", "report", "follower", "other")
Q = handmade.questionnaire(
    (handmade.dimension("listen", ("a", "b")), handmade.dimension("share", ("c", "d"))), GROUPS
)

# Peers: listen (4,4,5 and 4,3,4) = 24/6 = 4.0; share (2,2,3 and 2,3,2) = 14/6 = 2.33.
# Reports: listen all 3 = 3.0; share (5,5,5 and 5,4,5) = 29/6 = 4.83.
PEERS = {"a": (4, 4, 5), "b": (4, 3, 4), "c": (2, 2, 3), "d": (2, 3, 2)}
REPORTS = {"a": (3, 3, 3), "b": (3, 3, 3), "c": (5, 5, 5), "d": (5, 4, 5)}


def _rows(ratings, group, prefix):
    return [
        RatingRow(f"{prefix}{n}", group, item, value)
        for item, values in ratings.items()
        for n, value in enumerate(values)
    ]


def _results(extra=(), counts=None):
    rows = _rows(PEERS, "peer", "p") + _rows(REPORTS, "report", "r") + list(extra)
    counts = counts or {"peer": 3, "report": 3}
    return aggregate(Q, rows, {}, counts, 3)


def test_no_forecast_no_section():
    comparison = compare_forecast({}, _results(), Q)
    assert not comparison
    assert comparison.rows == () and comparison.not_compared == ()


def test_forecast_beside_actual_with_the_reports_rounding_and_gap_rule():
    forecasts = {
        ("peer", "listen"): 4.0,  # actual 4.0: difference 0.0
        ("peer", "share"): 4.0,  # actual 2.33, printed 2.3: -1.7, a big gap
        ("report", "listen"): 4.3,  # actual 3.0: -1.3, just under the big gap of 1.4
        ("report", "share"): 3.4,  # actual 4.83, printed 4.8: +1.4, exactly the big gap
    }
    comparison = compare_forecast(forecasts, _results(), Q)
    assert comparison
    found = {
        (r.group_id, r.dimension_id): (r.forecast, r.actual, r.difference, comparison.reading(r))
        for r in comparison.rows
    }
    assert found[("peer", "listen")] == (4.0, 4.0, 0.0, ABOUT_AS_EXPECTED)
    assert found[("peer", "share")][1] == pytest.approx(14 / 6)
    assert found[("peer", "share")][2:] == (-1.7, LOWER_THAN_EXPECTED)
    assert found[("report", "listen")][2:] == (-1.3, ABOUT_AS_EXPECTED)
    assert found[("report", "share")][1] == pytest.approx(29 / 6)
    assert found[("report", "share")][2:] == (1.4, HIGHER_THAN_EXPECTED)
    # Questionnaire order: groups first, then dimensions.
    assert [(r.group_id, r.dimension_id) for r in comparison.rows] == list(forecasts)
    assert comparison.rows[0].group_label == "Peers"
    assert comparison.rows[0].dimension_title == "Listen"


def test_a_hidden_group_gets_no_row_and_no_figure():
    # One follower answered (all 1s): a lone small group, left out of everything.
    follower = [RatingRow("f0", "follower", item, 1) for item in "abcd"]
    results = _results(follower, {"peer": 3, "report": 3, "follower": 1})
    assert results.visibility.hidden_groups == ("follower",)
    comparison = compare_forecast(
        {("follower", "listen"): 2.0, ("peer", "listen"): 4.0}, results, Q
    )
    assert [r.group_id for r in comparison.rows] == ["peer"]
    assert comparison.rows[0].actual == 4.0  # the follower's 1s are in no figure
    (skipped,) = comparison.not_compared
    assert skipped.group_id == "follower"
    assert skipped.reason == "Not shown: fewer than 3 responses, perhaps none"


def test_a_folded_group_is_not_compared_with_the_combined_line():
    follower = [RatingRow("f0", "follower", item, 1) for item in "abcd"]
    other = [RatingRow(f"o{n}", "other", item, 2) for n in range(2) for item in "abcd"]
    results = _results(follower + other, {"peer": 3, "report": 3, "follower": 1, "other": 2})
    assert results.visibility.folded_groups == ("follower", "other")
    comparison = compare_forecast(
        {("follower", "listen"): 2.0, ("other", "share"): 2.0}, results, Q
    )
    assert comparison.rows == ()
    assert [n.group_id for n in comparison.not_compared] == ["follower", "other"]
    assert all("shown only within" in n.reason for n in comparison.not_compared)
    assert comparison  # the leader forecast, so the section says why nothing is compared


def test_every_actual_is_a_figure_the_report_already_prints():
    follower = [RatingRow("f0", "follower", item, 1) for item in "abcd"]
    results = _results(follower, {"peer": 3, "report": 3, "follower": 1})
    forecasts = {(g.id, d.id): 3.0 for g in GROUPS for d in Q.dimensions}
    for row in compare_forecast(forecasts, results, Q).rows:
        assert row.actual == results.dimension(row.dimension_id).unit_means[row.group_id]


def test_a_withheld_group_mean_keeps_its_row_without_a_figure():
    # Two of three reports rate listen; the third says "not observed" on both items. The
    # reports' 2 ratings per item are withheld, so the peers' 3 are too (else all raters minus
    # peers would give them); no unit has a listen mean of its own.
    reports = [
        RatingRow(f"r{n}", "report", item, 3 if n < 2 else None) for n in range(3) for item in "ab"
    ]
    reports += [RatingRow(f"r{n}", "report", item, 4) for n in range(3) for item in "cd"]
    rows = _rows(PEERS, "peer", "p") + reports
    results = aggregate(Q, rows, {}, {"peer": 3, "report": 3}, 3)
    comparison = compare_forecast({("report", "listen"): 3.0, ("report", "share"): 4.0}, results, Q)
    listen, share = comparison.rows
    assert (listen.actual, listen.difference, comparison.reading(listen)) == (None, None, "")
    assert (share.actual, share.difference, comparison.reading(share)) == (
        4.0,
        0.0,
        ABOUT_AS_EXPECTED,
    )


def test_parse_forecast_reads_the_form_and_says_what_is_wrong():
    raw = {
        ("peer", "listen"): "4",
        ("peer", "share"): " 3,5 ",
        ("report", "listen"): "",
        ("report", "share"): None,
        ("follower", "listen"): "6",
        ("follower", "share"): "3.25",
        ("other", "listen"): "about three",
        ("other", "share"): "nan",
        ("boss", "listen"): "3",
    }
    parsed = parse_forecast(raw, Q)
    assert parsed.values == {("peer", "listen"): 4.0, ("peer", "share"): 3.5}
    assert not parsed.ok
    assert set(parsed.errors) == {
        ("follower", "listen"),
        ("follower", "share"),
        ("other", "listen"),
        ("other", "share"),
        ("boss", "listen"),
    }
    assert parsed.errors[("follower", "listen")] == forecast_error(5)
    assert "1 to 5" in forecast_error(5)
    assert "not a group" in parsed.errors[("boss", "listen")]
    assert parse_forecast({("peer", "listen"): "1"}, Q).ok
