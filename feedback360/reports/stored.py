"""Where a PDF is built: stored copies of the report, built by the sender, served by downloads.

Rendering a report takes a worker a second, a large round's 12 s: too long inside a web request,
where it holds up every survey submit behind it. So the mail sender's loop (`flask send-mail
--watch`, which `make run` starts) builds each copy once per content and stores it in the
database (`models.ReportFile`, as private as every other row); a download serves those bytes,
or, while a copy is being built, a page that says so (`reports.views.pdf`).

A copy is current while its `content_key` still matches: a digest of everything it is built from
that may change after the round closes (a coach's note, the notes shared with the leader, whether
a coach still vouches for the rater list, which earlier round the trend compares with, the
report's settings, the language its reader picked: `reader_language`, the leader's focus plan),
and of the code that renders it. A copy that no longer matches is
never served: it is forgotten and built anew. The PDF is made by the same function as before
(`pdf.render_report_pdf`), so a stored copy holds exactly what a download would have held.
A follow-up pulse's copy is its short report (`pulse_context.render_pulse_pdf`, measured at
1.3-2.6 s on a busy 2-core machine against 10 s for a full report: too long for a request too),
keyed on `pulse_facts`; the copies of its original round's coaches are built alongside.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import astuple
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy import update

from ..extensions import db
from ..followup.history import history_key
from ..followup.plans import plan_of
from ..followup.pulse_results import pulse_report
from ..followup.survey import pulse_target_ids
from ..i18n import language_of_address
from ..language_choice import first_supported
from ..models import CoachShare
from ..models import ReportFile
from ..models import Round
from ..rounds.services.approval import approved_by
from .pdf import STYLESHEET
from .pdf import render_report_pdf
from .pulse_context import render_pulse_pdf
from .services import comment_threshold
from .services import earlier_round
from .services import report_data
from .services import shared_notes
from .wanted import reader_of
from .wanted import want_new_copy

# Bump to rebuild every stored copy on its next download, for a change the code digest misses.
REPORT_FORMAT_VERSION = 1
# At most this long building per pass of the sender's loop before it turns to the mail again.
BUILD_SECONDS_PER_PASS = 30.0
PACKAGE_DIR = Path(__file__).resolve().parent.parent

_code_digest: str | None = None


def code_digest() -> str:
    """A digest of the code, questionnaires, translations, templates and stylesheet a report is
    made from.

    A deploy that changes any of them makes every stored copy stale; read once per process."""
    global _code_digest
    if _code_digest is None:
        files = sorted(PACKAGE_DIR.rglob("*.py")) + sorted(PACKAGE_DIR.rglob("*.toml"))
        files += sorted(PACKAGE_DIR.rglob("*.po"))  # the translations it is printed with
        files += sorted(Path(current_app.template_folder, "reports").glob("*.html"))
        files.append(Path(current_app.static_folder, STYLESHEET))
        digest = hashlib.sha256()
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        _code_digest = digest.hexdigest()
    return _code_digest


def reader_language(a_round: Round, share: CoachShare | None) -> str:
    """The language a copy is printed in: its reader's interface language (the leader's, or the
    coach's), English when they picked none."""
    if share is None:
        return first_supported(a_round.leader.language)
    return first_supported(language_of_address(share.coach_email))


def content_key(a_round: Round, share: CoachShare | None) -> tuple[str, int | None]:
    """What a copy is built from, as a digest, and the earlier round its trend shows (if any)."""
    if a_round.is_pulse:
        return _digest(pulse_facts(a_round, share)), None
    before = earlier_round(a_round, share.coach_email if share is not None else None)
    facts = {
        "format": REPORT_FORMAT_VERSION,
        "code": code_digest(),
        "round": [a_round.id, a_round.title, a_round.why, a_round.success_measures],
        "platforms": list(a_round.platforms or ()),
        "dates": [str(a_round.opened_on), str(a_round.closed_on)],
        "leader": a_round.leader.name,
        "questionnaire": a_round.questionnaire_version,
        "thresholds": [a_round.anonymity_threshold, comment_threshold(a_round)],
        "comments_per_key": current_app.config["REPORT_COMMENTS_PER_KEY"],
        "earlier": before.id if before is not None else None,
        "share": [share.id, share.debrief_note] if share is not None else None,
        "shared_notes": shared_notes(a_round) if share is None else None,
        "approved_by": approved_by(a_round),
        # Every copy prints the plan ("My plan"), which the leader may edit after close.
        "plan": [astuple(entry) for entry in plan_of(a_round)],
        "language": reader_language(a_round, share),
        "focus_history": history_key(a_round, share.coach_email if share is not None else None),
    }
    return _digest(facts), facts["earlier"]


def pulse_facts(pulse: Round, share: CoachShare | None) -> dict:
    """What a pulse's short PDF is built from: both rounds' figures are fixed once closed."""
    original = pulse.parent_round
    return {
        "format": REPORT_FORMAT_VERSION,
        "code": code_digest(),
        "pulse": [pulse.id, pulse.title, str(pulse.opened_on), str(pulse.closed_on)],
        "original": [original.id, original.title, str(original.closed_on)],
        "leader": pulse.leader.name,
        "thresholds": [pulse.anonymity_threshold, comment_threshold(pulse)],
        "original_thresholds": [original.anonymity_threshold, comment_threshold(original)],
        "targets": pulse_target_ids(pulse.id),
        "reader": share.id if share is not None else None,
        "language": reader_language(pulse, share),
    }


def _digest(facts: dict) -> str:
    encoded = json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def stored_report(a_round: Round, share: CoachShare | None) -> bytes | None:
    """This reader's current copy of a round whose results are ready, or None after asking the
    sender to build it (a copy built from other content is forgotten first). Commits."""
    key, _ = content_key(a_round, share)
    reader = reader_of(share.id if share is not None else None)
    stored = db.session.execute(
        select(ReportFile.content_key, ReportFile.pdf).where(
            ReportFile.round_id == a_round.id, ReportFile.reader == reader
        )
    ).first()
    if stored is not None and stored.pdf is not None and stored.content_key == key:
        return stored.pdf
    if stored is None or stored.pdf is not None:  # none yet, or one built from other content
        want_new_copy(a_round.id, share.id if share is not None else None)
        db.session.commit()
    return None


def build_wanted_reports(seconds: float = BUILD_SECONDS_PER_PASS) -> int:
    """Build the copies asked for, oldest first, each in a transaction of its own, until none is
    left or `seconds` have passed. Returns how many were stored. One that fails is logged and
    tried again on the next pass; the others go on."""
    wanted = db.session.scalars(
        select(ReportFile.id).where(ReportFile.pdf.is_(None)).order_by(ReportFile.id)
    ).all()
    db.session.commit()
    deadline = time.monotonic() + seconds
    built = 0
    for file_id in wanted:
        if time.monotonic() >= deadline:
            break
        try:
            built += build_report_file(file_id)
        except Exception:  # one broken report must stop neither the others nor the mail
            db.session.rollback()
            current_app.logger.exception("Report file %s could not be built", file_id)
    return built


def build_report_file(file_id: int) -> bool:
    """Render one wanted copy and store it, unless what it is built from changed meanwhile."""
    wanted = db.session.get(ReportFile, file_id)
    if wanted is None or wanted.pdf is not None:
        return False
    round_id, share_id = wanted.round_id, wanted.coach_share_id
    a_round, share = _round_and_share(round_id, share_id)
    if a_round is None or a_round.status != "closed" or not a_round.results_ready:
        db.session.rollback()
        return False
    key = content_key(a_round, share)
    language = reader_language(a_round, share)
    # In the reader's language from the start: the analysis writes its sentences in report_data.
    with force_locale(language):
        if a_round.is_pulse:
            report = pulse_report(a_round)
            db.session.commit()
            pdf = render_pulse_pdf(report, to_leader=share is None)
        else:
            data = report_data(a_round, current_app.config["REPORT_COMMENTS_PER_KEY"], share)
            # Let go of the read transaction while rendering: on SQLite it would hold back
            # checkpoints.
            db.session.commit()
            pdf = render_report_pdf(data)
    a_round, share = _round_and_share(round_id, share_id)
    if a_round is None or content_key(a_round, share) != key:
        db.session.rollback()  # stays wanted: the next pass builds it from what is there now
        return False
    digest, earlier_round_id = key
    stored = db.session.execute(
        update(ReportFile)
        .where(ReportFile.id == file_id, ReportFile.pdf.is_(None))
        .values(pdf=pdf, content_key=digest, earlier_round_id=earlier_round_id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return stored.rowcount == 1


def _round_and_share(round_id: int, share_id: int | None) -> tuple[Round | None, CoachShare | None]:
    a_round = db.session.get(Round, round_id)
    share = db.session.get(CoachShare, share_id) if share_id is not None else None
    if share_id is not None and share is None:
        return None, None  # the share was stopped: its copy went with it
    return a_round, share
