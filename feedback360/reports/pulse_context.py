"""What a pulse's page and its short PDF show, in the reader's language, and the PDF itself.

Every figure comes from `followup.pulse_results.pulse_report` (each side by its own report's
rules); this only puts it in words: the questionnaire's texts in the reader's language, the
plain readings and notes of `pulse_compare` translated, the "noticed a change" answers only
where `pulse.change_distributions` shows them (else not even their count).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask import render_template
from flask_babel import gettext as _
from weasyprint import HTML

from .. import pulse_compare
from ..anonymity import report_anonymity_notes
from ..anonymity import report_group_lines
from ..focus import resolve_target
from ..followup.pulse_results import PulseReport
from ..i18n import local_questionnaire
from ..pulse_compare import TargetComparison
from . import charts
from .context import Voice
from .context import date_label
from .context import page_margin_css
from .pdf import StaticOnlyFetcher
from .pdf import font_config
from .pdf import gc_paused
from .pdf import report_stylesheet
from .pulse_words import change_label
from .pulse_words import reading_text

PDF_TAGS = True


def pulse_notes(report: PulseReport) -> list[str]:
    """Nobody knows who rated both times; raters may differ; when a change is clear."""
    return [
        _("Nobody, the app included, knows who rated both times."),
        _(
            "The people who answered the follow-up may not be the same as those who answered "
            "the round, so a change can come from who answered as well as from what you did: "
            "read it as a question to ask, not a verdict."
        ),
        _(
            "A change is clear when it is larger than its 95%% margin, worked out from how much "
            "raters varied and how many rated each time, as for two separate groups of people. "
            "The margin needs at least %(threshold)d ratings each time, as how they varied would "
            "otherwise narrow down their answers.",
            threshold=report.detail_threshold,
        ),
    ]


@dataclass(frozen=True)
class StatementRow:
    text: str
    before: float | None
    after: float | None
    change: float | None
    margin: float | None
    reading: str
    clear: bool  # the change is larger than its margin


@dataclass(frozen=True)
class TargetView:
    heading: str  # the dimension's title
    title: str  # the statement's text, or the dimension's title
    statements: tuple[StatementRow, ...]
    changes: tuple[tuple[str, int], ...] | None  # (label, count); None: not shown


def target_views(report: PulseReport, version: str) -> list[TargetView]:
    q = local_questionnaire(version)
    text_of = {item.id: item.text for item in q.items}
    return [_target_view(target, q, text_of) for target in report.comparison.targets]


def _target_view(target: TargetComparison, q, text_of: dict[str, str]) -> TargetView:
    focus = resolve_target(q, target.target_id)
    heading = q.dimension(focus.dimension_id).title if focus else target.heading
    statements = tuple(
        StatementRow(
            text=text_of.get(item.item_id, item.text),
            before=item.before_mean,
            after=item.after_mean,
            change=item.change,
            margin=item.margin,
            reading=reading_text(item.reading),
            clear=item.reading in (pulse_compare.CLEARLY_UP, pulse_compare.CLEARLY_DOWN),
        )
        for item in target.items
    )
    changes = None
    if target.change is not None and target.change.shown:
        changes = tuple((change_label(option), n) for option, _label, n in target.change.counts)
    return TargetView(heading, focus.title if focus else target.title, statements, changes)


def pulse_render_context(report: PulseReport, to_leader: bool) -> dict:
    """What both the pulse's page and its PDF are rendered with."""
    pulse = report.pulse
    q = local_questionnaire(pulse.questionnaire_version)
    vis = report.results.visibility
    return {
        "report": report,
        "pulse": pulse,
        "original": report.original,
        "vis": vis,
        "leader_name": pulse.leader.name,
        "targets": target_views(report, pulse.questionnaire_version),
        "notes": pulse_notes(report),
        "group_rows": report_group_lines(vis, q.groups),
        "anonymity_notes": report_anonymity_notes(vis, q.groups),
        "scale": q.scale,
        "you": Voice(pulse.leader.name, to_leader),
        "date_label": date_label,
        "fmt": charts.fmt,
        "signed": charts.signed,
        "page_margin_css": page_margin_css,
    }


def render_pulse_pdf(report: PulseReport, to_leader: bool) -> bytes:
    """The pulse's short PDF, printed as the main report is (`pdf.render_report_pdf`)."""
    html = render_template("reports/pulse_report.html", **pulse_render_context(report, to_leader))
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
    with gc_paused():
        return document.write_pdf(
            stylesheets=[report_stylesheet(fetcher)], pdf_tags=PDF_TAGS, font_config=font_config()
        )
