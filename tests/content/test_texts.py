"""Translations are complete, missing keys fall back to English, languages are negotiated."""

from __future__ import annotations

import pytest

from content.loader import SHIPPED_CONTENT, Content
from content.texts import FALLBACK_LANGUAGE, Texts, negotiate_language

TRANSLATIONS = sorted(
    p.name for p in (SHIPPED_CONTENT / "messages").iterdir() if p.is_dir() and p.name != "en"
)


def test_spanish_is_shipped() -> None:
    assert "es" in TRANSLATIONS


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_no_untranslated_keys(content: Content, language: str) -> None:
    untranslated = content.texts.untranslated(language)
    print(f"{language}: {len(untranslated)} untranslated key(s): {untranslated}")
    assert not untranslated, f"{language} misses English keys: {', '.join(untranslated)}"


def test_untranslated_names_the_missing_keys() -> None:
    texts = Texts({"en": {"a": "A", "b": "B", "c.d": "D"}, "es": {"a": "A-es"}})
    assert texts.untranslated("es") == ["b", "c.d"]
    assert texts.untranslated("en") == []


def test_missing_key_falls_back_to_english() -> None:
    texts = Texts({"en": {"greeting": "Hello {name}", "only.en": "English"}, "es": {}})
    assert texts.get("es", "only.en") == "English"
    assert texts.get("es", "greeting", name="Ana") == "Hello Ana"
    assert texts.get("fr", "only.en") == "English"  # unknown language: English too
    assert texts.get("es", "no.such.key") == "no.such.key"  # unknown key: the key itself


def test_shipped_fallback_when_spanish_lacks_a_key(content: Content) -> None:
    spanish = dict(content.texts.by_language["es"])
    del spanish["crisis.fallback"]
    texts = Texts({"en": content.texts.by_language["en"], "es": spanish})
    assert texts.get("es", "crisis.fallback") == content.texts.get("en", "crisis.fallback")
    assert texts.untranslated("es") == ["crisis.fallback"]


def test_spanish_is_used_when_present(content: Content) -> None:
    assert content.texts.get("es", "barrier.button.next") != content.texts.get(
        FALLBACK_LANGUAGE, "barrier.button.next"
    )


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("es-MX", "es"),
        ("es", "es"),
        ("es_419", "es"),
        ("en-GB", "en"),
        ("pt-BR", "en"),
        ("", "en"),
        (None, "en"),
        ("not a locale", "en"),
    ],
)
def test_negotiate_language(requested: str | None, expected: str) -> None:
    assert negotiate_language(requested, ["en", "es"]) == expected
