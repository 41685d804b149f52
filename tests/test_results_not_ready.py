"""No path shows a round's results while `results_ready` is False (issue 13, leak 4).

A round whose close could not checkpoint the SQLite WAL (a reader held it back) still has every
submit in the WAL; its results wait. Its figures must not come out through another round's
trend either: the results page and PDF of a later round compare with the leader's latest earlier
round, and that one may be closed but not ready.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import Round
from feedback360.reports.services import report_data
from feedback360.rounds import services as round_services
from tests.helpers import answer_all
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import submit_via_token

Q = questionnaire.load()


def answered_open_round(leader, title: str, rating: int) -> Round:
    a_round = round_services.create_round(
        leader, title=title, anonymity_threshold=3, closes_on=None, platforms=[]
    )
    tokens = invite(a_round, "\n".join(f"{title}{i}@example.org, staff" for i in range(5)))
    round_services.open_round(a_round)
    for token in tokens.values():
        submit_via_token(token, answer_all(Q, rating))
    return a_round


def test_a_later_rounds_trend_does_not_show_a_round_still_being_prepared(client, leader):
    """Round A is still open when round B opens; B closes and is ready; A closes the same day
    while a reader holds the checkpoint back. B's results compare with A only once A is ready."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("only a held-back SQLite checkpoint leaves a closed round not ready")
    earlier = answered_open_round(leader, "Autumn", 2)
    later = answered_open_round(leader, "Winter", 5)
    round_services.close_round(later)
    assert later.results_ready
    login(client, "leader@example.com")
    with closing(sqlite3.connect(db.engine.url.database)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM responses").fetchone()  # a snapshot, held
        round_services.close_round(earlier)
        db.session.expire_all()
        assert db.session.get(Round, earlier.id).status == "closed"
        assert not db.session.get(Round, earlier.id).results_ready
        assert "Results are being prepared" in client.get(f"/rounds/{earlier.id}/results").text
        assert report_data(db.session.get(Round, later.id)).earlier is None
        page = client.get(f"/rounds/{later.id}/results").text
        assert "Winter" in page and "Autumn" not in page, "no trend from a round not ready"
    db.session.expire_all()
    assert client.get(f"/rounds/{earlier.id}/results").status_code == 200
    page = client.get(f"/rounds/{later.id}/results").text
    assert "Compared with “Autumn”" in page, "the trend comes back once the earlier is ready"
