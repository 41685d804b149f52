"""Every page a visitor, respondent, leader or coach can reach, in real Chromium (WCAG 2.2 AA):

- axe-core finds no violation at 390 and 1280 px (AXE_TAGS), and an error shown after a
  submit holds focus;
- nothing scrolls sideways at 320 CSS px (a 640 px window at 200 % zoom, or 1280 px at 400 %)
  or at 640 CSS px (1280 px at 200 %): SC 1.4.10;
- every element that takes focus shows a ring of at least 3:1 against what surrounds it;
- the survey's scale is one row at 320 CSS px with "Not observed" apart, choosing moves
  nothing, a failed submit focuses the error summary without JavaScript, and right-to-left
  comments read right to left.

Browser zoom divides the viewport's CSS width by the zoom factor and multiplies the device pixel
ratio by it; a viewport of 320 CSS px with device_scale_factor 2 is what a 640 px window at
200 % shows. (CSS `zoom` on the root would not narrow the layout viewport, so it would not test
reflow.)

A page is a recipe: a name, who opens it, the path, the text that proves it got there, and what
to type and press (failed submits included); a new page is one line in PAGES. The world behind
the pages is seeded once, and each kind of visitor keeps one browser tab for the module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from feedback360 import demo as demo_data
from feedback360 import questionnaire
from feedback360.extensions import db
from feedback360.followup.plans import save_plan
from feedback360.followup.pulses import create_pulse
from feedback360.followup.word_backs import send_word_back
from feedback360.models import Invitation
from feedback360.reports.services import save_debrief_note
from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from feedback360.rounds.services.common import today
from feedback360.tokens import issued_token
from feedback360.tokens import password_reset_token
from feedback360.tokens import signup_token
from tests.followup_setup import PLAN as FOCUS_PLAN
from tests.helpers import add_user
from tests.helpers import answer_all
from tests.helpers import approve_as_coach
from tests.helpers import invite
from tests.helpers import overflow
from tests.helpers import share_for
from tests.helpers import submit_via_token

pytestmark = pytest.mark.browser
# Failed logins and sign-ups are pages to check here, not attempts to slow down.
LIVE_APP_CONFIG = {"RATELIMIT_ENABLED": False}
WIDTHS = (390, 1280)
Q = questionnaire.load()
ZOOMS = {"320px-at-200pct": (320, 2), "640px-at-200pct": (640, 2)}
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices (landmarks, one h1, heading
# order, unique landmark names, skip link, scrollable regions reachable by keyboard...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
INVITE_LABEL = "One person per line: email, group"
RTL_COMMENTS = {
    "arabic": "على لينكدإن الأسبوع الماضي، منشورها عن البيانات المفتوحة جعلني أشارك فريقي.",
    "hebrew": "בלינקדאין בשבוע שעבר, הפוסט שלה על נתונים פתוחים גרם לי לשתף את הצוות.",
}


@dataclass(frozen=True)
class Recipe:
    name: str
    who: str  # visitor, respondent, leader or coach: whose browser session opens the page
    path: str  # formatted with the world's paths: "/rounds/{draft}"
    expect: str  # text the page shows once the recipe got there
    fill: tuple[tuple[str, str], ...] = ()  # (label, value) to type before pressing `press`
    press: str | None = None  # a button: submit the form on the page
    # A choice's label (or several) to tick in every question that has it before `press`.
    check_all: str | tuple[str, ...] | None = None

    def visit(self, page, base_url: str, paths: dict[str, str]) -> None:
        page.goto(base_url + self.path.format(**paths))
        for label, value in self.fill:
            page.get_by_label(label, exact=True).fill(value)
        labels = (self.check_all,) if isinstance(self.check_all, str) else self.check_all or ()
        for label in labels:
            for choice in page.get_by_label(label, exact=True).all():
                choice.check()
        if self.press:
            with page.expect_navigation():
                page.get_by_role("button", name=self.press, exact=True).click()
        assert self.expect in page.inner_text("body"), f"{self.name}: {self.expect!r} not shown"


def page(name, who, path, expect, press=None, check_all=None, **fill) -> Recipe:
    return Recipe(name, who, path, expect, tuple(fill.items()), press, check_all)


STEP_2 = "Step 2 of 2: check and send"

# fmt: off
PAGES = [
    page("home", "visitor", "/", "How does your leadership show up online?"),
    page("login", "visitor", "/login", "Forgot your password?"),
    page("login failed", "visitor", "/login", "Wrong email or password", "Log in",
         Email="nobody@example.org", Password="not the password"),
    page("login empty", "visitor", "/login", "Enter an email address.", "Log in"),
    page("register", "visitor", "/register", "Create an account"),
    page("register bad email", "visitor", "/register", "like name@example.com", "Email me a link",
         Email="not an address"),
    page("register sent", "visitor", "/register", "We have sent a message", "Email me a link",
         Email="new.person@example.org"),
    page("finish sign-up", "visitor", "/register/{signup}", "Finish creating your account"),
    page("finish sign-up errors", "visitor", "/register/{signup}", "at least 10", "Create account",
         Password="short"),
    page("dead sign-up link", "visitor", "/register/not-a-token", "Ask for a new sign-up"),
    page("forgot password", "visitor", "/forgot-password", "Forgot your password?"),
    page("reset password", "visitor", "/reset-password/{reset}", "Choose a new password"),
    page("reset password errors", "visitor", "/reset-password/{reset}", "at least 10",
         "Save the new password", **{"New password": "short"}),
    page("dead reset link", "visitor", "/reset-password/not-a-token", "Ask for a new reset"),
    page("not found", "visitor", "/no-such-page", "Not found"),
    page("survey", "respondent", "/s/{fresh}", "Step 1 of 2"),
    page("survey failed submit", "respondent", "/s/{fresh}", "Please check", STEP_2),
    page("survey review", "respondent", "/s/{fresh}", "Check and send", STEP_2, "Not observed"),
    page("survey open link", "respondent", "/s/{open_link}", "One answer per browser"),
    page("survey thanks", "respondent", "/s/thanks", "Thank you"),
    page("survey used link", "respondent", "/s/{used}", "already been used"),
    page("survey closed round", "respondent", "/s/{closed}", "This round has closed"),
    page("survey not open", "respondent", "/s/{not_open}", "has not opened yet"),
    page("survey paused link", "respondent", "/s/{paused}", "This link is paused"),
    page("survey broken link", "respondent", "/s/not-a-token", "This link does not work"),
    page("decline", "respondent", "/s/{asking}/decline", "No more emails about this round?"),
    page("declined", "respondent", "/s/{declined}/decline", "You will get no more emails"),
    page("dashboard", "leader", "/", "My feedback rounds"),
    page("new round", "leader", "/rounds/new", "Start a feedback round"),
    page("new round errors", "leader", "/rounds/new", "Give the round a title.", "Create round"),
    page("edit round", "leader", "/rounds/{draft}/edit", "Edit round"),
    page("draft round", "leader", "/rounds/{draft}", "Links start working once you open"),
    page("open round", "leader", "/rounds/{open}", "Open links for social media"),
    page("closed round", "leader", "/rounds/{demo}", "See results"),
    page("invitation errors", "leader", "/rounds/{draft}", "not added", "Add invitations",
         **{INVITE_LABEL: "ann@example.org, colleague\nnot an email, staff"}),
    page("invitations empty", "leader", "/rounds/{draft}", "Paste at least", "Add invitations"),
    page("share errors", "leader", "/rounds/{draft}", "like name@example.com", "Share",
         **{"Coach's email": "x"}),
    page("rate yourself", "leader", "/rounds/{draft}/self", "Rate yourself"),
    page("rate yourself errors", "leader", "/rounds/{draft}/self", "Please check",
         "Save my self-assessment"),
    page("open round asks first", "leader", "/rounds/{draft}/open", "without rating yourself"),
    page("close round asks first", "leader", "/rounds/{open}/close", "Closing is final"),
    page("replace link asks first", "leader", "/rounds/{open}/open-links/follower/replace",
         "The old link stops working"),
    page("closed self-assessment", "leader", "/rounds/{demo}/self", "can no longer change"),
    page("closed settings", "leader", "/rounds/{demo}/edit", "its settings can no longer change"),
    page("delete round", "leader", "/rounds/{draft}/delete", "It cannot be undone"),
    page("delete round errors", "leader", "/rounds/{draft}/delete", "Tick", "Delete the round"),
    page("results", "leader", "/rounds/{demo}/results", "Blind spots and hidden strengths"),
    page("forecast", "leader", "/rounds/{open}/forecast", "Forecast your results"),
    page("forecast read-only", "leader", "/rounds/{quiet}/forecast", "made no forecast"),
    page("plan", "leader", "/rounds/{demo}/plan", "Your focus plan"),
    page("plan errors", "leader", "/rounds/{quiet}/plan", "Choose at least one thing",
         "Save the plan"),
    page("results too few", "leader", "/rounds/{quiet}/results", "No group reached the threshold"),
    page("results right to left", "leader", "/rounds/{rtl}/results", "Examples respondents gave"),
    page("results not ready", "leader", "/rounds/{open}/results", "Results appear when"),
    page("report building", "leader", "/rounds/{demo}/report.pdf", "Your report is being built"),
    page("account", "leader", "/account", "What we hold about you"),
    page("account delete errors", "leader", "/account", "Enter your password",
         "Delete my account and all my rounds"),
    page("coach dashboard", "coach", "/", "Shared with me as coach"),
    page("coach results", "coach", "/rounds/{demo}/results", "Debrief note"),
    page("pulse results", "leader", "/rounds/{demo_pulse}/results", "How to read the follow-up"),
    page("coach pulse results", "coach", "/rounds/{demo_pulse}/results", "How to read the"),
    page("coach rater list", "coach", "/rounds/{reviewed}/rater-list", "asks you to approve"),
    page("coach rater list added", "coach", "/rounds/{reviewed}/rater-list", "not added",
         "Add to the list", **{INVITE_LABEL: "newcomer@example.org, staff\nnot an email, staff"}),
    page("coach rater list open", "coach", "/rounds/{vouched}/rater-list", "waits for your"),
    page("open round waits for coach", "leader", "/rounds/{reviewed}/open", "has not approved"),
    page("survey link awaits coach", "respondent", "/s/{awaiting}", "does not take answers yet"),
    # Issue 18: the word back, the follow-up pulse, and its survey.
    page("word back", "leader", "/rounds/{loop}/word-back", "A word back to the people you asked"),
    page("word back preview", "leader", "/rounds/{loop}/word-back", "It goes once",
         "See it as they will"),
    page("word back errors", "leader", "/rounds/{loop}/word-back", "Write a message",
         "See it as they will", **{"Your message": ""}),
    page("word back sent", "leader", "/rounds/{looped}/word-back", "to everyone you asked"),
    page("follow-up", "leader", "/rounds/{loop}/follow-up", "Have you noticed a change"),
    page("follow-up errors", "leader", "/rounds/{loop}/follow-up", "Choose the day",
         "Make the follow-up", **{"The follow-up opens on": ""}),
    page("follow-up needs a plan", "leader", "/rounds/{quiet}/follow-up", "Make your plan first"),
    page("follow-up round", "leader", "/rounds/{pulse}", "It asks the people of"),
    page("pulse survey", "respondent", "/s/{pulse_fresh}", "Step 1 of 2"),
    page("pulse failed submit", "respondent", "/s/{pulse_fresh}", "Please check", STEP_2),
    page("pulse review", "respondent", "/s/{pulse_fresh}", "Check and send", STEP_2,
         ("Not observed", "Can’t say")),
    page("old open link points to the pulse", "respondent", "/s/{looped_link}",
         "A word back from"),
]
# fmt: on


def seed_world() -> dict[str, str]:
    """The rounds, links and accounts behind PAGES; returns what their paths are formatted with."""
    secret = current_app.config["SECRET_KEY"]
    demo = demo_data.seed_demo(respondents=10)  # two closed rounds, shared with the demo coach
    leader = demo.leader
    forgetful = add_user("forgetful@example.org", "Forgetful Person")

    def new_round(title: str, lines: str = "", opened: bool = True):
        a_round = round_services.create_round(
            leader,
            title=title,
            why="To share what I learn.",
            platforms=["LinkedIn"],
            anonymity_threshold=3,
        )
        tokens = invite(a_round, lines) if lines else {}
        if opened:
            round_services.open_round(a_round)
        return a_round, list(tokens.values())

    draft, not_open = new_round("Draft round", "early@example.org, colleague", opened=False)
    people = "\n".join(f"person{i}@example.org, colleague" for i in range(5))
    current, tokens = new_round("Open round", people)
    submit_via_token(tokens[0], answer_all(Q, 4))
    declining = select(Invitation).filter_by(round_id=current.id, email="person2@example.org")
    round_services.decline(db.session.scalars(declining).one())
    open_link = round_services.rotate_open_link(
        round_services.ensure_open_link(current, "follower"), secret
    )
    paused = round_services.ensure_open_link(current, "other")
    paused_link = round_services.rotate_open_link(paused, secret)
    round_services.set_open_link_settings(paused, None, paused=True)
    round_services.share_with_coach(current, demo_data.COACH_EMAIL)
    quiet, closed = new_round("Quiet round", people)
    round_services.close_round(quiet)
    rtl, answering = new_round("Right-to-left round", people)
    for token, text in zip(answering, [*RTL_COMMENTS.values(), "", "", ""], strict=True):
        submit_via_token(token, answer_all(Q, 3), {"purpose": text})
    round_services.close_round(rtl)
    # The coach's side: a list to approve, an open round whose new link waits, a shared note.
    reviewed, _ = new_round("Round to vouch for", people, opened=False)
    vouched, _ = new_round("Vouched round", people, opened=False)
    for a_round in (reviewed, vouched):
        round_services.share_with_coach(a_round, demo_data.COACH_EMAIL)
        approval.ask_coach_to_review(a_round, share_for(a_round, demo_data.COACH_EMAIL))
    approve_as_coach(vouched, demo_data.COACH_EMAIL)
    round_services.open_round(vouched)
    awaiting = round_services.rotate_open_link(
        round_services.ensure_open_link(vouched, "follower"), secret
    )
    # Issue 18: a closed round with a plan, and one with its word back sent and a pulse open.
    loop, loop_tokens = new_round("Loop round", people)
    looped, looped_tokens = new_round("Looped round", people)
    looped_link = round_services.rotate_open_link(
        round_services.ensure_open_link(looped, "follower"), secret
    )
    for a_round, answering in ((loop, loop_tokens), (looped, looped_tokens)):
        for token in answering[:4]:
            submit_via_token(token, answer_all(Q, 4))
        round_services.close_round(a_round)
        assert save_plan(a_round, leader, FOCUS_PLAN).ok
    send_word_back(looped, leader, "Thank you.\n\nI will say what each post is for.")
    pulse = create_pulse(looped, leader, today(), today() + timedelta(days=14))
    pulse_fresh = next(
        issued_token([secret], "invitation", inv.nonce, inv.token_hash)
        for inv in db.session.scalars(select(Invitation).filter_by(round_id=pulse.id))
    )
    note = "Ask which thread drew the most replies, and why."
    save_debrief_note(share_for(demo, demo_data.COACH_EMAIL), note, shared=True)
    return {
        "leader_email": demo_data.LEADER_EMAIL,
        "leader_password": demo_data.LEADER_PASSWORD,
        "coach_email": demo_data.COACH_EMAIL,
        "coach_password": demo_data.COACH_PASSWORD,
        "signup": signup_token(secret, "invited.coach@example.org"),
        "reset": password_reset_token(secret, forgetful.id, forgetful.password_hash),
        "fresh": tokens[1],
        "used": tokens[0],
        "declined": tokens[2],
        "asking": tokens[3],
        "open_link": open_link,
        "paused": paused_link,
        "closed": closed[0],
        "not_open": not_open[0],
        "draft": str(draft.id),
        "open": str(current.id),
        "demo_pulse": str(demo.pulse.id),
        "demo": str(demo.id),
        "quiet": str(quiet.id),
        "rtl": str(rtl.id),
        "reviewed": str(reviewed.id),
        "vouched": str(vouched.id),
        "awaiting": awaiting,
        "loop": str(loop.id),
        "looped": str(looped.id),
        "looped_link": looped_link,
        "pulse": str(pulse.id),
        "pulse_fresh": pulse_fresh,
    }


def axe_violations(tab) -> list[dict]:
    """axe-core's violations on the page as shown, each with its rule and where it failed."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    if not tab.evaluate("typeof axe !== 'undefined'"):
        tab.evaluate(AXE.read_text(encoding="utf-8"))
    found = tab.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})
                 .then(r => r.violations.map(v => ({rule: v.id, help: v.help,
                        where: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': '
                                                       + n.failureSummary)})))""",
        AXE_TAGS,
    )
    return found


@pytest.fixture(scope="module")
def paths(live_app):
    with live_app.app_context():
        return seed_world()


@pytest.fixture(scope="module")
def sessions(browser, base_url, paths):
    """Cookies for each kind of visitor: leaders and coaches log in once."""
    states = {"visitor": None, "respondent": None}
    for who, email, password in (
        ("leader", paths["leader_email"], paths["leader_password"]),
        ("coach", paths["coach_email"], paths["coach_password"]),
    ):
        context = browser.new_context()
        tab = context.new_page()
        login = page(
            who, who, "/login", "My feedback rounds", "Log in", Email=email, Password=password
        )
        login.visit(tab, base_url, paths)
        states[who] = context.storage_state()
        context.close()
    return states


@pytest.fixture(scope="module")
def tabs(browser, sessions):
    """One page per (who, device scale), reused by every test of the module."""
    opened = {}

    def tab(who: str, scale: int = 1):
        if (who, scale) not in opened:
            context = browser.new_context(storage_state=sessions[who], device_scale_factor=scale)
            opened[who, scale] = context.new_page()
            opened[who, scale].set_default_timeout(5_000)
        return opened[who, scale]

    yield tab
    for opened_page in opened.values():
        opened_page.context.close()


# After a failed submit, the first error summary (or error message) holds focus (autofocus).
ERROR_WITHOUT_FOCUS = """() => {
  const error = document.querySelector('.error-summary, .flashes[role=alert]');
  return error && error !== document.activeElement ? error.outerHTML.slice(0, 200) : null;
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("recipe", PAGES, ids=lambda r: r.name)
def test_axe_finds_no_violation(recipe, width, tabs, base_url, paths):
    tab = tabs(recipe.who)
    tab.set_viewport_size({"width": width, "height": 900})
    recipe.visit(tab, base_url, paths)
    violations = axe_violations(tab)
    assert violations == [], json.dumps(violations, indent=1)
    assert overflow(tab) <= 0
    assert tab.evaluate(ERROR_WITHOUT_FOCUS) is None, "an error on the page did not take focus"


@pytest.mark.parametrize("zoom", ZOOMS.values(), ids=ZOOMS.keys())
@pytest.mark.parametrize("recipe", PAGES, ids=lambda r: r.name)
def test_page_reflows_without_sideways_scrolling(recipe, zoom, tabs, base_url, paths):
    width, scale = zoom
    tab = tabs(recipe.who, scale)
    tab.set_viewport_size({"width": width, "height": 640})
    recipe.visit(tab, base_url, paths)
    assert overflow(tab) <= 0, f"{recipe.name} scrolls sideways at {width} CSS px"


# Each element that takes focus, focused after a key press (so :focus-visible applies, as when
# tabbing): its ring (its own outline, or its label's for a radio or checkbox) must be at least
# 2px and differ by 3:1 from the background just outside the element, where the ring is drawn.
FOCUS_PROBLEMS = """() => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = c => c.slice(0, 3).map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
      .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const contrast = (a, b) => { const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
                               return (hi + 0.05) / (lo + 0.05); };
  const behind = el => { for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0) return c; }
    return [255, 255, 255]; };
  const ringed = e => e && getComputedStyle(e).outlineStyle !== 'none'
                        && parseFloat(getComputedStyle(e).outlineWidth) >= 2;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                     + ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"';
  const problems = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]')) {
    if (el.disabled || !el.getClientRects().length) continue;
    el.focus();
    if (document.activeElement !== el) continue;
    const ring = [el, el.closest('label')].find(ringed);
    if (!ring) { problems.push(name(el) + ': no focus ring'); continue; }
    const ratio = contrast(rgb(getComputedStyle(ring).outlineColor), behind(ring.parentElement));
    if (ratio < 3) problems.push(name(el) + ': ring contrast ' + ratio.toFixed(2));
  }
  return problems;
}"""


@pytest.mark.parametrize("recipe", PAGES, ids=lambda r: r.name)
def test_focus_is_visible_at_3_to_1(recipe, tabs, base_url, paths):
    tab = tabs(recipe.who)
    tab.set_viewport_size({"width": WIDTHS[0], "height": 900})
    recipe.visit(tab, base_url, paths)
    tab.keyboard.press("Tab")
    assert tab.evaluate(FOCUS_PROBLEMS) == []


def test_axe_catches_a_planted_violation(tabs, base_url, paths):
    """The harness is not vacuous: an image without a text alternative is reported."""
    tab = tabs("visitor")
    tab.goto(base_url + "/")
    tab.evaluate("document.querySelector('main').append(document.createElement('img'))")
    assert "image-alt" in [v["rule"] for v in axe_violations(tab)]


# Where each choice of each rating item sits on the page: [item][choice] = [left, top, width,
# height, whether its text overflows its box].
CHOICE_BOXES = """() => [...document.querySelectorAll('fieldset.item')].map(item =>
  [...item.querySelectorAll('label.choice')].map(label => {
    const r = label.getBoundingClientRect();
    return [r.left + scrollX, r.top + scrollY, r.width, r.height,
            label.scrollWidth > label.clientWidth];
  }))"""


def test_the_scale_is_one_row_at_320_px_and_not_observed_stands_apart(tabs, base_url, paths):
    tab = tabs("respondent", ZOOMS["320px-at-200pct"][1])
    tab.set_viewport_size({"width": 320, "height": 640})
    tab.goto(f"{base_url}/s/{paths['fresh']}")
    items = tab.evaluate(CHOICE_BOXES)
    assert len(items) == len(Q.items)
    for choices in items:
        *scale, not_observed = choices
        assert len(scale) == len(Q.scale)
        assert len({round(top) for _, top, *_ in scale}) == 1, "the scale wraps"
        assert not any(clipped for *_, clipped in choices), "a label overflows its box"
        assert not_observed[1] >= scale[0][1] + scale[0][3] + 4, "not observed sits apart, below"


def test_choosing_never_moves_anything(tabs, base_url, paths):
    tab = tabs("respondent")
    tab.set_viewport_size({"width": WIDTHS[0], "height": 900})
    tab.goto(f"{base_url}/s/{paths['fresh']}")
    before = tab.evaluate(CHOICE_BOXES)
    for number, item in enumerate(Q.items):
        tab.locator(f"label.choice:has(#item_{item.id}-{number % 6})").click()
    assert tab.locator("input[type=radio]:checked").count() == len(Q.items)
    assert tab.evaluate(CHOICE_BOXES) == before


def test_a_failed_submit_focuses_the_error_summary_without_javascript(browser, base_url, paths):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.goto(f"{base_url}/s/{paths['fresh']}")
    with tab.expect_navigation():
        tab.get_by_role("button", name=STEP_2).click()
    summary = tab.locator(".error-summary")
    assert summary.is_visible() and summary.evaluate("e => e === document.activeElement")
    first = Q.items[0]
    radio = tab.locator(f"#item_{first.id}-0")
    assert radio.get_attribute("aria-invalid") == "true"
    fieldset = tab.locator(f"#item_{first.id}-fieldset")
    error_id = fieldset.get_attribute("aria-describedby")
    assert "Choose an answer" in tab.locator(f"#{error_id}").inner_text()
    context.close()


def test_comments_in_right_to_left_scripts_read_right_to_left(tabs, base_url, paths):
    tab = tabs("leader")
    tab.goto(f"{base_url}/rounds/{paths['rtl']}/results")
    for text in RTL_COMMENTS.values():
        quote = tab.locator("p.quote", has_text=text)
        assert quote.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert quote.evaluate("e => e.matches(':dir(rtl)')")
    english = tab.locator("p.quote", has_text="To share what I learn.")
    assert english.evaluate("e => getComputedStyle(e).direction") == "ltr"

    survey = tabs("respondent")
    survey.goto(f"{base_url}/s/{paths['fresh']}")
    box = survey.locator("textarea:visible").first
    box.fill(RTL_COMMENTS["hebrew"])
    assert box.evaluate("e => e.matches(':dir(rtl)')")
    box.fill("On LinkedIn last week")
    assert box.evaluate("e => e.matches(':dir(ltr)')")


# The charts a reader sees (not the small strips in table cells), with the size their smallest
# text is drawn at: its font size times how much the drawing is scaled to fit.
SHOWN_CHARTS = """() => [...document.querySelectorAll('svg.chart')]
  .filter(svg => svg.getBoundingClientRect().width > 0 && !svg.closest('td, .key'))
  .map(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll('text')]
      .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    return {kind: svg.getAttribute('class'), smallest: Math.min(...sizes)};
  })"""


@pytest.mark.parametrize("who", ["leader", "coach"])
def test_the_results_page_reads_on_a_phone(who, tabs, base_url, paths):
    """At 390 px: nothing scrolls sideways, the contents list at the top leads to sections that
    exist, and the charts are drawn for the width (names above bars) with text of 10 px or more,
    where the wide drawings would shrink it to about 7 px. At 1280 px the wide drawings return."""
    tab = tabs(who)
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.goto(f"{base_url}/rounds/{paths['demo']}/results")
    assert overflow(tab) <= 0
    links = tab.eval_on_selector_all("nav.toc a", "links => links.map(a => a.getAttribute('href'))")
    assert len(links) >= 10 and all(link.startswith("#") for link in links)
    for link in links:
        assert tab.locator(f"[id='{link[1:]}']").count() == 1, f"{link} leads nowhere"
    first_section = tab.locator("section.card").first.bounding_box()
    assert tab.locator("nav.toc").bounding_box()["y"] < first_section["y"]
    charts = tab.evaluate(SHOWN_CHARTS)
    assert [chart["kind"] for chart in charts] == ["chart phone-chart"] * 2
    assert min(chart["smallest"] for chart in charts) >= 10
    tab.set_viewport_size({"width": 1280, "height": 900})
    kinds = [chart["kind"] for chart in tab.evaluate(SHOWN_CHARTS)]
    assert kinds == ["chart dimension-bars", "chart gap-chart"]
