"""Issue 18's services on SQLite and PostgreSQL: the forecast (only while open, the leader's),
the focus plan (after close; the leader writes, the coach reads), and pulse creation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.focus import EntryInput
from feedback360.followup import forecasts
from feedback360.followup import plans
from feedback360.followup import pulses
from feedback360.followup.access import NotAllowed
from feedback360.models import Forecast
from feedback360.models import Invitation
from feedback360.models import OpenLink
from feedback360.models import OutboxMessage
from feedback360.models import PulseTarget
from feedback360.models import Round
from feedback360.reports.services import round_results
from feedback360.rounds import services as round_services
from feedback360.rounds.services.common import RoundError
from feedback360.rounds.services.common import today
from feedback360.rounds.services.lifecycle import open_due_pulses
from tests.followup_setup import PLAN
from tests.followup_setup import Q
from tests.followup_setup import answer_and_close
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today

# --- Forecast -----------------------------------------------------------------------------------


def test_forecast_is_kept_in_tenths_and_read_back_as_typed(open_round, leader):
    raw = {("colleague", "purpose"): "3,5", ("staff", "progress"): "4", ("follower", "value"): ""}
    parsed = forecasts.save_forecast(open_round, leader, raw)
    assert parsed.ok
    assert forecasts.forecast_values(open_round) == {
        ("colleague", "purpose"): 3.5,
        ("staff", "progress"): 4.0,
    }
    assert forecasts.forecast_form_values(open_round) == {
        "forecast-colleague-purpose": "3.5",
        "forecast-staff-progress": "4",
    }
    # Saving again replaces the whole forecast; an empty form removes it.
    forecasts.save_forecast(open_round, leader, forecasts.raw_forecast({}, Q))
    assert forecasts.forecast_values(open_round) == {}


def test_a_wrong_forecast_stores_nothing_and_says_which_field(open_round, leader):
    forecasts.save_forecast(open_round, leader, {("colleague", "purpose"): "3"})
    parsed = forecasts.save_forecast(
        open_round, leader, {("colleague", "purpose"): "2", ("staff", "purpose"): "3.25"}
    )
    assert not parsed.ok
    assert list(parsed.errors) == [("staff", "purpose")]
    assert "one decimal" in parsed.errors["staff", "purpose"]
    assert forecasts.forecast_values(open_round) == {("colleague", "purpose"): 3.0}


def test_the_form_fields_name_group_and_dimension(open_round, leader):
    form = {forecasts.field_name("staff", "purpose"): "2.5", "csrf_token": "x"}
    raw = forecasts.raw_forecast(form, Q)
    assert raw[("staff", "purpose")] == "2.5"
    assert len(raw) == len(Q.groups) * len(Q.dimensions)


def test_a_forecast_is_made_only_while_the_round_is_open(draft_round, leader):
    raw = {("colleague", "purpose"): "3"}
    with pytest.raises(RoundError, match="while the round is open"):
        forecasts.save_forecast(draft_round, leader, raw)
    draft_round.tokens = {}
    round_services.open_round(draft_round)
    forecasts.save_forecast(draft_round, leader, raw)
    round_services.close_round(draft_round)
    with pytest.raises(RoundError, match="while the round is open"):
        forecasts.save_forecast(draft_round, leader, {("colleague", "purpose"): "5"})
    assert forecasts.forecast_values(draft_round) == {("colleague", "purpose"): 3.0}


def test_only_the_leader_makes_a_forecast(open_round, leader, coach, other_leader):
    round_services.share_with_coach(open_round, coach.email)
    for someone in (coach, other_leader):
        with pytest.raises(NotAllowed):
            forecasts.save_forecast(open_round, someone, {("colleague", "purpose"): "3"})
    assert db.session.scalar(select(func.count()).select_from(Forecast)) == 0


def test_the_database_refuses_a_forecast_off_the_scale(open_round):
    db.session.add(
        Forecast(round_id=open_round.id, rater_group="staff", dimension_id="x", tenths=5)
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_forecast_against_actual_only_for_groups_shown(open_round, leader):
    forecasts.save_forecast(
        open_round,
        leader,
        {("colleague", "purpose"): "5", ("staff", "purpose"): "2", ("other", "purpose"): "3"},
    )
    answer_and_close(open_round)
    results = round_results(open_round, Q)
    comparison = forecasts.forecast_comparison(open_round, results, Q)
    rows = {(r.group_id, r.dimension_id): r for r in comparison.rows}
    assert rows["colleague", "purpose"].actual == 3.0
    assert comparison.reading(rows["colleague", "purpose"]) == "Lower than you expected"
    assert rows["staff", "purpose"].difference == 0.0
    # The one "other" invitee did not answer: no figure, only the report's words for it.
    assert [n.group_id for n in comparison.not_compared] == ["other"]


def test_no_forecast_no_section(open_round, leader):
    answer_and_close(open_round)
    assert not forecasts.forecast_comparison(open_round, round_results(open_round, Q), Q)


# --- Plan ---------------------------------------------------------------------------------------


def test_the_plan_waits_for_the_close(open_round, leader):
    with pytest.raises(RoundError, match="once the round has closed"):
        plans.save_plan(open_round, leader, PLAN)


def test_the_leader_writes_the_plan_and_the_coach_reads_it(open_round, leader, coach, other_leader):
    round_services.share_with_coach(open_round, coach.email)
    closed_round_with_plan(open_round, leader)
    expected = [(e.target, e.action, e.platform, e.measure) for e in PLAN]
    read = [
        (e.target_id, e.action, e.platform, e.measure) for e in plans.plan_for(open_round, coach)
    ]
    assert read == expected
    with pytest.raises(NotAllowed):
        plans.save_plan(open_round, coach, PLAN[:1])
    with pytest.raises(NotAllowed):
        plans.plan_for(open_round, other_leader)
    assert [t.id for t in plans.plan_targets(open_round)] == ["purpose_1", "progress"]


def test_editing_the_plan_replaces_it_in_the_new_order(open_round, leader):
    closed_round_with_plan(open_round, leader)
    edited = [PLAN[1], EntryInput("value", "Answer questions in comments.", "x", "More replies")]
    assert plans.save_plan(open_round, leader, edited).ok
    assert [e.target_id for e in plans.plan_of(open_round)] == ["progress", "value"]
    form = plans.plan_form_entries(open_round)
    assert len(form) == 3 and form[2] == EntryInput()


def test_a_wrong_plan_stores_nothing_and_keeps_errors_by_field(open_round, leader):
    closed_round_with_plan(open_round, leader)
    four = [*PLAN, EntryInput("value", "a", "x", "b"), EntryInput("human", "a", "x", "b")]
    checked = plans.save_plan(open_round, leader, four)
    assert not checked.ok and checked.errors_for(None)
    overlapping = [PLAN[1], EntryInput("progress_1", "a", "any", "b")]
    checked = plans.save_plan(open_round, leader, overlapping)
    assert checked.errors_for(1, "target")
    assert [e.target_id for e in plans.plan_of(open_round)] == ["purpose_1", "progress"]


def test_saving_the_plan_asks_for_new_pdf_copies(open_round, leader, coach):
    from feedback360.models import ReportFile

    round_services.share_with_coach(open_round, coach.email)
    closed_round_with_plan(open_round, leader)
    readers = db.session.scalars(
        select(ReportFile.reader).where(ReportFile.round_id == open_round.id)
    ).all()
    assert sorted(readers) == sorted(["leader", f"coach-{open_round.shares[0].id}"])


# --- Pulse --------------------------------------------------------------------------------------


def test_a_pulse_needs_a_closed_round_with_a_plan(open_round, leader):
    with pytest.raises(RoundError, match="closed"):
        pulse_today(open_round, leader)
    answer_and_close(open_round)
    with pytest.raises(RoundError, match="focus on first"):
        pulse_today(open_round, leader)


def test_a_pulse_asks_the_same_people_with_fresh_links(open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    assert (pulse.kind, pulse.parent_round_id, pulse.status) == ("pulse", open_round.id, "open")
    assert pulse.anonymity_threshold == open_round.anonymity_threshold
    assert pulse.questionnaire_version == open_round.questionnaire_version

    def people(round_id):
        rows = db.session.execute(
            select(
                Invitation.email, Invitation.rater_group, Invitation.token_hash, Invitation.nonce
            ).where(Invitation.round_id == round_id)
        ).all()
        return {(r.email, r.rater_group) for r in rows}, {r.token_hash for r in rows} | {
            r.nonce for r in rows
        }

    before, old_secrets = people(open_round.id)
    after, new_secrets = people(pulse.id)
    assert before == after
    assert not old_secrets & new_secrets
    links = db.session.scalars(select(OpenLink).where(OpenLink.round_id == pulse.id)).all()
    assert [link.rater_group for link in links] == ["follower"]
    assert links[0].token_hash != open_round.open_links[0].token_hash
    targets = db.session.scalars(
        select(PulseTarget.target_id)
        .where(PulseTarget.round_id == pulse.id)
        .order_by(PulseTarget.position)
    ).all()
    assert targets == ["purpose_1", "progress"]
    queued = db.session.scalar(
        select(func.count()).where(
            OutboxMessage.round_id == pulse.id, OutboxMessage.kind == "invitation"
        )
    )
    assert queued == len(open_round.invitations)


def test_a_round_has_one_pulse(open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse_today(open_round, leader)
    with pytest.raises(pulses.PulseExists):
        pulse_today(open_round, leader)
    assert db.session.scalar(select(func.count()).where(Round.kind == "pulse")) == 1


def test_only_the_leader_makes_the_pulse(open_round, leader, coach):
    round_services.share_with_coach(open_round, coach.email)
    closed_round_with_plan(open_round, leader)
    with pytest.raises(NotAllowed):
        pulse_today(open_round, coach)


def test_the_pulse_dates_are_checked(open_round, leader):
    closed_round_with_plan(open_round, leader)
    with pytest.raises(RoundError, match="past"):
        pulses.create_pulse(open_round, leader, today() - timedelta(days=1), today())
    with pytest.raises(RoundError, match="close after"):
        pulses.create_pulse(open_round, leader, today(), today())
    earliest, suggested, latest, closes = pulses.suggested_dates(open_round)
    assert earliest < suggested < latest and closes > suggested
    assert (suggested - open_round.closed_on).days == 56


def test_a_pulse_opens_on_its_day(open_round, leader):
    closed_round_with_plan(open_round, leader)
    tomorrow = today() + timedelta(days=1)
    pulse = pulses.create_pulse(open_round, leader, tomorrow, tomorrow + timedelta(days=14))
    assert pulse.status == "draft"
    assert open_due_pulses() == 0
    pulse.opens_on = today()
    db.session.commit()
    round_services.run_schedule()
    db.session.refresh(pulse)
    assert pulse.status == "open" and pulse.opened_on == today()


def test_no_one_can_be_added_to_a_pulse(open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    with pytest.raises(RoundError, match="no one can be added"):
        round_services.add_invitations(pulse, "new@example.org, colleague")


def test_a_pulse_has_no_forecast_or_plan_of_its_own(open_round, leader):
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    with pytest.raises(RoundError, match="follow-up has no"):
        forecasts.save_forecast(pulse, leader, {("colleague", "purpose"): "3"})
    with pytest.raises(RoundError, match="follow-up has no"):
        plans.save_plan(pulse, leader, PLAN)


def test_the_database_keeps_a_pulse_tied_to_its_round(open_round, leader):
    closed_round_with_plan(open_round, leader)
    version = questionnaire.CURRENT_VERSION
    db.session.add(
        Round(leader_id=leader.id, title="x", questionnaire_version=version, kind="pulse")
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
