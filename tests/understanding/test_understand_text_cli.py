"""`stride understand-text`: one `intent<TAB>slots` line per input line, whatever the bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import ENV_VARS


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper() in ENV_VARS:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_one_line_per_message() -> None:
    messages = "walked 20 min\nI'm too tired\r\n\nfui a correr 30 minutos\nthe bus was late\n"
    result = CliRunner().invoke(app, ["understand-text"], input=messages)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "activity_report\tactivity=brisk_walking minutes=20 modality=aerobic",
        "low_energy\t-",
        "unknown\t-",
        "activity_report\tactivity=running minutes=30 modality=aerobic",
        "unknown\t-",
    ]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    result = CliRunner().invoke(app, ["understand-text"], input=b"\xff\xfe so tired\n\xc3(\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["low_energy\t-", "unknown\t-"]


def test_why_names_the_pattern_and_language_goes_first() -> None:
    result = CliRunner().invoke(
        app, ["understand-text", "--why", "--language", "es"], input="listo\n"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "session_done\t-\tsession_done:done_alone\n"
