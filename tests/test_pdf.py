"""The PDF report: rendered for real by WeasyPrint, then read back with poppler."""

from __future__ import annotations

import random
import re
import subprocess
import zlib
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from feedback360 import i18n
from feedback360 import questionnaire
from feedback360.aggregation import CommentRow
from feedback360.aggregation import RatingRow
from feedback360.aggregation import aggregate
from feedback360.aggregation import limit_comments
from feedback360.aggregation import select_comments
from feedback360.analysis import analyse
from feedback360.analysis import rule_texts
from feedback360.reports import charts
from feedback360.reports.context import ReportData
from feedback360.reports.context import anonymity_notes
from feedback360.reports.context import counted
from feedback360.reports.context import group_rows
from feedback360.reports.pdf import FetchRefused
from feedback360.reports.pdf import StaticOnlyFetcher
from feedback360.reports.pdf import render_report_html
from feedback360.reports.pdf import render_report_pdf

ROOT = Path(__file__).resolve().parent.parent
HIDDEN_MARKER = "Quokkamarker hidden group"
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src="file:///etc/passwd">'
NO_COMMENTS_DIMENSION = "human"

PLATFORMS = ["On LinkedIn", "On Bluesky", "In her newsletter", "On Mastodon", "On the blog", ""]
ARTEFACTS = [
    "a post about the hiring freeze",
    "a thread on the new strategy",
    "her reply to a critic",
    "a video from the conference",
    "a short article on remote work",
    "the way she handled the outage",
]
SITUATIONS = ["last week", "in March", "after the launch", "during the reorganisation", "", ""]
IMPACTS = [
    "made me rethink how we talk to customers.",
    "helped me explain the change to my own team.",
    "felt a bit like a press release.",
    "so I shared it with my colleagues.",
    "was useful but easy to miss.",
    "left me unsure what she actually wanted.",
]


def comment_text(rng: random.Random) -> str:
    parts = [rng.choice(PLATFORMS), rng.choice(SITUATIONS), rng.choice(ARTEFACTS)]
    text = " ".join(p for p in parts if p)
    return text[0].upper() + text[1:] + " " + rng.choice(IMPACTS)


def build_report_data(
    group_sizes: dict[str, int],
    *,
    comments_per_key: float = 0.4,
    limit_per_key: int | None = 8,
    threshold: int = 3,
    seed: int = 360,
    extra_comments: tuple[CommentRow, ...] = (),
) -> ReportData:
    """A round with seeded random ratings and comments; `comments_per_key` < 1 is a probability."""
    q = questionnaire.load()
    rng = random.Random(seed)
    ratings: list[RatingRow] = []
    comment_rows: list[CommentRow] = []
    for group, size in group_sizes.items():
        lean = rng.uniform(-0.7, 0.5)
        for _ in range(size):
            response_id = f"{rng.getrandbits(64):016x}"
            for item in q.items:
                value = None
                if rng.random() > 0.12:
                    value = min(5, max(1, round(rng.gauss(3.4 + lean, 0.95))))
                ratings.append(RatingRow(response_id, group, item.id, value))
            for key in q.comment_keys():
                if key == NO_COMMENTS_DIMENSION:
                    continue
                n = int(comments_per_key)
                if comments_per_key < 1:
                    n = 1 if rng.random() < comments_per_key else 0
                for _ in range(n):
                    text = comment_text(rng)
                    if group == "other":
                        text = f"{HIDDEN_MARKER}: {text}"
                    comment_rows.append(CommentRow(f"{rng.getrandbits(64):016x}", group, key, text))
    # Hostile text from a shown group, specific enough to be among those shown.
    comment_rows.append(
        CommentRow(
            "0" * 16,
            "follower",
            "change",
            f"On LinkedIn last week a post said {SCRIPT} and it made me laugh.",
        )
    )
    comment_rows.append(
        CommentRow(
            "1" * 16,
            "follower",
            "keep",
            f"On Bluesky in March she shared {IMG} so I learned something.",
        )
    )
    comment_rows.extend(extra_comments)
    self_ratings = {item.id: rng.choice([2, 3, 4, 4, 5, None]) for item in q.items}
    results = aggregate(q, ratings, self_ratings, group_sizes, threshold)
    all_comments, _ = select_comments(
        comment_rows, results.visibility, q.comment_keys(), comment_threshold=threshold
    )
    comments, left_out = limit_comments(all_comments, limit_per_key)
    why = (
        "I am online to make the case for open data in local government,\n"
        "and to find the people already doing it."
    )
    return ReportData(
        leader_name="Morgan Ainsley",
        round_title="Spring 2026: Community & voice",
        why=why,
        success_measures="More replies from practitioners; two councils publishing data.",
        platforms=("LinkedIn", "Bluesky", "Newsletter"),
        opened_on=date(2026, 3, 2),
        closed_on=date(2026, 3, 20),
        generated_on=date(2026, 3, 21),
        questionnaire=q,
        results=results,
        comments=comments,
        comments_left_out=left_out,
        analysis=analyse(results, all_comments, why),
        rules=rule_texts(q.scale_max, threshold, threshold),
        comment_threshold=threshold,
    )


SMALL_ROUND = {"follower": 9, "colleague": 8, "staff": 6, "other": 2}


def make_report_app(instance_path: Path) -> Flask:
    """Just enough app to render templates (paths explicit, so any install layout works)."""
    app = Flask(
        "feedback360",
        root_path=str(ROOT / "feedback360"),
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    i18n.init_app(app)  # the templates speak through gettext
    return app


@pytest.fixture(scope="module")
def report_app(tmp_path_factory):
    return make_report_app(tmp_path_factory.mktemp("instance"))


def pdf_text(pdf: Path, layout: bool = True) -> str:
    """The PDF's text; `layout` keeps columns side by side, otherwise drawing order (each box
    of text whole, even when boxes stand side by side)."""
    args = ["pdftotext", "-layout" if layout else "-raw", str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", out.stdout, re.MULTILINE).group(1))


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def small_report(report_app, tmp_path_factory):
    data = build_report_data(SMALL_ROUND)
    with report_app.app_context():
        html = render_report_html(data)
        pdf_bytes = render_report_pdf(data)
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(pdf_bytes)
    return data, html, path


@pytest.mark.pdf
def test_report_contains_the_essentials(small_report):
    data, _, path = small_report
    text = pdf_text(path)
    flat = squash(text)
    assert path.read_bytes().startswith(b"%PDF-")
    assert data.leader_name in text
    assert data.round_title in text
    for dim in data.questionnaire.dimensions:
        assert dim.title in text
    assert "Page 1 of" in text
    assert squash(data.comments["purpose"][0].text) in flat
    assert "No comments to show for this dimension." in text


@pytest.mark.pdf
def test_hidden_group_is_left_out_uncounted_and_its_comments_are_absent(small_report):
    data, html, path = small_report
    assert data.results.visibility.hidden_groups == ("other",)
    text = pdf_text(path)
    assert HIDDEN_MARKER not in text
    assert HIDDEN_MARKER not in html
    assert "Groups with fewer than 3 responses (Others) are not in this report" in squash(text)
    assert "2 responses" not in squash(text)


@pytest.mark.pdf
def test_user_text_is_escaped_not_interpreted(small_report):
    _, html, path = small_report
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
    flat = squash(pdf_text(path))
    assert SCRIPT in flat
    assert IMG in flat


@pytest.mark.pdf
def test_every_page_rasterises(small_report, tmp_path):
    _, _, path = small_report
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == page_count(path)


@pytest.mark.pdf
def test_no_group_reached_the_threshold(report_app, tmp_path):
    data = build_report_data({"follower": 0, "colleague": 0, "staff": 0, "other": 2})
    with report_app.app_context():
        path = tmp_path / "empty.pdf"
        path.write_bytes(render_report_pdf(data))
    text = squash(pdf_text(path))
    assert "No group reached the threshold" in text
    assert HIDDEN_MARKER not in text
    assert "Overview" not in text


@pytest.mark.pdf
def test_large_round_stays_short(report_app, tmp_path):
    sizes = {"follower": 200, "colleague": 160, "staff": 138, "other": 2}
    data = build_report_data(sizes, comments_per_key=10, limit_per_key=8)
    with report_app.app_context():
        path = tmp_path / "large.pdf"
        path.write_bytes(render_report_pdf(data))
    assert page_count(path) < 30
    text = squash(pdf_text(path))
    assert "more comments were left out to keep the report short" in text
    assert HIDDEN_MARKER not in text


@pytest.mark.pdf
def test_fetcher_serves_only_static_files():
    static = ROOT / "static"
    fetcher = StaticOnlyFetcher(static)
    response = fetcher.fetch((static / "report.css").as_uri())
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    response = fetcher.fetch(fetcher.base_url + "report.css")
    assert b"@page" in response.read()
    refused = [
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://example.com/x.css",
        fetcher.base_url + "../pyproject.toml",
        fetcher.base_url + "%2e%2e/pyproject.toml",
        fetcher.base_url + "../../../../etc/passwd",
        "file://otherhost" + str(static / "report.css"),
        "ftp://example.com/x",
    ]
    for url in refused:
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_charts_escape_text():
    data = build_report_data(SMALL_ROUND)
    item = data.results.items[0]
    strip = charts.distribution_strip(item, 5, ["<b>", "2", "3", "4", "5"])
    assert "<b>" not in strip
    assert "&lt;b&gt;" in strip
    bars = charts.dimension_bars(data.results, data.questionnaire)
    assert bars.startswith("<svg")
    assert "Self" in bars


def test_anonymity_notes_count_folded_groups_together_and_hidden_groups_not_at_all():
    folded = build_report_data({"follower": 9, "colleague": 8, "staff": 2, "other": 2})
    assert anonymity_notes(folded) == [
        "Staff and others each had fewer than 3 responses, so their 4 responses are shown "
        "only together, as “Other groups combined”."
    ]
    hidden = build_report_data(SMALL_ROUND)
    (note,) = anonymity_notes(hidden)
    assert note.startswith("Groups with fewer than 3 responses (Others) are not in this report")
    statuses = {row["label"]: (row["count"], row["status"]) for row in group_rows(hidden)}
    assert statuses["Others"] == (None, "Not shown: fewer than 3 responses, perhaps none")
    assert statuses["Followers"] == (9, "Shown on its own")


def page_texts(pdf: Path, layout: bool = False) -> list[str]:
    """The text of each page, in order (pdftotext marks page ends with a form feed)."""
    return pdf_text(pdf, layout).split("\f")[: page_count(pdf)]


@pytest.mark.pdf
def test_contents_page_numbers_lead_to_their_sections(small_report):
    _, _, path = small_report
    pages = page_texts(path, layout=True)
    contents = next(i for i, page in enumerate(pages) if "Contents" in page.split("\n", 3)[-1])
    entries = re.findall(r"^\s*(\S.*?\S)\s{2,}(\d+)\s*$", pages[contents], re.MULTILINE)
    titles = [title for title, _ in entries]
    assert titles[:3] == ["Summary", "How to read this report", "Intent and perception"]
    assert "Blind spots and hidden strengths" in titles and "Debrief notes" in titles
    for title, number in entries:
        assert title in squash(pages[int(number) - 1]), f"{title!r} is not on page {number}"


@pytest.mark.pdf
def test_summary_page_names_what_the_analysis_picked(small_report):
    data, _, path = small_report
    pages = page_texts(path)
    an = data.analysis
    heading = counted(len(an.strengths), "strength", "strengths")
    summary = squash(next(p for p in pages if heading in p))
    items = {item.id: item.text for item in data.questionnaire.items}
    assert an.strengths and an.work_on
    for pointer in an.strengths + an.work_on:
        assert squash(items[pointer.item_id])[:40] in summary
    assert "Intent and perception, in one line" in summary
    assert squash(an.intent.summary_line())[:40] in summary


@pytest.mark.pdf
def test_analysis_sections_show_their_rules_and_items(small_report):
    data, _, path = small_report
    flat = squash(pdf_text(path))
    for rule in ("gap", "categories", "agreement", "blind_spot", "extremes", "comments"):
        assert squash(data.rules[rule]) in flat
    items = {item.id: squash(item.text) for item in data.questionnaire.items}
    # A long list may break between rows onto the next page (its header repeats there).
    pages = page_texts(path)
    start = next(i for i, page in enumerate(pages) if "Blind spots:" in page)
    blind_page = squash(" ".join(pages[start : start + 2]))
    for item in data.analysis.blind_spots + data.analysis.hidden_strengths:
        assert items[item.item_id][:40] in blind_page
    for title in ("Highest rated", "Lowest rated", "By group", "Questions to reflect on"):
        assert title in flat
    for fundamental in data.questionnaire.fundamentals:
        assert squash(fundamental.reflection[0]) in flat


@pytest.mark.pdf
def test_pdf_is_tagged_and_names_its_language(small_report):
    _, _, path = small_report
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    assert re.search(r"^Tagged:\s+yes", info.stdout, re.MULTILINE)
    assert b"/Lang (en)" in b"".join(pdf_objects(path.read_bytes()))


def pdf_objects(pdf: bytes) -> list[bytes]:
    """The PDF's objects as bytes, object streams decompressed (where the catalog lives)."""
    objects = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            objects.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return objects


def test_gap_chart_escapes_titles_and_describes_itself():
    data = build_report_data(SMALL_ROUND)
    chart = charts.gap_chart(data.results, data.questionnaire, data.analysis.dimension_categories)
    assert chart.startswith("<svg") and "<title>Gap between self and all raters" in chart
    first = data.results.dimensions[0]
    assert f"{first.gap:+.1f}" in chart or first.gap is None


RTL_COMMENTS = ("هذا المنشور ساعدني كثيرا.", "הפוסט הזה עזר לי מאוד.")
RTL_LETTERS = re.compile("[\u0590-\u05ff\u0600-\u06ff]")


@pytest.mark.pdf
def test_right_to_left_comments_print_right_to_left(report_app, tmp_path):
    """WeasyPrint ignores dir="auto", so the template sets each comment's direction from its
    first strong letter: a short Arabic or Hebrew comment sits against the right margin."""
    extra = tuple(
        CommentRow(f"{n:016x}", "follower", NO_COMMENTS_DIMENSION, text)
        for n, text in enumerate(RTL_COMMENTS)
    )
    data = build_report_data(SMALL_ROUND, extra_comments=extra)
    with report_app.app_context():
        html = render_report_html(data)
        path = tmp_path / "rtl.pdf"
        path.write_bytes(render_report_pdf(data))
    # A comment may also carry the language its words show (`lang`, when detected).
    for text in RTL_COMMENTS:
        assert re.search(rf'<p class="comment" dir="rtl"( lang="\w+")?>{re.escape(text)}</p>', html)
    assert re.search(r'<p class="comment" dir="ltr"( lang="\w+")?>', html)
    layout = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    lines = re.findall(
        r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>(.*?)</line>', layout, re.S
    )
    assert lines
    left = min(float(x_min) for x_min, _, _ in lines)
    right = max(float(x_max) for _, x_max, _ in lines)
    rtl = [
        (float(x_min), float(x_max)) for x_min, x_max, words in lines if RTL_LETTERS.search(words)
    ]
    assert len(rtl) == len(RTL_COMMENTS)
    for x_min, x_max in rtl:
        assert right - x_max < 20, "against the right margin"
        assert x_min - left > 100, "not against the left"
