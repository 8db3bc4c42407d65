"""The supervisors' digest (codes only) and the nudge content: policy numbers and variants."""

from __future__ import annotations

import datetime as dt

import pytest

from content.texts import placeholders
from dialogs.digest import DigestFacts, digest_screen
from dialogs.nudges import MOOD_KINDS, PATIENT_KINDS, text_key, text_of
from dialogs.screens import Audience
from tests.nudges.helpers import content

NOW = dt.datetime(2026, 3, 9, 14, tzinfo=dt.UTC)  # Monday
TODAY = NOW.date()


def facts(code: str, **changes: object) -> DigestFacts:
    base: dict[str, object] = {
        "code": code,
        "journey": "active",
        "has_programme": True,
        "timezone": "UTC",
        "baseline_at": NOW - dt.timedelta(days=10),
        "baseline_total": 14,
        "latest_at": NOW - dt.timedelta(days=10),
        "latest_total": 14,
        "sessions_last_7_days": 2,
        "open_flags": 0,
    }
    return DigestFacts(**{**base, **changes})  # type: ignore[arg-type]


def test_digest_lists_codes_by_concern() -> None:
    overdue_at = NOW - dt.timedelta(days=17)  # due 3 days ago, nothing since
    rows = [
        facts("S-FINE22"),
        facts("S-LATE33", baseline_at=overdue_at, latest_at=overdue_at),
        facts("S-IDLE44", sessions_last_7_days=0),
        facts("S-WORS55", latest_at=NOW - dt.timedelta(days=1), latest_total=19),
        facts("S-FLAG66", open_flags=1),
        facts(
            "S-REST77",
            journey="paused",
            sessions_last_7_days=0,
            baseline_at=overdue_at,
            latest_at=overdue_at,
        ),
    ]
    screen = digest_screen(rows, content(), NOW, TODAY)
    assert screen.audience is Audience.SUPERVISOR
    assert screen.keys == [
        "digest.heading",
        "digest.overdue",
        "digest.no_sessions",
        "digest.deterioration",
        "digest.open_flags",
    ]
    text = screen.render_text(content().texts, "en")
    assert "Check-in overdue: S-LATE33\n" in text + "\n"
    assert "No sessions in the last 7 days: S-IDLE44" in text
    assert "baseline: S-WORS55" in text
    assert "Open flags: S-FLAG66" in text
    assert "S-FINE22" not in text and "S-REST77" not in text  # fine, or paused on purpose


def test_overdue_only_after_the_grace_days() -> None:
    due_today = NOW - dt.timedelta(days=14)
    one_day = NOW - dt.timedelta(days=15)
    two_days = NOW - dt.timedelta(days=16)
    rows = [
        facts("S-AAAAAA", baseline_at=due_today, latest_at=due_today),
        facts("S-BBBBBB", baseline_at=one_day, latest_at=one_day),
        facts("S-CCCCCC", baseline_at=two_days, latest_at=two_days),
        facts("S-DDDDDD", baseline_at=two_days, latest_at=NOW - dt.timedelta(days=1)),
    ]
    text = digest_screen(rows, content(), NOW, TODAY).render_text(content().texts, "en")
    assert text.endswith("Check-in overdue: S-CCCCCC")


def test_a_quiet_week_says_so() -> None:
    screen = digest_screen([facts("S-FINE22")], content(), NOW, TODAY)
    assert screen.keys == ["digest.heading", "digest.nothing"]


def test_policy_numbers() -> None:
    policy = content().nudges
    assert (policy.quiet_hours.start, policy.quiet_hours.end) == ("21:00", "08:00")
    assert policy.max_per_day == 2
    assert policy.grace == dt.timedelta(hours=2)
    assert policy.followup.time == "19:00"
    assert policy.checkin.again_after_days == 1
    assert content().phq9.readminister_days == 14
    assert [policy.rank(k.value) for k in PATIENT_KINDS] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert policy.mood_check.uncapped  # patient-requested: outside the daily cap


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_nudge_text_has_rotating_variants(language: str) -> None:
    texts, policy = content().texts, content().nudges
    english = content().texts
    for kind in PATIENT_KINDS:
        key = text_key(kind, policy)
        assert texts.has(key, language)
        variants = texts.variants(language, key)
        assert len(variants) >= 2, key  # otherwise the same words two days running
        fields = {frozenset(placeholders(v)) for v in english.variants("en", key)}
        assert len(fields) == 1, f"English variants of {key} take different fields"
        assert {frozenset(placeholders(v)) for v in variants} == fields, key
        if kind in MOOD_KINDS:  # 0–10, or Start / Not now
            buttons = (policy.mood_check.start_key, policy.mood_check.not_now_key)
            assert all(len(texts.variants(language, b)) == 1 for b in buttons)
            continue
        button = texts.variants(language, text_of(kind, policy).button_key)
        assert len(button) == 1
