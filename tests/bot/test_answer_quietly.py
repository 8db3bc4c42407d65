"""answerCallbackQuery is best effort: a press counts whatever the answer does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import BadRequest

from bot import handlers


class Query:
    def __init__(self, answer: Any) -> None:
        self._answer = answer
        self.calls = 0

    async def answer(self) -> None:
        self.calls += 1
        await self._answer()


async def _hangs() -> None:
    await asyncio.Event().wait()


async def _too_old() -> None:
    raise BadRequest("Query is too old and response timeout expired or query id is invalid")


async def _answers() -> None:
    return None


@pytest.mark.parametrize("answer", [_hangs, _too_old, _answers])
async def test_the_answer_never_raises_and_never_holds_the_update(
    answer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers, "ANSWER_TIMEOUT", 0.05)
    query = Query(answer)
    async with asyncio.timeout(2):  # a hanging answer is given up after ANSWER_TIMEOUT
        await handlers.answer_quietly(query)  # type: ignore[arg-type]
    assert query.calls == 1
    await handlers.answer_quietly(None)  # a message, not a press: nothing to answer
