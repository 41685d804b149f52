"""The leader's forecast and focus plan as a report prints them, in the copy's voice.

The figures come from `forecast.compare_forecast` and the plan from `followup.plans`; here they
get the words each copy reads: "you" in the leader's own, the leader by name in a coach's
(`context.Voice`). Both the results page and the PDF render from this, so they say the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..focus import ANY_PLATFORM
from ..focus import DIMENSION
from ..focus import resolve_target
from ..forecast import ABOUT_AS_EXPECTED
from ..forecast import HIGHER_THAN_EXPECTED
from ..forecast import LOWER_THAN_EXPECTED
from ..wording import _

if TYPE_CHECKING:
    from ..focus import FocusEntry
    from ..forecast import ForecastComparison
    from ..forecast import ForecastRow
    from ..questionnaire import Questionnaire
    from .context import Voice


@dataclass(frozen=True)
class ForecastGroup:
    """One shown group's rows of forecast against actual, with their readings in words."""

    label: str
    rows: tuple[tuple[ForecastRow, str], ...]  # (row, reading); "" where the mean is withheld


@dataclass(frozen=True)
class PlanLine:
    """One entry of the plan as printed: what, and the leader's own words for the rest."""

    title: str  # a statement's text or an area's title
    is_area: bool
    area_title: str  # the statement's area; the area itself for an area
    action: str
    platform: str
    measure: str


def reading_words(reading: str, you: Voice) -> str:
    """`forecast.forecast_reading` in the copy's language and voice."""
    if reading == ABOUT_AS_EXPECTED:
        return you.pick(_("About as you expected"), _("About as %(name)s expected", name=you.name))
    if reading == HIGHER_THAN_EXPECTED:
        return you.pick(
            _("Higher than you expected"), _("Higher than %(name)s expected", name=you.name)
        )
    if reading == LOWER_THAN_EXPECTED:
        return you.pick(
            _("Lower than you expected"), _("Lower than %(name)s expected", name=you.name)
        )
    return ""


def forecast_groups(comparison: ForecastComparison | None, you: Voice) -> list[ForecastGroup]:
    """The comparison's rows by group, in questionnaire order (as `compare_forecast` lists
    them)."""
    if not comparison:
        return []
    groups: dict[str, tuple[str, list]] = {}
    for row in comparison.rows:
        label, rows = groups.setdefault(row.group_id, (row.group_label, []))
        rows.append((row, reading_words(comparison.reading(row), you)))
    return [ForecastGroup(label, tuple(rows)) for label, rows in groups.values()]


def platform_words(q: Questionnaire, platform: str) -> str:
    return _("Any platform") if platform == ANY_PLATFORM else q.platform_label(platform)


def plan_lines(plan: tuple[FocusEntry, ...], q: Questionnaire) -> list[PlanLine]:
    """The plan's entries in the leader's order, their targets in the copy's questionnaire
    language; an entry whose target the questionnaire no longer names is left out."""
    lines = []
    for entry in plan:
        target = resolve_target(q, entry.target_id)
        if target is None:
            continue
        lines.append(
            PlanLine(
                title=target.title,
                is_area=target.kind == DIMENSION,
                area_title=q.dimension(target.dimension_id).title,
                action=entry.action,
                platform=platform_words(q, entry.platform),
                measure=entry.measure,
            )
        )
    return lines


def followup_context(forecast: ForecastComparison | None, plan, q: Questionnaire, you: Voice):
    """What the report's forecast and plan partials (`_forecast.html`, `_plan.html`) read."""
    return {
        "forecast": forecast,
        "forecast_groups": forecast_groups(forecast, you),
        "plan_lines": plan_lines(plan, q),
    }
