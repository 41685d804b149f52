"""Real headless Chromium against a live server (fixtures in conftest.py), at 390 px: the leader
forecasts while the round is open (a wrong number is kept, with its error, then corrected), and
after close makes a focus plan from the results page; the coach reads it on theirs, with no way
to change it. Screenshots at 390 and 1280 px go to /tmp/shots-plan18 for a human to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Round
from feedback360.rounds import services as round_services
from tests.helpers import DESKTOP
from tests.helpers import PHONE
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import overflow
from tests.helpers import shot
from tests.helpers import submit_via_token
from tests.test_browser_coach import log_in
from tests.test_browser_coach import submit

pytestmark = pytest.mark.browser
Q = questionnaire.load()
SHOTS = Path("/tmp/shots-plan18")


def seed(app) -> tuple[int, dict[str, str]]:
    """An open round shared with a coach; six colleagues and three staff invited."""
    with app.app_context():
        leader = add_user("lee@example.com", "Lee Leader")
        add_user("cora@example.com", "Cora Coach")
        a_round = round_services.create_round(
            leader, title="Spring on LinkedIn", why="To learn", platforms=[], anonymity_threshold=3
        )
        round_services.save_self_assessment(a_round, answer_all(Q, 5))
        tokens = invite(
            a_round,
            "\n".join(
                [f"colleague{i}@example.org, colleague" for i in range(6)]
                + [f"staff{i}@example.org, staff" for i in range(3)]
            ),
        )
        round_services.share_with_coach(a_round, "cora@example.com")
        round_services.open_round(a_round)
        round_id = a_round.id
        db.session.remove()
    return round_id, tokens


def answer_and_close(app, round_id: int, tokens: dict[str, str]) -> None:
    with app.app_context():
        for email, token in tokens.items():
            submit_via_token(token, answer_all(Q, 2 if email.startswith("staff") else 4))
        round_services.close_round(db.session.get(Round, round_id))
        db.session.remove()


def phone(browser, base_url: str, email: str):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    log_in(page, base_url, email)
    return context, page


def at_desktop(browser, page, name: str) -> None:
    """The page the phone shows, once more at 1280 px, for the screenshots."""
    context = browser.new_context(viewport=DESKTOP, storage_state=page.context.storage_state())
    wide = context.new_page()
    wide.goto(page.url)
    shot(wide, f"{name}-1280", SHOTS)
    context.close()


def test_forecast_then_plan_then_the_coach_reads_it(live_app, base_url, browser):
    round_id, tokens = seed(live_app)
    context, lee = phone(browser, base_url, "lee@example.com")
    lee.goto(f"{base_url}/rounds/{round_id}")
    forecast_card = lee.locator("#forecast")
    assert forecast_card.get_by_role(
        "heading", name="Forecast your results (optional)"
    ).is_visible()
    with lee.expect_navigation():
        forecast_card.get_by_role("link", name="Make a forecast").click()
    assert lee.get_by_role("heading", name="Forecast your results", exact=True).is_visible()
    colleagues = lee.get_by_role("group", name="Colleagues")
    colleagues.get_by_label("Knows their why").fill("2,5")
    staff = lee.get_by_role("group", name="Staff")
    staff.get_by_label("Knows their why").fill("9")
    submit(lee, "Save the forecast")
    summary = lee.locator(".error-summary")
    assert summary.is_visible() and "Staff: Knows their why" in summary.inner_text()
    assert colleagues.get_by_label("Knows their why").input_value() == "2,5"  # kept as typed
    assert staff.get_by_label("Knows their why").input_value() == "9"
    assert overflow(lee) <= 0
    shot(lee, "forecast-errors-390", SHOTS)
    staff.get_by_label("Knows their why").fill("4")
    submit(lee, "Save the forecast")
    assert "Your forecast is saved." in lee.content()
    assert lee.locator("#forecast").get_by_role("link", name="Change your forecast").is_visible()
    lee.goto(f"{base_url}/rounds/{round_id}/forecast")
    assert overflow(lee) <= 0
    shot(lee, "forecast-390", SHOTS)
    at_desktop(browser, lee, "forecast")

    answer_and_close(live_app, round_id, tokens)
    lee.goto(f"{base_url}/rounds/{round_id}/results")
    compared = lee.locator("#forecast")
    assert compared.get_by_role("heading", name="Your forecast and what people said").is_visible()
    assert "Higher than you expected" in compared.inner_text()  # colleagues: 4.0 against 2.5
    assert overflow(lee) <= 0
    compared.scroll_into_view_if_needed()
    lee.screenshot(path=str(SHOTS / "results-forecast-390-part.png"))
    plan_card = lee.locator("#plan")
    with lee.expect_navigation():
        plan_card.get_by_role("link", name="Make your plan").click()
    assert lee.get_by_role("heading", name="Your focus plan").is_visible()
    assert lee.get_by_role("heading", name="Suggested from your report").is_visible()
    first = lee.get_by_role("group", name="Focus 1", exact=True)
    first.get_by_label("What to focus on").select_option("purpose_1")
    first.get_by_label("What you will do").fill("Say in each post what it is for.")
    submit(lee, "Save the plan")  # no measure yet: kept, with the error at its field
    assert "Say how you will know it worked." in first.inner_text()
    assert (
        first.get_by_label("What you will do").input_value() == "Say in each post what it is for."
    )
    assert overflow(lee) <= 0
    shot(lee, "plan-errors-390", SHOTS)
    first.get_by_label("How you will know it worked").fill("Two replies a month")
    first.get_by_label("Where").select_option("linkedin")
    submit(lee, "Save the plan")
    assert "Your plan is saved." in lee.content()
    mine = lee.locator("#plan")
    assert mine.get_by_role("heading", name="My plan").is_visible()
    assert "Say in each post what it is for." in mine.inner_text()
    mine.scroll_into_view_if_needed()
    lee.screenshot(path=str(SHOTS / "results-plan-390-part.png"))
    lee.goto(f"{base_url}/rounds/{round_id}/plan")
    shot(lee, "plan-390", SHOTS)
    at_desktop(browser, lee, "plan")
    context.close()

    context, cora = phone(browser, base_url, "cora@example.com")
    cora.goto(f"{base_url}/rounds/{round_id}/results")
    theirs = cora.locator("#plan")
    assert theirs.get_by_role("heading", name="Lee Leader’s plan").is_visible()
    assert "Say in each post what it is for." in theirs.inner_text()
    assert theirs.get_by_role("link").count() == 0 and theirs.locator("form").count() == 0
    assert "Lower than Lee Leader expected" in cora.locator("#forecast").inner_text()
    assert overflow(cora) <= 0
    theirs.scroll_into_view_if_needed()
    cora.screenshot(path=str(SHOTS / "coach-results-plan-390-part.png"))
    assert cora.goto(f"{base_url}/rounds/{round_id}/plan").status == 404
    context.close()
