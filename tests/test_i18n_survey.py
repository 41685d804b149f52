"""The respondent's side in Spanish, French and German: the survey (personal link and open
link), its errors and notices, and the invitation mail through a real SMTP server. Each check
also looks for the English source of key sentences, which must not be left in the page."""

from __future__ import annotations

import re

import pytest
from flask_babel import refresh

from feedback360 import questionnaire
from feedback360.outbox import send_pending
from feedback360.rounds import services as round_services
from feedback360.survey.forms import comment_field
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import review_url
from tests.test_mail import body
from tests.test_mail import smtp  # noqa: F401 - a real SMTP server on loopback
from tests.test_open_links import make_open_link

Q = questionnaire.load()

# Key sentences of the survey pages, as msgids: none may show in another language.
ENGLISH_SURVEY = [
    "In your own words",
    "An example (optional)",
    "You are answering as:",
    "Add an example",
    "Step 1 of 2",
    "Step 2 of 2: check and send",
    "Language of this survey",
]
ENGLISH_REVIEW = ["How your answers will appear", "Nothing is saved yet.", "Send my feedback"]
ENGLISH_MAIL = [
    "Hello,",
    "would like to know how their leadership shows up online",
    "No account is needed.",
    "Give your feedback",
    "please keep this email to yourself",
    "Rather not take part?",
    "on behalf of",
    "asks for your view",
]

# What each language says, where the English above would be.
SURVEY_WORDS = {
    "es": ["Con tus propias palabras", "Un ejemplo (opcional)", "Respondes como:", "Paso 1 de 2"],
    "fr": ["Avec vos propres mots", "Un exemple (facultatif)", "Vous répondez en", "Étape 1 sur 2"],
    "de": ["In Ihren eigenen Worten", "Ein Beispiel (optional)", "Sie antworten als:", "Schritt 1"],
}
REVIEW_WORDS = {
    "es": ["Cómo aparecerán tus respuestas", "Enviar mi opinión"],
    "fr": ["Comment vos réponses apparaîtront", "Envoyer mon avis"],
    "de": ["Wie Ihre Antworten erscheinen", "Meine Rückmeldung senden"],
}
OPEN_LINK_DESCRIPTION = {
    "es": "Anónima, unos",
    "fr": "Anonyme, environ",
    "de": "Anonym, etwa",
}


def browser(language: str) -> dict[str, str]:
    """The headers of a browser set to `language`. The tests' requests share one app context,
    where Flask-Babel keeps the language it chose (a server gives each request its own): it is
    forgotten here, so each request chooses again as it would in production."""
    refresh()
    return {"Accept-Language": f"{language},en;q=0.5"}


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page)[1]


def assert_no_english(text: str, sentences: list[str]) -> None:
    left = [sentence for sentence in sentences if sentence in text]
    assert not left, f"English left: {left}"


@pytest.mark.parametrize("language", ["es", "fr", "de"])
def test_the_personal_link_s_survey_and_review_speak_the_browser_s_language(
    client, open_round, language
):
    token = open_round.tokens["staff0@example.org"]
    page = client.get(f"/s/{token}", headers=browser(language)).text
    assert html_lang(page) == language
    for words in SURVEY_WORDS[language]:
        assert words in page
    assert_no_english(page, ENGLISH_SURVEY)

    review = client.post(review_url(token), data=full_answers(), headers=browser(language))
    assert review.status_code == 200 and html_lang(review.text) == language
    for words in REVIEW_WORDS[language]:
        assert words in review.text
    assert_no_english(review.text, ENGLISH_REVIEW)


@pytest.mark.parametrize("language", ["es", "fr", "de"])
def test_the_open_link_s_survey_and_its_preview_speak_the_browser_s_language(
    client, open_round, language
):
    _, token = make_open_link(open_round)
    page = client.get(f"/s/{token}", headers=browser(language)).text
    assert html_lang(page) == language
    description = re.search(r'<meta name="description" content="([^"]+)"', page)[1]
    assert description.startswith(OPEN_LINK_DESCRIPTION[language])
    assert "Anonymous, about" not in page and "Share your view" not in page
    assert_no_english(page, ENGLISH_SURVEY)


def test_a_validation_error_is_in_spanish_wtforms_own_messages_too(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    first = Q.items[0]
    data = full_answers(**{comment_field("keep"): "x" * 2001})
    del data[f"item_{first.id}"]
    data["platforms"] = ["linkedin", "myspace"]  # WTForms' own "not a valid choice" message
    page = client.post(review_url(token), data=data, headers=browser("es")).text
    assert html_lang(page) == "es"
    assert "Revisa 3 respuestas" in page
    assert "Todo lo demás que has escrito se conserva más abajo." in page
    spanish = questionnaire.load(Q.version, "es")
    assert f"Elige una respuesta, o «{spanish.not_observed}»." in page
    assert "Intenta que no pase de 2.000 caracteres (ahora tiene 2.001)." in page
    assert "no es una opción válida para este campo" in page
    assert_no_english(
        page,
        ["Please check", "Choose an answer", "Please keep this under", "is not a valid choice"],
    )


def test_the_notices_and_the_pages_after_the_survey_are_translated(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    german = browser("de")
    assert (
        "Noch ist nichts gespeichert."
        in client.post(review_url(token), data=full_answers(), headers=german).text
    )
    sent = client.post(f"/s/{token}?go=send", data=full_answers(), headers=german)
    assert sent.status_code == 302
    thanks = client.get(sent.headers["Location"], headers=german).text
    assert html_lang(thanks) == "de" and "<h1>Vielen Dank</h1>" in thanks
    assert "You can close this page." not in thanks
    used = client.get(f"/s/{token}", headers=browser("fr")).text
    assert "Ce lien a déjà été utilisé" in used
    assert "This link has already been used" not in used
    missing = client.get("/s/not-a-real-link", headers=browser("es")).text
    assert "Este enlace no funciona" in missing and "This link does not work" not in missing
    other = open_round.tokens["staff1@example.org"]
    declined = client.get(f"/s/{other}/decline", headers=browser("es")).text
    assert "¿No quieres más correos sobre esta ronda?" in declined
    assert "Sí, no más correos" in declined and "No more emails" not in declined


def test_a_german_invitation_line_gets_a_german_mail_through_smtp(smtp, draft_round):  # noqa: F811
    from feedback360.mail import transport

    invite(draft_round, "de@example.org, staff, de")
    round_services.open_round(draft_round)
    send_pending(transport())
    (mail,) = smtp.to("de@example.org")
    assert mail["Content-Language"] == "de"
    assert mail["Subject"] == (
        "Lee Leader bittet um Ihre Einschätzung: Wie tritt diese Person online auf?"
    )
    # Words as read: the plain text is wrapped at 72 characters, the HTML at its tags.
    text, html = (" ".join(body(mail, kind).split()) for kind in ("plain", "html"))
    for part in (text, html):
        assert "Guten Tag," in part
        assert "möchte wissen, wie die eigene Führung online wirkt" in part
        assert "Ein Konto ist nicht nötig." in part
        assert "Sie ist bis zum" in part  # the closing date, in German words and order
        assert_no_english(part, ENGLISH_MAIL)
    assert 'lang="de"' in html and ">Rückmeldung geben</a>" in html
    assert "feedback360, im Auftrag von Lee Leader" in text
