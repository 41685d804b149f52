"""Distributions, agreement and spread only where enough people rated: a distribution lists answers.

With three raters answering 1, 3 and 5, the counts per answer [1, 0, 1, 0, 1] are every answer,
and the agreement and spread read from them narrow it down just as far. Below the comment
threshold (REPORT_COMMENT_THRESHOLD, never below the round's threshold) an item shows its mean
only: on the results page, in the PDF and in the CSV and JSON export.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess

import pytest

from feedback360 import questionnaire
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.analysis import analyse
from feedback360.analysis import read_item
from feedback360.analysis import rule_texts
from feedback360.analysis import trend
from feedback360.rounds import services as round_services
from tests import handmade
from tests.helpers import download_report
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token

Q = handmade.questionnaire((handmade.dimension("talk", ("t1", "t2")),), handmade.groups("peer"))


def results_of(values_t1, values_t2=None, detail_threshold=None, self_ratings=None):
    values_t2 = values_t2 or values_t1
    rows = [
        RatingRow(f"r{k}", "peer", item, value)
        for item, values in (("t1", values_t1), ("t2", values_t2))
        for k, value in enumerate(values)
    ]
    return aggregate(Q, rows, self_ratings or {}, {"peer": len(values_t1)}, 3, detail_threshold)


def test_three_raters_show_the_mean_only():
    results = results_of([1, 3, 5])
    t1 = results.items[0]
    assert t1.others_mean == 3.0
    assert t1.distribution == (0, 0, 0, 0, 0) and not t1.distribution_shown
    assert read_item(t1, 5).agreement is None
    assert results.dimensions[0].others_mean == 3.0
    assert results.dimensions[0].others_sd is None


def test_five_raters_show_the_distribution():
    results = results_of([1, 3, 5, 3, 3])
    t1 = results.items[0]
    assert t1.distribution == (1, 0, 3, 0, 1) and t1.distribution_shown
    assert read_item(t1, 5).agreement == round(1 - (8 / 5) ** 0.5 / 2, 2)
    assert results.dimensions[0].others_sd is not None


def test_the_threshold_is_the_comment_threshold_never_below_the_rounds():
    assert results_of([1, 3, 5, 3], detail_threshold=4).items[0].distribution_shown
    assert not results_of([1, 3, 5, 3], detail_threshold=5).items[0].distribution_shown
    # A comment threshold under the round's threshold does not lower it.
    assert not results_of([1, 3], detail_threshold=1).items[0].distribution_shown


def test_a_big_gap_with_too_few_raters_is_no_blind_spot():
    """Calling it a blind spot would say the raters agree, which the report must not tell."""
    results = results_of([1, 1, 2], self_ratings={"t1": 5, "t2": 5})
    reading = analyse(results, {}, "")
    assert reading.blind_spots == [] and reading.unclear_gaps == []
    assert [i.item_id for i in reading.untold_gaps] == ["t1", "t2"]
    assert all("too few ratings" in p.reason for p in reading.strengths)
    agreeing = analyse(results_of([1, 1, 2, 1, 1], self_ratings={"t1": 5, "t2": 5}), {}, "")
    assert [i.item_id for i in agreeing.blind_spots] == ["t1", "t2"]
    assert agreeing.untold_gaps == []


def test_trend_margin_needs_the_comment_threshold():
    """The margin is read from the respondents' spread: withheld with three of them."""
    (few,) = trend(results_of([1, 3, 5]), results_of([2, 3, 4]))
    assert few.change == 0.0 and few.margin is None
    (many,) = trend(results_of([1, 3, 5, 3, 3]), results_of([2, 3, 4, 3, 3]))
    assert many.margin is not None


def test_the_rule_is_printed():
    text = rule_texts(5, 3, 5)["detail"]
    assert "at least 5 people" in text and "mean" in text


# --- The results page, the PDF and the export, on both databases ------------------------------

REAL_Q = questionnaire.load()
ITEM = REAL_Q.items[0]


@pytest.fixture(params=[(1, 3, 5), (1, 3, 5, 3, 3)], ids=["three", "five"])
def rated_round(request, leader, draft_round):
    """Colleagues rate every statement with the given values, nothing else."""
    values = request.param
    tokens = invite(
        draft_round, "\n".join(f"c{k}@example.org, colleague" for k in range(len(values)))
    )
    round_services.open_round(draft_round)
    for k, value in enumerate(values):
        submit_via_token(tokens[f"c{k}@example.org"], {i.id: value for i in REAL_Q.items})
    round_services.close_round(draft_round)
    return draft_round, values


def _agreement(values) -> str:
    mean = sum(values) / len(values)
    sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    return f"{1 - sd / 2:.2f}"


@pytest.mark.pdf
def test_page_pdf_and_export_show_a_distribution_only_for_enough_raters(
    app, client, rated_round, tmp_path
):
    a_round, values = rated_round
    counts = [values.count(v) for v in range(1, 6)]
    shown = len(values) >= app.config["REPORT_COMMENT_THRESHOLD"]
    strip_label = "Ratings from 1 (Never) to 5 (Always): " + ", ".join(map(str, counts)) + "."
    login(client, "leader@example.com")

    page = client.get(f"/rounds/{a_round.id}/results").text
    assert (strip_label in page) == shown
    assert (_agreement(values) in page) == shown
    assert "Too few ratings to show how they were spread." in page or shown

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(download_report(client, a_round.id))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert (_agreement(values) in text) == shown
    # The disagreement table prints the counts per answer after the agreement.
    counted = re.compile(re.escape(_agreement(values)) + r"\s+" + r"\s+".join(map(str, counts)))
    assert bool(counted.search(text)) == shown

    doc = json.loads(client.get(f"/rounds/{a_round.id}/export.json").text)
    items = {i["id"]: i for d in doc["dimensions"] for i in d["items"]}
    assert items[ITEM.id]["all_raters"] == 3.0
    assert items[ITEM.id]["distribution"] == (counts if shown else None)
    reader = csv.reader(io.StringIO(client.get(f"/rounds/{a_round.id}/export.csv").text))
    header, *rows = list(reader)
    row = next(r for r in rows if r[0] == "item" and r[1] == ITEM.id)
    assert row[-5:] == ([str(n) for n in counts] if shown else [""] * 5)
