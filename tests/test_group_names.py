"""Rater groups are spelled one way everywhere, from the questionnaire's words
(questionnaire.Group): `label` for one person's group ("Staff member"), `plural` for the group
named on its own ("Staff", a heading, a row, a choice), `in_sentence` inside a sentence
("staff"). Checked twice: in what the app renders (pages, flash messages, mail, the CSV export),
and in the source, where no group name is cased by hand."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.mail import compose
from feedback360.models import OutboxMessage
from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import round_like
from tests.helpers import submit_via_token

ROOT = Path(__file__).resolve().parent.parent
# Every way a group could be named; "other(s)" and "team" are left out, being everyday words
# as well (the questionnaire speaks of "a communications team").
GROUP_WORD = re.compile(
    r"\b(?:follower|colleague|staff|peer|direct report)s?(?: members?)?\b", re.I
)
MID_SENTENCE = re.compile(r"[a-z][,;]? $")  # a small letter (and a comma) just before


def allowed_spellings() -> set[str]:
    names = set()
    for version in questionnaire.available_versions():
        for g in questionnaire.load(version).groups:
            names |= {g.label, g.plural, g.in_sentence, g.label[:1].lower() + g.label[1:]}
    return names


class _Texts(HTMLParser):
    """Each text node of a page, and the attributes a screen reader reads out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "alt", "title", "placeholder") and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def texts_of(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


def misspellings(where: str, texts: list[str]) -> list[str]:
    """Group names that are not the questionnaire's, or capitalised inside a sentence."""
    allowed = allowed_spellings()
    found = []
    for text in texts:
        for match in GROUP_WORD.finditer(text):
            word, before = match.group(), text[: match.start()]
            if word not in allowed:
                found.append(f"{where}: {word!r} in {text!r}")
            elif word[0].isupper() and MID_SENTENCE.search(before):
                found.append(f"{where}: {word!r} capitalised mid-sentence in {text!r}")
    return found


@pytest.fixture
def rendered(client, leader, coach, draft_round):
    """Every page, message and file that names groups, as (where, texts)."""
    q = questionnaire.load(draft_round.questionnaire_version)
    out: list[tuple[str, list[str]]] = []

    def page(where: str, path: str, **kwargs) -> str:
        method = client.post if "data" in kwargs else client.get
        reply = method(path, follow_redirects=True, **kwargs)
        assert reply.status_code == 200, (where, reply.status_code)
        out.append((where, texts_of(reply.text)))
        return reply.text

    # A round with an open link for followers and staff and others counted only together.
    round_services.share_with_coach(draft_round, "coach@example.com")
    secret = current_app.config["SECRET_KEY"]
    link_tokens = {
        group: round_services.rotate_open_link(
            round_services.ensure_open_link(draft_round, group), secret
        )
        for group in ("follower", "colleague")
    }
    approval.ask_coach_to_review(draft_round, draft_round.shares[0])
    login(client, "leader@example.com")
    people = "\n".join(
        ["s0@example.org, Staff member", "s1@example.org, staff"]
        + ["o0@example.org, other", "o1@example.org, others"]
    )
    rid = draft_round.id
    page("invitations added", f"/rounds/{rid}/invitations", data={"lines": people})
    page("draft round page", f"/rounds/{rid}")
    page("replace link", f"/rounds/{rid}/open-links/follower/replace")
    page(
        "link settings",
        f"/rounds/{rid}/open-links/follower",
        data={"follower-max_responses": "40"},
    )
    client.post("/logout")
    login(client, "coach@example.com")
    page("coach's rater list", f"/rounds/{rid}/rater-list")
    seen = approval.list_fingerprint(draft_round)
    client.post(f"/rounds/{rid}/rater-list/approve", data={"seen": seen})
    client.post("/logout")
    login(client, "leader@example.com")
    round_services.open_round(draft_round)
    page("open round page", f"/rounds/{rid}")
    page("open link survey", f"/s/{link_tokens['follower']}")
    page("close page", f"/rounds/{rid}/close")

    # A second round: one staff invitee, counted nowhere; an open link refused beside them.
    hidden = round_like(leader, draft_round, title="Small round")
    survey_tokens = invite(
        hidden,
        "\n".join([f"c{i}@example.org, colleague" for i in range(3)] + ["x@example.org, staff"]),
    )
    page("refused open link", f"/rounds/{hidden.id}/open-links", data={"group": "staff"})
    survey_tokens |= invite(hidden, "\n".join(f"f{i}@example.org, follower" for i in range(3)))
    round_services.open_round(hidden)
    page("hidden round page", f"/rounds/{hidden.id}")
    for email in ("f0@example.org", "c0@example.org", "x@example.org"):
        page(f"survey of {email}", f"/s/{survey_tokens[email]}")
    for email in ("f0@example.org", "f1@example.org", "f2@example.org"):
        submit_via_token(survey_tokens[email], answer_all(q, 4))
    round_services.share_with_coach(hidden, "coach@example.com")
    round_services.close_round(hidden)
    page("results", f"/rounds/{hidden.id}/results")
    export = client.get(f"/rounds/{hidden.id}/export.csv")
    assert export.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(export.text)) for cell in row]
    out.append(("CSV export", cells))

    for message in db.session.scalars(select(OutboxMessage)):
        email = compose(message)
        for part in email.walk():
            if part.get_content_type() == "text/plain":
                out.append((f"{message.kind} mail (text)", part.get_content().splitlines()))
            elif part.get_content_type() == "text/html":
                out.append((f"{message.kind} mail (HTML)", texts_of(part.get_content())))
        out.append((f"{message.kind} mail subject", [str(email["Subject"])]))
    return out


def test_every_page_mail_and_file_spells_the_groups_one_way(rendered):
    kinds = {where.split(" mail")[0] for where, _ in rendered if " mail" in where}
    assert {"invitation", "coach_share", "list_review", "round_closed"} <= kinds
    named = [t for _, texts in rendered for t in texts if GROUP_WORD.search(t)]
    assert len(named) > 20, "the pages do name groups: the scan has something to check"
    problems = [p for where, texts in rendered for p in misspellings(where, texts)]
    assert not problems, "\n".join(problems)


def test_the_scan_catches_the_spellings_it_is_for():
    assert misspellings("x", ["Staff members are counted together."])
    assert misspellings("x", ["The open link for Followers"])
    assert misspellings("x", ["Your peers answered"])
    assert not misspellings("x", ["Followers", "Staff and others are counted only together."])
    assert not misspellings("x", ["The open link for staff", "Staff member", "Followers 4"])


# --- The source: no group name cased or spelled by hand ---------------------------------------

CASED = r"(?:\.(?:lower|upper|capitalize|title)\(\)|\s*\|\s*(?:lower|upper|capitalize|title)\b)"
# A group's words (or a group id) cased by hand: `plural.lower()`, `plural|lower`, `g.capitalize()`.
HAND_CASED = re.compile(
    rf"\b(?:plural|label|in_sentence){CASED}|\b(?:g|group|group_id|rater_group){CASED}"
)


def sources():
    for folder, patterns in (("feedback360", ("*.py",)), ("templates", ("*.html", "*.txt"))):
        for pattern in patterns:
            yield from (ROOT / folder).rglob(pattern)


def test_no_group_name_is_cased_by_hand_in_the_source():
    """Group names come from questionnaire.Group (label, plural, in_sentence), cased there."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if HAND_CASED.search(line)
    ]
    assert not found, "\n".join(found)


def test_no_page_or_mail_spells_a_group_its_own_way():
    """Words for a group written into templates are the questionnaire's own, in sentence case
    (the pasted-list aliases in invitation_list.py are input, not output)."""
    allowed = allowed_spellings()
    found = []
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix not in (".html", ".txt"):
            continue
        text = re.sub(r"{[{%#].*?[}%#]}", " ", path.read_text(), flags=re.S)
        for match in GROUP_WORD.finditer(text):
            if match.group() not in allowed:
                found.append(f"{path.relative_to(ROOT)}: {match.group()!r}")
    assert not found, "\n".join(found)


def test_in_sentence_is_the_plural_with_a_small_first_letter():
    q = questionnaire.load()
    assert [g.in_sentence for g in q.groups] == ["followers", "colleagues", "staff", "others"]
    assert [g.plural for g in q.groups] == ["Followers", "Colleagues", "Staff", "Others"]
