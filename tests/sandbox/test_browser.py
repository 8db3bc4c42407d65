"""The sandbox in a real browser: Debian's chromium, driven headless by Playwright for Python.

A visitor consents as a patient, answers the PHQ-9 by clicks with item 9 positive, sees the
crisis reply, acknowledges the alert as the supervisor and moves the clock to the next
morning. Screenshots go to artifacts/ (kept by CI). Without chromium or Playwright the tests
skip with one line, unless STRIDE_REQUIRE_BROWSER=1 (CI) makes that a failure.
Never `playwright install`: it downloads a browser; the system chromium is used instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

from bot.emulator import EmulatorClient
from bot.sandbox import Sandbox
from bot.sandbox.clock_control import nudge_tick
from tests.sandbox.helpers import BEN, CHLOE, onboard_offscreen

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
TIMEOUT_MS = 20_000
SESSION_REMINDER = "Show today's session"  # the button under every session nudge


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("STRIDE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser test required (STRIDE_REQUIRE_BROWSER=1): {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
def requested() -> list[str]:
    """Every URL the page requested."""
    return []


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Any, sandbox: Sandbox, requested: list[str]) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1440, "height": 1000})
    tab = await context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.on("request", lambda request: requested.append(request.url))
    await tab.goto(sandbox.url)
    await tab.wait_for_selector("body[data-ready=true]")
    try:
        yield tab
    finally:
        await context.close()


def message(panel: Any, text: str | re.Pattern[str]) -> Any:
    """The latest message in a chat panel containing `text` (a plain string matches ignoring
    case, as Playwright's `has_text` does; a pattern is matched as written)."""
    return panel.locator("li.msg", has_text=text).last


async def test_crisis_acknowledgement_and_the_next_morning(
    page: Any, sandbox: Sandbox, requested: list[str]
) -> None:
    from playwright.async_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    await _crisis_story(page, expect)
    if nudge_tick() is None:
        await _clock_moves(page, expect)
    else:
        # Chloé has finished onboarding (off screen, for speed), so sessions are planned.
        await onboard_offscreen(sandbox.application.bot_data.services, CHLOE, "Chloé")
        await _session_reminder(page, expect)
    assert [url for url in requested if urlsplit(url).hostname != "127.0.0.1"] == []
    async with EmulatorClient(sandbox.emulator_url) as emulator:
        assert await emulator.violations() == []  # what Telegram would have refused


async def _crisis_story(page: Any, expect: Any) -> None:
    patient = page.locator("#patient-panel")
    supervisor = page.locator("#supervisor-panel")
    await page.get_by_label("Chat as").select_option(str(BEN))
    box = patient.get_by_role("textbox")
    await box.fill("/start")
    await box.press("Enter")

    await message(patient, "welcome").get_by_role("button", name="I agree").click()
    await message(patient, "Where are you").get_by_role("button", name="London").click()
    for number in range(1, 10):
        answer = "Several days" if number == 9 else "Not at all"
        question = message(patient, f"Question {number} of 9")
        await question.get_by_role("button", name=answer, exact=True).click()
    crisis = message(patient, "You don't have to carry this alone")
    await expect(crisis).to_be_visible()
    await expect(crisis.get_by_role("button", name="I'm safe right now")).to_be_visible()
    await page.mouse.move(0, 0)  # no hover highlight in the screenshots
    await patient.screenshot(path=ARTIFACTS / "sandbox-patient.png")

    alert = message(supervisor, "URGENT")
    await expect(alert).to_contain_text("PHQ-9 item 9")
    await supervisor.get_by_role("button", name="Acknowledge").last.focus()
    await page.keyboard.press("Enter")  # buttons work from the keyboard
    await expect(message(supervisor, "URGENT")).to_contain_text("Acknowledged by")
    await supervisor.screenshot(path=ARTIFACTS / "sandbox-supervisor.png")
    await page.screenshot(path=ARTIFACTS / "sandbox-page.png")


async def _clock_moves(page: Any, expect: Any) -> None:
    """Without bot.nudges.runner there is no reminder to wait for: the clock must move."""
    before = await page.locator("#clock-now").get_attribute("datetime")
    await page.get_by_role("button", name="Next morning").click()
    await expect(page.locator("#clock-status")).to_contain_text("Moved to the next morning")
    after = await page.locator("#clock-now").get_attribute("datetime")
    assert after > before
    assert re.search(r"08:00 UTC$", await page.locator("#clock-now").inner_text())


async def _session_reminder(page: Any, expect: Any) -> None:
    """Next morning, then day by day until a session is planned: its reminder arrives."""
    await page.get_by_label("Chat as").select_option(str(CHLOE))
    patient = page.locator("#patient-panel")
    reminder = patient.get_by_role("button", name=SESSION_REMINDER)
    await page.get_by_role("button", name="Next morning").click()
    for _ in range(7):
        await expect(page.locator("#clock-status")).to_contain_text("Moved")
        await page.wait_for_timeout(1500)  # the tick's messages, on their way to the page
        if await reminder.count():
            break
        await page.locator("#clock-status").evaluate("node => { node.textContent = '' }")
        await page.get_by_role("button", name="+1 day").click()
    await expect(reminder.last).to_be_visible()
    await patient.screenshot(path=ARTIFACTS / "sandbox-reminder.png")


async def test_the_page_makes_no_external_requests(page: Any, requested: list[str]) -> None:
    from playwright.async_api import expect

    await page.get_by_label("Chat as").select_option(str(BEN))
    menu = page.locator("#patient-panel .menu")
    await menu.locator("summary").click()
    await expect(menu.get_by_role("button", name="/today")).to_be_visible()
    await page.wait_for_timeout(500)
    assert any(url.endswith("/static/app.js") for url in requested)
    external = [url for url in requested if urlsplit(url).hostname != "127.0.0.1"]
    assert external == []
