"""The leader's forecast, made while a round is open, beside what the groups actually said.

While the round is open the leader may record, per rater group and dimension, the mean they
expect ("if I followed me online, what would I experience?"). After close the report sets each
forecast beside the group's dimension mean, with the report's own rounding and gap rule:

- A row exists only for a group shown on its own in the report (`anonymity.visibility`), so
  the actual figure is one the report already prints (`DimensionResult.unit_means`). A folded
  group has no mean of its own; comparing its forecast with "Other groups combined" would need
  the folded groups' sizes, which the report does not print. A hidden group has no figure at
  all. Both are listed in `not_compared` with the words the report's first page uses for them
  (`anonymity.report_group_lines`), so nothing new is said about them.
- A shown group whose dimension mean is withheld (too few ratings, or the subtraction rule)
  keeps its row with no actual, difference or reading: the report prints a dash there too.
- Difference: actual minus forecast, both at one decimal first (`aggregation.printed_gap`),
  so the printed numbers add up. It counts as higher or lower than expected when it is a big
  gap by the rule the report uses for self against others (`analysis.big_gap`).
- No forecast, no section: `compare_forecast` of an empty mapping is empty and falsy.

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .aggregation import RoundResults
from .aggregation import printed_gap
from .analysis import is_big
from .anonymity import report_group_lines
from .questionnaire import Questionnaire
from .wording import _

ForecastKey = tuple[str, str]  # (group id, dimension id)

ABOUT_AS_EXPECTED = "About as you expected"
HIGHER_THAN_EXPECTED = "Higher than you expected"
LOWER_THAN_EXPECTED = "Lower than you expected"


@dataclass(frozen=True)
class ForecastInput:
    """A forecast form read back: the values it holds, and what was wrong, per field."""

    values: dict[ForecastKey, float]
    errors: dict[ForecastKey, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def forecast_error(scale_max: int) -> str:
    return _(
        "Give a number from 1 to %(most)s (one decimal at most), or leave it empty.",
        most=scale_max,
    )


def parse_forecast(
    raw: Mapping[ForecastKey, str | None], questionnaire: Questionnaire
) -> ForecastInput:
    """Read the form's text fields; an empty field is no forecast for that group and dimension.

    Accepts "4", "3.5" and "3,5"; refuses anything off the scale or finer than one decimal (the
    report prints one decimal, so a finer forecast would look different from what was typed).
    """
    known = {(g.id, d.id) for g in questionnaire.groups for d in questionnaire.dimensions}
    scale_max = questionnaire.scale_max
    values: dict[ForecastKey, float] = {}
    errors: dict[ForecastKey, str] = {}
    for key, text in raw.items():
        if key not in known:
            errors[key] = _("This is not a group and dimension of this round’s questionnaire.")
            continue
        cleaned = (text or "").strip().replace(",", ".")
        if not cleaned:
            continue
        value = _number(cleaned)
        if value is None or not 1 <= value <= scale_max or round(value, 1) != value:
            errors[key] = forecast_error(scale_max)
            continue
        values[key] = value
    return ForecastInput(values, errors)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


@dataclass(frozen=True)
class ForecastRow:
    """One shown group and dimension: what the leader expected, what the group said."""

    group_id: str
    group_label: str
    dimension_id: str
    dimension_title: str
    forecast: float
    actual: float | None  # None: the report withholds this mean (it prints a dash)

    @property
    def difference(self) -> float | None:
        """Actual minus forecast at one decimal: positive when the group rated higher."""
        return printed_gap(self.actual, self.forecast)


@dataclass(frozen=True)
class NotCompared:
    """A group the leader forecast that the report does not show on its own, and why."""

    group_id: str
    group_label: str
    reason: str  # the report's own words for the group


@dataclass(frozen=True)
class ForecastComparison:
    scale_max: int
    rows: tuple[ForecastRow, ...]
    not_compared: tuple[NotCompared, ...]

    def __bool__(self) -> bool:
        """False when the leader made no forecast: the report then shows no section."""
        return bool(self.rows or self.not_compared)

    def reading(self, row: ForecastRow) -> str:
        """The row in plain words; "" where the actual mean is withheld."""
        return forecast_reading(row.difference, self.scale_max)


def forecast_reading(difference: float | None, scale_max: int) -> str:
    if difference is None:
        return ""
    if not is_big(difference, scale_max):
        return ABOUT_AS_EXPECTED
    return HIGHER_THAN_EXPECTED if difference > 0 else LOWER_THAN_EXPECTED


def compare_forecast(
    forecasts: Mapping[ForecastKey, float], results: RoundResults, questionnaire: Questionnaire
) -> ForecastComparison:
    """Forecast beside actual for every forecast group shown on its own, in questionnaire order.

    Forecasts for unknown groups or dimensions are ignored (a form checks them with
    `parse_forecast`); a group with forecasts but no unit of its own is in `not_compared`.
    """
    vis = results.visibility
    alone = {unit.id for unit in vis.units if unit.group_ids == (unit.id,)}
    status = {line.group_id: line.status for line in report_group_lines(vis, questionnaire.groups)}
    rows: list[ForecastRow] = []
    not_compared: list[NotCompared] = []
    for group in questionnaire.groups:
        forecast_dims = [d for d in questionnaire.dimensions if (group.id, d.id) in forecasts]
        if not forecast_dims:
            continue
        if group.id not in alone:
            not_compared.append(NotCompared(group.id, group.plural, status[group.id]))
            continue
        for dim in forecast_dims:
            rows.append(
                ForecastRow(
                    group_id=group.id,
                    group_label=group.plural,
                    dimension_id=dim.id,
                    dimension_title=dim.title,
                    forecast=round(float(forecasts[group.id, dim.id]), 1),
                    actual=results.dimension(dim.id).unit_means.get(group.id),
                )
            )
    return ForecastComparison(results.scale_max, tuple(rows), tuple(not_compared))
