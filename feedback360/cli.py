"""Command-line tasks: `flask --app feedback360 demo | rounds | report | send-mail | backup |
restore`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func
from sqlalchemy import select

from . import storage
from .extensions import db
from .models import Round
from .models import User
from .rounds.services.closing import results_ready
from .rounds.services.lifecycle import refresh_status
from .rounds.services.progress import reported_response_total


def init_app(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(rounds)
    app.cli.add_command(report)
    app.cli.add_command(send_mail)
    app.cli.add_command(backup)
    app.cli.add_command(restore)


@click.command()
@with_appcontext
@click.option("--respondents", default=25, show_default=True, help="Synthetic respondents.")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable data.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any account exists already.")
def demo(respondents: int, seed: int, if_empty: bool) -> None:
    """Seed a demo leader, a demo coach and two closed rounds with answered surveys."""
    from . import demo as demo_data

    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Database already has accounts; demo not added.")
        return
    a_round = demo_data.seed_demo(respondents=respondents, seed=seed)
    click.echo(f"Demo round {a_round.id} created with {respondents} responses.")
    click.echo(f"  Leader: {demo_data.LEADER_EMAIL} / {demo_data.LEADER_PASSWORD}")
    click.echo(f"  Coach:  {demo_data.COACH_EMAIL} / {demo_data.COACH_PASSWORD}")


@click.command()
@with_appcontext
def rounds() -> None:
    """List rounds, one per line: id, status, responses, leader, title.

    No count for an open round ("-"): a total that moves while a round is open, minus the
    groups its page shows, would give a small group's count. A closed round's is the report's,
    which leaves out groups too small to show, for the same reason."""
    for a_round in db.session.scalars(select(Round).order_by(Round.id)).all():
        a_round = refresh_status(a_round)
        if a_round is None:  # deleted meanwhile
            continue
        responses = "-" if a_round.status == "open" else reported_response_total(a_round)
        click.echo(
            f"{a_round.id}\t{a_round.status}\t{responses} responses\t"
            f"{a_round.leader.email}\t{a_round.title}"
        )


@click.command()
@with_appcontext
@click.argument("round_id", type=click.IntRange(1, 2**31 - 1))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def report(round_id: int, output: Path) -> None:
    """Write the PDF report of a closed round."""
    from flask import current_app

    from .reports.pdf import render_report_pdf
    from .reports.services import report_data

    a_round = db.session.get(Round, round_id)
    if a_round is not None:
        a_round = refresh_status(a_round)
    if a_round is None:
        raise click.ClickException(f"No round with id {round_id}.")
    if a_round.status != "closed":
        raise click.ClickException("The report exists once the round is closed.")
    if not results_ready(a_round):
        raise click.ClickException(
            "Results are being prepared: a reader of the database holds back the rewrite of its "
            "files after the close. Try again in a minute."
        )
    data = report_data(a_round, current_app.config["REPORT_COMMENTS_PER_KEY"])
    pdf = render_report_pdf(data)
    try:
        storage.write_private_file(output, pdf)
    except OSError as error:
        raise click.ClickException(f"Cannot write {output}: {error.strerror}.") from error
    click.echo(f"Wrote {output}")


@click.command("send-mail")
@with_appcontext
@click.option("--watch", is_flag=True, help="Keep running, checking every --interval seconds.")
@click.option(
    "--interval",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Seconds between checks.",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Messages per SMTP connection.",
)
def send_mail(watch: bool, interval: int, batch: int) -> None:
    """Deliver queued email; also close overdue rounds, queue automatic reminders and build the
    PDF reports asked for (downloads serve them: reports.stored).

    It prints no count of mail sent, queued or withheld: reminders go only to people who have
    not answered (withheld ones to people who declined), so such a count, or even whether a
    batch had anything to send after the automatic reminders, would count them, and next to the
    groups the round page shows, say who in a small group. It names only what the leader's
    page names: invitations and other mail that could not be delivered."""
    import time

    from .mail import transport
    from .outbox import send_pending
    from .reports.stored import build_wanted_reports
    from .rounds.services.lifecycle import run_schedule

    while True:
        scheduled = run_schedule()
        if scheduled["closed"]:
            click.echo(f"Closed {scheduled['closed']} overdue rounds.")
        build_wanted_reports()
        while True:
            report = send_pending(transport(), batch)
            handled = report.sent + report.retrying + report.failed + report.withheld
            if report.failed_not_reminders:
                click.echo(
                    f"{report.failed_not_reminders} messages could not be delivered; each "
                    "round's page names its own."
                )
            if handled < batch:
                break
        db.session.remove()
        if not watch:
            return
        time.sleep(interval)


def _sqlite_file() -> Path | None:
    try:
        return storage.sqlite_path(db.engine.url)
    except storage.StorageError as error:
        raise click.ClickException(str(error)) from error


def _postgres_note() -> str:
    if db.engine.url.password:
        return "\nGive the password through PGPASSWORD or ~/.pgpass; it is left out here."
    return ""


@click.command()
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup(file: Path, force: bool) -> None:
    """Copy the SQLite database to FILE, safely while the app runs. PostgreSQL: use pg_dump."""
    database = _sqlite_file()
    if database is None:
        raise click.ClickException(
            "The database is PostgreSQL: back it up with pg_dump, for example\n  "
            + storage.pg_dump_command(db.engine.url, str(file))
            + _postgres_note()
        )
    try:
        storage.backup(database, file, overwrite=force)
    except storage.StorageError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up {database} to {file}.")


@click.command()
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm that everything in the database is replaced.")
def restore(file: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup FILE. Stop the app and the sender first."""
    from alembic.script import ScriptDirectory

    from . import MIGRATIONS_DIR

    database = _sqlite_file()
    if database is None:
        raise click.ClickException(
            "The database is PostgreSQL: restore a pg_dump backup with pg_restore, for example\n  "
            + storage.pg_restore_command(db.engine.url, str(file))
            + _postgres_note()
        )
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    try:
        revision = storage.inspect_backup(file)
    except storage.StorageError as error:
        raise click.ClickException(str(error)) from error
    known = {script_revision.revision for script_revision in script.walk_revisions()}
    if revision not in known:
        raise click.ClickException(
            f"{file} has schema revision {revision}, which this version of feedback360 "
            "does not know: it comes from a newer version. Nothing was changed."
        )
    if not yes:
        raise click.ClickException(
            f"This replaces everything in {database} with {file}. Stop the app and the mail "
            "sender, then run the command again with --yes."
        )
    db.session.remove()
    db.engine.dispose()
    try:
        storage.restore(file, database)
    except storage.StorageError as error:
        raise click.ClickException(str(error)) from error
    db.engine.dispose()
    click.echo(f"Restored {database} from {file}; its schema is at revision {revision}.")
    if revision in script.get_heads():
        click.echo("That is the current schema.")
    else:
        click.echo("That is older than this code: run `flask --app feedback360 db upgrade`.")
