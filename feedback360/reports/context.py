"""What a report shows: its data (`ReportData`) and the context both the PDF template and the
results page are rendered with. No rendering here: `pdf` prints it, `views` shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from markupsafe import Markup

from .. import analysis
from ..anonymity import report_anonymity_notes
from ..anonymity import report_group_lines
from ..anonymity import report_promises
from ..i18n import current_language
from ..i18n import local_date
from ..language_choice import DEFAULT_LOCALE
from ..text import text_direction
from ..wording import N_
from ..wording import _
from . import charts
from . import phone_charts
from . import pulse_words
from .followup_context import followup_context

if TYPE_CHECKING:
    from ..aggregation import Comment
    from ..aggregation import RoundResults
    from ..analysis import Analysis
    from ..focus import FocusEntry
    from ..focus_history import FocusHistory
    from ..forecast import ForecastComparison
    from ..questionnaire import Questionnaire

REPORT_TITLE = N_("Leadership online: 360 feedback")


@dataclass(frozen=True)
class EarlierRound:
    """The round a trend compares with."""

    title: str
    closed_on: date | None
    responses: int


@dataclass(frozen=True)
class ReportData:
    leader_name: str
    round_title: str
    why: str  # the leader's own statement of why they are online
    success_measures: str  # how they measure success
    platforms: tuple[str, ...]
    opened_on: date | None
    closed_on: date | None
    generated_on: date
    questionnaire: Questionnaire
    results: RoundResults
    comments: dict[str, list[Comment]]  # by key: dimension ids and open-question ids
    comments_left_out: dict[str, int]
    analysis: Analysis
    rules: dict[str, str]  # every rule the analysis follows, in the words the report prints
    comment_threshold: int
    cautions: tuple[str, ...] = ()  # e.g. open-link answers that arrived in a burst
    earlier: EarlierRound | None = None
    coach_note: str = ""  # the downloading coach's debrief note
    # In the leader's copy: the notes coaches chose to share with them, (coach's address, note).
    shared_notes: tuple[tuple[str, str], ...] = ()
    # The coach who vouched for the rater list before the round opened (rounds.services.approval).
    rater_list_approved_by: str | None = None
    # The leader's own copy speaks to them as "you"; a coach's copy names the leader.
    to_leader: bool = True
    # The leader's forecast against the results (falsy: none made) and their focus plan.
    forecast: ForecastComparison | None = None
    plan: tuple[FocusEntry, ...] = ()
    # Earlier rounds' focus and follow-ups (`followup.history`); falsy: no section.
    focus_history: FocusHistory | None = None


@dataclass(frozen=True)
class Voice:
    """Who the report talks about: "you" in the leader's own copy, the leader by name in a
    coach's copy, so that each copy reads in one voice.

    Each sentence that differs is written twice, whole, for translators (word order and
    agreement differ by language): `you.pick(_("You …"), _("%(name)s …", name=you.name))`."""

    leader_name: str
    to_leader: bool

    @property
    def name(self) -> str:
        return self.leader_name

    def pick(self, to_leader: str, to_coach: str) -> str:
        """The sentence for this copy: `to_leader` in the leader's own, else `to_coach`."""
        return to_leader if self.to_leader else to_coach


NUMBER_WORDS = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def counted(n: int, singular: str, plural: str) -> str:
    """A heading that matches the count: "One strength", "Three strengths"; none, "Strengths"
    (the list under it says why it is empty: "No strengths" would read as a verdict).

    `singular` and `plural` come translated; number words are English only (in other languages
    a number word would have to agree with the noun), so others print the digit: "3 fortalezas".
    """
    if n <= 0:
        return plural[:1].upper() + plural[1:]
    english = current_language() == DEFAULT_LOCALE
    number = NUMBER_WORDS[n - 1] if english and n <= len(NUMBER_WORDS) else str(n)
    return f"{number} {singular if n == 1 else plural}"


def group_rows(data: ReportData) -> list[dict]:
    """Every group and how it appears in the report (`anonymity.report_group_lines`)."""
    lines = report_group_lines(data.results.visibility, data.questionnaire.groups)
    return [{"label": line.label, "count": line.responses, "status": line.status} for line in lines]


def anonymity_notes(data: ReportData) -> list[str]:
    """Which groups were combined or left out, in plain words; counts only, never scores."""
    return report_anonymity_notes(data.results.visibility, data.questionnaire.groups)


def rater_list_line(data: ReportData) -> str | None:
    """What the report says when a coach vouched for who was invited."""
    if data.rater_list_approved_by is None:
        return None
    return _(
        "Rater list approved by the coach, %(coach)s, before the round opened: they checked "
        "who was invited.",
        coach=data.rater_list_approved_by,
    )


def date_label(value: date | None) -> str:
    """A date in the report's language (7 March 2026, 7 de marzo de 2026)."""
    return local_date(value, empty="–")


def css_string(text: str) -> str:
    """`text` as a CSS string literal, safe inside a <style> element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return f'"{escaped}"'


def page_margin_css() -> Markup:
    """The PDF's running header and page numbers in the reader's language: report.css writes
    them in English; this rule, in the document, replaces its `content` only."""
    confidential = css_string(_("Confidential"))
    parts = re.split(r"(%\(page\)s|%\(pages\)s)", _("Page %(page)s of %(pages)s"))
    counters = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}
    numbers = " ".join(counters.get(part) or css_string(part) for part in parts if part)
    return Markup(
        f"@page {{ @top-right {{ content: {confidential} !important; }} "
        f"@bottom-center {{ content: {numbers} !important; }} }} "
        "@page :first { @top-right { content: none !important; } }"
    )


def render_context(data: ReportData) -> dict:
    """What both the PDF template and the results page are rendered with."""
    q = data.questionnaire
    scale_max = q.scale_max
    return {
        "data": data,
        "q": q,
        "res": data.results,
        "vis": data.results.visibility,
        "an": data.analysis,
        "charts": charts,
        "phone_charts": phone_charts,
        "analysis": analysis,
        "report_title": _(REPORT_TITLE),
        "group_rows": group_rows(data),
        "anonymity_notes": anonymity_notes(data),
        "promises": report_promises(
            data.results.visibility.threshold, data.comment_threshold, q.not_observed
        ),
        "date_label": date_label,
        "you": Voice(data.leader_name, data.to_leader),
        "counted": counted,
        "rater_list_line": rater_list_line(data),
        "text_direction": text_direction,
        "big_gap": analysis.big_gap(scale_max),
        "is_big_gap": lambda v: analysis.is_big(v, scale_max),
        "signed": charts.signed,
        "page_margin_css": page_margin_css,
        "intent": next((o for o in q.open_questions if o.id == "intent"), None),
        "other_questions": [o for o in q.open_questions if o.id != "intent"],
        "items_by_id": {item.id: item for item in q.items},
        "platform_labels": {p.id: p.label for p in q.platforms},
        **followup_context(data.forecast, data.plan, q, Voice(data.leader_name, data.to_leader)),
        "pulse_words": pulse_words,  # the focus history's readings (_focus_history.html)
    }
