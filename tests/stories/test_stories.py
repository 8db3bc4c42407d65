"""Every story in tests/stories/*.yaml, replayed through dialogs and real storage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.storage.repository import Store
from tests.stories.runner import STORIES, FixedClock, StoryRun, expand, load_story, story_settings

STORY_FILES = sorted(STORIES.glob("*.yaml"))


@pytest.mark.parametrize("path", STORY_FILES, ids=[p.stem for p in STORY_FILES])
async def test_story(path: Path, store: Store) -> None:
    story = load_story(path)
    start = dt.datetime.fromisoformat(story.get("start", "2026-11-30T08:00:00+00:00"))
    run = StoryRun(
        store=store,
        settings=story_settings(**story.get("settings", {})),
        clock=FixedClock(start),
        language_code=story.get("language", "en"),
    )
    for number, step in enumerate(expand(story["steps"]), start=1):
        await run.step(step, number)


def test_there_are_stories() -> None:
    assert len(STORY_FILES) >= 5
