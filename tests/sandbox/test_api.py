"""The sandbox's web API with the real bot behind it: a patient consents, time moves, and the
page is served entirely from 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.context import bot_data_of
from bot.emulator import EmulatorClient
from bot.emulator.actions import own_phone
from bot.sandbox import Sandbox
from bot.sandbox.runtime import CLOCK_FILE, saved_offset
from tests.sandbox.helpers import (
    ANA,
    BEN,
    CHLOE,
    ONBOARDING,
    SUPERVISOR,
    ApiError,
    Page,
    buttons,
    onboard_offscreen,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
URL = re.compile(r"""https?://[^\s"'<>)`]+""")


async def test_a_patient_consents_through_the_page(sandbox: Sandbox, page: Page) -> None:
    await page.send(BEN, "/start")
    consent = await page.wait_for(BEN, "I agree", button=True)
    assert "Stride" in consent["text"]

    await page.post(
        "/api/press", {"chat_id": BEN, "message_id": consent["message_id"], "text": "I agree"}
    )
    where = await page.wait_for(BEN, "London", button=True)
    await page.post(
        "/api/press", {"chat_id": BEN, "message_id": where["message_id"], "text": "London"}
    )
    question = await page.wait_for(BEN, "Question 1 of 9")
    assert "Not at all" in buttons(question)

    mine = [m for m in await page.messages(BEN) if not m["by_bot"]]
    assert [m["text"] for m in mine] == ["/start"]
    assert mine[0]["from_name"] == "Ben"
    async with EmulatorClient(sandbox.emulator_url) as emulator:
        assert await emulator.violations() == []  # the real bot used the Bot API correctly


async def test_the_clock_moves_forward(sandbox: Sandbox, page: Page) -> None:
    before = dt.datetime.fromisoformat((await page.get("/api/clock"))["now"])

    hour = await page.post("/api/clock", {"action": "hour"})
    moved = dt.datetime.fromisoformat(hour["now"]) - before
    assert dt.timedelta(hours=1) <= moved < dt.timedelta(hours=1, seconds=30)

    morning = await page.post("/api/clock", {"action": "morning", "patient_id": CHLOE})
    local = dt.datetime.fromisoformat(morning["now"]).astimezone(ZoneInfo(morning["timezone"]))
    assert (local.hour, local.minute) == (8, 0)

    day = await page.post("/api/clock", {"action": "day"})  # "week" walks 7 times as far
    assert dt.datetime.fromisoformat(day["now"]) - dt.datetime.fromisoformat(
        morning["now"]
    ) >= dt.timedelta(days=1)
    with pytest.raises(ApiError, match="action must be one of"):
        await page.post("/api/clock", {"action": "back"})
    # Kept beside the database, so a restart does not send time backwards.
    assert saved_offset(sandbox.database.parent / CLOCK_FILE) == sandbox.clock.offset


class Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.references.append(value)


def foreign_urls(text: str) -> list[str]:
    return [u for u in URL.findall(text) if urlsplit(u).hostname not in ("127.0.0.1", None)]


async def test_the_page_and_all_its_assets_are_served_locally(page: Page) -> None:
    async with page.session.get(page.base + "/") as response:
        assert response.status == 200
        html = await response.text()
    assert "local sandbox" in html.lower() or "local demo" in html.lower()
    assert foreign_urls(html) == []
    parser = Assets()
    parser.feed(html)
    local = [r for r in parser.references if not r.startswith("#")]
    assert {"/static/app.css", "/static/app.js"} <= set(local)
    for reference in local:
        assert urlsplit(reference).scheme in ("", "http"), reference
        url = reference if urlsplit(reference).scheme else page.base + reference
        assert urlsplit(url).hostname == "127.0.0.1", reference
        async with page.session.get(url) as response:
            assert response.status == 200, reference
            if reference.endswith((".css", ".js")):
                assert foreign_urls(await response.text()) == [], reference


async def test_the_cast_and_the_peer_group(sandbox: Sandbox, page: Page) -> None:
    state = await page.get("/api/state")
    assert [(p["name"], p["language"]) for p in state["patients"][:3]] == [
        ("Ana", "es"),
        ("Ben", "en"),
        ("Chloé", "en"),
    ]
    assert state["supervisor"]["id"] == SUPERVISOR
    assert sandbox.application.bot_data.services.settings.supervisor_ids == [SUPERVISOR]

    added = (await page.post("/api/patients", {"name": "  Dana ", "language": "es"}))["patient"]
    assert added["name"] == "Dana"
    async with EmulatorClient(sandbox.emulator_url) as emulator:
        group = await emulator.chat(state["group"]["id"])
    assert {str(p["id"]) for p in [*state["patients"], added]} <= set(group["members"])
    with pytest.raises(ApiError, match="language"):
        await page.post("/api/patients", {"name": "Eve", "language": "fr"})


async def test_the_command_menu_follows_the_language(page: Page) -> None:
    spanish = (await page.get(f"/api/commands?chat_id={ANA}"))["commands"]
    english = (await page.get(f"/api/commands?chat_id={BEN}"))["commands"]
    assert {c["command"] for c in english} >= {"today", "checkin", "sos"}
    today = {c["command"]: c["description"] for c in spanish}["today"]
    assert today != {c["command"]: c["description"] for c in english}["today"]


async def test_the_api_only_serves_the_sandbox(page: Page) -> None:
    with pytest.raises(ApiError, match="not a sandbox chat"):
        await page.send(123, "hello")
    with pytest.raises(ApiError, match="only patients"):
        await page.send((await page.get("/api/state"))["group"]["id"], "hi", from_id=SUPERVISOR)
    async with page.session.post(page.base + "/api/send", data={"chat_id": str(BEN)}) as form:
        assert form.status == 415  # a foreign page's form post
    headers = {"Host": "evil.example"}
    async with page.session.get(page.base + "/api/state", headers=headers) as rebound:
        assert rebound.status == 403


async def test_live_events_carry_the_bots_messages(page: Page) -> None:
    async with page.session.get(
        page.base + "/api/events", timeout=aiohttp.ClientTimeout(total=15)
    ) as stream:
        await page.send(CHLOE, "/start")
        kind = ""
        async with asyncio.timeout(10):
            async for raw in stream.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: ") and kind == "bot_message":
                    message = json.loads(line.removeprefix("data: "))
                    if message["chat_id"] == CHLOE:
                        break
    assert message["from_name"] == "Stride"
    assert "I agree" in buttons(message)


async def test_the_invite_demo_enrols_a_new_patient_with_the_clinic_reference(
    sandbox: Sandbox, page: Page
) -> None:
    invited = await page.post("/api/invites", {"name": "Dana", "language": "en", "ref": "MRN-77"})
    dana = int(invited["patient"]["id"])
    link = await page.wait_for(SUPERVISOR, "?start=")  # the supervisor's /invite, answered
    assert "Invitation for MRN-77" in link["text"]
    consent = await page.wait_for(dana, "I agree", button=True)  # the link opened: /start CODE
    assert "Stride" in consent["text"]
    services = bot_data_of(sandbox.application).services
    async with services.store.transaction() as tx:
        card = await tx.patient_card_by_telegram(dana)
    assert card is not None and card.clinic_ref == "MRN-77"
    with pytest.raises(ApiError):
        await page.post("/api/invites", {"name": "Eve", "language": "en", "ref": "two words"})


async def test_the_phone_question_keyboard_can_be_tapped_on_the_page(
    sandbox: Sandbox, page: Page
) -> None:
    added = await page.post("/api/patients", {"name": "Eli", "language": "en"})
    eli = int(added["patient"]["id"])
    services = bot_data_of(sandbox.application).services
    # Everything up to the time question off screen (fast), the rest on the page.
    await onboard_offscreen(services, eli, "Eli", ONBOARDING[:-2], first_update=2_100_000_000)
    await page.send(eli, "8:00")
    asked = await page.wait_for(eli, "share your phone number")
    keyboard = asked["reply_markup"]["keyboard"]
    assert keyboard[0][0] == {"text": "📞 Share my phone number", "request_contact": True}
    with pytest.raises(ApiError):
        await page.post("/api/keyboard", {"chat_id": SUPERVISOR, "text": "Not now"})
    await page.post("/api/keyboard", {"chat_id": eli, "text": "📞 Share my phone number"})
    await page.wait_for(eli, "Your care team can now see your phone number")
    async with services.store.transaction() as tx:
        card = await tx.patient_card_by_telegram(eli)
    assert card is not None and card.phone == own_phone(eli)
