"""Every mail with a link reads well on a phone, checked as a real SMTP server receives it.

The HTML part carries its call to action as a button (a table cell with inline styles, as mail
programs ignore style sheets) whose href is the link, never the link as visible text. The
plain-text part is wrapped where a person would wrap it, each link whole on its own line.
Chromium renders each HTML part at 390 and 1280 px; screenshots go to /tmp/shots-mail15/.
"""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from feedback360.auth import services as auth_services
from feedback360.clock import today_utc
from feedback360.focus import EntryInput
from feedback360.followup.plans import save_plan
from feedback360.followup.pulses import create_pulse
from feedback360.followup.word_backs import send_word_back
from feedback360.mail import SUBJECTS
from feedback360.mail_text import wrap_plain_text
from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from feedback360.text import header_text
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import approve_as_coach
from tests.helpers import invite
from tests.helpers import submit_via_token
from tests.helpers import time_passes
from tests.mail_html import MailHtml
from tests.mail_html import contrast
from tests.test_mail import BASE_URL
from tests.test_mail import Inbox
from tests.test_mail import Q
from tests.test_mail import body
from tests.test_mail import deliver_all
from tests.test_mail import smtp_server

LEADER = "Maximiliane Alexandra von Hohenzollern-Sigmaringen"
TITLE = "Quarterly listening round: how our community conversations land on LinkedIn and Bluesky"
MAX_LINE = 78  # RFC 5322's advice for a line; only a line that is one whole link may be longer
URL = re.compile(r"https?://\S+")
SHOTS = Path("/tmp/shots-mail15")
CHROMIUM = Path("/usr/bin/chromium")
# The link each kind of mail is about: the button's href starts with it.
CALL_TO_ACTION = {
    "invitation": f"{BASE_URL}/s/",
    "reminder": f"{BASE_URL}/s/",
    # The coach has no account yet: each mail to them creates one for their address.
    "coach_share": f"{BASE_URL}/register/",
    "round_closed": f"{BASE_URL}/register/",
    "pulse_round_closed": f"{BASE_URL}/register/",
    "list_review": f"{BASE_URL}/register/",
    "password_reset": f"{BASE_URL}/reset-password/",
    "reset_no_account": f"{BASE_URL}/register",
    "signup": f"{BASE_URL}/register/",
    "signup_taken": f"{BASE_URL}/login",
    # Issue 18: the word back opens at the person's old link; the pulse at a new one.
    "word_back": f"{BASE_URL}/s/",
    "pulse_invitation": f"{BASE_URL}/s/",
    "pulse_reminder": f"{BASE_URL}/s/",
}


@pytest.fixture
def smtp(app):
    app.config["BASE_URL"] = BASE_URL
    with smtp_server(app, Inbox()) as inbox:
        yield inbox


def kind_of(message: EmailMessage) -> str:
    (kind,) = [
        kind
        for kind, subject in SUBJECTS.items()
        if header_text(subject % {"leader": LEADER}) == message["Subject"]
    ]
    return kind


def mail_of_every_kind(
    inbox: Inbox, title: str = TITLE
) -> tuple[dict[str, EmailMessage], dict[str, str]]:
    """One message of each kind, through the services that queue them: ({kind: message},
    {invitee: token}). The leader's name and the round's title are long, to test wrapping."""
    leader = add_user("leader@example.com", LEADER)
    add_user("taken@example.org", "Tina Taken")
    a_round = round_services.create_round(
        leader,
        title=title,
        why="To learn what lands.",
        success_measures="More replies.",
        platforms=["LinkedIn", "Bluesky"],
        closes_on=date.today() + timedelta(days=14),
        anonymity_threshold=3,
    )
    staff = "\n".join(f"{name}@example.org, staff" for name in ("ann", "bob", "cy"))
    tokens = invite(a_round, staff)
    round_services.share_with_coach(a_round, "coach@example.org")
    approval.ask_coach_to_review(a_round, a_round.shares[0])
    approve_as_coach(a_round, "coach@example.org")
    round_services.open_round(a_round)
    deliver_all()
    invitations = {kind_of(m): m for m in inbox.to("ann@example.org")}
    time_passes(days=3)
    round_services.send_reminders(a_round)
    deliver_all()  # before the close, which forgets reminders still waiting
    round_services.close_round(a_round)
    _word_back_and_pulse(a_round, leader)
    auth_services.request_password_reset("leader@example.com")
    auth_services.request_password_reset("nobody@example.org")
    auth_services.request_account("dana@example.org")
    auth_services.request_account("taken@example.org")
    assert deliver_all().failed == 0
    others = [m for m in inbox.messages if m["To"] != "ann@example.org"] + inbox.to(
        "ann@example.org"
    )
    by_kind = {kind_of(m): m for m in others} | invitations
    assert sorted(by_kind) == sorted(SUBJECTS), "one message of every kind"
    return by_kind, tokens


def _word_back_and_pulse(a_round, leader) -> None:
    """After the close: a plan, the word back, and a pulse with its invitations and reminders,
    then closed."""
    plan = [EntryInput("purpose_1", "Say in each post what it is for.", "linkedin", "Replies")]
    assert save_plan(a_round, leader, plan).ok
    assert send_word_back(a_round, leader, "Thank you.\n\nWhat I will do:\n- say why") == []
    start = today_utc()
    pulse = create_pulse(a_round, leader, start, start + timedelta(days=14))
    deliver_all()
    time_passes(days=3)
    round_services.send_reminders(pulse)
    deliver_all()  # before the close, which forgets reminders still waiting
    round_services.close_round(pulse)  # the coach is told, in the follow-up's words


def assert_reads_well(kind: str, message: EmailMessage) -> None:
    html = MailHtml(body(message, "html"))
    text = body(message, "plain")
    assert html.lang == "en"
    assert html.fetches == [], f"{kind}: nothing to fetch, no image, no tracker"
    for visible_link in ("http", "://", "www.", BASE_URL.split("//")[1]):
        assert visible_link not in html.text, f"{kind}: a link is shown as text"
    (button,) = html.buttons
    assert button.startswith(CALL_TO_ACTION[kind]), kind
    assert all(label.strip() for _, label in html.links), f"{kind}: every link says where"
    for line in text.splitlines():
        assert len(line) <= MAX_LINE or URL.fullmatch(line), f"{kind}: {line!r}"
    links_in_text = URL.findall(text)
    assert all(line in links_in_text or not URL.search(line) for line in text.splitlines()), (
        f"{kind}: a link shares a line with words"
    )
    assert set(links_in_text) == {href for href, _ in html.links}, "the same links in both parts"
    assert "" in text.strip().splitlines(), "paragraphs are kept"
    assert max(len(line) for line in text.splitlines() if not URL.fullmatch(line)) > 60, (
        "lines are filled, not cut short"
    )


def test_every_mail_with_a_link_reads_well_on_a_phone(smtp, ctx):
    by_kind, tokens = mail_of_every_kind(smtp)
    for kind, message in by_kind.items():
        assert_reads_well(kind, message)
    survey_link = f"{BASE_URL}/s/{tokens['ann@example.org']}"
    for kind in ("invitation", "reminder"):
        html = MailHtml(body(by_kind[kind], "html"))
        assert html.buttons == [survey_link]
        assert f"{survey_link}/decline" in [href for href, _ in html.links]
        text = body(by_kind[kind], "plain")
        assert survey_link in text.splitlines() and f"{survey_link}/decline" in text.splitlines()
    promise = " ".join(body(by_kind["invitation"], "plain").split())
    assert "never for fewer than 3 people" in promise
    assert TITLE in promise and LEADER in promise, "wrapping keeps every word"


def reminder_to(inbox: Inbox, a_round, address: str) -> tuple[str, str]:
    inbox.messages.clear()
    time_passes(days=3)
    round_services.send_reminders(a_round)
    deliver_all()
    (reminder,) = inbox.to(address)
    return body(reminder, "plain"), body(reminder, "html")


def test_a_reminder_says_nothing_of_who_or_how_many_answered(smtp, open_round):
    """The same words, to the letter, before and after others answer."""
    deliver_all()
    before = reminder_to(smtp, open_round, "staff0@example.org")
    for address in ("staff1@example.org", "staff2@example.org", "colleague0@example.org"):
        submit_via_token(open_round.tokens[address], answer_all(Q, 4))
    after = reminder_to(smtp, open_round, "staff0@example.org")
    assert after == before


# --- The wrapping itself, a pure function ------------------------------------------------------


def test_wrapping_fills_lines_at_spaces_and_keeps_paragraphs_and_links_whole():
    link = "https://feedback.example.net/s/" + "x" * 90
    text = (
        "Hello,\n\n"
        + "A well-known, self-evident sentence that goes on " * 4
        + "\nYour link: "
        + link
        + " (it works once)\n\n  Indented line\n\n\n\nThanks"
    )
    wrapped = wrap_plain_text(text)
    lines = wrapped.splitlines()
    assert lines[0] == "Hello," and lines[1] == ""
    assert all(len(line) <= 72 for line in lines if line != link)
    assert link in lines and "Your link:" in lines and "(it works once)" in lines
    assert "well-known," in wrapped.split() and "self-evident" in wrapped.split(), "no hyphen break"
    assert "  Indented line" in lines
    assert "\n\n\n" not in wrapped, "blank lines left by template tags fold into one"
    assert wrapped.endswith("Thanks\n")
    assert wrap_plain_text(wrapped) == wrapped, "wrapping twice changes nothing"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=90),
            st.just("https://feedback.example.net/s/" + "t" * 80),
            st.just("\n\n"),
        ),
        max_size=12,
    ).map(" ".join)
)
def test_wrapped_lines_are_short_unless_one_whole_link_and_no_word_is_lost(text):
    wrapped = wrap_plain_text(text)
    for line in wrapped.splitlines():
        assert len(line) <= 72 or URL.fullmatch(line.strip()), line
    assert "".join(wrapped.split()) == "".join(text.split()), "every character kept, in order"


# --- Rendered by Chromium --------------------------------------------------------------------


@pytest.mark.browser
def test_each_mail_renders_calm_at_390_and_1280_px(sqlite_app):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.helpers import CHROMIUM_ARGS

    sqlite_app.config["BASE_URL"] = BASE_URL
    with sqlite_app.app_context(), smtp_server(sqlite_app, Inbox()) as inbox:
        # A title with a "word" wider than a phone: it must wrap, not widen the page.
        by_kind, _ = mail_of_every_kind(inbox, title=f"{TITLE} #{'Unbroken' * 8}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        requests: list[str] = []
        for width in (390, 1280):
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.on("request", lambda request: requests.append(request.url))
            for kind, message in sorted(by_kind.items()):
                page.set_content(body(message, "html"))
                page.screenshot(path=str(SHOTS / f"{kind}-{width}.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, kind
                button = page.locator("td[bgcolor] > a").first
                box = button.bounding_box()
                assert box["height"] >= 44 and box["width"] >= 44, (kind, box)
                colours = button.evaluate(
                    "a => [getComputedStyle(a).color,"
                    " getComputedStyle(a.parentElement).backgroundColor]"
                )
                assert contrast(*colours) >= 4.5, (kind, colours)
                heights = page.eval_on_selector_all(
                    "a", "links => links.map(a => a.getBoundingClientRect().height)"
                )
                assert min(heights) >= 44, (kind, heights)  # every link a touch target
                sizes = page.evaluate(
                    "[...document.querySelectorAll('p')]"
                    ".map(p => parseFloat(getComputedStyle(p).fontSize))"
                )
                assert sizes and min(sizes) >= 16, (kind, sizes)
                card = page.locator("table[role=presentation] table").first.bounding_box()
                assert card["width"] <= 560 + 2, (kind, card)
            assert requests == [], "nothing fetched: no image, font or tracker"
            page.close()
        browser.close()
