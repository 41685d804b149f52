"""A pulse's questions, and how its answers are stored.

The change answers ("Have you noticed a change in how they do this?") are stored as `Answer`
rows of the response, under the item id "change:<target id>" (no questionnaire id has a colon),
valued 1 (clearly worse) to 5 (clearly better), NULL for "Can't say" as for "not observed". So they
go in with the ratings in `survey.services.submit`'s one statement, carry the response's random
id and nothing else (no order, no time, no link to a person), are shuffled with it at close,
and go with it when its round is deleted: every path a rating takes, with no new table to
forget on one of them. The report's aggregation reads questionnaire items only, so it never
mistakes them for ratings; `change_rows` reads them back.

Only models, the session and pure modules: `mail` imports this.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping

from sqlalchemy import select

from .. import questionnaire
from ..extensions import db
from ..models import PulseTarget
from ..models import Round
from ..pulse import CANT_SAY
from ..pulse import CHANGE_OPTIONS
from ..pulse import ChangeRow
from ..pulse import PulseSurvey
from ..pulse import estimate_pulse
from ..pulse import pulse_survey

CHANGE_PREFIX = "change:"
# Option id -> stored value, worse to better; "Can't say" is NULL.
CHANGE_VALUES: dict[str, int | None] = {
    option: (None if option == CANT_SAY else position)
    for position, (option, _) in enumerate(CHANGE_OPTIONS, start=1)
}
CHANGE_OPTION_OF: dict[int | None, str] = {value: option for option, value in CHANGE_VALUES.items()}


def change_item_id(target_id: str) -> str:
    return f"{CHANGE_PREFIX}{target_id}"


def pulse_target_ids(pulse_round_id: int) -> list[str]:
    """The focus targets a pulse asks about, in the plan's order."""
    return list(
        db.session.scalars(
            select(PulseTarget.target_id)
            .where(PulseTarget.round_id == pulse_round_id)
            .order_by(PulseTarget.position)
        )
    )


def pulse_survey_of(pulse_round: Round) -> PulseSurvey:
    """The pulse's questions (`pulse.pulse_survey`), from its original's questionnaire."""
    original = questionnaire.load(pulse_round.questionnaire_version)
    return pulse_survey(original, pulse_target_ids(pulse_round.id))


def local_pulse_survey(pulse_round_id: int, version: str, locale: str) -> PulseSurvey:
    """The pulse's questions worded in `locale`: the statements and headings of the original's
    questionnaire in that language (the change question is translated where it is shown)."""
    return pulse_survey(questionnaire.load(version, locale), pulse_target_ids(pulse_round_id))


def survey_questionnaire(a_round: Round) -> questionnaire.Questionnaire:
    """What a respondent is asked: a full round's questionnaire, or only a pulse's statements."""
    if a_round.is_pulse:
        return pulse_survey_of(a_round).questionnaire
    return questionnaire.load(a_round.questionnaire_version)


def pulse_minutes(pulse_round: Round, group_id: str, open_link: bool) -> int:
    """The "about N minutes" a pulse states to this group (`pulse.estimate_pulse`)."""
    survey = pulse_survey_of(pulse_round)
    estimate = estimate_pulse(survey, group_id, open_link, pulse_round.anonymity_threshold)
    return estimate.stated_minutes


def pulse_answers(
    survey: PulseSurvey, ratings: Mapping[str, int | None], changes: Mapping[str, str]
) -> dict[str, int | None]:
    """One pulse response as `survey.services.submit` stores it: the ratings, then a change
    answer per target answered (`changes`: target id -> option id).

    Raises ValueError for a statement or target the pulse does not ask about, a rating off the
    scale, or an unknown option: a form offers none of these, so it is a forged request.
    """
    asked = {item.id for item in survey.questionnaire.items}
    scale_max = survey.questionnaire.scale_max
    rows: dict[str, int | None] = {}
    for item_id, value in ratings.items():
        if item_id not in asked:
            raise ValueError(f"The pulse does not ask about {item_id!r}.")
        if value is not None and not 1 <= value <= scale_max:
            raise ValueError(f"Rating {value!r} is off the scale.")
        rows[item_id] = value
    targets = {t.target.id for t in survey.targets}
    for target_id, option in changes.items():
        if target_id not in targets or option not in CHANGE_VALUES:
            raise ValueError(f"Not an answer this pulse asks for: {target_id!r}, {option!r}.")
        rows[change_item_id(target_id)] = CHANGE_VALUES[option]
    return rows


def change_rows(answers: Iterable[tuple[str, str, str, int | None]]) -> list[ChangeRow]:
    """(response id, group, item id, value) rows of a pulse, as `pulse.change_distributions`
    reads them: only the change answers."""
    return [
        ChangeRow(response_id, group, item_id.removeprefix(CHANGE_PREFIX), CHANGE_OPTION_OF[value])
        for response_id, group, item_id, value in answers
        if item_id.startswith(CHANGE_PREFIX)
    ]
