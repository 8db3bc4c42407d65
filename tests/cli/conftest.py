"""CLI tests run in an empty working directory with none of Stride's variables set.

Without this, a developer's own `.env` or exported TELEGRAM_BOT_TOKEN would leak into tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.config import ENV_VARS


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper() in ENV_VARS:  # pydantic-settings matches names case-insensitively
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
