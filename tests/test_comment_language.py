"""A comment printed on the results page and in the PDF carries the language its words show
(`lang`), so a screen reader reads a Spanish comment with a Spanish voice; a comment too short to
tell carries none. Worked out as the page is drawn: nothing about it is stored."""

from __future__ import annotations

import re

from sqlalchemy import inspect

from feedback360.extensions import db
from feedback360.models import Round
from feedback360.reports.pdf import render_report_html
from feedback360.reports.services import report_data
from tests.helpers import login
from tests.test_languages_report import ENGLISH
from tests.test_languages_report import SPANISH
from tests.test_reports import closed_round

SHORT = "Ok."  # no language can be told from it


def comment(group, i):
    return {"intent": SPANISH[i] if group == "staff" else (SHORT if i == 0 else ENGLISH[i])}


def lang_of(html: str, text: str) -> str | None:
    """The lang attribute of the element that prints `text`, or None when it has none."""
    escaped = re.escape(text.replace("'", "&#39;"))
    match = re.search(rf"<p\b([^>]*)>{escaped}</p>", html)
    assert match, f"{text!r} is not printed"
    lang = re.search(r'\blang="([^"]+)"', match[1])
    return lang[1] if lang else None


def test_each_comment_is_read_in_its_own_language(client, leader, coach):
    round_id = closed_round(leader, {"staff": 5, "colleague": 5}, comment=comment)
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{round_id}/results").text
    printed = render_report_html(report_data(db.session.get(Round, round_id)))
    for html in (page, printed):
        assert lang_of(html, SPANISH[1]) == "es"
        assert lang_of(html, ENGLISH[1]) == "en"
        assert lang_of(html, SHORT) is None
    # Nothing records it: no column anywhere names a comment's or a response's language.
    for table in ("comments", "responses"):
        columns = {column["name"] for column in inspect(db.engine).get_columns(table)}
        assert not any("lang" in name for name in columns), (table, columns)
