"""Peer groups: everything a group chat may be told, and the pure rules behind it.

Every screen here is built by `_group_screen`, which marks it group-safe and accepts only
`group.*` text keys. A group hears minutes, goals, the names members chose to show, cheers and
its own commands — never a check-in, a mood, a barrier, a safety plan or anything about risk
(CLINICAL_SPEC 6.4). The renderer refuses any other screen addressed to a group, so this module
is the only source of what Stride writes in a group.

The rules, in one place:
- a member's weekly target is their phase's minutes × sessions per week, taking the lower end
  of each range (a goal the group can reach); in maintenance it is the weekly minimum (150);
  the group's default goal is the sum of its members' targets, until an admin sets one;
- the group week runs Monday to Sunday in the group's time zone;
- logged sessions are celebrated at most once every ten minutes per group, one message naming
  everyone waiting, and only for members who turned group cheers on; a name is shown only if
  the member chose to show it ("a member" otherwise);
- reaching the goal is celebrated once a week; the kick-off goes out on Monday at 09:00 local
  time, to groups that existed before that moment.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from babel.lists import format_list

from content.clinical.prescription import phase_by_id
from content.schemas.protocol import Protocol
from content.texts import Texts
from dialogs.records import NewRecord, SessionRecord, SessionStatus
from dialogs.screens import Audience, Line, Screen, say
from dialogs.timezones import tz_for
from state_machines.journey import JourneyModel, JourneyState

# `Profile.phase_id` 0 stands for maintenance (see dialogs.programme).
MAINTENANCE_PHASE_ID = 0
# Input validation for /challenge, not a clinical number: from one short walk to a large
# group in maintenance.
CHALLENGE_RANGE = (10, 10_000)
CELEBRATION_GAP = dt.timedelta(minutes=10)
KICKOFF_WEEKDAY = 0  # Monday
KICKOFF_TIME = dt.time(9, 0)
NAME_LIMIT = 32
# The commands a group chat's menu offers (texts: group.menu.<name>).
MENU_COMMANDS = ("join", "leave", "board", "challenge", "cheer", "help")
_USERNAME = re.compile(r"^@[A-Za-z0-9_]{5,32}$")
_MOVED = (SessionStatus.DONE, SessionStatus.PARTIAL)


@dataclass
class Group:
    """A group chat Stride is (or was) in. `goal_minutes` None means the default goal."""

    id: int
    chat_id: int
    title: str | None
    language: str
    timezone: str
    goal_minutes: int | None
    active: bool
    created_at: dt.datetime
    # The Monday of the last week whose kick-off was posted / whose goal was celebrated.
    kickoff_week: dt.date | None = None
    goal_week: dt.date | None = None
    last_celebration_at: dt.datetime | None = None


@dataclass(frozen=True)
class Member:
    """A member as the group may see them: never more than minutes and a chosen name."""

    patient_id: int
    display_name: str | None
    share_name: bool
    celebrate: bool
    phase_id: int
    minutes: int = 0

    @property
    def shown_name(self) -> str | None:
        """The name the group sees, or None for "a member"."""
        if not self.share_name or not self.display_name:
            return None
        return self.display_name[:NAME_LIMIT]


# --- rules ----------------------------------------------------------------------------------


def can_join(journey: str) -> bool:
    """Only people who said yes to the terms in private can join a board."""
    return JourneyModel(JourneyState(journey)).consented


def moved(records: Sequence[NewRecord]) -> bool:
    """Whether an update stored a session that happened (whole or in part)."""
    return any(
        isinstance(r, SessionRecord) and r.status in _MOVED and (r.minutes or 0) > 0
        for r in records
    )


def weekly_target(phase_id: int, protocol: Protocol) -> int:
    if phase_id == MAINTENANCE_PHASE_ID:
        return protocol.maintenance.weekly_minutes.low
    try:
        phase = phase_by_id(protocol, phase_id)
    except ValueError:
        phase = protocol.phases[0]
    return phase.minutes.low * phase.sessions_per_week.low


def goal_of(group: Group, members: Sequence[Member], protocol: Protocol) -> int | None:
    """The week's goal: the admins' choice, else the members' targets; None with no members."""
    if group.goal_minutes is not None:
        return group.goal_minutes
    total = sum(weekly_target(m.phase_id, protocol) for m in members)
    return total or None


def local_now(group: Group, now: dt.datetime) -> dt.datetime:
    return now.astimezone(tz_for(group.timezone))


def week_of(group: Group, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the group's current week."""
    today = local_now(group, now).date()
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=6)


def parse_minutes(args: str) -> int | None:
    text = args.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        return None
    value = int(text)
    low, high = CHALLENGE_RANGE
    return value if low <= value <= high else None


def kickoff_due(group: Group, now: dt.datetime) -> bool:
    """Monday from 09:00 local, once a week, for groups that existed at 09:00."""
    local = local_now(group, now)
    monday, _ = week_of(group, now)
    kickoff = dt.datetime.combine(monday, KICKOFF_TIME, local.tzinfo)
    return (
        group.active
        and local.weekday() == KICKOFF_WEEKDAY
        and local >= kickoff
        and group.created_at <= kickoff
        and group.kickoff_week != monday
    )


def celebration_due(group: Group, now: dt.datetime) -> bool:
    last = group.last_celebration_at
    return last is None or now - last >= CELEBRATION_GAP


def goal_newly_reached(group: Group, total: int, goal: int | None, now: dt.datetime) -> bool:
    monday, _ = week_of(group, now)
    return goal is not None and total >= goal and group.goal_week != monday


def to_cheer(text: str) -> str | None:
    """`/cheer @username`: only a well-formed username is echoed, never free text."""
    candidate = text.strip()
    return candidate if _USERNAME.match(candidate) else None


# --- screens --------------------------------------------------------------------------------


def _group_screen(*lines: Line) -> Screen:
    for line in lines:
        if line.literal is not None or not (line.key or "").startswith("group."):
            raise ValueError(f"a group screen takes only group.* texts, not {line!r}")
    return Screen(lines=lines, audience=Audience.GROUP, group_safe=True)


def welcome() -> Screen:
    return _group_screen(say("group.welcome"))


def help_screen() -> Screen:
    return _group_screen(say("group.help"))


def joined(name: str | None) -> Screen:
    if name is None:
        return _group_screen(say("group.join.done_anonymous"))
    return _group_screen(say("group.join.done", name=name))


def already_joined() -> Screen:
    return _group_screen(say("group.join.already"))


def invite_private() -> Screen:
    """Sent in private to someone who asked to join before saying yes to the terms."""
    return _group_screen(say("group.join.private_start"))


def invite_sent() -> Screen:
    return _group_screen(say("group.join.check_private"))


def needs_private_chat() -> Screen:
    """The private invite could not be delivered (they never opened a chat with Stride)."""
    return _group_screen(say("group.join.need_consent"))


def left() -> Screen:
    return _group_screen(say("group.leave.done"))


def not_member() -> Screen:
    return _group_screen(say("group.leave.not_member"))


def board(members: Sequence[Member], goal: int | None, texts: Texts, language: str) -> Screen:
    if not members or goal is None:
        return _group_screen(say("group.board.empty"))
    anonymous = texts.get(language, "group.board.anonymous")
    ordered = sorted(members, key=lambda m: (-m.minutes, m.shown_name is None, m.shown_name))
    rows = "\n".join(
        texts.get(
            language, "group.board.member", name=m.shown_name or anonymous, minutes=m.minutes
        )
        for m in ordered
    )
    return _group_screen(
        say("group.board.header", total=sum(m.minutes for m in members), goal=goal),
        say("group.board.members", members=rows),
    )


def challenge_set(goal: int) -> Screen:
    return _group_screen(say("group.challenge.set", goal=goal))


def challenge_admins_only() -> Screen:
    return _group_screen(say("group.challenge.admins_only"))


def challenge_range() -> Screen:
    low, high = CHALLENGE_RANGE
    return _group_screen(say("group.challenge.range", low=low, high=high))


def cheer(name: str | None, *, addressed: bool = False) -> Screen:
    """A cheer for `name`; unnamed, for the person replied to (`addressed`) or the team."""
    if name is None:
        return _group_screen(say("group.cheer_you" if addressed else "group.cheer_team"))
    return _group_screen(say("group.cheer", name=name[:NAME_LIMIT]))


def celebration(members: Sequence[Member], texts: Texts, language: str) -> Screen | None:
    """One message for everyone waiting who turned cheers on; None if nobody did."""
    cheered = [m for m in members if m.celebrate]
    if not cheered:
        return None
    named = sorted({n for m in cheered if (n := m.shown_name) is not None})
    anonymous = sum(1 for m in cheered if m.shown_name is None)
    if not named:
        if anonymous == 1:
            return _group_screen(say("group.celebrate.anonymous_one"))
        return _group_screen(say("group.celebrate.anonymous_many", count=anonymous))
    names = list(named)
    if anonymous == 1:
        names.append(texts.get(language, "group.board.anonymous"))
    elif anonymous > 1:
        names.append(texts.get(language, "group.celebrate.others", count=anonymous))
    return _group_screen(say("group.celebrate.session", names=format_list(names, locale=language)))


def goal_reached(goal: int) -> Screen:
    return _group_screen(say("group.celebrate.goal", goal=goal))


def kickoff(goal: int) -> Screen:
    return _group_screen(say("group.kickoff", goal=goal))
