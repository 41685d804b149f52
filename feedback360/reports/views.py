"""Results on screen and the PDF, for the round's leader and the coaches it is shared with."""

from __future__ import annotations

import re

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask_login import current_user
from flask_login import login_required

from ..rounds.services import progress
from ..rounds.services import refresh_status
from ..rounds.services import round_visible_to
from . import charts
from .pdf import render_report_pdf
from .service import report_data

bp = Blueprint("reports", __name__)


def _visible_round(round_id: int):
    found = round_visible_to(round_id, current_user)
    if found is None:
        abort(404)
    a_round, role = found
    refresh_status(a_round)
    return a_round, role


def _not_ready(a_round, role: str) -> str:
    """While a round is open: counts only, never scores."""
    return render_template(
        "reports/not_ready.html", a_round=a_round, role=role, progress=progress(a_round)
    )


@bp.get("/rounds/<id:round_id>/results")
@login_required
def results(round_id: int):
    a_round, role = _visible_round(round_id)
    if a_round.status != "closed":
        return _not_ready(a_round, role), 200
    return render_template(
        "reports/results.html",
        a_round=a_round,
        role=role,
        data=report_data(a_round),
        charts=charts,
    )


@bp.get("/rounds/<id:round_id>/report.pdf")
@login_required
def pdf(round_id: int):
    a_round, role = _visible_round(round_id)
    if a_round.status != "closed":
        return _not_ready(a_round, role), 409
    data = report_data(a_round, current_app.config["REPORT_COMMENTS_PER_KEY"])
    return Response(
        render_report_pdf(data),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{report_filename(a_round)}"'},
    )


def report_filename(a_round) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", a_round.title.lower()).strip("-")[:60] or "round"
    return f"feedback360-{a_round.id}-{slug}.pdf"
