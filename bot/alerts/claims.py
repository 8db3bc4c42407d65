"""The relay's claim on what it sends: leases, and what a timed-out send counts as.

Kept apart from the relay's escalation logic: this is only the exactly-once mechanics.
- `claim_due` leases due deliveries to one process (`claim_due_deliveries`); the lease is
  held until the send is recorded, so a second Stride process on the same database never
  sends the same alert, and a process that dies mid-send leaves a lease that runs out.
- A send that timed out may still have been delivered, and the Bot API cannot tell us: it is
  tried once more, and after a second timeout taken as delivered (logged CRITICAL).
- `may_repeat`: an alert sent again after a timeout or after a process died holding its
  lease says so ("sent again after a restart; it may repeat an earlier message"), since
  the first copy may have arrived (docs/reliability.md: why exactly-once is impossible).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from bot.services import Services
from bot.storage.outbox import Delivery

log = logging.getLogger(__name__)

# Held from claim to the recorded send: long enough for a send with all its retries.
DELIVERY_LEASE = dt.timedelta(seconds=60)
TIMED_OUT = "timed out"


async def claim_due(services: Services, by: str, until: dt.datetime | None) -> list[Delivery]:
    now = services.clock.now()
    async with services.store.transaction() as tx:
        return await tx.claim_due_deliveries(until or now, by, DELIVERY_LEASE, now)


def timed_out(error: str) -> str:
    return f"{TIMED_OUT}: {error}"


class Attempted(Protocol):
    """An outbox row (an alert delivery, a relayed care message) with a failed attempt."""

    @property
    def id(self) -> int: ...

    @property
    def chat_id(self) -> int: ...

    @property
    def last_error(self) -> str | None: ...


def retry_after_timeout(delivery: Attempted) -> bool:
    """True for the first timeout (try once more); False: take it as delivered."""
    if not (delivery.last_error or "").startswith(TIMED_OUT):
        log.warning("alert delivery %s timed out; trying once more", delivery.id)
        return True
    log.critical(
        "alert delivery %s to %s timed out twice: taken as delivered (Telegram may have it); "
        "check the chat if no acknowledgement follows",
        delivery.id,
        delivery.chat_id,
    )
    return False


def may_repeat(delivery: Delivery) -> bool:
    """True when an earlier attempt may have arrived: the supervisor is told it may repeat."""
    return delivery.interrupted or (delivery.last_error or "").startswith(TIMED_OUT)
