"""Real headless Chromium: the leader's list of rounds and a long invitation list, at 390 and
1280 px and from the keyboard. Screenshots go to /tmp/shots-lists16 for a human to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from feedback360 import questionnaire
from feedback360.clock import today_utc
from feedback360.extensions import db
from feedback360.rounds import services as round_services
from tests.helpers import DESKTOP
from tests.helpers import PHONE
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import overflow
from tests.helpers import shot
from tests.helpers import submit_via_token
from tests.test_browser_rounds import logged_in

Q = questionnaire.load()
SHOTS = Path("/tmp/shots-lists16")
PEOPLE = "\n".join(
    [f"person{n}@example.org, follower" for n in (10, 2, 1, 3)]
    + [f"colleague{n}@example.org, colleague" for n in (3, 12, 1)]
    + ["boss@example.org, staff"]
)

pytestmark = pytest.mark.browser


def make_round(leader, title: str, closes_in: int | None = 21):
    return round_services.create_round(
        leader,
        title=title,
        why="To grow a community of practice.",
        platforms=["LinkedIn"],
        anonymity_threshold=3,
        closes_on=today_utc() + timedelta(days=closes_in) if closes_in else None,
    )


@pytest.fixture(scope="module")
def leader_rounds(live_app):
    """A draft, an open round with answers (one in a group of one), a closed one; and a leader
    with no round at all."""
    with live_app.app_context():
        leader = add_user("dash.leader@example.com", "Dana Dash")
        add_user("new.leader@example.com", "Nina New")
        make_round(leader, "Next spring, still a draft")
        running = make_round(leader, "Winter on LinkedIn with a rather long title", None)
        tokens = invite(running, PEOPLE)
        round_services.open_round(running)
        for email in ("person1@example.org", "colleague3@example.org", "boss@example.org"):
            submit_via_token(tokens[email], answer_all(Q, 4))
        closed = make_round(leader, "Autumn round")
        tokens = invite(closed, PEOPLE)
        round_services.open_round(closed)
        for email in ("person2@example.org", "person3@example.org", "colleague1@example.org"):
            submit_via_token(tokens[email], answer_all(Q, 3))
        round_services.close_round(closed)
        ids = {"running": running.id, "closed": closed.id}
        db.session.remove()
    return ids


@pytest.mark.parametrize("width", ["390", "1280"])
def test_the_dashboard_reads_on_a_phone_and_a_desktop(
    live_app, base_url, browser, leader_rounds, width
):
    viewport = PHONE if width == "390" else DESKTOP
    context, page = logged_in(browser, base_url, "dash.leader@example.com", viewport)
    page.goto(base_url + "/")
    assert overflow(page) <= 0, f"the dashboard scrolls sideways at {width} px"
    table = page.get_by_role("table", name="Rounds you lead")
    rows = table.get_by_role("row")
    assert rows.count() == 4, "a header row and three rounds"
    draft = rows.filter(has_text="Next spring")
    assert draft.get_by_text("Not open yet").is_visible()
    running = rows.filter(has_text="Winter on LinkedIn")
    # Two answers in the shown groups; the staff group of one is counted nowhere, as on its page.
    assert running.get_by_role("cell").nth(2).inner_text().startswith("2")
    assert running.get_by_text("No closing date").is_visible()
    closed = rows.filter(has_text="Autumn round")
    assert closed.get_by_role("cell").nth(2).inner_text().startswith("3")
    assert closed.locator("td.dates").get_by_text("Closed ", exact=False).is_visible()
    if width == "390":
        label = page.evaluate(
            "getComputedStyle(document.querySelector('td.answers'), '::before').content"
        )
        assert label == '"Answers: "', "on a phone each value says which column it is"
        box = table.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    shot(page, f"dashboard-{width}", SHOTS)
    context.close()


def test_the_dashboard_works_from_the_keyboard(live_app, base_url, browser, leader_rounds):
    """Tab reaches every round and its results link in reading order (newest round first);
    Enter opens the round."""
    context, page = logged_in(browser, base_url, "dash.leader@example.com", PHONE)
    page.goto(base_url + "/")
    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if reached[-1] == "Next spring, still a draft":
            break
    wanted = [
        "Autumn round",
        "Results of Autumn round",
        "Winter on LinkedIn with a rather long title",
        "Next spring, still a draft",
    ]
    assert [text for text in reached if text in wanted] == wanted
    page.keyboard.press("Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/rounds/{leader_rounds['running']}")
    context.close()


def test_a_leader_with_no_round_is_shown_how_to_start(live_app, base_url, browser, leader_rounds):
    context, page = logged_in(browser, base_url, "new.leader@example.com", PHONE)
    page.goto(base_url + "/")
    assert page.get_by_role("heading", name="No rounds yet").is_visible()
    assert page.get_by_role("link", name="Start your first round").is_visible()
    assert overflow(page) <= 0
    shot(page, "dashboard-empty-390", SHOTS)
    context.close()


@pytest.mark.parametrize("width", ["390", "1280"])
def test_the_invitation_list_reads_in_order(live_app, base_url, browser, leader_rounds, width):
    viewport = PHONE if width == "390" else DESKTOP
    context, page = logged_in(browser, base_url, "dash.leader@example.com", viewport)
    page.goto(f"{base_url}/rounds/{leader_rounds['running']}#invitations")
    addresses = page.locator("#invitations td.address").all_inner_texts()
    assert addresses == [
        "person1@example.org",
        "person2@example.org",
        "person3@example.org",
        "person10@example.org",
        "colleague1@example.org",
        "colleague3@example.org",
        "colleague12@example.org",
        "boss@example.org",
    ]
    assert overflow(page) <= 0
    page.locator("#invitations").screenshot(path=str(SHOTS / f"invitations-{width}.png"))
    context.close()
