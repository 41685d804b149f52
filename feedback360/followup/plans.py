"""The focus plan: one to three things the leader will work on after a round, with their coach.

The rules are in `focus` (pure). The leader writes the plan once the round has closed and its
results show, and may edit it later; the round's coach reads it (`access`). The PDF prints it
("My plan"), so saving it asks for the round's stored PDF copies anew (`reports.wanted`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy import select

from .. import questionnaire
from ..analysis import Analysis
from ..extensions import db
from ..focus import MAX_ENTRIES
from ..focus import EntryInput
from ..focus import FocusEntry
from ..focus import FocusTarget
from ..focus import PlanCheck
from ..focus import Suggestion
from ..focus import check_plan
from ..focus import resolve_target
from ..focus import suggest_focus
from ..models import FocusPlanEntry
from ..models import Round
from ..models import User
from ..reports.wanted import want_new_copy
from ..rounds.services.closing import results_ready
from ..rounds.services.common import RoundError
from .access import check_full_round
from .access import check_leader
from .access import role_of


def check_plan_open(a_round: Round) -> None:
    """A plan rests on the results: only once the round has closed and they show."""
    check_full_round(a_round, "focus plan")
    if a_round.status != "closed":
        raise RoundError("The focus plan is made from the results, once the round has closed.")
    if not results_ready(a_round):
        raise RoundError("The results are being prepared; try again in a minute.")


def save_plan(a_round: Round, user: User, inputs: Sequence[EntryInput]) -> PlanCheck:
    """Replace the plan with the form's entries (`focus.check_plan`), in the form's order.

    With errors nothing is stored and the check comes back for the form to show beside its
    fields; the input stays in the form."""
    check_leader(a_round, user)
    check_plan_open(a_round)
    checked = check_plan(inputs, questionnaire.load(a_round.questionnaire_version))
    if not checked.ok:
        return checked
    db.session.execute(delete(FocusPlanEntry).where(FocusPlanEntry.round_id == a_round.id))
    db.session.flush()
    db.session.add_all(
        FocusPlanEntry(
            round_id=a_round.id,
            position=position,
            target_id=entry.target_id,
            action=entry.action,
            platform=entry.platform,
            measure=entry.measure,
        )
        for position, entry in enumerate(checked.entries, start=1)
    )
    _want_new_pdf_copies(a_round)
    db.session.commit()
    return checked


def _want_new_pdf_copies(a_round: Round) -> None:
    """Every copy prints the plan: the leader's and each coach's are built anew."""
    want_new_copy(a_round.id, None)
    for share in a_round.shares:
        want_new_copy(a_round.id, share.id)


def plan_of(a_round: Round) -> list[FocusEntry]:
    """The stored plan, in the leader's order; empty when there is none."""
    rows = db.session.scalars(
        select(FocusPlanEntry)
        .where(FocusPlanEntry.round_id == a_round.id)
        .order_by(FocusPlanEntry.position)
    )
    return [FocusEntry(r.target_id, r.action, r.platform, r.measure) for r in rows]


def plan_for(a_round: Round, user: User) -> list[FocusEntry]:
    """The plan for its leader or a coach of the round; NotAllowed for anyone else."""
    role_of(a_round, user)
    return plan_of(a_round)


def plan_targets(a_round: Round) -> list[FocusTarget]:
    """The plan's targets, resolved in the round's questionnaire."""
    q = questionnaire.load(a_round.questionnaire_version)
    targets = (resolve_target(q, entry.target_id) for entry in plan_of(a_round))
    return [target for target in targets if target is not None]


def plan_form_entries(a_round: Round) -> list[EntryInput]:
    """What the plan form shows: the stored entries, then empty slots up to `MAX_ENTRIES`."""
    entries = [EntryInput(e.target_id, e.action, e.platform, e.measure) for e in plan_of(a_round)]
    return entries + [EntryInput()] * (MAX_ENTRIES - len(entries))


def focus_suggestions(
    a_round: Round, analysis: Analysis, q: questionnaire.Questionnaire
) -> list[Suggestion]:
    """What the plan form suggests, from the report's own reading (`focus.suggest_focus`)."""
    check_full_round(a_round, "focus plan")
    return suggest_focus(analysis, q)
