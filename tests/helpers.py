"""Helpers that several test modules build their rounds with (fixtures live in conftest.py)."""

from __future__ import annotations

from feedback360 import questionnaire
from feedback360.reports.stored import build_wanted_reports
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


def download_report(client, round_id: int) -> bytes:
    """The PDF through the real route: the first download asks for it, the sender's step
    (`build_wanted_reports`, as `flask send-mail` runs it) builds it, the next one serves it."""
    reply = client.get(f"/rounds/{round_id}/report.pdf")
    if reply.status_code == 202:
        build_wanted_reports()
        reply = client.get(f"/rounds/{round_id}/report.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf", reply.status
    return reply.data
