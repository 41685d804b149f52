"""Earlier rounds' focus and how it was followed up, for the next full round's report.

Each earlier full round of the leader with a plan brings its targets and its follow-ups: its
pulse, and the next full round after it, each compared with it by `pulse_compare.compare_pulse`
on figures both reports show. Only rounds whose results may show; for a coach, only rounds shared
with that coach (a pulse is seen with its round), as the report's trend does.
"""

from __future__ import annotations

from sqlalchemy import select

from .. import questionnaire
from ..extensions import db
from ..focus_history import FocusHistory
from ..focus_history import FocusRecord
from ..focus_history import FollowUp
from ..focus_history import focus_history
from ..models import CoachShare
from ..models import Round
from ..pulse import pulse_survey
from ..pulse_compare import compare_pulse
from ..reports.services import round_results
from .plans import plan_of
from .plans import plan_targets
from .pulse_results import pulse_report

PULSE_LABEL = "Follow-up"


def _closed_full_rounds(leader_id: int, shared_with: str | None) -> list[Round]:
    query = (
        select(Round)
        .where(
            Round.leader_id == leader_id,
            Round.kind == "full",
            Round.status == "closed",
            Round.results_ready.is_(True),
        )
        .order_by(Round.closed_on, Round.id)
    )
    if shared_with is not None:
        query = query.join(
            CoachShare,
            (CoachShare.round_id == Round.id) & (CoachShare.coach_email == shared_with),
        )
    return list(db.session.scalars(query))


def focus_history_for(a_round: Round, shared_with: str | None = None) -> FocusHistory:
    """The focus of the leader's full rounds closed before `a_round` opened, with follow-ups up
    to `a_round` itself; falsy (no section) when none had a plan. `shared_with`: a coach's
    email, for their copy."""
    if a_round.is_pulse or a_round.opened_on is None:
        return focus_history(())
    rounds = _closed_full_rounds(a_round.leader_id, shared_with)
    if a_round.status == "closed" and a_round.results_ready and a_round not in rounds:
        rounds.append(a_round)  # the report's own round, a follow-up of the ones before
    earlier = [
        r for r in rounds if r.id != a_round.id and r.closed_on and r.closed_on <= a_round.opened_on
    ]
    records = []
    for record_round in earlier:
        targets = plan_targets(record_round)
        if not targets:
            continue
        follow_ups = _pulse_follow_up(record_round)
        later = _next_full_round(record_round, rounds, a_round)
        if later is not None:
            follow_ups += _full_round_follow_up(record_round, later)
        records.append(FocusRecord(record_round.title, record_round.closed_on, targets, follow_ups))
    return focus_history(records)


def _pulse_follow_up(record_round: Round) -> list[FollowUp]:
    pulse = record_round.pulse
    if pulse is None or pulse.status != "closed" or not pulse.results_ready:
        return []
    return [FollowUp(PULSE_LABEL, pulse.closed_on, pulse_report(pulse).comparison)]


def _next_full_round(record_round: Round, rounds: list[Round], up_to: Round) -> Round | None:
    """The first full round opened after `record_round` closed, no later than `up_to`."""
    later = [
        r
        for r in rounds
        if r.id != record_round.id
        and r.opened_on is not None
        and r.opened_on >= record_round.closed_on
        and r.opened_on <= up_to.opened_on
    ]
    return min(later, key=lambda r: (r.opened_on, r.id), default=None)


def _full_round_follow_up(record_round: Round, later: Round) -> list[FollowUp]:
    """The later round against this one, on this round's focus statements (same scale only)."""
    q_before = questionnaire.load(record_round.questionnaire_version)
    q_after = questionnaire.load(later.questionnaire_version)
    if q_before.scale_max != q_after.scale_max:
        return []
    survey = pulse_survey(q_before, [entry.target_id for entry in plan_of(record_round)])
    comparison = compare_pulse(
        round_results(record_round, q_before), round_results(later, q_after), survey
    )
    return [FollowUp(later.title, later.closed_on, comparison)]


def history_key(a_round: Round, shared_with: str | None = None) -> str:
    """What the history section of `a_round`'s report prints, as text for a stored copy's
    content key (`reports.stored`): a plan edited or a follow-up closed since makes it stale."""
    return repr(focus_history_for(a_round, shared_with))
