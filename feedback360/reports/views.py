"""Results on screen and the PDF, for the round's leader and the coaches it is shared with."""

from __future__ import annotations

import re

from flask import Blueprint
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from .. import export
from ..followup.export import followup_export
from ..rounds.services.closing import results_ready
from ..rounds.services.lifecycle import refresh_status
from ..rounds.services.progress import progress_of
from ..rounds.services.sharing import round_visible_to
from .context import render_context
from .forms import DebriefNoteForm
from .pulse_views import pulse_export_response
from .pulse_views import pulse_page
from .services import coach_share_for
from .services import report_data
from .services import save_debrief_note
from .stored import stored_report

bp = Blueprint("reports", __name__)
# When to try the download again (Retry-After); the sender checks every 5 s by default. The page
# itself does not refresh: a timed reload restarts a screen reader and cannot be stopped
# (WCAG 2.2.1); it offers a button instead.
BUILDING_RETRY_SECONDS = 5


def _visible_round(round_id: int):
    found = round_visible_to(round_id, current_user)
    if found is None:
        abort(404)
    a_round, role = found
    a_round = refresh_status(a_round)
    if a_round is None:  # deleted meanwhile
        abort(404)
    return a_round, role


def _not_ready(a_round, role: str) -> str:
    """While a round is open: counts only, never scores. Once closed, until its submits are out
    of the SQLite files (rounds.services.closing.settle_closed_rounds): a plain "being prepared"."""
    return render_template(
        "reports/not_ready.html", a_round=a_round, role=role, progress=progress_of(a_round)
    )


def _ready(a_round) -> bool:
    return a_round.status == "closed" and results_ready(a_round)


def _coach_share(a_round, role: str):
    """The coach's share; for a pulse, of its original round (`round_visible_to`)."""
    shared = a_round.parent_round if a_round.is_pulse else a_round
    return coach_share_for(shared, current_user.email) if role == "coach" else None


def _results_page(a_round, role: str, note_form: DebriefNoteForm | None = None) -> str:
    share = _coach_share(a_round, role)
    if share is not None and note_form is None:
        note_form = DebriefNoteForm(note=share.debrief_note, shared=share.note_shared)
    if note_form is not None:
        note_form.shared.label.text = _(
            "Share this note with %(leader)s", leader=a_round.leader.name
        )
    return render_template(
        "reports/results.html",
        a_round=a_round,
        role=role,
        note_form=note_form,
        note_share=share,
        **render_context(report_data(a_round, coach_share=share)),
    )


@bp.get("/rounds/<id:round_id>/results")
@login_required
def results(round_id: int):
    a_round, role = _visible_round(round_id)
    if not _ready(a_round):
        return _not_ready(a_round, role), 200
    if a_round.is_pulse:  # a follow-up's own page: no full report
        return pulse_page(a_round, role)
    return _results_page(a_round, role)


@bp.post("/rounds/<id:round_id>/debrief-note")
@login_required
def debrief_note(round_id: int):
    """A coach's own note for the debrief, printed in the PDF that coach downloads, and in the
    leader's results and PDF once the coach shares it."""
    a_round, role = _visible_round(round_id)
    share = _coach_share(a_round, role)
    if share is None or a_round.is_pulse:
        abort(404)
    if not _ready(a_round):
        return _not_ready(a_round, role), 409
    form = DebriefNoteForm()
    if not form.validate_on_submit():
        return _results_page(a_round, role, note_form=form), 400
    save_debrief_note(share, form.note.data, form.shared.data)
    if share.note_shared and share.debrief_note:
        message = _(
            "Note saved and shared: %(leader)s reads it on their results page and in their PDF.",
            leader=a_round.leader.name,
        )
    else:
        message = _("Note saved. It is in your copy only: the PDF you download.")
    flash(message, "success")
    return redirect(url_for("reports.results", round_id=a_round.id, _anchor="debrief"))


@bp.get("/rounds/<id:round_id>/report.pdf")
@login_required
def pdf(round_id: int):
    """The reader's stored copy (built by the sender: reports.stored); until it is there, a page
    that says so, with a button to try again."""
    a_round, role = _visible_round(round_id)
    if not _ready(a_round):
        return _not_ready(a_round, role), 409
    stored = stored_report(a_round, _coach_share(a_round, role))
    if stored is None:
        page = render_template("reports/building.html", a_round=a_round, role=role)
        return page, 202, {"Retry-After": str(BUILDING_RETRY_SECONDS)}
    return Response(
        stored,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{report_filename(a_round)}"'},
    )


def report_filename(a_round, extension: str = "pdf") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", a_round.title.lower()).strip("-")[:60] or "round"
    return f"feedback360-{a_round.id}-{slug}.{extension}"


@bp.get("/rounds/<id:round_id>/export.csv")
@login_required
def export_csv(round_id: int):
    return _export(round_id, "csv", export.as_csv, "text/csv")


@bp.get("/rounds/<id:round_id>/export.json")
@login_required
def export_json(round_id: int):
    return _export(round_id, "json", export.as_json, "application/json")


def _export(round_id: int, extension: str, build, mimetype: str):
    """The results as a file, for the round's leader only.

    Coaches read the results on the page and in the PDF; a data file is the leader's to hand on.
    Once downloaded it outlives any share the leader stops, and figures in a file are easily
    combined with other data, so a coach gets the same 404 as anyone else.
    """
    a_round, role = _visible_round(round_id)
    if role != "leader":
        abort(404)
    if not _ready(a_round):
        return _not_ready(a_round, role), 409
    if a_round.is_pulse:
        filename = report_filename(a_round, extension)
        return pulse_export_response(a_round, extension, mimetype, filename)
    data = report_data(a_round)
    body = build(
        export.RoundExport(
            title=data.round_title,
            leader_name=data.leader_name,
            why=data.why,
            success_measures=data.success_measures,
            opened_on=data.opened_on,
            closed_on=data.closed_on,
            questionnaire=data.questionnaire,
            results=data.results,
            comments=data.comments,
            cautions=data.cautions,
            followup=followup_export(a_round, data.results, data.questionnaire),
        )
    )
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": (
                f'attachment; filename="{report_filename(a_round, extension)}"'
            ),
            "Cache-Control": "private, no-store",
        },
    )
