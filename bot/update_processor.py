"""Different users concurrently, each user's updates strictly in order.

PTB's `concurrent_updates` alone is unsafe for stateful conversations (LIBRARY_NOTES); a
lock per user keeps one patient's answers in sequence while others proceed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 32) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock_for(self, update: object) -> asyncio.Lock | None:
        if not isinstance(update, Update):
            return None
        user = update.effective_user
        key = (
            user.id
            if user is not None
            else (update.effective_chat.id if update.effective_chat else None)
        )
        if key is None:
            return None
        return self._locks.setdefault(key, asyncio.Lock())

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        lock = self._lock_for(update)
        if lock is None:
            await coroutine
            return
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        self._locks.clear()
