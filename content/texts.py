"""Chat texts by key, per language, with English as the fallback for missing keys.

Wording lives in `data/messages/{lang}.yaml` so a clinician edits words without touching
code. Leaves are a string, or a list of variants (nudges rotate them).
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from babel import Locale, UnknownLocaleError, negotiate_locale

FALLBACK_LANGUAGE = "en"


def flatten(tree: Mapping[str, object], prefix: str = "") -> dict[str, str | list[str]]:
    """Turn nested YAML mappings into dotted keys (`checkin.result.band`)."""
    flat: dict[str, str | list[str]] = {}
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{key}."))
        elif isinstance(value, str):
            flat[key] = value
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            flat[key] = list(value)
        else:
            raise ValueError(f"{key}: a text must be a string or a list of strings")
    return flat


def placeholders(template: str) -> set[str]:
    """The `{name}` fields a text expects, so translations can be checked against English."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class _KeepMissing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Texts:
    """Every language's texts; lookups fall back to English, then to the key itself."""

    by_language: Mapping[str, Mapping[str, str | list[str]]]
    _rng: random.Random = field(default_factory=random.Random, compare=False)

    @property
    def languages(self) -> list[str]:
        return sorted(self.by_language)

    def has(self, key: str, language: str = FALLBACK_LANGUAGE) -> bool:
        return key in self.by_language.get(language, {})

    def variants(self, language: str, key: str) -> list[str]:
        raw = self.by_language.get(language, {}).get(key)
        if raw is None:
            raw = self.by_language.get(FALLBACK_LANGUAGE, {}).get(key, key)
        return [raw] if isinstance(raw, str) else list(raw)

    def get(self, language: str, key: str, /, **params: object) -> str:
        """The text for `key`; unknown `{fields}` are left visible rather than crashing a reply."""
        return self.variant(language, key, 0, **params)

    def variant(self, language: str, key: str, index: int, /, **params: object) -> str:
        """One of several wordings of `key` (nudges rotate them), chosen by `index`."""
        options = self.variants(language, key)
        return options[index % len(options)].format_map(_KeepMissing(params))

    def untranslated(self, language: str) -> list[str]:
        english = self.by_language.get(FALLBACK_LANGUAGE, {})
        mine = self.by_language.get(language, {})
        return sorted(set(english) - set(mine))


def negotiate_language(requested: str | None, available: Sequence[str]) -> str:
    """Map Telegram's `language_code` (e.g. `es-MX`, `pt-br`) to a language Stride ships."""
    if not requested:
        return FALLBACK_LANGUAGE
    normalised = requested.replace("-", "_")
    chosen = negotiate_locale([normalised], list(available), sep="_")
    if chosen:
        return str(chosen)
    try:
        language = Locale.parse(normalised).language
    except (ValueError, UnknownLocaleError):
        return FALLBACK_LANGUAGE
    return language if language in available else FALLBACK_LANGUAGE
