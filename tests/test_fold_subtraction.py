"""A folded group's count minus the counts the round page showed (issue 13, "live counts").

The round page counts a group's responses when it has at least the threshold of invitees, and
keeps those counts after close. The report folds every group with 1 to threshold - 1 responses
into "Other groups combined" and prints its count. When the fold holds such a counted group and
a group the page never counted (fewer invitees than the threshold), the fold's count minus the
page's count is the small group's exact count: with two staff invitees, "both answered".
"""

from __future__ import annotations

import re

from feedback360 import questionnaire
from feedback360.rounds import services as round_services
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token

Q = questionnaire.load()


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def closed_round(leader, staff_answering: int):
    """Five followers (two answer), two staff members (`staff_answering` answer)."""
    a_round = round_services.create_round(
        leader, title=f"Fold {staff_answering}", anonymity_threshold=3, closes_on=None, platforms=[]
    )
    people = [f"f{i}@example.org, follower" for i in range(5)]
    people += [f"s{i}@example.org, staff" for i in range(2)]
    tokens = invite(a_round, "\n".join(people))
    round_services.open_round(a_round)
    answering = ["f0", "f1"] + [f"s{i}" for i in range(staff_answering)]
    for who in answering:
        submit_via_token(tokens[f"{who}@example.org"], answer_all(Q, 4))
    round_services.close_round(a_round)
    return a_round


def test_the_fold_minus_the_round_page_does_not_count_a_small_group(client, leader):
    login(client, leader.email)
    derived = []
    for staff_answering in (1, 2):
        a_round = closed_round(leader, staff_answering)
        page = visible_text(client.get(f"/rounds/{a_round.id}").text)
        assert "shown for staff" in page, "the page never counts staff"
        followers = int(re.search(r"Followers 5 \d+ \S+ \d+ (\d+)", page).group(1))
        results = visible_text(client.get(f"/rounds/{a_round.id}/results").text)
        total = re.search(r"(\d+) responses? in these results", results)
        derived.append((int(total.group(1)) if total else 0) - followers)
        round_services.delete_round(a_round)
    assert derived[0] == derived[1], f"staff answering, worked out from the pages: {derived}"
