"""Gathering a round's results: grouped rows from a few queries, then pure functions."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from .. import questionnaire
from ..aggregation import CellRow
from ..aggregation import CommentRow
from ..aggregation import RoundResults
from ..aggregation import aggregate_cells
from ..aggregation import limit_comments
from ..aggregation import select_comments
from ..analysis import analyse
from ..analysis import platform_results
from ..analysis import rule_texts
from ..clock import today_utc
from ..extensions import db
from ..followup.forecasts import forecast_comparison
from ..followup.plans import plan_of
from ..i18n import local_questionnaire
from ..models import Answer
from ..models import CoachShare
from ..models import Comment
from ..models import Response
from ..models import Round
from ..rounds.services.approval import approved_by
from ..rounds.services.open_links import open_link_cautions
from ..rounds.services.progress import live_pools_of
from ..rounds.services.progress import response_counts
from . import charts
from .context import EarlierRound
from .context import ReportData
from .pdf import gc_paused
from .wanted import want_new_copy


def _cell_rows(round_id: int) -> list[CellRow]:
    """The round's ratings grouped in the database, with who gave each answer.

    10,000 responses are 270,000 ratings; grouped they are a few hundred rows, each listing its
    response ids in one string, which Python splits in C. Fetching a row per rating cost more
    than all the arithmetic that follows.
    """
    rows = db.session.execute(
        select(
            Response.rater_group,
            Answer.item_id,
            Answer.value,
            func.aggregate_strings(Response.id, ","),
        )
        .join(Response, Answer.response_id == Response.id)
        .where(Response.round_id == round_id)
        .group_by(Response.rater_group, Answer.item_id, Answer.value)
    )
    return [CellRow(group, item, value, ids.split(",")) for group, item, value, ids in rows]


def _results(a_round: Round, q: questionnaire.Questionnaire) -> tuple[RoundResults, list]:
    # Hundreds of thousands of response ids, none of them in a cycle: the collector would only
    # rescan them.
    with gc_paused(collect_after=False):
        cells = _cell_rows(a_round.id)
        results = aggregate_cells(
            q,
            cells,
            {r.item_id: r.value for r in a_round.self_ratings},
            response_counts(a_round.id),
            a_round.anonymity_threshold,
            comment_threshold(a_round),
            live_pools_of(a_round),
        )
    return results, cells


def round_results(a_round: Round, q: questionnaire.Questionnaire) -> RoundResults:
    """A round's figures by the report's rules over `q`: its questionnaire, or a pulse's
    statements (`followup.pulse_results`)."""
    return _results(a_round, q)[0]


def comment_threshold(a_round: Round) -> int:
    return max(a_round.anonymity_threshold, current_app.config["REPORT_COMMENT_THRESHOLD"])


def earlier_round(a_round: Round, shared_with: str | None = None) -> Round | None:
    """The leader's latest round closed before this one, on the same questionnaire.

    For a coach (`shared_with`, their email), only among the rounds shared with that coach: the
    trend shows an earlier round's figures, which a coach without its share must not see.
    Only a round whose results are ready (`rounds.services.closing.settle_closed_rounds`): one whose
    submits are still in the SQLite WAL shows its figures nowhere, this trend included.
    """
    if a_round.opened_on is None:
        return None
    earlier = (
        select(Round)
        .where(
            Round.leader_id == a_round.leader_id,
            Round.id != a_round.id,
            Round.kind == "full",  # a pulse asks a few statements: no trend to draw from it
            Round.status == "closed",
            Round.results_ready.is_(True),
            Round.questionnaire_version == a_round.questionnaire_version,
            Round.closed_on <= a_round.opened_on,
        )
        .order_by(Round.closed_on.desc(), Round.id.desc())
        .limit(1)
    )
    if shared_with is not None:
        earlier = earlier.join(
            CoachShare,
            (CoachShare.round_id == Round.id) & (CoachShare.coach_email == shared_with),
        )
    return db.session.scalar(earlier)


def report_data(
    a_round: Round, comments_per_key: int | None = None, coach_share: CoachShare | None = None
) -> ReportData:
    """Everything the results page and the PDF show. `coach_share` adds that coach's note."""
    q = local_questionnaire(a_round.questionnaire_version)
    results, cells = _results(a_round, q)
    comment_rows = [
        CommentRow(*row)
        for row in db.session.execute(
            select(Comment.id, Response.rater_group, Comment.key, Comment.text)
            .join(Response, Comment.response_id == Response.id)
            .where(Response.round_id == a_round.id)
        )
    ]
    min_for_comments = comment_threshold(a_round)
    all_comments, _ = select_comments(
        comment_rows, results.visibility, q.comment_keys(), comment_threshold=min_for_comments
    )
    comments, left_out = limit_comments(all_comments, comments_per_key)
    platforms = []
    if q.platforms:
        platforms_by_response = {
            response_id: frozenset(filter(None, text.split(",")))
            for response_id, text in db.session.execute(
                select(Response.id, Response.platforms).where(Response.round_id == a_round.id)
            )
        }
        platforms = platform_results(
            platforms_by_response,
            cells,
            results,
            q,
            [p.id for p in q.platforms],
            q.platform_dimensions,
        )
    before = earlier_round(a_round, coach_share.coach_email if coach_share is not None else None)
    before_results = _results(before, q)[0] if before is not None else None
    return ReportData(
        leader_name=a_round.leader.name,
        round_title=a_round.title,
        why=a_round.why,
        success_measures=a_round.success_measures,
        platforms=tuple(q.platform_label(p) for p in a_round.platforms or ()),
        opened_on=a_round.opened_on,
        closed_on=a_round.closed_on,
        generated_on=today_utc(),
        questionnaire=q,
        results=results,
        comments=comments,
        comments_left_out=left_out,
        cautions=tuple(open_link_cautions(a_round)),
        analysis=analyse(
            results, all_comments, a_round.why, platforms=platforms, earlier=before_results
        ),
        rules=rule_texts(q.scale_max, a_round.anonymity_threshold, min_for_comments, charts.fmt),
        comment_threshold=min_for_comments,
        earlier=(
            EarlierRound(
                before.title, before.closed_on, before_results.visibility.reported_respondents
            )
            if before is not None
            else None
        ),
        coach_note=coach_share.debrief_note if coach_share is not None else "",
        shared_notes=shared_notes(a_round) if coach_share is None else (),
        rater_list_approved_by=approved_by(a_round),
        to_leader=coach_share is None,
        forecast=forecast_comparison(a_round, results, q) if not a_round.is_pulse else None,
        plan=tuple(plan_of(a_round)),
        focus_history=_focus_history(a_round, coach_share),
    )


def _focus_history(a_round: Round, coach_share: CoachShare | None):
    # Imported here: followup.history builds on this module's round_results.
    from ..followup.history import focus_history_for

    return focus_history_for(a_round, coach_share.coach_email if coach_share else None)


def shared_notes(a_round: Round) -> tuple[tuple[str, str], ...]:
    """The notes the round's coaches chose to share with its leader: (coach's address, note)."""
    return tuple(
        (share.coach_email, share.debrief_note)
        for share in sorted(a_round.shares, key=lambda share: share.id)
        if _seen_by_leader(share.note_shared, share.debrief_note)
    )


def _seen_by_leader(shared: bool, note: str) -> str:
    """What the leader's copy prints of a coach's note: the note once shared, else nothing."""
    return note if shared and note else ""


def coach_share_for(a_round: Round, email: str) -> CoachShare | None:
    return next((share for share in a_round.shares if share.coach_email == email), None)


def save_debrief_note(share: CoachShare, note: str, shared: bool) -> None:
    """Save the coach's note, and whether the leader may read it.

    Only the copies whose content changed are asked for anew: the coach's when the note
    changed; the leader's when what it prints of this note changed (shared, unshared, or a
    shared note edited). Other coaches' copies never print it."""
    note = note or ""
    before = _seen_by_leader(share.note_shared, share.debrief_note)
    if note != share.debrief_note:
        share.debrief_note = note
        want_new_copy(share.round_id, share.id)
    share.note_shared = shared
    if _seen_by_leader(shared, note) != before:
        want_new_copy(share.round_id, None)
    db.session.commit()
