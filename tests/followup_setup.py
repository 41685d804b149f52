"""Rounds that have closed, with a plan, for the tests of issue 18's services (`followup`).
Plain functions; the fixtures they take (`open_round`, `leader`) are in conftest.py."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.focus import EntryInput
from feedback360.followup.plans import save_plan
from feedback360.followup.pulses import create_pulse
from feedback360.followup.survey import pulse_answers
from feedback360.followup.survey import pulse_survey_of
from feedback360.models import Invitation
from feedback360.rounds import services as round_services
from feedback360.rounds.services.common import today
from feedback360.survey import services as survey_services
from tests.helpers import answer_all
from tests.helpers import submit_via_token

Q = questionnaire.load()
PLAN = [
    EntryInput("purpose_1", "Say in each post what it is for.", "linkedin", "Two replies a month"),
    EntryInput("progress", "Share one setback a month.", "any", "Someone mentions it to me"),
]


def open_link_token(a_round, group: str = "follower") -> str:
    link = round_services.ensure_open_link(a_round, group)
    return round_services.rotate_open_link(link, current_app.config["SECRET_KEY"])


def answer_and_close(a_round, open_link_answers: int = 2) -> str:
    """`open_round` of conftest: colleagues (4), staff (3) and followers (3) answer, the one
    "other" does not; two more followers answer through the open link. Returns that token."""
    token = open_link_token(a_round)
    for email, invitation_token in a_round.tokens.items():
        if not email.startswith("other"):
            submit_via_token(invitation_token, answer_all(Q, 2 if "staff" in email else 3))
    for _ in range(open_link_answers):
        submit_via_token(token, answer_all(Q, 4))
    round_services.close_round(a_round)
    return token


def closed_round_with_plan(a_round, leader):
    token = answer_and_close(a_round)
    check = save_plan(a_round, leader, PLAN)
    assert check.ok, check.errors
    a_round.old_open_link = token
    return a_round


def pulse_today(original, leader, days_open: int = 14):
    return create_pulse(original, leader, today(), today() + timedelta(days=days_open))


def pulse_tokens(pulse) -> dict[str, str]:
    """The pulse's invitation links, {email: token}, as its mail would carry them."""
    from feedback360.keys import secret_keys
    from feedback360.tokens import issued_token

    rows = db.session.scalars(select(Invitation).where(Invitation.round_id == pulse.id))
    return {
        inv.email: issued_token(secret_keys(), "invitation", inv.nonce, inv.token_hash)
        for inv in rows
    }


def answer_pulse(token: str, pulse, value: int, change: str = "a_little_better") -> None:
    """One pulse response through the survey's own submit: every statement, every change."""
    survey = pulse_survey_of(pulse)
    ratings = {item.id: value for item in survey.questionnaire.items}
    changes = {t.target.id: change for t in survey.targets}
    link = survey_services.resolve(token)
    survey_services.submit(link, pulse_answers(survey, ratings, changes), {})
