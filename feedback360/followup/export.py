"""The forecast, plan, word back and pulse in the leader's data file (`export`).

Built from what the pages show: the forecast comparison (shown groups only), the plan and word
back as the leader wrote them, and the pulse's comparison once its results show (while it runs,
only its dates: a count that moves would tell who answered). Nothing here is per response.
"""

from __future__ import annotations

from .. import questionnaire
from ..aggregation import RoundResults
from ..focus import platform_label
from ..focus import resolve_target
from ..models import Round
from ..pulse_compare import PulseComparison
from .forecasts import forecast_comparison
from .plans import plan_of
from .pulse_results import pulse_report
from .word_backs import word_back_of


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def followup_export(a_round: Round, results: RoundResults, q: questionnaire.Questionnaire) -> dict:
    """The export's "followup" section for a full round; empty parts are left out."""
    section: dict = {}
    comparison = forecast_comparison(a_round, results, q)
    if comparison:
        section["forecast"] = {
            "compared": [
                {
                    "group": row.group_id,
                    "dimension": row.dimension_id,
                    "forecast": row.forecast,
                    "actual": None if row.actual is None else round(row.actual, 1),
                    "difference": row.difference,
                    "reading": comparison.reading(row),
                }
                for row in comparison.rows
            ],
            "not_compared": [
                {"group": n.group_id, "reason": n.reason} for n in comparison.not_compared
            ],
        }
    plan = plan_of(a_round)
    if plan:
        section["plan"] = [
            {
                "target": entry.target_id,
                "title": target.title if (target := resolve_target(q, entry.target_id)) else "",
                "action": entry.action,
                "platform": platform_label(q, entry.platform),
                "measure": entry.measure,
            }
            for entry in plan
        ]
    word_back = word_back_of(a_round)
    if word_back is not None:
        section["word_back"] = {"text": word_back.text, "sent_on": _iso(word_back.sent_on)}
    if a_round.pulse is not None:
        section["pulse"] = _pulse(a_round.pulse)
    return section


def _pulse(pulse: Round) -> dict:
    doc = {
        "title": pulse.title,
        "status": pulse.status,
        "opens_on": _iso(pulse.opens_on),
        "closes_on": _iso(pulse.closes_on),
        "closed_on": _iso(pulse.closed_on),
    }
    if pulse.status != "closed" or not pulse.results_ready:
        return doc
    report = pulse_report(pulse)
    doc["anonymity_threshold"] = report.results.visibility.threshold
    doc["respondents"] = report.results.visibility.reported_respondents
    doc["notes"] = list(report.notes)
    doc["targets"] = _targets(report.comparison)
    return doc


def _targets(comparison: PulseComparison) -> list[dict]:
    return [
        {
            "target": target.target_id,
            "title": target.title,
            "statements": [
                {
                    "id": item.item_id,
                    "text": item.text,
                    "before": None if item.before_mean is None else round(item.before_mean, 1),
                    "after": None if item.after_mean is None else round(item.after_mean, 1),
                    "change": item.change,
                    "margin": item.margin,
                    "reading": item.reading,
                }
                for item in target.items
            ],
            "noticed_a_change": (
                {label: n for _, label, n in target.change.counts}
                if target.change is not None and target.change.shown
                else None
            ),
        }
        for target in comparison.targets
    ]


def pulse_export(pulse: Round) -> dict:
    """A closed pulse's own data file: its round's "pulse" section, and which round it follows."""
    original = pulse.parent_round
    return {
        "original": {"title": original.title, "closed_on": _iso(original.closed_on)},
        "pulse": _pulse(pulse),
    }
