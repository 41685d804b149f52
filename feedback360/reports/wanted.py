"""Asking for PDF copies to be built: rows the sender's loop picks up (`reports.stored`).

Only models and the session, so the rounds' services can ask for copies when a round's results
become ready without importing what builds them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import CoachShare
from ..models import ReportFile
from ..models import Round

LEADER = "leader"


def reader_of(share_id: int | None) -> str:
    """Whose copy: the leader's, or the coach's of this share (their note is in it)."""
    return LEADER if share_id is None else f"coach-{share_id}"


def want_all_copies(round_ids: Iterable[int]) -> None:
    """Ask for the leader's copy and every coach's of these rounds (or pulses), in the caller's
    transaction.

    A copy already stored or asked for stays as it is."""
    round_ids = list(round_ids)
    if not round_ids:
        return
    # A pulse is read by its original round's coaches (`round_visible_to`): their shares.
    shared_round = func.coalesce(Round.parent_round_id, Round.id)
    shares = db.session.execute(
        select(Round.id, CoachShare.id)
        .join(CoachShare, CoachShare.round_id == shared_round)
        .where(Round.id.in_(round_ids))
    ).all()
    _insert_wanted([(round_id, None) for round_id in round_ids] + [tuple(s) for s in shares])


def want_new_copy(round_id: int, share_id: int | None) -> None:
    """Forget this reader's copy, stored or asked for, and ask for it anew (caller commits).

    A fresh row, not an update: a build already under way for the old row finds it gone and
    stores nothing (`reports.stored.build_report_file`)."""
    db.session.execute(
        delete(ReportFile).where(
            ReportFile.round_id == round_id, ReportFile.reader == reader_of(share_id)
        )
    )
    _insert_wanted([(round_id, share_id)])


def _insert_wanted(copies: list[tuple[int, int | None]]) -> None:
    """Rows for copies not stored or asked for yet. A row that another transaction inserted at
    the same moment (two downloads, a double-clicked save) is already the one wanted."""
    if not copies:
        return
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(ReportFile)
        .values(
            [
                {"round_id": round_id, "reader": reader_of(share_id), "coach_share_id": share_id}
                for round_id, share_id in copies
            ]
        )
        .on_conflict_do_nothing(index_elements=["round_id", "reader"])
    )
