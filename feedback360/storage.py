"""The SQLite file itself: leaving no deleted text behind.

SQLite runs in WAL mode with `secure_delete` on (see `_sqlite_pragmas`): a delete writes zeroed
pages, but to the write-ahead log, while the WAL keeps the earlier versions of those pages, text
included, until a checkpoint copies the newest versions into the database file and the log is
emptied. No Flask import: callers pass an engine.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def forget_deleted_pages(engine: Engine) -> bool:
    """After a delete has committed: move the WAL into the database file and truncate the WAL.

    Returns False when a reader kept the checkpoint from finishing within the busy timeout; the
    old page versions then stay in the WAL until a later checkpoint. Other databases: True.
    """
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        log.warning("WAL checkpoint did not finish; deleted data stays in the WAL for now.")
    return not busy
