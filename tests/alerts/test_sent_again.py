"""An alert whose earlier attempt may have arrived says so: the Bot API cannot tell whether
a send cut off by a crash (or a timeout) was delivered, so it is sent at most once more and
labelled, never silently repeated and never withheld."""

from __future__ import annotations

from bot.alerts.claims import DELIVERY_LEASE
from bot.alerts.relay import EscalationRelay
from bot.clock import ShiftedClock
from bot.services import Services

from .conftest import SUPERVISOR, FakeBot, sos

SENT_AGAIN = "Sent again after a restart"


async def test_an_alert_a_dead_process_was_sending_is_sent_once_more_and_labelled(
    services: Services, relay: EscalationRelay, fake_bot: FakeBot, clock: ShiftedClock
) -> None:
    await sos(services)
    now = clock.now()
    async with services.store.transaction() as tx:  # a process claims, sends, and dies
        claimed = await tx.claim_due_deliveries(now, "dead-process", DELIVERY_LEASE, now)
    assert claimed and not any(d.interrupted for d in claimed)
    await relay.deliver_due()
    assert fake_bot.to(SUPERVISOR) == []  # its lease still holds
    clock.advance(DELIVERY_LEASE)
    await relay.deliver_due()
    [alert] = fake_bot.to(SUPERVISOR)
    assert SENT_AGAIN in alert.text
    await relay.deliver_due()
    assert len(fake_bot.to(SUPERVISOR)) == 1  # at most once more


async def test_an_ordinary_alert_carries_no_label(
    services: Services, relay: EscalationRelay, fake_bot: FakeBot
) -> None:
    await sos(services)
    await relay.deliver_due()
    [alert] = fake_bot.to(SUPERVISOR)
    assert SENT_AGAIN not in alert.text
    assert "URGENT" in alert.text
