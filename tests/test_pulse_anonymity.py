"""A pulse under every anonymity rule of a round, on SQLite and PostgreSQL (issue 18): its own
threshold hides small groups, its change answers show only from the detail threshold, nothing
in a copy of the database joins a pulse response to the round's responses or to an invitation,
and neither round's counts move with the other's answers."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.followup import pulse_results
from feedback360.followup.survey import CHANGE_PREFIX
from feedback360.followup.survey import pulse_answers
from feedback360.followup.survey import pulse_survey_of
from feedback360.followup.survey import survey_questionnaire
from feedback360.models import Answer
from feedback360.models import FocusPlanEntry
from feedback360.models import Forecast
from feedback360.models import Invitation
from feedback360.models import MailDecline
from feedback360.models import OpenLink
from feedback360.models import PulseTarget
from feedback360.models import Response
from feedback360.models import Round
from feedback360.models import SpentToken
from feedback360.models import WordBack
from feedback360.reports.services import round_results
from feedback360.rounds import services as round_services
from feedback360.rounds.services.common import RoundError
from feedback360.rounds.services.progress import progress_of
from feedback360.rounds.services.progress import response_counts
from feedback360.rounds.services.sharing import round_visible_to
from tests.followup_setup import answer_pulse
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today
from tests.followup_setup import pulse_tokens

Q = questionnaire.load()


@pytest.fixture
def pulse(open_round, leader):
    closed_round_with_plan(open_round, leader)
    return pulse_today(open_round, leader)


def answer(pulse, emails, value, change="a_little_better"):
    tokens = pulse_tokens(pulse)
    for email in emails:
        answer_pulse(tokens[email], pulse, value, change)


COLLEAGUES = [f"colleague{i}@example.org" for i in range(4)]
STAFF = [f"staff{i}@example.org" for i in range(3)]
FOLLOWERS = [f"follower{i}@example.org" for i in range(3)]


def test_the_pulse_asks_only_its_focus_statements(pulse):
    asked = [item.id for item in survey_questionnaire(pulse).items]
    assert asked == ["purpose_1", "progress_1", "progress_2"]
    assert survey_questionnaire(pulse.parent_round).items == Q.items


def test_a_group_below_the_threshold_is_left_out_of_every_pulse_figure(pulse):
    answer(pulse, COLLEAGUES, 4)
    answer(pulse, STAFF[:2], 1)  # two of three staff: below the threshold of 3
    round_services.close_round(pulse)
    report = pulse_results.pulse_report(pulse)
    vis = report.results.visibility
    assert vis.unit_of("colleague") is not None and vis.unit_of("staff") is None
    first = report.comparison.targets[0].items[0]
    # "now" is the colleagues' 4 alone; the staff's 1s are in no figure, "all raters" included.
    assert (first.after_mean, first.after_n) == (4.0, 4)
    assert first.before_mean == pytest.approx(
        round_results(pulse.parent_round, Q).items[0].others_mean
    )
    lines = {line.group_id: line for line in report.group_lines}
    assert lines["colleague"].responses == 4
    assert lines["staff"].responses is None and lines["staff"].status.startswith("Not shown")


def test_change_answers_show_only_from_the_detail_threshold(pulse):
    answer(pulse, COLLEAGUES, 4, "clearly_better")  # 4 of the 5 the detail threshold needs
    answer(pulse, STAFF[:2], 4, "clearly_worse")  # a hidden group: never counted
    round_services.close_round(pulse)
    change = pulse_results.pulse_report(pulse).comparison.targets[0].change
    assert not change.shown and all(n == 0 for _, _, n in change.counts)


def test_change_answers_of_shown_groups_are_counted_once_enough_gave_one(open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    answer(pulse, COLLEAGUES, 4, "clearly_better")
    answer(pulse, FOLLOWERS, 3, "no_change")
    answer(pulse, STAFF[:1], 4, "clearly_worse")  # one staff member: hidden
    round_services.close_round(pulse)
    report = pulse_results.pulse_report(pulse)
    counts = {option: n for option, _, n in report.comparison.targets[1].change.counts}
    assert counts["clearly_better"] == 4 and counts["no_change"] == 3
    assert counts["clearly_worse"] == 0
    assert "Nobody, the app included, knows who rated both times." in report.notes


def test_cant_say_does_not_count_towards_the_detail_threshold(pulse):
    answer(pulse, COLLEAGUES, 4, "clearly_better")
    answer(pulse, FOLLOWERS, 4, "cant_say")  # 7 answers, only 4 that say something
    round_services.close_round(pulse)
    assert not pulse_results.pulse_report(pulse).comparison.targets[0].change.shown


def test_a_copy_of_the_database_joins_no_pulse_response_to_anything(pulse):
    original_ids = set(
        db.session.scalars(select(Response.id).where(Response.round_id == pulse.parent_round_id))
    )
    answer(pulse, COLLEAGUES + FOLLOWERS, 4)
    before_close = set(db.session.scalars(select(Response.id).where(Response.round_id == pulse.id)))
    round_services.close_round(pulse)
    after_close = set(db.session.scalars(select(Response.id).where(Response.round_id == pulse.id)))
    assert len(after_close) == 7
    # Rewritten at close like a round's, with fresh random ids: none kept from the submits,
    # none shared with the original round.
    assert not after_close & before_close and not after_close & original_ids
    assert all(uuid.UUID(i).version == 4 for i in after_close)
    # No time, no order, no invitation: the columns are the round's and nothing more.
    columns = {c["name"] for c in inspect(db.engine).get_columns("responses")}
    assert columns == {"id", "round_id", "rater_group", "platforms"}
    assert {c["name"] for c in inspect(db.engine).get_columns("answers")} == {
        "response_id",
        "item_id",
        "value",
    }
    # The pulse's invitations forgot who answered; their links share nothing with the round's.
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.round_id == pulse.id)
    ).all()
    assert not any(inv.answered or inv.declined for inv in invitations)
    old = {
        value
        for inv in db.session.scalars(
            select(Invitation).where(Invitation.round_id == pulse.parent_round_id)
        )
        for value in (inv.token_hash, inv.nonce)
    }
    assert not old & {value for inv in invitations for value in (inv.token_hash, inv.nonce)}
    # The change answers are answers of the response, as its ratings are: 1..5, NULL can't say.
    changes = db.session.execute(
        select(Answer.item_id, Answer.value).where(Answer.item_id.startswith(CHANGE_PREFIX))
    ).all()
    assert {item for item, _ in changes} == {"change:purpose_1", "change:progress"}
    assert {value for _, value in changes} == {4}


def test_no_count_of_the_round_moves_with_the_pulse(pulse):
    original = pulse.parent_round
    counts = response_counts(original.id)
    figures = round_results(original, Q)
    kept = original.progress_at_close
    answer(pulse, COLLEAGUES + STAFF + FOLLOWERS, 5)
    round_services.close_round(pulse)
    assert response_counts(original.id) == counts
    assert round_results(original, Q) == figures
    db.session.refresh(original)
    assert original.progress_at_close == kept
    # The pulse counts its own responses only, by its own groups and threshold.
    assert response_counts(pulse.id) == {"follower": 3, "colleague": 4, "staff": 3, "other": 0}
    assert pulse_results.pulse_report(pulse).results.visibility.threshold == 3


def test_the_pulse_page_counts_groups_as_the_round_did(pulse):
    original = pulse.parent_round
    assert pulse.pooled_groups == original.pooled_groups
    view = progress_of(pulse)
    assert "other" in view.hidden_groups  # one invitee: nothing that moves is shown
    assert "other" not in {line.group for line in view.lines}


def test_a_pulse_submit_goes_through_the_open_link_and_its_cap(pulse):
    link = db.session.scalar(select(OpenLink).where(OpenLink.round_id == pulse.id))
    from flask import current_app

    token = round_services.rotate_open_link(link, current_app.config["SECRET_KEY"])
    answer_pulse(token, pulse, 3)
    db.session.refresh(link)
    assert link.responses == 1
    assert response_counts(pulse.id)["follower"] == 1


def test_a_pulse_of_a_maximum_anonymity_round_keeps_no_answered_flag(draft_round, leader):
    from feedback360.followup.plans import save_plan
    from tests.followup_setup import PLAN
    from tests.followup_setup import answer_and_close
    from tests.helpers import invite

    round_services.update_round(draft_round, max_anonymity=True)
    draft_round.tokens = invite(
        draft_round, "\n".join(f"colleague{i}@example.org, colleague" for i in range(4))
    )
    round_services.open_round(draft_round)
    answer_and_close(draft_round, open_link_answers=0)
    save_plan(draft_round, leader, PLAN)
    pulse = pulse_today(draft_round, leader)
    assert pulse.max_anonymity
    answer(pulse, COLLEAGUES[:1], 4)
    assert db.session.scalar(select(func.count()).where(SpentToken.round_id == pulse.id)) == 1
    assert not db.session.scalar(
        select(func.count()).where(Invitation.round_id == pulse.id, Invitation.answered)
    )


def test_a_forged_pulse_answer_is_refused(pulse):
    survey = pulse_survey_of(pulse)
    with pytest.raises(ValueError):
        pulse_answers(survey, {"value_1": 3}, {})
    with pytest.raises(ValueError):
        pulse_answers(survey, {"purpose_1": 9}, {})
    with pytest.raises(ValueError):
        pulse_answers(survey, {}, {"purpose_1": "much_better"})
    with pytest.raises(ValueError):
        pulse_answers(survey, {}, {"value": "no_change"})


def test_the_pulse_report_waits_for_the_close(pulse):
    with pytest.raises(RoundError, match="once it has closed"):
        pulse_results.pulse_report(pulse)


def test_the_round_coach_sees_its_pulse(open_round, leader, coach, other_leader):
    round_services.share_with_coach(open_round, coach.email)
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    assert round_visible_to(pulse.id, coach)[1] == "coach"
    assert round_visible_to(pulse.id, other_leader) is None


def test_deleting_the_round_deletes_its_pulse_and_everything_after_it(pulse, leader):
    from feedback360.followup.word_backs import send_word_back

    original = pulse.parent_round
    round_services.decline(
        db.session.scalar(select(Invitation).where(Invitation.round_id == original.id).limit(1))
    )
    send_word_back(original, leader, "Thank you.")
    answer(pulse, COLLEAGUES, 4)
    db.session.add(Forecast(round_id=original.id, rater_group="staff", dimension_id="x", tenths=30))
    db.session.commit()
    round_services.delete_round(original)
    for model in (
        Round,
        Invitation,
        Response,
        Answer,
        OpenLink,
        PulseTarget,
        FocusPlanEntry,
        Forecast,
        WordBack,
        MailDecline,
    ):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
