"""The leader's round pages speak the leader's interface language (User.language): the
dashboard, the round page, the round form and its errors, flash messages, the confirmation
pages, and the anonymity rules and promises written in feedback360/anonymity.py."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from flask_babel import refresh

from feedback360 import anonymity
from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.rounds import services as round_services
from tests.helpers import login
from tests.helpers import visible_text

ENGLISH_MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b"
)

# Sentences of the round pages in English that must not be left in a translated page.
ENGLISH_KEY_SENTENCES = [
    "My feedback rounds",
    "Who has answered",
    "Counts only. Nobody, you included, can see who answered",
    "Invite people by email",
    "Open links for social media",
    "Delete this round",
    "Links start working once you open the round.",
    "Anonymity threshold",
]


def speaking(user, language: str, client):
    """Sign the user in with `language` as their interface language."""
    user.language = language
    db.session.commit()
    # The test's app context is the requests' too: forget the locale the setup rendered in.
    refresh()
    login(client, user.email)
    return client


def assert_no_english(text: str) -> None:
    left = [sentence for sentence in ENGLISH_KEY_SENTENCES if sentence in text]
    assert not left, f"English left on the page: {left}"


def test_a_french_leader_sees_dashboard_round_page_and_form_in_french(client, leader, draft_round):
    speaking(leader, "fr", client)

    dashboard = visible_text(client.get("/").text)
    assert "Mes campagnes de feedback" in dashboard
    assert "Campagnes que vous menez" in dashboard
    assert "brouillon" in dashboard  # the round's status, in words
    assert_no_english(dashboard)

    page = visible_text(client.get(f"/rounds/{draft_round.id}").text)
    for french in (
        "Seuil d’anonymat",
        "Qui a répondu",
        "Inviter des personnes par e-mail",
        "Liens ouverts pour les réseaux sociaux",
        "Supprimer cette campagne",
        "Les liens fonctionnent dès que vous ouvrez la campagne.",
        "Collez ensemble les personnes de chaque groupe, au moins 3.",  # anonymity.py
    ):
        assert french in page, french
    assert_no_english(page)

    refused = client.post(
        "/rounds/new", data={"title": "", "anonymity_threshold": "2", "default_language": "en"}
    )
    form = visible_text(refused.text)
    assert refused.status_code == 200
    assert "Lancer une campagne de feedback" in form
    assert "Titre de cette campagne" in form
    assert "Donnez un titre à la campagne." in form
    assert "Indiquez un nombre entre 3 et 50." in form
    assert "Give the round a title." not in form and "Use a number from 3 to 50." not in form


def test_a_french_leader_reads_flash_messages_and_refusals_in_french(client, leader):
    speaking(leader, "fr", client)
    created = client.post(
        "/rounds/new",
        data={"title": "Printemps", "anonymity_threshold": "3", "default_language": "fr"},
        follow_redirects=True,
    )
    text = visible_text(created.text)
    assert "Campagne créée. Prochaines étapes : évaluez-vous, puis invitez des personnes." in text
    assert "Round created" not in text

    round_id = int(created.request.path.rsplit("/", 1)[-1])
    # Opening with nobody to ask is refused on the open page, in French.
    opening = visible_text(client.get(f"/rounds/{round_id}/open").text)
    assert "« Printemps » ne peut pas encore s’ouvrir" in opening
    assert "Retour à la campagne" in opening
    assert "cannot open yet" not in opening


def test_a_german_leader_sees_the_round_page_and_close_page_in_german(client, leader, open_round):
    round_services.ensure_open_link(open_round, "follower")
    speaking(leader, "de", client)

    page = client.get(f"/rounds/{open_round.id}").text
    text = visible_text(page)
    assert "Offene Links für soziale Medien" in text
    assert "Personen per E-Mail einladen" in text
    assert "Runde abschließen …" in text
    assert "offen" in text  # the status
    assert "Erinnern ab dem" in text and "Remind from" not in text  # readiness.py, a German date
    assert not ENGLISH_MONTH.search(text), ENGLISH_MONTH.search(text)
    assert_no_english(text)

    closing = visible_text(client.get(f"/rounds/{open_round.id}/close").text)
    assert "„Spring round“ abschließen?" in closing
    assert "Runde abschließen und Bericht erstellen" in closing
    assert "Close the round and build the report" not in closing


def test_german_group_names_keep_their_capital_inside_a_sentence():
    german = {g.id: g for g in questionnaire.load(locale="de").groups}
    assert german["follower"].in_sentence == "Follower"
    assert german["staff"].in_sentence == german["staff"].plural
    french = {g.id: g for g in questionnaire.load(locale="fr").groups}
    assert french["follower"].in_sentence == "abonnés"
    english = {g.id: g for g in questionnaire.load().groups}
    assert english["staff"].in_sentence == "staff"


def test_anonymity_promises_in_spanish(app):
    groups = questionnaire.load(locale="es").groups
    with app.test_request_context("/"), force_locale("es"):
        promise = anonymity.respondent_promise("Lee", 4)
        survey = anonymity.survey_promise(3)
        coach = anonymity.coach_promise(5)
        saved = anonymity._(anonymity.SAVED_PROMISE)
        outlook = anonymity.review_outlook(anonymity.COMBINED_ONLY, groups[0], 3)
        rules = anonymity.report_promises(3, 5, "No lo he visto")
    assert promise.startswith("Cómo se protege tu anonimato:")
    assert "Lee solo las ve" in promise and "nunca para menos de 4 personas" in promise
    assert survey.startswith("Anónimo:") and "menos de 3 personas" in survey
    assert "menos de 5 respuestas" in coach
    assert saved.startswith("Tu opinión se ha guardado")
    assert "«Otros grupos combinados»" in outlook
    assert "«Otros grupos combinados»" in rules.groups
    assert "«No lo he visto»" in rules.not_observed
    for english in ("anonymity", "answers", "Comments"):
        assert english not in promise + survey + coach + outlook + rules.groups


@pytest.mark.parametrize("language", ["es", "fr", "de"])
def test_every_round_page_leaves_no_key_sentence_in_english(client, leader, open_round, language):
    speaking(leader, language, client)
    for path in ("/", f"/rounds/{open_round.id}", f"/rounds/{open_round.id}/edit"):
        reply = client.get(path)
        assert reply.status_code == 200, path
        assert_no_english(visible_text(reply.text))
