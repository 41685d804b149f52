"""Live counts name nobody: what the leader sees while a round runs stays the same when one
person in a small group answers or declines (issue 13, leak 3)."""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from feedback360 import questionnaire
from feedback360.anonymity import COMBINED_UNIT_ID
from feedback360.anonymity import GroupActivity
from feedback360.anonymity import pool_small_groups
from feedback360.anonymity import progress_from_stored
from feedback360.anonymity import progress_to_stored
from feedback360.anonymity import progress_view
from feedback360.anonymity import reminders_queued_notice
from feedback360.extensions import db
from feedback360.models import Invitation
from feedback360.rounds import services as round_services
from tests.handmade import groups as make_groups
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token
from tests.helpers import time_passes
from tests.test_cli import run_cli
from tests.test_mail import deliver_all
from tests.test_mail import smtp  # noqa: F401 (a fixture)

Q = questionnaire.load()
GROUPS = make_groups("a", "b", "c", "d")


# --- The rule, on plain data --------------------------------------------------------------------


def activity(invited, answered=0, declined=0, responses=0, max_anonymity=False):
    return GroupActivity(invited, None if max_anonymity else answered, declined, responses)


def test_a_group_of_one_or_two_invitees_shows_nothing_that_moves():
    counts = {"a": activity(5, 2, 1, 3), "b": activity(1, 1, 0, 1), "c": activity(2, 0, 1, 0)}
    view = progress_view(counts, pool_small_groups((), {"b": 1, "c": 2, "a": 5}, 3), 3, GROUPS)
    # b and c pooled: together 3 invitees, so combined.
    assert [line.group for line in view.lines] == ["a", "d", COMBINED_UNIT_ID]
    combined = view.lines[-1]
    assert (combined.invited, combined.answered, combined.declined, combined.responses) == (
        3,
        1,
        1,
        1,
    )
    assert view.combined_groups == ("b", "c") and view.hidden_groups == ()
    assert view.notes == (
        "Bs and cs are counted only together, as “Other groups combined”: each had fewer than "
        "3 people invited, and with so few people, a count that changes would tell you who "
        "answered or declined.",
    )
    del counts["c"]
    alone = progress_view(counts, pool_small_groups((), {"b": 1, "a": 5}, 3), 3, GROUPS)
    assert "b" not in {line.group for line in alone.lines}
    assert alone.hidden_groups == ("b",)
    assert "Nothing that changes as people answer or decline is shown for bs" in alone.notes[0]


def test_a_group_at_the_threshold_shows_its_own_counts():
    view = progress_view({"a": activity(3, 1, 1, 2)}, (), 3, GROUPS)
    line = next(line for line in view.lines if line.group == "a")
    assert (line.invited, line.answered, line.declined, line.responses, line.rate) == (
        3,
        1,
        1,
        2,
        33,
    )
    assert view.notes == ()


def test_a_pooled_group_stays_pooled_when_it_grows():
    """Else the combined line before, minus the grown group alone after, gives the others."""
    pooled = pool_small_groups((), {"a": 1, "b": 2}, 3)
    assert pooled == ("a", "b")
    assert pool_small_groups(pooled, {"a": 1, "b": 7}, 3) == ("a", "b")
    view = progress_view({"a": activity(1, 1), "b": activity(7, 2)}, pooled, 3, GROUPS)
    assert [line.group for line in view.lines] == ["c", "d", COMBINED_UNIT_ID]


def test_a_group_shown_alone_is_hidden_not_pooled_when_the_threshold_goes_up():
    """Pooling it would let the combined line minus its earlier count give the others."""
    counts = {"a": activity(3, 2), "b": activity(1, 1)}
    pooled = pool_small_groups((), {"a": 3, "b": 1}, 3)
    view = progress_view(counts, pooled, 4, GROUPS)
    assert {line.group for line in view.lines} == {"c", "d"}
    assert set(view.hidden_groups) == {"a", "b"}


def test_the_lines_survive_being_stored_at_close():
    counts = {"a": activity(5, 2, 1, 3), "b": activity(1, 1), "c": activity(2, 0, 1)}
    view = progress_view(counts, ("b", "c"), 3, GROUPS)
    assert progress_from_stored(progress_to_stored(view), GROUPS) == view
    maximum = progress_view({"a": activity(5, max_anonymity=True)}, (), 3, GROUPS)
    assert progress_from_stored(progress_to_stored(maximum), GROUPS) == maximum


group_activity = st.builds(
    lambda invited, answered, declined, link: GroupActivity(
        invited, min(answered, invited), min(declined, invited), min(answered, invited) + link
    ),
    st.integers(0, 6),
    st.integers(0, 6),
    st.integers(0, 6),
    st.integers(0, 3),
)


@settings(max_examples=300, deadline=None)
@given(
    before=st.fixed_dictionaries({g.id: group_activity for g in GROUPS}),
    threshold=st.integers(3, 5),
    changed=st.sampled_from([g.id for g in GROUPS]),
    answered=st.integers(-2, 2),
    declined=st.integers(-2, 2),
)
def test_no_line_moves_with_a_group_below_the_threshold(
    before, threshold, changed, answered, declined
):
    """Whatever one group's people do, if it has fewer invitees than the threshold and is not
    in a combined line of at least the threshold, nothing the leader sees changes; and every
    shown figure belongs to a line of no invitee or at least the threshold."""
    invited = {g: a.invited for g, a in before.items()}
    pooled = pool_small_groups((), invited, threshold)
    view = progress_view(before, pooled, threshold, GROUPS)
    for line in view.lines:
        assert line.invited == 0 or line.invited >= threshold
        assert line.invited == sum(before[g].invited for g in line.group_ids)
    shown_groups = {g for line in view.lines for g in line.group_ids}
    assert shown_groups.isdisjoint(view.hidden_groups)
    assert shown_groups | set(view.hidden_groups) == {g.id for g in GROUPS}
    old = before[changed]
    new = GroupActivity(
        old.invited,
        max(0, old.answered + answered),
        max(0, old.declined + declined),
        max(0, old.responses + answered),
    )
    after = progress_view({**before, changed: new}, pooled, threshold, GROUPS)
    if changed in view.hidden_groups:
        assert after == view


def test_the_reminder_notice_has_no_number():
    for max_anonymity in (False, True):
        assert re.findall(r"\d+", reminders_queued_notice(max_anonymity)) == ["24"], "hours"


# --- The leader's pages, on both databases ------------------------------------------------------


def counted_round(leader, small: int, max_anonymity: bool, title: str = "Counted"):
    """Open: 3 followers (at the threshold), `small` staff, nobody else."""
    a_round = round_services.create_round(
        leader,
        title=title,
        why="",
        success_measures="",
        platforms=[],
        closes_on=date.today() + timedelta(days=14),
        anonymity_threshold=3,
        max_anonymity=max_anonymity,
    )
    lines = [f"follower{i}@example.org, follower" for i in range(3)]
    lines += [f"staff{i}@example.org, staff" for i in range(small)]
    a_round.tokens = invite(a_round, "\n".join(lines))
    round_services.open_round(a_round)
    return a_round


def seen(client, round_id: int) -> dict[str, str]:
    """Every page the leader (and a coach) can read about an open round, with the parts that
    differ from one request to the next (CSRF tokens) and ids taken out."""

    def clean(text: str) -> str:
        text = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "CSRF", text)
        text = re.sub(r'value="[^"]*" name="csrf_token"', "CSRF", text)
        text = re.sub(r"/invitations/\d+/", "/invitations/N/", text)
        return re.sub(r"/rounds/\d+\b", "/rounds/N", text)

    pages = {
        path: clean(client.get(path.format(round_id)).text)
        for path in ("/rounds/{}", "/rounds/{}/results", "/rounds/{}/delete", "/")
    }
    return pages


def act(a_round, email: str, action: str) -> None:
    if action == "answer":
        submit_via_token(a_round.tokens[email], answer_all(Q, 4))
    else:
        invitation = db.session.scalars(
            db.select(Invitation).where(
                Invitation.round_id == a_round.id, Invitation.email == email
            )
        ).one()
        round_services.decline(invitation)


@pytest.mark.parametrize("max_anonymity", [False, True], ids=["default", "max_anonymity"])
@pytest.mark.parametrize("small", [1, 2])
@pytest.mark.parametrize("action", ["answer", "decline"])
def test_a_small_group_answering_or_declining_changes_no_page(
    client, leader, max_anonymity, small, action
):
    a_round = counted_round(leader, small, max_anonymity)
    login(client, "leader@example.com")
    before = seen(client, a_round.id)
    progress = before["/rounds/{}"]
    assert "Nothing that changes as people answer or decline is shown for staff" in progress
    act(a_round, "staff0@example.org", action)
    assert seen(client, a_round.id) == before
    # The comparison sees a change in a group at the threshold: it is not blind.
    act(a_round, "follower0@example.org", action)
    assert seen(client, a_round.id)["/rounds/{}"] != progress


@pytest.mark.parametrize("max_anonymity", [False, True], ids=["default", "max_anonymity"])
def test_a_group_at_the_threshold_shows_its_own_counts_on_the_page(client, leader, max_anonymity):
    a_round = counted_round(leader, 3, max_anonymity)
    act(a_round, "staff0@example.org", "answer")
    act(a_round, "staff1@example.org", "decline")
    login(client, "leader@example.com")
    table = client.get(f"/rounds/{a_round.id}").text.split('id="progress"')[1].split("</table>")[0]
    row = re.search(r'<th scope="row">Staff</th>(.*?)</tr>', table, re.S)[1]
    cells = re.findall(r"<td>(\d+)", row)
    assert cells == (["3", "1", "1"] if max_anonymity else ["3", "1", "33", "1", "1"])


def test_small_groups_are_counted_together_and_stay_so(client, leader):
    a_round = counted_round(leader, 2, False)
    invite(a_round, "colleague0@example.org, colleague")
    assert a_round.pooled_groups == ["colleague", "staff"]
    act(a_round, "staff0@example.org", "answer")
    login(client, "leader@example.com")

    def rows():
        page = client.get(f"/rounds/{a_round.id}").text
        table = page.split('id="progress"')[1].split("</table>")[0]
        return dict(re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', table, re.S)), page

    shown, page = rows()
    assert "Staff" not in shown and "Colleagues" not in shown
    assert re.findall(r"<td>(\d+)", shown["Other groups combined"]) == ["3", "1", "33", "0", "1"]
    assert "Colleagues and staff are counted only together" in page
    invite(a_round, "staff2@example.org, staff\nstaff3@example.org, staff")
    shown, _ = rows()
    assert "Staff" not in shown, "grown, but alone it would give the colleague away"
    assert re.findall(r"<td>(\d+)", shown["Other groups combined"])[:2] == ["5", "1"]


def test_reminders_say_the_same_whoever_has_answered(client, leader, smtp):  # noqa: F811
    """How many were reminded, or skipped, is how many have not answered."""
    quiet = counted_round(leader, 1, False, "Twin")
    answered = counted_round(leader, 1, False, "Twin")
    act(answered, "staff0@example.org", "answer")
    deliver_all()
    time_passes(days=3)
    login(client, "leader@example.com")
    after = []
    for a_round in (quiet, answered):
        flash = client.post(f"/rounds/{a_round.id}/reminders", follow_redirects=True).text
        deliver_all()
        after.append(
            (re.search(r"Reminders are on their way[^<]*", flash)[0], seen(client, a_round.id))
        )
    for path in after[0][1]:
        assert after[0][1][path] == after[1][1][path], path
    assert after[0][0] == after[1][0]
    assert len(smtp.messages) > 2 * 4, "the reminders did go out"


def test_the_command_line_counts_no_open_round(app, leader):
    a_round = counted_round(leader, 1, False)
    before = run_cli(app, "rounds").output
    act(a_round, "staff0@example.org", "answer")
    assert run_cli(app, "rounds").output == before
    assert f"{a_round.id}\topen\t- responses" in before


def test_coach_sees_the_same_rule(client, leader):
    a_round = counted_round(leader, 1, False)
    round_services.share_with_coach(a_round, "coach@example.com")
    add_user("coach@example.com", "Cora Coach")
    login(client, "coach@example.com")
    before = client.get(f"/rounds/{a_round.id}/results").text
    assert "Nothing that changes as people answer or decline is shown for staff" in before
    act(a_round, "staff0@example.org", "answer")
    assert client.get(f"/rounds/{a_round.id}/results").text == before
