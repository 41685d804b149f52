"""The leader's forecast: recorded while the round is open, set beside the results after close.

The rules are in `forecast` (pure); here they are stored. A forecast may change only while the
round is open, before any result exists: the round's row lock (`hold_round`) is taken before the
status is read, so a close running at the same moment comes before or after it, never between.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete
from sqlalchemy import select

from .. import questionnaire
from ..aggregation import RoundResults
from ..extensions import db
from ..forecast import ForecastComparison
from ..forecast import ForecastInput
from ..forecast import ForecastKey
from ..forecast import compare_forecast
from ..forecast import parse_forecast
from ..models import Forecast
from ..models import Round
from ..models import User
from ..rounds.services.common import RoundError
from ..rounds.services.common import hold_round
from .access import check_full_round
from .access import check_leader

FIELD_PREFIX = "forecast"


def field_name(group_id: str, dimension_id: str) -> str:
    """The form field for one group and dimension: "forecast-<group>-<dimension>"."""
    return f"{FIELD_PREFIX}-{group_id}-{dimension_id}"


def raw_forecast(form: Mapping[str, str], q: questionnaire.Questionnaire) -> dict:
    """The form's forecast fields by (group, dimension), for `save_forecast`; other fields are
    ignored, and a missing field is an empty one."""
    return {
        (g.id, d.id): form.get(field_name(g.id, d.id), "") for g in q.groups for d in q.dimensions
    }


def check_forecast_open(a_round: Round) -> None:
    check_full_round(a_round, "forecast")
    if a_round.status != "open":
        raise RoundError(
            "A forecast is made while the round is open, before any result exists; "
            "this round is not open."
        )


def save_forecast(
    a_round: Round, user: User, raw: Mapping[ForecastKey, str | None]
) -> ForecastInput:
    """Replace the round's forecast with the form's (`forecast.parse_forecast`).

    With errors nothing is stored and the input comes back with them, for the form to show.
    Empty fields are no forecast: an empty form removes the forecast."""
    check_leader(a_round, user)
    check_forecast_open(a_round)
    parsed = parse_forecast(raw, questionnaire.load(a_round.questionnaire_version))
    if not parsed.ok:
        return parsed
    hold_round(a_round.id)
    db.session.refresh(a_round, ["status"])
    try:
        check_forecast_open(a_round)
    except RoundError:
        db.session.rollback()
        raise
    db.session.execute(delete(Forecast).where(Forecast.round_id == a_round.id))
    db.session.add_all(
        Forecast(
            round_id=a_round.id,
            rater_group=group,
            dimension_id=dimension,
            tenths=round(value * 10),
        )
        for (group, dimension), value in parsed.values.items()
    )
    db.session.commit()
    return parsed


def forecast_values(a_round: Round) -> dict[ForecastKey, float]:
    """The stored forecast, (group, dimension) -> expected mean."""
    rows = db.session.execute(
        select(Forecast.rater_group, Forecast.dimension_id, Forecast.tenths).where(
            Forecast.round_id == a_round.id
        )
    )
    return {(group, dimension): tenths / 10 for group, dimension, tenths in rows}


def forecast_form_values(a_round: Round) -> dict[str, str]:
    """The stored forecast as the form shows it: field name -> "3.5" (a whole number as "4")."""
    return {
        field_name(group, dimension): f"{value:g}"
        for (group, dimension), value in forecast_values(a_round).items()
    }


def forecast_comparison(
    a_round: Round, results: RoundResults, q: questionnaire.Questionnaire
) -> ForecastComparison:
    """Forecast against actual for the report (`forecast.compare_forecast`), from the report's
    own results: falsy when the leader made no forecast, so no section shows."""
    return compare_forecast(forecast_values(a_round), results, q)
