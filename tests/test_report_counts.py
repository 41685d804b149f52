"""A closed round's report never says whether someone in a small group answered.

Closing forgets who answered; a report line "Staff: 1 response" for a group of one invitee
would say it again. Counts appear only for groups shown on their own, and the same words stand
for 0 and for threshold - 1 responses.
"""

from __future__ import annotations

import re

from feedback360 import questionnaire
from feedback360.anonymity import report_anonymity_notes
from feedback360.anonymity import report_group_lines
from feedback360.anonymity import visibility
from feedback360.reports.pdf import render_report_pdf
from feedback360.reports.services import report_data
from feedback360.rounds import services as round_services
from tests.helpers import close_with_lone_staff_invitee
from tests.helpers import login
from tests.helpers import round_like
from tests.test_pdf import pdf_text

GROUPS = questionnaire.load().groups


def views(counts: dict[str, int]) -> tuple[list, list[str]]:
    vis = visibility(counts, 3, GROUPS)
    return report_group_lines(vis, GROUPS), report_anonymity_notes(vis, GROUPS)


def test_a_group_below_the_threshold_reads_the_same_with_none_or_some_answers():
    for small in (1, 2):
        assert views({"follower": 6, "staff": small}) == views({"follower": 6, "staff": 0})
    lines, notes = views({"follower": 6, "staff": 2})
    by_group = {line.group_id: line for line in lines}
    assert by_group["follower"].responses == 6
    assert by_group["staff"].responses is None
    assert not any(re.search(r"\b2\b", note) for note in notes)


def test_folded_groups_are_counted_only_together():
    lines, notes = views({"follower": 6, "staff": 2, "colleague": 1})
    assert {line.group_id: line.responses for line in lines}["staff"] is None
    assert any("their 3 responses are shown only together" in note for note in notes)


def _visible_text(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"(csrf_token|round_id|rounds/)\S*", "", text)
    return " ".join(text.split())


def test_results_and_pdf_read_the_same_whether_or_not_the_staff_invitee_answered(
    app, client, leader, draft_round, tmp_path
):
    """Two rounds alike but for the one staff invitee answering: the same words and counts."""
    pages, pdfs = [], []
    login(client, leader.email)
    for staff_answers in (False, True):
        a_round = close_with_lone_staff_invitee(round_like(leader, draft_round), staff_answers)
        html = client.get(f"/rounds/{a_round.id}/results").get_data(as_text=True)
        pages.append(_visible_text(html))
        path = tmp_path / f"report-{staff_answers}.pdf"
        path.write_bytes(render_report_pdf(report_data(a_round)))
        pdfs.append(pdf_text(path, layout=False))
        round_services.delete_round(a_round)  # so the next round has no trend to compare with
    assert pages[0] == pages[1]
    assert pdfs[0] == pdfs[1]
    assert "Followers 4" in pages[0] and "Staff fewer than 3" in pages[0]
    assert "4 in this report" in pdfs[0]
