"""Data rights through the real bot: /mydata arrives as a JSON file with a summary;
/forgetme with an open incident tells the patient and hands the incident to the
supervisors; the next message from that person starts as a new patient."""

from __future__ import annotations

import json

import pytest

from bot.emulator import EmulatorClient
from tests.e2e.harness import SUPERVISOR, BotProcess, Person

pytestmark = pytest.mark.e2e


@pytest.mark.both_databases
async def test_mydata_then_forgetme_with_an_open_incident(
    bot: BotProcess, users: EmulatorClient
) -> None:
    await users.create_user(5501, "Robin", language_code="en")
    await bot.start(users)
    robin = Person(users, 5501)
    await robin.send("/start")
    await robin.press("I agree")
    await robin.wait_for("Where are you?")

    await robin.send("/mydata")
    document = await robin.wait_for("Here is a copy of everything")
    assert document["kind"] == "document"
    assert document["document"]["file_name"].startswith("stride-")
    data = json.loads(await users.photo(document["document"]["file_id"]))
    summary = await robin.wait_for("Your code is")
    assert data["you"]["code"] in summary["text"]
    assert data["consents"][0]["version"] == "2026-12"

    await robin.send("I want to die")
    await robin.wait_for("not an emergency service")
    await users.wait_for_text(SUPERVISOR, "URGENT", timeout=20)

    await robin.send("/forgetme")
    await robin.wait_for("Do you want me to erase your data?")
    await robin.press("Yes, erase my data")
    await robin.wait_for("Your care team still has the open safety alert")
    await users.wait_for_text(SUPERVISOR, "erased their data with 1 open", timeout=20)

    await robin.send("hello")
    await robin.wait_for("Are you happy to go ahead?")
