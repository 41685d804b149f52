"""The survey's language switch in real headless Chromium with JavaScript off: it keeps what was
typed and ticked, Enter still does what the page's main button does, and the page fits a phone.
Screenshots go to /tmp/shots."""

from __future__ import annotations

import pytest

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.survey.forms import comment_field
from feedback360.survey.forms import item_field
from tests.helpers import DESKTOP
from tests.helpers import PHONE
from tests.helpers import overflow
from tests.helpers import response_count
from tests.helpers import shot
from tests.test_browser import choose
from tests.test_browser import open_round_with_invitations

Q = questionnaire.load()
COMMENT = "Su hilo en Bluesky sobre salud comunitaria me animó a participar."

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tokens(live_app):
    with live_app.app_context():
        lines = "\n".join(f"lang{i}@example.org, colleague" for i in range(4))
        found = open_round_with_invitations("languages@example.com", lines)
        db.session.remove()
    return found


def no_script_page(browser, viewport, language="es-ES"):
    context = browser.new_context(viewport=viewport, java_script_enabled=False, locale=language)
    return context, context.new_page()


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_switching_language_keeps_what_was_typed_without_javascript(
    browser, base_url, tokens, viewport, name
):
    context, page = no_script_page(browser, viewport)
    try:
        page.goto(f"{base_url}/s/{tokens['lang0@example.org']}")
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.get_by_text("Paso 1 de 2").is_visible()
        shot(page, f"language-switch-es-{name}")
        first = Q.items[0].id
        choose(page, first, 3)
        page.locator("summary").first.click()
        page.locator(f"#{comment_field(Q.dimensions[0].id)}").fill(COMMENT)
        with page.expect_navigation():
            page.get_by_role("button", name="Deutsch").click()
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.get_by_text("Schritt 1 von 2").is_visible()
        assert page.locator(f"#{item_field(first)}-3").is_checked()
        assert page.locator(f"#{comment_field(Q.dimensions[0].id)}").input_value() == COMMENT
        assert overflow(page) == 0
        shot(page, f"language-switch-de-{name}")
    finally:
        context.close()


def test_enter_on_an_answer_still_goes_to_the_review_not_to_a_language(
    browser, base_url, tokens, live_app
):
    context, page = no_script_page(browser, PHONE, language="fr-FR")
    try:
        page.goto(f"{base_url}/s/{tokens['lang1@example.org']}")
        for item in Q.items:
            choose(page, item.id, 2)
        page.locator(f"#{item_field(Q.items[0].id)}-2").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "go=review" in page.url and "lang=" not in page.url
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_role("heading", name="Vérifier et envoyer").is_visible()
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        assert page.get_by_role("heading", name="Check and send").is_visible()
        shot(page, "language-switch-review-en-phone")
        with page.expect_navigation():
            page.get_by_role("button", name="Send my feedback").click()
        assert page.locator("html").get_attribute("lang") == "en"
        with live_app.app_context():
            assert response_count() == 1
            db.session.remove()
    finally:
        context.close()
