"""The compose file is a valid deployment: `docker compose config` where Docker Compose
exists, and everywhere a schema check of the parts Stride relies on plus the rules that
make two replicas safe (migrations once, PostgreSQL, health checks, SIGTERM, the proxy).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "compose.yaml"
ENV = {
    "POSTGRES_PASSWORD": "pw",
    "STRIDE_WEBHOOK_URL": "https://bot.example.org",
    "TELEGRAM_BOT_TOKEN": "123:abc",
    "WEBHOOK_SECRET": "secret",
    "SUPERVISOR_IDS": "1",
}

_STRINGS = {"type": "array", "items": {"type": "string"}}
_HEALTHCHECK = {
    "type": "object",
    "required": ["test"],
    "properties": {
        "test": {"oneOf": [{"type": "string"}, _STRINGS]},
        "interval": {"type": "string", "pattern": r"^\d+(ms|s|m)$"},
        "timeout": {"type": "string", "pattern": r"^\d+(ms|s|m)$"},
        "start_period": {"type": "string", "pattern": r"^\d+(ms|s|m)$"},
        "retries": {"type": "integer", "minimum": 1},
    },
    "additionalProperties": False,
}
# The subset of the Compose Specification this file uses, strict about unknown keys so a
# typo ("depend_on", "healtcheck") fails here instead of being ignored by Docker.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["services"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"},
        "volumes": {"type": "object"},
        "services": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "anyOf": [{"required": ["image"]}, {"required": ["build"]}],
                "additionalProperties": False,
                "properties": {
                    "image": {"type": "string"},
                    "build": {"oneOf": [{"type": "string"}, {"type": "object"}]},
                    "command": {"oneOf": [{"type": "string"}, _STRINGS]},
                    "environment": {
                        "type": "object",
                        "additionalProperties": {"type": ["string", "number", "boolean"]},
                    },
                    "env_file": {"type": "array"},
                    "volumes": _STRINGS,
                    "ports": _STRINGS,
                    "expose": _STRINGS,
                    "depends_on": {
                        "oneOf": [
                            _STRINGS,
                            {
                                "type": "object",
                                "additionalProperties": {
                                    "type": "object",
                                    "required": ["condition"],
                                    "properties": {
                                        "condition": {
                                            "enum": [
                                                "service_started",
                                                "service_healthy",
                                                "service_completed_successfully",
                                            ]
                                        }
                                    },
                                },
                            },
                        ]
                    },
                    "healthcheck": _HEALTHCHECK,
                    "deploy": {
                        "type": "object",
                        "properties": {"replicas": {"type": "integer", "minimum": 1}},
                    },
                    "restart": {"enum": ["no", "always", "on-failure", "unless-stopped"]},
                    "stop_signal": {"type": "string", "pattern": "^SIG[A-Z]+$"},
                    "stop_grace_period": {"type": "string", "pattern": r"^\d+(s|m)$"},
                },
            },
        },
    },
}


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def test_the_compose_file_matches_the_schema() -> None:
    jsonschema.validate(_compose(), SCHEMA)


def test_a_typo_in_a_service_key_is_caught() -> None:
    broken = _compose()
    broken["services"]["stride"]["depend_on"] = broken["services"]["stride"].pop("depends_on")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_two_stride_replicas_share_postgresql_and_never_migrate_at_once() -> None:
    services = _compose()["services"]
    stride, migrate = services["stride"], services["migrate"]
    assert stride["deploy"]["replicas"] == 2
    assert "--no-migrate" in stride["command"]
    assert stride["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert migrate["command"] == ["migrate"]
    for service in (stride, migrate):
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "@db:5432/" in service["environment"]["DATABASE_URL"]
    assert services["db"]["healthcheck"]
    assert "pgdata" in _compose()["volumes"]


def test_replicas_answer_health_checks_and_stop_gracefully() -> None:
    stride = _compose()["services"]["stride"]
    port = stride["environment"]["METRICS_PORT"]
    assert stride["environment"]["METRICS_HOST"] == "0.0.0.0"
    assert f"127.0.0.1:{port}/healthz" in " ".join(stride["healthcheck"]["test"])
    assert stride["stop_signal"] == "SIGTERM"
    assert "--webhook-url" in stride["command"]
    assert "WEBHOOK_SECRET" in stride["environment"]


def test_every_dependency_is_a_service_and_the_proxy_reaches_the_replicas() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        depends = service.get("depends_on", {})
        for other in depends if isinstance(depends, list) else depends.keys():
            assert other in services, f"{name} depends on unknown {other}"
    proxy = services["proxy"]
    config_path = proxy["volumes"][0].split(":")[0]
    config = (REPO / config_path).read_text()
    assert "server stride:8443" in config
    assert "location /telegram" in config  # PTB's webhook path in bot/app.py


def test_every_variable_the_file_needs_is_documented() -> None:
    needed = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE.read_text()))
    readme = (REPO / "README.md").read_text()
    for variable in needed:
        assert variable in readme, f"{variable} is not documented in the README"


def test_the_image_installs_stride_and_runs_it_as_a_non_root_user() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert 'pip install ".[postgres]"' in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    assert 'ENTRYPOINT ["stride"]' in dockerfile
    for package in ("bot", "dialogs", "state_machines", "content"):
        assert f"COPY {package} ./{package}" in dockerfile


def _docker_compose() -> list[str] | None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return command
    return None


@pytest.mark.skipif(_docker_compose() is None, reason="Docker Compose is not installed")
def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    command = _docker_compose()
    assert command is not None
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
