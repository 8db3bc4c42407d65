"""Flood limits with a controllable clock, and fault rules consumed call by call."""

from __future__ import annotations

from bot.emulator.faults import BLOCKED_DESCRIPTION, FaultInjector
from bot.emulator.limits import LimitConfig, RateLimiter, is_counted


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_private_chat_burst_then_one_per_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(LimitConfig(private_per_second=1.0, private_burst=3), clock=clock)
    assert [limiter.check("t", 1, "private") for _ in range(3)] == [None, None, None]
    assert limiter.check("t", 1, "private") == 1
    assert limiter.check("t", 2, "private") is None  # another chat has its own bucket
    clock.now += 1.0
    assert limiter.check("t", 1, "private") is None
    assert limiter.check("t", 1, "private") == 1
    assert limiter.rejected == 2
    assert limiter.rejected_per_chat[1] == 2


def test_group_twenty_per_minute() -> None:
    clock = FakeClock()
    limiter = RateLimiter(LimitConfig(), clock=clock)
    for _ in range(20):
        assert limiter.check("t", -5, "group") is None
        clock.now += 0.04  # stay under the global 30/s
    assert limiter.check("t", -5, "group") == 3  # one token per 3 s
    clock.now += 3.0
    assert limiter.check("t", -5, "supergroup") is None


def test_global_thirty_per_second_and_per_token() -> None:
    clock = FakeClock()
    limiter = RateLimiter(LimitConfig(), clock=clock)
    for chat_id in range(30):
        assert limiter.check("t", chat_id, "private") is None
    assert limiter.check("t", 99, "private") == 1
    assert limiter.check("other-token", 99, "private") is None


def test_limits_can_be_switched_off_and_reconfigured() -> None:
    limiter = RateLimiter(LimitConfig(enabled=False), clock=FakeClock())
    assert all(limiter.check("t", 1, "private") is None for _ in range(100))
    limiter.configure(enabled=True, private_burst=1)
    assert limiter.check("t", 1, "private") is None
    assert limiter.check("t", 1, "private") == 1


def test_counted_methods() -> None:
    assert is_counted("sendMessage")
    assert is_counted("sendPhoto")
    assert is_counted("copyMessage")
    assert not is_counted("sendChatAction")
    assert not is_counted("editMessageText")
    assert not is_counted("getUpdates")


def test_fault_rules() -> None:
    faults = FaultInjector()
    faults.fail_next(2, method="sendMessage")
    faults.block_chat(7)
    assert faults.decide("getMe", None).status is None
    assert faults.decide("sendMessage", 1).status == 502
    assert faults.decide("sendMessage", 1).description == "Bad Gateway"
    assert faults.decide("sendMessage", 1).status is None
    blocked = faults.decide("sendPhoto", 7)
    assert (blocked.status, blocked.description) == (403, BLOCKED_DESCRIPTION)
    assert faults.decide("getChat", 7).status is None  # only sends are blocked
    faults.add_delay(0.5, count=1)
    assert faults.decide("getMe", None).delay == 0.5
    assert faults.decide("getMe", None).delay == 0
    faults.fail_sends(status=500, description="Internal Server Error")
    assert faults.decide("sendMessage", 1).status == 500
    faults.clear()
    assert faults.decide("sendMessage", 7).status is None
