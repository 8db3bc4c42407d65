"""Stride's configuration: one frozen settings object, read from the environment once.

Operators set environment variables (or a `.env` file in the working directory); the names
below are the contract with them, so every field is bound to its variable by an explicit
alias. A bad value is reported as one line naming the variable and what it expects, because
whoever reads it is configuring a deployment, not debugging Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

Language = Literal["en", "es"]
Enrolment = Literal["open", "invite"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# Telegram accepts 1–256 of these characters in X-Telegram-Bot-Api-Secret-Token.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DATABASE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+]*://")

# What each variable expects, in the words of the one-line error an operator sees.
EXPECTATIONS: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "the bot token from @BotFather",
    "TELEGRAM_API_URL": "an http:// or https:// Bot API base URL such as "
    "https://api.telegram.org/bot",
    "DATABASE_URL": "a SQLAlchemy database URL such as sqlite+aiosqlite:///stride.db",
    "SUPERVISOR_IDS": "comma-separated Telegram user ids such as 123,456",
    "BACKUP_SUPERVISOR_IDS": "comma-separated Telegram user ids such as 123,456",
    "SUPERVISOR_CHAT_ID": "a Telegram chat id (a whole number, negative for groups)",
    "ESCALATION_ACK_SECONDS": "a whole number of seconds greater than 0",
    "ESCALATION_RESOLVE_SECONDS": "a whole number of seconds greater than 0",
    "ESCALATION_LEVELS": "levels separated by ';', each comma-separated user ids with an "
    "optional @seconds to wait before the next level, such as 123,456@600;789",
    "ESCALATION_REMIND_SECONDS": "a whole number of seconds greater than 0",
    "ENROLMENT": "open or invite",
    "INVITE_DAYS": "a whole number of days greater than 0",
    "DEFAULT_COUNTRY": "an ISO 3166 alpha-2 country code such as US or MX",
    "DEFAULT_TIMEZONE": "a time zone name such as America/Mexico_City or UTC",
    "DEFAULT_LANGUAGE": "en or es",
    "CONTENT_DIR": "an existing content directory",
    "WEBHOOK_SECRET": "1 to 256 characters, each a letter, digit, _ or -",
    "LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "RETENTION_DAYS": "a whole number of days greater than 0",
    "METRICS_PORT": "a TCP port (1 to 65535) for /healthz and /metrics",
    "METRICS_HOST": "the address /healthz and /metrics bind, such as 127.0.0.1 or 0.0.0.0",
}
# Never echoed back in an error message.
SECRET_VARIABLES = frozenset({"TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET"})
ENV_VARS: tuple[str, ...] = tuple(EXPECTATIONS)


class ConfigurationError(Exception):
    """A setting is missing or malformed. `str(error)` is one line naming the variable(s)."""

    def __init__(self, message: str, variables: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.variables = variables

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> ConfigurationError:
        """One clause per bad variable (its first problem), joined on one line."""
        clauses: dict[str, str] = {}
        for detail in error.errors():
            variable = str(detail["loc"][0]) if detail["loc"] else "configuration"
            if variable in clauses:
                continue
            expects = EXPECTATIONS.get(variable, detail["msg"])
            clauses[variable] = f"{variable} must be {expects}{_got(variable, detail['input'])}"
        return cls("; ".join(clauses.values()), tuple(clauses))


def _got(variable: str, value: Any) -> str:
    if variable in SECRET_VARIABLES or not isinstance(value, str | int):
        return ""
    shown = repr(value)  # repr keeps a stray newline on the one line
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f" (got {shown})"


def _shipped_content() -> Path:
    # Imported here so a settings load for `stride migrate` does not parse content modules.
    from content.loader import SHIPPED_CONTENT

    return SHIPPED_CONTENT


def _one_of(value: Any, allowed: tuple[str, ...]) -> Any:
    # Raised here, before the case is changed, so the error shows what the operator typed.
    if value not in allowed:
        raise ValueError(f"expected one of {allowed}")
    return value


@cache
def _iso_countries() -> frozenset[str]:
    from babel import Locale

    # CLDR's region list: the ISO 3166 alpha-2 codes plus a few non-country groupings.
    groupings = {"EU", "EZ", "UN", "QO", "ZZ"}
    return (
        frozenset(
            code for code in Locale("en").territories if isinstance(code, str) and code.isalpha()
        )
        - groupings
    )


def _parse_ids(value: Any) -> Any:
    """`"123, 456"` → (123, 456); pydantic-settings would otherwise expect JSON."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",")]
        if parts == [""]:
            return ()
        if not all(re.fullmatch(r"[1-9]\d*", part) for part in parts):
            raise ValueError("expected comma-separated positive whole numbers")
        return tuple(int(part) for part in parts)
    return value


@dataclass(frozen=True)
class EscalationLevel:
    """One level of the escalation chain: who is told, and how long to wait for an
    acknowledgement before the next level is told (0: ESCALATION_ACK_SECONDS)."""

    people: tuple[int, ...]
    wait_seconds: int = 0

    def waiting(self, seconds: int) -> EscalationLevel:
        return EscalationLevel(self.people, seconds)


def _parse_levels(value: Any) -> Any:
    """`"1,2@600; 3"` → (EscalationLevel((1, 2), 600), EscalationLevel((3,), 0))."""
    if not isinstance(value, str):
        return value
    levels = []
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        ids, at, wait = part.partition("@")
        people = _parse_ids(ids)
        if not people or (at and not re.fullmatch(r"[1-9]\d*", wait.strip())):
            raise ValueError("expected ids[@seconds] per level")
        levels.append(EscalationLevel(tuple(people), int(wait) if wait else 0))
    return tuple(levels)


class Settings(BaseSettings):
    """Everything Stride reads from its environment. Build it with `load_settings`."""

    # env_ignore_empty: `SUPERVISOR_CHAT_ID=` in .env means "not set", whatever the type.
    model_config = SettingsConfigDict(
        env_file=".env", frozen=True, extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(
        "https://api.telegram.org/bot", validation_alias="TELEGRAM_API_URL"
    )
    database_url: str = Field("sqlite+aiosqlite:///stride.db", validation_alias="DATABASE_URL")
    primary_supervisors: Annotated[tuple[int, ...], NoDecode] = Field(
        (), validation_alias="SUPERVISOR_IDS"
    )
    backup_supervisors: Annotated[tuple[int, ...], NoDecode] = Field(
        (), validation_alias="BACKUP_SUPERVISOR_IDS"
    )
    supervisor_chat_id: int | None = Field(None, validation_alias="SUPERVISOR_CHAT_ID")
    escalation_ack_seconds: int = Field(600, gt=0, validation_alias="ESCALATION_ACK_SECONDS")
    escalation_resolve_seconds: int = Field(
        86400, gt=0, validation_alias="ESCALATION_RESOLVE_SECONDS"
    )
    escalation_chain: Annotated[tuple[EscalationLevel, ...], NoDecode] = Field(
        (), validation_alias="ESCALATION_LEVELS"
    )
    escalation_remind_seconds: int = Field(
        3600, gt=0, validation_alias="ESCALATION_REMIND_SECONDS"
    )
    enrolment: Enrolment = Field("open", validation_alias="ENROLMENT")
    invite_days: int = Field(14, gt=0, validation_alias="INVITE_DAYS")
    default_country: str = Field("US", validation_alias="DEFAULT_COUNTRY")
    default_timezone: str = Field("UTC", validation_alias="DEFAULT_TIMEZONE")
    default_language: Language = Field("en", validation_alias="DEFAULT_LANGUAGE")
    content_dir: Path = Field(default_factory=_shipped_content, validation_alias="CONTENT_DIR")
    webhook_secret: SecretStr | None = Field(None, validation_alias="WEBHOOK_SECRET")
    log_level: LogLevel = Field("INFO", validation_alias="LOG_LEVEL")
    # Free text (session notes, barrier plans, patients' words in resolved alerts) and
    # processed update ids are pruned after this many days (bot/storage/retention.py).
    retention_days: int = Field(365, gt=0, validation_alias="RETENTION_DAYS")
    # Health and metrics get a small port of their own, in polling and webhook mode alike.
    metrics_port: int | None = Field(None, ge=1, le=65535, validation_alias="METRICS_PORT")
    metrics_host: str = Field("127.0.0.1", min_length=1, validation_alias="METRICS_HOST")
    # Handled updates are remembered this long: Telegram redelivers for 24 h at most.
    update_redelivery_hours: int = Field(
        24, gt=0, le=24 * 30, validation_alias="UPDATE_REDELIVERY_HOURS"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # `load_settings(env)` passes a whole environment as init values; nothing else is read.
        if _ONLY_GIVEN_VALUES.get():
            return (init_settings,)
        return (init_settings, env_settings, dotenv_settings, file_secret_settings)

    @field_validator("primary_supervisors", "backup_supervisors", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        return _parse_ids(value)

    @field_validator("escalation_chain", mode="before")
    @classmethod
    def _levels(cls, value: Any) -> Any:
        return _parse_levels(value)

    @field_validator("enrolment", mode="before")
    @classmethod
    def _enrolment(cls, value: Any) -> Any:
        return _one_of(value.lower() if isinstance(value, str) else value, get_args(Enrolment))

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not _DATABASE_URL.match(value):
            raise ValueError("expected dialect[+driver]://...")
        return value

    @field_validator("default_country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        # Checked against the region list too: "UK" (not ISO; GB is) would silently pick the
        # fallback crisis resources instead of the country's own.
        code = value.upper() if isinstance(value, str) else ""
        if not (_COUNTRY.fullmatch(code) and code in _iso_countries()):
            raise ValueError("expected an ISO 3166 alpha-2 code")
        return code

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("unknown time zone") from error
        return value

    @field_validator("default_language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> Any:
        return _one_of(value.lower() if isinstance(value, str) else value, get_args(Language))

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> Any:
        return _one_of(value.upper() if isinstance(value, str) else value, get_args(LogLevel))

    @field_validator("content_dir")
    @classmethod
    def _directory(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError("not a directory")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("not a valid Telegram secret token")
        return value

    @property
    def escalation_levels(self) -> tuple[EscalationLevel, ...]:
        """The escalation chain: ESCALATION_LEVELS, or SUPERVISOR_IDS then
        BACKUP_SUPERVISOR_IDS as two levels, each waiting ESCALATION_ACK_SECONDS."""
        if self.escalation_chain:
            return tuple(
                level if level.wait_seconds else level.waiting(self.escalation_ack_seconds)
                for level in self.escalation_chain
            )
        wait = self.escalation_ack_seconds
        levels = [EscalationLevel(self.primary_supervisors, wait)]
        if self.backup_supervisors:
            levels.append(EscalationLevel(self.backup_supervisors, wait))
        return tuple(levels)

    @property
    def supervisor_ids(self) -> list[int]:
        """The first level (SUPERVISOR_IDS), asked first when a patient needs a human."""
        return list(self.escalation_levels[0].people)

    @property
    def backup_supervisor_ids(self) -> list[int]:
        """Everyone on a later level of the chain, each once."""
        return list(dict.fromkeys(p for level in self.escalation_levels[1:] for p in level.people))

    @property
    def all_supervisor_ids(self) -> list[int]:
        """Everyone on the chain, first level first, each once."""
        return list(dict.fromkeys(p for level in self.escalation_levels for p in level.people))

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)

    def require_token(self) -> str:
        """The bot token, or a ConfigurationError for commands that talk to Telegram."""
        if self.telegram_bot_token is None:
            raise ConfigurationError(
                "TELEGRAM_BOT_TOKEN must be set to run the bot (the token from @BotFather)",
                ("TELEGRAM_BOT_TOKEN",),
            )
        return self.telegram_bot_token.get_secret_value()

    def require_webhook_secret(self) -> str:
        """Webhook mode without a secret would accept updates from anyone who finds the URL."""
        if self.webhook_secret is None:
            raise ConfigurationError(
                f"WEBHOOK_SECRET must be set when running with a webhook URL "
                f"({EXPECTATIONS['WEBHOOK_SECRET']})",
                ("WEBHOOK_SECRET",),
            )
        return self.webhook_secret.get_secret_value()

    # Defined last because pydantic runs "before" validators last-defined first: every other
    # validator sees the value without the stray spaces a hand-edited .env tends to carry.
    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


_ONLY_GIVEN_VALUES: ContextVar[bool] = ContextVar("stride_only_given_values", default=False)


def _without_blanks(values: Mapping[str, str]) -> dict[str, str]:
    known = set(ENV_VARS)
    upper = {name.upper(): value for name, value in values.items()}
    return {name: value for name, value in upper.items() if name in known and value.strip()}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings from the process environment and `./.env`, or from `env` alone.

    With `env` (tests, tools), nothing else is read: not the process environment, not `.env`.
    Raises `ConfigurationError` with one line naming every bad variable.
    """
    try:
        if env is None:
            return Settings()
        token = _ONLY_GIVEN_VALUES.set(True)
        try:
            # model_validate runs __init__, so the sources chosen above apply.
            return Settings.model_validate(_without_blanks(env))
        finally:
            _ONLY_GIVEN_VALUES.reset(token)
    except ValidationError as error:
        raise ConfigurationError.from_validation_error(error) from None


__all__ = [
    "ENV_VARS",
    "ConfigurationError",
    "Enrolment",
    "EscalationLevel",
    "Language",
    "LogLevel",
    "Settings",
    "load_settings",
]
