"""The round page says what closing now would do to its groups below the threshold, and says
exactly what the report then does (issue 14: the page said "will not be shown" where the report
showed the groups folded together), without ever telling a hidden or pooled group's count."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from feedback360 import questionnaire
from feedback360.anonymity import COMBINED_UNIT_LABEL
from feedback360.anonymity import GroupActivity
from feedback360.anonymity import closing_forecast
from feedback360.anonymity import live_pools
from feedback360.anonymity import pool_small_groups
from feedback360.anonymity import progress_view
from feedback360.anonymity import visibility
from feedback360.reports.pdf import render_report_pdf
from feedback360.reports.services import report_data
from feedback360.rounds import services as round_services
from tests.handmade import groups as make_groups
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import round_like
from tests.helpers import submit_via_token
from tests.test_pdf import pdf_text

Q = questionnaire.load()
FOLDED = f"Fewer than 3: shown only within “{COMBINED_UNIT_LABEL}”"


def progress_section(client, a_round) -> str:
    """The visible text of the round page's progress card."""
    html = client.get(f"/rounds/{a_round.id}").get_data(as_text=True)
    section = re.search(r'<section class="card" id="progress">(.*?)</section>', html, re.S)
    assert section, "the round page has a progress card"
    text = re.sub(r"<[^>]+>", " ", section.group(1))
    text = re.sub(r"(csrf_token|round_id|rounds/)\S*", "", text)
    return " ".join(text.split())


def open_and_answer(a_round, invited: dict[str, int], answering: tuple[str, ...]) -> None:
    """Invite `invited[group]` people per group (<group initial><n>@example.org), open the
    round, and have `answering` answer."""
    lines = [f"{g[0]}{i}@example.org, {g}" for g, n in invited.items() for i in range(n)]
    tokens = invite(a_round, "\n".join(lines))
    round_services.open_round(a_round)
    for email in answering:
        submit_via_token(tokens[email], answer_all(Q, 4))


# --- The example, page against report ---------------------------------------------------


def test_two_colleagues_and_two_staff_the_page_says_what_the_report_does(
    client, leader, draft_round, tmp_path
):
    """Threshold 3, two colleagues and two staff answered: both are folded in the report, and
    the page must say so before closing, not "will not be shown"."""
    answering = ("c0@example.org", "c1@example.org", "s0@example.org", "s1@example.org")
    open_and_answer(draft_round, {"colleague": 3, "staff": 3}, answering)
    login(client, leader.email)
    page = progress_section(client, draft_round)

    assert "will not be shown" not in page and "not shown" not in page
    assert (
        f"If you close now, these will be shown only together, as “{COMBINED_UNIT_LABEL}”, "
        "because fewer than 3 people in each answered: Colleagues (2), Staff (2)." in page
    )
    assert page.count(f"below 3: shown only within “{COMBINED_UNIT_LABEL}”") == 2

    round_services.close_round(draft_round)
    data = report_data(draft_round)
    assert set(data.results.visibility.folded_groups) == {"colleague", "staff"}
    path = tmp_path / "report.pdf"
    path.write_bytes(render_report_pdf(data))
    report = " ".join(pdf_text(path, layout=False).split())
    assert f"Colleagues – {FOLDED}" in report and f"Staff – {FOLDED}" in report
    results = client.get(f"/rounds/{draft_round.id}/results").get_data(as_text=True)
    assert "4 responses are shown only together" in " ".join(results.split())


def test_a_lone_small_group_is_predicted_left_out_as_the_report_leaves_it_out(
    client, leader, draft_round
):
    answering = ("c0@example.org", "c1@example.org", "f0@example.org", "f1@example.org")
    open_and_answer(draft_round, {"colleague": 3, "follower": 3}, (*answering, "f2@example.org"))
    login(client, leader.email)
    page = progress_section(client, draft_round)
    assert "If you close now, these will not be shown" in page and "Colleagues (2)" in page
    assert "below 3: not shown" in page
    round_services.close_round(draft_round)
    assert report_data(draft_round).results.visibility.hidden_groups == ("colleague",)


# --- Nothing about a pooled or hidden group's own count -----------------------------------------


def test_the_prediction_reads_the_same_whichever_pooled_group_answered(client, leader, draft_round):
    """Staff and others have two invitees each, so they are counted only together. Whether the
    staff member or the other answered, the page (prediction included) is word for word the
    same, and it never prints a pooled group with a count."""
    pages = []
    login(client, leader.email)
    for pooled_answer in ("s0@example.org", "o0@example.org"):
        a_round = round_like(leader, draft_round)
        answering = ("c0@example.org", "c1@example.org", pooled_answer)
        open_and_answer(a_round, {"colleague": 3, "staff": 2, "other": 2}, answering)
        pages.append(progress_section(client, a_round))
    assert pages[0] == pages[1]
    assert "If you close now" in pages[0] and "Colleagues (2)" in pages[0]
    assert not re.search(r"(Staff|Others) \(\d+\)", pages[0])


def test_the_prediction_does_not_move_when_someone_in_a_hidden_group_answers(
    client, leader, draft_round
):
    """One staff invitee, counted nowhere on the page and so left out of the report: the
    colleagues' fate at close does not depend on whether they answered, and the page says it
    the same before and after."""
    tokens = invite(
        draft_round,
        "\n".join([f"c{i}@example.org, colleague" for i in range(3)] + ["s0@example.org, staff"]),
    )
    round_services.open_round(draft_round)
    for email in ("c0@example.org", "c1@example.org"):
        submit_via_token(tokens[email], answer_all(Q, 4))
    login(client, leader.email)
    before = progress_section(client, draft_round)
    submit_via_token(tokens["s0@example.org"], answer_all(Q, 4))
    after = progress_section(client, draft_round)
    assert before == after
    assert "these will not be shown" in before and "Colleagues (2)" in before
    assert "Staff (" not in before


# --- The rule on plain data: a sure prediction is the report's, an unsure one says so -----------

GROUPS = make_groups("a", "b", "c", "d")


per_group = st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 3))


@settings(max_examples=400, deadline=None)
@given(st.lists(per_group, min_size=4, max_size=4), st.integers(3, 4))
def test_a_sure_prediction_is_what_visibility_does(rows, threshold):
    """(invited, answered by invitation, open-link answers) per group."""
    invited = {g.id: n for g, (n, _, _) in zip(GROUPS, rows, strict=True)}
    responses = {g.id: min(a, n) + k for g, (n, a, k) in zip(GROUPS, rows, strict=True)}
    activity = {
        g.id: GroupActivity(n, min(a, n), 0, responses[g.id])
        for g, (n, a, _) in zip(GROUPS, rows, strict=True)
    }
    pooled = pool_small_groups((), invited, threshold)
    view = progress_view(activity, pooled, threshold, GROUPS)
    forecast = closing_forecast(view)
    vis = visibility(responses, threshold, GROUPS, live_pools(invited, pooled, threshold, GROUPS))
    below = [line for line in view.lines if 0 < line.responses < threshold]
    assert set(forecast.row_notes) == {line.group for line in below}
    in_below = {g for line in below for g in line.group_ids if responses[g]}
    # The report never shows what the page counted nowhere, and the prediction is exact.
    assert not any(vis.unit_of(g) for g in view.hidden_groups)
    if not below:
        assert forecast.notice is None and forecast.outcome is None
    elif forecast.outcome == "folded":
        assert in_below <= set(vis.folded_groups)
    else:
        assert forecast.outcome == "left out"
        assert in_below <= set(vis.hidden_groups) and not vis.folded_groups
