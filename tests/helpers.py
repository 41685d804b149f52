"""Helpers that several test modules build their rounds with (fixtures live in conftest.py)."""

from __future__ import annotations

from feedback360 import questionnaire
from feedback360.rounds import services as round_services
from tests.conftest import answer_all
from tests.conftest import invite
from tests.conftest import submit_via_token


def round_like(leader, template, title: str = "Round"):
    """A new draft round with `template`'s settings, so two rounds differ only in what follows."""
    return round_services.create_round(
        leader,
        title=title,
        why=template.why,
        success_measures=template.success_measures,
        platforms=template.platforms,
        closes_on=template.closes_on,
        anonymity_threshold=3,
    )


def close_with_lone_staff_invitee(a_round, staff_answers: bool):
    """Four followers who answer and one staff invitee who answers or not; then close."""
    q = questionnaire.load(a_round.questionnaire_version)
    tokens = invite(
        a_round,
        "\n".join([f"f{i}@example.org, follower" for i in range(4)] + ["s0@example.org, staff"]),
    )
    round_services.open_round(a_round)
    for i in range(4):
        submit_via_token(tokens[f"f{i}@example.org"], answer_all(q, 4))
    if staff_answers:
        submit_via_token(tokens["s0@example.org"], answer_all(q, 2))
    round_services.close_round(a_round)
    return a_round
