"""The survey's review step (step 2 of 2): it shows how the answers will appear and the
respondent's comments as they would print, stores nothing, and carries the answers in the page;
"Change my answers" and "Send my feedback" take them on. SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import re
import time

from sqlalchemy import func
from sqlalchemy import select

from feedback360 import anonymity
from feedback360 import questionnaire
from feedback360.aggregation import lacks_context
from feedback360.anonymity import COMBINED_ONLY
from feedback360.anonymity import COMBINED_UNIT_ID
from feedback360.anonymity import LEFT_OUT
from feedback360.anonymity import OWN_OR_COMBINED
from feedback360.anonymity import answer_outlook
from feedback360.anonymity import live_pools
from feedback360.anonymity import visibility
from feedback360.extensions import db
from feedback360.models import Comment
from feedback360.models import Invitation
from feedback360.models import Response
from feedback360.rounds import services as round_services
from feedback360.survey.forms import comment_field
from feedback360.survey.forms import item_field
from tests.helpers import SECRET_KEY
from tests.helpers import add_user
from tests.helpers import answers_on_page
from tests.helpers import drop_app
from tests.helpers import full_answers
from tests.helpers import invite
from tests.helpers import make_app
from tests.helpers import response_count
from tests.helpers import review_url
from tests.helpers import submit_via_token

Q = questionnaire.load()
VAGUE = "Great stuff, keep it up."
SPECIFIC = "On LinkedIn last week her post about the pilot made me sign up."
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Every awkward thing a comment can hold, within the 2,000 characters allowed.
ODD = (
    'He said "<script>alert(1)</script>" & left; it\'s “quoted” — 👩🏽‍💻🎉 '
    "שלום עולם \u202eRTL\u202c\nSecond line\n\n\tindented, Zoe\u0308, ‘single’ "
    "&amp; &lt;b&gt; %20 %s {minutes} {{ x }}"
)
ODD_CLEAN = ODD.replace("Zoe\u0308", "Zoë")
HUGE = ("Specific example on Bluesky. " * 80)[:1990] + "🎉"


def send_url(token: str) -> str:
    return f"/s/{token}?go=send"


def change_url(token: str) -> str:
    return f"/s/{token}?go=change"


def saved_comments() -> dict[str, str]:
    return dict(db.session.execute(select(Comment.key, Comment.text)).all())


# --- Step 1 leads to step 2, which stores nothing --------------------------------------------


def test_step_one_says_where_the_respondent_is_and_leads_to_the_review(client, open_round):
    page = client.get(f"/s/{open_round.tokens['staff0@example.org']}").text
    assert "Step 1 of 2" in page
    assert 'action="?go=review"' in page
    assert ">Step 2 of 2: check and send</button>" in page
    # Each dimension's example unfolds only for those who want to write one.
    assert page.count('<details class="example">') == len(Q.dimensions)
    for question in Q.open_questions:
        assert f'name="{comment_field(question.id)}"' in page.split("</details>")[-1]


def test_the_review_shows_the_comments_as_they_would_print_and_stores_nothing(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    data = full_answers("4", **{comment_field("purpose"): SPECIFIC, comment_field("keep"): ODD})
    data["platforms"] = ["threads", "youtube"]
    page = client.post(review_url(token), data=data)
    assert page.status_code == 200
    assert "Step 2 of 2" in page.text and "Check and send" in page.text
    assert response_count() == 0 and db.session.scalar(select(func.count(Comment.id))) == 0
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.email == "staff0@example.org")
    )
    assert invitation.answered is False, "nothing about the respondent is kept before the send"
    own = page.text.split("Your comments, as they would print")[1]
    assert own.index(Q.dimension("purpose").title) < own.index(SPECIFIC)
    keep = next(o for o in Q.open_questions if o.id == "keep")
    assert own.index(keep.text) < own.index("He said &#34;&lt;script&gt;")
    kept = answers_on_page(page.text)
    assert kept[comment_field("keep")] == ODD_CLEAN
    assert kept.getlist("platforms") == ["threads", "youtube"]
    assert all(kept[item_field(item.id)] == "4" for item in Q.items)


def test_an_unknown_step_reviews_and_stores_nothing(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    page = client.post(f"/s/{token}?go=bogus", data=full_answers())
    assert page.status_code == 200 and "Check and send" in page.text
    assert response_count() == 0


def test_send_stores_exactly_what_was_reviewed(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    data = full_answers("2", **{comment_field("keep"): ODD, comment_field("value"): HUGE})
    data[item_field(Q.items[0].id)] = "na"
    data["platforms"] = ["podcast", "linkedin"]
    review = client.post(review_url(token), data=data)
    reply = client.post(send_url(token), data=answers_on_page(review.text))
    assert reply.status_code == 302 and reply.headers["Location"] == "/s/thanks"
    assert saved_comments() == {"keep": ODD_CLEAN, "value": HUGE}
    saved = db.session.scalar(select(Response))
    assert saved.platforms == "linkedin,podcast"
    values = {a.item_id: a.value for a in saved.answers}
    assert values[Q.items[0].id] is None and set(values.values()) == {None, 2}


def test_change_my_answers_returns_to_step_one_with_everything_kept(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    data = full_answers("5", **{comment_field("human"): ODD, comment_field("change"): HUGE})
    data["platforms"] = ["tiktok"]
    review = client.post(review_url(token), data=data)
    page = client.post(change_url(token), data=answers_on_page(review.text))
    assert page.status_code == 200
    assert "Step 1 of 2" in page.text and "Please check" not in page.text
    again = answers_on_page(page.text)
    assert again[comment_field("human")] == ODD_CLEAN
    assert again[comment_field("change")] == HUGE
    assert again.getlist("platforms") == ["tiktok"]
    assert all(again[item_field(item.id)] == "5" for item in Q.items)
    assert '<details class="example" open>' in page.text, "an example with text stays open"
    assert response_count() == 0


def test_answers_that_need_the_respondent_stay_on_step_one(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    data = full_answers(
        "3", **{comment_field("keep"): "Kept text", comment_field("value"): "x" * 2001}
    )
    del data[item_field(Q.items[5].id)]
    page = client.post(review_url(token), data=data)
    assert page.status_code == 200
    assert "Step 1 of 2" in page.text and "Please check 2 answers" in page.text
    assert "Check and send" not in page.text
    assert answers_on_page(page.text)[comment_field("keep")] == "Kept text"
    # A send whose hidden fields were tampered with is checked again like step 1.
    bad = full_answers("3")
    bad[item_field(Q.items[0].id)] = "7"
    refused = client.post(send_url(token), data=bad)
    assert "Please check 1 answer" in refused.text and "Step 1 of 2" in refused.text
    assert response_count() == 0


def test_the_review_step_sent_twice_saves_once_and_says_what_happened(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    review = client.post(review_url(token), data=full_answers(**{comment_field("keep"): SPECIFIC}))
    hidden = answers_on_page(review.text)
    assert client.post(send_url(token), data=hidden).status_code == 302
    again = client.post(send_url(token), data=hidden)
    assert again.status_code == 409
    assert "Not saved: this link has already been used" in again.text
    assert "your first send went through" in again.text
    assert "private window" not in again.text and "cookie" not in again.text
    assert SPECIFIC in again.text, "what they wrote is shown back, to copy"
    assert response_count() == 1
    later = client.get(f"/s/{token}")
    assert later.status_code == 409 and "This link has already been used" in later.text
    assert "Not saved" not in later.text and SPECIFIC not in later.text


def test_an_open_link_answered_from_this_browser_says_so_with_its_tip(app, client, open_round):
    link = round_services.ensure_open_link(open_round, "follower")
    token = round_services.rotate_open_link(link, SECRET_KEY)
    assert anonymity.OPEN_LINK_NOTE in client.get(f"/s/{token}").text
    review = client.post(review_url(token), data=full_answers())
    assert client.post(send_url(token), data=answers_on_page(review.text)).status_code == 302
    again = client.get(f"/s/{token}")
    assert again.status_code == 409
    assert "You have already answered from this browser" in again.text
    assert anonymity.ANSWERED_HERE in again.text and "private window" in again.text
    paused = round_services.ensure_open_link(open_round, "colleague")
    paused_token = round_services.rotate_open_link(paused, SECRET_KEY)
    round_services.set_open_link_settings(paused, None, True)
    page = app.test_client().get(f"/s/{paused_token}")
    assert "This link is paused" in page.text and "private window" not in page.text


def test_review_and_change_do_not_count_against_the_submit_rate_limit(database_url, tmp_path):
    app = make_app(database_url, tmp_path, SURVEY_RATE_LIMIT="2 per minute")
    try:
        with app.app_context():
            leader = add_user("leader@example.com")
            a_round = round_services.create_round(
                leader, title="Busy wifi", platforms=[], closes_on=None, anonymity_threshold=3
            )
            round_services.open_round(a_round)
            link = round_services.ensure_open_link(a_round, "follower")
            token = round_services.rotate_open_link(link, SECRET_KEY)
        for _ in range(2):  # two people, each looking twice before sending
            browser = app.test_client()
            for _ in range(3):
                review = browser.post(review_url(token), data=full_answers())
                assert review.status_code == 200
                assert browser.post(change_url(token), data=full_answers()).status_code == 200
            assert (
                browser.post(send_url(token), data=answers_on_page(review.text)).status_code == 302
            )
        third = app.test_client()
        review = third.post(review_url(token), data=full_answers("1"))
        assert review.status_code == 200, "reviewing is never limited"
        limited = third.post(send_url(token), data=answers_on_page(review.text))
        assert limited.status_code == 429 and "Check and send" in limited.text
        assert "press “Send my feedback” again" in limited.text
        assert all(answers_on_page(limited.text)[item_field(i.id)] == "1" for i in Q.items)
        with app.app_context():
            assert response_count() == 2
    finally:
        drop_app(app)


# --- What the review says about the round: rules, never counts ---------------------------------


def review_text(page) -> str:
    return page.text.split("How your answers will appear")[1].split("</section>")[0]


def test_the_review_says_the_rule_for_the_group_in_the_one_sources_words(client, open_round, app):
    """In `open_round` 4 colleagues, 3 staff and 3 followers are invited (each on its own) and
    1 other (counted nowhere: fewer than 3 even with the other small groups)."""
    app.config["REPORT_COMMENT_THRESHOLD"] = 7
    groups = {g.id: g for g in Q.groups}
    staff_link = review_url(open_round.tokens["staff0@example.org"])
    staff = review_text(client.post(staff_link, data=full_answers()))
    assert anonymity.review_outlook(OWN_OR_COMBINED, groups["staff"], 3) in staff
    assert "“Staff”" in staff and "7 or more" in staff
    assert anonymity.review_comments_rule(OWN_OR_COMBINED, 7) in staff
    other_link = review_url(open_round.tokens["other0@example.org"])
    other = review_text(client.post(other_link, data=full_answers()))
    assert anonymity.review_outlook(LEFT_OUT, groups["other"], 3) in other
    assert anonymity.review_comments_rule(LEFT_OUT, 7) in other


def test_a_small_group_hears_it_is_combined_only(client, leader):
    a_round = round_services.create_round(
        leader, title="Small", platforms=[], closes_on=None, anonymity_threshold=3
    )
    tokens = invite(
        a_round, "s0@x.org, staff\ns1@x.org, staff\no0@x.org, other\nc@x.org, colleague"
    )
    round_services.open_round(a_round)
    page = client.post(review_url(tokens["s0@x.org"]), data=full_answers())
    text = review_text(page)
    staff = Q.group("staff")
    assert anonymity.review_outlook(COMBINED_ONLY, staff, 3) in text
    assert "Few people are invited in your group" in text
    assert "“Staff”" not in text, "never promised to stand alone"


def test_the_review_is_the_same_however_many_have_answered(client, open_round):
    """Nothing on it moves with other respondents: their answers, or a closed count."""
    token = open_round.tokens["staff0@example.org"]

    def shown() -> str:
        page = client.post(review_url(token), data=full_answers(**{comment_field("keep"): VAGUE}))
        return CSRF_FIELD.sub("", page.text)

    before = shown()
    for email in ("staff1@example.org", "staff2@example.org", "other0@example.org"):
        submit_via_token(open_round.tokens[email], {item.id: 3 for item in Q.items})
    assert shown() == before


def test_the_outlook_never_promises_what_the_report_would_not_do():
    """For invitations and counts of every kind (up to 4 invited and 3 answers per group): a
    group told OWN_OR_COMBINED stands alone exactly when it reaches the threshold;
    COMBINED_ONLY never stands alone; LEFT_OUT never counts anywhere. Pure: it runs once."""
    groups = Q.groups
    threshold = 3
    for invited_sizes in itertools.product(range(5), repeat=len(groups)):
        invited = {g.id: n for g, n in zip(groups, invited_sizes, strict=True)}
        small = [g for g, n in invited.items() if 0 < n < threshold]
        # Pooled as at open, or pooled earlier and grown since (a group never leaves the pool).
        grown = [g for g, n in invited.items() if n >= threshold][:1]
        for pooled in {tuple(small), tuple(small + grown)}:
            pools = live_pools(invited, pooled, threshold, groups)
            outlooks = {g.id: answer_outlook(g.id, pools) for g in groups}
            for counts in itertools.product(range(4), repeat=len(groups)):
                answered = dict(zip(invited, counts, strict=True))
                vis = visibility(answered, threshold, groups, pools)
                for group_id, outlook in outlooks.items():
                    if not answered[group_id]:
                        continue
                    unit = vis.unit_of(group_id)
                    case = (invited, pooled, answered, group_id)
                    if outlook == OWN_OR_COMBINED:
                        assert (unit == group_id) == (answered[group_id] >= threshold), case
                    elif outlook == COMBINED_ONLY:
                        assert unit in (COMBINED_UNIT_ID, None), case
                    else:
                        assert unit is None, case


# --- The gentle prompt for a comment with no platform, moment or effect -------------------------


def test_lacks_context_uses_the_specificity_patterns():
    assert lacks_context(VAGUE) and lacks_context("Clear why. 👍")
    assert not lacks_context(SPECIFIC)
    assert not lacks_context("Her newsletter is good")  # a platform
    assert not lacks_context("When the launch slipped she said so")  # a moment
    assert not lacks_context("It made me rethink my own posts")  # an effect


def test_a_vague_comment_gets_one_gentle_prompt_that_never_blocks(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    data = full_answers(**{comment_field("purpose"): VAGUE, comment_field("keep"): SPECIFIC})
    review = client.post(review_url(token), data=data)
    assert review.text.count('class="nudge"') == 1
    nudge = review.text.split('class="nudge"')[1]
    assert f'formaction="?go=change#{comment_field("purpose")}-fieldset"' in nudge
    assert "Or keep it as it is." in nudge
    # Add a detail: step 1, the example open at its anchor; back unchanged: not asked again.
    step1 = client.post(change_url(token), data=answers_on_page(review.text))
    assert f'id="{comment_field("purpose")}-fieldset"' in step1.text
    again = client.post(review_url(token), data=answers_on_page(step1.text))
    assert 'class="nudge"' not in again.text
    assert client.post(send_url(token), data=answers_on_page(again.text)).status_code == 302
    assert saved_comments() == {"purpose": VAGUE, "keep": SPECIFIC}
    stored = db.session.execute(select(Response.__table__)).mappings().one()
    assert set(stored) == {"id", "round_id", "rater_group", "platforms"}, "no trace of it"


def test_the_prompt_reads_a_comment_in_its_own_language(client, open_round):
    """A specific Spanish comment is not asked for context, a vague German one is: the same as
    their English equivalents (tests/test_specificity.py holds the parallel comments)."""
    token = open_round.tokens["staff0@example.org"]
    specific = "Cuando se retrasó el lanzamiento escribió un hilo explicando por qué; me ayudó."
    vague = "Sehr gut, weiter so."
    data = full_answers(**{comment_field("purpose"): vague, comment_field("keep"): specific})
    review = client.post(review_url(token), data=data)
    assert review.text.count('class="nudge"') == 1
    nudge = review.text.split('class="nudge"')[1]
    assert f'formaction="?go=change#{comment_field("purpose")}-fieldset"' in nudge


# --- Links that stop working between the steps ----------------------------------------------------


def test_a_round_closed_between_the_steps_says_so_and_gives_the_words_back(client, open_round):
    token = open_round.tokens["staff0@example.org"]
    review = client.post(review_url(token), data=full_answers(**{comment_field("keep"): ODD}))
    round_services.close_round(open_round)
    page = client.post(send_url(token), data=answers_on_page(review.text))
    assert page.status_code == 410 and "This round has closed" in page.text
    assert "What you wrote" in page.text and "Nothing you sent was saved" in page.text
    assert answers_on_page(page.text) == {} and "He said &#34;&lt;script&gt;" in page.text
    # And between step 1 and step 2.
    step1 = client.post(review_url(token), data=full_answers(**{comment_field("keep"): SPECIFIC}))
    assert step1.status_code == 410 and SPECIFIC in step1.text
    assert response_count() == 0


def test_a_forged_or_replaced_link_at_step_two_saves_nothing(csrf_app):
    with csrf_app.app_context():
        leader = add_user("leader@example.com")
        a_round = round_services.create_round(
            leader, title="R", platforms=[], closes_on=None, anonymity_threshold=3
        )
        tokens = invite(a_round, "ann@example.org, staff")
        round_services.open_round(a_round)
    token = tokens["ann@example.org"]
    browser = csrf_app.test_client(use_cookies=False)  # a personal link needs no cookie
    page = browser.get(f"/s/{token}")
    data = full_answers(
        csrf_token=CSRF_FIELD.search(page.text)[1], **{comment_field("keep"): SPECIFIC}
    )
    review = browser.post(review_url(token), data=data)
    assert review.status_code == 200 and "Check and send" in review.text
    hidden = answers_on_page(review.text)
    forged = browser.post(send_url(token[:-3] + "xyz"), data=hidden)
    assert forged.status_code == 404 and "This link does not work" in forged.text
    assert SPECIFIC not in forged.text, "a page for another link is not this one's"
    with csrf_app.app_context():
        invitation = db.session.scalar(select(Invitation))
        round_services.new_invitation_link(invitation)  # the leader replaced it meanwhile
    replaced = browser.post(send_url(token), data=hidden)
    assert replaced.status_code == 404 and "This link does not work" in replaced.text
    assert SPECIFIC in replaced.text, "their own words back, from their own page"
    with csrf_app.app_context():
        assert response_count() == 0


def test_an_expired_token_at_step_two_asks_once_more_with_everything_kept(csrf_app):
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 1
    with csrf_app.app_context():
        leader = add_user("leader@example.com")
        a_round = round_services.create_round(
            leader, title="R", platforms=[], closes_on=None, anonymity_threshold=3
        )
        token = invite(a_round, "ann@example.org, staff")["ann@example.org"]
        round_services.open_round(a_round)
    browser = csrf_app.test_client()
    page = browser.get(f"/s/{token}")
    data = full_answers(
        "2", csrf_token=CSRF_FIELD.search(page.text)[1], **{comment_field("keep"): ODD}
    )
    time.sleep(2.1)  # older than the 1 s limit; the review needs no valid token
    review = browser.post(review_url(token), data=data)
    assert review.status_code == 200 and "once more" not in review.text
    stale = answers_on_page(review.text)
    time.sleep(2.1)
    again = browser.post(send_url(token), data=stale)
    assert again.status_code == 200 and "press “Send my feedback” once more" in again.text
    assert answers_on_page(again.text)[comment_field("keep")] == ODD_CLEAN
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    done = browser.post(send_url(token), data=answers_on_page(again.text))
    assert done.status_code == 302
    with csrf_app.app_context():
        assert saved_comments() == {"keep": ODD_CLEAN}


def test_an_open_link_without_cookies_is_told_at_the_review_already(csrf_app):
    with csrf_app.app_context():
        leader = add_user("leader@example.com")
        a_round = round_services.create_round(
            leader, title="R", platforms=[], closes_on=None, anonymity_threshold=3
        )
        round_services.open_round(a_round)
        link = round_services.ensure_open_link(a_round, "follower")
        token = round_services.rotate_open_link(link, SECRET_KEY)
    browser = csrf_app.test_client(use_cookies=False)
    page = browser.get(f"/s/{token}")
    data = full_answers(csrf_token=CSRF_FIELD.search(page.text)[1])
    review = browser.post(review_url(token), data=data)
    assert review.status_code == 200 and "This open survey needs cookies" in review.text
    assert "Check and send" in review.text
