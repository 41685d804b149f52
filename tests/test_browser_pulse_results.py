"""Real headless Chromium against a live server (fixtures in conftest.py): a closed follow-up's
results page for its leader and the original round's coach, on a phone (390 px, also without
JavaScript) and a desktop, reached from the round's page and results, and its short PDF.
Screenshots and the PDF's pages (pdftoppm) go to /tmp/shots-pulse18 for a human to look at.
"""

from __future__ import annotations

import subprocess
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest

from feedback360.extensions import db
from feedback360.reports.stored import build_wanted_reports
from feedback360.rounds import services as round_services
from tests.followup_setup import answer_pulse
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today
from tests.followup_setup import pulse_tokens
from tests.helpers import DESKTOP
from tests.helpers import PASSWORD
from tests.helpers import PHONE
from tests.helpers import add_user
from tests.helpers import invite
from tests.helpers import overflow
from tests.helpers import shot

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-pulse18")
PEOPLE = (
    [f"colleague{i}@example.org, colleague" for i in range(4)]
    + [f"staff{i}@example.org, staff" for i in range(3)]
    + [f"follower{i}@example.org, follower" for i in range(3)]
    + ["other0@example.org, other"]
)


def closed_pulse() -> tuple[int, int]:
    """A round answered and closed with a plan, shared with Cora; its pulse answered by all ten
    who answered the round (better on the first statement) and closed. (round id, pulse id)"""
    leader = add_user("robin@example.com", "Robin Example")
    add_user("cora@example.com", "Cora Coach")
    a_round = round_services.create_round(
        leader,
        title="Spring on LinkedIn",
        why="To learn",
        platforms=[],
        closes_on=date.today() + timedelta(days=14),
        anonymity_threshold=3,
    )
    a_round.tokens = invite(a_round, "\n".join(PEOPLE))
    round_services.open_round(a_round)
    round_services.share_with_coach(a_round, "cora@example.com")
    closed_round_with_plan(a_round, leader)
    pulse = pulse_today(a_round, leader)
    for n, token in enumerate(pulse_tokens(pulse).values()):
        if n < 10:
            answer_pulse(token, pulse, 5 if n % 2 else 4, "a_little_better")
    round_services.close_round(pulse)
    build_wanted_reports()
    ids = a_round.id, pulse.id
    db.session.remove()
    return ids


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def round_page_leads_to_the_results(page, round_url: str, width: int) -> None:
    """The original round's page says where its follow-up stands and, by keyboard, leads to
    its results (in the leader's login: the account's login limit is the module's)."""
    page.goto(round_url)
    follow_up = page.locator("#follow-up")
    assert "closed" in follow_up.inner_text() and "closed on" in follow_up.inner_text()
    if width == 390:
        assert overflow(page) <= 0, "the round page scrolls sideways on a phone"
    follow_up.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"round-with-follow-up-{width}.png"))
    follow_up.get_by_role("link", name="See the follow-up’s results").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/results" in page.url


def test_the_pulse_results_page_on_a_phone_and_a_desktop(live_app, base_url, browser):
    with live_app.app_context():
        round_id, pulse_id = closed_pulse()
    path = f"{base_url}/rounds/{pulse_id}/results"
    for email, who in (("robin@example.com", "leader"), ("cora@example.com", "coach")):
        for viewport, width, javascript in ((PHONE, 390, False), (DESKTOP, 1280, True)):
            context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
            page = context.new_page()
            log_in(page, base_url, email)
            if who == "leader":
                round_page_leads_to_the_results(page, f"{base_url}/rounds/{round_id}", width)
            page.goto(path)
            assert page.get_by_role("heading", name="How to read the follow-up").is_visible()
            first = page.locator("#target-1")
            assert first.get_by_role("row", name="A little better 10").is_visible()
            assert "knows who rated both times" in page.locator("#pulse-notes").inner_text()
            if width == 390:
                assert overflow(page) <= 0, f"{who}: the page scrolls sideways on a phone"
                # The statements' table scrolls in its own box, reachable by keyboard.
                box = first.get_by_role("region")
                assert box.get_attribute("tabindex") == "0"
            shot(page, f"pulse-results-{who}-{width}", SHOTS)
            context.close()


def test_the_pdf_is_reached_from_the_page(live_app, base_url, browser):
    with live_app.app_context():
        _, pulse_id = db.session.execute(
            db.text("SELECT parent_round_id, id FROM rounds WHERE kind = 'pulse'")
        ).one()
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    log_in(page, base_url, "robin@example.com")
    page.goto(f"{base_url}/rounds/{pulse_id}/results")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF report").click()
    pdf = SHOTS / "pulse-report.pdf"
    SHOTS.mkdir(parents=True, exist_ok=True)
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "How to read the follow-up" in text and "Robin Example" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(SHOTS / "pulse-pdf")], check=True)
    context.close()


def test_the_next_round_shows_the_focus_so_far(live_app, base_url, browser):
    with live_app.app_context():
        from feedback360.models import User
        from tests.test_pulse_results_pages import next_round

        later = next_round(db.session.scalar(db.select(User).filter_by(name="Robin Example")))
        later_id = later.id
        build_wanted_reports()
        db.session.remove()
    for viewport, width in ((PHONE, 390), (DESKTOP, 1280)):
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        page = context.new_page()
        log_in(page, base_url, "robin@example.com")
        page.goto(f"{base_url}/rounds/{later_id}/results")
        history = page.locator("#focus-history")
        assert history.get_by_role("heading", name="Your focus so far").is_visible()
        history.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"focus-history-{width}.png"))
        if width == 390:
            assert overflow(page) <= 0
        else:
            with page.expect_download() as download:
                page.get_by_role("link", name="Download the PDF report").click()
            pdf = SHOTS / "next-round-report.pdf"
            download.value.save_as(pdf)
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
            assert "Your focus so far" in text.stdout
        context.close()
