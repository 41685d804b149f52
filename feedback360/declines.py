"""Declines that outlive a round's close, kept as keyed digests (`models.MailDecline`).

While a round runs, `Invitation.declined` says who wants no more mail. Closing forgets it (with
one answer in a group, a copy of the database would tie the others to not answering), yet the
word back and the pulse, sent after close, must still honour it. So closing keeps each decline as
a digest of the original round and the address (`tokens.decline_digest`), in random order; and a
decline made at a closed round's link is kept the same way. Mail is checked against the digests
under every key (`mail.compose`).

Only models, the session and the keys: the mail module imports this, and the round services do.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .extensions import db
from .keys import secret_keys
from .models import MailDecline
from .tokens import decline_digest
from .tokens import decline_digests


def keep_declines(original_round_id: int, emails: Iterable[str]) -> None:
    """Record these addresses' declines for the original round and its pulse, in random order,
    in the caller's transaction; one already recorded stays as it is."""
    key = current_app.config["SECRET_KEY"]
    digests = sorted({decline_digest(key, original_round_id, email) for email in emails})
    if not digests:
        return
    random.SystemRandom().shuffle(digests)
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(MailDecline)
        .values([{"round_id": original_round_id, "digest": d} for d in digests])
        .on_conflict_do_nothing(index_elements=["digest"])
    )


def has_declined(original_round_id: int, email: str) -> bool:
    """Whether this address declined mail about the original round (or its pulse) after, or
    before, the close that forgot `Invitation.declined`."""
    digests = decline_digests(secret_keys(), original_round_id, email)
    found = db.session.scalar(
        select(MailDecline.digest).where(MailDecline.digest.in_(digests)).limit(1)
    )
    return found is not None
