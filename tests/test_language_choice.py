"""Every respondent in their own language: which language a survey page, a signed-in page, a
mail and a PDF copy are in, how it is chosen, and that the language of an answer is never
stored. SQLite and PostgreSQL; the choice itself is pure (language_choice)."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.invitation_list import parse_invitees
from feedback360.language_choice import parse_language
from feedback360.language_choice import survey_locale
from feedback360.language_choice import user_locale
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.models import Round
from feedback360.models import User
from feedback360.outbox import send_pending
from feedback360.reports.stored import content_key
from feedback360.rounds import services as round_services
from feedback360.survey.forms import comment_field
from feedback360.survey.forms import item_field
from feedback360.web import RedactLinkTokens
from tests.helpers import PASSWORD
from tests.helpers import answers_on_page
from tests.helpers import download_report
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import response_count
from tests.helpers import review_url
from tests.helpers import submit_via_token
from tests.test_mail import smtp  # noqa: F401 - a real SMTP server on loopback
from tests.test_pdf import pdf_objects

Q = questionnaire.load()
SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
COMMENT = "En LinkedIn, su publicación sobre el piloto me hizo apuntarme."


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page)[1]


# --- The choice, pure ---------------------------------------------------------------------


def test_the_switch_wins_then_the_invitation_line_then_the_browser_then_the_round():
    assert survey_locale("de", "fr", "es", "en") == "de"
    assert survey_locale(None, "fr", "es", "en") == "fr"
    assert survey_locale(None, None, "es", "fr") == "es"
    assert survey_locale(None, None, None, "fr") == "fr"
    assert survey_locale(None, None, None, None) == "en"
    assert survey_locale("xx", "it", None, "fr") == "fr", "unsupported values are passed over"


def test_a_signed_in_user_gets_what_they_picked_else_their_browser_else_english():
    assert user_locale("de", "es") == "de"
    assert user_locale(None, "es") == "es"
    assert user_locale("pt", None) == "en"


@pytest.mark.parametrize(
    ("written", "code"),
    [("es", "es"), ("ES", "es"), ("Español", "es"), ("espanol", "es"), ("French", "fr")]
    + [("français", "fr"), ("Deutsch", "de"), ("de-AT", "de"), ("en_GB", "en")],
)
def test_an_invitation_line_names_a_language_by_code_or_by_name(written, code):
    assert parse_language(written) == code


def test_invitation_lines_take_an_optional_language_and_refuse_an_unknown_one():
    pasted = "a@example.org, staff, es\nb@example.org, colleague\nc@example.org, staff, it\n"
    pasted += "d@example.org, other, Deutsch\ne@example.org, staff,\n"
    invitees, errors = parse_invitees(pasted, already_invited=set(), forbidden={})
    assert [(i.email, i.language) for i in invitees] == [
        ("a@example.org", "es"),
        ("b@example.org", None),
        ("d@example.org", "de"),
        ("e@example.org", None),
    ]
    (error,) = errors
    assert error.line_number == 3 and "Unknown language “it”" in error.message
    assert "en (English), es (Español), fr (Français) or de (Deutsch)" in error.message


# --- The survey ---------------------------------------------------------------------------


def test_a_spanish_browser_gets_the_survey_in_spanish(client, open_round):
    page = client.get(f"/s/{open_round.tokens['staff0@example.org']}", headers=SPANISH).text
    assert html_lang(page) == "es"
    assert "Paso 1 de 2" in page and "¿Cómo se muestra Lee Leader en internet?" in page
    assert '<span class="current" lang="es" aria-current="true">Español</span>' in page
    english = client.get(f"/s/{open_round.tokens['staff0@example.org']}").text
    assert html_lang(english) == "en" and "Step 1 of 2" in english


def test_the_invitation_line_beats_the_browser_and_the_round_default_comes_last(
    client, draft_round
):
    draft_round.default_language = "fr"
    tokens = invite(draft_round, "de@example.org, staff, de\nplain@example.org, staff")
    round_services.open_round(draft_round)
    german = client.get(f"/s/{tokens['de@example.org']}", headers=SPANISH).text
    assert html_lang(german) == "de" and "Schritt 1 von 2" in german
    browser = client.get(f"/s/{tokens['plain@example.org']}", headers=SPANISH).text
    assert html_lang(browser) == "es"
    italian = {"Accept-Language": "it-IT,it;q=0.9"}
    french = client.get(f"/s/{tokens['plain@example.org']}", headers=italian).text
    assert html_lang(french) == "fr" and "Étape 1 sur 2" in french


def test_switching_language_on_step_one_keeps_every_answer_typed(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    data = full_answers("4", **{comment_field("purpose"): COMMENT})
    data["platforms"] = ["threads"]
    page = client.post(f"/s/{token}?go=change&lang=de", data=data, headers=SPANISH)
    assert page.status_code == 200 and html_lang(page.text) == "de"
    assert "Schritt 1 von 2" in page.text
    kept = answers_on_page(page.text)
    assert kept[comment_field("purpose")] == COMMENT
    assert kept.getlist("platforms") == ["threads"]
    assert all(kept[item_field(item.id)] == "4" for item in Q.items)
    # The page's own buttons carry the choice on; nothing is stored yet.
    assert 'action="?go=review&amp;lang=de"' in page.text
    assert response_count() == 0


def test_switching_language_on_the_review_keeps_the_answers_and_the_review(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    data = full_answers("3", **{comment_field("purpose"): COMMENT})
    review = client.post(review_url(token), data=data)
    assert "Check and send" in review.text
    hidden = answers_on_page(review.text)
    french = client.post(f"/s/{token}?go=review&lang=fr", data=hidden)
    assert html_lang(french.text) == "fr" and "Vérifier et envoyer" in french.text
    again = answers_on_page(french.text)
    for name in (comment_field("purpose"), *(item_field(item.id) for item in Q.items)):
        assert again[name] == hidden[name]
    assert 'action="?go=send&amp;lang=fr"' in french.text
    assert response_count() == 0


def test_the_language_of_an_answer_is_stored_nowhere(client, open_round):
    """The response tables have no column for it, and no row of any table that a response
    touches holds the code it was sent in."""
    inspector = inspect(db.engine)
    tables = ("responses", "answers", "comments", "spent_tokens", "open_link_hours")
    for table in tables:
        names = [c["name"] for c in inspector.get_columns(table)]
        assert not [n for n in names if "lang" in n or "locale" in n], (table, names)
    token = open_round.tokens["staff0@example.org"]
    data = full_answers("4", **{comment_field("purpose"): COMMENT})
    sent = client.post(f"/s/{token}?go=send&lang=es", data=data, headers=SPANISH)
    assert sent.status_code == 302 and response_count() == 1
    assert sent.headers["Location"].endswith("/s/thanks?lang=es")
    thanks = client.get(sent.headers["Location"])
    assert html_lang(thanks.text) == "es"
    for table in (*tables, "invitations", "outbox", "rounds"):
        for row in db.session.execute(text(f"SELECT * FROM {table}")):
            assert "es" not in [str(value) for value in row], (table, row)
    answered = db.session.scalar(select(Invitation).where(Invitation.email == "staff0@example.org"))
    assert answered.answered and answered.language is None


def test_the_switch_is_redacted_from_the_logs():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"POST /s/abcDEF123?go=send&lang=es HTTP/1.1"',
        (),
        None,
    )
    RedactLinkTokens().filter(record)
    assert record.getMessage() == '"POST /s/[redacted]?go=send HTTP/1.1"'


# --- What a leader and a user choose ------------------------------------------------------


def round_form(**overrides) -> dict:
    data = {
        "title": "Otoño",
        "why": "",
        "success_measures": "",
        "anonymity_threshold": "3",
        "default_language": "es",
    }
    return data | overrides


def test_the_round_form_sets_the_survey_language_and_refuses_an_unknown_one(client, leader):
    login(client, leader.email)
    made = client.post("/rounds/new", data=round_form())
    assert made.status_code == 302
    a_round = db.session.scalar(select(Round).where(Round.title == "Otoño"))
    assert a_round.default_language == "es"
    refused = client.post("/rounds/new", data=round_form(title="Bad", default_language="xx"))
    assert refused.status_code == 200 and "Not a valid choice" in refused.text
    assert db.session.scalar(select(func.count(Round.id))) == 1


def test_a_user_picks_the_interface_language_and_every_page_follows(client, leader):
    login(client, leader.email)
    assert html_lang(client.get("/account", headers=SPANISH).text) == "es", "the browser's"
    saved = client.post("/account/language", data={"language": "de"}, follow_redirects=True)
    assert html_lang(saved.text) == "de" and "Gespeichert" in saved.text
    assert db.session.get(User, leader.id).language == "de"
    assert html_lang(client.get("/", headers=SPANISH).text) == "de"
    refused = client.post("/account/language", data={"language": "xx"})
    assert refused.status_code == 200 and "Keine gültige Auswahl" in refused.text
    assert db.session.get(User, leader.id).language == "de"
    client.post("/account/language", data={"language": ""})
    assert db.session.get(User, leader.id).language is None


def test_an_account_made_in_a_spanish_browser_speaks_spanish(client, ctx):
    from feedback360.tokens import signup_token

    token = signup_token(client.application.config["SECRET_KEY"], "nueva@example.org")
    client.post(
        f"/register/{token}",
        data={"name": "Nueva", "password": PASSWORD, "confirm": PASSWORD},
        headers=SPANISH,
    )
    user = db.session.scalar(select(User).where(User.email == "nueva@example.org"))
    assert user is not None and user.language == "es"


# --- Mail ---------------------------------------------------------------------------------


def test_invitations_follow_the_line_else_the_round_and_say_so_in_their_headers(
    smtp,  # noqa: F811
    draft_round,
):
    from feedback360.mail import transport

    draft_round.default_language = "fr"
    invite(draft_round, "line@example.org, staff, de\nround@example.org, colleague")
    round_services.open_round(draft_round)
    send_pending(transport())
    (german,) = smtp.to("line@example.org")
    assert german["Content-Language"] == "de"
    assert german["Subject"] == (
        "Lee Leader bittet um Ihre Einschätzung: Wie tritt diese Person online auf?"
    )
    assert 'lang="de"' in german.get_body(preferencelist=("html",)).get_content()
    (french,) = smtp.to("round@example.org")
    assert french["Content-Language"] == "fr"
    assert french["Subject"].startswith("Lee Leader vous demande votre avis")


def test_mail_to_a_user_is_in_the_language_they_picked(smtp, leader, coach, draft_round):  # noqa: F811
    from feedback360.mail import transport

    coach.language = "es"
    db.session.commit()
    round_services.share_with_coach(draft_round, coach.email)
    send_pending(transport())
    (message,) = smtp.to(coach.email)
    assert message["Content-Language"] == "es"
    assert message["Subject"] == "Lee Leader ha compartido contigo una ronda de opiniones"


def test_account_mail_to_an_address_without_an_account_is_in_the_page_s_language(
    smtp,  # noqa: F811
    client,
    ctx,
):
    from feedback360.mail import transport

    client.post("/forgot-password", data={"email": "nadie@example.org"}, headers=SPANISH)
    assert db.session.scalar(select(OutboxMessage.language)) == "es"
    send_pending(transport())
    (message,) = smtp.to("nadie@example.org")
    assert message["Content-Language"] == "es"
    assert message["Subject"] == "Sobre el restablecimiento de una contraseña de feedback360"


# --- The PDF ------------------------------------------------------------------------------


def pdf_language(pdf: bytes) -> str:
    """The document catalog's /Lang (WeasyPrint takes it from `<html lang>`)."""
    (language,) = set(re.findall(rb"/Lang \(([^)]*)\)", b"".join(pdf_objects(pdf))))
    return language.decode()


@pytest.mark.pdf
def test_each_reader_s_copy_is_printed_in_their_language(client, leader, open_round):
    q = Q
    for i in range(4):
        submit_via_token(open_round.tokens[f"colleague{i}@example.org"], {i.id: 4 for i in q.items})
    round_services.close_round(open_round)
    login(client, leader.email)
    english_key, _ = content_key(open_round, None)
    assert pdf_language(download_report(client, open_round.id)) == "en"
    leader.language = "es"
    db.session.commit()
    assert content_key(open_round, None)[0] != english_key, "a copy per language"
    spanish = download_report(client, open_round.id)
    assert pdf_language(spanish) == "es"
