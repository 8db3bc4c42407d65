"""Timezones from what a patient types: a city, a zone name or a UTC offset.

Offsets like UTC+5:45 are kept as fixed offsets (no daylight saving); named zones are
preferred because they follow DST, so the buttons offer cities.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel.core import get_global

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def tz_for(name: str) -> dt.tzinfo:
    """The tzinfo for a stored name: an IANA zone or `UTC+HH:MM`."""
    match = _OFFSET.match(name.strip())
    if match and not name.startswith(("Etc/", "UTC/")) and name.upper() != "UTC":
        sign, hours, minutes = match.groups()
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        return dt.timezone(-delta if sign == "-" else delta, name)
    return ZoneInfo(name)


def _city_key(name: str) -> str:
    """Case and accents folded, so "Bogotá", "BOGOTA" and "bogota" are the same city."""
    decomposed = unicodedata.normalize("NFKD", name.replace("_", " ").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@cache
def _zones_by_city() -> dict[str, str]:
    cities: dict[str, str] = {}
    for zone in available_timezones():
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/")):
            cities.setdefault(_city_key(zone.rsplit("/", 1)[1]), zone)
    return cities


def parse_timezone(text: str) -> str | None:
    """A stored timezone name for what was typed, or None if it cannot be understood."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > 64:
        return None
    match = _OFFSET.match(cleaned)
    if match:
        sign, hours, minutes = match.groups()
        if int(hours) > 14 or int(minutes or 0) >= 60:
            return None
        if int(hours) == 0 and int(minutes or 0) == 0:
            return "UTC"
        return f"UTC{sign}{int(hours):02d}:{int(minutes or 0):02d}"
    if cleaned.upper() in ("UTC", "GMT"):
        return "UTC"
    if cleaned in available_timezones():
        return cleaned
    return _zones_by_city().get(_city_key(cleaned))


def country_of(zone: str) -> str | None:
    """The country a named zone belongs to (Babel's CLDR data), for crisis resources."""
    territory = get_global("zone_territories").get(zone)
    return str(territory) if territory else None
