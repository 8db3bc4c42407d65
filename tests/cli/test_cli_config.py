"""Configuration: defaults, parsing, and bad values as one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values
from pydantic import ValidationError
from typer.testing import CliRunner

from bot.cli import app
from bot.config import ENV_VARS, ConfigurationError, load_settings
from content.loader import SHIPPED_CONTENT

REPO = Path(__file__).resolve().parents[2]

BAD_VALUES = [
    ("ESCALATION_ACK_SECONDS", "soon"),
    ("ESCALATION_ACK_SECONDS", "0"),
    ("ESCALATION_RESOLVE_SECONDS", "-5"),
    ("SUPERVISOR_IDS", "abc"),
    ("BACKUP_SUPERVISOR_IDS", "12;13"),
    ("SUPERVISOR_CHAT_ID", "the team"),
    ("DEFAULT_TIMEZONE", "Mars/Base"),
    ("DEFAULT_COUNTRY", "USA"),
    ("DEFAULT_COUNTRY", "UK"),
    ("DEFAULT_LANGUAGE", "fr"),
    ("LOG_LEVEL", "loud"),
    ("DATABASE_URL", "stride.db"),
    ("TELEGRAM_API_URL", "api.telegram.org"),
    ("CONTENT_DIR", "/no/such/content"),
    ("WEBHOOK_SECRET", "has spaces!"),
    ("RETENTION_DAYS", "0"),
    ("RETENTION_DAYS", "a year"),
]


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.database_url == "sqlite+aiosqlite:///stride.db"
    assert settings.supervisor_ids == []
    assert settings.all_supervisor_ids == []
    assert settings.supervisor_chat_id is None
    assert settings.escalation_ack_seconds == 600
    assert settings.escalation_resolve_seconds == 86400
    assert settings.default_country == "US"
    assert settings.default_timezone == "UTC"
    assert settings.default_language == "en"
    assert settings.content_dir == SHIPPED_CONTENT
    assert settings.webhook_secret is None
    assert settings.log_level == "INFO"


def test_supervisor_ids_are_comma_separated() -> None:
    settings = load_settings({"SUPERVISOR_IDS": "1, 2,3", "BACKUP_SUPERVISOR_IDS": "3,4"})
    assert settings.supervisor_ids == [1, 2, 3]
    assert settings.backup_supervisor_ids == [3, 4]
    assert settings.all_supervisor_ids == [1, 2, 3, 4]  # primary first, each once
    assert load_settings({"SUPERVISOR_IDS": ""}).supervisor_ids == []
    assert load_settings({"SUPERVISOR_IDS": "  "}).supervisor_ids == []


def test_values_are_normalised() -> None:
    settings = load_settings(
        {
            "DEFAULT_COUNTRY": " mx ",
            "DEFAULT_LANGUAGE": "ES",
            "LOG_LEVEL": "debug",
            "DEFAULT_TIMEZONE": "America/Mexico_City",
            "SUPERVISOR_CHAT_ID": "-1001234",
            "TELEGRAM_BOT_TOKEN": "123:abc",
        }
    )
    assert settings.default_country == "MX"
    assert settings.default_language == "es"
    assert settings.log_level == "DEBUG"
    assert settings.timezone.key == "America/Mexico_City"
    assert settings.supervisor_chat_id == -1001234
    assert settings.require_token() == "123:abc"
    assert "abc" not in repr(settings)


def test_settings_are_frozen() -> None:
    settings = load_settings({})
    with pytest.raises(ValidationError):
        settings.escalation_ack_seconds = 1  # type: ignore[misc]


def test_given_env_is_the_whole_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALATION_ACK_SECONDS", "30")
    Path(".env").write_text("ESCALATION_RESOLVE_SECONDS=60\n")
    assert load_settings({}).escalation_ack_seconds == 600
    assert load_settings({}).escalation_resolve_seconds == 86400


def test_environment_wins_over_dotenv_and_blank_means_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Path(".env").write_text(
        "ESCALATION_ACK_SECONDS=30\nESCALATION_RESOLVE_SECONDS=60\nSUPERVISOR_CHAT_ID=\n"
    )
    monkeypatch.setenv("ESCALATION_ACK_SECONDS", "45")
    settings = load_settings()
    assert settings.escalation_ack_seconds == 45
    assert settings.escalation_resolve_seconds == 60
    assert settings.supervisor_chat_id is None


@pytest.mark.parametrize(("variable", "value"), BAD_VALUES)
def test_bad_value_is_one_line_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({variable: value})
    message = str(raised.value)
    assert message.startswith(f"{variable} must be ")
    assert "\n" not in message
    assert raised.value.variables == (variable,)


@pytest.mark.parametrize(("variable", "value"), BAD_VALUES)
def test_cli_exits_2_with_one_line(runner: CliRunner, variable: str, value: str) -> None:
    result = runner.invoke(app, ["content", "check"], env={variable: value})
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"stride: configuration error: {variable} must be ")
    assert "Traceback" not in result.output


def test_the_documented_example_message(runner: CliRunner) -> None:
    result = runner.invoke(app, ["migrate"], env={"ESCALATION_ACK_SECONDS": "soon"})
    assert result.exit_code == 2
    assert result.stderr == (
        "stride: configuration error: ESCALATION_ACK_SECONDS must be a whole number of "
        "seconds greater than 0 (got 'soon')\n"
    )


def test_secrets_are_not_echoed() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"WEBHOOK_SECRET": "hunter2 with spaces"})
    assert "hunter2" not in str(raised.value)


def test_several_bad_values_still_make_one_line() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"DEFAULT_LANGUAGE": "fr", "ESCALATION_ACK_SECONDS": "0"})
    assert "\n" not in str(raised.value)
    assert set(raised.value.variables) == {"DEFAULT_LANGUAGE", "ESCALATION_ACK_SECONDS"}


def test_python_dash_m_bot_reports_a_bad_value_without_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k.upper() not in ENV_VARS}
    env["PYTHONPATH"] = str(REPO)
    env["ESCALATION_ACK_SECONDS"] = "soon"
    process = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == 2
    assert process.stderr.splitlines() == [
        "stride: configuration error: ESCALATION_ACK_SECONDS must be a whole number of "
        "seconds greater than 0 (got 'soon')"
    ]
    assert not (tmp_path / "stride.db").exists()


def test_env_example_documents_every_variable_and_is_valid() -> None:
    text = (REPO / ".env.example").read_text()
    lines = text.splitlines()
    for variable in ENV_VARS:
        assignments = [i for i, line in enumerate(lines) if line.startswith(f"{variable}=")]
        assert len(assignments) == 1, variable
        assert lines[assignments[0] - 1].startswith("#"), f"{variable} has no comment"
    values = {k: v for k, v in dotenv_values(REPO / ".env.example").items() if v is not None}
    assert set(values) == set(ENV_VARS)
    assert load_settings(values) == load_settings({})
