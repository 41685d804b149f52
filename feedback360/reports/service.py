"""Gathering a round's results: one query for ratings, one for comments, then pure functions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .. import questionnaire
from ..aggregation import CommentRow
from ..aggregation import RatingRow
from ..aggregation import aggregate
from ..aggregation import select_comments
from ..extensions import db
from ..models import Answer
from ..models import Comment
from ..models import Response
from ..models import Round
from ..rounds.services import open_link_cautions
from ..rounds.services import response_counts
from .pdf import ReportData


def report_data(a_round: Round, comments_per_key: int | None = None) -> ReportData:
    q = questionnaire.load(a_round.questionnaire_version)
    ratings = [
        RatingRow(*row)
        for row in db.session.execute(
            select(Response.id, Response.rater_group, Answer.item_id, Answer.value)
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.round_id == a_round.id)
        )
    ]
    results = aggregate(
        q,
        ratings,
        {r.item_id: r.value for r in a_round.self_ratings},
        response_counts(a_round.id),
        a_round.anonymity_threshold,
    )
    comment_rows = [
        CommentRow(*row)
        for row in db.session.execute(
            select(Comment.id, Response.rater_group, Comment.key, Comment.text)
            .join(Response, Comment.response_id == Response.id)
            .where(Response.round_id == a_round.id)
        )
    ]
    comments, left_out = select_comments(
        comment_rows, results.visibility, q.comment_keys(), limit_per_key=comments_per_key
    )
    return ReportData(
        leader_name=a_round.leader.name,
        round_title=a_round.title,
        why=a_round.why,
        success_measures=a_round.success_measures,
        platforms=tuple(a_round.platforms or ()),
        opened_on=a_round.opened_on,
        closed_on=a_round.closed_on,
        generated_on=date.today(),
        questionnaire=q,
        results=results,
        comments=comments,
        comments_left_out=left_out,
        cautions=tuple(open_link_cautions(a_round)),
    )
