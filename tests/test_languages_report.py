"""A round answered in two languages, through the real results page and PDF: comments print as
written, recurring words come from within each language, and the report says only that several
languages were used, never which or how many answers each."""

from __future__ import annotations

import html
import re

import pytest

from feedback360.analysis import rule_texts
from tests.helpers import download_report
from tests.helpers import login
from tests.test_reports import closed_round
from tests.test_reports import pdf_text
from tests.test_reports import squash

SENTENCE = squash(rule_texts(5, 3, 5)["languages"])
SPANISH = [
    "Quiere que la gente confíe en la energía comunitaria del barrio.",
    "Busca que sus vecinos apoyen la energía comunitaria.",
    "Que el ayuntamiento abra los datos de energía comunitaria.",
    "Creo que quiere ser la voz de la energía comunitaria en su ciudad.",
    "Sus hilos sobre energía comunitaria son los mejores.",
]
ENGLISH = [
    "To open up energy data for every town council.",
    "She wants every council to publish its energy data.",
    "Getting towns to share their energy data with residents.",
    "I think the aim is open energy data for local groups.",
    "Making the council's energy data easy to find and use.",
]


def results_text(client, round_id) -> str:
    """The results page as a reader sees its words: tags out, white space joined."""
    page = client.get(f"/rounds/{round_id}/results").text
    return squash(html.unescape(re.sub(r"<[^>]+>", " ", page)))


def two_languages(group, i):
    return {"intent": (SPANISH if group == "staff" else ENGLISH)[i]}


@pytest.mark.pdf
def test_a_round_in_two_languages_says_so_once_without_naming_them(client, leader, coach, tmp_path):
    round_id = closed_round(leader, {"staff": 5, "colleague": 5}, comment=two_languages)
    login(client, "leader@example.com")
    page = results_text(client, round_id)
    pdf = squash(pdf_text(download_report(client, round_id), tmp_path))
    for text in (page, pdf):
        assert SENTENCE in text
        # As written (which ones a length-cut PDF keeps may vary between equal scores).
        assert any(spanish in text for spanish in SPANISH)
        # Recurring within each language: the Spanish phrase and the English one, each ×5.
        assert "energía comunitaria ×5" in text and "energy data ×5" in text
        for named in ("Spanish", "Español", "English answers", "in Spanish"):
            assert named not in text


def test_a_round_in_one_language_says_nothing_about_languages(client, leader, coach):
    round_id = closed_round(
        leader, {"staff": 5, "colleague": 5}, comment=lambda g, i: {"intent": ENGLISH[i]}
    )
    login(client, "leader@example.com")
    page = results_text(client, round_id)
    assert "energy data ×10" in page
    assert SENTENCE not in page and "several languages" not in page


def test_one_answer_in_another_language_is_printed_but_not_announced(client, leader, coach):
    """One Spanish answer among English ones: printed as written, no sentence about languages,
    which would only point to its writer."""
    round_id = closed_round(
        leader,
        {"staff": 5, "colleague": 5},
        comment=lambda g, i: {"intent": SPANISH[0] if (g, i) == ("staff", 0) else ENGLISH[i]},
    )
    login(client, "leader@example.com")
    page = results_text(client, round_id)
    assert SPANISH[0] in page
    assert SENTENCE not in page and "several languages" not in page
