"""The benchmarks still start the app as it is now: their secret key passes the 32-byte check,
and the Host they send (loopback) is trusted; load.py's ceiling app (bench/ceiling_app.py)
starts under gunicorn and writes the rows a real submit writes; and its download phase
(bench/download_phase.py) logs a leader in and gets the PDF the sender stored. Small runs only;
the figures are not checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text

from tests.helpers import postgres_schema

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def bench_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))


def test_the_load_benchmark_seeds_its_round_and_serves_its_survey(bench_on_path, tmp_path):
    import load

    url = f"sqlite:///{tmp_path / 'load.sqlite'}"
    token, round_id = load.seed(url, tmp_path / "instance")
    assert load.count_responses(url, tmp_path / "instance", round_id) == 0

    from feedback360 import create_app

    app = create_app(
        {
            "INSTANCE_PATH": tmp_path / "instance",
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": load.SECRET_KEY,
        }
    )
    page = app.test_client().get(f"/s/{token}", base_url=f"http://127.0.0.1:{load.free_port()}")
    assert page.status_code == 200 and load.CSRF_FIELD.search(page.text)


def test_the_aggregate_benchmark_runs(tmp_path):
    run = subprocess.run(
        [sys.executable, str(BENCH / "aggregate.py"), "--databases", "sqlite"]
        + ["--responses", "12", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["sqlite"]["responses"] == 12


@pytest.fixture(params=["sqlite", "postgresql"])
def bench_database_url(request, tmp_path):
    """An empty database of each kind, as bench/scratch.py gives load.py one."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ceiling.sqlite'}"
        return
    with postgres_schema("f360_ceiling") as url:
        yield url


def rows_of(url: str, round_id: int) -> dict:
    """What the submits left in the database, read with plain SQL."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:

        def one(sql: str):
            return conn.execute(text(sql), {"r": round_id}).scalar_one()

        figures = {
            "responses": one("SELECT count(*) FROM responses WHERE round_id = :r"),
            "answers": one(
                "SELECT count(*) FROM answers JOIN responses ON responses.id = response_id "
                "WHERE round_id = :r"
            ),
            "comments": one(
                "SELECT count(*) FROM comments JOIN responses ON responses.id = response_id "
                "WHERE round_id = :r"
            ),
            "open_link_places": one("SELECT responses FROM open_links WHERE round_id = :r"),
            "hour_rows": one(
                "SELECT count(*) FROM open_link_hours JOIN open_links "
                "ON open_links.id = open_link_id WHERE round_id = :r"
            ),
            "hour_answers": one(
                "SELECT sum(answers) FROM open_link_hours JOIN open_links "
                "ON open_links.id = open_link_id WHERE round_id = :r"
            ),
        }
    engine.dispose()
    return figures


def test_the_ceiling_app_writes_what_a_real_submit_writes(
    bench_on_path, bench_database_url, tmp_path
):
    """One submit through the real app, two through the ceiling under gunicorn, to one open link:
    the same rows each time, and the ceiling's count lands in the app's own hour row."""
    import http.client
    import random
    import urllib.parse

    import load

    from feedback360 import create_app
    from feedback360.extensions import db

    url, instance = bench_database_url, tmp_path / "instance"
    token, round_id = load.seed(url, instance)
    fields = load.answers_form(random.Random(1))
    app = create_app(
        {
            "INSTANCE_PATH": instance,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": load.SECRET_KEY,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    real = app.test_client().post(
        f"/s/{token}", data=dict(fields), base_url=f"http://127.0.0.1:{load.free_port()}"
    )
    with app.app_context():
        db.engine.dispose()
    assert real.status_code == 302 and real.location.endswith("/s/thanks")
    after_real = rows_of(url, round_id)
    assert after_real["responses"] == 1 and after_real["comments"] == 2

    server = load.Gunicorn(tmp_path, url, 2, "off", "", app=load.CEILING_APP)
    try:
        body = urllib.parse.urlencode(fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        replies = []
        for path in (f"/s/{token}", f"/s/{token}", f"/s/{token}x"):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("POST", path, body, headers)
            reply = connection.getresponse()
            replies.append((reply.status, reply.getheader("Location", "")))
            connection.close()
        assert replies == [(302, "/s/thanks"), (302, "/s/thanks"), (404, "")]
    finally:
        log = server.stop()
    assert "Traceback" not in log
    assert token not in server.access_log.read_text()
    assert rows_of(url, round_id) == {
        "responses": 3,
        "answers": 3 * after_real["answers"],
        "comments": 6,
        "open_link_places": 3,
        "hour_rows": 1,
        "hour_answers": 3,
    }


def test_the_ceiling_app_claims_an_invitation_once(bench_on_path, bench_database_url, tmp_path):
    import random

    import ceiling_app
    import load

    from feedback360 import create_app
    from feedback360.extensions import db
    from feedback360.models import Invitation
    from feedback360.models import Round
    from feedback360.rounds import services

    url, instance = bench_database_url, tmp_path / "instance"
    _, round_id = load.seed(url, instance)
    app = create_app(
        {"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": load.SECRET_KEY}
    )
    with app.app_context():
        created, errors = services.add_invitations(
            db.session.get(Round, round_id), "colleague@example.org, colleague"
        )
        assert not errors
        (_, invitation_token), *_ = created
        db.session.remove()

    ceiling = ceiling_app.create_app(url)
    fields = dict(load.answers_form(random.Random(2)))
    try:
        first = ceiling.test_client().post(f"/s/{invitation_token}", data=fields)
        again = ceiling.test_client().post(f"/s/{invitation_token}", data=fields)
    finally:
        ceiling_app.close(ceiling)
    assert (first.status_code, first.location) == (302, "/s/thanks")
    assert again.status_code == 409

    with app.app_context():
        assert db.session.scalar(db.select(Invitation.answered)) is True
        db.session.remove()
        db.engine.dispose()
    assert rows_of(url, round_id)["responses"] == 1


def test_the_download_phase_serves_the_pdf_the_sender_stored(
    bench_on_path, bench_database_url, tmp_path
):
    """Seeded beside load.py's survey round, as the phase does: under gunicorn, the leader logs
    in through the form and downloads exactly the stored bytes, and nothing is built anew."""
    import download_phase
    import load

    url, instance = bench_database_url, tmp_path / "instance"
    load.seed(url, instance)
    report = download_phase.seed_built_report(url, instance, respondents=12)
    assert report.pdf.startswith(b"%PDF-")
    copies = download_phase.stored_copies(url, instance)
    assert copies[f"{report.round_id}/leader"] is not None

    server = load.Gunicorn(tmp_path, url, 2, "off", "")
    try:
        cookie = download_phase.log_in(server.base, report)
        download_phase.check_download(server.base, report, cookie)  # raises unless the same
        with pytest.raises(RuntimeError, match="302"):  # no session: the login page instead
            download_phase.check_download(server.base, report, "session=none")
    finally:
        log = server.stop()
    assert "Traceback" not in log
    assert download_phase.stored_copies(url, instance) == copies
