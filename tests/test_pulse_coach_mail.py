"""The coach of a round is told when its follow-up closes, in the follow-up's own words, through
a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

from feedback360.extensions import db
from feedback360.rounds import services as round_services
from feedback360.rounds.services.sharing import stop_sharing
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today
from tests.helpers import add_user
from tests.test_mail import BASE_URL
from tests.test_mail import body
from tests.test_mail import deliver_all
from tests.test_mail import smtp  # noqa: F401 (a fixture)


def closed_pulse(a_round, leader):
    round_services.share_with_coach(a_round, "coach@example.org")
    closed_round_with_plan(a_round, leader)
    pulse = pulse_today(a_round, leader)
    deliver_all()
    return pulse


def test_the_coach_is_mailed_when_the_follow_up_closes(open_round, leader, smtp):  # noqa: F811
    add_user("coach@example.org", "Cora Coach")
    pulse = closed_pulse(open_round, leader)
    smtp.messages.clear()
    round_services.close_round(pulse)
    deliver_all()
    (note,) = smtp.to("coach@example.org")
    assert note["Subject"] == "Lee Leader's follow-up has closed: its results are ready"
    for subtype in ("plain", "html"):
        text = " ".join(body(note, subtype).split())
        assert "The follow-up to" in text and "Spring round" in text
        assert "whether people noticed a change" in text
        assert f"{BASE_URL}/rounds/{pulse.id}/results" in text
        assert "debrief note" not in text  # the full round's words are not the follow-up's


def test_in_the_coachs_language(open_round, leader, smtp):  # noqa: F811
    coach = add_user("coach@example.org", "Cora Coach")
    coach.language = "es"
    db.session.commit()
    pulse = closed_pulse(open_round, leader)
    smtp.messages.clear()
    round_services.close_round(pulse)
    deliver_all()
    (note,) = smtp.to("coach@example.org")
    assert "seguimiento" in note["Subject"]
    text = " ".join(body(note, "plain").split())
    assert "El seguimiento de" in text and "has closed" not in text


def test_a_stopped_share_drops_the_waiting_note(open_round, leader, smtp):  # noqa: F811
    pulse = closed_pulse(open_round, leader)
    round_services.close_round(pulse)
    (share,) = open_round.shares
    stop_sharing(share)
    smtp.messages.clear()
    deliver_all()
    assert smtp.to("coach@example.org") == []
