"""The forecast's pages (issue 18, item 1) on SQLite and PostgreSQL: made on a page of its own
while the round is open, kept as typed when wrong, refused with a clear page once the round has
closed, the leader's alone; after close the results page sets it beside what people said, only
when there is one, only for the groups shown, in the coach's copy in the third person."""

from __future__ import annotations

import re

from feedback360.extensions import db
from feedback360.followup import forecasts
from feedback360.rounds import services as round_services
from tests.followup_setup import answer_and_close
from tests.helpers import login
from tests.helpers import section_of
from tests.helpers import visible_text

FORECAST = {
    "forecast-colleague-purpose": "5",
    "forecast-staff-purpose": "2",
    "forecast-other-purpose": "3,5",
    "forecast-follower-value": "4.5",
}


def url(a_round) -> str:
    return f"/rounds/{a_round.id}/forecast"


def box(html: str, name: str) -> str:
    """The input tag of one forecast box."""
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html)[0]


def test_the_round_page_leads_to_the_forecast_only_while_open(client, open_round, leader):
    login(client, leader.email)
    page = client.get(f"/rounds/{open_round.id}").get_data(as_text=True)
    assert "Forecast your results (optional)" in page
    assert f'href="/rounds/{open_round.id}/forecast"' in section_of(page, "forecast")
    assert "Make a forecast" in section_of(page, "forecast")
    round_services.close_round(open_round)
    page = client.get(f"/rounds/{open_round.id}").get_data(as_text=True)
    assert 'id="forecast"' not in page  # closed with no forecast: nothing to see


def test_a_forecast_is_saved_shown_again_and_changed(client, open_round, leader):
    login(client, leader.email)
    page = client.get(url(open_round)).get_data(as_text=True)
    # One group at a time: a fieldset per group, a box per dimension.
    assert page.count('<fieldset class="forecast-group">') == 4
    assert "<legend>Colleagues</legend>" in page
    reply = client.post(url(open_round), data=FORECAST)
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(f"/rounds/{open_round.id}#forecast")
    assert forecasts.forecast_values(open_round) == {
        ("colleague", "purpose"): 5.0,
        ("staff", "purpose"): 2.0,
        ("other", "purpose"): 3.5,
        ("follower", "value"): 4.5,
    }
    round_page = client.get(f"/rounds/{open_round.id}").get_data(as_text=True)
    assert "Your forecast is saved" in round_page
    assert "Change your forecast" in section_of(round_page, "forecast")
    page = client.get(url(open_round)).get_data(as_text=True)
    assert 'value="3.5"' in box(page, "forecast-other-purpose")
    # Emptying a box takes it out; the rest stays.
    client.post(url(open_round), data={**FORECAST, "forecast-staff-purpose": ""})
    assert ("staff", "purpose") not in forecasts.forecast_values(open_round)


def test_a_wrong_number_is_kept_with_its_error_and_nothing_is_saved(client, open_round, leader):
    login(client, leader.email)
    client.post(url(open_round), data={"forecast-colleague-purpose": "3"})
    reply = client.post(
        url(open_round),
        data={**FORECAST, "forecast-staff-purpose": "7", "forecast-staff-value": "three"},
    )
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert "Please check 2 answers" in page
    assert "Staff: Knows their why" in visible_text(page)  # the summary names group and dimension
    assert "Give a number from 1 to 5 (one decimal at most), or leave it empty." in page
    assert 'value="7"' in box(page, "forecast-staff-purpose")
    assert 'aria-invalid="true"' in box(page, "forecast-staff-purpose")
    assert 'value="three"' in box(page, "forecast-staff-value")
    assert 'value="5"' in box(page, "forecast-colleague-purpose")  # the right ones kept too
    assert forecasts.forecast_values(open_round) == {("colleague", "purpose"): 3.0}


def test_after_close_the_forecast_is_read_only_and_a_late_save_is_refused(
    client, open_round, leader
):
    login(client, leader.email)
    client.post(url(open_round), data=FORECAST)
    page_before_close = client.get(url(open_round)).get_data(as_text=True)
    assert "Save the forecast" in page_before_close
    round_services.close_round(open_round)
    page = client.get(url(open_round)).get_data(as_text=True)
    assert "<form" not in page.split("<main", 1)[1].split("</main>")[0]
    assert "can no longer change" in page
    assert "3.5" in visible_text(page)
    # The page from before the close, sent late: a clear page, not a 500, and nothing stored.
    reply = client.post(url(open_round), data={**FORECAST, "forecast-staff-purpose": "5"})
    assert reply.status_code == 409
    late = visible_text(reply.get_data(as_text=True))
    assert "Your forecast was not saved." in late
    assert "this round is not open" in late
    assert forecasts.forecast_values(open_round)["staff", "purpose"] == 2.0


def test_a_draft_round_has_no_forecast_yet(client, draft_round, leader):
    login(client, leader.email)
    page = client.get(url(draft_round)).get_data(as_text=True)
    assert "once the round is open" in page and "Save the forecast" not in page
    assert client.post(url(draft_round), data=FORECAST).status_code == 409
    assert forecasts.forecast_values(draft_round) == {}


def test_only_the_leader_sees_or_makes_the_forecast(
    client, open_round, leader, coach, other_leader
):
    round_services.share_with_coach(open_round, coach.email)
    forecasts.save_forecast(open_round, leader, {("staff", "purpose"): "2"})
    for someone in (coach, other_leader):
        login(client, someone.email)
        assert client.get(url(open_round)).status_code == 404
        assert client.post(url(open_round), data=FORECAST).status_code == 404
        client.post("/logout")
    assert forecasts.forecast_values(open_round) == {("staff", "purpose"): 2.0}


def test_sending_the_forecast_twice_is_harmless(client, open_round, leader):
    login(client, leader.email)
    first = client.post(url(open_round), data=FORECAST)
    second = client.post(url(open_round), data=FORECAST)
    assert first.status_code == second.status_code == 302
    assert len(forecasts.forecast_values(open_round)) == 4


def test_results_set_the_forecast_beside_what_people_said(client, open_round, leader, coach):
    round_services.share_with_coach(open_round, coach.email)
    login(client, leader.email)
    client.post(url(open_round), data=FORECAST)
    client.post("/logout")
    answer_and_close(open_round)
    db.session.expire_all()
    login(client, leader.email)
    section = section_of(
        client.get(f"/rounds/{open_round.id}/results").get_data(as_text=True), "forecast"
    )
    text = visible_text(section)
    assert "Your forecast and what people said" in text
    # Colleagues rated 3 where the leader expected 5; staff 2 as expected.
    assert "Colleagues Area Forecast What they said Difference Knows their why 5.0 3.0 -2.0" in text
    assert "Lower than you expected" in text and "About as you expected" in text
    # The one "other" did not answer: listed plainly, with no figure; followers are shown.
    assert "Not compared" in text
    assert "Others: Not shown: fewer than 3 responses, perhaps none" in text
    assert "Followers" in text
    client.post("/logout")
    login(client, coach.email)
    coach_text = visible_text(
        section_of(
            client.get(f"/rounds/{open_round.id}/results").get_data(as_text=True), "forecast"
        )
    )
    assert "Lee Leader’s forecast and what people said" in coach_text
    assert "Lower than Lee Leader expected" in coach_text
    assert " you " not in f" {coach_text} ".replace("you expected", "")


def test_no_forecast_no_section(client, open_round, leader):
    answer_and_close(open_round)
    login(client, leader.email)
    page = client.get(f"/rounds/{open_round.id}/results").get_data(as_text=True)
    assert 'id="forecast"' not in page
    assert "Your forecast" not in page


def test_the_forecast_page_in_spanish(client, open_round, leader):
    login(client, leader.email)
    page = client.get(url(open_round), headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Forecast your results" not in page
    assert "Save the forecast" not in page
    reply = client.post(
        url(open_round), data={"forecast-staff-purpose": "9"}, headers={"Accept-Language": "es"}
    )
    assert "Give a number" not in reply.get_data(as_text=True)
