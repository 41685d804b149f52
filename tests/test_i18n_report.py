"""The report speaks its reader's language: the results page, the PDF and its charts.

A leader who picked French reads a French results page and a French PDF (tagged /Lang fr), with
decimal commas; a coach who picked German reads the German coach's copy, which names the leader.
Real routes, the real sender step that builds the PDF, real WeasyPrint and pdftotext.
"""

from __future__ import annotations

import re
import subprocess
import zlib
from pathlib import Path

import pytest
from flask import g
from flask_babel import refresh

from feedback360.extensions import db
from tests.helpers import DESKTOP
from tests.helpers import PHONE
from tests.helpers import add_user
from tests.helpers import download_report
from tests.helpers import login
from tests.helpers import overflow
from tests.helpers import shot
from tests.helpers import visible_text
from tests.test_browser_coach import log_in
from tests.test_stored_reports import answered_round
from tests.test_stored_reports import pdf_text

pytestmark = pytest.mark.pdf

# Headings and key sentences of the report in English: none may be left in another language.
ENGLISH_KEYS = (
    "How to read this report",
    "How anonymity was protected",
    "The rules behind every flag",
    "Intent and perception",
    "Blind spots and hidden strengths",
    "Where raters disagree",
    "Highest and lowest rated",
    "Self rates higher",
    "Others rate higher",
    "Agreed strength",
    "Agreed, room to grow",
    "Agreement says how alike raters",
    "A gap of 1.4 points or more",
    "Every number in this report follows a rule",
    "Questions to reflect on",
)
FRENCH_KEYS = (
    "Comment lire ce rapport",
    "Comment l’anonymat a été protégé",
    "Angles morts et forces cachées",
    "Auto-évaluation plus haute",
    "Force partagée",
    "Accord, marge de progrès",
    "L’accord indique à quel point les réponses des évaluateurs se ressemblent",
    "Un écart de 1,4 ou plus",
)


def squash(text: str) -> str:
    return " ".join(text.split())


def pdf_language(pdf: bytes) -> str | None:
    """The document language in the PDF's catalog (/Lang), which may sit in a compressed
    object stream."""
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        chunks = [pdf[match.end() : end]]
        try:
            chunks.append(zlib.decompress(chunks[0]))
        except zlib.error:
            pass
        for chunk in chunks:
            found = re.search(rb"/Lang\s*\(([^)]*)\)", chunk)
            if found:
                return found.group(1).decode()
    found = re.search(rb"/Lang\s*\(([^)]*)\)", pdf)
    return found.group(1).decode() if found else None


def speaks(user, language: str) -> None:
    user.language = language
    db.session.commit()


def new_request() -> None:
    """The tests' app context outlives each request, and Flask-Babel (the locale it chose) and
    Flask-Login (the user it loaded) keep what they found in it: forget both, as a real request
    starts anew."""
    refresh()
    g.pop("_login_user", None)


def page(client, url: str) -> str:
    """A page as its signed-in reader sees it."""
    new_request()
    reply = client.get(url)
    assert reply.status_code == 200
    return reply.text


def left_in_english(text: str) -> list[str]:
    return [key for key in ENGLISH_KEYS if key in text]


def test_a_french_leader_reads_french_results_with_decimal_commas(client, leader, coach):
    round_id = answered_round(leader)
    speaks(leader, "fr")
    login(client, "leader@example.com")
    html = page(client, f"/rounds/{round_id}/results")
    assert '<html lang="fr"' in html
    text = squash(visible_text(html))
    assert "Résultats : Stored round" in text
    assert "Angles morts : vous les notez nettement plus haut que les autres" in text
    assert "Dans vos mots" in text, "the leader's copy says 'vous'"
    assert "Auto-évaluation plus haute" in text and "Force partagée" in text
    # Everyone rated 3, the leader 4: the means print with a decimal comma.
    assert "3,0" in text and "+1,0" in text and "3.0" not in text
    assert left_in_english(text) == []


def test_a_french_leader_gets_a_french_pdf(client, leader, coach, tmp_path):
    round_id = answered_round(leader)
    speaks(leader, "fr")
    login(client, "leader@example.com")
    pdf = download_report(client, round_id)
    assert pdf_language(pdf) == "fr"
    text = pdf_text(pdf, tmp_path)
    missing = [key for key in FRENCH_KEYS if key not in text]
    assert not missing, missing
    assert "LEADERSHIP EN LIGNE : FEEDBACK À 360°" in text, "the cover's kicker, in capitals"
    assert "Page 2 sur " in text and "Page 2 of" not in text
    assert "Confidentiel. Rédigé pour que vous le lisiez avec votre coach." in text
    assert left_in_english(text) == []
    assert re.search(r"\b3,0\b", text) and not re.search(r"\b3\.0\b", text)
    assert "1,00" in text, "agreement, two decimals, with a comma"


def test_a_german_coach_reads_the_german_copy_that_names_the_leader(
    client, leader, coach, tmp_path
):
    round_id = answered_round(leader)
    speaks(coach, "de")
    login(client, "coach@example.com")
    html = squash(visible_text(page(client, f"/rounds/{round_id}/results")))
    assert "Blinde Flecken: Lee Leader bewertet diese deutlich höher als andere" in html
    assert "In den Worten von Lee Leader" in html
    pdf = download_report(client, round_id)
    assert pdf_language(pdf) == "de"
    text = pdf_text(pdf, tmp_path)
    assert "So lesen Sie diesen Bericht" in text
    assert "Vertraulich. Geschrieben, damit Lee Leader ihn gemeinsam mit dem Coach liest." in text
    assert "Blinde Flecken: Lee Leader bewertet diese deutlich höher als andere" in text
    assert "Ihre eigene Einschätzung" not in text, "the coach's copy names the leader"
    assert left_in_english(text) == []
    assert re.search(r"\b3,0\b", text) and "+1,0" in text


def test_the_leader_and_the_coach_each_get_their_own_language(app, client, leader, coach, tmp_path):
    """Two readers of one round, two languages: each stored copy is built in its reader's."""
    round_id = answered_round(leader)
    speaks(leader, "es")
    speaks(coach, "de")
    login(client, "leader@example.com")
    spanish = pdf_text(download_report(client, round_id), tmp_path)
    coach_client = app.test_client()
    new_request()
    login(coach_client, "coach@example.com")
    german = pdf_text(download_report(coach_client, round_id), tmp_path)
    assert "3 respuestas por grupo" in spanish, "a plural, in Spanish"
    assert "Cómo leer este informe" in spanish and "So lesen Sie diesen Bericht" not in spanish
    assert "So lesen Sie diesen Bericht" in german and "Cómo leer este informe" not in german


# --- Longer words on a phone: real Chromium, screenshots for a human ---------------------------

SHOTS = Path("/tmp/shots-i18n-report")


@pytest.fixture(scope="module")
def translated_round(live_app):
    """A closed round whose leader reads German and whose coach reads French."""
    with live_app.app_context():
        leader = add_user("sprache@example.com", "Lee Leader")
        add_user("coach@example.com", "Cora Coach").language = "fr"
        leader.language = "de"
        db.session.commit()
        round_id = answered_round(leader)
        db.session.remove()
    return round_id


@pytest.mark.browser
@pytest.mark.parametrize(
    ("email", "language"), [("sprache@example.com", "de"), ("coach@example.com", "fr")]
)
def test_translated_results_fit_a_phone(browser, base_url, translated_round, email, language):
    for viewport, width in ((PHONE, 390), (DESKTOP, 1280)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        log_in(page, base_url, email)
        page.goto(f"{base_url}/rounds/{translated_round}/results")
        assert page.locator("html").get_attribute("lang") == language
        shot(page, f"results-{language}-{width}", SHOTS)
        if viewport is PHONE:
            assert overflow(page) <= 0, f"the {language} results scroll sideways on a phone"
        context.close()


def test_the_french_pdf_pages_for_a_human_to_look_at(client, leader, coach, tmp_path):
    """Not a check by eye alone: every page of the French copy is drawn (pdftoppm)."""
    round_id = answered_round(leader)
    speaks(leader, "fr")
    login(client, "leader@example.com")
    path = tmp_path / "fr.pdf"
    path.write_bytes(download_report(client, round_id))
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(SHOTS / "pdf-fr")], check=True)
    assert len(list(SHOTS.glob("pdf-fr-*.png"))) >= 10
