"""The anonymity promise: which groups a report may show, and when the threshold may change."""

from __future__ import annotations

import pytest

from feedback360 import questionnaire
from feedback360.anonymity import COMBINED_UNIT_ID
from feedback360.anonymity import MIN_THRESHOLD
from feedback360.anonymity import LivePools
from feedback360.anonymity import can_change_threshold
from feedback360.anonymity import live_pools
from feedback360.anonymity import validate_threshold
from feedback360.anonymity import visibility
from feedback360.questionnaire import Group

GROUPS = tuple(
    Group(id=gid, label=gid.title(), plural=f"{gid.title()}s", description="")
    for gid in ("peer", "report", "manager", "follower")
)


def test_threshold_is_never_below_three():
    assert MIN_THRESHOLD == 3
    validate_threshold(3)
    validate_threshold(7)
    for bad in (2, 1, 0, -3):
        with pytest.raises(ValueError, match="at least 3"):
            validate_threshold(bad)
    with pytest.raises(ValueError):
        validate_threshold(True)
    with pytest.raises(ValueError):
        visibility({"peer": 5}, 2, GROUPS)


def test_threshold_change_before_invitations():
    assert can_change_threshold(5, 3, invitations_sent=False) is None
    assert can_change_threshold(3, 5, invitations_sent=False) is None
    assert "at least 3" in can_change_threshold(3, 2, invitations_sent=False)


def test_threshold_cannot_be_lowered_once_invitations_went_out():
    message = can_change_threshold(5, 4, invitations_sent=True)
    assert message is not None and "lowered" in message
    assert can_change_threshold(5, 5, invitations_sent=True) is None
    assert can_change_threshold(3, 6, invitations_sent=True) is None
    assert "at least 3" in can_change_threshold(3, 1, invitations_sent=True)


def test_groups_at_threshold_are_shown_in_questionnaire_order():
    v = visibility({"report": 4, "peer": 3, "manager": 0}, 3, GROUPS)
    assert [u.id for u in v.units] == ["peer", "report"]
    assert [u.label for u in v.units] == ["Peers", "Reports"]
    assert [u.respondents for u in v.units] == [3, 4]
    assert v.counts == {"peer": 3, "report": 4, "manager": 0, "follower": 0}
    assert v.folded_groups == () and v.hidden_groups == ()
    assert v.unit_of("peer") == "peer"
    assert v.unit_of("manager") is None
    assert v.reported_respondents == 7


def test_group_below_threshold_is_hidden():
    v = visibility({"peer": 3, "report": 2}, 3, GROUPS)
    assert [u.id for u in v.units] == ["peer"]
    assert v.hidden_groups == ("report",)
    assert v.unit_of("report") is None
    assert v.counts["report"] == 2
    assert v.reported_respondents == 3


def test_single_hidden_group_is_not_folded():
    v = visibility({"peer": 5, "manager": 2}, 3, GROUPS)
    assert all(u.id != COMBINED_UNIT_ID for u in v.units)
    assert v.hidden_groups == ("manager",)
    assert v.folded_groups == ()


def test_two_hidden_groups_reaching_threshold_are_folded():
    v = visibility({"peer": 3, "report": 2, "follower": 1}, 3, GROUPS)
    assert [u.id for u in v.units] == ["peer", COMBINED_UNIT_ID]
    combined = v.units[-1]
    assert combined.label == "Other groups combined"
    assert combined.respondents == 3
    assert combined.group_ids == ("report", "follower")
    assert v.folded_groups == ("report", "follower")
    assert v.hidden_groups == ()
    assert v.unit_of("report") == v.unit_of("follower") == COMBINED_UNIT_ID
    assert v.reported_respondents == 6


def test_two_hidden_groups_below_threshold_together_are_not_folded():
    v = visibility({"peer": 4, "report": 1, "follower": 1}, 3, GROUPS)
    assert [u.id for u in v.units] == ["peer"]
    assert v.hidden_groups == ("report", "follower")
    assert v.folded_groups == ()


def test_folding_follows_the_round_threshold():
    v = visibility({"peer": 4, "report": 3, "follower": 1}, 5, GROUPS)
    assert [u.id for u in v.units] == [COMBINED_UNIT_ID]
    assert v.units[0].respondents == 8
    assert v.folded_groups == ("peer", "report", "follower")


def test_no_responses_no_units():
    v = visibility({}, 3, GROUPS)
    assert v.units == () and v.hidden_groups == () and v.folded_groups == ()
    assert v.reported_respondents == 0


def test_unknown_group_counts_nowhere():
    v = visibility({"peer": 3, "stranger": 9}, 3, GROUPS)
    assert "stranger" not in v.counts
    assert v.unit_of("stranger") is None


def test_group_id_may_not_clash_with_combined_unit():
    groups = (Group(id=COMBINED_UNIT_ID, label="x", plural="xs", description=""),)
    with pytest.raises(ValueError):
        visibility({}, 3, groups)


# --- The report follows the leader's page (LivePools) ---------------------------------------

APP_GROUPS = questionnaire.load().groups


def test_a_group_the_page_counted_only_combined_never_stands_alone():
    """Colleagues were pooled with staff while open (the page showed their sum): showing
    colleagues alone would give staff's count by subtraction."""
    pools = LivePools(combined=("colleague", "staff"))
    vis = visibility({"follower": 6, "colleague": 5, "staff": 0}, 3, APP_GROUPS, pools)
    assert vis.unit_of("colleague") == COMBINED_UNIT_ID
    assert vis.unit_of("follower") == "follower"
    # Staff answered nothing, yet is named in the fold like colleagues: no name says who did.
    assert set(vis.folded_groups) == {"colleague", "staff"}
    (combined,) = [u for u in vis.units if u.id == COMBINED_UNIT_ID]
    assert combined.respondents == 5


def test_a_group_the_page_counted_nowhere_is_left_out_of_the_report():
    """Followers' count was on the page, staff's never: folding the two would give staff's."""
    pools = LivePools(hidden=("staff",))
    vis = visibility({"follower": 2, "staff": 2}, 3, APP_GROUPS, pools)
    assert not vis.units and not vis.folded_groups
    assert set(vis.hidden_groups) == {"follower", "staff"}
    without_pools = visibility({"follower": 2, "staff": 2}, 3, APP_GROUPS)
    assert set(without_pools.folded_groups) == {"follower", "staff"}, "the old fold"


def test_live_pools_are_the_pages_combined_line_and_hidden_groups():
    invited = {"follower": 5, "colleague": 2, "staff": 2, "other": 1}
    assert live_pools(invited, ("colleague", "staff", "other"), 3, APP_GROUPS) == LivePools(
        combined=("colleague", "staff", "other")
    )
    assert live_pools({"follower": 5, "staff": 2}, ("staff",), 3, APP_GROUPS) == LivePools(
        hidden=("staff",)
    )
