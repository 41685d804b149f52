"""An open link may already be posted, on a slide or printed as a QR code: replacing it is
asked first, on a page that says the old link stops working. Making a group's first link is
not; the form that makes links offers only the groups without one."""

from __future__ import annotations

import re

from feedback360.extensions import db
from feedback360.models import OpenLink
from feedback360.rounds import services as round_services
from tests.helpers import SECRET_KEY
from tests.helpers import full_answers
from tests.helpers import login
from tests.helpers import section_of
from tests.helpers import visible_text

LINK = re.compile(r'value="https?://[^"]*/s/([A-Za-z0-9_\-]+)"')


def make_link(a_round, group: str = "follower") -> str:
    link = round_services.ensure_open_link(a_round, group)
    return round_services.rotate_open_link(link, SECRET_KEY)


def links_on_page(client, a_round) -> list[str]:
    return LINK.findall(client.get(f"/rounds/{a_round.id}").get_data(as_text=True))


def test_the_make_form_offers_only_groups_without_a_link(client, draft_round):
    make_link(draft_round, "follower")
    login(client, "leader@example.com")
    section = section_of(
        client.get(f"/rounds/{draft_round.id}").get_data(as_text=True), "open-links"
    )
    offered = re.findall(r'<option[^>]*value="([a-z]+)"', section)
    assert offered == ["colleague", "staff", "other"]
    assert "Make an open link</button>" in section
    replace = f'href="/rounds/{draft_round.id}/open-links/follower/replace">Replace this link…</a>'
    assert replace in section
    for group in offered:
        make_link(draft_round, group)
    section = section_of(
        client.get(f"/rounds/{draft_round.id}").get_data(as_text=True), "open-links"
    )
    assert "Make an open link" not in section, "every group has its link"
    assert section.count("Replace this link…") == 4


def test_making_a_link_that_exists_asks_first_and_changes_nothing(app, client, draft_round):
    token = make_link(draft_round)
    login(client, "leader@example.com")
    reply = client.post(f"/rounds/{draft_round.id}/open-links", data={"group": "follower"})
    assert reply.status_code == 302
    assert reply.location == f"/rounds/{draft_round.id}/open-links/follower/replace"
    assert links_on_page(client, draft_round) == [token]
    page = client.get(reply.location)
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    assert "Replace the open link for followers?" in text
    assert "The old link stops working at once." in text
    assert "Answers already given stay" in text
    assert links_on_page(client, draft_round) == [token], "looking at the page replaces nothing"


def test_confirming_replaces_the_link_and_the_old_one_stops(app, client, open_round):
    old = make_link(open_round)
    assert app.test_client().post(f"/s/{old}", data=full_answers()).status_code == 302
    login(client, "leader@example.com")
    page = client.get(f"/rounds/{open_round.id}/open-links/follower/replace")
    html = page.get_data(as_text=True)
    form = re.search(r'<form method="post" novalidate>(.*?)</form>', html, re.S)[1]
    assert "Replace the link</button>" in form
    assert f'href="/rounds/{open_round.id}#open-links">Cancel, keep it</a>' in form
    reply = client.post(f"/rounds/{open_round.id}/open-links/follower/replace")
    assert reply.location == f"/rounds/{open_round.id}#open-links"
    after = client.get(reply.location).get_data(as_text=True)
    assert "New open link for followers made; the old one no longer works." in after
    (new,) = LINK.findall(after)
    assert new != old
    assert app.test_client().get(f"/s/{old}").status_code == 404
    assert app.test_client().get(f"/s/{new}").status_code == 200
    db.session.expire_all()
    assert db.session.query(OpenLink).one().responses == 1, "answers given through it stay"


def test_a_closed_rounds_link_is_not_replaced(client, open_round):
    token = make_link(open_round)
    round_services.close_round(open_round)
    login(client, "leader@example.com")
    for method in (client.get, client.post):
        reply = method(f"/rounds/{open_round.id}/open-links/follower/replace")
        assert reply.status_code == 302
        assert reply.location == f"/rounds/{open_round.id}#open-links"
        text = client.get(reply.location).get_data(as_text=True)
        assert "its open links can no longer be replaced" in text
    assert links_on_page(client, open_round) == [token]
    assert "Replace this link" not in client.get(f"/rounds/{open_round.id}").get_data(as_text=True)


def test_no_replace_page_for_a_missing_link_or_someone_elses(client, other_leader, draft_round):
    make_link(draft_round)
    login(client, "leader@example.com")
    base = f"/rounds/{draft_round.id}/open-links"
    assert client.get(f"{base}/staff/replace").status_code == 404
    assert client.get(f"{base}/boss/replace").status_code == 404
    client.post("/logout")
    login(client, "other@example.com")
    assert client.get(f"{base}/follower/replace").status_code == 404
    assert client.post(f"{base}/follower/replace").status_code == 404
