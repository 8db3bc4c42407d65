"""The sandbox's pure parts: clock buttons, the command menu, message shapes for the page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.clock_control import WALK_STEP, delta_for, next_morning, walk
from bot.sandbox.runtime import saved_offset
from bot.sandbox.views import commands_for, page_message
from content.loader import shipped_content

UTC = dt.UTC
MADRID = ZoneInfo("Europe/Madrid")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        ("2026-11-30T07:59:00+00:00", UTC, "2026-11-30T08:00:00+00:00"),
        ("2026-11-30T08:00:00+00:00", UTC, "2026-12-01T08:00:00+00:00"),
        ("2026-11-30T06:30:00+00:00", MADRID, "2026-11-30T07:00:00+00:00"),  # 08:00 CET
        ("2026-11-30T07:30:00+00:00", MADRID, "2026-12-01T07:00:00+00:00"),
        ("2026-03-28T22:00:00+00:00", MADRID, "2026-03-29T06:00:00+00:00"),  # summer time
    ],
)
def test_next_morning_is_the_next_eight_oclock_local(
    now: str, tz: dt.tzinfo, expected: str
) -> None:
    assert next_morning(at(now), tz) == at(expected)


def test_clock_buttons() -> None:
    now = at("2026-11-30T10:00:00+00:00")
    assert delta_for("hour", now, UTC) == dt.timedelta(hours=1)
    assert delta_for("day", now, UTC) == dt.timedelta(days=1)
    assert delta_for("week", now, UTC) == dt.timedelta(weeks=1)
    assert delta_for("morning", now, UTC) == dt.timedelta(hours=22)
    with pytest.raises(ValueError, match="action must be one of"):
        delta_for("yesterday", now, UTC)


def test_time_is_walked_in_steps_shorter_than_the_nudge_grace_period() -> None:
    assert shipped_content().nudges.grace > WALK_STEP
    steps = walk(dt.timedelta(weeks=1))
    assert len(steps) == 168 and set(steps) == {WALK_STEP}
    assert walk(dt.timedelta(minutes=90)) == [WALK_STEP, dt.timedelta(minutes=30)]


COMMANDS = [
    {"scope": {"type": "all_private_chats"}, "language_code": "", "commands": [{"command": "a"}]},
    {
        "scope": {"type": "all_private_chats"},
        "language_code": "es",
        "commands": [{"command": "b"}],
    },
    {
        "scope": {"type": "chat", "chat_id": 9001},
        "language_code": "",
        "commands": [{"command": "c"}],
    },
    {"scope": {"type": "default"}, "language_code": "", "commands": [{"command": "d"}]},
]


@pytest.mark.parametrize(
    ("chat_id", "language", "private", "expected"),
    [
        (1002, "en", True, "a"),
        (1001, "es", True, "b"),
        (9001, "en", True, "c"),  # a chat's own menu wins over every broader scope
        (-900, None, False, "d"),
    ],
)
def test_the_menu_telegram_would_show(
    chat_id: int, language: str | None, private: bool, expected: str
) -> None:
    menu = commands_for(COMMANDS, chat_id, language, private=private)
    assert [c["command"] for c in menu] == [expected]


def test_messages_name_their_sender_and_use_same_origin_photos() -> None:
    photo = {"file_id": "emu-photo-1", "url": "/control/photos/emu-photo-1", "width": 10}
    from_bot = page_message({"by_bot": True, "from_id": 1, "photo": photo}, {}, "Stride")
    assert from_bot["from_name"] == "Stride"
    assert from_bot["photo"]["url"] == "/api/photos/emu-photo-1"
    from_ana = page_message({"by_bot": False, "from_id": 1001}, {1001: "Ana"}, "Stride")
    assert from_ana["from_name"] == "Ana"


def test_the_saved_clock_offset(tmp_path: Path) -> None:
    path = tmp_path / "stride-sandbox.clock"
    assert saved_offset(path) == dt.timedelta(0)
    path.write_text("90000.5", encoding="utf-8")
    assert saved_offset(path) == dt.timedelta(seconds=90000.5)
    for broken in ("", "soon", "-60"):
        path.write_text(broken, encoding="utf-8")
        assert saved_offset(path) == dt.timedelta(0)
