"""An escalation chain of any length is configuration: ESCALATION_LEVELS names the people of
each level and how long to wait before the next; SUPERVISOR_IDS and BACKUP_SUPERVISOR_IDS stay
the default two levels."""

from __future__ import annotations

import pytest

from bot.alerts import routing
from bot.alerts.relay import EscalationRelay
from bot.clock import ShiftedClock
from bot.config import ConfigurationError, EscalationLevel, load_settings
from bot.services import Services
from bot.storage import Store

from .conftest import ACK_SECONDS, REMIND_SECONDS, FakeBot, escalation_of, later, settings_for, sos

A, B, C, D = 910001, 910002, 910003, 910004


def test_levels_parse_and_default_to_supervisors_then_backups() -> None:
    chain = load_settings({"ESCALATION_LEVELS": f"{A},{B}@120; {C} ;{D}@30"})
    assert chain.escalation_levels == (
        EscalationLevel((A, B), 120),
        EscalationLevel((C,), 600),  # no @: ESCALATION_ACK_SECONDS
        EscalationLevel((D,), 30),
    )
    assert chain.supervisor_ids == [A, B] and chain.backup_supervisor_ids == [C, D]
    assert chain.all_supervisor_ids == [A, B, C, D]
    default = load_settings({"SUPERVISOR_IDS": f"{A}", "BACKUP_SUPERVISOR_IDS": f"{B},{C}"})
    assert default.escalation_levels == (
        EscalationLevel((A,), 600),
        EscalationLevel((B, C), 600),
    )
    for bad in ("x", f"{A}@", f"{A}@-5", f"{A}@1.5", "@60"):
        with pytest.raises(ConfigurationError, match="ESCALATION_LEVELS must be"):
            load_settings({"ESCALATION_LEVELS": bad})


async def test_a_three_level_chain_tells_each_level_once_then_reminds(
    database_url: str, store: Store, clock: ShiftedClock
) -> None:
    settings = settings_for(database_url, ESCALATION_LEVELS=f"{A};{B}@100;{C},{A}")
    services = Services.build(settings, clock, store=store)
    bot = FakeBot()
    relay = EscalationRelay(bot, services)  # type: ignore[arg-type]
    [incident] = (await sos(services)).escalation_ids
    await relay.tick()
    assert bot.chats() == [A]
    later(clock, ACK_SECONDS + 1)  # level 0 waits ESCALATION_ACK_SECONDS
    await relay.tick()
    assert [s.chat_id for s in bot.sent] == [A, B]
    later(clock, 101)  # level 1 waits 100 s; level 2 adds C (A already has it)
    await relay.tick()
    assert [s.chat_id for s in bot.sent] == [A, B, C]
    assert (await escalation_of(services, incident)).level == 2
    later(clock, REMIND_SECONDS + 1)  # the last level: one short reminder to everyone told
    await relay.tick()
    reminders = bot.sent[3:]
    assert sorted(s.chat_id for s in reminders) == [A, B, C]
    assert all(s.text.startswith("Reminder:") for s in reminders)
    assert routing.recipients(settings, 2) == [C, A]
