"""Random, hostile input to the survey and invitation forms: never a 500, never half saved.

Hypothesis generates the form bodies: random Unicode (control characters, emoji, right-to-left
marks), huge texts, missing fields, repeated fields and values outside every choice. Each example
goes through the real route; afterwards the database holds either one whole response (every
item answered, comments as typed, cleaned) or nothing new at all. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.models import MAX_COMMENT_LENGTH
from feedback360.models import Answer
from feedback360.models import Comment
from feedback360.models import Invitation
from feedback360.models import Response
from feedback360.rounds import services as round_services
from feedback360.survey.forms import comment_field
from feedback360.survey.forms import item_field
from tests.helpers import drop_app
from tests.helpers import login
from tests.helpers import make_app

Q = questionnaire.load()
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text the browser could send: every Unicode category but lone surrogates (which a browser
# cannot encode), from empty to well over the comment limit.
any_text = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8"), min_size=MAX_COMMENT_LENGTH - 5, max_size=2400),
    st.sampled_from(["\x00", "\u202e evil", "🎉" * 700, "  \n\t ", "<script>x</script>"]),
)
rating_value = st.one_of(
    st.sampled_from(["1", "2", "3", "4", "5", "na"]),
    st.sampled_from(["0", "6", "-1", "4.5", "", "NA", "١"]),  # ١ is an Arabic-Indic one
    st.text(max_size=8),
)


@st.composite
def survey_bodies(draw):
    """A survey POST body: a whole valid answer, then up to three mutations (a field dropped,
    replaced by junk or sent twice), plus random comments, platforms and unknown fields."""
    body: dict[str, object] = {
        item_field(item.id): draw(st.sampled_from(["1", "2", "3", "4", "5", "na"]))
        for item in Q.items
    }
    for _ in range(draw(st.integers(0, 3))):
        name = item_field(draw(st.sampled_from(Q.items)).id)
        mutation = draw(st.sampled_from(["drop", "junk", "repeat"]))
        if mutation == "drop":
            body.pop(name, None)
        elif mutation == "junk":
            body[name] = draw(rating_value)
        else:
            body[name] = draw(st.lists(rating_value, min_size=2, max_size=3))
    for key in draw(st.lists(st.sampled_from(Q.comment_keys()), max_size=4, unique=True)):
        body[comment_field(key)] = draw(any_text)
    if draw(st.booleans()):
        body["platforms"] = draw(
            st.lists(st.one_of(st.sampled_from([p.id for p in Q.platforms]), st.text(max_size=9)))
        )
    if draw(st.booleans()):
        body[draw(st.text(min_size=1, max_size=12))] = draw(any_text)  # a field nobody asked for
    return body


@pytest.fixture
def app(database_url, tmp_path):
    """Rate limits off: they answer a flood with 429 before validation is even reached."""
    app = make_app(database_url, tmp_path, RATELIMIT_ENABLED=False)
    yield app
    drop_app(app)


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(t)) for t in (Response, Answer, Comment)
    )


@pytest.mark.fuzz
def test_survey_never_fails_and_saves_whole_responses_or_nothing(app, ctx, open_round):
    link = round_services.ensure_open_link(open_round, "follower")
    token = round_services.rotate_open_link(link, app.config["SECRET_KEY"])

    outcomes: Counter[int] = Counter()

    @FUZZ
    @given(body=survey_bodies())
    def check(body):
        before = counts()
        reply = app.test_client().post(f"/s/{token}", data=body)  # a fresh browser each time
        assert reply.status_code in (200, 302, 413), reply.status_code
        outcomes[reply.status_code] += 1
        responses, answers, comments = counts()
        if reply.status_code == 302:
            assert responses == before[0] + 1
            assert answers == before[1] + len(Q.items), "every item answered"
            saved = db.session.scalars(select(Comment.text)).all()
            assert all(text.strip() and "\x00" not in text for text in saved)
            assert all(len(text) <= MAX_COMMENT_LENGTH for text in saved)
        else:
            assert (responses, answers, comments) == before, "nothing saved from a refusal"
            if reply.status_code == 200:
                assert "Please check" in reply.text or "Please press" in reply.text
        db.session.remove()

    check()
    assert outcomes[302] and outcomes[200], f"both outcomes exercised: {outcomes}"


@st.composite
def invitation_lines(draw):
    """Pasted lists: good lines, bad lines, odd separators, control characters, huge lines."""
    good = st.builds(
        lambda name, group: f"{name}@example.org, {group}",
        st.from_regex(r"[a-z][a-z0-9.]{0,12}", fullmatch=True),
        st.sampled_from(["follower", "colleague", "staff", "other", "Staff", "nope", ""]),
    )
    line = st.one_of(good, st.text(max_size=80), st.sampled_from(["\x00,staff", "a@b", ","]))
    separator = st.sampled_from(["\n", "\r\n", "\r", "\u2028"])
    lines = draw(st.lists(line, max_size=12))
    return draw(separator).join(lines)


@pytest.mark.fuzz
def test_invitation_form_never_fails_and_keeps_only_good_lines(app, ctx, client, draft_round):
    login(client, "leader@example.com")
    round_id = draft_round.id
    groups = {g.id for g in Q.groups}
    grew: list[bool] = []

    @FUZZ
    @given(text=invitation_lines())
    def check(text):
        before = db.session.scalar(select(func.count()).select_from(Invitation))
        reply = client.post(f"/rounds/{round_id}/invitations", data={"lines": text})
        assert reply.status_code in (200, 302), reply.status_code
        invitations = db.session.scalars(select(Invitation)).all()
        assert len(invitations) >= before
        grew.append(len(invitations) > before)
        for invitation in invitations:
            assert invitation.rater_group in groups
            assert "@" in invitation.email and "\x00" not in invitation.email
            assert invitation.token_hash and invitation.email == invitation.email.strip()
        db.session.remove()

    check()
    assert any(grew) and not all(grew), "good lines were kept, and some lists held none"
