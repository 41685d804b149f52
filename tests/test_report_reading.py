"""A report people can read (issue 16): plain words in one voice, nothing that looks broken.

Real renders throughout: WeasyPrint PDFs read back with poppler (pdftotext, pdffonts), and the
charts measured in Chromium, which lays out SVG text as the PDF does.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from datetime import date

import pytest

from feedback360 import questionnaire
from feedback360.aggregation import CommentRow
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.analysis import CATEGORY_LABELS
from feedback360.analysis import CATEGORY_MEANINGS
from feedback360.analysis import analyse
from feedback360.analysis import rule_texts
from feedback360.reports import charts
from feedback360.reports import phone_charts
from feedback360.reports.context import ReportData
from feedback360.reports.context import counted
from feedback360.reports.pdf import render_report_html
from feedback360.reports.pdf import render_report_pdf
from tests.helpers import visible_text
from tests.test_pdf import NO_COMMENTS_DIMENSION
from tests.test_pdf import SMALL_ROUND
from tests.test_pdf import build_report_data
from tests.test_pdf import page_count
from tests.test_pdf import pdf_text
from tests.test_pdf import report_app  # noqa: F401 - a fixture
from tests.test_pdf import squash

GROUPS = {"follower": 3, "colleague": 3, "staff": 3}
# Nine raters each; a dimension's self-rating and its raters' ratings, in order.
BIG_GAPS = {
    "purpose": (5, [3, 3, 3, 3, 3, 3, 3, 2, 2]),  # all raters 2.8, self 5: +2.2, past the axis
    "human": (1, [3, 3, 3, 3, 4, 4, 4, 4, 3]),  # all raters 3.4, self 1: -2.4
}
EMOJI = "Great thread 👍 and the sunny one 🌞"
# A4 in PDF points, less the report's 19 mm side and 22 mm top and bottom margins.
RIGHT_EDGE = 595.3 - 19 / 25.4 * 72
BODY_TOP, BODY_BOTTOM = 22 / 25.4 * 72, 841.9 - 22 / 25.4 * 72


def fixed_report(to_leader: bool = True) -> ReportData:
    """A round with the figures of BIG_GAPS, everything else rated 3 and 4 by turns."""
    q = questionnaire.load()
    ratings = []
    for n, group in enumerate(g for g, size in GROUPS.items() for _ in range(size)):
        for item in q.items:
            _, values = BIG_GAPS.get(item.dimension_id, (3, [3, 4] * 5))
            ratings.append(RatingRow(f"{n:016x}", group, item.id, values[n]))
    self_ratings = {item.id: BIG_GAPS.get(item.dimension_id, (3, []))[0] for item in q.items}
    results = aggregate(q, ratings, self_ratings, GROUPS, 3)
    comments = {key: [] for key in q.comment_keys()}
    return ReportData(
        leader_name="Robin Vale",
        round_title="Autumn round",
        why="To share what I learn.",
        success_measures="",
        platforms=(),
        opened_on=date(2026, 9, 1),
        closed_on=date(2026, 9, 20),
        generated_on=date(2026, 9, 21),
        questionnaire=q,
        results=results,
        comments=comments,
        comments_left_out={},
        analysis=analyse(results, comments, "To share what I learn."),
        rules=rule_texts(q.scale_max, 3, 3),
        comment_threshold=3,
        to_leader=to_leader,
    )


def write_pdf(app, data: ReportData, path):
    with app.app_context():
        path.write_bytes(render_report_pdf(data))
    return path


def words_with_boxes(pdf) -> list[tuple[int, float, float, str]]:
    """Every word of the PDF as (page, xMax, yMax, text), from pdftotext's bounding boxes."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    found = []
    for number, page in enumerate(html.split("<page ")[1:], start=1):
        for x_max, y_max, word in re.findall(
            r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page
        ):
            found.append((number, float(x_max), float(y_max), word))
    return found


# --- The charts: no label cut off -----------------------------------------------------------

TEXT_OUTSIDE = """() => [...document.querySelectorAll('svg')].flatMap(svg => {
  const width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
  return [...svg.querySelectorAll('text')].map(t => ({text: t.textContent, box: t.getBBox()}))
    .filter(({box}) => box.x < -0.5 || box.y < -0.5 || box.x + box.width > width + 0.5
                       || box.y + box.height > height + 0.5)
    .map(({text, box}) => `${text} at ${box.x.toFixed(1)}+${box.width.toFixed(1)} of ${width}`);
})"""


@pytest.mark.browser
def test_every_chart_label_lies_inside_its_drawing(browser):
    """The largest gaps (+2.2, −2.4) run past the axis: their bars end in an arrow, and the
    label beyond it is drawn in full, in the wide charts and the phone ones ("+2." was cut)."""
    data = fixed_report()
    res, q, categories = data.results, data.questionnaire, data.analysis.dimension_categories
    gaps = {d.dimension_id: d.gap for d in res.dimensions}
    assert gaps["purpose"] == pytest.approx(2.2) and gaps["human"] == pytest.approx(-2.4)
    drawings = [
        charts.gap_chart(res, q, categories),
        charts.dimension_bars(res, q),
        phone_charts.gap_chart(res, q, categories),
        phone_charts.dimension_bars(res, q),
    ]
    for drawing in drawings[::2]:
        assert ">+2.2</text>" in drawing and ">-2.4</text>" in drawing
    page = browser.new_page()
    try:
        page.set_content("<!doctype html><body>" + "".join(drawings) + "</body>")
        assert page.evaluate(TEXT_OUTSIDE) == []
    finally:
        page.close()


@pytest.mark.pdf
def test_no_word_of_the_pdf_runs_past_the_right_margin(report_app, tmp_path):  # noqa: F811
    """In the PDF too: text clipped at the edge of a chart would still be in the file, past the
    margin, so every word's right edge is measured."""
    pdf = write_pdf(report_app, fixed_report(), tmp_path / "gaps.pdf")
    words = words_with_boxes(pdf)
    assert [w for w in words if w[3] == "+2.2"] and [w for w in words if w[3] == "-2.4"]
    beyond = [(page, word) for page, x_max, _, word in words if x_max > RIGHT_EDGE + 1]
    assert beyond == []


# --- The summary: headings that match their lists ------------------------------------------


def test_counted_headings_match_the_number():
    assert counted(1, "strength", "strengths") == "One strength"
    assert counted(2, "thing to work on", "things to work on") == "Two things to work on"
    assert counted(3, "strength", "strengths") == "Three strengths"
    assert counted(0, "strength", "strengths") == "Strengths"
    assert counted(12, "strength", "strengths") == "12 strengths"


@pytest.mark.pdf
def test_summary_box_heading_says_how_many_it_lists(report_app, tmp_path):  # noqa: F811
    """One strength is listed under "One strength", never under "Three strengths"."""
    data = build_report_data(SMALL_ROUND)
    an = data.analysis
    assert len(an.strengths) >= 1 and len(an.work_on) >= 2
    fewer = dataclasses.replace(
        data, analysis=dataclasses.replace(an, strengths=an.strengths[:1], work_on=an.work_on[:2])
    )
    text = squash(pdf_text(write_pdf(report_app, fewer, tmp_path / "fewer.pdf")))
    assert "One strength" in text and "Two things to work on" in text
    assert "Three strengths" not in text and "Three things" not in text
    none = dataclasses.replace(data, analysis=dataclasses.replace(an, strengths=[], work_on=[]))
    with report_app.app_context():
        page = visible_text(render_report_html(none))
    assert "Strengths Too few ratings to name strengths." in page
    assert "Things to work on Too few ratings to name anything to work on." in page


# --- Pages: none left mostly empty ----------------------------------------------------------


def page_fill(pdf) -> list[float]:
    """How far down each page its text reaches, from 0 (top of the body) to 1 (bottom),
    leaving out the running header and the page number."""
    lowest = [0.0] * page_count(pdf)
    for page, _, y_max, _ in words_with_boxes(pdf):
        if BODY_TOP < y_max < BODY_BOTTOM:
            lowest[page - 1] = max(lowest[page - 1], y_max)
    return [(y - BODY_TOP) / (BODY_BOTTOM - BODY_TOP) for y in lowest]


# The sections that start a page of their own (static/report.css: break-before: page).
PAGE_STARTS = ("Contents", "Summary", "How to read this report", "Debrief notes")


def page_text(pdf, number: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(number), "-l", str(number), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def opens_a_page(text: str) -> bool:
    """Whether the page's first line below the running header is a page-starting heading."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    body = [line for line in lines if line != "Confidential"][1:]  # the header's title first
    return bool(body) and body[0] in PAGE_STARTS


@pytest.mark.pdf
@pytest.mark.parametrize("comments_per_key", [0.4, 3])
def test_no_page_but_the_last_is_left_mostly_empty(report_app, tmp_path, comments_per_key):  # noqa: F811
    """Sections follow on from each other; only the contents, the summary, the reading guide and
    the notes page start a page, so a page break never leaves more than half a page blank."""
    data = build_report_data(SMALL_ROUND, comments_per_key=comments_per_key)
    pdf = write_pdf(report_app, data, tmp_path / "report.pdf")
    fill = page_fill(pdf)
    # The page before one of those starts is simply where a section ended.
    before_a_start = {n - 1 for n in range(2, len(fill) + 1) if opens_a_page(page_text(pdf, n))}
    emptyish = [
        (n, round(f, 2))
        for n, f in enumerate(fill[:-1], start=1)
        if f < 0.45 and n not in before_a_start
    ]
    assert emptyish == [], f"pages whose text ends in their top half: {emptyish}"


# --- Emoji print as emoji -------------------------------------------------------------------


@pytest.mark.pdf
def test_emoji_in_comments_print_from_an_emoji_font(report_app, tmp_path):  # noqa: F811
    """DejaVu has no emoji: Symbola (fonts-symbola) or Noto Color Emoji draws them, so a 👍
    prints as a thumb rather than an empty box."""
    comment = CommentRow("e" * 16, "follower", NO_COMMENTS_DIMENSION, EMOJI)
    data = build_report_data(SMALL_ROUND, extra_comments=(comment,))
    pdf = write_pdf(report_app, data, tmp_path / "emoji.pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
    assert re.search(r"Symbola|Emoji", fonts.stdout), fonts.stdout
    assert EMOJI in squash(pdf_text(pdf))


# --- Plain words, one voice -----------------------------------------------------------------


def rendered(app, data: ReportData) -> str:
    with app.app_context():
        return visible_text(render_report_html(data))


def test_the_leaders_copy_says_you(report_app):  # noqa: F811
    text = rendered(report_app, fixed_report(to_leader=True))
    for phrase in (
        "Written for you and your coach to read together.",
        "You answered the same questions about yourself.",
        "In your words",
        "What respondents think you are trying to achieve",
        "Blind spots: you rate these clearly higher than others do",
        "For you and your coach",
    ):
        assert phrase in text
    assert "Robin Vale’s" not in text and "themself" not in text
    assert "Robin Vale sees" not in text and "the leader’s own why" not in text


def test_the_coachs_copy_names_the_leader(report_app):  # noqa: F811
    text = rendered(report_app, fixed_report(to_leader=False))
    for phrase in (
        "Written for Robin Vale and their coach to read together.",
        "Robin Vale answered the same questions about themself.",
        "In Robin Vale’s words",
        "What respondents think they are trying to achieve",
        "Blind spots: Robin Vale rates these clearly higher than others do",
    ):
        assert phrase in text
    assert "In your words" not in text and "you rate these" not in text


def test_every_term_is_named_plainly_and_explained_where_it_appears(report_app):  # noqa: F811
    data = fixed_report()
    with report_app.app_context():
        html = render_report_html(data)
    text = visible_text(html)
    for jargon in ("Over-rater", "Under-rater", "In agreement, high", "In agreement, low"):
        assert jargon not in text
    assert "agreement index" not in text.lower()
    for key, label in CATEGORY_LABELS.items():
        assert f"{label} {CATEGORY_MEANINGS[key]}" in text, label
    assert "Self rates higher" in text and "Others rate higher" in text
    # Agreement is explained where its column appears, and in the guide to reading.
    assert text.count(data.rules["agreement_key"]) >= 3
    assert "Agreement How alike raters’ answers are" in text
    # The small-caps fundamental tags next to each dimension's name are gone.
    assert 'class="fundamental"' not in html
    for dim in data.questionnaire.dimensions:
        assert f"{dim.title} {dim.fundamental.upper()}" not in text
