"""Command-line tasks: `flask --app feedback360 demo | rounds | report | send-mail | backup |
restore`."""

from __future__ import annotations

import functools
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select

from . import storage
from .extensions import db
from .locales import DEFAULT_LOCALE
from .locales import SUPPORTED_LOCALES
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


def in_language(command):
    """A `--language` option (or FEEDBACK360_LANGUAGE) for a command whose messages a person
    reads: they come in that language, English by default. Outside a request nothing else says
    which; the sender's log lines stay English for operators."""

    @click.option(
        "--language",
        type=click.Choice(SUPPORTED_LOCALES),
        default=DEFAULT_LOCALE,
        show_default=True,
        envvar="FEEDBACK360_LANGUAGE",
        help="Language of the messages (and of the report's PDF).",
    )
    @functools.wraps(command)
    def run(*args, language: str, **kwargs):
        with force_locale(language):
            return command(*args, **kwargs)

    return run


@click.command()
@with_appcontext
@in_language
@click.option("--respondents", default=25, show_default=True, help="Synthetic respondents.")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable data.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any account exists already.")
def demo(respondents: int, seed: int, if_empty: bool) -> None:
    """Seed a demo leader, a demo coach and two closed rounds with answered surveys."""
    from . import demo as demo_data

    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo(_("Database already has accounts; demo not added."))
        return
    a_round = demo_data.seed_demo(respondents=respondents, seed=seed)
    click.echo(
        _(
            "Demo round %(round_id)s created with %(count)s responses.",
            round_id=a_round.id,
            count=respondents,
        )
    )
    for role, email, password in (
        (_("Leader:"), demo_data.LEADER_EMAIL, demo_data.LEADER_PASSWORD),
        (_("Coach:"), demo_data.COACH_EMAIL, demo_data.COACH_PASSWORD),
    ):
        click.echo(f"  {role} {email} / {password}")


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
@in_language
@click.argument("round_id", type=click.IntRange(1, 2**31 - 1))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def report(round_id: int, output: Path) -> None:
    """Write the PDF report of a closed round (of a follow-up: its short report)."""
    from flask import current_app

    from .followup.pulse_results import pulse_report
    from .reports.pdf import render_report_pdf
    from .reports.pulse_context import render_pulse_pdf
    from .reports.services import report_data

    a_round = db.session.get(Round, round_id)
    if a_round is not None:
        a_round = refresh_status(a_round)
    if a_round is None:
        raise click.ClickException(_("No round with id %(round_id)s.", round_id=round_id))
    if a_round.status != "closed":
        raise click.ClickException(_("The report exists once the round is closed."))
    if not results_ready(a_round):
        raise click.ClickException(
            _(
                "Results are being prepared: a reader of the database holds back the rewrite of "
                "its files after the close. Try again in a minute."
            )
        )
    if a_round.is_pulse:  # a follow-up's short report, never a full one
        pdf = render_pulse_pdf(pulse_report(a_round), to_leader=True)
    else:
        pdf = render_report_pdf(report_data(a_round, current_app.config["REPORT_COMMENTS_PER_KEY"]))
    try:
        storage.write_private_file(output, pdf)
    except OSError as error:
        raise click.ClickException(
            _("Cannot write %(file)s: %(reason)s.", file=output, reason=error.strerror)
        ) from error
    click.echo(_("Wrote %(file)s", file=output))


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
        return "\n" + _("Give the password through PGPASSWORD or ~/.pgpass; it is left out here.")
    return ""


@click.command()
@with_appcontext
@in_language
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup(file: Path, force: bool) -> None:
    """Copy the SQLite database to FILE, safely while the app runs. PostgreSQL: use pg_dump."""
    database = _sqlite_file()
    if database is None:
        raise click.ClickException(
            _("The database is PostgreSQL: back it up with pg_dump, for example")
            + "\n  "
            + storage.pg_dump_command(db.engine.url, str(file))
            + _postgres_note()
        )
    try:
        storage.backup(database, file, overwrite=force)
    except storage.StorageError as error:
        raise click.ClickException(str(error)) from error
    click.echo(_("Backed up %(database)s to %(file)s.", database=database, file=file))


@click.command()
@with_appcontext
@in_language
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm that everything in the database is replaced.")
def restore(file: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup FILE. Stop the app and the sender first."""
    from alembic.script import ScriptDirectory

    from . import MIGRATIONS_DIR

    database = _sqlite_file()
    if database is None:
        raise click.ClickException(
            _("The database is PostgreSQL: restore a pg_dump backup with pg_restore, for example")
            + "\n  "
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
            _(
                "%(file)s has schema revision %(revision)s, which this version of feedback360 "
                "does not know: it comes from a newer version. Nothing was changed.",
                file=file,
                revision=revision,
            )
        )
    if not yes:
        raise click.ClickException(
            _(
                "This replaces everything in %(database)s with %(file)s. Stop the app and the "
                "mail sender, then run the command again with --yes.",
                database=database,
                file=file,
            )
        )
    db.session.remove()
    db.engine.dispose()
    try:
        storage.restore(file, database)
    except storage.StorageError as error:
        raise click.ClickException(str(error)) from error
    db.engine.dispose()
    click.echo(
        _(
            "Restored %(database)s from %(file)s; its schema is at revision %(revision)s.",
            database=database,
            file=file,
            revision=revision,
        )
    )
    if revision in script.get_heads():
        click.echo(_("That is the current schema."))
    else:
        click.echo(
            _(
                "That is older than this code: run `%(command)s`.",
                command="flask --app feedback360 db upgrade",
            )
        )
