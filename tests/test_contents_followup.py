"""The results page's "On this page" and the PDF's contents list the forecast, the plan and the
focus so far when the report has them, and only then. SQLite: what is listed does not depend
on the database."""

from __future__ import annotations

import re

import pytest

from feedback360.followup import forecasts
from feedback360.followup import plans
from feedback360.rounds import services as round_services
from tests.followup_setup import PLAN
from tests.followup_setup import answer_and_close
from tests.followup_setup import answer_pulse
from tests.followup_setup import closed_round_with_plan
from tests.followup_setup import pulse_today
from tests.followup_setup import pulse_tokens
from tests.helpers import download_report
from tests.helpers import login
from tests.helpers import visible_text
from tests.test_followup_pdf import FORECAST
from tests.test_followup_pdf import pages_of
from tests.test_pulse_results_pages import next_round

pytestmark = pytest.mark.pdf


@pytest.fixture
def app(sqlite_app):
    return sqlite_app


def on_this_page(client, round_id: int) -> tuple[str, set[str]]:
    """The words of the page's "On this page" and the anchors it links to, each checked to be
    on the page."""
    html = client.get(f"/rounds/{round_id}/results").get_data(as_text=True)
    toc = re.search(r'<nav class="toc card".*?</nav>', html, re.S).group(0)
    anchors = set(re.findall(r'href="#([\w-]+)"', toc))
    assert all(f'id="{anchor}"' in html for anchor in anchors)
    return visible_text(toc), anchors


def contents_page(client, round_id: int, tmp_path) -> str:
    pages = pages_of(download_report(client, round_id), tmp_path, f"contents-{round_id}")
    return next(page for page in pages if "Contents" in page and "How to read this report" in page)


def test_the_forecast_and_the_plan_are_listed(client, open_round, leader, tmp_path):
    forecasts.save_forecast(open_round, leader, FORECAST)
    answer_and_close(open_round)
    plans.save_plan(open_round, leader, PLAN)
    login(client, leader.email)
    text, anchors = on_this_page(client, open_round.id)
    assert {"forecast", "plan"} <= anchors and "focus-history" not in anchors
    assert "Your forecast and what people said" in text and "My plan" in text
    contents = contents_page(client, open_round.id, tmp_path)
    assert "Your forecast and what people said" in contents and "My plan" in contents
    assert "focus so far" not in contents


def test_without_them_they_are_not_listed(client, open_round, leader, tmp_path):
    answer_and_close(open_round)
    login(client, leader.email)
    text, anchors = on_this_page(client, open_round.id)
    assert "forecast" not in anchors and "forecast" not in text.lower()
    assert "plan" in anchors  # the page's plan card invites the leader to make one
    contents = contents_page(client, open_round.id, tmp_path)
    assert "forecast" not in contents.lower() and "My plan" not in contents


def test_the_focus_so_far_is_listed_in_the_next_round(client, open_round, leader, tmp_path):
    closed_round_with_plan(open_round, leader)
    pulse = pulse_today(open_round, leader)
    for token in pulse_tokens(pulse).values():
        answer_pulse(token, pulse, 4)
    round_services.close_round(pulse)
    later = next_round(leader)
    login(client, leader.email)
    text, anchors = on_this_page(client, later.id)
    assert "focus-history" in anchors and "Your focus so far" in text
    assert "Your focus so far" in contents_page(client, later.id, tmp_path)
