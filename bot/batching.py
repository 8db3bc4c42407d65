"""One database round trip for many callers: a group commit.

The first caller starts a run; callers that arrive while it waits for the database (one
connection on SQLite, a round trip on PostgreSQL) join the next run. Under load one statement
serves many updates; alone, a caller pays what it paid before. Each caller still waits for
its own result (or the run's error), so nothing is treated as written before it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


class Batched(Generic[K, R]):
    def __init__(self, run: Callable[[list[K]], Awaitable[Mapping[K, R]]], name: str) -> None:
        self._run = run
        self._name = name
        self._waiting: dict[K, asyncio.Future[R]] = {}
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, key: K) -> R:
        result = self._waiting.get(key)
        if result is None:
            result = self._waiting[key] = asyncio.get_running_loop().create_future()
        runner = self._runner
        if runner is None or runner.done() or runner.get_loop() is not result.get_loop():
            self._runner = asyncio.create_task(self._runs(), name=self._name)
        return await asyncio.shield(result)  # a cancelled caller leaves the others' run alone

    async def _runs(self) -> None:
        while self._waiting:
            # One turn of the loop lets the callers already woken in this turn join the run.
            # A run on SQLite's inline driver does not yield while it runs, so without this
            # each caller would pay a run of its own.
            await asyncio.sleep(0)
            batch, self._waiting = self._waiting, {}
            try:
                results = await self._run(list(batch))
            except Exception as error:  # every caller of this run sees its error
                for result in batch.values():
                    if not result.done():
                        result.set_exception(error)
                continue
            for key, result in batch.items():
                if not result.done():
                    result.set_result(results[key])
