"""Which rater groups a report may show, given how many people answered in each.

This is the product's promise to raters, in plain words:

1. Nothing is shown for fewer than `threshold` people, and the threshold is never below 3.
2. A group with at least `threshold` responses is shown on its own.
3. A group with 1 to `threshold - 1` responses is hidden. Hidden groups are merged into one unit,
   "Other groups combined", only when at least two of them have responses and together they reach
   the threshold. Merging a single hidden group would just show it under another name, so a lone
   hidden group is never merged.
4. Hidden groups that are not merged are left out of everything: their scores, their comments, and
   every total. "All others" means the shown groups plus the combined unit only, so nobody can
   subtract the shown groups from a total and work a hidden group out.
5. A group with no responses shows nothing.
6. Once any invitation has gone out, the threshold can go up but never down, so a rater who
   answered under one promise is never shown under a weaker one.
7. The report follows what the leader's round page counted while the round was open
   (`LivePools`): a group the page counted only inside its combined line never stands alone
   and is folded with that line's other groups, and a group the page counted nowhere is left
   out. Otherwise the report's figure minus the page's would give a small group's count.

A report prints a group's number of responses only when the group is shown on its own. A group
below the threshold gets the same words whether 0 or `threshold - 1` people in it answered
(`report_group_lines`): in a group of one invitee, "1 response" would say that person answered,
which closing the round otherwise forgets. Folded groups are counted only together, as the
combined unit, and no total includes a group that is left out.

Counts on the leader's round page follow a rule of their own (`progress_view`), because they
move: in a group of one or two invitees, an "answered" or "declined" that goes up names the
person who did it. So nothing that moves with a respondent (answered, declined, responses) is
shown for a group with fewer than `threshold` invitees. Such groups are counted only together,
as "Other groups combined", and only when together they have at least `threshold` invitees; a
group once counted that way stays there for the rest of the round, or comparing the combined
line before and after it grew would single out the others. There is no total line, so no total
minus the shown lines gives a hidden group away.

An open link's answers are shown beside the link, and a report counts the group's responses:
the difference is how many of its personal invitations were answered. So a group with an open
link has either no personal invitations or at least `threshold` (`open_link_mix_is_small`), and
the threshold cannot be raised past a linked group's invitations; with that many the round page
shows the group's answered count anyway.

Pure module: no Flask or SQLAlchemy import.
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

from .questionnaire import Group
from .wording import N_
from .wording import _
from .wording import ngettext

MIN_THRESHOLD = 3
COMBINED_UNIT_ID = "combined"
# Shown through `_()`: the label in the language being rendered.
COMBINED_UNIT_LABEL = N_("Other groups combined")


@dataclass(frozen=True)
class ReportedUnit:
    """A set of raters whose answers are reported together: one shown group, or the combined one."""

    id: str
    label: str
    respondents: int
    group_ids: tuple[str, ...]


@dataclass(frozen=True)
class Visibility:
    """What a report may show for a round; every report figure goes through `unit_of`."""

    threshold: int
    counts: dict[str, int]
    units: tuple[ReportedUnit, ...]
    folded_groups: tuple[str, ...]
    hidden_groups: tuple[str, ...]

    def unit_of(self, group_id: str) -> str | None:
        """The unit a group's answers count in, or None when they must not count anywhere."""
        for unit in self.units:
            if group_id in unit.group_ids:
                return unit.id
        return None

    @property
    def reported_respondents(self) -> int:
        """Responses that count in the report (hidden groups excluded)."""
        return sum(unit.respondents for unit in self.units)


def validate_threshold(value: int) -> None:
    """Refuse thresholds that would let a reader pick out one or two people."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            _("The anonymity threshold must be a whole number, not %(value)r.", value=value)
        )
    if value < MIN_THRESHOLD:
        raise ValueError(
            _(
                "The anonymity threshold must be at least %(least)d; %(value)d would let answers "
                "be traced to individuals.",
                least=MIN_THRESHOLD,
                value=value,
            )
        )


def can_change_threshold(current: int, new: int, invitations_sent: bool) -> str | None:
    """Return why the change is refused, or None: raters answered under the current promise."""
    try:
        validate_threshold(new)
    except ValueError as error:
        return str(error)
    if invitations_sent and new < current:
        return _(
            "Invitations have gone out with an anonymity threshold of %(current)d; it can be "
            "raised but not lowered.",
            current=current,
        )
    return None


def small_groups_fold(
    small_groups: int, small_total: int, threshold: int, pooled: bool = False
) -> bool:
    """Rule 3: the groups below the threshold are reported together only when at least two of
    them have responses (or the page's combined line has: its total was shown while the round
    was open) and together they reach the threshold."""
    return (small_groups >= 2 or pooled) and small_total >= threshold


@dataclass(frozen=True)
class LivePools:
    """How the leader's page counted the groups while the round was open (`progress_view`).

    The report follows it: a group in the page's combined line never stands alone (the combined
    line minus that group would give the others' count), and a group the page counted nowhere
    is left out of the report (its count, next to lines the page showed, would be new).
    """

    combined: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()


NO_POOLS = LivePools()  # a round whose page combined and hid nothing


def live_pools(
    invited: Mapping[str, int], pooled: Collection[str], threshold: int, groups: Sequence[Group]
) -> LivePools:
    """The page's pools for these invitations; they depend on no respondent's action."""
    activity = {g: GroupActivity(n, 0, 0, 0) for g, n in invited.items()}
    view = progress_view(activity, pooled, threshold, groups)
    return LivePools(view.combined_groups, view.hidden_groups)


def visibility(
    group_counts: Mapping[str, int],
    threshold: int,
    groups: Sequence[Group],
    pools: LivePools = NO_POOLS,
) -> Visibility:
    """Apply the rules in the module docstring to the response count of every group, after
    `pools`: what the leader's page counted only together, or not at all, while it was open.

    Group ids in `group_counts` that are not among `groups` are reported nowhere.
    """
    validate_threshold(threshold)
    if any(group.id == COMBINED_UNIT_ID for group in groups):
        raise ValueError(f"A group id may not be {COMBINED_UNIT_ID!r}: the combined unit uses it.")
    counts = {group.id: group_counts.get(group.id, 0) for group in groups}
    for group_id, count in counts.items():
        if count < 0:
            raise ValueError(f"Negative response count {count} for group {group_id!r}.")
    alone = [g.id for g in groups if g.id not in pools.combined and g.id not in pools.hidden]
    units = [
        ReportedUnit(id=g.id, label=g.plural, respondents=counts[g.id], group_ids=(g.id,))
        for g in groups
        if g.id in alone and counts[g.id] >= threshold
    ]
    small = tuple(g for g in alone if 0 < counts[g] < threshold)
    pooled_total = sum(counts[g] for g in pools.combined)
    small_total = sum(counts[g] for g in small) + pooled_total
    if small_groups_fold(len(small), small_total, threshold, pooled_total > 0):
        # Every group of the page's combined line is named, with responses or not.
        folded = tuple(g.id for g in groups if g.id in small or g.id in pools.combined)
        units.append(
            ReportedUnit(
                id=COMBINED_UNIT_ID,
                label=_(COMBINED_UNIT_LABEL),
                respondents=small_total,
                group_ids=folded,
            )
        )
        hidden: tuple[str, ...] = tuple(
            g.id for g in groups if g.id in pools.hidden and counts[g.id]
        )
    else:
        folded = ()
        hidden = tuple(
            g.id for g in groups if counts[g.id] and (g.id in small or g.id not in alone)
        )
    return Visibility(
        threshold=threshold,
        counts=counts,
        units=tuple(units),
        folded_groups=folded,
        hidden_groups=hidden,
    )


# --- Counts on the leader's page while a round runs (see the module docstring) ----------------

# The reason, in English, as `progress_notes` states it inside its sentences.
WHY_SMALL_GROUPS_ARE_COMBINED = (
    "with so few people, a count that changes would tell you who answered or declined"
)


@dataclass(frozen=True)
class GroupActivity:
    """What the database counts for one group: invitations and what their people did."""

    invited: int
    answered: int | None  # None: maximum anonymity, nobody records it
    declined: int
    responses: int  # through invitations and the group's open link


@dataclass(frozen=True)
class ProgressLine:
    """One line of the leader's progress table: a group on its own, or the combined groups."""

    group: str  # a group id, or COMBINED_UNIT_ID
    label: str
    group_ids: tuple[str, ...]
    invited: int
    answered: int | None
    declined: int
    responses: int

    @property
    def rate(self) -> int | None:
        """Percent of invitations answered; open-link responses are not in it."""
        if self.answered is None or not self.invited:
            return None
        return round(100 * self.answered / self.invited)


@dataclass(frozen=True)
class ProgressView:
    threshold: int
    lines: tuple[ProgressLine, ...]
    combined_groups: tuple[str, ...]  # counted in the combined line
    hidden_groups: tuple[str, ...]  # counted nowhere
    notes: tuple[str, ...]  # why, in plain words


def is_small(invited: int, threshold: int) -> bool:
    """A group whose moving counts would point at one or two people."""
    return 0 < invited < threshold


def pool_small_groups(
    pooled: Collection[str], invited: Mapping[str, int], threshold: int
) -> tuple[str, ...]:
    """The groups counted only together from now on: those already so, and every group that
    now has 1 to threshold - 1 invitees. A group never leaves (see the module docstring)."""
    joined = set(pooled) | {g for g, n in invited.items() if is_small(n, threshold)}
    return tuple(sorted(joined))


def progress_view(
    activity: Mapping[str, GroupActivity],
    pooled: Collection[str],
    threshold: int,
    groups: Sequence[Group],
) -> ProgressView:
    """The lines the leader may see. `pooled`: the groups counted only together (see
    `pool_small_groups`). A group not pooled is shown on its own when it has no invitee (its
    counts are its open link's, shown beside the link anyway) or at least `threshold`; with
    1 to threshold - 1 (after the threshold was raised) it is shown nowhere."""
    validate_threshold(threshold)
    empty = GroupActivity(0, 0, 0, 0)
    counts = {g.id: activity.get(g.id, empty) for g in groups}
    lines = [
        _line(g.id, g.plural, (g.id,), [counts[g.id]])
        for g in groups
        if g.id not in pooled and not is_small(counts[g.id].invited, threshold)
    ]
    pool = tuple(g.id for g in groups if g.id in pooled)
    pool_invited = sum(counts[g].invited for g in pool)
    combined: tuple[str, ...] = ()
    if pool and pool_invited >= threshold:
        label = _(COMBINED_UNIT_LABEL) if len(pool) > 1 else _plural(groups, pool[0])
        line_id = COMBINED_UNIT_ID if len(pool) > 1 else pool[0]
        lines.append(_line(line_id, label, pool, [counts[g] for g in pool]))
        combined = pool if len(pool) > 1 else ()
    hidden = tuple(
        g.id
        for g in groups
        if g.id not in combined
        and g.id not in {line.group for line in lines}
        and (g.id in pooled or is_small(counts[g.id].invited, threshold))
    )
    return ProgressView(
        threshold,
        tuple(lines),
        combined,
        hidden,
        progress_notes(combined, hidden, threshold, groups),
    )


def answers_on_page(view: ProgressView) -> int | None:
    """The one figure a leader's list of rounds shows per round: the responses of the round
    page's own lines added up, so nothing a line does not already show. A group the page counts
    nowhere is not in it, which is why this is safe: the figure minus the lines is always 0,
    never a hidden group's count. None when the page has no line (a closed round whose kept
    counts cannot be read)."""
    if not view.lines:
        return None
    return sum(line.responses for line in view.lines)


def progress_notes(
    combined: Sequence[str], hidden: Sequence[str], threshold: int, groups: Sequence[Group]
) -> tuple[str, ...]:
    """Why some groups are combined or missing, in the leader's words."""
    notes = []
    if combined:
        notes.append(
            _(
                "%(groups)s are counted only together, as “%(combined)s”: each had fewer than "
                "%(threshold)d people invited, and with so few people, a count that changes "
                "would tell you who answered or declined.",
                groups=_names(groups, combined),
                combined=_(COMBINED_UNIT_LABEL),
                threshold=threshold,
            )
        )
    if hidden:
        notes.append(
            _(
                "Nothing that changes as people answer or decline is shown for %(groups)s: "
                "fewer than %(threshold)d people are invited there, even counting the other "
                "small groups, and with so few people, a count that changes would tell you who "
                "answered or declined. For the same reason their answers will not be in the "
                "report.",
                groups=_names(groups, hidden, in_sentence=True),
                threshold=threshold,
            )
        )
    return tuple(notes)


# --- What respondents and coaches are promised, in one place -----------------------------------


def respondent_promise(leader: str, threshold: int) -> str:
    """Invitations and reminders: how a respondent's anonymity is protected (rules 1 to 4)."""
    return _(
        "How your anonymity is protected: your answers are stored without your name, your email "
        "or this link. %(leader)s sees them only after the round has closed, combined with "
        "others' answers and never for fewer than %(threshold)d people: those of your group, or "
        "of several small groups together. Comments are shown without names, in a shuffled order.",
        leader=leader,
        threshold=threshold,
    )


def invite_together_hint(threshold: int) -> str:
    """Above the invitation box: pooling is for the rest of the round (`pool_small_groups`)."""
    return _(
        "Paste each group's people together, at least %(threshold)d of them. Once the round is "
        "open, a group with fewer than %(threshold)d people invited is counted only together with "
        "the other small groups for the rest of the round, on this page and in the report.",
        threshold=threshold,
    )


def survey_promise(threshold: int) -> str:
    """The survey page, above the questions."""
    return _(
        "Anonymous: stored without your name, email or link, and shown only combined with "
        "others’, never for fewer than %(threshold)d people.",
        threshold=threshold,
    )


# The constants below are English source marked for extraction: show them through `_()`.
COMMENT_CAUTION = N_(
    "Describe what they do, not who you are: details only you know could identify you."
)

OPEN_LINK_NOTE = N_(
    "One answer per browser, please: a cookie remembers only that this browser answered."
)

ANSWERED_HERE = N_(
    "This browser has already sent feedback through this open link (a cookie remembers that, "
    "and nothing else), so it cannot send more. Someone else on this device can answer in a "
    "private window."
)


SAVED_PROMISE = N_(
    "Your feedback is saved, without your name, email or link. The leader sees it only "
    "combined with others, once the round closes."
)


def coach_promise(threshold: int) -> str:
    """The mail that shares a round with a coach."""
    return _(
        "Respondents' anonymity is protected in what you see: groups below %(threshold)d "
        "responses are not shown on their own, and comments carry no names.",
        threshold=threshold,
    )


def rater_list_review_promise(leader: str) -> str:
    """The coach who vouches for a rater list: the mail that asks them, and the list's page."""
    return _(
        "You see who is invited and in which group, never who has answered or declined: "
        "that is shown to nobody, %(leader)s included.",
        leader=leader,
    )


# --- What a respondent reads before sending (the survey's review step) ------------------------

OWN_OR_COMBINED = "own or combined"
COMBINED_ONLY = "combined only"
LEFT_OUT = "left out"


def answer_outlook(group_id: str, pools: LivePools) -> str:
    """Which rule the report will apply to answers from `group_id`, as far as the round's
    invitations decide it (`live_pools`). Never from how many have answered: the review step
    tells a respondent this, and it must not tell them anything about other people's answers.

    OWN_OR_COMBINED: shown as the group once `threshold` of it answered, else combined or left
    out by the counts at close. COMBINED_ONLY: the page counts the group only inside its
    combined line, so the report never shows it alone. LEFT_OUT: the page counts it nowhere,
    so the report leaves it out, unless more invitations join it to a combined line.
    """
    if group_id in pools.hidden:
        return LEFT_OUT
    if group_id in pools.combined:
        return COMBINED_ONLY
    return OWN_OR_COMBINED


def review_outlook(outlook: str, group: Group, threshold: int) -> str:
    """How the respondent's ratings will appear, as a rule with its condition, never a count."""
    if outlook == LEFT_OUT:
        return _(
            "Very few people are invited in your group and the other small groups, so as the "
            "round stands your answers will not appear in the report at all. If more people "
            "are invited, they can appear inside “%(combined)s”.",
            combined=_(COMBINED_UNIT_LABEL),
        )
    if outlook == COMBINED_ONLY:
        return _(
            "Few people are invited in your group, so your ratings appear only inside "
            "“%(combined)s”, with other small groups, once at least %(threshold)d people there "
            "have answered; if fewer do, they are left out.",
            combined=_(COMBINED_UNIT_LABEL),
            threshold=threshold,
        )
    return _(
        "Your ratings appear under “%(group)s” once %(threshold)d or more in your group have "
        "answered; with fewer, only inside “%(combined)s”, or not at all.",
        group=group.plural,
        threshold=threshold,
        combined=_(COMBINED_UNIT_LABEL),
    )


def review_comments_rule(outlook: str, comment_threshold: int) -> str:
    """When the respondent's comments are printed, and how (`select_comments` and the report)."""
    if outlook == LEFT_OUT:
        return _("Your comments would not be printed either.")
    if outlook == COMBINED_ONLY:
        return _(
            "Comments print word for word, with no name or group, once %(threshold)d or more "
            "in “%(combined)s” have answered.",
            threshold=comment_threshold,
            combined=_(COMBINED_UNIT_LABEL),
        )
    return _(
        "Comments print word for word, with no name or group, once %(threshold)d or more in "
        "your group (or “%(combined)s”) have answered.",
        threshold=comment_threshold,
        combined=_(COMBINED_UNIT_LABEL),
    )


# --- What closing now would do, said on the round page (see `closing_forecast`) --------------


@dataclass(frozen=True)
class ClosingForecast:
    """What the report would do, if the round closed now, with the page's lines below the
    threshold: `row_notes` by line (`ProgressLine.group`), and one `notice`."""

    row_notes: dict[str, str]
    notice: str | None
    outcome: str | None = None  # "folded" or "left out"


def closing_forecast(view: ProgressView) -> ClosingForecast:
    """Predict, from the page's own lines, what the report does with those below the threshold.

    Exact, because the report follows the page (`LivePools`): a group the page counts nowhere
    is left out of the report, the combined line is folded as one block, and every other line
    is a group's own count. So the prediction reads nothing the page does not show.
    """
    threshold = view.threshold
    combined = [line for line in view.lines if line.group == COMBINED_UNIT_ID]
    small = [
        line
        for line in view.lines
        if line.group != COMBINED_UNIT_ID and 0 < line.responses < threshold
    ]
    pooled_total = sum(line.responses for line in combined)
    total = sum(line.responses for line in small) + pooled_total
    folds = small_groups_fold(len(small), total, threshold, pooled_total > 0)
    below = small + [line for line in combined if 0 < line.responses < threshold]
    if not below:
        return ClosingForecast({}, None)
    outcome = "folded" if folds else "left out"
    listed = _(", ").join(
        _("%(group)s (%(count)d)", group=line.label, count=line.responses) for line in below
    )
    row_note, notice = _closing_words(outcome, threshold, listed)
    return ClosingForecast({line.group: row_note for line in below}, notice, outcome)


def closing_groups_notice(view: ProgressView) -> str:
    """The close page: what closing now does with the page's groups (`closing_forecast`), or,
    when no line is below the threshold, that the report shows each as the page counts it."""
    forecast = closing_forecast(view)
    if forecast.notice:
        return forecast.notice
    return _(
        "Every group counted on the round page has no responses or at least %(threshold)d, so "
        "the report shows each one as it is counted there.",
        threshold=view.threshold,
    )


def _closing_words(outcome: str, threshold: int, listed: str) -> tuple[str, str]:
    """The row note and the notice of a closing forecast, "folded" or "left out"."""
    if outcome == "folded":
        return (
            _(
                "below %(threshold)d: shown only within “%(combined)s”",
                threshold=threshold,
                combined=_(COMBINED_UNIT_LABEL),
            ),
            _(
                "If you close now, these will be shown only together, as “%(combined)s”, "
                "because fewer than %(threshold)d people in each answered: %(listed)s.",
                combined=_(COMBINED_UNIT_LABEL),
                threshold=threshold,
                listed=listed,
            ),
        )
    return (
        _("below %(threshold)d: not shown", threshold=threshold),
        _(
            "If you close now, these will not be shown, because fewer than %(threshold)d people "
            "in each answered: %(listed)s.",
            threshold=threshold,
            listed=listed,
        ),
    )


def reminders_queued_notice(max_anonymity: bool) -> str:
    """What the leader reads after asking for reminders: the same words whoever has answered.

    How many were queued (or skipped as too soon) is how many have not answered yet; the shown
    groups subtracted from it would give a small group's count."""
    if max_anonymity:
        return _(
            "Reminders are on their way to everyone invited who has not declined (nobody knows "
            "who has answered), except anyone invited or reminded in the last 24 hours. How many "
            "is not shown: next to the counts per group, it would tell you who has not answered."
        )
    return _(
        "Reminders are on their way to everyone who has not answered or declined, except anyone "
        "invited or reminded in the last 24 hours. How many is not shown: next to the counts per "
        "group, it would tell you who has not answered."
    )


def progress_to_stored(view: ProgressView) -> dict:
    """The lines as kept on a closed round, once its invitations forget who answered."""
    return {
        "threshold": view.threshold,
        "lines": [
            {
                "group": line.group,
                "groups": list(line.group_ids),
                "invited": line.invited,
                "answered": line.answered,
                "declined": line.declined,
                "responses": line.responses,
            }
            for line in view.lines
        ],
        "combined": list(view.combined_groups),
        "hidden": list(view.hidden_groups),
    }


def progress_from_stored(stored, groups: Sequence[Group]) -> ProgressView | None:
    """The lines kept at close (`progress_to_stored`), or None when `stored` is not in that
    shape (edited by hand, or damaged): the invitations have forgotten, so nothing can be
    recounted, and a wrong or half-read line is worse than none."""
    try:
        threshold = _count(stored["threshold"])
        lines = tuple(
            ProgressLine(
                group=str(line["group"]),
                label=_(COMBINED_UNIT_LABEL)
                if line["group"] == COMBINED_UNIT_ID
                else _plural(groups, line["group"]),
                group_ids=tuple(map(str, line["groups"])),
                invited=_count(line["invited"]),
                answered=None if line["answered"] is None else _count(line["answered"]),
                declined=_count(line["declined"]),
                responses=_count(line["responses"]),
            )
            for line in stored["lines"]
        )
        combined = tuple(map(str, stored["combined"]))
        hidden = tuple(map(str, stored["hidden"]))
    except (KeyError, TypeError, ValueError):
        return None
    return ProgressView(
        threshold, lines, combined, hidden, progress_notes(combined, hidden, threshold, groups)
    )


COUNTS_NOT_KEPT = N_(
    "The counts kept when this round closed cannot be read, and closing forgot who answered "
    "and who declined, so they are not shown. The report counts the responses it includes."
)


def progress_not_kept(threshold: int) -> ProgressView:
    """A closed round's page when its kept lines are missing or unreadable: no line at all."""
    return ProgressView(threshold, (), (), (), (_(COUNTS_NOT_KEPT),))


def _count(value) -> int:
    """A count read back from storage: a whole number, not negative."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a count: {value!r}")
    return value


def _line(
    line_id: str, label: str, group_ids: tuple[str, ...], parts: Sequence[GroupActivity]
) -> ProgressLine:
    answered = [p.answered for p in parts]
    return ProgressLine(
        group=line_id,
        label=label,
        group_ids=group_ids,
        invited=sum(p.invited for p in parts),
        answered=None if None in answered else sum(answered),
        declined=sum(p.declined for p in parts),
        responses=sum(p.responses for p in parts),
    )


def _plural(groups: Sequence[Group], group_id: str) -> str:
    return next((g.plural for g in groups if g.id == group_id), group_id)


def _names(groups: Sequence[Group], group_ids: Sequence[str], in_sentence: bool = False) -> str:
    """Groups named in a sentence ("Staff and others", or "staff and others" inside one)."""
    by_id = {g.id: g.in_sentence for g in groups}
    names = [by_id.get(g, g) for g in group_ids]
    if len(names) == 1:
        text = names[0]
    else:
        text = _("%(first)s and %(last)s", first=_(", ").join(names[:-1]), last=names[-1])
    return text if in_sentence else text[:1].upper() + text[1:]


# --- Open links beside personal invitations --------------------------------------------------

# The reason, in English, as each refusal below states it inside its sentence (one msgid per
# sentence: this fragment is not translated on its own).
WHY_AN_OPEN_LINK_NEEDS_NO_OR_ENOUGH_INVITEES = (
    "a group's number of responses minus its open link's answers is how many of its invited "
    "people answered, and with so few invited that would tell you whether they did"
)


def open_link_mix_is_small(invited: int, threshold: int) -> bool:
    """A group with an open link may have no personal invitations or at least `threshold`.

    Its report count (and the database, after close) minus the answers through its link is how
    many invitations were answered; with 1 to threshold - 1 invitees that names people, which the
    round page and closing otherwise hide. With at least `threshold` the round page shows the
    group's answered count anyway, so the subtraction tells nothing new."""
    return is_small(invited, threshold)


def open_link_refused(group: Group, invited: int, threshold: int) -> str | None:
    """Why `group`, which has `invited` personal invitations, cannot get an open link, or None."""
    if not open_link_mix_is_small(invited, threshold):
        return None
    return ngettext(
        "No open link for %(group)s: they already have %(num)d personal invitation, and a group "
        "with an open link needs either none or at least %(threshold)d, because a group's number "
        "of responses minus its open link's answers is how many of its invited people answered, "
        "and with so few invited that would tell you whether they did. Invite at least "
        "%(more)d more %(group)s first, or post an open link only for a group with no personal "
        "invitations.",
        "No open link for %(group)s: they already have %(num)d personal invitations, and a "
        "group with an open link needs either none or at least %(threshold)d, because a group's "
        "number of responses minus its open link's answers is how many of its invited people "
        "answered, and with so few invited that would tell you whether they did. Invite at least "
        "%(more)d more %(group)s first, or post an open link only for a group with no personal "
        "invitations.",
        invited,
        group=group.in_sentence,
        threshold=threshold,
        more=threshold - invited,
    )


def invitations_beside_open_link_refused(
    group: Group, invited: int, adding: int, threshold: int
) -> str | None:
    """Why `adding` invitations to `group`, which has an open link and `invited` invitations
    already, are refused, or None."""
    total = invited + adding
    if not open_link_mix_is_small(total, threshold):
        return None
    return _(
        "Not added: %(group)s have an open link, and a group with an open link needs either no "
        "personal invitations or at least %(threshold)d (this would make %(total)d), because a "
        "group's number of responses minus its open link's answers is how many of its invited "
        "people answered, and with so few invited that would tell you whether they did. Paste "
        "at least %(more)d more %(group)s together with these, send them the open link instead, "
        "or invite them in another group that fits them.",
        group=group.in_sentence,
        threshold=threshold,
        total=total,
        more=threshold - total,
    )


def threshold_raise_refused(
    new_threshold: int, invited_beside_links: Mapping[str, int], groups: Sequence[Group]
) -> str | None:
    """Why the threshold cannot go up to `new_threshold`, or None: a group with an open link
    would be left with 1 to new_threshold - 1 personal invitations.

    `invited_beside_links`: the personal invitations of each group that has an open link."""
    too_few = [
        g
        for g in groups
        if open_link_mix_is_small(invited_beside_links.get(g.id, 0), new_threshold)
    ]
    if not too_few:
        return None
    details = _(", ").join(
        _("%(group)s have %(count)d", group=g.in_sentence, count=invited_beside_links[g.id])
        for g in too_few
    )
    highest = min(invited_beside_links[g.id] for g in too_few)
    return ngettext(
        "The threshold cannot go up to %(threshold)d: a group with an open link needs either no "
        "personal invitations or at least as many as the threshold, and %(details)s. That "
        "matters because a group's number of responses minus its open link's answers is how "
        "many of its invited people answered, and with so few invited that would tell you "
        "whether they did. Invite more people in that group first, or keep the threshold at "
        "%(highest)d or lower.",
        "The threshold cannot go up to %(threshold)d: a group with an open link needs either no "
        "personal invitations or at least as many as the threshold, and %(details)s. That "
        "matters because a group's number of responses minus its open link's answers is how "
        "many of its invited people answered, and with so few invited that would tell you "
        "whether they did. Invite more people in those groups first, or keep the threshold at "
        "%(highest)d or lower.",
        len(too_few),
        threshold=new_threshold,
        details=details,
        highest=highest,
    )


@dataclass(frozen=True)
class ReportGroupLine:
    """One group on a report's first page: its count only when it is shown on its own."""

    group_id: str
    label: str
    responses: int | None
    status: str


def reported_responses(vis: Visibility) -> int:
    """How many responses a report counts: its shown groups and the combined unit, never a
    left-out group. Any total a leader or operator sees of a closed round is this one, or the
    total minus the report's lines would give a left-out group's count."""
    return sum(unit.respondents for unit in vis.units)


def report_group_lines(vis: Visibility, groups: Sequence[Group]) -> list[ReportGroupLine]:
    """How each group appears in a closed round's report, in plain words."""
    lines = []
    for group in groups:
        count = vis.counts.get(group.id, 0)
        if count >= vis.threshold:
            lines.append(ReportGroupLine(group.id, group.plural, count, _("Shown on its own")))
        elif group.id in vis.folded_groups:
            status = _(
                "Fewer than %(threshold)d: shown only within “%(combined)s”",
                threshold=vis.threshold,
                combined=_(COMBINED_UNIT_LABEL),
            )
            lines.append(ReportGroupLine(group.id, group.plural, None, status))
        else:
            status = _(
                "Not shown: fewer than %(threshold)d responses, perhaps none",
                threshold=vis.threshold,
            )
            lines.append(ReportGroupLine(group.id, group.plural, None, status))
    return lines


def report_anonymity_notes(vis: Visibility, groups: Sequence[Group]) -> list[str]:
    """Which groups were combined or left out, with no count that a group's size would explain."""
    notes = []
    if vis.folded_groups:
        combined = next(u.respondents for u in vis.units if u.id == COMBINED_UNIT_ID)
        notes.append(
            _(
                "%(groups)s each had fewer than %(threshold)d responses, so their %(combined)d "
                "responses are shown only together, as “%(label)s”.",
                groups=_names(groups, vis.folded_groups),
                threshold=vis.threshold,
                combined=combined,
                label=_(COMBINED_UNIT_LABEL),
            )
        )
    left_out = [
        g.id
        for g in groups
        if vis.counts.get(g.id, 0) < vis.threshold and g.id not in vis.folded_groups
    ]
    if left_out:
        notes.append(
            _(
                "Groups with fewer than %(threshold)d responses (%(groups)s) are not in this "
                "report at all, not even in “All raters” or any other total, and how many of "
                "them answered is not said: in a small group that would say who.",
                threshold=vis.threshold,
                groups=_names(groups, left_out),
            )
        )
    if not vis.folded_groups and not left_out:
        notes.append(_("Every group reached the threshold, so every response is included."))
    return notes


# --- What a report and the results page promise, in one place ------------------------------------


@dataclass(frozen=True)
class ReportPromises:
    """The rules a closed round's report and results page state, in the order they print them:
    `groups`, then that round's `report_anonymity_notes`, then `means`, `not_observed`,
    `comments` and `comment_order`. `by_group` and `nothing_shown` head their sections."""

    groups: str
    means: str
    not_observed: str
    comments: str
    comment_order: str
    by_group: str
    nothing_shown: str


def comment_rule(comment_threshold: int) -> str:
    """When a group's comments print (`aggregation.select_comments`)."""
    return _(
        "Comments from a group are shown only when at least %(threshold)d people in it "
        "answered, a stricter rule than for scores, because words can be recognised.",
        threshold=comment_threshold,
    )


def report_promises(threshold: int, comment_threshold: int, not_observed: str) -> ReportPromises:
    """Rules 1 to 5 above and the comment rule (`aggregation.select_comments`), in plain words."""
    return ReportPromises(
        groups=_(
            "A group is shown on its own only when at least %(threshold)d people in it answered. "
            "Smaller groups are combined, as “%(combined)s”, when two or more of them together "
            "reach %(threshold)d; otherwise they are not shown and are left out of every total.",
            threshold=threshold,
            combined=_(COMBINED_UNIT_LABEL),
        ),
        means=_(
            "A mean is shown only when it rests on ratings from at least %(threshold)d people. A "
            "dash (–) means too few ratings to show; a few figures are also held back so that no "
            "hidden figure can be worked out by subtraction.",
            threshold=threshold,
        ),
        not_observed=_(
            "“%(label)s” answers are left out of every mean. They are counted in the "
            "“%(label)s” column.",
            label=not_observed,
        ),
        comments=comment_rule(comment_threshold),
        comment_order=_(
            "Comments carry no name and no group, and their order has nothing to do with who "
            "wrote them or when."
        ),
        by_group=_(
            "A group appears only with at least %(threshold)d responses; the number in brackets "
            "is how many answered.",
            threshold=threshold,
        ),
        nothing_shown=_(
            "No group had at least %(threshold)d responses, and the smaller groups could not be "
            "combined safely, so no ratings or comments can be shown without risking someone’s "
            "anonymity.",
            threshold=threshold,
        ),
    )
