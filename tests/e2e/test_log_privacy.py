"""A whole story at LOG_LEVEL=DEBUG: the log holds no token and no patient content."""

from __future__ import annotations

import pytest

from bot.emulator.core import DEFAULT_TOKEN
from bot.faultbench.harness import reach_item9, world

pytestmark = pytest.mark.e2e

NAME = "Zelda"
SURNAME = "Quuxington"
PHONE = "+1 555 010 9999"
SHARED = "447700906201"  # a contact card (the contact button's kind of message)
WORDS = "my neighbour's dog Biscuit"


async def test_a_debug_log_of_a_full_story_holds_no_secret_and_no_patient_words() -> None:
    async with world("sqlite") as w:
        bot = w.bot(LOG_LEVEL="DEBUG")
        await bot.start(w.users)
        await w.users.create_user(6201, NAME, language_code="en", last_name=SURNAME)
        person = await w.person(6201, NAME)
        await w.users.create_user(6201, NAME, language_code="en", last_name=SURNAME)
        await reach_item9(person)
        await person.press("Several days")
        await person.wait_for("988")
        await person.send(f"Call me on {PHONE}, I walk {WORDS}")
        await person.send("honestly I want to end my life")
        await person.wait_for("988")
        await w.users.send_contact(6201, SHARED, first_name=NAME, contact_user_id=6201)
        await person.wait_for("phone number")
        await bot.stop()
        log = bot.full_log()
    assert " DEBUG " in log and "sendMessage" in log  # DEBUG really was on
    secret_token_part = DEFAULT_TOKEN.partition(":")[2]
    for forbidden in (
        secret_token_part,
        NAME,
        SURNAME,
        PHONE,
        "555 010",
        SHARED,
        "7700906201",
        WORDS,
        "end my life",
        "Question 1 of 9",  # the bot's own replies are patient content too
        "not an emergency service",
        "Several days",
    ):
        assert forbidden not in log, f"{forbidden!r} in the DEBUG log"
