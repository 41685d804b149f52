"""load.py's download phase: the PDF the sender built, downloaded while submits run.

Issue 14 ("Reports off the request path"): a download of a built report under 50 ms p99 at 8
connections while submits run. Before gunicorn starts, `seed_built_report` seeds bench/report.py's
large round (the demo leader's closed round: 500 respondents with their comments, and an earlier
round for the trend, through the app's services) into the database load.py's survey round is in,
and builds its copies once with `build_wanted_reports()`, as the sender does. Then `log_in` logs
that leader in through the login form (CSRF token parsed from the page, session cookie kept),
`check_download` fetches the PDF once and compares it with the stored bytes, and wrk downloads it
with `DOWNLOAD_LUA`, which counts a 200 only when its body is those bytes and its type is PDF.

That no download rendered anything is checked on the rows: `stored_copies` (every copy's content
key and a digest of its bytes, and any copy asked for but not built) must be the same after the
phase as before it. A download that found its copy stale would forget it and ask for a new one
(`reports.stored.stored_report`), and the phase would get a 202 "being built" page, not a 200.
WeasyPrint itself is imported by every worker at start (`reports.pdf`), so that is no sign.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from report import LARGE_ROUND
from report import seed as seed_report_round
from scratch import CSRF_FIELD
from scratch import SECRET_KEY

# Flask-Login ties a session to the address and User-Agent it logged in from ("basic"
# protection marks it not fresh otherwise): the login and wrk send the same one.
USER_AGENT = "feedback360-bench"


@dataclass(frozen=True)
class BuiltReport:
    """A closed round whose leader's PDF the sender has built and stored."""

    round_id: int
    respondents: int
    email: str
    password: str
    pdf: bytes

    @property
    def path(self) -> str:
        return f"/rounds/{self.round_id}/report.pdf"


@dataclass(frozen=True)
class LoggedIn:
    """What the phase needs once gunicorn runs: the report, its leader's Cookie header, a file
    holding the stored bytes (for wrk), and the database (for `stored_copies`)."""

    report: BuiltReport
    cookie: str
    expected_file: Path
    url: str
    instance: Path


def _app(url: str, instance: Path):
    from feedback360 import create_app

    return create_app(
        {"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}
    )


def seed_built_report(url: str, instance: Path, respondents: int = LARGE_ROUND) -> BuiltReport:
    """bench/report.py's round for this many respondents, its PDFs built as the sender does."""
    from sqlalchemy import select

    from feedback360.demo import LEADER_EMAIL
    from feedback360.demo import LEADER_PASSWORD
    from feedback360.extensions import db
    from feedback360.models import ReportFile
    from feedback360.reports.stored import build_wanted_reports
    from feedback360.reports.wanted import LEADER

    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}
    round_id = seed_report_round(instance, respondents, config)
    with _app(url, instance).app_context():
        build_wanted_reports()  # closing the rounds asked for the leader's copies
        pdf = db.session.scalar(
            select(ReportFile.pdf).where(
                ReportFile.round_id == round_id, ReportFile.reader == LEADER
            )
        )
        db.session.remove()
        db.engine.dispose()
    if not pdf:
        raise RuntimeError(f"the sender built no leader's copy of round {round_id}")
    return BuiltReport(round_id, respondents, LEADER_EMAIL, LEADER_PASSWORD, pdf)


def stored_copies(url: str, instance: Path) -> dict[str, str | None]:
    """Every copy in report_files: its content key and a digest of its bytes (None: asked for,
    not built). Built anew, forgotten or asked for shows as a difference."""
    from sqlalchemy import select

    from feedback360.extensions import db
    from feedback360.models import ReportFile

    with _app(url, instance).app_context():
        rows = db.session.execute(
            select(ReportFile.round_id, ReportFile.reader, ReportFile.content_key, ReportFile.pdf)
        ).all()
        db.session.remove()
        db.engine.dispose()
    return {
        f"{row.round_id}/{row.reader}": (
            None if row.pdf is None else f"{row.content_key}:{hashlib.sha256(row.pdf).hexdigest()}"
        )
        for row in rows
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def log_in(base: str, report: BuiltReport) -> str:
    """Log the report's leader in as a browser does; the Cookie header its download sends."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    opener.addheaders = [("User-Agent", USER_AGENT)]
    with opener.open(f"{base}/login", timeout=10) as page:
        csrf = CSRF_FIELD.search(page.read().decode())[1]
    form = {"csrf_token": csrf, "email": report.email, "password": report.password}
    try:
        opener.open(f"{base}/login", urllib.parse.urlencode(form).encode(), timeout=10)
        raise RuntimeError("login did not redirect: wrong password or form?")
    except urllib.error.HTTPError as reply:  # the 302 to the dashboard, not followed
        if reply.code != 302:
            raise RuntimeError(f"login answered {reply.code}") from None
    download = urllib.request.Request(base + report.path)
    jar.add_cookie_header(download)
    cookie = download.get_header("Cookie")
    if not cookie:
        raise RuntimeError("login set no session cookie")
    return cookie


def check_download(base: str, report: BuiltReport, cookie: str) -> None:
    """One download: 200, a PDF, and exactly the bytes the sender stored."""
    request = urllib.request.Request(
        base + report.path, headers={"Cookie": cookie, "User-Agent": USER_AGENT}
    )
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as reply:
            status, mimetype, body = reply.status, reply.headers.get_content_type(), reply.read()
    except urllib.error.HTTPError as reply:  # a redirect (to the login page) or an error
        status, mimetype, body = reply.code, reply.headers.get_content_type(), reply.read()
    if (status, mimetype) != (200, "application/pdf") or body != report.pdf:
        raise RuntimeError(
            f"download of the stored report: {status} {mimetype}, {len(body)} bytes "
            f"({'the stored' if body == report.pdf else 'not the stored'} file)"
        )


def wrk_globals(report: BuiltReport, cookie: str, expected_file: Path) -> dict:
    """What DOWNLOAD_LUA reads: the request, and the file holding the stored bytes."""
    return {
        "path": report.path,
        "headers": {"Cookie": cookie, "User-Agent": USER_AGENT},
        "expected_file": str(expected_file),
    }


# wrk's side: one GET, sent over and over. `response` counts each status; a 200 whose body is
# not the stored file, or whose type is not PDF, counts as status 0. (LuaJIT interns strings,
# so the comparison is one memcmp of the body against the file read once at start.)
DOWNLOAD_LUA = r"""
local prepared
local expected
counts = {}

init = function(args)
  local file = assert(io.open(expected_file, "rb"))
  expected = file:read("*a")
  file:close()
  prepared = wrk.format("GET", path, headers)
end

request = function()
  return prepared
end

response = function(status, response_headers, body)
  local key = tostring(status)
  if status == 200 and (body ~= expected
      or response_headers["Content-Type"] ~= "application/pdf") then
    key = "0"
  end
  counts[key] = (counts[key] or 0) + 1
end
"""
