"""Real headless Chromium against a live server: respondent on a phone, leader, coach.

The app runs as deployed (CSRF on, no SERVER_NAME) on a loopback port in a background thread.
Screenshots of the key pages go to /tmp/shots for a human to look at.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from feedback360 import demo as demo_data
from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.mail import compose
from feedback360.models import Comment
from feedback360.models import Invitation
from feedback360.models import OutboxMessage
from feedback360.models import Response
from feedback360.models import User
from feedback360.reports.stored import build_wanted_reports
from feedback360.rounds import services as round_services
from feedback360.survey.forms import comment_field
from feedback360.survey.forms import item_field
from feedback360.tokens import invitation_token
from tests.helpers import DESKTOP
from tests.helpers import PHONE
from tests.helpers import overflow
from tests.helpers import shot
from tests.helpers import submit_via_token

Q = questionnaire.load()
COMMENT = "Zoë’s thread on community health 🎉👍🏽 made me join the discussion."
LONG_WORD = "https://example.org/" + "a-very-long-unbroken-address-" * 4

pytestmark = pytest.mark.browser


class Watch:
    """Everything a page requested and every Content-Security-Policy complaint it logged."""

    def __init__(self, page):
        self.urls: list[str] = []
        self.csp: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)

    def foreign(self, base_url: str) -> list[str]:
        origin = urlsplit(base_url)[:2]
        return [url for url in self.urls if urlsplit(url)[:2] != origin]


def choose(page, item_id: str, index: int) -> None:
    """Click the label of option `index` (0 = Never … 4 = Always, 5 = Not observed)."""
    page.locator(f'label.choice:has(input[id="{item_field(item_id)}-{index}"])').click()


def submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def open_round_with_invitations(leader_email: str, lines: str) -> dict[str, str]:
    """A leader with an open round; returns {email: token}."""
    leader = User(
        email=leader_email,
        name="Robin Example",
        password_hash=generate_password_hash("unused-password", method="pbkdf2:sha256:1000"),
    )
    a_round = round_services.create_round(
        leader, title="Phone round", why="Why", platforms=["LinkedIn"], anonymity_threshold=3
    )
    created, errors = round_services.add_invitations(a_round, lines)
    assert not errors
    round_services.open_round(a_round)
    return {invitee.email: token for invitee, token in created}


def test_respondent_on_a_phone_without_javascript(live_app, base_url, browser):
    """Step 1, its error summary, step 2, back to change, step 2 again, send: at 390 px."""
    with live_app.app_context():
        tokens = open_round_with_invitations(
            "phone.leader@example.com",
            "phone1@example.org, colleague\nphone2@example.org, colleague",
        )
    token = tokens["phone1@example.org"]
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, is_mobile=True)
    page = context.new_page()
    watch = Watch(page)

    reply = page.goto(f"{base_url}/s/{token}")
    assert reply.status == 200
    headers = reply.all_headers()
    assert headers["referrer-policy"] == "no-referrer"
    assert "default-src 'self'" in headers["content-security-policy"]
    assert page.get_by_role("heading", name="How does Robin Example show up online?").is_visible()
    assert page.get_by_text("Step 1 of 2", exact=True).is_visible()
    shot(page, "phone-survey")

    missing, *answered = Q.items
    for number, item in enumerate(answered):
        choose(page, item.id, number % 6)
    purpose = f"#{comment_field('purpose')}"
    assert not page.locator(purpose).is_visible(), "the example box unfolds on request"
    page.locator("summary", has_text="Add an example").first.click()  # no script needed
    page.locator(purpose).fill(COMMENT)
    page.locator(f"#{comment_field('keep')}").fill("Great stuff")
    submit(page, "Step 2 of 2: check and send")

    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "Please check 1 answer" in summary.inner_text()
    assert page.get_by_text("Step 1 of 2", exact=True).is_visible(), "errors stay on step 1"
    assert summary.locator(f'a[href="#{item_field(missing.id)}-fieldset"]').count() == 1
    for number, item in enumerate(answered):
        assert page.is_checked(f'input[id="{item_field(item.id)}-{number % 6}"]'), item.id
    assert page.input_value(purpose) == COMMENT and page.locator(purpose).is_visible()
    shot(page, "phone-error-summary")

    choose(page, missing.id, 3)
    submit(page, "Step 2 of 2: check and send")
    assert page.get_by_role("heading", name="Check and send").is_visible()
    assert page.get_by_text("Step 2 of 2", exact=True).is_visible()
    # Two colleagues invited, and no other group: counted nowhere, so the report leaves them out.
    assert "your answers will not appear in the report at all" in page.content()
    own = page.locator(".own-comments")
    assert COMMENT in own.inner_text() and "Great stuff" in own.inner_text()
    assert page.locator(".nudge").count() == 1, "one gentle prompt, for the vague comment"
    shot(page, "phone-review")
    with live_app.app_context():
        assert db.session.query(Response).count() == 0, "nothing stored before the send"

    submit(page, "Add a detail")  # back to step 1, at that comment, everything kept
    assert page.url.endswith(f"#{comment_field('keep')}-fieldset")
    assert page.input_value(f"#{comment_field('keep')}") == "Great stuff"
    assert page.is_checked(f'input[id="{item_field(missing.id)}-3"]')
    submit(page, "Step 2 of 2: check and send")
    assert page.locator(".nudge").count() == 0, "kept as it is: not asked twice"
    submit(page, "Change my answers")
    assert page.get_by_text("Step 1 of 2", exact=True).is_visible()
    assert page.input_value(purpose) == COMMENT
    submit(page, "Step 2 of 2: check and send")

    submit(page, "Send my feedback")
    assert urlsplit(page.url).path == "/s/thanks"
    assert token not in page.url
    assert page.get_by_role("heading", name="Thank you").is_visible()
    shot(page, "phone-thanks")
    with live_app.app_context():
        texts = db.session.scalars(select(Comment.text)).all()
        assert sorted(texts) == sorted([COMMENT, "Great stuff"])
        assert db.session.query(Response).count() == 1

    again = page.goto(f"{base_url}/s/{token}")
    assert again.status == 409
    assert "This link has already been used" in page.content()

    assert watch.foreign(base_url) == []
    assert watch.csp == []
    context.close()


@pytest.mark.parametrize("viewport", [{"width": 320, "height": 700}, PHONE, DESKTOP])
def test_both_steps_fit_the_screen(live_app, base_url, browser, viewport):
    """Measured with JavaScript on (a GET or a review never uses a link up)."""
    width = viewport["width"]
    with live_app.app_context():
        token = open_round_with_invitations(
            f"fit{width}@example.com", f"fit{width}@example.org, staff"
        )[f"fit{width}@example.org"]
    context = browser.new_context(viewport=viewport, is_mobile=width < 1000)
    page = context.new_page()
    page.goto(f"{base_url}/s/{token}")
    assert overflow(page) <= 0, f"the survey scrolls sideways at {width} px"
    shot(page, f"survey-step1-{width}")
    submit(page, "Step 2 of 2: check and send")  # nothing chosen: every item in the summary
    assert page.locator(".error-summary").is_visible()
    assert overflow(page) <= 0, f"the error summary scrolls at {width} px"
    for number, item in enumerate(Q.items):
        choose(page, item.id, number % 6)
    page.locator("summary", has_text="Add an example").first.click()
    page.locator(f"#{comment_field('purpose')}").fill(LONG_WORD + " " + COMMENT)
    page.locator(f"#{comment_field('keep')}").fill("Great stuff")
    submit(page, "Step 2 of 2: check and send")
    assert page.get_by_role("heading", name="Check and send").is_visible()
    assert overflow(page) <= 0, f"the review step scrolls sideways at {width} px"
    shot(page, f"survey-step2-{width}")
    page.goto(f"{base_url}/s/thanks")
    assert overflow(page) <= 0, "the thank-you page scrolls sideways"
    context.close()


def signup_link_from_the_outbox(app, address: str) -> str:
    """The link in the sign-up email, composed as the sender would; BASE_URL is not this server."""
    with app.app_context():
        message = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.kind == "signup", OutboxMessage.to_address == address
            )
        )
        text = compose(message).get_body(preferencelist=("plain",)).get_content()
        db.session.remove()
    return urlsplit(re.search(r"https?://\S+/register/\S+", text)[0]).path


def test_leader_sets_up_runs_and_closes_a_round(live_app, base_url, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    watch = Watch(page)

    page.goto(f"{base_url}/register")
    page.get_by_label("Email").fill("dana@example.com")
    submit(page, "Email me a link")
    assert "We have sent a message to dana@example.com" in page.content()
    page.goto(base_url + signup_link_from_the_outbox(live_app, "dana@example.com"))
    page.get_by_label("Your name").fill("Dana Desktop")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Repeat the password").fill("a long enough password")
    submit(page, "Create account")
    assert "Welcome, Dana Desktop" in page.content()

    page.get_by_role("link", name="New round").first.click()
    page.get_by_label("Title of this round").fill("Autumn on LinkedIn")
    page.get_by_label("Why are you online?").fill("To grow a community of practice.")
    page.get_by_label("LinkedIn").check()
    page.get_by_label("Anonymity threshold").fill("3")
    submit(page, "Create round")
    assert page.get_by_role("heading", name="Autumn on LinkedIn").is_visible()
    round_path = urlsplit(page.url).path

    page.get_by_role("link", name="Rate yourself").click()
    for number, item in enumerate(Q.items):
        choose(page, item.id, number % 5)
    submit(page, "Save my self-assessment")
    assert urlsplit(page.url).path == round_path
    assert "Your self-assessment is saved." in page.content()

    page.get_by_label("One person per line: email, group").fill(
        "ann@example.org, colleague\n"
        "bob@example.org, colleague\n"
        "dan@example.org, colleague\n"
        "cat@example.org, staff\n"
        "not an email, staff"
    )
    submit(page, "Add invitations")
    assert page.get_by_role("heading", name="4 people invited").is_visible()
    assert "/s/" not in page.content(), "the leader never sees a personal link"
    assert "1 line was not added" in page.locator(".error-summary").inner_text()
    assert "Line 5" in page.locator(".error-summary").inner_text()
    shot(page, "leader-invitation-links")

    page.get_by_role("link", name="Back to the round").click()
    submit(page, "Open the round")  # rated and invited: nothing is missing, it opens at once
    assert "The round is open" in page.content()
    with live_app.app_context():
        ann = db.session.scalar(select(Invitation).where(Invitation.email == "ann@example.org"))
        token = invitation_token(live_app.config["SECRET_KEY"], ann.nonce)
        submit_via_token(token, {i.id: 4 for i in Q.items})
        db.session.remove()
    page.reload()
    progress = page.locator("#progress")
    colleagues = progress.get_by_role("row", name="Colleagues")
    assert colleagues.locator("td").all_inner_texts()[:3] == ["3", "1", "33%"]
    assert "below 3: not shown" in colleagues.inner_text()
    assert progress.get_by_role("row", name="Staff").count() == 0, "one invitee: no counts"
    assert "Nothing that changes as people answer or decline is shown for staff" in (
        progress.inner_text()
    )
    assert page.locator(".notice", has_text="If you close now").is_visible()
    shot(page, "leader-round-detail")

    page.get_by_role("link", name="Close the round…").click()
    assert page.get_by_role("heading", name="Close “Autumn on LinkedIn”?").is_visible()
    submit(page, "Close the round and build the report")
    assert "The round is closed" in page.content()
    page.get_by_role("link", name="See results").click()
    assert page.get_by_role("heading", name="No group reached the threshold").is_visible()
    shot(page, "leader-results-too-few")

    assert watch.foreign(base_url) == []
    assert watch.csp == []
    context.close()


def test_coach_reads_the_shared_demo_round(live_app, base_url, browser):
    with live_app.app_context():
        demo_round = demo_data.seed_demo(respondents=10)
        title = demo_round.title
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    watch = Watch(page)

    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(demo_data.COACH_EMAIL)
    page.get_by_label("Password").fill(demo_data.COACH_PASSWORD)
    submit(page, "Log in")
    assert page.get_by_role("heading", name="Shared with me as coach").is_visible()
    assert page.get_by_role("heading", name="No rounds yet").count() == 0, "coaching first"
    shared = page.get_by_role("table", name="Rounds shared with you")
    assert shared.get_by_role("link", name=title).is_visible()
    shot(page, "coach-dashboard")

    shared.get_by_role("link", name=title).click()
    assert page.get_by_role("heading", name=f"Results: {title}").is_visible()
    assert page.locator(".chart svg").count() >= 1
    assert page.get_by_text("Compared with “").is_visible(), "the earlier round is shared too"
    shot(page, "coach-results")

    href = page.get_by_role("link", name="Download the PDF report").get_attribute("href")
    building = context.request.get(f"{base_url}{href}")
    assert building.status == 202 and "Your report is being built" in building.text()
    with live_app.app_context():
        build_wanted_reports()  # the sender's step
    pdf = context.request.get(f"{base_url}{href}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    assert watch.foreign(base_url) == []
    assert watch.csp == []
    context.close()
