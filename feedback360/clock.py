"""The app's calendar: every date it compares or records is a date in UTC. Pure: no Flask.

A round that "closes on D" takes answers until the end of day D in UTC (00:00 UTC on D + 1),
whatever the time zone of the server, of its database session or of the leader. Dates are
computed here in Python and passed to the database, never taken from SQL's CURRENT_DATE, so
PostgreSQL's TimeZone setting does not move them either.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime


def today_utc() -> date:
    """Today's date in UTC; not `date.today()`, which is the server's local date."""
    return datetime.now(UTC).date()
