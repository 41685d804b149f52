"""The CSV and JSON export: the report's figures and nothing more, for the leader only."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.aggregation import CommentRow
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.aggregation import select_comments
from feedback360.export import RoundExport
from feedback360.export import as_csv
from feedback360.export import as_dict
from feedback360.export import as_json
from feedback360.extensions import db
from feedback360.models import Comment
from feedback360.models import Response
from feedback360.questionnaire import OpenQuestion
from feedback360.rounds import services as round_services
from tests import handmade
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token

GROUPS = handmade.groups("peer", "report", "manager", "follower")
Q = handmade.questionnaire(
    (
        handmade.dimension("listen", ("l1", "l2"), "Statement {}"),
        handmade.dimension("share", ("s1",), "Statement {}"),
    ),
    GROUPS,
    (OpenQuestion(id="advice", text="Advice?", prompt=""),),
)

# response id -> (group, {item: value}); None is "not observed". f1 is a follower on their own:
# a hidden group. s1 has one rating among reported units, so every figure on it is withheld.
ANSWERS = {
    "p1": ("peer", {"l1": 4, "l2": 5, "s1": 3}),
    "p2": ("peer", {"l1": 5, "l2": 5, "s1": None}),
    "p3": ("peer", {"l1": 3, "l2": 3, "s1": None}),
    "r1": ("report", {"l1": 2, "l2": 3, "s1": None}),
    "r2": ("report", {"l1": 3, "l2": 3, "s1": None}),
    "r3": ("report", {"l1": 4, "l2": 3, "s1": None}),
    "f1": ("follower", {"l1": 1, "l2": 1, "s1": 1}),
}
COMMENTS = [
    CommentRow("c1", "peer", "advice", "Post your talks on the blog"),
    CommentRow("c2", "report", "advice", '=HYPERLINK("https://evil.example")'),
    CommentRow("c3", "follower", "advice", "FOLLOWER secret advice"),
    CommentRow("c4", "peer", "listen", "- replies to every comment when we post"),
]


def make_export(answers=ANSWERS, comment_rows=COMMENTS) -> RoundExport:
    ratings = [
        RatingRow(rid, group, item, value)
        for rid, (group, values) in answers.items()
        for item, value in values.items()
    ]
    counts: dict[str, int] = {}
    for group, _ in answers.values():
        counts[group] = counts.get(group, 0) + 1
    results = aggregate(Q, ratings, {"l1": 5, "l2": 4, "s1": None}, counts, 3)
    comments, _ = select_comments(comment_rows, results.visibility, Q.comment_keys())
    return RoundExport(
        title="Spring <round>",
        leader_name="Lee Leader",
        why="To listen",
        success_measures="",
        opened_on=date(2026, 3, 1),
        closed_on=date(2026, 3, 15),
        questionnaire=Q,
        results=results,
        comments=comments,
    )


def csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_json_holds_the_reports_figures_rounded_as_printed():
    doc = as_dict(make_export())
    assert doc["format"] == "feedback360-results/1"
    assert doc["round"]["title"] == "Spring <round>" and doc["round"]["closed_on"] == "2026-03-15"
    assert doc["round"]["anonymity_threshold"] == 3
    assert doc["respondents"] == 6
    assert [u["id"] for u in doc["units"]] == ["peer", "report"]
    listen = doc["dimensions"][0]
    assert listen["id"] == "listen" and listen["title"] == "Listen"
    # listen pools l1 and l2: peers 25/6, reports 18/6, everyone 43/12; self (5 + 4) / 2.
    assert (listen["self"], listen["all_raters"], listen["gap"]) == (4.5, 3.6, 0.9)
    assert listen["units"] == {"peer": 4.2, "report": 3.0}
    l1 = listen["items"][0]
    assert l1 == {
        "id": "l1",
        "text": "Statement l1",
        "self": 5,
        "all_raters": 3.5,
        "gap": 1.5,
        "ratings": 6,
        "not_observed": 0,
        "units": {"peer": 4.0, "report": 3.0},
        "distribution": [0, 1, 2, 2, 1],
    }


def test_withheld_figures_are_null_in_json_and_empty_in_csv():
    export = make_export()
    share = as_dict(export)["dimensions"][1]
    s1 = share["items"][0]
    assert (s1["all_raters"], s1["distribution"], s1["gap"]) == (None, None, None)
    assert s1["units"] == {"peer": None, "report": None}
    assert (s1["ratings"], s1["not_observed"]) == (1, 5), "counts are shown, as in the report"
    assert (share["self"], share["all_raters"], share["units"]["peer"]) == (None, None, None)

    rows = {row["key"]: row for row in csv_rows(as_csv(export)) if row["section"] != "comment"}
    s1_row = rows["s1"]
    for column in ("self", "all_raters", "gap", "Peers", "Reports", "1 Never", "5 Always"):
        assert s1_row[column] == "", column
    assert (s1_row["ratings"], s1_row["not_observed"]) == ("1", "5")
    assert rows["l1"]["all_raters"] == "3.5" and rows["l1"]["Peers"] == "4.0"
    assert rows["l1"]["3 Sometimes"] == "2"


def test_a_hidden_group_appears_nowhere():
    export = make_export()
    for text in (as_json(export), as_csv(export)):
        assert "follower" not in text.lower()
        assert "FOLLOWER secret" not in text
    # Were the follower's ratings of 1 counted, l1 would not average 3.5.
    assert as_dict(export)["dimensions"][0]["items"][0]["all_raters"] == 3.5


def test_folded_groups_are_shown_only_combined():
    answers = {
        **{k: v for k, v in ANSWERS.items() if k != "f1"},
        "m1": ("manager", {"l1": 1, "l2": 1, "s1": 1}),
        "m2": ("manager", {"l1": 2, "l2": 2, "s1": 2}),
        "f1": ("follower", {"l1": 1, "l2": 1, "s1": 1}),
    }
    doc = as_dict(make_export(answers))
    assert doc["units"][-1] == {
        "id": "combined",
        "label": "Other groups combined",
        "respondents": 3,
        "groups": ["manager", "follower"],
    }
    assert doc["respondents"] == 9
    header = next(csv.reader(io.StringIO(as_csv(make_export(answers))[1:])))
    assert "Other groups combined" in header and "Managers" not in header


def test_comments_keep_the_reports_order_and_carry_no_group():
    export = make_export()
    blocks = {block["key"]: block for block in as_dict(export)["comments"]}
    assert list(blocks) == ["listen", "share", "advice"]
    assert blocks["advice"]["question"] == "Advice?"
    assert blocks["advice"]["comments"] == [c.text for c in export.comments["advice"]]
    assert set(blocks["advice"]["comments"]) == {
        "Post your talks on the blog",
        '=HYPERLINK("https://evil.example")',
    }
    comment_rows = [row for row in csv_rows(as_csv(export)) if row["section"] == "comment"]
    assert [row["key"] for row in comment_rows] == ["listen", "advice", "advice"]
    for row in comment_rows:
        assert all(row[column] == "" for column in row if column not in ("section", "key", "text"))


def test_csv_text_cannot_start_a_spreadsheet_formula():
    texts = {row["text"] for row in csv_rows(as_csv(make_export()))}
    assert '\'=HYPERLINK("https://evil.example")' in texts
    assert "'- replies to every comment when we post" in texts
    assert not any(text.startswith(("=", "+", "-", "@")) for text in texts)
    assert '"=HYPERLINK' in as_json(make_export()), "JSON keeps the text as written"


def test_csv_starts_with_the_respondents_per_unit():
    first = csv_rows(as_csv(make_export()))[0]
    assert first["section"] == "respondents"
    assert (first["all_raters"], first["Peers"], first["Reports"]) == ("6", "3", "3")


# --- Through the routes, on both databases -----------------------------------------------------

REAL_Q = questionnaire.load()
HIDDEN_MARKER = "lonely-follower-8841"


@pytest.fixture
def closed_round(leader, coach, draft_round):
    """5 staff rate 2, 5 colleagues rate 4, one follower (hidden) rates 1 and comments."""
    groups = {"staff": 5, "colleague": 5, "follower": 1}
    lines = [f"{g}{i}@example.org, {g}" for g, n in groups.items() for i in range(n)]
    tokens = invite(draft_round, "\n".join(lines))
    round_services.share_with_coach(draft_round, coach.email)
    round_services.open_round(draft_round)
    values = {"staff": 2, "colleague": 4, "follower": 1}
    for g, n in groups.items():
        for i in range(n):
            text = HIDDEN_MARKER if g == "follower" else f"{g} keeps the weekly thread {i}"
            submit_via_token(
                tokens[f"{g}{i}@example.org"],
                {item.id: values[g] for item in REAL_Q.items},
                {"keep": text},
            )
    round_services.close_round(draft_round)
    return draft_round


def test_the_leader_downloads_csv_and_json(app, client, closed_round):
    round_id = closed_round.id
    stored_ids = set(db.session.scalars(select(Response.id))) | set(
        db.session.scalars(select(Comment.id))
    )
    login(client, "leader@example.com")
    csv_reply = client.get(f"/rounds/{round_id}/export.csv")
    json_reply = client.get(f"/rounds/{round_id}/export.json")
    assert csv_reply.status_code == json_reply.status_code == 200
    assert csv_reply.mimetype == "text/csv" and json_reply.mimetype == "application/json"
    for reply, extension in ((csv_reply, "csv"), (json_reply, "json")):
        assert reply.headers["Content-Disposition"] == (
            f'attachment; filename="feedback360-{round_id}-spring-round.{extension}"'
        )
        assert "no-store" in reply.headers["Cache-Control"]
        assert HIDDEN_MARKER not in reply.text
        assert not any(stored_id in reply.text for stored_id in stored_ids)
    doc = json.loads(json_reply.text)
    assert [u["id"] for u in doc["units"]] == ["colleague", "staff"]
    assert doc["respondents"] == 10
    assert {i["all_raters"] for d in doc["dimensions"] for i in d["items"]} == {3.0}
    keep = next(block for block in doc["comments"] if block["key"] == "keep")
    assert len(keep["comments"]) == 10
    rows = csv_rows(csv_reply.text)
    assert [row["key"] for row in rows if row["section"] == "comment"].count("keep") == 10
    assert "Followers" not in csv_reply.text


def test_the_results_page_links_the_export_for_the_leader_only(app, client, closed_round):
    round_id = closed_round.id
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{round_id}/results").text
    assert f'href="/rounds/{round_id}/export.csv"' in page
    assert f'href="/rounds/{round_id}/export.json"' in page
    client.post("/logout")
    login(client, "coach@example.com")
    page = client.get(f"/rounds/{round_id}/results")
    assert page.status_code == 200 and "export.csv" not in page.text


def test_a_coach_cannot_export(app, client, closed_round):
    login(client, "coach@example.com")
    for extension in ("csv", "json"):
        assert client.get(f"/rounds/{closed_round.id}/export.{extension}").status_code == 404


def test_no_export_while_the_round_is_open(app, client, open_round):
    login(client, "leader@example.com")
    for extension in ("csv", "json"):
        reply = client.get(f"/rounds/{open_round.id}/export.{extension}")
        assert reply.status_code == 409
        assert reply.mimetype == "text/html"
        assert "Results appear when the round closes" in reply.text
