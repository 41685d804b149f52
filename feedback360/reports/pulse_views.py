"""A pulse's results: its page, and its data file, never a full report (`reports.views` sends a
pulse here). Its PDF is a stored copy like a round's (`reports.stored`)."""

from __future__ import annotations

import csv
import io
import json

from flask import Response
from flask import render_template

from ..followup.export import pulse_export
from ..followup.pulse_results import pulse_report
from .pulse_context import pulse_render_context

CSV_COLUMNS = ("target", "target_title", "statement", "text", "before", "after", "change")
CSV_COLUMNS += ("margin", "reading")


def pulse_page(pulse, role: str) -> str:
    """The pulse's results page for its leader or the original round's coach."""
    context = pulse_render_context(pulse_report(pulse), to_leader=role == "leader")
    return render_template("reports/pulse_results.html", a_round=pulse, role=role, **context)


def pulse_export_body(pulse, extension: str) -> str:
    """The pulse's comparison as data: what its page shows, figures only (no response)."""
    doc = pulse_export(pulse)
    if extension == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheets read the file as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for target in doc["pulse"].get("targets", []):
        for item in target["statements"]:
            writer.writerow(
                [target["target"], target["title"], item["id"], item["text"]]
                + ["" if item[k] is None else item[k] for k in ("before", "after", "change")]
                + ["" if item["margin"] is None else item["margin"], item["reading"]]
            )
    return out.getvalue()


def pulse_export_response(pulse, extension: str, mimetype: str, filename: str) -> Response:
    return Response(
        pulse_export_body(pulse, extension),
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
