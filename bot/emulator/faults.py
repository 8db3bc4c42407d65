"""Injectable failures: 5xx answers, slow answers, blocked users and send outages.

Why: production Telegram returns 502 now and then, answers slowly enough to trip client
timeouts, and answers 403 once a patient blocks the bot. The bot's retry and give-up paths only
get tested if the emulator can produce these on demand, deterministically.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .limits import is_counted

BLOCKED_DESCRIPTION = "Forbidden: bot was blocked by the user"


@dataclass
class FailRule:
    """Fail the next `remaining` calls of `method` (None: any method)."""

    method: str | None
    remaining: int
    status: int = 502
    description: str = "Bad Gateway"


@dataclass
class DelayRule:
    """Delay answers of `method` (None: any) by `seconds`, `remaining` times (None: always)."""

    method: str | None
    seconds: float
    remaining: int | None = None


@dataclass
class Fault:
    """What to do to one call: wait first, then maybe answer with an error."""

    delay: float = 0.0
    status: int | None = None
    description: str = ""


def _matches(rule_method: str | None, method: str) -> bool:
    return rule_method is None or rule_method.lower() == method.lower()


class FaultInjector:
    """The set of active faults; `decide()` consumes them call by call."""

    def __init__(self) -> None:
        self.fail_rules: list[FailRule] = []
        self.delay_rules: list[DelayRule] = []
        self.blocked_chats: set[int] = set()
        self.send_outage: tuple[int, str] | None = None
        self.triggered = 0

    def fail_next(
        self,
        count: int = 1,
        method: str | None = None,
        status: int = 502,
        description: str = "Bad Gateway",
    ) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self.fail_rules.append(FailRule(method, count, status, description))

    def add_delay(
        self, seconds: float, method: str | None = None, count: int | None = None
    ) -> None:
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self.delay_rules.append(DelayRule(method, seconds, count))

    def block_chat(self, chat_id: int) -> None:
        self.blocked_chats.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self.blocked_chats.discard(chat_id)

    def fail_sends(self, status: int = 502, description: str = "Bad Gateway") -> None:
        """Every sending call fails with this answer until clear()."""
        self.send_outage = (status, description)

    def clear(self) -> None:
        self.fail_rules.clear()
        self.delay_rules.clear()
        self.blocked_chats.clear()
        self.send_outage = None

    def decide(self, method: str, chat_id: int | None) -> Fault:
        """The fault for this call, consuming counted rules."""
        fault = Fault()
        for delay in self.delay_rules:
            if _matches(delay.method, method):
                fault.delay = max(fault.delay, delay.seconds)
                if delay.remaining is not None:
                    delay.remaining -= 1
        self.delay_rules = [d for d in self.delay_rules if d.remaining is None or d.remaining > 0]
        sending = is_counted(method)
        for rule in self.fail_rules:
            if _matches(rule.method, method):
                rule.remaining -= 1
                fault.status, fault.description = rule.status, rule.description
                break
        self.fail_rules = [r for r in self.fail_rules if r.remaining > 0]
        if fault.status is None and sending and self.send_outage is not None:
            fault.status, fault.description = self.send_outage
        if fault.status is None and sending and chat_id in self.blocked_chats:
            fault.status, fault.description = 403, BLOCKED_DESCRIPTION
        if fault.status is not None or fault.delay:
            self.triggered += 1
        return fault

    def describe(self) -> dict[str, Any]:
        return {
            "fail_next": [asdict(r) for r in self.fail_rules],
            "delays": [asdict(d) for d in self.delay_rules],
            "blocked_chats": sorted(self.blocked_chats),
            "send_outage": (
                {"status": self.send_outage[0], "description": self.send_outage[1]}
                if self.send_outage
                else None
            ),
            "triggered": self.triggered,
        }
