"""Closing dates are UTC dates, whatever the server's time zone or PostgreSQL's session TimeZone.

A round that closes on D takes answers until the end of D in UTC. The process runs here under
UTC+14 (Pacific/Kiritimati) and UTC-12 (Etc/GMT+12) in turn: at any moment at least one of them
has another date than UTC, so code that read the local date would be caught at any hour.
"""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy import text

from feedback360 import PROJECT_ROOT
from feedback360 import clock
from feedback360.extensions import db
from feedback360.rounds import services as round_services
from tests.helpers import invite

FAR_ZONES = ("Pacific/Kiritimati", "Etc/GMT+12")


@contextmanager
def process_time_zone(zone: str):
    """Run the block with the process's TZ set to `zone`; put the old one back afterwards."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def far_session_time_zone(app):
    """On PostgreSQL, every new connection's TimeZone is Pacific/Kiritimati (UTC+14).

    Ask for it before any fixture that uses the database, so no connection predates it."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        yield None
        return

    def set_zone(dbapi_connection, connection_record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Pacific/Kiritimati'")
        dbapi_connection.commit()

    with app.app_context():
        db.engine.dispose()
        event.listen(db.engine, "connect", set_zone)
    yield "Pacific/Kiritimati"
    with app.app_context():
        event.remove(db.engine, "connect", set_zone)


def utc_today() -> date:
    return datetime.now(UTC).date()


def test_a_far_time_zone_really_moves_the_local_date():
    """The premise of the tests below: one of the two zones is on another date than UTC."""
    local_dates = set()
    for zone in FAR_ZONES:
        with process_time_zone(zone):
            local_dates.add(date.today())
            assert clock.today_utc() == utc_today()
    assert local_dates - {utc_today()}, "at least one zone is on another date"


def new_open_round(leader, closes_on: date, title: str):
    a_round = round_services.create_round(
        leader, title=title, platforms=[], closes_on=closes_on, anonymity_threshold=3
    )
    token = invite(a_round, f"someone@{title.lower()}.example.org, colleague")
    round_services.open_round(a_round)
    return a_round, next(iter(token.values()))


def test_closing_dates_are_compared_in_utc(far_session_time_zone, app, client, leader):
    if far_session_time_zone:
        assert db.session.scalar(text("SHOW TimeZone")) == far_session_time_zone
    for number, zone in enumerate(FAR_ZONES):
        with process_time_zone(zone):
            today = utc_today()
            closing_today, open_token = new_open_round(leader, today, f"Today{number}")
            closing_yesterday, late_token = new_open_round(
                leader, today + timedelta(days=1), f"Yesterday{number}"
            )
            # It was opened in time; its closing date has passed since (by UTC).
            closing_yesterday.closes_on = today - timedelta(days=1)
            db.session.commit()

            assert closing_today.opened_on == today, zone
            assert client.get(f"/s/{open_token}").status_code == 200, zone
            assert client.get(f"/s/{late_token}").status_code == 410, zone

            outcome = round_services.run_schedule()
            assert outcome["closed"] == 0, f"{zone}: the yesterday round was closed by its page"
            db.session.expire_all()
            assert closing_today.status == "open", zone
            assert closing_yesterday.status == "closed", zone
            assert closing_yesterday.closed_on == today, zone

            draft = round_services.create_round(
                leader,
                title=f"Draft{number}",
                platforms=[],
                closes_on=today - timedelta(days=1),
                anonymity_threshold=3,
            )
            with pytest.raises(round_services.RoundError, match="closing date has passed"):
                round_services.open_round(draft)
            draft.closes_on = today
            round_services.open_round(draft)
            assert draft.status == "open", zone


def test_the_schedule_closes_by_utc_date(far_session_time_zone, app, leader):
    """The sender loop, not a page, closes a round whose UTC closing day has ended."""
    for number, zone in enumerate(FAR_ZONES):
        with process_time_zone(zone):
            today = utc_today()
            due, _ = new_open_round(leader, today + timedelta(days=1), f"Due{number}")
            not_yet, _ = new_open_round(leader, today, f"NotYet{number}")
            due.closes_on = today - timedelta(days=1)
            db.session.commit()
            assert round_services.run_schedule()["closed"] == 1, zone
            db.session.expire_all()
            assert (due.status, not_yet.status) == ("closed", "open"), zone


LOCAL_CLOCKS = re.compile(
    r"date\.today\(|datetime\.now\(\)|datetime\.today\(|utcnow\(|current_date|localtime\(",
    re.IGNORECASE,
)


def test_no_code_reads_a_local_or_sql_date():
    """Every date comes from `clock.today_utc` (or an explicit UTC `datetime.now(UTC)`)."""
    package = PROJECT_ROOT / "feedback360"
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LOCAL_CLOCKS.search(line) and path.name != "clock.py"
    ]
    assert not found, "\n".join(found)
