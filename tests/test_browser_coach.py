"""Real headless Chromium against a live server (fixtures in conftest.py): the coach approves a
rater list the leader asked them to vouch for, and shares a debrief note the leader then reads on
their results page and in their PDF. Every page on a phone and a desktop; screenshots and the
PDF's pages (pdftoppm) go to /tmp/shots-coach16 for a human to look at.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Invitation
from feedback360.reports.stored import build_wanted_reports
from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from tests.helpers import DESKTOP
from tests.helpers import PASSWORD
from tests.helpers import PHONE
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import approve_as_coach
from tests.helpers import invite
from tests.helpers import overflow
from tests.helpers import share_for
from tests.helpers import shot
from tests.helpers import submit_via_token

pytestmark = pytest.mark.browser
Q = questionnaire.load()
SHOTS = Path("/tmp/shots-coach16")
NOTE = (
    "Ask Robin which LinkedIn thread they are proudest of.\n"
    "Then: what would a reply that lands look like?"
)


def submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).first.click()


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Log in")


def logged_in(browser, base_url: str, email: str) -> dict:
    """A session to reuse in other contexts: each login counts against the login rate limit."""
    context = browser.new_context()
    log_in(context.new_page(), base_url, email)
    state = context.storage_state()
    context.close()
    return state


def both_widths(browser, base_url, session: dict, path: str, name: str, part="main") -> None:
    """The page at 390 and 1280 px, screenshotted (and the screenful around `part`, the part
    this test is about); on the phone nothing scrolls sideways, `part` included."""
    for viewport, suffix in ((PHONE, "390"), (DESKTOP, "1280")):
        context = browser.new_context(viewport=viewport, storage_state=session)
        page = context.new_page()
        page.goto(f"{base_url}{path}")
        shot(page, f"{name}-{suffix}", SHOTS)
        if part != "main":  # a long page: the screenful around its own part, to look at closely
            page.locator(part).scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"{name}-{suffix}-part.png"))
        if viewport is PHONE:
            assert overflow(page) <= 0, f"{name} scrolls sideways on a phone"
            assert fits(page, part), f"{name}: {part} reaches past a phone's screen"
        context.close()


def fits(page, selector: str) -> bool:
    """Whether every element in `selector` ends within the viewport's width."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector + ', ' + selector + ' *')]
            .every(e => e.getBoundingClientRect().right <= window.innerWidth + 0.5)""",
        selector,
    )


def open_from_the_round_page(page) -> None:
    """Open the round as its page offers: at once, or through the page that first says what is
    missing (a coach who has not approved blocks it there)."""
    asks_first = page.get_by_role("link", name="Open the round…")
    if asks_first.count():
        with page.expect_navigation():
            asks_first.click()
        if page.get_by_role("button", name="Open the round anyway").count():
            submit(page, "Open the round anyway")
    else:
        submit(page, "Open the round")


def test_the_coach_vouches_for_the_rater_list(live_app, base_url, browser):
    with live_app.app_context():
        leader = add_user("robin@example.com", "Robin Example")
        add_user("cora@example.com", "Cora Coach")
        a_round = round_services.create_round(
            leader, title="Spring on LinkedIn", why="To learn", platforms=[], anonymity_threshold=3
        )
        round_services.save_self_assessment(a_round, answer_all(Q, 4))
        invite(
            a_round,
            "\n".join(f"staff{i}@example.org, staff" for i in range(3))
            + "\nrobin.alias@example.net, staff",
        )
        round_services.share_with_coach(a_round, "cora@example.com")
        round_id = a_round.id
        db.session.remove()
    round_path = f"/rounds/{round_id}"

    leader_context = browser.new_context(viewport=DESKTOP)
    leader_page = leader_context.new_page()
    log_in(leader_page, base_url, "robin@example.com")
    leader_page.goto(f"{base_url}{round_path}")
    submit(leader_page, "Ask to approve the rater list")
    assert "cora@example.com is asked by email to approve the rater list" in leader_page.content()
    assert (
        leader_page.locator("#rater-list-review").get_by_text("Waiting for your coach").is_visible()
    )
    shot(leader_page, "leader-round-waiting-1280", SHOTS)
    open_from_the_round_page(leader_page)
    assert leader_page.get_by_role("heading", name=re.compile("cannot open yet")).is_visible()
    assert "cora@example.com, has not approved the rater list yet" in leader_page.content()
    shot(leader_page, "leader-open-waits-for-coach-1280", SHOTS)
    robin = logged_in(browser, base_url, "robin@example.com")
    cora = logged_in(browser, base_url, "cora@example.com")
    both_widths(browser, base_url, robin, round_path, "leader-round-waiting", "#rater-list-review")

    coach_context = browser.new_context(viewport=PHONE, is_mobile=True)
    coach = coach_context.new_page()
    log_in(coach, base_url, "cora@example.com")
    shared = coach.get_by_role("table", name="Rounds shared with you")
    assert coach.get_by_role("heading", name="Shared with me as coach").is_visible()
    assert overflow(coach) <= 0
    shot(coach, "coach-home-390", SHOTS)
    with coach.expect_navigation():
        shared.get_by_role("link", name="Approve the rater list").click()
    assert coach.get_by_role(
        "heading", name=re.compile("Rater list: Spring on LinkedIn")
    ).is_visible()
    row = coach.get_by_role("row", name=re.compile("robin.alias@example.net"))
    with coach.expect_navigation():
        row.get_by_role("button", name="Take off").click()
    assert "robin.alias@example.net is off the list" in coach.content()
    coach.get_by_label("One person per line: email, group").fill("ana@example.org, staff")
    submit(coach, "Add to the list")
    assert "1 person added" in coach.content()
    assert overflow(coach) <= 0
    shot(coach, "coach-rater-list-added-390", SHOTS)
    submit(coach, "Approve this rater list")
    assert "You approved the rater list: Robin Example can open the round." in coach.content()
    shot(coach, "coach-rater-list-approved-390", SHOTS)

    leader_page.goto(f"{base_url}{round_path}")
    assert "cora@example.com approved the rater list" in leader_page.content()
    open_from_the_round_page(leader_page)
    assert "The round is open" in leader_page.content()
    with live_app.app_context():
        emails = sorted(db.session.scalars(select(Invitation.email)))
        assert emails == ["ana@example.org"] + [f"staff{i}@example.org" for i in range(3)]
        db.session.remove()
    # An open link made now waits for the coach, then takes answers.
    leader_page.get_by_label("Group", exact=True).select_option("follower")
    submit(leader_page, "Make an open link")
    assert leader_page.locator("#open-links").get_by_text("waits for your coach").is_visible()
    open_link = leader_page.locator("input.copy").input_value()
    respondent = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    survey = respondent.new_page()
    assert survey.goto(open_link).status == 409
    assert survey.get_by_role("heading", name="This link does not take answers yet").is_visible()
    shot(survey, "respondent-link-awaiting-coach-390", SHOTS)
    coach.goto(f"{base_url}{round_path}/rater-list")
    assert "1 open link waits for your approval" in coach.content()
    shot(coach, "coach-rater-list-link-waiting-390", SHOTS)
    submit(coach, "Approve this rater list")
    assert "its open links take answers" in coach.content()
    assert survey.goto(open_link).status == 200
    respondent.close()
    both_widths(browser, base_url, robin, round_path, "leader-round-open", "#coach")
    both_widths(browser, base_url, cora, f"{round_path}/rater-list", "coach-rater-list-open")
    both_widths(browser, base_url, cora, "/", "coach-home")
    leader_context.close()
    coach_context.close()


def closed_reviewed_round(app) -> int:
    """A round whose coach vouched for the list, answered by five staff, closed."""
    with app.app_context():
        leader = add_user("lee@example.com", "Lee Leader")
        add_user("cody@example.com", "Cody Coach")
        a_round = round_services.create_round(
            leader, title="Autumn round", why="To listen", platforms=[], anonymity_threshold=3
        )
        round_services.save_self_assessment(a_round, answer_all(Q, 4))
        tokens = invite(a_round, "\n".join(f"s{i}@example.org, staff" for i in range(5)))
        round_services.share_with_coach(a_round, "cody@example.com")
        approval.ask_coach_to_review(a_round, share_for(a_round, "cody@example.com"))
        approve_as_coach(a_round, "cody@example.com")
        round_services.open_round(a_round)
        for token in tokens.values():
            submit_via_token(token, answer_all(Q, 3), {"keep": "Keep the weekly thread."})
        round_services.close_round(a_round)
        round_id = a_round.id
        db.session.remove()
    return round_id


def pdf_pages(pdf: bytes, name: str) -> str:
    """The PDF's text, and each page as a PNG in the shots folder."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(SHOTS / name)], check=True)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return " ".join(text.split())


def test_the_coach_shares_a_debrief_note_with_the_leader(live_app, base_url, browser):
    round_id = closed_reviewed_round(live_app)
    results = f"/rounds/{round_id}/results"

    coach_context = browser.new_context(viewport=PHONE)
    coach = coach_context.new_page()
    log_in(coach, base_url, "cody@example.com")
    with coach.expect_navigation():
        coach.get_by_role("link", name="Results and your note").click()
    debrief = coach.locator("#debrief")
    assert "Only in your copy." in debrief.inner_text()
    debrief.get_by_label("Your debrief note").fill(NOTE)
    submit(coach, "Save the note")
    assert "It is in your copy only" in coach.content()
    assert not coach.get_by_label("Share this note with Lee Leader").is_checked()
    coach.locator("#debrief").scroll_into_view_if_needed()
    coach.screenshot(path=str(SHOTS / "coach-note-private-390-part.png"))

    leader_context = browser.new_context(viewport=DESKTOP)
    leader = leader_context.new_page()
    log_in(leader, base_url, "lee@example.com")
    leader.goto(f"{base_url}{results}")
    assert "Ask Robin which LinkedIn thread" not in leader.content()
    assert "Rater list approved by the coach, cody@example.com" in leader.content()

    coach.get_by_label("Share this note with Lee Leader").check()
    submit(coach, "Save the note")
    assert "Note saved and shared: Lee Leader reads it" in coach.content()
    assert "Shared with Lee Leader." in coach.locator("#debrief").inner_text()
    assert fits(coach, "#debrief")
    cody = coach_context.storage_state()
    both_widths(browser, base_url, cody, f"{results}#debrief", "coach-note-shared", "#debrief")

    leader.reload()  # the page the leader had open, read again
    note = leader.locator("#debrief")
    assert "Your coach’s note" in note.inner_text() and "from cody@example.com" in note.inner_text()
    assert "Then: what would a reply that lands look like?" in note.inner_text()
    lee = leader_context.storage_state()
    both_widths(browser, base_url, lee, f"{results}#debrief", "leader-results-note", "#debrief")
    both_widths(browser, base_url, lee, results, "leader-results-top", "#rater-list-approved")

    with live_app.app_context():
        build_wanted_reports()  # the sender's step
        db.session.remove()
    pdf = leader_context.request.get(f"{base_url}/rounds/{round_id}/report.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_pages(pdf.body(), "leader-pdf")
    assert "Rater list approved by the coach, cody@example.com" in text
    assert "Your coach’s note, from cody@example.com" in text
    assert "Ask Robin which LinkedIn thread they are proudest of." in text
    coach_pdf = coach_context.request.get(f"{base_url}/rounds/{round_id}/report.pdf")
    text = pdf_pages(coach_pdf.body(), "coach-pdf")
    assert "Your debrief note" in text and "Rater list approved by the coach" in text
    leader_context.close()
    coach_context.close()
