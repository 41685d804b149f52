"""A pulse's report: its own figures by every rule of a round, set against its original's.

The pulse is aggregated as any round (`reports.services.round_results`) over its own statements,
with its own counts and threshold, and its original as its report shows it: so each side holds
only figures its own report shows (`pulse_compare`). The change answers are counted by
`pulse.change_distributions` over the pulse's reported units, shown only from the detail
threshold. Nothing of one round is counted into the other, so neither's counts can be subtracted
from the other's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import questionnaire
from ..aggregation import RoundResults
from ..anonymity import report_group_lines
from ..extensions import db
from ..models import Answer
from ..models import Response
from ..models import Round
from ..pulse import ChangeDistribution
from ..pulse import PulseSurvey
from ..pulse import change_distributions
from ..pulse_compare import PulseComparison
from ..pulse_compare import compare_pulse
from ..pulse_compare import margin_rule
from ..reports.services import comment_threshold
from ..reports.services import round_results
from ..rounds.services.closing import results_ready
from ..rounds.services.common import RoundError
from .survey import CHANGE_PREFIX
from .survey import change_rows
from .survey import pulse_survey_of


@dataclass(frozen=True)
class PulseReport:
    """What the pulse's page and short PDF show."""

    pulse: Round
    original: Round
    survey: PulseSurvey
    results: RoundResults  # the pulse's own, over its statements
    original_results: RoundResults
    comparison: PulseComparison  # per target: then, now, the change and its margin
    detail_threshold: int

    @property
    def notes(self) -> tuple[str, ...]:
        """Nobody knows who rated both times; raters may differ; when a change is clear."""
        return (*self.comparison.notes, margin_rule(self.detail_threshold))

    @property
    def group_lines(self):
        """The pulse's groups as its first page states them (shown, combined, left out)."""
        return report_group_lines(self.results.visibility, self.survey.questionnaire.groups)


def check_pulse_report_ready(pulse: Round) -> None:
    if not pulse.is_pulse:
        raise RoundError("This is not a follow-up.")
    if pulse.status != "closed":
        raise RoundError("The follow-up's results show once it has closed.")
    if not results_ready(pulse):
        raise RoundError("The results are being prepared; try again in a minute.")


def pulse_changes(pulse: Round, survey: PulseSurvey, results: RoundResults, detail: int) -> dict:
    """The "noticed a change" answers per target (`pulse.change_distributions`)."""
    rows = db.session.execute(
        select(Response.id, Response.rater_group, Answer.item_id, Answer.value)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.round_id == pulse.id, Answer.item_id.startswith(CHANGE_PREFIX))
    ).all()
    target_ids = [t.target.id for t in survey.targets]
    return change_distributions(change_rows(rows), results.visibility, target_ids, detail)


def pulse_report(pulse: Round) -> PulseReport:
    """The pulse's report, once it has closed and its results may show."""
    check_pulse_report_ready(pulse)
    original = pulse.parent_round
    survey = pulse_survey_of(pulse)
    results = round_results(pulse, survey.questionnaire)
    original_results = round_results(original, questionnaire.load(original.questionnaire_version))
    detail = comment_threshold(pulse)
    changes: dict[str, ChangeDistribution] = pulse_changes(pulse, survey, results, detail)
    return PulseReport(
        pulse=pulse,
        original=original,
        survey=survey,
        results=results,
        original_results=original_results,
        comparison=compare_pulse(original_results, results, survey, changes),
        detail_threshold=detail,
    )
