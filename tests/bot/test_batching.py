"""Group commit (`bot.batching`): callers that arrive while a run waits share the next run."""

from __future__ import annotations

import asyncio

import pytest

from bot.batching import Batched


class Recorder:
    def __init__(self, fail_on: int | None = None) -> None:
        self.runs: list[list[int]] = []
        self.gate = asyncio.Event()
        self.fail_on = fail_on

    async def run(self, keys: list[int]) -> dict[int, int]:
        self.runs.append(keys)
        await self.gate.wait()  # the database is busy
        if self.fail_on in keys:
            raise RuntimeError("database unavailable")
        return {key: key * 10 for key in keys}


async def test_a_caller_alone_runs_alone_and_gets_its_own_result() -> None:
    recorder = Recorder()
    recorder.gate.set()
    batched = Batched(recorder.run, "test")
    assert await batched(3) == 30
    assert await batched(4) == 40
    assert recorder.runs == [[3], [4]]


async def test_callers_arriving_during_a_run_share_the_next_one() -> None:
    recorder = Recorder()
    batched = Batched(recorder.run, "test")
    first = asyncio.create_task(batched(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the first run has started and waits
    later = [asyncio.create_task(batched(key)) for key in (2, 3, 4)]
    await asyncio.sleep(0)
    recorder.gate.set()
    assert await first == 10
    assert [await task for task in later] == [20, 30, 40]
    assert recorder.runs == [[1], [2, 3, 4]]


async def test_a_failed_run_fails_each_of_its_callers_and_the_next_run_still_happens() -> None:
    recorder = Recorder(fail_on=2)
    batched = Batched(recorder.run, "test")
    first = asyncio.create_task(batched(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    failing = [asyncio.create_task(batched(key)) for key in (2, 3)]
    await asyncio.sleep(0)
    recorder.gate.set()
    assert await first == 10
    for task in failing:
        with pytest.raises(RuntimeError, match="database unavailable"):
            await task
    assert await batched(5) == 50  # nothing stuck after an error


async def test_a_cancelled_caller_does_not_cancel_the_run_of_the_others() -> None:
    recorder = Recorder()
    batched = Batched(recorder.run, "test")
    first = asyncio.create_task(batched(1))
    second = asyncio.create_task(batched(1))  # the same key: one result for both
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    first.cancel()
    recorder.gate.set()
    assert await second == 10
    assert recorder.runs == [[1]]
