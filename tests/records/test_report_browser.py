"""The report page in a real browser (Debian's chromium via Playwright): it renders from a
file with no request to anywhere, and a screenshot is kept in artifacts/.

Skips without chromium or Playwright unless STRIDE_REQUIRE_BROWSER=1 (CI) makes it fail.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from bot.records.report import make_report
from bot.storage import Store
from content.loader import Content
from tests.records.seed import NOW, Seeded

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


async def test_report_renders_offline_in_chromium(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    reason = _missing()
    if reason is not None:
        if os.environ.get("STRIDE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser test required (STRIDE_REQUIRE_BROWSER=1): {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    from playwright.async_api import async_playwright, expect

    page_path = await make_report(store, content, tmp_path / "report", NOW)
    requested: list[str] = []
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await chromium.new_context(viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            page.on("request", lambda request: requested.append(request.url))
            await page.goto(page_path.as_uri())
            await expect(page.get_by_role("heading", name="Stride clinic report")).to_be_visible()
            for section in ("Engagement", "Dose fidelity", "Outcomes (PHQ-9)", "Safety"):
                await expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
            chart = page.locator("#dose ~ .chart svg").first
            box = await chart.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 100
            await expect(page.get_by_role("heading", name=seeded.ana_code)).to_be_visible()
            # nothing wider than the window: wide tables scroll inside their own box
            assert await page.evaluate("document.documentElement.scrollWidth") <= 1280
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=ARTIFACTS / "report-page.png", full_page=True)
            await context.close()
        finally:
            await chromium.close()
    assert requested == [page_path.as_uri()]  # the page itself, and nothing else
