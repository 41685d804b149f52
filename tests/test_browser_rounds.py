"""Real headless Chromium, as a leader on a phone: Remind waits and says until when, closing
asks first (and is confirmed from the keyboard), and the pages that change at open and close
fit a phone and a desktop. Screenshots go to /tmp/shots-actions16 for a human to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from feedback360 import questionnaire
from feedback360.clock import today_utc
from feedback360.extensions import db
from feedback360.models import Round
from feedback360.readiness import day_and_month
from feedback360.rounds import services as round_services
from tests.helpers import DESKTOP
from tests.helpers import PASSWORD
from tests.helpers import PHONE
from tests.helpers import SECRET_KEY
from tests.helpers import add_user
from tests.helpers import all_mail_sent
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import overflow
from tests.helpers import shot
from tests.helpers import submit_via_token
from tests.helpers import time_passes

Q = questionnaire.load()
SHOTS = Path("/tmp/shots-actions16")
PEOPLE = "\n".join(
    [f"colleague{i}@example.org, colleague" for i in range(3)]
    + [f"staff{i}@example.org, staff" for i in range(3)]
    + ["other0@example.org, other"]
)

pytestmark = pytest.mark.browser


def new_round(leader, title: str, people: str = "", rated: bool = True, link: bool = False):
    a_round = round_services.create_round(
        leader,
        title=title,
        why="To grow a community of practice.",
        platforms=["LinkedIn"],
        anonymity_threshold=3,
        closes_on=today_utc() + timedelta(days=21),
    )
    a_round.tokens = invite(a_round, people) if people else {}
    if link:
        round_services.rotate_open_link(
            round_services.ensure_open_link(a_round, "follower"), SECRET_KEY
        )
    if rated:
        round_services.save_self_assessment(a_round, answer_all(Q, 4))
    return a_round


def logged_in(browser, base_url: str, email: str, viewport: dict):
    """A page of a fresh browser context, logged in as `email`, with the page's JavaScript off
    (no leader page needs it; the tests' own measuring still runs)."""
    context = browser.new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    return context, page


def test_remind_waits_then_closing_asks_first_on_a_phone(live_app, base_url, browser):
    with live_app.app_context():
        leader = add_user("remind.leader@example.com", "Robin Remind")
        a_round = new_round(leader, "Winter on LinkedIn", PEOPLE)
        round_services.open_round(a_round)
        round_id, tokens = a_round.id, a_round.tokens
        db.session.remove()
    context, page = logged_in(browser, base_url, "remind.leader@example.com", PHONE)
    page.goto(f"{base_url}/rounds/{round_id}")

    first_day = day_and_month(today_utc() + timedelta(days=3))
    waiting = page.get_by_role("button", name=f"Remind from {first_day}")
    assert waiting.is_visible() and waiting.is_disabled()
    assert page.get_by_text(f"Reminders can be sent from {first_day}").is_visible()
    assert page.get_by_role("button", name="Remind those who have not answered").count() == 0
    assert overflow(page) <= 0, "the round page scrolls sideways on a phone"
    shot(page, "remind-waiting-390", SHOTS)

    with live_app.app_context():
        all_mail_sent()
        time_passes(days=3)
        submit_via_token(tokens["colleague0@example.org"], answer_all(Q, 4))
        db.session.remove()
    page.reload()
    with page.expect_navigation():
        page.get_by_role("button", name="Remind those who have not answered").click()
    assert page.get_by_text("Reminders are on their way").is_visible()
    shot(page, "remind-sent-390", SHOTS)

    page.get_by_role("link", name="Close the round…").click()
    assert page.get_by_role("heading", name="Close “Winter on LinkedIn”?").is_visible()
    assert page.get_by_text("Closing is final").is_visible()
    assert page.get_by_text("If you close now, these will not be shown").is_visible()
    assert overflow(page) <= 0, "the close page scrolls sideways on a phone"
    shot(page, "close-confirm-390", SHOTS)
    page.get_by_role("link", name="Cancel, keep it open").click()
    assert page.locator(".status-open").is_visible(), "cancel keeps it open"

    page.get_by_role("link", name="Close the round…").click()
    page.get_by_role("link", name="Cancel, keep it open").focus()
    page.keyboard.press("Shift+Tab")  # from Cancel back to the button, as a keyboard user would
    button = page.get_by_role("button", name="Close the round and build the report")
    assert button.evaluate("button => button === document.activeElement")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("The round is closed. The results and report are ready.").is_visible()
    shot(page, "closed-round-390", SHOTS)
    with live_app.app_context():
        assert db.session.get(Round, round_id).status == "closed"
        db.session.remove()
    context.close()


def test_every_page_that_asks_or_shows_read_only_fits_a_phone_and_a_desktop(
    live_app, base_url, browser
):
    with live_app.app_context():
        leader = add_user("pages.leader@example.com", "Sam Pages")
        nobody = new_round(leader, "Nobody asked yet", rated=False)
        unrated = new_round(leader, "Not rated yet", PEOPLE, rated=False)
        running = new_round(leader, "Running round", PEOPLE, link=True)
        round_services.open_round(running)
        closed = new_round(leader, "Closed round", PEOPLE)
        round_services.open_round(closed)
        round_services.close_round(closed)
        pages = {
            "open-blocked": (f"/rounds/{nobody.id}/open", "“Nobody asked yet” cannot open yet"),
            "round-draft": (f"/rounds/{unrated.id}", "Not rated yet"),
            "open-anyway": (
                f"/rounds/{unrated.id}/open",
                "Open “Not rated yet” without rating yourself?",
            ),
            "round-open": (f"/rounds/{running.id}", "Running round"),
            "close-confirm": (f"/rounds/{running.id}/close", "Close “Running round”?"),
            "replace-link": (
                f"/rounds/{running.id}/open-links/follower/replace",
                "Replace the open link for followers?",
            ),
            "round-closed": (f"/rounds/{closed.id}", "Closed round"),
            "self-read-only": (f"/rounds/{closed.id}/self", "Your self-assessment"),
            "settings-read-only": (f"/rounds/{closed.id}/edit", "Settings"),
        }
        db.session.remove()
    for width, viewport in (("390", PHONE), ("1280", DESKTOP)):
        context, page = logged_in(browser, base_url, "pages.leader@example.com", viewport)
        for name, (path, heading) in pages.items():
            assert page.goto(base_url + path).status == 200, path
            assert page.get_by_role("heading", name=heading, exact=False).first.is_visible()
            assert overflow(page) <= 0, f"{name} scrolls sideways at {width} px"
            shot(page, f"{name}-{width}", SHOTS)
        context.close()
