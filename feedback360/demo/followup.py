"""The demo's loop after a round (issue 18): the leader's forecast while it is open, then her
plan, her word back and a closed follow-up pulse, all through the real services.

The wording lives in `bank.toml` ([forecast], [[plan]], [word_back], [pulse]). Dates are set
afterwards, as `_seed_round` sets a round's close: the services date everything today.
"""

from __future__ import annotations

import random
from datetime import date
from datetime import timedelta

from sqlalchemy import select

from .. import questionnaire
from ..extensions import db
from ..focus import EntryInput
from ..followup.forecasts import save_forecast
from ..followup.plans import save_plan
from ..followup.pulses import create_pulse
from ..followup.survey import pulse_answers
from ..followup.survey import pulse_survey_of
from ..followup.word_backs import send_word_back
from ..keys import secret_keys
from ..models import Invitation
from ..models import Round
from ..models import User
from ..models import WordBack
from ..rounds.services import closing as round_closing
from ..survey import services as survey_services
from ..tokens import issued_token


def record_forecast(a_round: Round, leader: User, bank: dict) -> None:
    """While the round is open: each group, each dimension, a little below her own view."""
    forecast = bank["forecast"]
    raw = {
        (group, dim): f"{max(1.0, values['self'] - forecast['below_self']):.1f}"
        for group in forecast["groups"]
        for dim, values in bank["profile"].items()
    }
    result = save_forecast(a_round, leader, raw)
    if not result.ok:
        raise ValueError(f"The demo forecast is refused: {result.errors}")


def plan_and_word_back(a_round: Round, leader: User, bank: dict, sent_on: date) -> None:
    """Her plan from the bank, and the word back she sent a few days after the close."""
    entries = [
        EntryInput(e["target"], e["action"], e["platform"], e["measure"]) for e in bank["plan"]
    ]
    check = save_plan(a_round, leader, entries)
    if not check.ok:
        raise ValueError(f"The demo plan is refused: {check.errors}")
    errors = send_word_back(a_round, leader, bank["word_back"]["text"])
    if errors:
        raise ValueError(f"The demo word back is refused: {errors}")
    db.session.get(WordBack, a_round.id).sent_on = sent_on
    db.session.commit()


def seed_pulse(
    original: Round, leader: User, bank: dict, rng: random.Random, opened_on: date, today: date
) -> Round:
    """The follow-up, made and answered through the services, closed today."""
    pulse = create_pulse(original, leader, today, today + timedelta(days=14))
    survey = pulse_survey_of(pulse)
    q = questionnaire.load(original.questionnaire_version)
    dimension_of = {item.id: item.dimension_id for item in q.items}
    settings = bank["pulse"]
    options, chances = zip(*settings["noticed"].items(), strict=True)
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.round_id == pulse.id).order_by(Invitation.id)
    ).all()
    for invitation in invitations:
        if rng.random() >= settings["share"]:
            continue
        token = issued_token(secret_keys(), "invitation", invitation.nonce, invitation.token_hash)
        bias = rng.gauss(0.0, 0.4)
        ratings = {}
        for item in survey.questionnaire.items:
            dim = dimension_of[item.id]
            mean = bank["profile"][dim]["others"] + settings["improvement"].get(dim, 0.0) + bias
            ratings[item.id] = max(1, min(5, round(rng.gauss(mean, 0.8))))
        changes = {t.target.id: rng.choices(options, chances)[0] for t in survey.targets}
        link = survey_services.resolve(token)
        survey_services.submit(link, pulse_answers(survey, ratings, changes), {})
    round_closing.close_round(pulse)
    pulse.opens_on = pulse.opened_on = opened_on
    pulse.closes_on = pulse.closed_on = today
    db.session.commit()
    return pulse
