"""A seeded store for the records tests (see `seed.py` for who is in it)."""

from __future__ import annotations

import pytest

from bot.storage import Store
from content.loader import Content, shipped_content
from tests.records.seed import Seeded, seed


@pytest.fixture
async def seeded(store: Store) -> Seeded:
    return await seed(store)


@pytest.fixture
def content() -> Content:
    return shipped_content()
