"""JSON-shaped building blocks shared by the FHIR resource builders."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from bot.records import codes

Json = dict[str, Any]
_NAMESPACE = uuid.UUID("5d9f8a52-4f0b-4c39-9d5e-2b8f3c1a7e10")


def url(code: str, kind: str, key: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{code}/{kind}/{key}')}"


def ref(url: str) -> Json:
    return {"reference": url}


def coding(system: str, pair: tuple[str, str]) -> Json:
    return {"system": system, "code": pair[0], "display": pair[1]}


def concept(system: str, pair: tuple[str, str]) -> Json:
    return {"coding": [coding(system, pair)], "text": pair[1]}


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def category(code: str, display: str) -> list[Json]:
    return [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": code, "display": display}]}]


def minutes(value: int) -> Json:
    return {"value": value, "unit": "min", "system": codes.UCUM, "code": "min"}


def percent(value: int) -> Json:
    return {"value": value, "unit": "%", "system": codes.UCUM, "code": "%"}
