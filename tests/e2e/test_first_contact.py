"""Most people greet before they press Start: through the real bot, "hello" and "hola" lead
to a consent whose "I agree" / "Acepto" works."""

from __future__ import annotations

import pytest

from bot.emulator import EmulatorClient
from tests.e2e.harness import BotProcess, Person

pytestmark = pytest.mark.e2e


async def test_a_greeting_first_leads_to_a_working_consent_in_english_and_spanish(
    bot: BotProcess, users: EmulatorClient
) -> None:
    await users.create_user(5401, "Alex", language_code="en")
    await users.create_user(5402, "Lucía", language_code="es")
    await bot.start(users)
    alex, lucia = Person(users, 5401), Person(users, 5402)
    await alex.send("hello")
    await lucia.send("hola")
    await alex.wait_for("not an emergency service")
    await lucia.wait_for("servicio de emergencias")
    await alex.press("I agree")
    await lucia.press("Acepto")
    await alex.wait_for("Where are you?")
    await lucia.wait_for("¿Dónde está?")
    await alex.press("London")
    await alex.wait_for("Question 1 of 9")
    assert not [m for m in alex.transcript if "moved on" in (m.get("text") or "")]
