"""SQLite: its pragmas, its files kept private, no deleted text left behind, backup and restore.

SQLite runs in WAL mode with `secure_delete` on (see `_sqlite_pragmas`): a delete writes zeroed
pages, but to the write-ahead log, while the WAL keeps the earlier versions of those pages, text
included, until a checkpoint copies the newest versions into the database file and the log is
emptied. Backups go through sqlite3's backup API, which copies one consistent snapshot while the
app keeps reading and writing. No Flask import: callers pass an engine or paths.
"""

from __future__ import annotations

import logging
import os
import shlex
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

CHECKPOINT_WAIT_MS = 250
SQLITE_HEADER = b"SQLite format 3\x00"


class StorageError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for the command line."""


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, overwrite deleted text, let readers and a writer coexist."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def forget_deleted_pages(engine: Engine) -> bool:
    """After a delete or a close has committed: move the WAL into the database file and
    truncate the WAL.

    Returns False when a reader kept the checkpoint from finishing in time; the old page
    versions then stay in the WAL, and a marker file asks `retry_pending_checkpoint` (the
    sender loop) to try again. Other databases: True.
    """
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        # While it waits for readers, this checkpoint holds back every writer (a submit): wait
        # a moment, not the full busy timeout, and leave the rest to the next checkpoint.
        usual_wait = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        connection.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={int(usual_wait)}")
    marker = _pending_checkpoint_marker(engine)
    if busy:
        log.warning("WAL checkpoint did not finish; deleted data stays in the WAL for now.")
        if marker is not None:
            marker.touch(mode=PRIVATE_FILE)
    elif marker is not None:
        marker.unlink(missing_ok=True)
    return not busy


def retry_pending_checkpoint(engine: Engine) -> bool:
    """Run the checkpoint a reader held back last time, if one was; True when none is left.

    The sender loop calls this on every pass, so deleted or reordered data leaves the WAL soon
    after the reader is gone, without a checkpoint (which holds back writers) every time.
    """
    marker = _pending_checkpoint_marker(engine)
    if marker is None or not marker.exists():
        return True
    return forget_deleted_pages(engine)


def _pending_checkpoint_marker(engine: Engine) -> Path | None:
    """A file beside the SQLite database saying a checkpoint is still owed: every process
    (web workers, the sender) sees it. None for a database that is not a file."""
    try:
        path = sqlite_path(engine.url)
    except StorageError:  # in memory: no file, no WAL to forget
        return None
    return path.with_name(path.name + ".checkpoint-pending") if path is not None else None


def sqlite_path(url: URL) -> Path | None:
    """The database file of a SQLite URL; None for other databases. In-memory is refused."""
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise StorageError(f"Only a SQLite database in a file can be copied, not {url!r}.")
    return Path(url.database).resolve()


def pg_dump_command(url: URL, output: str) -> str:
    """The pg_dump line for a PostgreSQL URL; the password stays out (use PGPASSWORD)."""
    return _pg_command("pg_dump --format=custom", url, f"--file={shlex.quote(output)}")


def pg_restore_command(url: URL, backup: str) -> str:
    return _pg_command("pg_restore --clean --if-exists --no-owner", url, shlex.quote(backup))


def _pg_command(program: str, url: URL, last: str) -> str:
    parts = [program]
    if url.host:
        parts.append(f"--host={shlex.quote(url.host)}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={shlex.quote(url.username)}")
    if url.database:
        parts.append(f"--dbname={shlex.quote(url.database)}")
    parts.append(last)
    return " ".join(parts)


def backup(source: Path, destination: Path, overwrite: bool = False) -> None:
    """Copy the live database at `source` to `destination`, one self-contained file.

    The copy is written next to `destination` under another name and renamed into place, so a
    failed backup never leaves half a file under the name asked for.
    """
    if not source.is_file():
        raise StorageError(f"There is no database at {source}.")
    destination = destination.resolve()
    if destination == source:
        raise StorageError("The backup cannot be the database itself.")
    if destination.exists() and not destination.is_file():
        # --force replaces a backup, never a directory, a device or a pipe.
        raise StorageError(f"{destination} exists and is not a file; choose another name.")
    if destination.exists() and not overwrite:
        raise StorageError(f"{destination} exists already; add --force to replace it.")
    if not destination.parent.is_dir():
        raise StorageError(f"There is no directory {destination.parent}.")
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        # Readable by the owner only, like the database's secret key: it holds every answer.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise StorageError(f"Cannot write the backup next to {destination}: {error}") from error
    try:
        with _connect(source) as src, _connect(partial) as dst:
            src.backup(dst)
            # A backup of a WAL database is a WAL database; one file is easier to keep.
            dst.execute("PRAGMA journal_mode=DELETE")
            _check(dst, partial)
        os.replace(partial, destination)
    except (sqlite3.Error, OSError) as error:
        raise StorageError(f"The backup failed: {error}") from error
    finally:
        partial.unlink(missing_ok=True)


def inspect_backup(path: Path) -> str:
    """Check that `path` is a sound SQLite database holding this app's schema; return the
    Alembic revision its schema is at."""
    if not path.is_file():
        raise StorageError(f"There is no file {path}.")
    with path.open("rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise StorageError(f"{path} is not a SQLite database.")
    with _connect(path) as connection:
        _check(connection, path)
        try:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.DatabaseError as error:
            raise StorageError(
                f"{path} is a SQLite database but not a feedback360 one (no schema version)."
            ) from error
    if len(rows) != 1:
        raise StorageError(f"{path} records {len(rows)} schema versions; expected one.")
    return rows[0][0]


def restore(backup_file: Path, database: Path) -> str:
    """Replace the contents of `database` with those of `backup_file`, through the backup API.

    Copying pages into the open database, rather than moving files, keeps its WAL and locks
    coherent; the app and the mail sender should still be stopped, since their sessions would
    otherwise carry on from the replaced data.
    """
    revision = inspect_backup(backup_file)
    if backup_file.resolve() == database:
        raise StorageError("The backup is the database itself.")
    if in_use(database):
        raise StorageError(
            f"{database} is open in another process, probably the app or the mail sender. "
            "Stop them and run the command again; nothing was changed."
        )
    database.parent.mkdir(parents=True, exist_ok=True)
    private_sqlite_file(database)
    try:
        with _connect(backup_file) as src, _connect(database) as dst:
            src.backup(dst)
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as error:
        raise StorageError(f"The restore failed: {error}") from error
    return revision


def in_use(database: Path) -> bool:
    """Whether another process has the database open, even idly.

    The app keeps its SQLite database in WAL mode, and every open connection to a WAL database
    holds a shared lock on its index; a connection that asks for exclusive locking is refused
    until the last of them closes.
    """
    if not database.exists():
        return False
    try:
        with closing(sqlite3.connect(database, timeout=0, isolation_level=None)) as probe:
            probe.execute("PRAGMA locking_mode=EXCLUSIVE")
            probe.execute("BEGIN EXCLUSIVE")
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
            probe.execute("COMMIT")
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return True
        raise StorageError(f"Cannot open {database} to replace it: {error}.") from error
    return False


def _connect(path: Path) -> closing[sqlite3.Connection]:
    """A connection that is closed on leaving the block (sqlite3's own context only commits)."""
    return closing(sqlite3.connect(path, timeout=10))


def _check(connection: sqlite3.Connection, path: Path) -> None:
    try:
        (result,) = connection.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise StorageError(f"{path} cannot be read as a SQLite database: {error}") from error
    if result != "ok":
        raise StorageError(f"{path} is damaged: {result}")


# Owner-only, whatever the umask: the database and its WAL hold every answer, the secret key
# turns a database copy into working links, and mail files hold links to the survey.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_folder(path: Path) -> None:
    """Create `path` (and missing parents) if needed and make it readable by the owner only."""
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_FOLDER)


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to `path`, a file only its owner can read, even while it is being written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), PRIVATE_FILE)
        f.write(data)


def private_sqlite_database(url: str) -> None:
    """Create the database file of a SQLite URL owner-only before SQLite does; other URLs,
    and SQLite in memory, are left alone."""
    try:
        path = sqlite_path(make_url(url))
    except (StorageError, ArgumentError):
        return
    if path is not None:
        private_sqlite_file(path)


def private_sqlite_file(path: Path) -> None:
    """Make the SQLite database file exist, owner-only, before SQLite opens it.

    SQLite creates the write-ahead log, its shared-memory index and any rollback journal with
    the permissions of the database file, so they follow. A database or side file that exists
    already with looser permissions is tightened. Anything odd (no folder, a directory in its
    place) is left for SQLite to report when it opens the database.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        pass
    except OSError:
        return
    else:
        os.fchmod(fd, PRIVATE_FILE)
        os.close(fd)
    for candidate in (path, *(path.with_name(path.name + s) for s in SQLITE_SIDE_FILES)):
        if candidate.is_file():
            _tighten(candidate, PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except OSError as error:  # someone else's file: say so, and carry on
        log.warning("Cannot make %s private (mode %o): %s", path, mode, error.strerror)
