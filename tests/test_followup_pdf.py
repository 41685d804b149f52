"""The forecast and the plan in the PDF (issue 18, items 1 and 2), through the real download and
the sender's build step: each section only when it exists, "My plan" on a page of its own, the
coach's copy in the third person, and a changed plan in the next copy. The pages are written to
/tmp/shots-plan18 as PNGs (pdftoppm) for a human to look at."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from feedback360.extensions import db
from feedback360.focus import EntryInput
from feedback360.followup import forecasts
from feedback360.followup import plans
from feedback360.rounds import services as round_services
from tests.followup_setup import PLAN
from tests.followup_setup import answer_and_close
from tests.helpers import download_report
from tests.helpers import login

pytestmark = pytest.mark.pdf
SHOTS = Path("/tmp/shots-plan18")
FORECAST = {("colleague", "purpose"): "5", ("staff", "purpose"): "2", ("other", "value"): "3"}


@pytest.fixture
def app(sqlite_app):
    """SQLite only: what is printed does not depend on the database."""
    return sqlite_app


def pages_of(pdf: bytes, tmp_path: Path, name: str) -> list[str]:
    """Each page's text (pdftotext), spaces collapsed; the pages as PNGs in SHOTS."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(SHOTS / name)], check=True)
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def test_no_forecast_and_no_plan_no_sections(client, open_round, leader, tmp_path):
    answer_and_close(open_round)
    login(client, leader.email)
    text = " ".join(pages_of(download_report(client, open_round.id), tmp_path, "none"))
    assert "Debrief notes" in text  # the report is there
    assert "forecast" not in text.lower()
    assert "My plan" not in text


def test_the_leaders_and_the_coachs_copies(client, open_round, leader, coach, tmp_path):
    round_services.share_with_coach(open_round, coach.email)
    forecasts.save_forecast(open_round, leader, FORECAST)
    answer_and_close(open_round)
    plans.save_plan(open_round, leader, PLAN)
    login(client, leader.email)
    pages = pages_of(download_report(client, open_round.id), tmp_path, "leader")
    text = " ".join(pages)
    assert "Your forecast and what people said" in text
    # Colleagues rated 3 where 5 was expected: a big gap, read in plain words.
    forecast_page = next(  # not the contents page, which lists it
        page
        for page in pages
        if "Your forecast and what people said" in page and "How to read this report" not in page
    )
    assert all(
        words in forecast_page
        for words in ("Colleagues", "Knows their why", "5.0 3.0 -2.0", "Lower than you expected")
    )
    assert "Not compared" in text and "Others: Not shown" in text
    plan_pages = [page for page in pages if page.startswith("Spring round Confidential My plan")]
    assert len(plan_pages) == 1, "My plan starts a page of its own"
    plan_page = plan_pages[0]
    assert "Say in each post what it is for." in plan_page
    assert "The whole area: Shows how it is going" in plan_page
    assert "Any platform" in plan_page and "LinkedIn" in plan_page
    assert "Debrief notes" not in plan_page  # the notes page follows on its own
    client.post("/logout")

    login(client, coach.email)
    coach_text = " ".join(pages_of(download_report(client, open_round.id), tmp_path, "coach"))
    assert "Lee Leader’s forecast and what people said" in coach_text
    assert "Lower than Lee Leader expected" in coach_text
    assert "Lee Leader’s plan" in coach_text and "What Lee Leader will do" in coach_text
    assert "My plan" not in coach_text and "you expected" not in coach_text


def test_a_changed_plan_is_in_the_next_copy(client, open_round, leader, tmp_path):
    answer_and_close(open_round)
    plans.save_plan(open_round, leader, PLAN)
    login(client, leader.email)
    first = " ".join(pages_of(download_report(client, open_round.id), tmp_path, "first"))
    assert "Share one setback a month." in first
    changed = [PLAN[0], EntryInput("progress", "Post the numbers monthly.", "any", "Questions")]
    assert plans.save_plan(open_round, leader, changed).ok
    db.session.expire_all()
    second = " ".join(pages_of(download_report(client, open_round.id), tmp_path, "second"))
    assert "Post the numbers monthly." in second
    assert "Share one setback a month." not in second
