"""No English sentence is left on a page, in a mail or in the report of another language.

Every page of the accessibility recipes (tests/test_accessibility.py: PAGES, failed submits
included, replayed here through Flask's test client), every kind of mail and the report's HTML are
rendered in Spanish, French and German. Their visible text may hold no English phrase of four
words or more taken from `messages.pot`: such a phrase means a sentence marked for translation
(`N_`) is shown without `_()` where it is displayed. What people typed (titles, names, comments,
notes) is taken out first; it stays as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select

from feedback360 import demo as demo_data
from feedback360 import mail
from feedback360.auth import services as auth_services
from feedback360.catalogs import TRANSLATIONS
from feedback360.clock import today_utc
from feedback360.extensions import db
from feedback360.focus import EntryInput
from feedback360.followup.plans import save_plan
from feedback360.followup.pulses import create_pulse
from feedback360.followup.word_backs import send_word_back
from feedback360.models import CoachShare
from feedback360.models import Comment
from feedback360.models import FocusPlanEntry
from feedback360.models import OutboxMessage
from feedback360.models import Round
from feedback360.models import User
from feedback360.models import WordBack
from feedback360.reports.pdf import render_report_html
from feedback360.reports.services import report_data
from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from tests.helpers import all_mail_sent
from tests.helpers import approve_as_coach
from tests.helpers import drop_app
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import make_app
from tests.helpers import share_for
from tests.helpers import time_passes
from tests.helpers import visible_text
from tests.test_accessibility import INVITE_LABEL
from tests.test_accessibility import PAGES
from tests.test_accessibility import page
from tests.test_accessibility import seed_world

LANGUAGES = ("es", "fr", "de")
ALL_LANGUAGES = ("en", *LANGUAGES)  # English renders too: what reads the same is left over
MIN_WORDS = 4
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
TAG = re.compile(r"<[^>]+>")
LETTER = re.compile(r"[^\W\d_]")
ADDRESS = re.compile(r"://|@")


def english_phrases() -> set[str]:
    """The runs of English words between placeholders and tags in every msgid, of MIN_WORDS
    words or more."""
    with (TRANSLATIONS / "messages.pot").open("rb") as pot:
        catalog = read_po(pot)
    phrases = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for msgid in ids:
            for piece in PLACEHOLDER.split(TAG.sub("\x00", msgid)):
                for part in piece.split("\x00"):
                    phrase = " ".join(part.split()).strip(" ,;:")
                    if word_count(phrase) >= MIN_WORDS:
                        phrases.add(phrase)
    return phrases


def translated_text(language: str) -> str:
    """Every msgstr of a language, in one string: an English phrase found there was kept by its
    translator (a product name, a quoted example), so it is no leftover."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    strings = []
    for message in catalog:
        values = message.string if isinstance(message.string, tuple) else (message.string,)
        strings.extend(" ".join(value.split()) for value in values if value)
    return "\n".join(strings)


def pieces_of(html: str) -> list[str]:
    """The page's text as a reader meets it, a piece per run of text between two tags."""
    html = re.sub(r"<(script|style|head)\b.*?</\1>", " ", html, flags=re.S)
    pieces = (" ".join(unescape(piece).split()) for piece in TAG.split(html))
    return [piece for piece in pieces if piece]


def word_count(text: str) -> int:
    """Words with a letter, links and addresses left out."""
    return sum(1 for word in text.split() if LETTER.search(word) and not ADDRESS.search(word))


def without_typed(text: str, typed: list[str]) -> str:
    """`text` less what people typed (titles, names, comments, notes)."""
    for entered in typed:
        if entered in text:
            text = re.sub(rf"(?<!\w){re.escape(entered)}(?!\w)", " ", text)
    return text


def leftovers(text: str, phrases: set[str], kept: str, typed: list[str]) -> list[str]:
    """The English phrases in `text`, once what people typed is taken out of it."""
    text = without_typed(text, typed)
    return sorted(
        phrase
        for phrase in phrases
        if phrase in text
        and phrase not in kept
        and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)
    )


# --- Replaying a recipe's form without a browser -------------------------------------------


@dataclass
class Control:
    tag: str
    attrs: dict
    form: int | None  # index of its form on the page
    label: str = ""  # the text of its <label> (wrapping or `for`)
    text: list[str] = field(default_factory=list)  # a button's or an option's words


class Forms(HTMLParser):
    """A page's forms as a browser sees them: actions, controls, labels and buttons."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.actions: list[str] = []
        self.form_ids: dict[str, int] = {}
        self.controls: list[Control] = []
        self.labels: dict[str, str] = {}  # for= id -> label text
        self._form: int | None = None
        self._label: tuple[str | None, list[str], list[Control]] | None = None
        self._button: Control | None = None
        self.feed(html)
        self.close()
        for control in self.controls:
            control_id = control.attrs.get("id")
            if control_id in self.labels:
                control.label = self.labels[control_id]

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = len(self.actions)
            self.actions.append(a.get("action", ""))
            if "id" in a:
                self.form_ids[a["id"]] = self._form
        elif tag == "label":
            self._label = (a.get("for"), [], [])
        elif tag in ("input", "textarea", "select", "button"):
            form = self.form_ids.get(a["form"]) if "form" in a else self._form
            control = Control(tag, a, form)
            self.controls.append(control)
            if self._label is not None:
                self._label[2].append(control)
            if tag in ("button", "textarea"):
                self._button = control
        elif tag == "option":
            self.controls.append(Control("option", a, self._form))
            self._button = self.controls[-1]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "label" and self._label is not None:
            target, words, wrapped = self._label
            text = " ".join("".join(words).split())
            if target:
                self.labels[target] = text
            for control in wrapped:
                control.label = text
            self._label = None
        elif tag in ("button", "textarea", "option"):
            self._button = None

    def handle_data(self, data):
        if self._label is not None:
            self._label[1].append(data)
        if self._button is not None:
            self._button.text.append(data)

    def submission(self, recipe) -> tuple[str, dict[str, str]]:
        """Where pressing the recipe's button posts, and what: the form as it stands, the
        recipe's text typed into its labelled fields and its choice ticked in every question."""
        (button,) = [
            c
            for c in self.controls
            if c.tag == "button"
            and "hidden" not in c.attrs  # the survey's default for Enter, not to press
            and " ".join("".join(c.text).split()) == recipe.press
        ]
        mine = [c for c in self.controls if c.form == button.form]
        data: dict[str, str] = {}
        select_name = None
        for control in mine:
            kind, name = control.attrs.get("type", "text"), control.attrs.get("name")
            if control.tag == "select":
                select_name = name
            elif control.tag == "option" and select_name and select_name not in data:
                data[select_name] = control.attrs.get("value", "".join(control.text).strip())
            elif control.tag == "textarea" and name:
                text = "".join(control.text).replace("\r\n", "\n")
                data[name] = text.removeprefix("\n")  # as a browser reads a text box
                # Sent as the person's own words (a draft they kept): not the app's any more.
                POSTED_TEXTS.update([data[name], *data[name].splitlines()])
            elif control.tag == "input" and name and kind not in ("submit", "button"):
                if kind not in ("radio", "checkbox") or "checked" in control.attrs:
                    data[name] = control.attrs.get("value", "")
        for label, value in recipe.fill:
            (control,) = [c for c in mine if c.label == label and c.tag != "option"]
            data[control.attrs["name"]] = value
        labels = (recipe.check_all,) if isinstance(recipe.check_all, str) else recipe.check_all
        for control in mine:
            if control.label in (labels or ()) and control.attrs.get("type") == "radio":
                data[control.attrs["name"]] = control.attrs.get("value", "on")
        if button.attrs.get("name"):
            data[button.attrs["name"]] = button.attrs.get("value", "")
        action = button.attrs.get("formaction") or self.actions[button.form]
        return action, data


def visit(client, recipe, path: str, language: str) -> str:
    """The recipe's page in `language`: its form is read in English (the button's words are
    the recipe's), then posted in the language."""
    headers = {"Accept-Language": language}
    if recipe.press is None:
        reply = client.get(path, headers=headers, follow_redirects=True)
    else:
        english = client.get(path, headers={"Accept-Language": "en"})
        action, data = Forms(english.text).submission(recipe)
        reply = client.post(
            urljoin(path, action), data=data, headers=headers, follow_redirects=True
        )
    assert reply.status_code < 500, (recipe.name, reply.status_code)
    return reply.text


# States the accessibility recipes do not reach: every reason a pasted line is refused, a mail
# the sender gave up on (the round page shows why), an open link this browser answered.
BAD_LINES = "\n".join(
    [
        "x=?y@example.org, staff",
        "bea@example.org, boss",
        "cy@example.org, staff, it",
        "just words",
        "not an email, staff",
        "early@example.org, colleague",
        "leader@example.com, staff",
    ]
)
EXTRA_PAGES = [
    page("every refused line", "leader", "/rounds/{draft}", "not added", "Add invitations",
         **{INVITE_LABEL: BAD_LINES}),
    page("undelivered mail", "leader", "/rounds/{open}", "could not be delivered"),
    page("answered from this browser", "respondent", "/s/{open_link}", "already answered"),
]  # fmt: skip


def seed_extra_states(app, paths: dict[str, str], respondent) -> None:
    """What EXTRA_PAGES need beyond the accessibility world."""
    with app.app_context():
        first = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.round_id == int(paths["open"]))
        ).first()
        # As the sender leaves a message it gives up on (outbox._give_up), with one of
        # feedback360's own reasons.
        first.status, first.last_error = "failed", "the invitation was replaced"
        db.session.commit()
    reply = respondent.post(f"/s/{paths['open_link']}?go=send", data=full_answers("na"))
    assert reply.status_code == 302, reply.status_code


# --- The world, rendered once in each language ---------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """{(language, what): visible text} for every page, mail and the report, and the texts
    people typed."""
    path = tmp_path_factory.mktemp("leftovers")
    app = make_app(
        f"sqlite:///{path / 'leftovers.sqlite'}",
        path,
        SERVER_NAME=None,
        RATELIMIT_ENABLED=False,
    )
    try:
        with app.app_context():
            paths = seed_world()
        clients = {"visitor": app.test_client(), "respondent": app.test_client()}
        for who, email, password in (
            ("leader", demo_data.LEADER_EMAIL, demo_data.LEADER_PASSWORD),
            ("coach", demo_data.COACH_EMAIL, demo_data.COACH_PASSWORD),
        ):
            clients[who] = app.test_client()
            reply = clients[who].post("/login", data={"email": email, "password": password})
            assert reply.status_code == 302, who
        texts = {}
        for recipes in (PAGES, EXTRA_PAGES):
            if recipes is EXTRA_PAGES:
                seed_extra_states(app, paths, clients["respondent"])
            for language in ALL_LANGUAGES:
                for recipe in recipes:
                    path = recipe.path.format(**paths)
                    html = visit(clients[recipe.who], recipe, path, language)
                    texts[language, f"page {recipe.name}"] = pieces_of(html)
                    if language == "en":  # the replay gets where the browser gets
                        assert recipe.expect in visible_text(html), recipe.name
        with app.app_context():
            mails = MailTexts()
            mails.compose_new()  # the world's: invitations, shares, reviews, closed rounds
            mail_of_every_kind(mails)
            assert mails.kinds == set(mail.SUBJECTS), set(mail.SUBJECTS) - mails.kinds
            texts |= mails.texts | report_texts()
            typed = typed_texts()
        yield texts, typed
    finally:
        drop_app(app)


class MailTexts:
    """Each message waiting in the outbox, composed in every language, then marked sent: a
    message is composed as it comes, before what follows (closing a round) takes it away."""

    def __init__(self) -> None:
        self.texts: dict[tuple[str, str], list[str]] = {}
        self.kinds: set[str] = set()

    def compose_new(self) -> None:
        waiting = select(OutboxMessage).where(OutboxMessage.status == "pending")
        for message in db.session.scalars(waiting.order_by(OutboxMessage.id)).all():
            for language in ALL_LANGUAGES:
                with force_locale(language):
                    try:
                        email = mail._compose(message)
                    except mail.Undeliverable:
                        continue
                kind = message.kind
                if message.round is not None:  # a pulse's invitations have their own words
                    kind = mail._round_template(message.round.kind, kind)
                self.kinds.add(kind)
                for part in email.iter_parts():
                    body, subtype = part.get_content(), part.get_content_subtype()
                    lines = body.splitlines() if subtype == "plain" else pieces_of(body)
                    what = f"mail {message.id} {message.kind} {subtype}"
                    self.texts[language, what] = [str(email["Subject"]), *lines]
        all_mail_sent()


def mail_of_every_kind(mails: MailTexts) -> None:
    """Queue every kind of mail, as tests/test_mail_layout.py does, composing each as it comes."""
    leader = db.session.scalar(select(User).where(User.email == demo_data.LEADER_EMAIL))
    a_round = round_services.create_round(
        leader, title="Mail round", why="To learn.", platforms=["LinkedIn"], anonymity_threshold=3
    )
    invite(a_round, "\n".join(f"{name}@example.org, staff" for name in ("ann", "bob", "cy")))
    round_services.share_with_coach(a_round, "new.coach@example.org")
    approval.ask_coach_to_review(a_round, share_for(a_round, "new.coach@example.org"))
    approve_as_coach(a_round, "new.coach@example.org")
    round_services.open_round(a_round)
    mails.compose_new()
    time_passes(days=3)
    round_services.send_reminders(a_round)
    mails.compose_new()
    round_services.close_round(a_round)
    mails.compose_new()
    plan = [EntryInput("purpose_1", "Say in each post what it is for.", "linkedin", "Replies")]
    assert save_plan(a_round, leader, plan).ok
    assert send_word_back(a_round, leader, "Thank you.\n\nWhat I will do:\n- say why") == []
    mails.compose_new()
    start = today_utc()
    pulse = create_pulse(a_round, leader, start, start + timedelta(days=14))
    mails.compose_new()
    time_passes(days=3)
    round_services.send_reminders(pulse)
    mails.compose_new()
    round_services.close_round(pulse)  # its coach is told, in the follow-up's words
    mails.compose_new()
    auth_services.request_password_reset(demo_data.LEADER_EMAIL)
    auth_services.request_password_reset("nobody@example.org")
    auth_services.request_account("dana@example.org")
    auth_services.request_account(demo_data.COACH_EMAIL)
    mails.compose_new()


def report_texts() -> dict[tuple[str, str], list[str]]:
    """The report's HTML (what WeasyPrint prints) of every closed round, in each language."""
    texts = {}
    closed = db.session.scalars(select(Round).where(Round.status == "closed")).all()
    for language in ALL_LANGUAGES:
        with force_locale(language):
            for a_round in closed:
                html = render_report_html(report_data(a_round))
                texts[language, f"report {a_round.title}"] = pieces_of(html)
    return texts


# Text boxes the replay sent as they stood (a word back's English draft, posted on a Spanish
# page, is what that leader wrote from then on).
POSTED_TEXTS: set[str] = set()


def typed_texts() -> list[str]:
    """What leaders, coaches and respondents wrote, longest first (so a title inside a longer
    text is taken out with it)."""
    typed = []
    for a_round in db.session.scalars(select(Round)):
        typed += [a_round.title, a_round.why or "", a_round.success_measures or ""]
    typed += db.session.scalars(select(User.name)).all()
    typed += db.session.scalars(select(Comment.text)).all()
    typed += [share.debrief_note or "" for share in db.session.scalars(select(CoachShare))]
    for entry in db.session.scalars(select(FocusPlanEntry)):
        typed += [entry.action, entry.measure]
    for word_back in db.session.scalars(select(WordBack)):  # shown whole and by paragraph
        typed += [word_back.text, *word_back.text.splitlines()]
    typed += [line for recipe in PAGES for _, value in recipe.fill for line in value.splitlines()]
    typed += POSTED_TEXTS
    typed = {" ".join(text.split()) for text in typed if text and text.strip()}
    return sorted(typed, key=len, reverse=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_sentence_marked_for_translation_is_left_in_english(rendered, language):
    texts, typed = rendered
    phrases, kept = english_phrases(), translated_text(language)
    found = {
        what: leftovers(" ".join(pieces), phrases, kept, typed)
        for (lang, what), pieces in texts.items()
        if lang == language
    }
    found = {what: phrases for what, phrases in found.items() if phrases}
    assert not found, "\n".join(f"{what}: {phrases}" for what, phrases in found.items())


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_text_is_shown_as_it_is_in_english(rendered, language):
    """Words never marked for translation (a pure module's message, a library's) read the same
    in English and in the language: a text of MIN_WORDS words or more that both show alike."""
    texts, typed = rendered
    kept = translated_text(language)
    found = {}
    for (lang, what), pieces in texts.items():
        if lang != language:
            continue
        shown = " ".join(pieces)
        english = {without_typed(piece, typed).strip(" ,;:.()") for piece in texts["en", what]}
        same = sorted(
            piece
            for piece in english
            if word_count(piece) >= MIN_WORDS and piece in shown and piece not in kept
        )
        if same:
            found[what] = same
    assert not found, "\n".join(f"{what}: {same}" for what, same in found.items())
