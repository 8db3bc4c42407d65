"""Progress words that are always true, plurals by language, and the mood decisions."""

from __future__ import annotations

import datetime as dt

import pytest

from content.clinical.feedback import WeekStatus, phq9_trend_key, week_status
from content.clinical.mood_rules import (
    follow_up_due,
    is_low_mood,
    mood_after_session_needs_check,
)
from content.clinical.plural import category, plural
from content.loader import Content
from content.schemas.instrument import Instrument
from content.schemas.protocol import Protocol


@pytest.mark.parametrize(
    ("baseline", "latest", "key"),
    [
        (2, 4, "progress.phq9_steady"),  # under 5 but higher: never "4, down from 2"
        (12, 4, "phq9_trend.remission"),
        (16, 8, "phq9_trend.response"),  # exactly half
        (16, 9, "progress.phq9_better"),
        (10, 9, "progress.phq9_steady"),
        (8, 14, "progress.phq9_higher"),
        (0, 0, "progress.phq9_steady"),
    ],
)
def test_phq9_trend_is_true(phq9: Instrument, baseline: int, latest: int, key: str) -> None:
    assert phq9_trend_key(phq9, baseline, latest) == key


def test_response_wording_includes_exactly_half(shipped: Content) -> None:
    assert "half or less" in shipped.texts.get("en", "phq9_trend.response")
    assert "less than half" not in shipped.texts.get("en", "phq9_trend.response")


def test_week_status(protocol: Protocol) -> None:
    assert week_status(protocol, 3, 0, 0) is WeekStatus.LOST  # 0 of 3, nothing left
    assert week_status(protocol, 3, 0, 2) is WeekStatus.OPEN
    assert week_status(protocol, 3, 0, 1) is WeekStatus.LOST  # can reach 1 of the 2 needed
    assert week_status(protocol, 3, 2, 0) is WeekStatus.KEPT  # one miss forgiven
    assert week_status(protocol, 1, 0, 0) is WeekStatus.LOST  # at least one session
    assert week_status(protocol, 0, 0, 0) is WeekStatus.NOTHING_PLANNED


def test_plurals_follow_the_language(shipped: Content) -> None:
    texts = shipped.texts
    assert category("en", 1) == "one" and category("en", 0) == "other"
    assert plural(texts, "en", "moved", 1, minutes=20) == "You have moved once, 20 minutes in all."
    assert plural(texts, "en", "moved", 2, minutes=40).startswith("You have moved 2 times")
    assert plural(texts, "es", "duration.minutes", 1) == "1 minuto"
    assert plural(texts, "es", "duration.minutes", 2) == "2 minutos"
    assert plural(texts, "xx", "duration.minutes", 1) == "1 minute"  # unknown: English rules
    for language in texts.languages:
        for count in range(30):
            assert not plural(texts, language, "moved", count, minutes=5).startswith(
                "You have moved 1 times"
            )


def test_mood_after_a_session(protocol: Protocol) -> None:
    assert mood_after_session_needs_check(protocol, 5, 2)  # 0–2 after
    assert mood_after_session_needs_check(protocol, None, 0)
    assert mood_after_session_needs_check(protocol, 8, 5)  # 3 lower than before
    assert not mood_after_session_needs_check(protocol, 7, 5)
    assert not mood_after_session_needs_check(protocol, 3, 3)
    assert not mood_after_session_needs_check(protocol, None, 3)


def test_low_mood_and_its_one_follow_up(protocol: Protocol) -> None:
    assert is_low_mood(protocol, 3) and not is_low_mood(protocol, 4)
    offered = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    later = offered + dt.timedelta(hours=2)
    assert follow_up_due(protocol, offered, later, logged_since_offer=False, in_quiet_hours=False)
    assert not follow_up_due(
        protocol, offered, later - dt.timedelta(minutes=1), False, in_quiet_hours=False
    )
    assert not follow_up_due(
        protocol, offered, later, logged_since_offer=True, in_quiet_hours=False
    )
    assert not follow_up_due(
        protocol, offered, later, logged_since_offer=False, in_quiet_hours=True
    )


def test_low_energy_rule_from_content(protocol: Protocol) -> None:
    from content.clinical.ladder import is_low_energy

    assert is_low_energy(protocol, {"phq9_4": 2}, "some")
    assert not is_low_energy(protocol, {"phq9_4": 1}, "some")
    assert is_low_energy(protocol, {}, "none")
    assert not is_low_energy(protocol, {}, None)


def test_barrier_plan_follow_up_times(shipped: Content) -> None:
    from zoneinfo import ZoneInfo

    from content.clinical.mood_rules import barrier_follow_up_at

    protocol = shipped.protocol
    made = dt.datetime(2026, 12, 1, 10, 15, tzinfo=ZoneInfo("Europe/Madrid"))
    assert barrier_follow_up_at(protocol, "next_hour", made) == made + dt.timedelta(hours=2)
    evening = barrier_follow_up_at(protocol, "this_evening", made)
    assert evening == dt.datetime(2026, 12, 1, 20, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    morning = barrier_follow_up_at(protocol, "tomorrow_morning", made)
    assert morning is not None and morning.date() == dt.date(2026, 12, 2)
    assert barrier_follow_up_at(protocol, "someday", made) is None
    every_choice = {choice.id for choice in shipped.barriers.plan_when}
    assert every_choice <= set(protocol.barrier_follow_up.after_plan)
