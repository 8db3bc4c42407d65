"""The pacer keeps nudges under the overall rate, with a small catch-up after a stall."""

from __future__ import annotations

from itertools import pairwise

import pytest

from bot.nudges import pacing
from bot.nudges.pacing import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(pacing.asyncio, "sleep", fake.sleep)
    return fake


async def test_steady_pace(fake_time: FakeTime) -> None:
    pacer = Pacer(per_second=10, burst=0, clock=fake_time)
    times = []
    for _ in range(21):
        await pacer.wait()
        times.append(fake_time.now)
    assert times[-1] - times[0] == pytest.approx(2.0)  # 20 intervals of 0.1 s
    assert all(b - a == pytest.approx(0.1) for a, b in pairwise(times))


async def test_a_photo_and_its_text_count_twice(fake_time: FakeTime) -> None:
    pacer = Pacer(per_second=10, burst=0, clock=fake_time)
    await pacer.wait(2)
    start = fake_time.now
    await pacer.wait()
    assert fake_time.now - start == pytest.approx(0.2)


async def test_catch_up_after_a_stall_is_bounded(fake_time: FakeTime) -> None:
    pacer = Pacer(per_second=10, burst=3, clock=fake_time)
    for _ in range(10):
        await pacer.wait()
    fake_time.now += 5.0  # the loop was busy for five seconds
    stalled_at = fake_time.now
    sent_at_once = 0
    for _ in range(10):
        await pacer.wait()
        sent_at_once += fake_time.now == stalled_at
    assert sent_at_once == 4  # the burst, not the 50 the stall "saved up"
    # Over any long window the average stays at the rate.
    window_start = fake_time.now
    for _ in range(100):
        await pacer.wait()
    assert fake_time.now - window_start == pytest.approx(10.0, abs=0.11)


def test_default_pace_is_below_telegrams_limit() -> None:
    assert 28 <= pacing.DEFAULT_RATE < 30
    assert pacing.BURST < 30
