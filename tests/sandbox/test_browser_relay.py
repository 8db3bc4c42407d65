"""The care team's side in the sandbox, in a real browser: a patient is invited (the
supervisor's /invite link, opened by a new patient) and carries the clinic reference; the
supervisor messages them from the alert, the patient's reply comes back, the caseload lists
them with the reference, and the incident is resolved with an outcome and a note. Skips like
test_browser.py without chromium/Playwright."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.sandbox.test_browser import ARTIFACTS, browser, message, page, requested  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


async def send(panel: Any, text: str) -> None:
    box = panel.get_by_role("textbox")
    await box.fill(text)
    await box.press("Enter")


async def test_message_patient_round_trip_caseload_and_resolution(page: Any) -> None:  # noqa: F811
    from playwright.async_api import expect

    # Each step waits on the bot's replies, paced at about one a second per chat as Telegram
    # does, behind the other messages of that chat: 5 s is too short on a busy CI machine.
    expect.set_options(timeout=20_000)
    ARTIFACTS.mkdir(exist_ok=True)
    patient = page.locator("#patient-panel")
    supervisor = page.locator("#supervisor-panel")
    invite = page.locator("#add-patient-form")
    await page.locator("details.add-patient summary").click()
    await invite.get_by_label("Name").fill("Dana")
    await invite.get_by_label("Clinic reference").fill("MRN-0042")
    await invite.get_by_role("button", name="Add").click()
    await expect(message(supervisor, "Invitation for MRN-0042")).to_contain_text("?start=")
    await expect(message(patient, "I agree")).to_be_visible()  # the link opened: /start CODE
    await send(patient, "/sos")
    await expect(message(patient, "988")).to_be_visible()
    alert = message(supervisor, "URGENT")
    await expect(alert).to_contain_text("Clinic ref: MRN-0042")

    await alert.get_by_role("button", name="Message patient").click()
    await expect(message(supervisor, "Send your message for")).to_be_visible()
    await send(supervisor, "Hi, this is your care team. Are you safe right now?")
    # Case-sensitive and with its comma: Playwright's plain `has_text` ignores case, and the
    # crisis reply to /sos says "A person from your care team …" and "Are you safe right now?"
    # too, so a looser match let the patient answer before the relayed message had arrived.
    relayed = message(patient, re.compile("From your care team, "))
    await expect(relayed).to_contain_text("Are you safe right now?")
    await send(patient, "yes, I am with a friend")
    await expect(message(patient, "Sent to your care team.")).to_be_visible()
    await expect(message(supervisor, "replied:")).to_contain_text("yes, I am with a friend")

    await send(supervisor, "/patients incidents")
    caseload = message(supervisor, "Patients (Open incidents): 1")
    await expect(caseload).to_contain_text("MRN-0042")

    await message(supervisor, "URGENT").get_by_role("button", name="Resolve").click()
    choose = message(supervisor, "incident?")
    await choose.get_by_role("button", name="Contacted and safe").click()
    await expect(message(supervisor, "please send a short note")).to_be_visible()
    await send(supervisor, "Spoke with him; safe with a friend tonight.")
    await expect(message(supervisor, "incident is resolved")).to_be_visible()
    await expect(message(supervisor, "URGENT")).to_contain_text("Outcome: Contacted and safe")
    await page.mouse.move(0, 0)
    await page.screenshot(path=ARTIFACTS / "sandbox-relay.png")
