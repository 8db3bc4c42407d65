"""The pure group rules and screens of `dialogs.group`: goals, weeks, batching, privacy."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.render import ClinicalLeakError, render
from content.loader import shipped_content
from dialogs import group as dialog
from dialogs.records import MoodRecord, SessionRecord, SessionStatus
from dialogs.screens import Audience, Screen, literal, say
from tests.e2e.test_groups import scan_for_clinical_words
from tests.groups.conftest import MONDAY_9_MADRID, make_group, member

CONTENT = shipped_content()
TEXTS = CONTENT.texts
PROTOCOL = CONTENT.protocol


def text_of(screen: Screen | None, language: str = "en") -> str:
    assert screen is not None
    return render(screen, TEXTS, language, group=True).parts[0]


# --- goals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "target"),
    [(1, 3 * 20), (2, 3 * 30), (3, 4 * 40), (4, 4 * 45), (dialog.MAINTENANCE_PHASE_ID, 150)],
)
def test_a_members_weekly_target_is_the_phase_minutes_times_sessions(
    phase: int, target: int
) -> None:
    assert dialog.weekly_target(phase, PROTOCOL) == target


def test_the_default_goal_sums_targets_and_an_admins_goal_wins() -> None:
    members = [member(1, phase=1), member(2, phase=dialog.MAINTENANCE_PHASE_ID)]
    assert dialog.goal_of(make_group(), members, PROTOCOL) == 60 + 150
    assert dialog.goal_of(make_group(goal_minutes=600), members, PROTOCOL) == 600
    assert dialog.goal_of(make_group(), [], PROTOCOL) is None


CHALLENGE_INPUTS = [
    ("600", 600),
    (" 90 ", 90),
    ("10", 10),
    ("10000", 10_000),
    ("9", None),
    ("10001", None),
    ("", None),
    ("lots", None),
    ("６００", None),
    ("-5", None),
    ("60 min", None),
]


@pytest.mark.parametrize(("args", "minutes"), CHALLENGE_INPUTS)
def test_challenge_minutes_are_whole_numbers_in_range(args: str, minutes: int | None) -> None:
    assert dialog.parse_minutes(args) == minutes


# --- weeks, kick-off, batching, the goal ------------------------------------------------------


def test_the_group_week_runs_monday_to_sunday_in_the_groups_time_zone() -> None:
    sunday_late_utc = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC)  # Monday in Madrid
    assert dialog.week_of(make_group(), sunday_late_utc) == (
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 6),
    )
    assert dialog.week_of(make_group(timezone="UTC"), sunday_late_utc)[0] == dt.date(2026, 11, 23)


def test_the_kickoff_is_due_on_monday_from_nine_local_once_a_week() -> None:
    group = make_group()
    assert not dialog.kickoff_due(group, MONDAY_9_MADRID - dt.timedelta(minutes=1))
    assert dialog.kickoff_due(group, MONDAY_9_MADRID)
    assert dialog.kickoff_due(group, MONDAY_9_MADRID + dt.timedelta(hours=10))
    assert not dialog.kickoff_due(group, MONDAY_9_MADRID + dt.timedelta(days=1))  # Tuesday
    group.kickoff_week = dt.date(2026, 11, 30)
    assert not dialog.kickoff_due(group, MONDAY_9_MADRID + dt.timedelta(minutes=5))
    assert dialog.kickoff_due(group, MONDAY_9_MADRID + dt.timedelta(days=7))


def test_no_kickoff_for_a_group_created_after_it_or_inactive() -> None:
    late = make_group(created_at=MONDAY_9_MADRID + dt.timedelta(minutes=1))
    assert not dialog.kickoff_due(late, MONDAY_9_MADRID + dt.timedelta(minutes=2))
    assert not dialog.kickoff_due(make_group(active=False), MONDAY_9_MADRID)


def test_the_kickoff_follows_the_groups_clock_across_daylight_saving() -> None:
    # 30 March 2026: New York is on daylight time (UTC-4), so 09:00 local is 13:00 UTC.
    group = make_group(
        timezone="America/New_York", created_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    monday = dt.datetime(2026, 3, 30, 12, 59, tzinfo=dt.UTC)
    assert not dialog.kickoff_due(group, monday)
    assert dialog.kickoff_due(group, monday + dt.timedelta(minutes=1))


def test_celebrations_are_at_most_one_per_ten_minutes() -> None:
    group = make_group()
    assert dialog.celebration_due(group, MONDAY_9_MADRID)
    group.last_celebration_at = MONDAY_9_MADRID
    assert not dialog.celebration_due(group, MONDAY_9_MADRID + dt.timedelta(minutes=9, seconds=59))
    assert dialog.celebration_due(group, MONDAY_9_MADRID + dt.timedelta(minutes=10))


def test_the_goal_is_celebrated_once_a_week() -> None:
    group = make_group()
    assert not dialog.goal_newly_reached(group, 89, 90, MONDAY_9_MADRID)
    assert dialog.goal_newly_reached(group, 90, 90, MONDAY_9_MADRID)
    assert not dialog.goal_newly_reached(group, 500, None, MONDAY_9_MADRID)
    group.goal_week = dt.date(2026, 11, 30)
    assert not dialog.goal_newly_reached(group, 120, 90, MONDAY_9_MADRID)
    group.goal_week = dt.date(2026, 11, 23)
    assert dialog.goal_newly_reached(group, 120, 90, MONDAY_9_MADRID)


def test_only_sessions_that_happened_count_for_the_group() -> None:
    day = dt.date(2026, 11, 30)
    done = SessionRecord(day=day, status=SessionStatus.DONE, planned=True, minutes=20)
    partial = SessionRecord(day=day, status=SessionStatus.PARTIAL, planned=True, minutes=5)
    skipped = SessionRecord(day=day, status=SessionStatus.SKIPPED, planned=True)
    assert dialog.moved([done]) and dialog.moved([partial])
    assert not dialog.moved([skipped, MoodRecord(at=MONDAY_9_MADRID, score=2)])


@pytest.mark.parametrize(
    ("journey", "allowed"),
    [("new", False), ("consent", False), ("onboarding", True), ("active", True), ("paused", True)],
)
def test_only_people_who_said_yes_to_the_terms_can_join(journey: str, allowed: bool) -> None:
    assert dialog.can_join(journey) is allowed


# --- what the group reads ---------------------------------------------------------------------


def test_the_board_names_only_members_who_chose_to_show_their_name() -> None:
    members = [
        member(1, "Ana", share=True, minutes=40),
        member(2, "Ben", share=False, minutes=55),
        member(3, "Cy", share=True, minutes=0),
    ]
    assert text_of(dialog.board(members, 180, TEXTS, "en")) == (
        "This week together: 95 of 180 minutes.\n\na member: 55 min\nAna: 40 min\nCy: 0 min"
    )
    assert "Ben" not in text_of(dialog.board(members, 180, TEXTS, "es"), "es")
    assert text_of(dialog.board([], None, TEXTS, "en")).startswith("No one is on the board")


def test_a_celebration_names_everyone_waiting_who_turned_cheers_on() -> None:
    waiting = [
        member(1, "Ana", share=True, cheer=True),
        member(2, "Ben", share=False, cheer=True),
        member(3, "Cy", share=True, cheer=False),
        member(4, "Dee", share=True, cheer=True),
    ]
    assert text_of(dialog.celebration(waiting, TEXTS, "en")) == (
        "Ana, Dee, and a member got moving today. Well done!"
    )
    assert text_of(dialog.celebration(waiting, TEXTS, "es"), "es") == (
        "Hoy hubo movimiento: Ana, Dee y alguien del grupo. ¡Muy bien!"
    )
    two_quiet = [member(5, "Eve", cheer=True), member(6, cheer=True)]
    assert text_of(dialog.celebration([*waiting[:1], *two_quiet], TEXTS, "en")) == (
        "Ana and 2 more of us got moving today. Well done!"
    )
    assert text_of(dialog.celebration(two_quiet, TEXTS, "en")).startswith("2 of us got moving")
    assert text_of(dialog.celebration(two_quiet[:1], TEXTS, "en")).startswith("Someone")
    assert dialog.celebration([waiting[2]], TEXTS, "en") is None


def test_cheer_echoes_a_username_never_free_text() -> None:
    assert dialog.to_cheer(" @ana_walks ") == "@ana_walks"
    assert dialog.to_cheer("@abc") is None  # too short to be a username
    assert dialog.to_cheer("you look sad today") is None
    assert text_of(dialog.cheer(None)) == "Go, team! Every minute counts."
    assert text_of(dialog.cheer(None, addressed=True)) == "Nice work! Keep it up."
    assert text_of(dialog.cheer("Ana")) == "Nice work, Ana!"


def every_group_screen() -> list[Screen]:
    members = [member(1, "Ana", share=True, cheer=True, minutes=30), member(2, cheer=True)]
    screens: list[Screen | None] = [
        dialog.welcome(),
        dialog.help_screen(),
        dialog.joined("Ana"),
        dialog.joined(None),
        dialog.already_joined(),
        dialog.invite_private(),
        dialog.invite_sent(),
        dialog.needs_private_chat(),
        dialog.left(),
        dialog.not_member(),
        dialog.board(members, 90, TEXTS, "en"),
        dialog.board([], None, TEXTS, "en"),
        dialog.challenge_set(600),
        dialog.challenge_admins_only(),
        dialog.challenge_range(),
        dialog.cheer("Ana"),
        dialog.cheer(None),
        dialog.cheer(None, addressed=True),
        dialog.celebration(members, TEXTS, "en"),
        dialog.celebration(members[1:], TEXTS, "en"),
        dialog.celebration([member(3, cheer=True), member(4, cheer=True)], TEXTS, "en"),
        dialog.goal_reached(600),
        dialog.kickoff(600),
    ]
    return [s for s in screens if s is not None]


def test_every_group_screen_is_group_safe_and_says_nothing_clinical() -> None:
    screens = every_group_screen()
    assert all(s.group_safe and s.audience is Audience.GROUP for s in screens)
    for language in ("en", "es"):
        texts = [part for s in screens for part in render(s, TEXTS, language, group=True).parts]
        scan_for_clinical_words(texts)


def test_the_scan_fails_loudly_on_clinical_words_and_numbers() -> None:
    with pytest.raises(AssertionError, match="PHQ-9"):
        scan_for_clinical_words(["Ana's PHQ-9 went down"])
    with pytest.raises(AssertionError, match="988"):
        scan_for_clinical_words(["call 988"])
    with pytest.raises(AssertionError, match="Casi todos los días"):
        scan_for_clinical_words(["Casi todos los días"])
    with pytest.raises(AssertionError, match="unexpected number 14"):
        scan_for_clinical_words(["Ana: 14"], allowed_numbers={30})
    scan_for_clinical_words(["Ana: 30 min", "crusaders"], allowed_numbers={30})


def test_a_group_screen_takes_only_group_texts() -> None:
    with pytest.raises(ValueError, match="group"):
        dialog._group_screen(say("checkin.result.band"))
    with pytest.raises(ValueError, match="group"):
        dialog._group_screen(literal("anything at all"))


def test_the_renderer_refuses_a_clinical_screen_for_a_group() -> None:
    crisis = Screen(lines=(say("safety.team_told"),), urgent=True)
    with pytest.raises(ClinicalLeakError):
        render(crisis, TEXTS, "en", group=True)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_group_menu_lists_commands_the_group_understands(language: str) -> None:
    from bot.groups.commands import COMMANDS

    for name in dialog.MENU_COMMANDS:
        assert name in COMMANDS
        assert TEXTS.has(f"group.menu.{name}", language)
