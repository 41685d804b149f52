"""The focus plan's pages (issue 18, item 2) on SQLite and PostgreSQL: made from the results
once the round has closed, with the report's suggestions first; kept as typed when wrong; the
leader's alone to write, read by the round's coach on their results page; each change asks for
new PDF copies."""

from __future__ import annotations

import re

from sqlalchemy import select

from feedback360.extensions import db
from feedback360.followup import plans
from feedback360.models import ReportFile
from feedback360.reports.stored import content_key
from feedback360.rounds import services as round_services
from tests.followup_setup import PLAN
from tests.followup_setup import answer_and_close
from tests.helpers import login
from tests.helpers import section_of
from tests.helpers import share_for
from tests.helpers import visible_text

FORM = {
    "target_1": "purpose_1",
    "action_1": "Say in each post what it is for.",
    "platform_1": "linkedin",
    "measure_1": "Two replies a month that name the purpose",
    "target_2": "progress",
    "action_2": "Share one setback a month.",
    "platform_2": "any",
    "measure_2": "Someone mentions it to me",
    "target_3": "",
    "action_3": "",
    "platform_3": "any",
    "measure_3": "",
}


def url(a_round) -> str:
    return f"/rounds/{a_round.id}/plan"


def results(client, a_round) -> str:
    return client.get(f"/rounds/{a_round.id}/results").get_data(as_text=True)


def test_the_plan_waits_for_the_results(client, open_round, leader):
    login(client, leader.email)
    reply = client.get(url(open_round))
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/{open_round.id}")
    assert "once the round has closed" in client.get(f"/rounds/{open_round.id}").get_data(
        as_text=True
    )
    assert plans.plan_of(open_round) == []


def test_the_results_page_leads_to_the_plan_with_suggestions_first(client, open_round, leader):
    answer_and_close(open_round)
    login(client, leader.email)
    section = section_of(results(client, open_round), "plan")
    assert "My plan" in section and "Make your plan" in section
    page = client.get(url(open_round)).get_data(as_text=True)
    suggested = section_of(page, "suggestions")
    # Staff rated 2, colleagues and followers 3 and 4: every statement is "among the lowest".
    assert "Among the lowest rated" in suggested
    menu = re.search(r'<select[^>]*name="target_1".*?</select>', page, re.S)[0]
    groups = re.findall(r'<optgroup label="([^"]*)"', menu)
    assert groups[0] == "Suggested from the report"
    assert "The whole area: Knows their why" in menu
    assert page.count("<fieldset") == 3


def test_a_plan_is_saved_shown_and_changed(client, open_round, leader):
    answer_and_close(open_round)
    login(client, leader.email)
    reply = client.post(url(open_round), data=FORM)
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(f"/rounds/{open_round.id}/results#plan")
    assert [e.target_id for e in plans.plan_of(open_round)] == ["purpose_1", "progress"]
    section = visible_text(section_of(results(client, open_round), "plan"))
    assert "Your plan is saved" not in section  # the flash is above, not in the plan
    assert "Say in each post what it is for." in section
    assert "The whole area: Shows how it is going" in section
    assert "Any platform" in section and "LinkedIn" in section
    assert "Change the plan" in section
    # The form shows it again, as stored; an entry emptied is taken out.
    page = client.get(url(open_round)).get_data(as_text=True)
    assert "Two replies a month that name the purpose</textarea>" in page
    client.post(url(open_round), data={**FORM, "target_2": "", "action_2": "", "measure_2": ""})
    assert [e.target_id for e in plans.plan_of(open_round)] == ["purpose_1"]


def test_errors_are_shown_at_their_field_and_the_input_is_kept(client, open_round, leader):
    answer_and_close(open_round)
    login(client, leader.email)
    reply = client.post(
        url(open_round),
        data={**FORM, "measure_1": "", "target_2": "purpose_1", "platform_2": "myspace"},
    )
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    text = visible_text(page)
    assert "Please check 3 answers" in text
    assert "Focus 1: How you will know it worked : Say how you will know it worked." in text
    assert "You chose this one twice: keep it once." in text
    assert "Choose a platform from the list" in text
    assert "Say in each post what it is for.</textarea>" in page  # kept as typed
    assert "Share one setback a month.</textarea>" in page
    assert plans.plan_of(open_round) == []
    # Nothing chosen at all: the plan's own error, linked to the first list.
    empty = {k: ("any" if k.startswith("platform") else "") for k in FORM}
    page = client.post(url(open_round), data=empty).get_data(as_text=True)
    assert "Choose at least one thing to focus on." in page
    assert 'href="#target_1"' in page


def test_a_coach_reads_the_plan_and_cannot_change_it(client, open_round, leader, coach):
    round_services.share_with_coach(open_round, coach.email)
    answer_and_close(open_round)
    login(client, coach.email)
    waiting = visible_text(section_of(results(client, open_round), "plan"))
    assert "Lee Leader has not written a plan yet." in waiting
    plans.save_plan(open_round, leader, PLAN)
    section = section_of(results(client, open_round), "plan")
    text = visible_text(section)
    assert "Lee Leader’s plan" in text
    assert "What Lee Leader will do Say in each post what it is for." in text
    assert "Only Lee Leader can change the plan" in text
    assert "/plan" not in section and "<form" not in section
    assert client.get(url(open_round)).status_code == 404
    assert (
        client.post(url(open_round), data={**FORM, "action_1": "Coach's idea"}).status_code == 404
    )
    assert plans.plan_of(open_round)[0].action == PLAN[0].action


def test_another_leader_sees_neither_the_plan_nor_its_page(
    client, open_round, leader, other_leader
):
    answer_and_close(open_round)
    plans.save_plan(open_round, leader, PLAN)
    login(client, other_leader.email)
    assert client.get(url(open_round)).status_code == 404
    assert client.post(url(open_round), data=FORM).status_code == 404
    assert client.get(f"/rounds/{open_round.id}/results").status_code == 404
    assert [e.target_id for e in plans.plan_of(open_round)] == ["purpose_1", "progress"]


def test_sending_the_plan_twice_is_harmless(client, open_round, leader):
    answer_and_close(open_round)
    login(client, leader.email)
    first = client.post(url(open_round), data=FORM)
    second = client.post(url(open_round), data=FORM)
    assert first.status_code == second.status_code == 302
    assert [e.target_id for e in plans.plan_of(open_round)] == ["purpose_1", "progress"]


def test_a_changed_plan_makes_every_stored_copy_stale(client, open_round, leader, coach):
    """The PDF prints the plan: each copy's content key covers it, and saving asks for new ones."""
    round_services.share_with_coach(open_round, coach.email)
    answer_and_close(open_round)
    share = share_for(open_round, coach.email)
    before = (content_key(open_round, None), content_key(open_round, share))
    login(client, leader.email)
    client.post(url(open_round), data=FORM)
    db.session.expire_all()
    after = (content_key(open_round, None), content_key(open_round, share))
    assert before[0] != after[0] and before[1] != after[1]
    wanted = db.session.scalars(
        select(ReportFile.reader).where(ReportFile.round_id == open_round.id)
    ).all()
    assert sorted(wanted) == sorted(["leader", f"coach-{share.id}"])


def test_the_plan_page_in_german(client, open_round, leader):
    answer_and_close(open_round)
    login(client, leader.email)
    page = client.get(url(open_round), headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Save the plan" not in page and "What to focus on" not in page
    assert "Suggested from the report" not in page
    reply = client.post(
        url(open_round), data={**FORM, "measure_1": ""}, headers={"Accept-Language": "de"}
    )
    assert "Say how you will know it worked." not in reply.get_data(as_text=True)
