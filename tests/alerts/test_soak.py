"""Soak: 50 patients with open incidents and one supervisor, over a simulated week.

The bound, stated: one supervisor on a one-level chain receives at most

    incidents x (levels + R) + T

messages, where R is the number of reminders `routing.reminder_delay` allows one incident in a
week (1 h, then doubling, at most one a day: R = 10 with the defaults) and T is the number of
triggers added to an open incident (one short line each). With 50 incidents, one level and 10
added triggers that is 50 x 11 + 10 = 560 messages in a week, where the old alerts re-sent
every incident to everyone every ten minutes (over 50,000).
"""

from __future__ import annotations

import datetime as dt

from bot.alerts import routing
from bot.alerts.relay import EscalationRelay
from bot.care.incidents import acknowledge
from bot.clock import ShiftedClock
from bot.config import load_settings
from bot.emulator.core import DEFAULT_TOKEN
from bot.services import Services
from bot.storage import Store

from .conftest import SUPERVISOR, FakeBot, sos

PATIENTS = 50
WEEK = 7 * 24 * 3600
STEP = 600  # the relay looks every ten simulated minutes


async def test_a_week_of_fifty_open_incidents_stays_within_the_bound(
    database_url: str, store: Store
) -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "DATABASE_URL": database_url,
            "SUPERVISOR_IDS": str(SUPERVISOR),
        }
    )
    clock = ShiftedClock()
    services = Services.build(settings, clock, store=store)
    bot = FakeBot()
    relay = EscalationRelay(bot, services)  # type: ignore[arg-type]
    incidents = []
    for n in range(PATIENTS):
        [escalation_id] = (await sos(services, user_id=7000 + n, name=f"P{n}")).escalation_ids
        incidents.append(escalation_id)
    await relay.tick()
    added = 0
    for elapsed in range(STEP, WEEK + 1, STEP):
        clock.advance(dt.timedelta(seconds=STEP))
        if elapsed == 6 * 3600:  # ten patients raise another trigger on their open incident
            for n in range(10):
                assert (await sos(services, user_id=7000 + n, name=f"P{n}")).escalation_ids
                added += 1
        if elapsed == 24 * 3600:  # the supervisor acknowledges half of them after a day
            for escalation_id in incidents[::2]:
                await acknowledge(services, escalation_id, SUPERVISOR, "Sam")
        await relay.tick()

    levels = len(settings.escalation_levels)
    bound = routing.reminder_bound(settings, PATIENTS, WEEK) + added
    assert levels == 1 and bound == PATIENTS * (1 + 10) + 10 == 560
    to_supervisor = bot.to(SUPERVISOR)
    assert len(to_supervisor) <= bound
    alerts = [m for m in to_supervisor if m.text.startswith("URGENT")]
    lines = [m for m in to_supervisor if m.text.startswith("New trigger")]
    reminders = [m for m in to_supervisor if m.text.startswith("Reminder")]
    assert (len(alerts), len(lines)) == (PATIENTS, added)  # one alert per incident, ever
    assert len(alerts) + len(lines) + len(reminders) == len(to_supervisor)
    # Unacknowledged incidents were reminded on the doubling schedule (10 in the week);
    # acknowledged ones 4 times before the acknowledgement, then once a day.
    per_incident = {}
    for message in reminders:
        code = message.text.split("Reminder: ", 1)[1].split("'", 1)[0]
        per_incident[code] = per_incident.get(code, 0) + 1
    assert len(per_incident) == PATIENTS
    assert max(per_incident.values()) == 10 and min(per_incident.values()) == 10
    async with store.transaction() as tx:
        open_incidents = await tx.open_escalations()
    assert len(open_incidents) == PATIENTS  # nothing was lost or merged across patients
