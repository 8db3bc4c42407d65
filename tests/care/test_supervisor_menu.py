"""The supervisor's side in their own words: a command menu scoped to each supervisor's
chat, their help (never the patient's), texts in their language and times in their zone."""

from __future__ import annotations

from typing import Any

from bot.care.commands import build_table
from bot.care.menu import register
from tests.alerts.conftest import PATIENT, SECOND_SUPERVISOR, SUPERVISOR
from tests.alerts.test_supervisor import World


def menu_of(commands: list[dict[str, Any]], chat_id: int) -> list[dict[str, Any]]:
    scoped = [
        c
        for c in commands
        if c["scope"].get("type") == "chat" and c["scope"].get("chat_id") == chat_id
    ]
    assert len(scoped) == 1
    return list(scoped[0]["commands"])


async def test_each_supervisor_gets_a_menu_scoped_to_their_chat(world: World) -> None:
    await register(world.app.bot, world.services)
    commands = await world.users.commands()
    names = [c.name for c in build_table() if c.in_menu]
    for chat in (SUPERVISOR, SECOND_SUPERVISOR):
        menu = menu_of(commands, chat)
        assert [c["command"] for c in menu] == names
        assert {
            "command": "patients",
            "description": "[incidents|overdue|notstarted|worse] - your caseload",
        } in menu
    assert not [c for c in commands if c["scope"].get("chat_id") == PATIENT]


async def test_a_supervisors_help_is_theirs_not_the_patient_list(world: World) -> None:
    help_text = await world.command(SUPERVISOR, "/help")
    assert help_text.startswith("Care team commands:")
    assert "/patients" in help_text and "/today" not in help_text
    assert (await world.command(SUPERVISOR, "/today")).startswith("Care team commands:")
    assert not (await world.command(PATIENT, "/help")).startswith("Care team commands:")


async def test_language_and_time_zone_are_the_supervisors_own(world: World) -> None:
    assert await world.command(SUPERVISOR, "/language es") == "Su idioma ahora es español."
    assert (await world.command(SUPERVISOR, "/help")).startswith(
        "Comandos del equipo de atención:"
    )
    menu = menu_of(await world.users.commands(), SUPERVISOR)
    assert menu[0] == {"command": "alerts", "description": "incidentes abiertos"}
    assert (await world.command(SUPERVISOR, "/timezone Mars/Olympus")).startswith(
        "Envíe /timezone"
    )
    assert await world.command(SUPERVISOR, "/timezone America/Mexico_City") == (
        "Su zona horaria ahora es America/Mexico_City."
    )
    escalation = await world.patient_sos()
    mine = (await world.alert(SECOND_SUPERVISOR))["text"]  # the other supervisor: English, UTC
    assert mine.startswith(f"URGENT: patient {escalation.patient_code}") and " UTC)" in mine
    spanish = [
        m["text"]
        for m in await world.users.messages(SUPERVISOR)
        if m.get("by_bot") and m["text"].startswith("URGENTE")
    ]
    assert spanish and " CST)" in spanish[0].split("\n")[0]
    assert "El paciente pidió ayuda" in spanish[0]
    assert (await world.command(SUPERVISOR, "/language fr")).startswith("Envíe /language")
